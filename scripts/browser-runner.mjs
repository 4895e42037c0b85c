#!/usr/bin/env node
// Cargo's runner for the wasm tests in the browser (make test-wasm-browser): wasm-bindgen-test-runner builds the
// test page and serves it (its interactive mode), and this drives headless Chromium there with playwright-core.
//
// Why not the runner's own headless mode: its server (tiny_http 0.12) hands each connection to a thread pool that
// loses a wake-up when connections arrive together, and a lost connection waits until another one closes. Chromium
// opens six at once and keeps them alive, so the page never finished loading in about 1 run in 3 on a busy machine
// (seen as Recv-Q bytes that no thread read). Here every request reaches that server on a connection of its own,
// closed after the answer, so a lost wake-up is picked up by the next thread that finishes.
//
// Usage (cargo does it): browser-runner.mjs <test.wasm> [test args]. Prints the suite's output as it comes, and the
// page's console when the suite did not pass; exits 0 only after "test result: ok". WASM_BINDGEN_TEST_TIMEOUT
// (seconds, default 120) bounds the whole suite.
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";

const timeoutMs = Number(process.env.WASM_BINDGEN_TEST_TIMEOUT || 120) * 1000;

/** A loopback port that was free a moment ago (the runner binds the address it is given). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Starts wasm-bindgen-test-runner serving the page on `port`; resolves once it listens. */
function startRunner(args, port) {
  const child = spawn("wasm-bindgen-test-runner", args, {
    env: { ...process.env, NO_HEADLESS: "1", WASM_BINDGEN_TEST_ADDRESS: `127.0.0.1:${port}` },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      if (seen.includes("are now available at")) resolve(child);
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`wasm-bindgen-test-runner exited (${code}) before serving:\n${seen}`)));
    // Generating the bindings takes seconds; a runner that never serves must not hang make test.
    setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wasm-bindgen-test-runner did not serve within 120 s:\n${seen}`));
    }, 120_000).unref();
  });
}

/** A proxy in front of the runner's server: one upstream connection per request, closed after it. */
function startProxy(upstreamPort) {
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, connection: "close" };
    const up = http.request({ host: "127.0.0.1", port: upstreamPort, path: req.url, method: req.method, headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
    up.on("error", (e) => {
      res.writeHead(502).end(String(e));
    });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Chromium's flags: no sandbox (root in CI), and nothing in the background that reaches out or competes. */
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-default-apps", "--no-first-run", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage"];

async function main() {
  const args = process.argv.slice(2);
  const port = await freePort();
  const runner = await startRunner(args, port);
  const proxy = await startProxy(port);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  let output = "";
  const consoleLines = [];
  try {
    const page = await browser.newPage();
    page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${proxy.address().port}/`, { timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    while (!output.includes("test result: ") && Date.now() < deadline) {
      const text = (await page.textContent("#output")) ?? "";
      // The page shows "Loading scripts..." / "Loading Wasm module..." until the harness writes its own output.
      if (text.startsWith(output)) process.stdout.write(text.slice(output.length));
      else process.stdout.write(text);
      output = text;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await browser.close().catch(() => {});
    proxy.close();
    runner.kill("SIGKILL");
  }
  if (output.includes("test result: ok")) return 0;
  if (!output.includes("test result: ")) console.log(`\nthe suite did not finish within ${timeoutMs / 1000} s`);
  if (consoleLines.length) console.log(`console output:\n${consoleLines.map((l) => `    ${l}`).join("\n")}`);
  return 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});

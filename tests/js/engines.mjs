// The browser engines beyond Chromium, for the tests that run the packed package in a page: Firefox (Debian's
// firefox-esr, headless, driven over WebDriver BiDi by puppeteer-core) and WebKit (Debian's webkit2gtk-driver:
// WebKitWebDriver driving MiniBrowser, which has no headless mode, so under an Xvfb display of our own, over plain
// WebDriver HTTP). Both give the same small page API: goto(url), evaluate(expression) (awaited, JSON back), close().
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The engines this machine has, by name ("firefox", "webkit"), and why one is missing. */
export const FIREFOX = "/usr/bin/firefox-esr";
export const WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver";
const MINIBROWSER = ["/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser"].find((p) => existsSync(p));

/** A free loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Firefox: one headless browser; each page a new tab. */
export async function launchFirefox() {
  const { default: puppeteer } = await import("puppeteer-core");
  const profile = mkdtempSync(join(tmpdir(), "pf-firefox-"));
  const browser = await puppeteer.launch({
    browser: "firefox", executablePath: FIREFOX, headless: true, userDataDir: profile,
    // No updates, telemetry or remote settings: this machine's network is closed.
    extraPrefsFirefox: { "app.update.enabled": false, "datareporting.policy.dataSubmissionEnabled": false, "network.dns.disableIPv6": true },
  });
  return {
    name: "Firefox",
    async newPage() {
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e}`));
      return {
        errors,
        goto: (url) => page.goto(url),
        evaluate: (expression) => page.evaluate(expression),
        close: () => page.close(),
      };
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** WebKit: Xvfb, then WebKitWebDriver; each page a WebDriver session with its own MiniBrowser. */
export async function launchWebKit() {
  if (!MINIBROWSER) throw new Error("MiniBrowser not found (apt-get install webkit2gtk-driver)");
  const display = `:${90 + Math.floor(Math.random() * 400)}`;
  const xvfb = spawn("Xvfb", [display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], { stdio: "ignore" });
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], { stdio: "ignore", env: { ...process.env, DISPLAY: display } });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const r = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const data = await r.json();
    if (data.value && data.value.error) throw new Error(`WebDriver ${path}: ${data.value.error}: ${data.value.message}`);
    return data.value;
  };
  for (let i = 0; ; i++) {
    try {
      await call("GET", "/status");
      break;
    } catch (e) {
      if (i > 100) throw new Error(`WebKitWebDriver did not start: ${e.message}`);
      await sleep(100);
    }
  }
  const stop = () => {
    driver.kill("SIGTERM");
    xvfb.kill("SIGTERM");
  };
  return {
    name: "WebKit",
    async newPage() {
      const session = await call("POST", "/session", {
        capabilities: { alwaysMatch: { "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] } } },
      });
      const id = session.sessionId;
      await call("POST", `/session/${id}/timeouts`, { script: 120_000, pageLoad: 30_000 });
      return {
        errors: [],
        goto: (url) => call("POST", `/session/${id}/url`, { url }),
        // The expression's promise, awaited in the page; a rejection comes back as an error here.
        async evaluate(expression) {
          const script = `const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => (${expression})).then((v) => done({ v }), (e) => done({ e: String(e && e.stack || e) }));`;
          const out = await call("POST", `/session/${id}/execute/async`, { script, args: [] });
          if (out && out.e !== undefined) throw new Error(out.e);
          return out && out.v;
        },
        close: () => call("DELETE", `/session/${id}`).catch(() => {}),
      };
    },
    async close() {
      stop();
    },
  };
}

/** Launches "firefox" or "webkit". */
export function launch(engine) {
  return engine === "firefox" ? launchFirefox() : launchWebKit();
}

/**
 * Runs every case of a cases page (window.caseNames, window.runCase; see tests/js/page-cases.mjs) in `engine`'s
 * page at `url`; resolves with the failures (empty when all passed) and each case's info line.
 */
export async function runCasesIn(engine, url, names) {
  const page = await engine.newPage();
  try {
    await page.goto(url);
    for (let i = 0; !(await page.evaluate("window.__ready === true")); i++) {
      if (i > 200) throw new Error(`${engine.name}: the page never became ready`);
      await sleep(100);
    }
    const listed = await page.evaluate("window.caseNames");
    const failed = [];
    if (JSON.stringify(listed) !== JSON.stringify(names)) failed.push(`case names differ: ${JSON.stringify(listed)}`);
    for (const name of names) {
      const r = await page.evaluate(`window.runCase(${JSON.stringify(name)})`);
      if (r.info) console.log(`${engine.name}: ${name}: ${r.info.split("\n")[0]}`);
      if (!r.ok) failed.push(`${name}: ${r.info}`);
    }
    return [...failed, ...page.errors];
  } finally {
    await page.close();
  }
}

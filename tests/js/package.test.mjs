// The packed npm tarball, installed into a throwaway project and used exactly as a user would: `import` from an
// ES module and `require` from CommonJS, against the local test server (POLITE_TEST_SERVER).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { installPackage } from "./install.mjs";

let app;
const server = process.env.POLITE_TEST_SERVER;
const EXPORTS = [
  "ApiError", "AuthenticationError", "BadRequestError", "Client", "ConflictError", "ConnectionError",
  "NotFoundError", "PermissionDeniedError", "RateLimitError", "RequestFailedError", "ServerError", "TimeoutError",
  "UnprocessableEntityError",
];

before(() => {
  assert.ok(server, "run through scripts/with-server.sh");
  app = installPackage("package-test").app;
});

// The same scenario for both module systems; it prints what it saw as JSON.
const scenario = `
  const api = new Client({ baseUrl: process.env.POLITE_TEST_SERVER, apiKey: "pkg-secret-key-1" });
  const out = { exports: Object.keys(pkg).sort() };
  out.echo = await api.get("/echo/pkg", { query: { q: "x" } });
  try { await api.get("/status/404?shape=envelope"); } catch (e) {
    out.notFound = { isApiError: e instanceof ApiError, isNotFound: e instanceof NotFoundError, isError: e instanceof Error,
      isRateLimit: e instanceof RateLimitError, name: e.name, message: e.message, json: JSON.parse(JSON.stringify(e)),
      stack: String(e.stack).split("\\n")[0] };
  }
  try { await api.get("/status/401?shape=echo_secret", { retry: false }); } catch (e) {
    out.leak = [e.message, JSON.stringify(e), String(e), String(e.stack)].some((t) => t.includes("pkg-secret-key-1"));
  }
  const id = Math.random().toString(36).slice(2);
  const started = Date.now();
  out.retried = await api.get("/flaky/" + id + "?fail=1&status=429&retry_after=1");
  out.retryMs = Date.now() - started;
  try { new Client({ baseUrl: "ftp://example.com" }); } catch (e) { out.typeError = e instanceof TypeError && e.message; }
  console.log(JSON.stringify(out));
`;

function run(file, source) {
  writeFileSync(join(app, file), source);
  const stdout = execFileSync(process.execPath, [file], { cwd: app, env: process.env, encoding: "utf8" });
  return JSON.parse(stdout);
}

function check(out) {
  assert.deepEqual(out.exports, EXPORTS);
  assert.equal(out.echo.path, "/echo/pkg");
  assert.equal(out.echo.headers["x-api-key"], "pkg-secret-key-1");
  assert.deepEqual(out.echo.query, [["q", "x"]]);
  assert.deepEqual(
    { ...out.notFound, json: undefined, message: undefined, stack: undefined },
    { isApiError: true, isNotFound: true, isError: true, isRateLimit: false, name: "NotFoundError", json: undefined, message: undefined, stack: undefined },
  );
  assert.equal(out.notFound.message, "Token nie posiada wymaganego uprawnienia (404 insufficient_scope, GET /status/404, requestId req_abc123def456)");
  assert.equal(out.notFound.stack, "NotFoundError: " + out.notFound.message);
  const json = out.notFound.json;
  assert.equal(json.name, "NotFoundError");
  assert.equal(json.code, "insufficient_scope");
  assert.equal(json.status, 404);
  assert.equal(json.requestId, "req_abc123def456");
  assert.equal(json.timestamp, "2025-01-15T14:30:00Z");
  assert.equal(json.path, "/api/PurchaseDocuments/my");
  assert.equal(json.method, "GET");
  assert.equal(json.url, server + "/status/404?shape=envelope");
  assert.equal(json.attempts, 1);
  assert.equal(json.body.error, "insufficient_scope");
  assert.equal(typeof json.headers, "object");
  assert.equal(out.leak, false, "the apiKey appears in an error");
  assert.equal(out.retried.attempt, 2);
  assert.ok(out.retryMs >= 1000 && out.retryMs < 1300, `Retry-After 1 s took ${out.retryMs} ms`);
  assert.match(out.typeError, /^baseUrl /);
}

test("ESM: import { Client, ApiError } from 'polite-fetch'", () => {
  const out = run("esm.mjs", `
    import * as pkg from "polite-fetch";
    import { Client, ApiError, NotFoundError, RateLimitError } from "polite-fetch";
    ${scenario}`);
  check(out);
});

test("CommonJS: require('polite-fetch')", () => {
  const out = run("cjs.cjs", `
    const pkg = require("polite-fetch");
    const { Client, ApiError, NotFoundError, RateLimitError } = pkg;
    (async () => { ${scenario} })().catch((e) => { console.error(e); process.exit(1); });`);
  check(out);
});

test("the package ships its types and no build leftovers", () => {
  const installed = join(app, "node_modules/polite-fetch");
  for (const file of ["index.d.ts", "index.d.cts", "polite_fetch_bg.wasm", "index.node.js", "index.browser.js", "index.cjs", "README.md"]) {
    assert.ok(existsSync(join(installed, file)), `missing ${file}`);
  }
  assert.ok(!existsSync(join(installed, "index.cjs.src.js")));
});

// Nothing left behind: after an abort during a long wait, a Node process with nothing else to do exits at once
// (no pending timer), and no further request reaches the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const server = process.env.POLITE_TEST_SERVER;

function runScript(source) {
  const started = Date.now();
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", source], { env: process.env, encoding: "utf8" });
  return { ...result, ms: Date.now() - started };
}

test("an abort during a 5 s Retry-After wait settles at once and the process exits promptly", async () => {
  const id = Math.random().toString(36).slice(2);
  const r = runScript(`
    import { Client } from ${JSON.stringify(join(root, "pkg/index.node.js"))};
    const api = new Client({ baseUrl: process.env.POLITE_TEST_SERVER });
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    try { await api.get("/flaky/${id}?fail=5&status=429&retry_after=5", { signal: controller.signal }); }
    catch (e) { console.log(JSON.stringify({ same: e === reason, ms: Date.now() - started })); }
  `);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.same, true, "rejects with signal.reason");
  assert.ok(out.ms < 300, `settled ${out.ms} ms after the start (abort at 200 ms)`);
  assert.ok(r.ms < 2000, `process lived ${r.ms} ms: a timer was left behind`);
  const stats = await (await fetch(`${server}/__stats/flaky/${id}`)).json();
  assert.equal(stats.count, 1, "nothing is sent after the abort");
});

test("a client idle after its requests does not keep the process alive", () => {
  const r = runScript(`
    import { Client } from ${JSON.stringify(join(root, "pkg/index.node.js"))};
    const api = new Client({ baseUrl: process.env.POLITE_TEST_SERVER, timeoutMs: 60000, rateLimit: { requests: 2, perMs: 60000 } });
    await Promise.all([api.get("/json"), api.get("/json")]);
    console.log("done");
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "done");
  assert.ok(r.ms < 2000, `process lived ${r.ms} ms after its last request`);
});

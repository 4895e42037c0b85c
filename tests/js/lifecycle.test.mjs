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
  // The abort comes 100 ms into the wait (from onRetry, so a slow machine cannot move it before the 429), and the
  // child reports when it settled, so the bounds below tell "at once" from "the 5 s wait was kept" on any machine.
  const r = runScript(`
    import { Client } from ${JSON.stringify(join(root, "pkg/index.node.js"))};
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    let abortedAt;
    const api = new Client({ baseUrl: process.env.POLITE_TEST_SERVER, onRetry: () => setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(reason);
    }, 100) });
    try { await api.get("/flaky/${id}?fail=5&status=429&retry_after=5", { signal: controller.signal }); }
    catch (e) { console.log(JSON.stringify({ same: e === reason, ms: performance.now() - abortedAt, at: performance.now() })); }
  `);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.same, true, "rejects with signal.reason");
  assert.ok(out.ms < 1000, `settled ${out.ms} ms after the abort (the wait had 4.9 s left)`);
  assert.ok(r.ms - out.at < 3000, `process lived ${r.ms - out.at} ms after the call settled: a timer was left behind`);
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
  // A timer left behind would be the 60 s timeout or the 60 s pacing window.
  assert.ok(r.ms < 10000, `process lived ${r.ms} ms after its last request`);
});

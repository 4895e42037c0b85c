// Nothing left behind: after an abort during a long wait, a Node process with nothing else to do exits at once
// (no pending timer), and no further request reaches the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const server = process.env.POLITE_TEST_SERVER;

function runScript(source, flags = []) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", source], { env: process.env, encoding: "utf8" });
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

// `Client` is a JS class over a handle to the wasm's client (src/js/client.js): free() lets go of it at once, and
// the garbage collector does when free() is never called. Either way its wasm memory is reused, and a second
// round of clients does not grow it (`external` counts the wasm memory in Node; it never shrinks). Kept: each round
// would add about 70 MB (3,000 clients with a 16 KB header, an extended one with two).
test("free() and the garbage collector let go of a client; a freed client throws, its calls in flight settle", () => {
  const r = runScript(`
    import { Client } from ${JSON.stringify(join(root, "pkg/index.node.js"))};
    const base = process.env.POLITE_TEST_SERVER;
    const out = {};
    const api = new Client({ baseUrl: base });
    const inFlight = api.get("/json?delay=200");
    api.free();
    api.free(); // again: no effect
    for (const call of [() => api.get("/json"), () => api.extend({}), () => api.rateLimit, () => api.clear()]) {
      try { call(); out.threw = "nothing"; } catch (e) { out.threw = e instanceof TypeError && /freed/.test(e.message) ? (out.threw ?? "TypeError") : String(e); }
    }
    out.inFlight = JSON.stringify(await inFlight);
    // free() from inside a call (an option's getter, read while the call is made): the call goes on.
    const inner = new Client({ baseUrl: base });
    out.freedInside = JSON.stringify(await inner.get("/json", { get timeoutMs() { inner.free(); return 5000; } }));
    try { inner.get("/json"); out.afterInside = "nothing"; } catch (e) { out.afterInside = e.constructor.name; }
    const big = "x".repeat(16 * 1024);
    const settle = async () => { for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); } };
    const memory = () => process.memoryUsage().external / 2 ** 20;
    let before;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1500; i++) {
        const c = new Client({ baseUrl: base, headers: { "x-big": big } });
        if (i % 2) c.free(); else c[Symbol.dispose]();
      }
      for (let i = 0; i < 1500; i++) {
        new Client({ baseUrl: base, headers: { "x-big": big } }).extend({ headers: { "x-more": big } });
        if (i % 100 === 99) await settle(); // finalizers run between tasks
      }
      await settle();
      if (round === 0) before = memory();
    }
    out.grewMb = memory() - before;
    console.log(JSON.stringify(out));
  `, ["--expose-gc"]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.threw, "TypeError", "each call on a freed client throws a TypeError that says so");
  assert.equal(out.inFlight, JSON.stringify({ hello: "world" }), "a call in flight when its client was freed still settles");
  assert.equal(out.freedInside, JSON.stringify({ hello: "world" }), "a call whose option getter frees the client still settles");
  assert.equal(out.afterInside, "TypeError", "and the client is freed after it");
  assert.ok(out.grewMb < 8, `a second round of 3,000 clients grew the memory by ${out.grewMb.toFixed(1)} MB`);
});

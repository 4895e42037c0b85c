// A shorter soak than `make soak`: every promise settles, memory stays flat after a warm-up, and the process
// exits promptly once the work is done (no timer or handle left behind).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { root } from "./install.mjs";

test("10,000 mixed requests: all settle, memory flat, prompt exit", (t) => {
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--expose-gc", join(root, "tests/soak/soak.mjs"), "10000"], { env: process.env, encoding: "utf8", timeout: 240_000 });
  const lived = Date.now() - started;
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop());
  t.diagnostic(JSON.stringify(out));
  assert.equal(out.settled, out.total, "every promise settled");
  assert.equal(out.counts.otherError, 0, "only the documented outcomes");
  assert.equal(out.counts.ok + out.counts.retriedOk, out.total * 0.8);
  assert.equal(out.counts.timeout, out.total * 0.1);
  assert.equal(out.counts.aborted, out.total * 0.1);
  assert.ok(out.end.wasm - out.warm.wasm <= 1 << 20, `wasm memory grew ${out.end.wasm - out.warm.wasm} B after the warm-up`);
  assert.ok(out.end.heapUsed - out.warm.heapUsed <= 8 << 20, `JS heap grew ${out.end.heapUsed - out.warm.heapUsed} B after the warm-up`);
  assert.ok(lived - out.ms < 3000, `the process lived ${lived - out.ms} ms past its work`);
});

// Soak: N requests (default 100,000) in Node, 50 at a time, mixing successes, 429s that are retried, timeouts and
// aborts, against the local server (POLITE_TEST_SERVER). Prints JSON: outcome counts, heap and wasm memory after
// a warm-up and at the end, and the duration. Run with --expose-gc. `make soak` runs it in full; make test runs a
// shorter one (tests/js/soak.test.mjs), which also checks the process exits promptly afterwards.
import { readFileSync } from "node:fs";
import { Client } from "../../pkg/index.node.js";
import * as glue from "../../pkg/polite_fetch.js";

// The package entry has instantiated the module; initSync hands back its exports. Their names are minified
// (scripts/minify-names.mjs): the memory is found by its type.
const memoryOf = (exports) => Object.values(exports).find((v) => v instanceof WebAssembly.Memory);
const wasm = glue.initSync({ module: readFileSync(new URL("../../pkg/polite_fetch_bg.wasm", import.meta.url)) });
const total = Number(process.argv[2] ?? 100_000);
const base = process.env.POLITE_TEST_SERVER;
const api = new Client({ baseUrl: base, timeoutMs: 2000, retry: { baseDelayMs: 5, maxDelayMs: 20 } });

const counts = { ok: 0, retriedOk: 0, timeout: 0, aborted: 0, otherError: 0 };
const reason = new Error("soak abort");
let settled = 0;

async function one(i) {
  const kind = i % 10;
  try {
    if (kind < 6) {
      await api.get("/json");
      counts.ok++;
    } else if (kind < 8) {
      // A 429 with Retry-After: 0, then success.
      await api.get(`/flaky/soak-${i}?fail=1&status=429&retry_after=0`);
      counts.retriedOk++;
    } else if (kind === 8) {
      await api.get("/json?delay=80", { timeoutMs: 20, retry: false });
      counts.otherError++;
    } else {
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 5);
      await api.get("/json?delay=60", { signal: controller.signal });
      counts.otherError++;
    }
  } catch (e) {
    if (e === reason) counts.aborted++;
    else if (e instanceof Error && e.name === "TimeoutError") counts.timeout++;
    else {
      counts.otherError++;
      if (counts.otherError < 5) console.error(e);
    }
  } finally {
    settled++;
  }
}

function memory() {
  globalThis.gc?.();
  return { heapUsed: process.memoryUsage().heapUsed, wasm: memoryOf(wasm).buffer.byteLength };
}

const started = performance.now();
let next = 0;
let warm;
const warmAt = Math.floor(total / 10);
await Promise.all(Array.from({ length: 50 }, async () => {
  while (next < total) {
    const i = next++;
    if (i === warmAt) warm = memory();
    await one(i);
  }
}));
const end = memory();
console.log(JSON.stringify({ total, settled, counts, warm, end, ms: Math.round(performance.now() - started) }));

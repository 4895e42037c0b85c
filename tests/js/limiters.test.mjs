// Adaptive pacing against limiters that never say their limit: nginx from Debian's packages (limit_req, started
// here with its own prefix and config) and the reference server's SeaTable flavour (a bare 429). A burst of 60
// with no configuration must all succeed with few 429s; `adaptive: false` shows what the learning saves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNginx, burst, runKey, seatableBase, seatableSession } from "../../bench/limiters.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const server = process.env.POLITE_TEST_SERVER;
const { Client } = await import(join(root, "pkg/index.node.js"));
let nginx;

before(async () => {
  nginx = await startNginx();
});
after(async () => {
  await nginx?.stop();
});

test("nginx limit_req rate=10r/s burst=10: a burst of 60 with no configuration, at most 20 429s, none lost", async () => {
  const runs = {};
  for (const adaptive of [true, false]) {
    const seen = [];
    const api = new Client({ baseUrl: nginx.base, retry: { maxRetries: 10 }, adaptive, onRetry: (e) => seen.push(e) });
    const key = runKey(`nginx-${adaptive}`);
    const r = await burst((p) => api.get(p), 60, () => `/limited.json?k=${key}`);
    runs[adaptive] = { ...r, refused: nginx.refusedFor(key), learned: api.rateLimit?.learned === true, learnedRate: seen.at(-1)?.learnedRate };
    await new Promise((resolve) => setTimeout(resolve, 1200)); // nothing of this run is left in flight
  }
  console.log("nginx burst of 60:", JSON.stringify(runs));
  assert.equal(runs[true].failures, 0, runs[true].errors.join("; "));
  assert.ok(runs[true].refused <= 20, `${runs[true].refused} 429s`);
  assert.ok(runs[true].learned, "client.rateLimit shows the learned rate");
  assert.ok(runs[true].learnedRate > 5 && runs[true].learnedRate < 20, `learned ${runs[true].learnedRate}/s against 10/s`);
  assert.ok(runs[false].refused > 2 * runs[true].refused, `adaptive: false earned ${runs[false].refused}`);
});

test("SeaTable flavour (bare 429, 10 per second): a burst of 60 with no configuration, at most 20 429s, none lost", async () => {
  const seatable = await seatableBase(server);
  const runs = {};
  for (const adaptive of [true, false]) {
    const s = seatableSession(server, seatable, `seatable-${adaptive}`);
    const api = new Client({
      baseUrl: seatable.gateway, token: seatable.token, tokenScheme: "Token", adaptive, retry: { maxRetries: 10 },
      headers: s.headers,
    });
    const r = await burst((p) => api.get(p), 60, () => s.path);
    runs[adaptive] = { ...r, refused: await s.refused() };
  }
  console.log("SeaTable burst of 60:", JSON.stringify(runs));
  assert.equal(runs[true].failures, 0, runs[true].errors.join("; "));
  // Only the first wave is refused (issue 14: at most 20 on a bare-429 window; measured 9-14 in 64 bursts).
  assert.ok(runs[true].refused <= 20, `${runs[true].refused} 429s`);
  assert.ok(runs[false].refused > 3 * runs[true].refused, `adaptive: false earned ${runs[false].refused}`);
});

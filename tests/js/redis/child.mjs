// One process of tests/js/redis.test.mjs: connects the Redis client it is told to (ioredis or node-redis), makes a
// Client of the installed package with `shareAcross: redisQuota(redis, name)` (or none), waits for the agreed
// start, fires its burst at the reference server and prints how it went as JSON.
import { createRequire } from "node:module";

const job = JSON.parse(process.argv[2]);
const { Client } = await import("polite-fetch");
const { redisQuota } = await import("polite-fetch/redis");
const require = createRequire(job.root + "/package.json");

let redis;
if (job.lib === "ioredis") {
  const { Redis } = require("ioredis");
  redis = new Redis({ host: "127.0.0.1", port: job.port, maxRetriesPerRequest: 1, retryStrategy: () => 200, lazyConnect: false });
  redis.on("error", () => {});
  await new Promise((resolve) => (redis.status === "ready" ? resolve() : redis.once("ready", resolve)));
} else {
  const { createClient } = require(job.lib === "redis4" ? "redis4" : "redis");
  redis = createClient({ socket: { host: "127.0.0.1", port: job.port, reconnectStrategy: () => 200 } });
  redis.on("error", () => {});
  await redis.connect();
}
const options = { baseUrl: job.server, retry: { maxRetries: 10, maxDelayMs: 2000 } };
if (job.rateLimit) options.rateLimit = job.rateLimit;
if (job.name) options.shareAcross = redisQuota(redis, job.name);
const client = new Client(options);
// One burst, or several (`phases`: each `{ at, count, path }`, `at` in ms after the start), each reported.
const phases = job.phases ?? [{ at: 0, count: job.count, path: job.path }];
const results = [];
for (const phase of phases) {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAt + phase.at - Date.now())));
  const started = Date.now();
  const outcomes = await Promise.all(Array.from({ length: phase.count }, () => client.get(phase.path).then(() => "ok", (e) => e.name)));
  results.push({ ok: outcomes.filter((o) => o === "ok").length, failed: outcomes.filter((o) => o !== "ok"), ms: Date.now() - started });
}
console.log(JSON.stringify(job.phases ? results : results[0]));
// Redis may be gone (the test stops it mid-burst): closing may fail, the burst's result stands.
try {
  await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 500))]);
} catch {}
process.exit(0);

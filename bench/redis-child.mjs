// One process of bench/redis.mjs: a burst (or, with `sequential`, one request after another) at the reference
// server from a client of pkg/, with `shareAcross: redisQuota(ioredis, name)` when a name is given.
import { createRequire } from "node:module";
import { join } from "node:path";

const job = JSON.parse(process.argv[2]);
const { Client } = await import(join(job.root, "pkg/index.node.js"));
const { redisQuota } = await import(join(job.root, "pkg/redis.js"));
const { Redis } = createRequire(join(job.root, "package.json"))("ioredis");
const redis = new Redis({ host: "127.0.0.1", port: job.port });
await new Promise((resolve) => redis.once("ready", resolve));
const client = new Client({ baseUrl: job.server, retry: { maxRetries: 10, maxDelayMs: 2000 }, ...(job.name ? { shareAcross: redisQuota(redis, job.name) } : {}) });
if (job.sequential) {
  for (let i = 0; i < 50; i++) await client.get("/json");
  const started = performance.now();
  for (let i = 0; i < job.sequential; i++) await client.get("/json");
  console.log(JSON.stringify({ us: ((performance.now() - started) * 1000) / job.sequential }));
} else {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAt - Date.now())));
  const outcomes = await Promise.all(Array.from({ length: job.count }, () => client.get(job.path).then(() => "ok", (e) => e.name)));
  console.log(JSON.stringify({ ok: outcomes.filter((o) => o === "ok").length, failed: outcomes.length - outcomes.filter((o) => o === "ok").length, endAt: Date.now() }));
}
await redis.quit();

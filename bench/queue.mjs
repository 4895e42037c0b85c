// Priority under a limit (`make bench-queue`): 200 low-priority GETs queued against a limit of 10 per second (the
// reference server's /rate window, and the same `rateLimit` configured, so that nothing is refused), then one GET
// the user clicked. Its latency with `priority: 10`, and without (everyone FIFO), 3 runs each, median; once the
// click has resolved the prefetches still waiting are rejected with `client.clear()`. Runs under
// scripts/with-server.sh; rewrites its table in BENCHMARKS.md ("The queue"), `--quick` (1 run) leaves it alone.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSection } from "./markers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const { Client } = await import(join(root, "pkg/index.node.js"));
const server = process.env.POLITE_TEST_SERVER;
if (!server) throw new Error("run under scripts/with-server.sh (make bench-queue)");

const QUEUED = 200;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One run: the click's latency in ms, the 429s the server gave, and how many prefetches were sent before it. */
async function run(withPriority, i) {
  const key = `bench-queue-${withPriority ? "p" : "f"}-${i}-${Date.now()}`;
  let sent = 0;
  let clickSentAt = -1;
  const client = new Client({
    baseUrl: server, rateLimit: { requests: 10, perMs: 1000 }, retry: { maxRetries: 0 },
    fetch: (url, init) => {
      if (url.includes("click=1")) clickSentAt = sent;
      sent++;
      return fetch(url, init);
    },
  });
  const path = `/rate/${key}?limit=10&window=1000`;
  const prefetches = Array.from({ length: QUEUED }, () => client.get(path, { priority: -1 }).then(() => "ok", (e) => e.name));
  await sleep(50); // the prefetches are queued
  const started = performance.now();
  await client.get(`${path}&click=1`, withPriority ? { priority: 10 } : { priority: -1 });
  const latency = performance.now() - started;
  client.clear();
  const outcomes = await Promise.all(prefetches);
  return { latency, refused: outcomes.filter((o) => o === "RateLimitError").length, before: clickSentAt };
}

const runs = quick ? 1 : 3;
const rows = [];
for (const withPriority of [true, false]) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await run(withPriority, i));
  const row = { mode: withPriority ? "`priority: 10`" : "no priority (FIFO)", latency: median(results.map((r) => r.latency)),
    before: median(results.map((r) => r.before)), refused: results.reduce((n, r) => n + r.refused, 0) };
  rows.push(row);
  console.log(`${row.mode}: the click resolved after ${Math.round(row.latency)} ms (median of ${runs}), ${row.before} prefetches sent before it, ${row.refused} 429s`);
}

const table = [
  `${QUEUED} prefetches queued at 10 requests per second, then one click; ${runs} runs each, median (Node ${process.version}):`,
  "",
  "| the click | latency | prefetches sent before it | 429s |",
  "|---|---:|---:|---:|",
  ...rows.map((r) => `| ${r.mode} | ${(r.latency / 1000).toFixed(2)} s | ${r.before} | ${r.refused} |`),
].join("\n");
if (!quick) writeSection("queue", table);

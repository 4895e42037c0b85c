// One quota across processes on Redis (`make bench-redis`): 40 GETs split over N processes (1, 2, 4, 8) against the
// reference server's fixed window of 10 per second (described in headers, then refusing with a bare 429), each
// process with no configuration, without and with `shareAcross: redisQuota(redis, name)`: 429s and makespan against
// the ideal (3 s: 10 at once, then 10 a second);
// and the cost of the Redis round trips a request makes (sequential GETs of one process, with and without).
// Starts its own redis-server on a free loopback port; runs under scripts/with-server.sh. Rewrites its table in
// BENCHMARKS.md ("One quota across processes"); `--quick` leaves it alone.
import { execFile, spawn } from "node:child_process";
import { createServer, connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSection } from "./markers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const server = process.env.POLITE_TEST_SERVER;
if (!server) throw new Error("run under scripts/with-server.sh (make bench-redis)");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const key = () => Math.random().toString(36).slice(2);
const refused = async (name) => (await (await fetch(`${server}/__stats/rate/${name}/429`)).json()).count;

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
for (let up = false; !up; await sleep(50)) {
  up = await new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.on("data", (d) => (socket.destroy(), resolve(String(d).startsWith("+PONG"))));
    socket.on("error", () => resolve(false));
  });
}

const child = (job) => new Promise((resolve, reject) => {
  execFile(process.execPath, [join(root, "bench/redis-child.mjs"), JSON.stringify({ root, port, server, ...job })], { timeout: 120_000 }, (error, stdout) => {
    if (error) reject(error);
    else resolve(JSON.parse(stdout.trim().split("\n").pop()));
  });
});

const TOTAL = 40;
const rows = [];
try {
  // The window described in X-RateLimit-* headers, and the same window refusing with a bare 429 (no header at all,
  // as SeaTable's): there the processes share the rate adaptive pacing learns.
  for (const bare of [false, true]) {
    for (const n of [1, 2, 4, 8]) {
      for (const shared of [false, true]) {
        const k = key();
        const startAt = Date.now() + 1500;
        const path = `/rate/${k}?limit=10&window=1000${bare ? "&headers=0" : ""}`;
        const results = await Promise.all(Array.from({ length: n }, () => child({ count: TOTAL / n, path, startAt, ...(shared ? { name: `bench-${k}` } : {}) })));
        const row = { bare, n, shared, t429: await refused(k), failed: results.reduce((s, r) => s + r.failed, 0), makespan: Math.max(...results.map((r) => r.endAt)) - startAt };
        rows.push(row);
        console.log(`${bare ? "bare 429s" : "headers"}, ${n} process${n > 1 ? "es" : ""}, ${shared ? "redisQuota" : "on their own"}: ${row.t429} 429s, ${row.failed} failed, ${(row.makespan / 1000).toFixed(2)} s (${(row.makespan / 3000).toFixed(2)} x ideal)`);
      }
    }
  }
  const runs = quick ? 1 : 3;
  const cost = { plain: [], shared: [] };
  for (let i = 0; i < runs; i++) {
    cost.plain.push((await child({ sequential: 300 })).us);
    cost.shared.push((await child({ sequential: 300, name: `cost-${key()}` })).us);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [plain, withRedis] = [median(cost.plain), median(cost.shared)];
  console.log(`sequential GET: ${plain.toFixed(0)} µs on its own, ${withRedis.toFixed(0)} µs with redisQuota (+${(withRedis - plain).toFixed(0)} µs: two script calls on loopback)`);
  const f = (r) => `${(r.makespan / 1000).toFixed(2)} s (${(r.makespan / 3000).toFixed(2)} ×)${r.failed ? `, ${r.failed} failed` : ""}`;
  const flavour = (bare) => [
    "| processes | on their own: 429s | makespan | with `redisQuota`: 429s | makespan |",
    "|---:|---:|---:|---:|---:|",
    ...[1, 2, 4, 8].map((n) => {
      const [a, b] = [false, true].map((shared) => rows.find((r) => r.bare === bare && r.n === n && r.shared === shared));
      return `| ${n} | ${a.t429} | ${f(a)} | ${b.t429} | ${f(b)} |`;
    }),
  ];
  const table = [
    `${TOTAL} GETs split over N processes against a fixed window of 10 per second, no client configuration (Node ${process.version}, redis-server from Debian, ioredis). The window described in \`X-RateLimit-*\` headers:`,
    "",
    ...flavour(false),
    "",
    "The same window refusing with a bare 429 (no rate-limit header, no `Retry-After`, as SeaTable does): adaptive pacing learns the rate, and with `redisQuota` it learns it from every process's answers and paces them all by it:",
    "",
    ...flavour(true),
    "",
    `A sequential GET (one process, 300 after 50 to warm up, median of ${runs}): ${plain.toFixed(0)} µs on its own, ${withRedis.toFixed(0)} µs with \`redisQuota\` (+${(withRedis - plain).toFixed(0)} µs: the acquire and release scripts, one round trip each on loopback).`,
  ].join("\n");
  if (!quick) writeSection("redis", table);
} finally {
  redis.kill("SIGKILL");
}

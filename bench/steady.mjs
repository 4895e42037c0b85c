// Adaptive pacing, many times over (`make bench-steady`): the unconfigured burst of 60 against real nginx
// (limit_req 10 r/s, burst 10) and the reference server's SeaTable flavour (a fixed window of 10 per second, bare
// 429), 16 times each with a fresh client, once on a quiet machine and once while two busy processes load both
// cores. Prints min / median / max of the 429s and of the makespan against the ideal, and rewrites the table in
// BENCHMARKS.md ("Adaptive pacing, steady"). `--runs N` changes 16; `--quick` leaves BENCHMARKS.md alone;
// `--pkg DIR` measures another build of the package (an A/B against an older commit's pkg/).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSection } from "./markers.mjs";
import { startNginx, burst, idealMakespan, runKey, seatableBase, seatableSession, NGINX_RATE, NGINX_BURST } from "./limiters.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 16;
const quick = args.includes("--quick");
const server = process.env.POLITE_TEST_SERVER;
if (!server) throw new Error("run under scripts/with-server.sh (make bench-steady)");
const pkg = args.includes("--pkg") ? args[args.indexOf("--pkg") + 1] : join(root, "pkg");
const { Client } = await import(join(pkg, "index.node.js"));
const COUNT = 60;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const nginx = await startNginx();
const seatable = await seatableBase(server);
const limiters = {
  nginx: {
    ideal: idealMakespan(COUNT, NGINX_BURST + 1, NGINX_RATE),
    async once() {
      const key = runKey("steady-nginx");
      const api = new Client({ baseUrl: nginx.base, retry: { maxRetries: 10 } });
      const r = await burst((p) => api.get(p), COUNT, () => `/limited.json?k=${key}`);
      return { ...r, refused: nginx.refusedFor(key) };
    },
  },
  seatable: {
    // A fixed window of 10 per second: 6 windows, the last one starting 5 s after the first.
    ideal: 5000,
    async once() {
      const s = seatableSession(server, seatable, "steady-seatable");
      const api = new Client({ baseUrl: seatable.gateway, token: seatable.token, tokenScheme: "Token", retry: { maxRetries: 10 }, headers: s.headers });
      const r = await burst((p) => api.get(p), COUNT, () => s.path);
      return { ...r, refused: await s.refused() };
    },
  },
};

/** Two processes that spin until killed: both cores busy. */
function load() {
  const spinners = [0, 1].map(() => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  return () => spinners.forEach((s) => s.kill("SIGKILL"));
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, max: s.at(-1) };
};

const results = {};
for (const machine of ["quiet", "loaded"]) {
  const stop = machine === "loaded" ? load() : () => {};
  try {
    for (const [name, limiter] of Object.entries(limiters)) {
      const samples = [];
      for (let i = 0; i < runs; i++) {
        const r = await limiter.once();
        samples.push({ refused: r.refused, failures: r.failures, ratio: r.makespan / limiter.ideal });
        console.error(`${machine} ${name} ${i + 1}/${runs}: ${r.refused} 429s, ${r.failures} failures, ${(r.makespan / limiter.ideal).toFixed(2)}x`);
        await pause(1200); // nothing of this run is left in flight, and the limiter has forgotten it
      }
      results[`${name} ${machine}`] = {
        refused: stats(samples.map((s) => s.refused)), ratio: stats(samples.map((s) => s.ratio)),
        failures: samples.reduce((n, s) => n + s.failures, 0), samples,
      };
    }
  } finally {
    stop();
  }
}
await nginx.stop();

const f2 = (x) => x.toFixed(2);
const lines = [
  `Run ${new Date().toISOString().slice(0, 16)}Z on ${cpus()[0].model} (${cpus().length} cores), Node ${process.versions.node}, ${nginx.version}; ${runs} bursts of ${COUNT} per row, each from a fresh unconfigured client; "loaded": two processes spinning on both cores. Command: \`make bench-steady\`.`,
  "",
  "| limiter, machine | 429s min / median / max | failures | makespan × ideal, min / median / max |",
  "|---|---|---|---|",
];
for (const [row, r] of Object.entries(results)) {
  lines.push(`| ${row} | ${r.refused.min} / ${r.refused.median} / ${r.refused.max} | ${r.failures} | ${f2(r.ratio.min)} / ${f2(r.ratio.median)} / ${f2(r.ratio.max)} |`);
}
const table = lines.join("\n");
console.log(table);
writeFileSync(join(root, "target/bench-steady.json"), JSON.stringify(results, null, 2));
if (!quick) writeSection("steady", table);

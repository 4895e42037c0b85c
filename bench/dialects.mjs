// Real limiters' dialects (`make bench-dialects`): a burst of 40 GETs (30 against the two stacked policies) against
// each flavour of bench/frameworks.mjs (express-rate-limit 8 in draft-6 with and without legacy headers, draft-7,
// draft-8 with one and two policies; @fastify/rate-limit 11), from polite-fetch with no configuration and from ky,
// ofetch and axios + axios-retry in the same run (retry budget 10 each); and Django REST framework 3.18's throttle
// (10 per second, a bare 429 with Retry-After: no rate headers), and the reference server's SeaTable flavour (a
// fixed window of 10 per second, a bare 429 with no header at all). Each burst gets a fresh server process (the
// reference server: a fresh session, so a fresh window). Runs under scripts/with-server.sh.
// Prints 429s, failures and the makespan against the ideal, and rewrites the table in BENCHMARKS.md ("Rate-limit
// dialects"); `--quick` leaves BENCHMARKS.md alone.
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSection } from "./markers.mjs";
import ky from "ky";
import { ofetch } from "ofetch";
import axios from "axios";
import axiosRetry from "axios-retry";
import { startFramework, startDrf, FLAVOURS } from "./frameworks.mjs";
import { burst, seatableBase, seatableSession } from "./limiters.mjs";
import { makeClients } from "./clients.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const { Client } = await import(join(root, "pkg/index.node.js"));
const lib = { Client, ky, ofetch, axios, axiosRetry };
const reference = process.env.POLITE_TEST_SERVER;
if (!reference) throw new Error("run under scripts/with-server.sh (make bench-dialects)");
const seatable = await seatableBase(reference);

/** The SeaTable flavour as a started server: one fresh session of the reference server, its own window. */
function startSeatable() {
  const s = seatableSession(reference, seatable, "dialects-seatable", { withToken: true });
  return { base: seatable.gateway, headers: s.headers, path: () => s.path, refused: s.refused, stop: async () => {} };
}

// Fixed windows that begin with their first request: 10 at once, then 10 a second; the stacked policies also
// allow only 20 per 5 s, so the third ten waits for the 5 s window.
const ideal = (flavour) => (flavour.endsWith("-stacked") ? 5000 : 3000);
const rows = [];
const start = (flavour) => (flavour === "drf" ? startDrf() : flavour === "seatable" ? startSeatable() : startFramework(flavour));
for (const flavour of [...FLAVOURS, "drf", "seatable"]) {
  const count = flavour.endsWith("-stacked") ? 30 : 40;
  for (const name of ["polite-fetch", "ky", "ofetch", "axios + axios-retry"]) {
    const server = await start(flavour);
    try {
      const client = makeClients(lib, server.base, { retries: 10, headers: server.headers })[name];
      const path = server.path ?? ((i) => (flavour === "drf" ? `/throttled/${i}` : `/truth/${i}`));
      const r = await burst(client.get, count, path);
      const refused = server.refused ? await server.refused() : (await (await fetch(`${server.base}/refused`)).json()).count;
      rows.push({ flavour, name, count, refused, failures: r.failures, ratio: r.makespan / ideal(flavour) });
      console.log(flavour, name, JSON.stringify(rows.at(-1)));
    } finally {
      await server.stop();
    }
  }
}

const lines = [
  `Run ${new Date().toISOString().slice(0, 16)}Z on ${cpus()[0].model.split(" ").slice(0, 2).join(" ")} (${cpus().length} cores), Node ${process.versions.node}; express 5.3.0 + express-rate-limit 8.7.5, fastify 5.12.8 + @fastify/rate-limit 11.2.0, each 10 requests per second (stacked: and 20 per 5 s) in a fixed window that begins with its first request; Django 5.2.19 + DRF 3.18.3 under waitress 3.0.2, a throttle of 10 per second (a sliding log; a bare 429 with Retry-After); the reference server's SeaTable flavour, a fixed window of 10 per second that begins with its first request (a bare 429, no header); ideal makespan 3.0 s for 40 (5.0 s for 30 stacked). polite-fetch unconfigured; every client has a retry budget of 10. Command: \`make bench-dialects\`.`,
  "",
  "| limiter | client | 429s | failures | makespan × ideal |",
  "|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.flavour} (${r.count}) | ${r.name} | ${r.refused} | ${r.failures} | ${r.ratio.toFixed(2)} |`),
];
const table = lines.join("\n");
console.log(table);
if (!quick) writeSection("dialects", table);

// Spend less of the quota (`make bench-spend`, issue 19): three workloads, each beside what a user does today with
// ky and ofetch, in the same run, against the test server (scripts/with-server.sh):
//   1. polling a GitHub-like resource (/gh: 304s cost no quota) 100 times, one change in the middle: quota spent and
//      bytes received, with `revalidate` and without;
//   2. 20 identical GETs at once (/slow, 100 ms to answer): requests the server saw and makespan, with `dedupe` and
//      without;
//   3. walking 50 pages against 10 requests per second (/pages, X-RateLimit-* headers, 429 + Retry-After beyond it)
//      with no client configuration: 429s, failures and makespan beside the ideal, and a hand-written
//      `while (next)` loop with ky and with ofetch.
// Rewrites its section of BENCHMARKS.md ("Spend less of the quota"); `--quick` prints only.
import ky from "ky";
import { ofetch } from "ofetch";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSection } from "./markers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const { Client } = await import(join(root, "pkg/index.node.js"));
const server = process.env.POLITE_TEST_SERVER;
if (!server) throw new Error("run under scripts/with-server.sh (make bench-spend)");

const tag = () => Math.random().toString(36).slice(2);
const log = async (name) => (await fetch(`${server}/__log/${name}`)).json();

/** A fetch that counts the body bytes it received (Content-Length: the test server always sends it). */
function counting() {
  const seen = { bytes: 0 };
  seen.fetch = async (input, init) => {
    const r = await fetch(input, init);
    seen.bytes += Number(r.headers.get("content-length") || 0);
    return r;
  };
  return seen;
}

// 1. Polling.
const POLLS = 100;
async function poll(name, get) {
  const k = tag();
  const path = `/gh/${k}?size=4000&limit=5000`;
  const seen = counting();
  const getOne = get(seen.fetch);
  for (let i = 0; i < POLLS; i++) {
    if (i === POLLS / 2) await fetch(`${server}/gh/${k}`, { method: "POST" }); // the one change
    await getOne(path);
  }
  const lines = await log(`gh/${k}`);
  const spent = lines.filter((l) => l.startsWith("GET") && !l.startsWith("GET 304")).length;
  return { name, spent, bytes: seen.bytes, notModified: lines.filter((l) => l.startsWith("GET 304")).length };
}
const polling = [
  await poll("polite-fetch, `revalidate: true`", (f) => { const c = new Client({ baseUrl: server, revalidate: true, fetch: f }); return (p) => c.get(p); }),
  await poll("polite-fetch", (f) => { const c = new Client({ baseUrl: server, fetch: f }); return (p) => c.get(p); }),
  await poll("ky", (f) => { const c = ky.create({ prefix: server, fetch: f }); return (p) => c.get(p.slice(1)).json(); }),
  await poll("ofetch", (f) => { const c = ofetch.create({ baseURL: server }, { fetch: f }); return (p) => c(p); }),
];

// 2. Twenty at once.
const AT_ONCE = 20;
async function burst(name, get) {
  const k = tag();
  const path = `/slow/${k}?ms=100&status=200`;
  const started = performance.now();
  await Promise.all(Array.from({ length: AT_ONCE }, () => get(path)));
  const makespan = performance.now() - started;
  const requests = (await log(`slow/${k}`)).length;
  return { name, requests, makespan };
}
const dedupe = new Client({ baseUrl: server, dedupe: true });
const plain = new Client({ baseUrl: server });
const kyClient = ky.create({ prefix: server });
const bursts = [
  await burst("polite-fetch, `dedupe: true`", (p) => dedupe.get(p)),
  await burst("polite-fetch", (p) => plain.get(p)),
  await burst("ky", (p) => kyClient.get(p.slice(1)).json()),
  await burst("ofetch", (p) => ofetch(p, { baseURL: server })),
];

// 3. Fifty pages at 10 per second.
const PAGES = 50;
const IDEAL_MS = ((PAGES - 10) / 10) * 1000; // 10 at once in each 1 s window: the 50th page starts 4 s in
/** The next page's URL from a Link header, as users write it by hand (GitHub's docs show this regex). */
const nextOf = (link) => (link && /<([^>]+)>;\s*rel="next"/.exec(link)?.[1]) || null;
async function walk(name, run) {
  const k = tag();
  const first = `${server}/pages/${k}?n=${PAGES}&per=1`;
  const started = performance.now();
  let pages = 0;
  let failure = "";
  try {
    pages = await run(first);
  } catch (e) {
    failure = `${e.name}: ${String(e.message).slice(0, 60)}`;
  }
  const makespan = performance.now() - started;
  const lines = await log(`pages/${k}`);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the next run starts in a fresh window
  return { name, pages, refused: lines.filter((l) => l.endsWith("429")).length, failure, makespan };
}
const walks = [
  await walk("polite-fetch `paginate()`", async (first) => {
    const api = new Client({ baseUrl: server });
    let n = 0;
    for await (const page of api.paginate(first)) n += page.length;
    return n;
  }),
  await walk("ky, `while (next)`", async (first) => {
    let n = 0;
    for (let next = first; next; ) {
      const r = await ky.get(next);
      n += (await r.json()).length;
      next = nextOf(r.headers.get("link"));
    }
    return n;
  }),
  await walk("ofetch, `while (next)`", async (first) => {
    let n = 0;
    for (let next = first; next; ) {
      const r = await ofetch.raw(next);
      n += r._data.length;
      next = nextOf(r.headers.get("link"));
    }
    return n;
  }),
];

const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const text = [
  `Node ${process.version}, the test server on loopback, one run (each figure is a count the server made, except makespan).`,
  "",
  `1. Polling a GitHub-like resource ${POLLS} times, one change in the middle (a 4 KB body; a 304 costs no quota):`,
  "",
  "| client | quota spent | 304s | bytes received |",
  "|---|---:|---:|---:|",
  ...polling.map((r) => `| ${r.name} | ${r.spent} | ${r.notModified} | ${kb(r.bytes)} |`),
  "",
  `2. ${AT_ONCE} identical GETs at once (the server takes 100 ms to answer):`,
  "",
  "| client | requests the server saw | makespan |",
  "|---|---:|---:|",
  ...bursts.map((r) => `| ${r.name} | ${r.requests} | ${Math.round(r.makespan)} ms |`),
  "",
  `3. Walking ${PAGES} pages against 10 requests per second, no client configuration (ideal makespan ${s(IDEAL_MS)}):`,
  "",
  "| client | pages read | 429s | failure | makespan | vs ideal |",
  "|---|---:|---:|---|---:|---:|",
  ...walks.map((r) => `| ${r.name} | ${r.pages} | ${r.refused} | ${r.failure || "none"} | ${s(r.makespan)} | ${(r.makespan / IDEAL_MS).toFixed(2)}× |`),
].join("\n");
console.log(text);
if (!quick) writeSection("spend", text);

// `make bench`: polite-fetch beside raw fetch, ky, ofetch and axios + axios-retry, in one run against the same
// local server (started by scripts/with-server.sh, pinned to its own core when taskset exists). Prints the table
// and writes it into BENCHMARKS.md between the bench markers. Figures 1 and 4 are measured in Node and Chromium.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSection } from "./markers.mjs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import ky from "ky";
import { ofetch } from "ofetch";
import axios from "axios";
import axiosRetry from "axios-retry";
import { makeClients, median, sequentialOverhead, retryAfterGap } from "./clients.js";
import { startNginx, findNginx, burst, idealMakespan, runKey, seatableBase, seatableSession, NGINX_RATE, NGINX_BURST } from "./limiters.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const base = process.env.POLITE_TEST_SERVER;
if (!base) throw new Error("run through scripts/with-server.sh (make bench)");
const { Client } = await import(join(root, "pkg/index.node.js"));
const lib = { Client, ky, ofetch, axios, axiosRetry };
const quick = process.argv.includes("--quick");
const log = (...a) => console.error(...a);
const results = {};

// 1. Sequential overhead.
log("1. sequential overhead (Node)…");
results.overhead = await sequentialOverhead(makeClients(lib, base), quick ? { rounds: 5, perRound: 100 } : {});

// 2. Throughput with 50 in flight.
log("2. throughput, 50 in flight…");
async function throughput(client, total = quick ? 1000 : 4000, inFlight = 50) {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < total) await client.get("/json");
  }));
  return (total / (performance.now() - started)) * 1000;
}
{
  const clients = makeClients(lib, base);
  const samples = Object.fromEntries(Object.keys(clients).map((n) => [n, []]));
  for (const [name, client] of Object.entries(clients)) await throughput(client, 500); // warm-up
  for (let round = 0; round < 3; round++) for (const [name, client] of Object.entries(clients)) samples[name].push(await throughput(client));
  results.throughput = Object.fromEntries(Object.entries(samples).map(([n, s]) => [n, median(s)]));
}

// 3. A burst of 40 against 10 per second.
log("3. burst of 40 against 10/s…");
const BURST = 40, LIMIT = 10, WINDOW = 1000;
const latencyMs = results.overhead["fetch"] / 1000;
const idealMs = (Math.ceil(BURST / LIMIT) - 1) * WINDOW + latencyMs;
results.burst = {};
for (const [name, client] of Object.entries(makeClients(lib, base, { retries: 10, paced: { requests: LIMIT, perMs: WINDOW } }))) {
  const key = `burst-${name.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2, 8)}`;
  const started = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: BURST }, () => client.get(`/rate/${key}?limit=${LIMIT}&window=${WINDOW}`)));
  const makespan = performance.now() - started;
  const refused = (await (await fetch(`${base}/__stats/rate/${key}/429`)).json()).count;
  const failures = settled.filter((s) => s.status === "rejected").length;
  results.burst[name] = { refused, failures, makespan, ratio: failures ? null : makespan / idealMs };
  await new Promise((r) => setTimeout(r, 200));
}

// 7. Limiters that never say their limit: nginx limit_req (Retry-After: 1 only) and SeaTable's bare 429.
const SILENT_BURST = 60;
results.silent = { nginx: {}, seatable: {} };
if (findNginx()) {
  log("7. burst of 60 against nginx limit_req…");
  const nginx = await startNginx();
  results.silent.nginxVersion = nginx.version;
  try {
    for (const [name, client] of Object.entries(makeClients(lib, nginx.base, { retries: 10, blind: true }))) {
      if (name === "fetch") continue;
      const key = runKey(name);
      const r = await burst(client.get, SILENT_BURST, () => `/limited.json?k=${key}`);
      results.silent.nginx[name] = { ...r, refused: nginx.refusedFor(key), ratio: r.makespan / idealMakespan(SILENT_BURST, NGINX_BURST + 1, NGINX_RATE) };
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await nginx.stop();
  }
} else log("7. skipped: nginx is not installed (make setup-nginx)");
log("8. burst of 60 against the SeaTable flavour (10 per second, bare 429)…");
{
  const seatable = await seatableBase(base);
  for (const name of Object.keys(makeClients(lib, base, { blind: true }))) {
    if (name === "fetch") continue;
    const s = seatableSession(base, seatable, name, { withToken: true });
    const client = makeClients(lib, seatable.gateway, { retries: 10, blind: true, headers: s.headers })[name];
    const r = await burst(client.get, SILENT_BURST, () => `${s.path}?table_name=Table1`);
    const refused = await s.refused();
    // A fixed window of 10 per second: 6 windows, the last one starting 5 s after the first.
    results.silent.seatable[name] = { ...r, refused, ratio: r.makespan / 5000 };
  }
}

// 4. Retry-After accuracy.
log("4. Retry-After accuracy…");
results.retryAfter = {};
for (const [name, client] of Object.entries(makeClients(lib, base, { retries: 1 }))) {
  if (name === "fetch") continue;
  results.retryAfter[name] = (await retryAfterGap(client, base, quick ? 2 : 5)) - 1000;
}

// 5. Size a browser downloads.
log("5. size…");
function compressed(buffer) {
  return {
    gzip: gzipSync(buffer, { level: 9 }).length,
    brotli: brotliCompressSync(buffer, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
const esbuild = await import("esbuild");
async function bundleSize(contents) {
  const out = await esbuild.build({
    stdin: { contents, resolveDir: root, loader: "js" }, bundle: true, minify: true, format: "esm", platform: "browser",
    target: "es2022", write: false, logLevel: "silent", external: ["*.wasm"],
  });
  return compressed(Buffer.from(out.outputFiles[0].contents));
}
const own = JSON.parse(execFileSync(process.execPath, [join(root, "scripts/size.mjs"), "--json"], { encoding: "utf8" }));
results.size = {
  "polite-fetch (wasm + JS)": { gzip: own["total (wasm + minified js)"].gzip, brotli: own["total (wasm + minified js)"].brotli },
  "polite-fetch .wasm alone": { gzip: own.wasm.gzip, brotli: own.wasm.brotli },
  "ky": await bundleSize(`export { default } from "ky";`),
  "ofetch": await bundleSize(`export { ofetch } from "ofetch";`),
  "axios + axios-retry": await bundleSize(`export { default as axios } from "axios"; export { default as axiosRetry } from "axios-retry";`),
};

// 6. Cold start: a fresh process imports the client and makes its first request.
log("6. cold start…");
const coldPrograms = {
  "fetch": `await (await fetch(BASE + "/json")).json();`,
  "polite-fetch": `const { Client } = await import(${JSON.stringify(join(root, "pkg/index.node.js"))}); await new Client({ baseUrl: BASE }).get("/json");`,
  "ky": `const { default: ky } = await import("ky"); await ky.get(BASE + "/json").json();`,
  "ofetch": `const { ofetch } = await import("ofetch"); await ofetch(BASE + "/json");`,
  "axios + axios-retry": `const { default: axios } = await import("axios"); const { default: axiosRetry } = await import("axios-retry"); const a = axios.create(); axiosRetry(a, { retries: 2 }); await a.get(BASE + "/json");`,
};
results.coldStart = {};
for (const [name, program] of Object.entries(coldPrograms)) {
  const times = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const source = `const BASE = ${JSON.stringify(base)}; const t0 = performance.now(); ${program} console.log(performance.now() - t0);`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", source], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${name} cold start failed: ${r.stderr}`);
    times.push(Number(r.stdout.trim()));
  }
  results.coldStart[name] = median(times);
}

// Figures 1 and 4 in headless Chromium: the same clients, bundled into a page served by the same server.
log("1 + 4 in Chromium…");
{
  const dir = join(root, "target/bench");
  mkdirSync(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(root, "bench/browser.js")], bundle: true, format: "esm", platform: "browser", target: "es2022",
    outfile: join(dir, "browser.js"), external: ["/pkg/*"], logLevel: "silent", define: { QUICK: String(quick) },
  });
  writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="./browser.js"></script>`);
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/files/target/bench/index.html`);
    await page.waitForFunction(() => window.__bench || window.__benchError, null, { timeout: 300_000 });
    const out = await page.evaluate(() => window.__bench ?? { error: window.__benchError });
    if (out.error) throw new Error(out.error);
    results.chromium = out;
    // 9. One quota across tabs: three tabs of one origin burst at once against 10 per second (X-RateLimit-*).
    log("9. three tabs bursting at once…");
    const context = await browser.newContext();
    const tabs = [];
    for (let i = 0; i < 3; i++) {
      const tab = await context.newPage();
      await tab.goto(`${base}/files/tests/js/pages/share.html`);
      await tab.waitForFunction(() => window.ready === true);
      tabs.push(tab);
    }
    results.tabs = {};
    for (const [label, pages, count, shareAcross] of [
      ["one tab, 36 requests", tabs.slice(0, 1), 36, undefined],
      ["three tabs × 12, not shared", tabs, 12, undefined],
      ["three tabs × 12, shareAcross", tabs, 12, `bench-${Math.random()}`],
    ]) {
      const session = runKey("tabs");
      const started = performance.now();
      const outs = await Promise.all(pages.map((p) => p.evaluate((a) => window.burst(a), { count, session, shareAcross, limit: "10/1000" })));
      const makespan = performance.now() - started;
      const refused = (await (await fetch(`${base}/api/__refused/${session}`)).json()).count;
      results.tabs[label] = { refused, failures: outs.reduce((n, o) => n + o.failures.length, 0), makespan };
    }
    await context.close();
  } finally {
    await browser.close();
  }
}

// The table.
const names = ["fetch", "polite-fetch", "ky", "ofetch", "axios + axios-retry"];
const f0 = (n) => (n == null ? "–" : n.toFixed(0));
const f1 = (n) => (n == null ? "–" : n.toFixed(1));
const f2 = (n) => (n == null ? "–" : n.toFixed(2));
const signed = (n) => (n == null ? "–" : `${n >= 0 ? "+" : ""}${n.toFixed(0)} ms`);
const kb = (b) => `${(b / 1000).toFixed(1)} KB`;
const ratio = (table, name) => table[name] / table["fetch"];
const lines = [];
lines.push(`Run ${new Date().toISOString().slice(0, 16)}Z on ${cpus()[0].model.trim()} (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB), Node ${process.versions.node}, ${results.chromium.ua.match(/HeadlessChrome\/[\d.]+/)?.[0] ?? "Chromium"}. Command: \`make bench\`.`, "");
lines.push("| | " + names.join(" | ") + " |", "|---|" + names.map(() => "---").join("|") + "|");
lines.push("| 1. sequential GET, µs (Node) | " + names.map((n) => f0(results.overhead[n])).join(" | ") + " |");
lines.push("| 1. × raw fetch (Node) | " + names.map((n) => f2(ratio(results.overhead, n))).join(" | ") + " |");
lines.push("| 1. sequential GET, µs (Chromium) | " + names.map((n) => f0(results.chromium.overhead[n])).join(" | ") + " |");
lines.push("| 1. × raw fetch (Chromium) | " + names.map((n) => f2(ratio(results.chromium.overhead, n))).join(" | ") + " |");
lines.push("| 2. requests/s, 50 in flight (Node) | " + names.map((n) => f0(results.throughput[n])).join(" | ") + " |");
const burstNames = [...names, "polite-fetch (paced)"];
lines.push("", `3. A burst of ${BURST} GETs against a limit of ${LIMIT} per second (retry budget 10 for every client; ideal makespan ${f0(idealMs)} ms):`, "");
lines.push("| client | 429s received | failures | makespan | × ideal |", "|---|---|---|---|---|");
for (const n of burstNames) {
  const b = results.burst[n];
  lines.push(`| ${n} | ${b.refused} | ${b.failures} | ${f0(b.makespan)} ms | ${f2(b.ratio)} |`);
}
lines.push("", "4. Retry-After accuracy: the server asks for 1000 ms; the measured gap minus 1000 ms (median):", "");
lines.push("| | " + names.slice(1).join(" | ") + " |", "|---|" + names.slice(1).map(() => "---").join("|") + "|");
lines.push("| Node | " + names.slice(1).map((n) => signed(results.retryAfter[n])).join(" | ") + " |");
lines.push("| Chromium | " + names.slice(1).map((n) => signed(results.chromium.gaps[n])).join(" | ") + " |");
lines.push("", "5. Size a browser downloads (esbuild --minify bundles; polite-fetch: the .wasm plus its minified JS):", "");
lines.push("| | gzip | brotli |", "|---|---|---|");
for (const [n, s] of Object.entries(results.size)) lines.push(`| ${n} | ${kb(s.gzip)} | ${kb(s.brotli)} |`);
lines.push("", "6. Cold start in a fresh Node process: import plus the first request (median):", "");
lines.push("| | " + names.join(" | ") + " |", "|---|" + names.map(() => "---").join("|") + "|");
lines.push("| ms | " + names.map((n) => f1(results.coldStart[n])).join(" | ") + " |");
const silentNames = ["polite-fetch", "polite-fetch (adaptive: false)", "ky", "ofetch", "axios + axios-retry"];
for (const [flavour, title] of [
  ["nginx", `7. A burst of ${SILENT_BURST} GETs against nginx \`limit_req rate=${NGINX_RATE}r/s burst=${NGINX_BURST} nodelay\` (${results.silent.nginxVersion ?? "not installed"}; a refusal is a 429 with \`Retry-After: 1\` and no rate-limit header; retry budget 10; ideal makespan ${f0(idealMakespan(SILENT_BURST, NGINX_BURST + 1, NGINX_RATE))} ms). No client is configured with the limit:`],
  ["seatable", `8. A burst of ${SILENT_BURST} GETs against the reference server's SeaTable flavour at 10 per second (a fixed window; a refusal is a bare 429: no Retry-After, no rate-limit header; retry budget 10; ideal makespan 5000 ms). No client is configured with the limit:`],
]) {
  lines.push("", title, "");
  lines.push("| client | 429s received | failures | makespan | × ideal |", "|---|---|---|---|---|");
  for (const n of silentNames) {
    const b = results.silent[flavour][n];
    if (b) lines.push(`| ${n} | ${b.refused} | ${b.failures} | ${f0(b.makespan)} ms | ${f2(b.failures ? null : b.ratio)} |`);
  }
}
lines.push("", "9. One quota across tabs: tabs of one origin in headless Chromium burst at once against the reference REST API's fixed window of 10 per second (with X-RateLimit-* headers; retry budget 10). The ideal makespan is about 3 s (36 requests, 4 windows):", "");
lines.push("| tabs | 429s received | failures | makespan |", "|---|---|---|---|");
for (const [label, r] of Object.entries(results.tabs)) lines.push(`| ${label} | ${r.refused} | ${r.failures} | ${f0(r.makespan)} ms |`);
const table = lines.join("\n");
console.log(table);
writeFileSync(join(root, "target/bench-results.json"), JSON.stringify(results, null, 2));

if (!quick) writeSection("bench", table);

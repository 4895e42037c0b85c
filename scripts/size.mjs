// `make size`: the bytes a browser downloads for `import { Client } from "polite-fetch"`: the .wasm and the JS
// modules the browser entry loads before the first request (as shipped, and minified as a bundler would ship them,
// code splitting on: a chunk only a dynamic import() reaches, such as the shareAcross protocol, loads only for
// those who use it and is shown apart), raw, gzip and brotli.
// With --json, prints the figures as JSON (for the size budget check and the benchmarks).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");

function measure(buffer) {
  return {
    raw: buffer.length,
    gzip: gzipSync(buffer, { level: 9 }).length,
    brotli: brotliCompressSync(buffer, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function walk(dir) {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

const wasm = readFileSync(join(pkg, "polite_fetch_bg.wasm"));
// What the browser entry loads eagerly: the entry, the glue, and the snippets they import statically.
const shipped = new Set();
const importsOf = (file) =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\s[^;]*?from\s*["'](\.[^"']+\.js)["']/gm)].map((m) => join(dirname(file), m[1]));
for (const queue = [join(pkg, "index.browser.js")]; queue.length; ) {
  const file = queue.pop();
  if (shipped.has(file)) continue;
  shipped.add(file);
  queue.push(...importsOf(file));
}
const js = Buffer.concat([...shipped].map((f) => readFileSync(f)));
const out = mkdtempSync(join(tmpdir(), "polite-size-"));
execFileSync(join(root, "node_modules/.bin/esbuild"), [
  join(pkg, "index.browser.js"), "--bundle", "--minify", "--format=esm", "--platform=browser", "--target=es2022",
  "--splitting", `--outdir=${out}`, `--metafile=${join(out, "meta.json")}`, "--external:*.wasm", "--log-level=error",
]);
const outputs = JSON.parse(readFileSync(join(out, "meta.json"), "utf8")).outputs;
const eager = new Set();
for (const queue = Object.keys(outputs).filter((o) => outputs[o].entryPoint?.endsWith("index.browser.js")); queue.length; ) {
  const chunk = queue.pop();
  if (eager.has(chunk)) continue;
  eager.add(chunk);
  queue.push(...outputs[chunk].imports.filter((i) => i.kind === "import-statement" && !i.external).map((i) => i.path));
}
const chunkBytes = (names) => Buffer.concat(names.map((o) => readFileSync(join(root, o).startsWith(out) ? join(root, o) : o)));
const minified = chunkBytes([...eager]);
const lazy = chunkBytes(Object.keys(outputs).filter((o) => o.endsWith(".js") && !eager.has(o)));
rmSync(out, { recursive: true, force: true });

const rows = {
  "wasm": measure(wasm),
  "js (as shipped)": measure(js),
  "js (minified bundle)": measure(minified),
};
const lazyRow = measure(lazy);
rows["total (wasm + shipped js)"] = Object.fromEntries(["raw", "gzip", "brotli"].map((k) => [k, rows.wasm[k] + rows["js (as shipped)"][k]]));
rows["total (wasm + minified js)"] = Object.fromEntries(["raw", "gzip", "brotli"].map((k) => [k, rows.wasm[k] + rows["js (minified bundle)"][k]]));

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ ...rows, "lazy js (shareAcross, hooks, paginate)": lazyRow }));
} else {
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${"".padEnd(28)}${pad("raw", 9)}${pad("gzip", 9)}${pad("brotli", 9)}`);
  for (const [name, m] of Object.entries(rows)) console.log(`${name.padEnd(28)}${pad(m.raw, 9)}${pad(m.gzip, 9)}${pad(m.brotli, 9)}`);
  console.log(`${"not counted: lazy js".padEnd(28)}${pad(lazyRow.raw, 9)}${pad(lazyRow.gzip, 9)}${pad(lazyRow.brotli, 9)}  (loaded by shareAcross, hooks or paginate only)`);
}

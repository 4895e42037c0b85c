// `make size`: the bytes a browser downloads for `import { Client } from "polite-fetch"`: the .wasm and the JS
// modules the browser entry loads (as shipped, and minified as a bundler would ship them), raw, gzip and brotli.
// With --json, prints the figures as JSON (for the size budget check and the benchmarks).
import { readFileSync, readdirSync, statSync } from "node:fs";
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
// The browser entry imports the glue, which imports the snippets: all of them are fetched.
const jsFiles = [join(pkg, "index.browser.js"), join(pkg, "polite_fetch.js"), ...walk(join(pkg, "snippets")).filter((f) => f.endsWith(".js"))];
const js = Buffer.concat(jsFiles.map((f) => readFileSync(f)));
const minified = execFileSync(join(root, "node_modules/.bin/esbuild"), [
  join(pkg, "index.browser.js"), "--bundle", "--minify", "--format=esm", "--platform=browser", "--target=es2022",
  "--external:*.wasm", "--log-level=error",
]);

const rows = {
  "wasm": measure(wasm),
  "js (as shipped)": measure(js),
  "js (minified bundle)": measure(minified),
};
rows["total (wasm + shipped js)"] = Object.fromEntries(["raw", "gzip", "brotli"].map((k) => [k, rows.wasm[k] + rows["js (as shipped)"][k]]));
rows["total (wasm + minified js)"] = Object.fromEntries(["raw", "gzip", "brotli"].map((k) => [k, rows.wasm[k] + rows["js (minified bundle)"][k]]));

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows));
} else {
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${"".padEnd(28)}${pad("raw", 9)}${pad("gzip", 9)}${pad("brotli", 9)}`);
  for (const [name, m] of Object.entries(rows)) console.log(`${name.padEnd(28)}${pad(m.raw, 9)}${pad(m.gzip, 9)}${pad(m.brotli, 9)}`);
}

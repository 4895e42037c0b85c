// Assembles the npm package in pkg/ from wasm-bindgen's output (target/bindgen), the optimised wasm and
// pkg-template/. Run by `make pkg`; see the Makefile for the steps before it.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { minifyGlue } from "./minify-names.mjs";
import { trimGlue } from "./trim-glue.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bindgen = join(root, "target/bindgen");
const template = join(root, "pkg-template");
const pkg = join(root, "pkg");
const optimizedWasm = process.argv[2] ?? join(root, "target/polite_fetch_opt.wasm");
// The import and export names wasm-opt shortened in that wasm (see minify-names.mjs).
const names = JSON.parse(readFileSync(process.argv[3] ?? join(root, "target/wasm-names.json"), "utf8"));

rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
writeFileSync(join(pkg, "polite_fetch.js"), minifyGlue(trimGlue(readFileSync(join(bindgen, "polite_fetch.js"), "utf8")), names));
cpSync(optimizedWasm, join(pkg, "polite_fetch_bg.wasm"));
cpSync(join(bindgen, "snippets"), join(pkg, "snippets"), { recursive: true });

// The snippet folder's name carries a hash that changes with the crate: find it, never hard-code it.
const snippetDirs = readdirSync(join(pkg, "snippets")).filter((d) => d.startsWith("polite-fetch-"));
if (snippetDirs.length !== 1) throw new Error(`expected one polite-fetch snippet folder, found ${snippetDirs.length}`);
const jsDir = join(pkg, "snippets", snippetDirs[0], "src/js");
// wasm-bindgen copies only the modules Rust imports from; errors.js is imported by runtime.js.
mkdirSync(jsDir, { recursive: true });
for (const file of readdirSync(join(root, "src/js"))) cpSync(join(root, "src/js", file), join(jsDir, file));
const errorsPath = "./" + relative(pkg, join(jsDir, "errors.js")).split("\\").join("/");
const errorNames = [...readFileSync(join(jsDir, "errors.js"), "utf8").matchAll(/export (?:class|const) (\w+Error)\b/g)].map((m) => m[1]);
const exportLine = `export { ${errorNames.join(", ")} } from "${errorsPath}";`;
const clientPath = "./" + relative(pkg, join(jsDir, "client.js")).split("\\").join("/");

for (const entry of ["index.node.js", "index.browser.js", "index.workerd.js", "index.cjs.src.js"]) {
  const text = readFileSync(join(template, entry), "utf8").replace('export * from "__ERRORS__";', exportLine).replace('"__CLIENT__"', JSON.stringify(clientPath));
  writeFileSync(join(pkg, entry), text);
}
// CommonJS: one bundled file (glue + error classes) so `require` works on every Node >= 20.
execFileSync(join(root, "node_modules/.bin/esbuild"), [
  join(pkg, "index.cjs.src.js"), "--bundle", "--format=cjs", "--platform=node", "--target=node20",
  "--log-level=error", `--outfile=${join(pkg, "index.cjs")}`,
], { stdio: "inherit" });
rmSync(join(pkg, "index.cjs.src.js"));

// polite-fetch/redis: its own entry (src/js/redis.js), which the main entry never imports.
const redisPath = "./" + relative(pkg, join(jsDir, "redis.js")).split("\\").join("/");
writeFileSync(join(pkg, "redis.js"), `export { redisQuota } from ${JSON.stringify(redisPath)};\n`);
// ...and for `require` (Node servers and workers are often CommonJS): one bundled file.
execFileSync(join(root, "node_modules/.bin/esbuild"), [
  join(pkg, "redis.js"), "--bundle", "--format=cjs", "--platform=node", "--target=node20",
  "--log-level=error", `--outfile=${join(pkg, "redis.cjs")}`,
], { stdio: "inherit" });

for (const file of ["package.json", "README.md", "index.d.ts", "redis.d.ts"]) {
  if (existsSync(join(template, file))) cpSync(join(template, file), join(pkg, file));
}
cpSync(join(template, "index.d.ts"), join(pkg, "index.d.cts"));
cpSync(join(template, "redis.d.ts"), join(pkg, "redis.d.cts"));
console.log(`pkg/ assembled: ${readdirSync(pkg).join(", ")}`);

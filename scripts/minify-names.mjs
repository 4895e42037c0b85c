// Shortens the names that tie the .wasm to its JS glue. wasm-bindgen names every import `__wbg_<name>_<hash>` and
// gives each module its path; those names appear in both files and their hashes do not compress (about 2 KB gzip
// of the .wasm, measured). `wasm-opt --minify-imports-and-exports-and-modules` renames them in the .wasm and prints
// the mapping; this applies the same mapping to the glue, so the pair stays consistent. Used by build-pkg.mjs.

/**
 * Rewrites wasm-bindgen's glue (`--target web`) for a .wasm minified with the mapping `map` ({ imports: [[module,
 * name, short]], exports: [[name, short]] }, as wasm-opt prints it). Throws when the glue does not have the
 * shape this expects, so a wasm-bindgen upgrade that changes it fails the build instead of shipping a broken pair.
 */
export function minifyGlue(glue, map) {
  const fail = (what) => {
    throw new Error(`minify-names: ${what}; has wasm-bindgen's glue changed shape?`);
  };
  const namespaces = new Map(); // module path -> name of its `import * as` binding
  for (const m of glue.matchAll(/^import \* as (\w+) from ["']([^"']+)["']/gm)) namespaces.set(m[2], m[1]);
  const modules = new Set(map.imports.map(([module]) => module));
  if (!map.imports.length) fail("no imports in the mapping");
  const extra = [];
  for (const [module, name, short] of map.imports) {
    if (module === "./polite_fetch_bg.js") {
      const key = new RegExp(`(^|[\\s,{])${name}(: function\\()`, "gm");
      let count = 0;
      glue = glue.replace(key, (_, before, after) => (count++, `${before}${short}${after}`));
      if (count !== 1) fail(`import ${name} found ${count} times`);
    } else {
      const ns = namespaces.get(module);
      if (!ns) fail(`no namespace import of ${module}`);
      extra.push(`        ${short}: ${ns}.${name},`);
    }
  }
  // One module, "a", for every import.
  const table = /return \{\n\s*__proto__: null,\n(\s*"[^"]+": import\d+,\n)+\s*\};/;
  if (!table.test(glue)) fail("no import table");
  for (const module of modules) if (!glue.includes(`"${module}": import`)) fail(`module ${module} missing from the import table`);
  glue = glue.replace(table, "return { __proto__: null, a: import0 };");
  glue = glue.replace(/const import0 = \{\n\s*__proto__: null,\n/, (head) => head + extra.join("\n") + "\n");
  for (const [name, short] of map.exports) {
    glue = glue.replace(new RegExp(`\\bwasm\\.${name}\\b`, "g"), `wasm.${short}`);
  }
  return glue;
}

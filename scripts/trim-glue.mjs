// Takes out of wasm-bindgen's glue the branches this package never runs, which every browser download would carry:
// initSync's deprecated-arguments warning (the entries always pass `{ module }`), passStringToWasm0's path for a
// call without `realloc` (every call passes it) and the `encodeInto` polyfill (every runtime the package supports
// has TextEncoder.encodeInto: Node 20, the three browser engines since 2020, Deno, Bun, workerd). Used by
// build-pkg.mjs before minify-names.mjs.

/** Rewrites the glue (`--target web`); throws when a piece is not where this expects it, so a wasm-bindgen upgrade
 * that changes the glue fails the build instead of shipping something half-trimmed. */
export function trimGlue(glue) {
  const cut = (what, pattern, replacement) => {
    const matches = glue.match(new RegExp(pattern.source, "g")) ?? [];
    if (matches.length !== 1) throw new Error(`trim-glue: ${what} found ${matches.length} times; has wasm-bindgen's glue changed shape?`);
    glue = glue.replace(pattern, replacement);
  };
  cut(
    "initSync's argument check",
    /if \(module !== undefined\) \{\n\s*if \(Object\.getPrototypeOf\(module\) === Object\.prototype\) \{\n\s*\(\{module\} = module\)\n\s*\} else \{\n\s*console\.warn\('using deprecated parameters for `initSync\(\)`; pass a single object instead'\)\n\s*\}\n\s*\}/,
    "({module} = module);",
  );
  // Only when no call leaves `realloc` out.
  const calls = [...glue.matchAll(/passStringToWasm0\(([^()]*)\)/g)].filter((m) => !m[0].startsWith("passStringToWasm0(arg,"));
  if (!calls.length || calls.some((m) => m[1].split(",").length !== 3)) throw new Error("trim-glue: a passStringToWasm0 call without realloc");
  cut(
    "passStringToWasm0's path without realloc",
    /if \(realloc === undefined\) \{\n\s*const buf = cachedTextEncoder\.encode\(arg\);\n\s*const ptr = malloc\(buf\.length, 1\) >>> 0;\n\s*getUint8ArrayMemory0\(\)\.subarray\(ptr, ptr \+ buf\.length\)\.set\(buf\);\n\s*WASM_VECTOR_LEN = buf\.length;\n\s*return ptr;\n\s*\}\n/,
    "",
  );
  cut(
    "the encodeInto polyfill",
    /if \(!\('encodeInto' in cachedTextEncoder\)\) \{\n\s*cachedTextEncoder\.encodeInto = function \(arg, view\) \{\n\s*const buf = cachedTextEncoder\.encode\(arg\);\n\s*view\.set\(buf\);\n\s*return \{\n\s*read: arg\.length,\n\s*written: buf\.length\n\s*\};\n\s*\};\n\s*\}\n/,
    "",
  );
  return glue;
}

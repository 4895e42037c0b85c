// Cloudflare workerd: a .wasm import is a compiled WebAssembly.Module there.
import wasm from "./polite_fetch_bg.wasm";
import { initSync } from "./polite_fetch.js";
initSync({ module: wasm });
export { Client } from "./polite_fetch.js";
export * from "__ERRORS__";

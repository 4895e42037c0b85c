// Cloudflare workerd: a .wasm import is a compiled WebAssembly.Module there.
import wasm from "./polite_fetch_bg.wasm";
import { initSync } from "./polite_fetch.js";
initSync({ module: wasm });
import { Client, resume } from "./polite_fetch.js";
import { addMethods } from "__CLIENT__";
addMethods(Client, resume);
export { Client };
export * from "__ERRORS__";

// Cloudflare workerd: a .wasm import is a compiled WebAssembly.Module there.
import wasm from "./polite_fetch_bg.wasm";
import { initSync } from "./polite_fetch.js";
initSync({ module: wasm });
import { client, quota, resume } from "./polite_fetch.js";
import { install } from "__CLIENT__";
export const Client = install(client, quota, resume);
export * from "__ERRORS__";

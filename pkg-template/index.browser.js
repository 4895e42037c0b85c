// Browsers, workers and bundlers: the wasm is fetched beside this file; top-level await, so no init call.
import init from "./polite_fetch.js";
await init({ module_or_path: new URL("./polite_fetch_bg.wasm", import.meta.url) });
export { Client } from "./polite_fetch.js";
export * from "__ERRORS__";

// Browsers, workers and bundlers: the wasm is fetched beside this file; top-level await, so no init call.
import init from "./polite_fetch.js";
await init({ module_or_path: new URL("./polite_fetch_bg.wasm", import.meta.url) });
import { Client, resume } from "./polite_fetch.js";
import { addMethods } from "__CLIENT__";
addMethods(Client, resume);
export { Client };
export * from "__ERRORS__";

// Node, Bun (and Deno through the node condition): the wasm is read from disk synchronously, so importing is all.
import { readFileSync } from "node:fs";
import { initSync } from "./polite_fetch.js";
initSync({ module: readFileSync(new URL("./polite_fetch_bg.wasm", import.meta.url)) });
export { Client } from "./polite_fetch.js";
export * from "__ERRORS__";

// Node, Bun (and Deno through the node condition): the wasm is read from disk synchronously, so importing is all.
import { readFileSync } from "node:fs";
import { initSync } from "./polite_fetch.js";
initSync({ module: readFileSync(new URL("./polite_fetch_bg.wasm", import.meta.url)) });
import { client, quota, resume } from "./polite_fetch.js";
import { install } from "__CLIENT__";
export const Client = install(client, quota, resume);
export * from "__ERRORS__";

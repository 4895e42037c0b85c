// Node, Bun (and Deno through the node condition): the wasm is read from disk synchronously, so importing is all.
import { readFileSync } from "node:fs";
import { initSync } from "./polite_fetch.js";
initSync({ module: readFileSync(new URL("./polite_fetch_bg.wasm", import.meta.url)) });
import { Client, resume } from "./polite_fetch.js";
import { addMethods } from "__CLIENT__";
addMethods(Client, resume);
export { Client };
export * from "__ERRORS__";

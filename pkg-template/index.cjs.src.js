// CommonJS (require): bundled by the build into index.cjs, reading the wasm beside it synchronously.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./polite_fetch.js";
initSync({ module: readFileSync(join(__dirname, "polite_fetch_bg.wasm")) });
import { client, quota, resume } from "./polite_fetch.js";
import { install } from "__CLIENT__";
export const Client = install(client, quota, resume);
export * from "__ERRORS__";

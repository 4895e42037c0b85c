// CommonJS (require): bundled by the build into index.cjs, reading the wasm beside it synchronously.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./polite_fetch.js";
initSync({ module: readFileSync(join(__dirname, "polite_fetch_bg.wasm")) });
import { Client, resume } from "./polite_fetch.js";
import { addMethods } from "__CLIENT__";
addMethods(Client, resume);
export { Client };
export * from "__ERRORS__";

// Browsers, workers and bundlers: the wasm is fetched beside this file and compiled as it downloads; top-level
// await, so no init call. Loaded here rather than by the glue's async init, whose general-purpose loader (paths,
// Requests, deprecated arguments, its warnings) every browser download would carry.
import { initSync } from "./polite_fetch.js";
const response = fetch(new URL("./polite_fetch_bg.wasm", import.meta.url));
let module;
try {
  module = await WebAssembly.compileStreaming(response);
} catch (error) {
  // A server that sends the .wasm without `Content-Type: application/wasm`: compile its bytes instead.
  const fetched = await response;
  if (!fetched.ok || fetched.bodyUsed) throw error;
  module = await WebAssembly.compile(await fetched.arrayBuffer());
}
initSync({ module });
import { client, quota, resume } from "./polite_fetch.js";
import { install } from "__CLIENT__";
export const Client = install(client, quota, resume);
export * from "__ERRORS__";

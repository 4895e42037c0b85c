// A dedicated module worker that runs one burst (see burst.js) when told, and posts the result back. It says
// "ready" first: a message sent while its imports (the wasm) still load would reach no listener.
import { burst } from "./burst.js";

self.onmessage = async (event) => self.postMessage(await burst(event.data));
self.postMessage("ready");

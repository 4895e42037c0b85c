// The package's `Client` class over the one export the wasm core makes for it (`client` in src/wasm/client.rs,
// called with an operation and the client's handle): wasm-bindgen's class glue, its borrow flags and its six
// exports cost more bytes than these lines. The package entries call `install` with the glue's exports.
import { setResume } from "./runtime.js";
import { setQuota } from "./lazy-share.js";

let core; // the wasm's `client` export: (op, handle, mode, a, b, c, d)
let adopted = 0; // the handle `extend` made, for the constructor it calls
// A client that is garbage-collected lets go of its wasm memory (unless `free()` did already).
const finalizer = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((handle) => core(5, handle)) : undefined;

/** A client for one REST API; see index.d.ts. */
class Client {
  #handle;
  constructor(options) {
    const handle = adopted || core(0, 0, 0, options);
    adopted = 0;
    this.#handle = handle;
    finalizer?.register(this, handle, this);
  }
  /** One call: `mode` 1 a page of `paginate` (js/paginate.js), 2 `poll`; see `Client::send` in client.rs. */
  send(method, path, body, options, mode) {
    return core(2, this.#handle, mode, method, path, body, options);
  }
  extend(options) {
    adopted = core(1, this.#handle, 0, options);
    return new Client();
  }
  clear(reason) {
    return core(4, this.#handle, 0, reason);
  }
  get rateLimit() {
    return core(3, this.#handle, 0);
  }
  get queue() {
    return core(3, this.#handle, 1);
  }
  free() {
    const handle = this.#handle;
    if (!handle) return;
    this.#handle = 0; // from now on the core refuses calls with a TypeError
    finalizer?.unregister(this);
    core(5, handle);
  }
  poll(path, options) {
    return this.send("GET", path, undefined, options, 2);
  }
  request(method, path, options) {
    return this.send(method, path, options === null || options === undefined ? undefined : options.body, options);
  }
}

const proto = Client.prototype;
// js/paginate.js comes on the first call: only clients that paginate download it.
proto.paginate = async function* (path, options) {
  const { pages } = await import("./paginate.js");
  yield* pages(this, path, options);
};
for (const name of ["get", "delete", "head"]) {
  const method = name.toUpperCase();
  proto[name] = function (path, options) {
    return this.send(method, path, undefined, options);
  };
}
for (const name of ["post", "put", "patch"]) {
  const method = name.toUpperCase();
  proto[name] = function (path, body, options) {
    return this.send(method, path, body, options);
  };
}
if (Symbol.dispose) proto[Symbol.dispose] = proto.free;

/** Hands the glue's exports over (`client`, `quota`, and `resume`, the wasm executor's entry) and returns `Client`. */
export function install(client, quota, resume) {
  core = client;
  setQuota(quota);
  setResume(resume);
  return Client;
}

// The request methods of `Client`, written once here over the one call the wasm core exports (`send`), and the
// `rateLimit` and `queue` getters over `state`: nine wasm exports, each with its glue and shim, cost more bytes
// than these lines. The package entries call addMethods.
import { setResume } from "./runtime.js";

/** Adds get, delete, head, post, put, patch, request, poll, paginate, rateLimit and queue to the wasm-bindgen `Client` class. */
export function addMethods(Client, resume) {
  // The wasm executor's entry (src/wasm/tasks.rs `resume`), a plain export of the glue.
  setResume(resume);
  const proto = Client.prototype;
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
  // js/paginate.js comes on the first call: only clients that paginate download it.
  proto.paginate = async function* (path, options) {
    const { pages } = await import("./paginate.js");
    yield* pages(this, path, options);
  };
  proto.poll = function (path, options) {
    return this.send("GET", path, undefined, options, 2);
  };
  for (const [name, which] of [["rateLimit", 0], ["queue", 1]]) {
    Object.defineProperty(proto, name, { get() { return this.state(which); }, configurable: true });
  }
  proto.request = function (method, path, options) {
    return this.send(method, path, options === null || options === undefined ? undefined : options.body, options);
  };
}

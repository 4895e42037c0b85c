// The request methods of `Client`, written once here over the one call the wasm core exports (`send`): seven wasm
// exports, each with its glue and shim, cost more bytes than these lines. The package entries call addMethods.

/** Adds get, delete, head, post, put, patch, request and paginate to the wasm-bindgen `Client` class. */
export function addMethods(Client) {
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
  proto.request = function (method, path, options) {
    return this.send(method, path, options === null || options === undefined ? undefined : options.body, options);
  };
}

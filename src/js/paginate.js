// `client.paginate(path, options)`: an async iteration over pages (or their items), each page a GET made by the
// wasm core (`send` with `page` true: paced, queued, retried, typed errors like any request). Loaded on the first
// `paginate` call (js/client.js), so that clients that never paginate do not download it. The next page's target comes from
// `next`, else the Link header's rel="next" (parsed in the core), else a DRF body's `next`.

function check(options) {
  const { items, next, maxPages } = options;
  if (items !== undefined && typeof items !== "function") throw new TypeError("items must be a function");
  if (next !== undefined && typeof next !== "function") throw new TypeError("next must be a function");
  if (maxPages !== undefined && !(Number.isInteger(maxPages) && maxPages >= 1)) {
    throw new TypeError("maxPages must be a whole number of at least 1");
  }
}

/** `target` resolved against `base` as fetch would resolve it, or `undefined` when it is no URL. */
function resolve(target, base) {
  try {
    return new URL(target, base).href;
  } catch {
    return undefined;
  }
}

/** The pages of `path` for `client`, as `paginate` yields them. */
export async function* pages(client, path, options) {
  if (options !== undefined && (options === null || typeof options !== "object")) throw new TypeError("options must be an object");
  options = options || {};
  check(options);
  const { items, next, maxPages, ...get } = options;
  const signal = get.signal;
  for (let count = 1, target = path; ; count++) {
    if (signal && signal.aborted) throw signal.reason;
    const [page, answer, requestUrl, link] = await client.send("GET", target, undefined, get, 1);
    // A Response a hook made has no URL: the request's stands in. The Link target resolves against it.
    const url = answer.url || requestUrl;
    const response = { status: answer.status, headers: Object.fromEntries(answer.headers), url };
    const linked = link === undefined ? undefined : resolve(link, url);
    if (items) {
      const list = items(page, response);
      if (!Array.isArray(list)) throw new TypeError("items must return an array");
      yield* list;
    } else {
      yield page;
    }
    if (maxPages !== undefined && count >= maxPages) return;
    let to = next ? next(page, response) : linked !== undefined ? linked : page !== null && typeof page === "object" && typeof page.next === "string" ? page.next : undefined;
    if (to === null || to === undefined) return;
    if (to instanceof URL) to = to.href;
    else if (typeof to !== "string") throw new TypeError("next must return a string, a URL, null or undefined");
    target = to;
    // `query` was for the first page: a next URL is used as given.
    get.query = undefined;
  }
}

// The hooks' runs, loaded by hooks.js for the first client with hooks: each list in order, awaited, with what the
// contract allows a hook to return checked.

const fromHooks = new WeakSet(); // what a hook threw: rejected as it is, never given to beforeError

// Runs `run` with a hook's throw marked, so that beforeError leaves it alone.
async function guarded(run) {
  try {
    return await run();
  } catch (thrown) {
    if (thrown !== null && (typeof thrown === "object" || typeof thrown === "function")) fromHooks.add(thrown);
    throw thrown;
  }
}

/**
 * Builds the attempt's `Request` (the client's `base` headers, `extra` as "name\nvalue\n" pairs, `body`) and runs
 * the beforeRequest hooks over it. Resolves with a `Response` a hook answered with, or with
 * `[request, url, method, headers, body]`: what to send, the headers flattened again as "name\nvalue\n" pairs.
 */
export function beforeRequest(hooks, attempt, url, method, base, extra, body) {
  return guarded(async () => {
    const headers = new Headers(base);
    const parts = extra.split("\n");
    for (let i = 0; i + 1 < parts.length; i += 2) headers.set(parts[i], parts[i + 1]);
    const typed = headers.has("content-type");
    const init = { method, headers, redirect: "manual" };
    if (body !== undefined && body !== null) {
      init.body = body;
      if (typeof ReadableStream !== "undefined" && body instanceof ReadableStream) init.duplex = "half";
    }
    const original = new Request(url, init);
    // A content type the Request made up for its body (FormData's boundary) would not match the body sent.
    const madeUp = typed ? undefined : original.headers.get("content-type");
    let request = original;
    const info = { attempt, method, url };
    for (const hook of hooks.beforeRequest) {
      const out = await hook(request, info);
      if (out instanceof Response) return out;
      if (out instanceof Request) request = out;
      else if (out !== undefined) throw new TypeError("a beforeRequest hook must return undefined, a Request or a Response");
    }
    let flat = "";
    for (const [name, value] of request.headers) {
      if (request !== original || name !== "content-type" || value !== madeUp) flat += name + "\n" + value + "\n";
    }
    const sent = request === original ? body : request.body ? await request.arrayBuffer() : undefined;
    return [request, request.url, request.method, flat, sent];
  });
}

/** Runs the afterResponse hooks; resolves with the response the client acts on. */
export function afterResponse(hooks, attempt, method, url, request, response) {
  return guarded(async () => {
    const info = { attempt, method, url };
    for (const hook of hooks.afterResponse) {
      const out = await hook(request, response, info);
      if (out instanceof Response) response = out;
      else if (out !== undefined) throw new TypeError("an afterResponse hook must return undefined or a Response");
    }
    return response;
  });
}

/** Runs the beforeRetry hooks with `onRetry`'s event; resolves with false when one stops the retry. */
export function beforeRetry(hooks, event) {
  return guarded(async () => {
    for (const hook of hooks.beforeRetry) {
      const out = await hook(event);
      if (out === false) return false;
      if (out !== undefined && out !== true) throw new TypeError("a beforeRetry hook must return undefined or false");
    }
    return true;
  });
}

/**
 * Runs the beforeError hooks on the ApiError a call rejects with (not on what a hook threw); resolves with the
 * error to reject with (a hook returning undefined keeps the one it was given).
 */
export async function beforeError(hooks, error) {
  if (fromHooks.has(error)) return error;
  for (const hook of hooks.beforeError) {
    const out = await hook(error);
    if (out !== undefined && !(out instanceof Error)) throw new TypeError("a beforeError hook must return an Error");
    if (out !== undefined) error = out;
  }
  return error;
}

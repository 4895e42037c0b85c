// The `hooks` option as the wasm engine binds it: the lists read here, and run by run-hooks.js, which only a client
// with hooks loads (a page without hooks downloads none of it). In JS because hooks are JS functions handed Request
// and Response objects; the engine decides when each list runs.

import { isApiError } from "./errors.js";

const KINDS = ["beforeRequest", "afterResponse", "beforeRetry", "beforeError"];
let runners; // the promise of run-hooks.js, loaded by the first client with hooks

/**
 * The `hooks` option over `parent`'s (lists concatenated, the parent's first), with `mask` (bit i: list KINDS[i]
 * is not empty); `undefined` when no list has a hook. Throws a TypeError for anything but arrays of functions.
 */
export function readHooks(value, parent) {
  if (value === undefined || value === null) return parent;
  if (typeof value !== "object" || Array.isArray(value)) throw new TypeError("hooks must be an object of hook arrays");
  const hooks = { mask: 0 };
  KINDS.forEach((kind, i) => {
    const list = value[kind];
    if (list !== undefined && (!Array.isArray(list) || list.some((hook) => typeof hook !== "function"))) {
      throw new TypeError(`hooks.${kind} must be an array of functions`);
    }
    hooks[kind] = [...(parent ? parent[kind] : []), ...(list || [])];
    if (hooks[kind].length) hooks.mask |= 1 << i;
  });
  if (!hooks.mask) return undefined;
  runners ||= import("./run-hooks.js");
  return hooks;
}

const later = (name) => (...args) => runners.then((module) => module[name](...args));
/** See run-hooks.js: each resolves as the hooks it runs do. */
export const beforeRequest = later("beforeRequest");
export const afterResponse = later("afterResponse");
export const beforeRetry = later("beforeRetry");

/**
 * The call's `promise`, an ApiError it rejects with passed through the beforeError hooks (see run-hooks.js); a
 * caller's abort reason or a TypeError is rejected as it is.
 */
export function catchErrors(hooks, promise) {
  return promise.catch(async (error) => {
    throw isApiError(error) ? await (await runners).beforeError(hooks, error) : error;
  });
}


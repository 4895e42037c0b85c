// The entry to `shareAcross` that the wasm core binds. The share protocol (share.js) is loaded only by a client that
// asks for a share, so a page that never shares downloads none of it. Until it has loaded, nothing was granted:
// `acquire` waits for it, and the state is the empty one.

const stubs = new Map(); // key -> this realm's member of that share (clients with one name and API share it)
let core; // the wasm's `quota` export: (handle, op, a, b, c, d, e, f); see src/wasm/share.rs
// A quota that is garbage-collected lets go of its wasm memory. `core?.`: the wasm test suites make clients without
// the package's `install`, and a handle they leak must not throw in the finalizer either.
const finalizer = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((handle) => core?.(handle, 6)) : undefined;

/** Hands over the glue's `quota` export (js/client.js `install`). */
export function setQuota(quota) {
  core = quota;
}

/** The quota of `handle` as share.js and redis.js use it (`act`, `state`: see quota.js). */
function quotaOf(handle) {
  const quota = { act: (...args) => core(handle, ...args), state: () => core(handle, 7) };
  finalizer?.register(quota, handle);
  return quota;
}

/** This realm's member of the share `key`, or `undefined` when the runtime lacks BroadcastChannel or Web Locks. */
export function joinShare(key, handle) {
  let stub = stubs.get(key);
  const supported = typeof BroadcastChannel === "function" && typeof navigator === "object" && navigator && navigator.locks;
  if (stub || !supported) {
    core?.(handle, 6);
    return stub;
  }
  stub = new LazyShare(key, quotaOf(handle));
  stubs.set(key, stub);
  return stub;
}

/**
 * The share of a quota object given as `shareAcross` (`redisQuota(...)` of polite-fetch/redis): it decides with its
 * own store, and with `quota` (this client's limits) when the store cannot be reached. `windows` is the configured
 * pacing as [requests, perMs, ...]; `adaptive` the client's `adaptive` option (1: on). `handle` is the SharedQuota's.
 */
export function joinProvider(provider, handle, windows, adaptive) {
  return provider.join(quotaOf(handle), windows, adaptive === 1);
}

class LazyShare {
  constructor(key, quota) {
    this.share = undefined;
    this.loaded = import("./share.js").then((module) => (this.share = module.createShare(key, quota)));
  }
  acquire(...ask) {
    return this.share ? this.share.acquire(...ask) : this.loaded.then((share) => share.acquire(...ask));
  }
  release(grant, status, limit, remaining, resetAt) {
    this.share.release(grant, status, limit, remaining, resetAt);
  }
  coolDown(until) {
    if (this.share) this.share.coolDown(until);
    else this.loaded.then((share) => share.coolDown(until));
  }
  get state() {
    return this.share ? this.share.state : null;
  }
  get learnedRate() {
    return this.share ? this.share.learnedRate : undefined;
  }
}

// Timers and abort plumbing for the wasm core. Kept in JS because every callback here must be removable: a timer
// or listener left behind keeps a Node process alive, and a Rust closure never called would leak.
// Only globals that every runtime has: setTimeout, clearTimeout, AbortController (never `window`).

const MAX_TIMER_MS = 2147483647; // setTimeout fires at once past 2^31-1 ms

/**
 * Resolves after `ms` (no timer when `ms` is not finite), or as soon as `wake(gate)` is called, and rejects with
 * `signal.reason` when `signal` aborts. Nothing is left behind once it settles.
 */
export function wait(ms, signal, gate) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    let timer;
    const settle = (fn, value) => {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
      if (gate) gate.delete(onWake);
      fn(value);
    };
    const onWake = () => settle(resolve);
    const onAbort = () => settle(reject, signal.reason);
    if (ms >= 0 && ms < Infinity) timer = setTimeout(onWake, Math.min(ms, MAX_TIMER_MS));
    if (gate) gate.add(onWake);
    if (signal) signal.addEventListener("abort", onAbort);
  });
}

/** A set of waiters woken together when the client's rate-limit state changes. */
export function newGate() {
  return new Set();
}

/** Wakes every waiter of `gate`. */
export function wake(gate) {
  for (const onWake of [...gate]) onWake();
}

/**
 * One attempt's abort signal: aborted by the caller's `signal` (with its reason) or by the `timeoutMs` timer
 * (then `timedOut` is true). `finish()` clears the timer and the listener.
 */
export class Attempt {
  constructor(timeoutMs, signal) {
    this.controller = new AbortController();
    this.timedOut = false;
    this.userSignal = signal;
    this.onAbort = () => this.controller.abort(signal.reason);
    if (signal) {
      if (signal.aborted) this.controller.abort(signal.reason);
      else signal.addEventListener("abort", this.onAbort);
    }
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort(new Error("timeout"));
      }, Math.min(timeoutMs, MAX_TIMER_MS));
    }
  }
  get signal() {
    return this.controller.signal;
  }
  finish() {
    clearTimeout(this.timer);
    if (this.userSignal) this.userSignal.removeEventListener("abort", this.onAbort);
  }
}

/** Resolves a possibly relative `location` against `base`; `undefined` when it is not a URL. */
export function resolveUrl(location, base) {
  try {
    return new URL(location, base).href;
  } catch {
    return undefined;
  }
}

/** True for a plain object or array, the bodies sent as JSON. */
export function isJsonBody(body) {
  if (Array.isArray(body)) return true;
  if (body === null || typeof body !== "object") return false;
  const proto = Object.getPrototypeOf(body);
  return proto === Object.prototype || proto === null;
}

/** True for a body that cannot be sent twice. */
export function isStream(body) {
  return typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
}

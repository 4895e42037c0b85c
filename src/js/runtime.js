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
  if (gate.size) for (const onWake of [...gate]) onWake();
}

// Timeouts are cheap on purpose: in Node, a timer and an AbortController per request cost more CPU than the rest
// of the client together (measured: make bench). So attempts whose deadlines fall in the same 10 ms share one
// controller, aborted when the last of them is due (never early, at most 10 ms late), and one timer serves all.
const BUCKET_MS = 10;
const live = new Set(); // groups with attempts in flight
let shared; // the group that new attempts without a caller's signal join
let deadlineTimer;
let armedAt = Infinity;

function arm(at) {
  if (at >= armedAt) return;
  clearTimeout(deadlineTimer);
  armedAt = at;
  deadlineTimer = setTimeout(expire, Math.max(0, Math.min(at - Date.now(), MAX_TIMER_MS)));
  // The timer only ever aborts requests, which keep a process alive by themselves: it must not (Node, Bun, Deno).
  if (typeof deadlineTimer === "object" && deadlineTimer.unref) deadlineTimer.unref();
  else if (typeof Deno !== "undefined" && Deno.unrefTimer) Deno.unrefTimer(deadlineTimer);
}

function expire() {
  armedAt = Infinity;
  const now = Date.now();
  let next = Infinity;
  for (const group of live) {
    if (group.deadline <= now) {
      live.delete(group);
      group.timedOut = true;
      group.controller.abort(new Error("timeout"));
    } else if (group.deadline < next) {
      next = group.deadline;
    }
  }
  if (next < Infinity) arm(next);
}

function newGroup(deadline) {
  return { controller: new AbortController(), deadline, count: 0, timedOut: false };
}

/**
 * One attempt's abort signal: aborted by the caller's `signal` (with its reason) or once `timeoutMs` has passed
 * (then `timedOut` is true). `finish()` lets go of the deadline and the listener. With neither, no signal at all.
 */
export class Attempt {
  constructor(timeoutMs, signal) {
    const timeout = timeoutMs > 0;
    if (signal) {
      // A caller's signal aborts only this request: a controller of its own.
      this.group = newGroup(timeout ? Date.now() + timeoutMs : Infinity);
      this.userSignal = signal;
      this.onAbort = () => this.group.controller.abort(signal.reason);
      if (signal.aborted) this.group.controller.abort(signal.reason);
      else signal.addEventListener("abort", this.onAbort);
    } else if (timeout) {
      const deadline = Math.ceil((Date.now() + timeoutMs) / BUCKET_MS) * BUCKET_MS;
      if (!shared || shared.deadline !== deadline || shared.controller.signal.aborted) shared = newGroup(deadline);
      this.group = shared;
    } else {
      return;
    }
    this.group.count++;
    if (this.group.deadline < Infinity) {
      live.add(this.group);
      arm(this.group.deadline);
    }
  }
  get signal() {
    return this.group?.controller.signal;
  }
  get timedOut() {
    return this.group ? this.group.timedOut : false;
  }
  finish() {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    if (--group.count === 0) live.delete(group);
    if (this.userSignal) this.userSignal.removeEventListener("abort", this.onAbort);
  }
}

/**
 * Calls fetch (the injected one, else the global) with the client's fixed headers `base` (an object built once)
 * and this attempt's `extra` headers (a flat [name, value, ...] array), following no redirect by itself.
 */
export function startFetch(fetchFn, url, method, base, extra, body, signal) {
  let headers = base;
  if (extra.length) {
    headers = { ...base };
    for (let i = 0; i < extra.length; i += 2) headers[extra[i]] = extra[i + 1];
  }
  const init = { method, headers, redirect: "manual" };
  if (body !== undefined && body !== null) {
    init.body = body;
    if (isStream(body)) init.duplex = "half";
  }
  if (signal) init.signal = signal;
  return fetchFn ? fetchFn(url, init) : fetch(url, init);
}

/**
 * Reads a body as the core decided (`ReadAs` in core/response.rs): 1 text, 2 arrayBuffer, 3 a Blob or undefined
 * when empty, 4 a Blob, 5 json(), 6 text then JSON.parse (blank is undefined). Invalid JSON rejects with a
 * SyntaxError.
 */
export function readBody(response, how) {
  switch (how) {
    case 2: return response.arrayBuffer();
    case 3: return response.blob().then((blob) => (blob.size ? blob : undefined));
    case 4: return response.blob();
    case 5: return response.json();
    case 6: return response.text().then((text) => (text.trim() ? JSON.parse(text) : undefined));
    default: return response.text();
  }
}

/** The values of `names` in `headers` as one string (see HeaderSnapshot in headers.rs). */
export function readHeaders(headers, names) {
  let out = "";
  for (const name of names) out += (headers.get(name) ?? "\0") + "\n";
  return out;
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

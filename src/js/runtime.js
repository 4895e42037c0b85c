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
    if (gate && gate.failed) return reject(gate.reason);
    let timer;
    const settle = (fn, value) => {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
      if (gate) gate.delete(onWake);
      fn(value);
    };
    const onWake = (failed) => (failed ? settle(reject, gate.reason) : settle(resolve));
    const onAbort = () => settle(reject, signal.reason);
    if (ms >= 0 && ms < Infinity) timer = setTimeout(onWake, Math.min(ms, MAX_TIMER_MS));
    if (gate) gate.add(onWake);
    if (signal) signal.addEventListener("abort", onAbort);
  });
}

let resume; // the wasm executor's entry (src/wasm/tasks.rs), handed over once
const calls = new Map(); // task -> [resolve, reject] of the promise its caller holds

/** Sets the function every settlement of a call's awaited promise goes to. */
export function setResume(fn) {
  resume = fn;
}

/** The promise of `task`'s call; the task takes its first step in a microtask of its own. */
export function startTask(task) {
  return new Promise((resolve, reject) => {
    calls.set(task, [resolve, reject]);
    queueMicrotask(() => step(task, undefined, 0));
  });
}

/** Settles the promise of `task`'s call. */
export function finishTask(task, value, ok) {
  const call = calls.get(task);
  if (!call) return;
  calls.delete(task);
  call[ok ? 0 : 1](value);
}

/** Resumes `task` with the settlement of `promise` (1: its value, 2: its rejection reason). */
export function settleInto(promise, task) {
  (promise instanceof Promise ? promise : Promise.resolve(promise)).then((value) => step(task, value, 1), (reason) => step(task, reason, 2));
}

// A throw out of a step (JS the wasm called into, or a value it could not handle) rejects that call with what was
// thrown, instead of leaving it pending and the throw to the process as an unhandled rejection.
function step(task, value, state) {
  try {
    resume(task, value, state);
  } catch (error) {
    finishTask(task, error, false);
  }
}

/** `onWait`'s event; a `delayMs` that is not a wait (NaN, infinite) is undefined: unknown. */
export function waitEvent(reason, delayMs, method, url, priority) {
  return { reason, delayMs: delayMs >= 0 && delayMs < Infinity ? delayMs : undefined, method, url, priority };
}

/** `client.queue`'s value. */
export function queueState(waiting, inFlight) {
  return { waiting, inFlight };
}

/** `client.rateLimit`'s value; `resetAt` is undefined when unknown (NaN), and `learned` is there only when true. */
export function rateLimitState(limit, remaining, resetAt, observedAt, learned) {
  const state = { limit, remaining, resetAt: resetAt === resetAt ? resetAt : undefined, observedAt };
  if (learned) state.learned = true;
  return state;
}

/** What a waiting request waits on: the queue wakes it when its turn may have come. */
export function newGate() {
  return new Set();
}

/** Wakes every waiter of `gate`. */
export function wake(gate) {
  if (gate.size) for (const onWake of [...gate]) onWake(false);
}

/**
 * Rejects every waiter of `gate`, now and later, with `reason` (`client.clear`); with none, an AbortError
 * DOMException. Returns the reason used.
 */
export function fail(gate, reason) {
  gate.failed = true;
  gate.reason = reason === undefined ? new DOMException("the request was cleared from the queue", "AbortError") : reason;
  for (const onWake of [...gate]) onWake(true);
  return gate.reason;
}

// Timeouts are cheap on purpose: in Node, a timer and an AbortController per request cost more CPU than the rest
// of the client together (measured: make bench). So attempts whose deadlines fall in the same 10 ms share one
// deadline group, due when the last of them is (never early, at most 10 ms late), and one timer serves all.
// In Node, handing fetch a signal at all costs 60-90 us a request (undici follows it with listeners and a
// FinalizationRegistry; measured, BENCHMARKS.md), so there a timeout alone gives no signal: a due attempt is
// rejected at once and its request abandoned, its body cancelled if it still comes. A caller's signal, and every
// timeout elsewhere (a browser has few connections per host to spare), aborts the request itself.
const BUCKET_MS = 10;
const ABANDON =
  typeof process === "object" && process !== null && !!process.versions && !!process.versions.node &&
  !process.versions.bun && !process.versions.deno;
const live = new Set(); // groups with attempts in flight
let shared; // the group that new attempts without a caller's signal join
let deadlineTimer;
let armedAt = Infinity;

function arm(at) {
  if (at >= armedAt) return;
  clearTimeout(deadlineTimer);
  armedAt = at;
  deadlineTimer = setTimeout(expire, Math.max(0, Math.min(at - Date.now(), MAX_TIMER_MS)));
  // The timer only ever ends requests, which keep a process alive by themselves: it must not (Node, Bun, Deno).
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
      if (group.controller) group.controller.abort(new Error("timeout"));
      for (const reject of group.racing) reject(new Error("timeout"));
      group.racing.clear();
    } else if (group.deadline < next) {
      next = group.deadline;
    }
  }
  if (next < Infinity) arm(next);
}

function newGroup(deadline, withController) {
  return { controller: withController ? new AbortController() : undefined, racing: new Set(), deadline, count: 0, timedOut: false };
}

/**
 * One attempt's end: aborted by the caller's `signal` (with its reason) or once `timeoutMs` has passed (then
 * `timedOut` is true). `signal` is for fetch (absent when nothing can abort); `race` ends a promise of the attempt
 * at its deadline when there is no signal to do it. `finish()` lets go of the deadline and the listener.
 */
export class Attempt {
  constructor(timeoutMs, signal) {
    const timeout = timeoutMs > 0;
    if (signal) {
      // A caller's signal aborts only this request: a controller of its own.
      this.group = newGroup(timeout ? Date.now() + timeoutMs : Infinity, true);
      this.userSignal = signal;
      this.onAbort = () => this.group.controller.abort(signal.reason);
      if (signal.aborted) this.group.controller.abort(signal.reason);
      else signal.addEventListener("abort", this.onAbort);
    } else if (timeout) {
      const deadline = Math.ceil((Date.now() + timeoutMs) / BUCKET_MS) * BUCKET_MS;
      if (!shared || shared.deadline !== deadline || shared.timedOut) shared = newGroup(deadline, !ABANDON);
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
    return this.group?.controller?.signal;
  }
  /** Lets go of the deadline and the listener (again: no effect); true when the attempt timed out. */
  end() {
    const group = this.group || this.ended;
    this.finish();
    return group ? group.timedOut : false;
  }
  /** `promise`, or its rejection at the deadline when no signal can end it (a late Response's body is cancelled). */
  race(promise) {
    const group = this.group;
    if (!group || group.controller) return promise;
    return new Promise((resolve, reject) => {
      if (group.timedOut) reject(new Error("timeout"));
      else group.racing.add(reject);
      promise.then(
        (value) => {
          if (!group.racing.delete(reject) && value && value.body && value.body.cancel) value.body.cancel().catch(() => {});
          resolve(value);
        },
        (error) => {
          group.racing.delete(reject);
          reject(error);
        },
      );
    });
  }
  finish() {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    this.ended = group;
    if (--group.count === 0) live.delete(group);
    if (this.userSignal) this.userSignal.removeEventListener("abort", this.onAbort);
  }
}

/**
 * Calls fetch (the injected one, else the global) with the client's fixed headers `base` (an object built once)
 * and this attempt's `extra` headers ("name\nvalue\n" pairs: neither holds a newline), following no redirect by
 * itself, ended by `attempt`.
 */
export function startFetch(fetchFn, url, method, base, extra, body, attempt) {
  let headers = base;
  if (extra) {
    headers = { ...base };
    const parts = extra.split("\n");
    for (let i = 0; i + 1 < parts.length; i += 2) headers[parts[i]] = parts[i + 1];
  }
  const init = { method, headers, redirect: "manual" };
  if (body !== undefined && body !== null) {
    init.body = body;
    if (isStream(body)) init.duplex = "half";
  }
  const signal = attempt.signal;
  if (signal) init.signal = signal;
  return attempt.race(fetchFn ? fetchFn(url, init) : fetch(url, init));
}

/**
 * Reads a body as the core decided (`ReadAs` in core/response.rs): 1 text, 2 arrayBuffer, 3 a Blob or undefined
 * when empty, 4 a Blob, 5 the text then JSON.parse (blank text is undefined). Invalid JSON rejects with a
 * SyntaxError. Ended by `attempt` as its fetch is.
 */
export function readBody(response, how, attempt) {
  return attempt.race(read(response, how));
}

function read(response, how) {
  switch (how) {
    case 2: return response.arrayBuffer();
    case 3: return response.blob().then((blob) => (blob.size ? blob : undefined));
    case 4: return response.blob();
    case 5: return response.text().then((text) => (text.trim() ? JSON.parse(text) : undefined));
    default: return response.text();
  }
}

/** The response's status, type and status text, then the values of `names` in its headers, as one string (see
 * HeaderSnapshot in core/headers.rs). */
export function readResponse(response, names) {
  let out = response.status + "\n" + response.type + "\n" + response.statusText + "\n";
  const headers = response.headers;
  for (const name of names) out += (headers.get(name) ?? "\0") + "\n";
  return out;
}

/** The lines of `text` (the names `readResponse` asks for, handed over once per client as one string). */
export function lines(text) {
  return text.split("\n");
}

/** Resolves a possibly relative `location` against `base`; `undefined` when it is not a URL. */
export function resolveUrl(location, base) {
  try {
    return new URL(location, base).href;
  } catch {
    return undefined;
  }
}

/** The `[key, value]` entries of a plain object, or of an iterable of pairs (a `Headers`, a `Map`); throws for
 * what is neither. */
export function entriesOf(value) {
  return Object.entries(value !== null && typeof value[Symbol.iterator] === "function" ? Object.fromEntries(value) : value);
}

/** The first `max` UTF-16 units of a string, `undefined` for any other value. */
export function textHead(value, max) {
  return typeof value === "string" ? value.slice(0, max) : undefined;
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

// Copies of one result for several callers: a result remembered for conditional requests (`revalidate`) and one
// shared by calls in flight at once (`dedupe`). Each caller gets its own, so that one changing it changes no other.
import { ApiError } from "./errors.js";

/** A copy of a result: parsed JSON through structuredClone; strings, `undefined` and Blobs (immutable) as they are. */
export function copy(value) {
  if (value === null || typeof value !== "object" || (typeof Blob !== "undefined" && value instanceof Blob)) return value;
  return structuredClone(value);
}

/** A copy of a rejection: an error of the same class with the same fields (its body copied); other values as they are. */
export function copyError(error) {
  let out;
  if (error instanceof ApiError) {
    out = new error.constructor(error.message, error);
    out.body = copy(error.body);
  } else if (typeof DOMException !== "undefined" && error instanceof DOMException) {
    out = new DOMException(error.message, error.name);
  } else if (error instanceof Error) {
    out = Object.assign(new error.constructor(error.message), error);
  } else {
    return error;
  }
  if (error.stack) out.stack = error.stack;
  return out;
}

/**
 * A call's share of `flight` (a request several equal calls wait for): its result, a copy for every caller but
 * the first to settle, or `signal.reason` when this caller's signal aborts. The request itself is aborted only
 * when every caller waiting on it has aborted; then the flight is dead, and the next equal call starts anew.
 */
export function follow(flight, signal) {
  flight.waiting++;
  return new Promise((resolve, reject) => {
    const leave = () => {
      if (signal) signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      leave();
      if (--flight.waiting === 0) {
        flight.dead = true;
        flight.controller.abort(signal.reason);
      }
      reject(signal.reason);
    };
    flight.promise.then(
      (value) => {
        leave();
        resolve(flight.settled++ ? copy(value) : value);
      },
      (error) => {
        leave();
        reject(flight.settled++ ? copyError(error) : error);
      },
    );
    // After the handlers: a lone caller whose signal has aborted already aborts the flight, whose rejection must
    // find a handler (an unhandled one would end a Node process).
    if (signal && signal.aborted) onAbort();
    else if (signal) signal.addEventListener("abort", onAbort);
  });
}

/**
 * The live flight in `flights` (a client's Map of key to flight) under `key`, or a new one put there: the
 * controller whose signal the shared request runs with, and no `promise` until `launch`.
 */
export function flightFor(flights, key) {
  const live = flights.get(key);
  if (live && !live.dead) return live;
  const flight = { controller: new AbortController(), waiting: 0, settled: 0, dead: false, promise: undefined };
  // Settled, the flight leaves (unless a newer one took its key): nothing is kept, the next equal call is sent anew.
  flight.leave = () => flights.get(key) === flight && flights.delete(key);
  flights.set(key, flight);
  return flight;
}

/** Sets the new `flight`'s request, whose settling ends the flight (before its callers hear of it). */
export function launch(flight, promise) {
  flight.promise = promise;
  promise.then(flight.leave, flight.leave);
}

// Copies of one result for several callers: a result remembered for conditional requests (`revalidate`) and one
// shared by calls in flight at once (`dedupe`). Each caller gets its own, so that one changing it changes no other.
// How a shared call follows its flight is in flights.js, loaded by the first shared call.
import { ApiError } from "./errors.js";

/** A copy of a result: parsed JSON through structuredClone; strings, `undefined` and Blobs (immutable) as they are. */
export function copy(value) {
  if (value === null || typeof value !== "object" || (typeof Blob !== "undefined" && value instanceof Blob)) return value;
  return structuredClone(value);
}

let flights; // the promise of flights.js, loaded by the first shared call

/**
 * A call's share of `flight` (a request several equal calls wait for; see flights.js): its result or a copy, or
 * `signal.reason` when this caller's signal aborts. The caller counts at once, before flights.js has loaded, so a
 * flight is never aborted while a caller that joined it is still on its way.
 */
export function follow(flight, signal) {
  flight.waiting++;
  flights ||= import("./flights.js");
  return flights.then((module) => module.follow(flight, signal, copy, ApiError));
}

/**
 * The live flight in `flights` (a client's object of key to flight; a key begins with the method, so it is never
 * an Object.prototype name) under `key`, or a new one put there: the controller whose signal the shared request
 * runs with, and no `promise` until `launch`.
 */
export function flightFor(flights, key) {
  const live = flights[key];
  if (live && !live.dead) return live;
  const flight = { controller: new AbortController(), waiting: 0, settled: 0, dead: false, promise: undefined };
  // Settled, the flight leaves (unless a newer one took its key): nothing is kept, the next equal call is sent anew.
  flight.leave = () => flights[key] === flight && delete flights[key];
  flights[key] = flight;
  return flight;
}

/** Sets the new `flight`'s request, whose settling ends the flight (before its callers hear of it). */
export function launch(flight, promise) {
  flight.promise = promise;
  promise.then(flight.leave, flight.leave);
}

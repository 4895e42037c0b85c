// What a call that shares a request in flight (`dedupe`) gets: its own copy of the result or of the rejection, or
// its own abort. Loaded by the first shared call (copies.js `follow`), so clients that never dedupe do not
// download it. It imports nothing: copies.js hands it `copy` and `ApiError` (a static import of an eager module
// from a lazy one makes bundlers split the eager code into shared chunks, which costs more bytes than it saves).

/** A copy of a rejection: an error of the same class with the same fields (its body copied); other values as they are. */
function copyError(error, copy, ApiError) {
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
 * A call's share of `flight` (already counted in `flight.waiting`): its result, a copy for every caller but the
 * first to settle, or `signal.reason` when this caller's signal aborts. The request itself is aborted only when
 * every caller waiting on it has aborted; then the flight is dead, and the next equal call starts anew.
 */
export function follow(flight, signal, copy, ApiError) {
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
        reject(flight.settled++ ? copyError(error, copy, ApiError) : error);
      },
    );
    // After the handlers: a lone caller whose signal has aborted already aborts the flight, whose rejection must
    // find a handler (an unhandled one would end a Node process).
    if (signal && signal.aborted) onAbort();
    else if (signal) signal.addEventListener("abort", onAbort);
  });
}

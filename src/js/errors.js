// The error classes polite-fetch rejects with. They are real `Error`s (instanceof, name, stack), created by the
// wasm core through `createError`, and exported from the package root so users can test `instanceof`.

/** The fields every ApiError carries; `toJSON()` gives exactly these. */
const FIELDS = [
  "name", "code", "message", "status", "requestId", "timestamp", "path", "method", "url", "headers", "body",
  "retryAfterMs", "rateLimit", "attempts", "fieldErrors",
];

/** Every failure of a request (except a caller's abort and invalid arguments) is an ApiError. */
export class ApiError extends Error {
  /**
   * @param {string} message one line for a support request
   * @param {object} [fields] code, status, requestId, ... (see the package's types)
   */
  constructor(message, fields) {
    super(message, fields && fields.cause !== undefined ? { cause: fields.cause } : undefined);
    for (const key of FIELDS) {
      if (key !== "name" && key !== "message") this[key] = fields ? fields[key] : undefined;
    }
    if (this.code === undefined) this.code = "api_error";
  }

  /** The fields as plain data (no Response, no Headers), for logs and postMessage. */
  toJSON() {
    const out = {};
    for (const key of FIELDS) out[key] = this[key];
    out.body = copyPlain(this.body, (s) => s, MAX_JSON_DEPTH);
    if (this.cause !== undefined) {
      out.cause = this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause;
    }
    return out;
  }
}

// `name` lives on the prototype so it survives minifiers and is the class name, as for built-in errors.
function define(name) {
  const cls = { [name]: class extends ApiError {} }[name];
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
  return cls;
}
Object.defineProperty(ApiError.prototype, "name", { value: "ApiError", writable: true, configurable: true });

/** 400 */ export const BadRequestError = define("BadRequestError");
/** 401 */ export const AuthenticationError = define("AuthenticationError");
/** 402 */ export const RequestFailedError = define("RequestFailedError");
/** 403 */ export const PermissionDeniedError = define("PermissionDeniedError");
/** 404 */ export const NotFoundError = define("NotFoundError");
/** 409 */ export const ConflictError = define("ConflictError");
/** 422 */ export const UnprocessableEntityError = define("UnprocessableEntityError");
/** 429 */ export const RateLimitError = define("RateLimitError");
/** 5xx */ export const ServerError = define("ServerError");
/** No response at all: DNS, refused, reset, CORS. */ export const ConnectionError = define("ConnectionError");
/** An attempt ran past timeoutMs, or poll past maxWaitMs. */ export const TimeoutError = define("TimeoutError");

/** True for an error this package made (so it is rejected as it is, not wrapped). @internal */
export function isApiError(value) {
  return value instanceof ApiError;
}

/** Deepest nesting `toJSON` keeps of a body; deeper values become CUT (JSON.stringify recurses, and would throw). */
const MAX_JSON_DEPTH = 32;
const CUT = "[nested too deep]";

const isPlainObject = (v) => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

/**
 * A copy of plain data (JSON values) with `text` applied to every string and key, and containers below `maxDepth`
 * replaced by CUT. Iterative, one visit per value: a server's body nested 100,000 deep or with 300,000 keys costs
 * time in its size and no stack. Values that are not plain data are kept as they are.
 */
function copyPlain(value, text, maxDepth) {
  const step = (v, depth, pending) => {
    if (typeof v === "string") return text(v);
    const list = Array.isArray(v);
    if (!list && !isPlainObject(v)) return v;
    if (depth > maxDepth) return CUT;
    const copy = list ? [] : {};
    pending.push(v, copy, depth);
    return copy;
  };
  const pending = [];
  const root = step(value, 0, pending);
  while (pending.length) {
    const depth = pending.pop(), copy = pending.pop(), from = pending.pop();
    if (Array.isArray(from)) {
      for (let i = 0; i < from.length; i++) copy[i] = step(from[i], depth + 1, pending);
    } else {
      for (const key of Object.keys(from)) {
        // `__proto__` from JSON.parse is an own key; assigning it would set the copy's prototype instead.
        Object.defineProperty(copy, text(key), { value: step(from[key], depth + 1, pending), enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return root;
}

/** Replaces every secret in a string, or in the strings and keys inside plain data, with "[redacted]". */
function redact(value, secrets) {
  const text = (s) => {
    for (const secret of secrets) if (secret && s.includes(secret)) s = s.split(secret).join("[redacted]");
    return s;
  };
  return copyPlain(value, text, Infinity);
}

// In the order of `ErrorKind` (src/core/error.rs): the wasm core names a class by its index.
const byKind = [
  BadRequestError, AuthenticationError, RequestFailedError, PermissionDeniedError, NotFoundError, ConflictError,
  UnprocessableEntityError, RateLimitError, ServerError, ApiError, ConnectionError, TimeoutError,
];

/**
 * Called by the wasm core: builds the error of class `kind` from its fields (given in the order of FIELDS after
 * `message`, then `cause` and `fieldErrors`). A server that echoes the caller's key or token (in its message, body or
 * headers) must not put it into the error, so every secret (NUL-separated in `secrets`) is redacted here.
 * @internal
 */
export function createError(kind, message, code, status, requestId, timestamp, path, method, url, headers, body,
  retryAfterMs, rateLimit, attempts, cause, fieldErrors, secrets) {
  const fields = { code, status, requestId, timestamp, path, method, url, headers, body, retryAfterMs, rateLimit, attempts, cause, fieldErrors };
  const ErrorClass = byKind[kind] || ApiError;
  try {
    if (secrets) {
      const list = secrets.split("\0").filter(Boolean);
      message = redact(message, list);
      for (const key of ["url", "body", "headers", "requestId", "path", "code", "fieldErrors"]) {
        fields[key] = redact(fields[key], list);
      }
    }
    return new ErrorClass(message, fields);
  } catch {
    // Nothing a server sent may leave a call without its error (this runs inside the wasm engine's step): the
    // class, code and status survive, what the server sent does not.
    return new ErrorClass("the error could not be built from the response", { code, status, method, attempts });
  }
}

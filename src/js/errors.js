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

/** Replaces every secret in a string, or in the strings inside plain data, with "[redacted]". */
function redact(value, secrets) {
  if (typeof value === "string") {
    for (const secret of secrets) if (secret) value = value.split(secret).join("[redacted]");
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out = {};
    for (const key of Object.keys(value)) out[redact(key, secrets)] = redact(value[key], secrets);
    return out;
  }
  return value;
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
  if (secrets) {
    const list = secrets.split("\0").filter(Boolean);
    message = redact(message, list);
    for (const key of ["url", "body", "headers", "requestId", "path", "code", "fieldErrors"]) {
      fields[key] = redact(fields[key], list);
    }
  }
  return new byKind[kind](message, fields);
}

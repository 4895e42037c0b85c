// Types of polite-fetch. The contract they describe is API.md; the README says what polite-fetch adds to it.

/** Retry policy; every field is optional and falls back to the client's, then to the default. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  maxRetries?: number;
  /** Statuses that are retried. @default [408, 429, 500, 502, 503, 504] */
  statusCodes?: number[];
  /** Methods (any case) whose failures other than 429 are retried; an entry that is no method name is ignored. @default ["GET","HEAD","OPTIONS","PUT","DELETE"] */
  methods?: string[];
  /** Backoff before retry n is about baseDelayMs * 2^(n-1), ±25% jitter. @default 500 */
  baseDelayMs?: number;
  /** Cap on one backoff delay. @default 8000 */
  maxDelayMs?: number;
  /** A server-asked wait longer than this is not waited: the error is thrown at once. @default 60000 */
  maxRetryAfterMs?: number;
}

/** Client-side pacing: at most `requests` per `perMs`, counted from sending until `perMs` after the answer. */
export interface RateWindow {
  requests: number;
  perMs: number;
}

/** What `onRetry` receives before each wait. */
export interface RetryEvent {
  /** The number of the retry about to be made, from 1. */
  attempt: number;
  delayMs: number;
  reason: "rate_limited" | "status" | "network" | "timeout";
  /** The typed error of the attempt that failed. */
  error: ApiError;
  method: string;
  url: string;
  /** The rate adaptive pacing learned from 429s, in requests per second, once it has learned one. */
  learnedRate?: number;
}

/** What `onWait` receives when a request has to wait for its turn. */
export interface WaitEvent {
  /**
   * What it waits for: a 429's cooldown, the server's spent window, a configured `rateLimit` window, the rate
   * adaptive pacing learned, `maxConcurrency`, or the quota shared with other tabs.
   */
  reason: "cooldown" | "window" | "pacing" | "learned" | "concurrency" | "shared";
  /** The expected wait in ms (behind other waiting requests: what is left of a cooldown); undefined when unknown. */
  delayMs: number | undefined;
  method: string;
  url: string;
  priority: number;
}

/** Where `persist` keeps the quota's state: `localStorage`, or anything with the same two calls, sync or async. */
export interface StorageLike {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
}

/** `client.queue`: the requests of the client's quota (itself and its same-origin relatives). */
export interface QueueState {
  /** Waiting for a turn. */
  waiting: number;
  /** Sent and not yet answered. */
  inFlight: number;
}

/** What every request-side hook is told about the attempt. */
export interface AttemptInfo {
  /** 1 for the first attempt of the call. */
  attempt: number;
  method: string;
  url: string;
}

/**
 * Hooks: each list runs in order, each hook awaited. A hook that throws or rejects rejects the call with that value
 * at once; later hooks do not run. A client without hooks makes no call for them.
 */
export interface Hooks {
  /**
   * Before each attempt is sent, after its turn was granted, with a Request holding its method, URL, headers
   * (credentials included) and body. Change its headers in place, return a Request to send instead (on baseUrl's
   * origin, else the call rejects with a TypeError and nothing is sent), or a Response to use instead of sending
   * (its turn is given back: no quota spent). Later hooks see what earlier ones made.
   */
  beforeRequest?: Array<(request: Request, info: AttemptInfo) => void | Request | Response | Promise<void | Request | Response>>;
  /** On every response before the client reads it, also a 429 or 5xx that will be retried; a returned Response replaces it. */
  afterResponse?: Array<(request: Request, response: Response, info: AttemptInfo) => void | Response | Promise<void | Response>>;
  /** Before each retry's wait, with `onRetry`'s event; `false` stops retrying and the call rejects with `event.error`. */
  beforeRetry?: Array<(event: RetryEvent) => void | boolean | Promise<void | boolean>>;
  /** On the ApiError a call rejects with (not a caller's abort, not a TypeError); what the last returns is thrown (undefined keeps it). */
  beforeError?: Array<(error: ApiError) => Error | void | Promise<Error | void>>;
}

/** What a token function is told. */
export interface TokenContext {
  /** True when the server refused the last token with a 401: fetch a new one. */
  refresh: boolean;
}

/** Options of `new Client(...)`. Invalid ones throw a TypeError naming the option. */
export interface ClientOptions {
  /** Absolute http(s) URL; a path prefix is kept ("https://h/api/v2"). */
  baseUrl: string;
  /** Sent as `<apiKeyHeader>: <apiKey>`. */
  apiKey?: string;
  /** @default "X-API-Key" */
  apiKeyHeader?: string;
  /**
   * Sent as `Authorization: <tokenScheme> <token>`. A function is called for each attempt, and once more after a
   * 401 with `{ refresh: true }` (so a caching function knows its token was refused); that request is then sent
   * once more, not counted in maxRetries.
   */
  token?: string | ((context: TokenContext) => string | Promise<string>);
  /** @default "Bearer" (SeaTable API tokens use "Token") */
  tokenScheme?: string;
  /** Sent with every request. */
  headers?: Record<string, string>;
  /** Per attempt; 0 = none. @default 30000 */
  timeoutMs?: number;
  /** `false` = never retry. */
  retry?: RetryOptions | false;
  /** Client-side pacing, one window or several. */
  rateLimit?: RateWindow | RateWindow[];
  /** Requests in flight at once. @default unlimited */
  maxConcurrency?: number;
  /** Learn the allowed rate from 429s when nothing else says it. @default true */
  adaptive?: boolean;
  /**
   * Share one quota (cooldown, server window, pacing, learned rate) with the clients of the same name and baseUrl
   * in the other tabs and workers of this origin (Web Locks + BroadcastChannel; ignored where they are missing).
   * A non-empty string; or `redisQuota(redis, name)` from polite-fetch/redis to share it across processes and
   * machines. @default not shared
   */
  shareAcross?: "tabs" | (string & {}) | { join(quota: unknown, windows: number[], adaptive?: boolean): unknown };
  onRetry?: (event: RetryEvent) => void;
  /** Once each time a request has to wait for its turn (a throwing listener is ignored). */
  onWait?: (event: WaitEvent) => void;
  /**
   * Keep the rate-limit state (pacing counts, the server's window, a cooldown, a learned rate) under this key, for
   * the next client with the same key and baseUrl (after a reload, in a new tab, in a restarted process). In
   * `localStorage` unless a storage is given; with neither, nothing is kept. Nothing stored holds a credential or
   * a URL. Not applied with `shareAcross` (the shared quota's leader holds the state).
   */
  persist?: string | { key: string; storage?: StorageLike };
  /** The fetch to call. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Steps into each request; `extend()` runs the parent's first. */
  hooks?: Hooks;
  /**
   * Conditional requests: the result of a 2xx GET with an `ETag` (or only `Last-Modified`) is remembered for its
   * URL, `responseType` and credentials; the next such GET sends `If-None-Match` (or `If-Modified-Since`), and a
   * 304 resolves with a copy of the remembered result. A write (POST, PUT, PATCH, DELETE) to a URL forgets it. At
   * most `maxEntries` (a whole number of at least 1), least recently used first out. @default false (256 when on)
   */
  revalidate?: boolean | { maxEntries?: number };
  /**
   * Shared in-flight GETs: a GET or HEAD equal to one in flight (method, URL, headers, credentials, responseType)
   * waits for it instead of being sent; each caller gets its own copy. Never for `responseType` "response", "blob"
   * or "arrayBuffer". @default false
   */
  dedupe?: boolean;
}

/**
 * What `extend()` takes: any client option over the parent's. `headers` merge by name (any case; `null` removes
 * one); `retry` merges field by field (`false` turns it off). With the parent's origin the options that set limits
 * throw a TypeError: the new client shares the parent's. With another origin the parent's credentials (apiKey,
 * token, an Authorization or apiKeyHeader header) are not carried over.
 */
export interface ExtendOptions extends Omit<Partial<ClientOptions>, "headers"> {
  headers?: Record<string, string | null | undefined>;
}

/** Query values: `undefined`/`null` are left out, arrays repeat the key. */
export type QueryValue = string | number | boolean | null | undefined | Array<string | number | boolean>;

/** How a successful response becomes the result. */
export type ResponseType = "auto" | "json" | "text" | "blob" | "arrayBuffer" | "response";

/** Options of one request. */
export interface RequestOptions<R extends ResponseType = ResponseType> {
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Per attempt; overrides the client's. */
  timeoutMs?: number;
  retry?: RetryOptions | false;
  /** Sent as `Idempotency-Key`; makes any method retryable. */
  idempotencyKey?: string;
  /** @default "auto": JSON when the response says JSON, text for text/*, undefined when empty, else a Blob. */
  responseType?: R;
  /** Among requests waiting for a turn, a higher one goes first; equal ones in the order made. A finite number. @default 0 */
  priority?: number;
  /** Share this GET with an equal one in flight (see the client option). @default the client's `dedupe` */
  dedupe?: boolean;
}

/** What `paginate`'s `items` and `next` are told about a page's response. */
export interface PageResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  url: string;
}

/** `paginate()` options: those of `get`, plus how to find items and the next page. */
export interface PaginateOptions<R extends ResponseType = ResponseType> extends RequestOptions<R> {
  /** The items of a page (then the iteration yields items, not pages). */
  items?: (page: any, response: PageResponse) => unknown[];
  /**
   * The next page's path or URL (resolved as `get` resolves a path); null or undefined ends. Default: the Link
   * header's rel="next", else a string `next` field at the top of a JSON body (Django REST framework).
   */
  next?: (page: any, response: PageResponse) => string | URL | null | undefined;
  /** At most this many pages (a whole number of at least 1). @default no limit */
  maxPages?: number;
}

/** `request()` options: the body travels in the options. */
export interface RequestWithBodyOptions<R extends ResponseType = ResponseType> extends RequestOptions<R> {
  body?: RequestBody;
}

/** `poll()` options. */
export interface PollOptions<R extends ResponseType = ResponseType> extends RequestOptions<R> {
  /** Wait between tries when the 204 has no Retry-After. @default 1000 */
  intervalMs?: number;
  /** Give up (TimeoutError) after this long; 0 = no deadline. @default 60000 */
  maxWaitMs?: number;
}

/** A plain object or array is sent as JSON; the rest go to fetch as they are. */
export type RequestBody =
  | Record<string, unknown>
  | unknown[]
  | string
  | FormData
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | URLSearchParams
  | ReadableStream
  | null
  | undefined;

/** The result type for a response type. */
export type ResultOf<R extends ResponseType, T> = R extends "text"
  ? string
  : R extends "blob"
    ? Blob
    : R extends "arrayBuffer"
      ? ArrayBuffer
      : R extends "response"
        ? Response
        : T;

/** The window the latest rate-limit headers described (or the rate adaptive pacing learned). */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** ms since epoch; absent when the server did not say. */
  resetAt: number;
  observedAt: number;
  /** True when learned from 429s rather than told by headers or configured. */
  learned?: boolean;
}

/** A client for one REST API. */
export class Client {
  constructor(options: ClientOptions);
  get<T = any, R extends ResponseType = "auto">(path: string, options?: RequestOptions<R>): Promise<ResultOf<R, T>>;
  delete<T = any, R extends ResponseType = "auto">(path: string, options?: RequestOptions<R>): Promise<ResultOf<R, T>>;
  head(path: string, options?: RequestOptions): Promise<undefined>;
  post<T = any, R extends ResponseType = "auto">(path: string, body?: RequestBody, options?: RequestOptions<R>): Promise<ResultOf<R, T>>;
  put<T = any, R extends ResponseType = "auto">(path: string, body?: RequestBody, options?: RequestOptions<R>): Promise<ResultOf<R, T>>;
  patch<T = any, R extends ResponseType = "auto">(path: string, body?: RequestBody, options?: RequestOptions<R>): Promise<ResultOf<R, T>>;
  request<T = any, R extends ResponseType = "auto">(method: string, path: string, options?: RequestWithBodyOptions<R>): Promise<ResultOf<R, T>>;
  /**
   * Each page of a list (or, with `items`, each item), every page a paced, queued, retried GET. A next page off
   * baseUrl (another origin, or above its path prefix) is not followed: the iteration throws a TypeError naming it.
   */
  paginate<T = any>(path: string, options?: PaginateOptions): AsyncGenerator<T, void, undefined>;
  /** GET until the API stops answering 204 "still processing". */
  poll<T = any, R extends ResponseType = "auto">(path: string, options?: PollOptions<R>): Promise<ResultOf<R, T>>;
  /**
   * A new client: this one's options with `options` over them. With the same origin it shares this client's
   * rate-limit state (cooldown, server window, pacing, learned rate, shared quota, queue); with another it starts
   * fresh.
   */
  extend(options?: ExtendOptions): Client;
  /** null until a response carries rate-limit headers. */
  readonly rateLimit: RateLimitState | null;
  /** How many requests of this client's quota wait for a turn, and how many are in flight. */
  readonly queue: QueueState;
  /**
   * Rejects every request of this client's quota that waits for a turn with `reason` (default: a DOMException
   * named "AbortError"); requests in flight go on. Returns how many it rejected.
   */
  clear(reason?: unknown): number;
  /** Releases the client's wasm memory at once (it is also released when the client is garbage-collected). */
  free(): void;
}

/** The fields of every ApiError, as `toJSON()` gives them. */
export interface ApiErrorJSON {
  name: string;
  code: string;
  message: string;
  status: number | undefined;
  requestId: string | undefined;
  timestamp: string | undefined;
  path: string | undefined;
  method: string | undefined;
  url: string | undefined;
  headers: Record<string, string> | undefined;
  body: unknown;
  retryAfterMs: number | undefined;
  rateLimit: RateLimitState | null | undefined;
  attempts: number | undefined;
  fieldErrors: Record<string, string[]> | undefined;
  cause?: unknown;
}

/** Every failure of a request, except a caller's abort and invalid arguments (TypeError). */
export class ApiError extends Error {
  constructor(message: string, fields?: Partial<Omit<ApiErrorJSON, "name" | "message">> & { cause?: unknown });
  /** Machine identifier: the body's `error`/`error_code`/`code`, else the class default. */
  code: string;
  /** HTTP status, when there was a response. */
  status: number | undefined;
  requestId: string | undefined;
  timestamp: string | undefined;
  /** The body's `path`. */
  path: string | undefined;
  method: string | undefined;
  /** The request URL (never with credentials). */
  url: string | undefined;
  /** Response headers, lower-case names. */
  headers: Record<string, string> | undefined;
  /** The parsed error body (JSON or text). */
  body: unknown;
  /** The wait the server asked for, if any. */
  retryAfterMs: number | undefined;
  rateLimit: RateLimitState | null | undefined;
  attempts: number | undefined;
  /** Per-field messages (DRF field dictionaries, `non_field_errors`, an `errors` object). */
  fieldErrors: Record<string, string[]> | undefined;
  toJSON(): ApiErrorJSON;
}
/** 400 */
export class BadRequestError extends ApiError {}
/** 401 */
export class AuthenticationError extends ApiError {}
/** 402 */
export class RequestFailedError extends ApiError {}
/** 403 */
export class PermissionDeniedError extends ApiError {}
/** 404 */
export class NotFoundError extends ApiError {}
/** 409 */
export class ConflictError extends ApiError {}
/** 422 */
export class UnprocessableEntityError extends ApiError {}
/** 429 */
export class RateLimitError extends ApiError {
  status: 429;
}
/** 5xx */
export class ServerError extends ApiError {}
/** The request never got a response (DNS, refused, reset, CORS); `cause` is the runtime's error. */
export class ConnectionError extends ApiError {
  status: undefined;
}
/** An attempt ran past `timeoutMs`, or `poll` past its `maxWaitMs`. */
export class TimeoutError extends ApiError {}

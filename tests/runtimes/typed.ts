// Compiled with `tsc --strict` against the shipped .d.ts by tests/js/runtimes.test.mjs; never run.
// Every `@ts-expect-error` line must be an error, and the test checks that it is.
import {
  Client, ApiError, RateLimitError, NotFoundError, ConnectionError, TimeoutError, PermissionDeniedError,
  type ClientOptions, type ExtendOptions, type RetryEvent, type RateLimitState, type Hooks, type AttemptInfo,
  type WaitEvent, type QueueState, type StorageLike,
} from "polite-fetch";
import { redisQuota, type RedisQuota } from "polite-fetch/redis";

interface Doc { id: string; title: string }

const options: ClientOptions = {
  baseUrl: "https://api.example.com/api/v2",
  apiKey: "key",
  token: async () => "fresh-token",
  tokenScheme: "Token",
  headers: { "X-App": "typed" },
  timeoutMs: 10_000,
  retry: { maxRetries: 3, statusCodes: [429, 503], methods: ["GET"], baseDelayMs: 200, maxDelayMs: 5000, maxRetryAfterMs: 30_000 },
  rateLimit: [{ requests: 300, perMs: 60_000 }, { requests: 5000, perMs: 86_400_000 }],
  maxConcurrency: 4,
  adaptive: true,
  shareAcross: "tabs",
  onRetry: (e: RetryEvent) => console.log(e.attempt, e.delayMs, e.reason, e.error.code, e.method, e.url),
  onWait: (e: WaitEvent) => console.log(e.reason === "shared", (e.delayMs ?? 0) / 1000, e.method, e.url, e.priority),
  fetch: globalThis.fetch,
};
const api = new Client(options);
const extendOptions: ExtendOptions = { headers: { "X-App": null, "X-Trace": "t1" }, retry: { maxRetries: 1 }, timeoutMs: 500 };
const traced: Client = api.extend(extendOptions);
const copy: Client = api.extend();

class AppError extends Error {}
const hooks: Hooks = {
  beforeRequest: [
    async (request: Request, info: AttemptInfo) => {
      request.headers.set("X-Trace", `${info.method} ${info.url} #${info.attempt}`);
    },
    (request) => (request.url.endsWith("/cached") ? new Response("{}") : undefined),
    (request) => new Request(request, { headers: { "X-Other": "1" } }),
  ],
  afterResponse: [(request, response, info) => (response.status === 500 && info.attempt > 1 ? new Response("{}") : undefined)],
  beforeRetry: [async (event: RetryEvent) => (event.error.status === 401 ? false : undefined)],
  beforeError: [(error: ApiError) => new AppError(error.code), (error) => error],
};
const hooked: Client = new Client({ baseUrl: "https://h", hooks }).extend({ hooks: { beforeRequest: [() => {}] } });

export async function usage(signal: AbortSignal): Promise<void> {
  const doc = await api.get<Doc>("/docs/1", { query: { expand: ["a", "b"], page: 2, draft: false, skip: null }, signal });
  const title: string = doc.title;
  const text: string = await api.get("/readme", { responseType: "text" });
  const blob: Blob = await api.get("/file", { responseType: "blob" });
  const buffer: ArrayBuffer = await api.get("/file", { responseType: "arrayBuffer" });
  const response: Response = await api.get("/file", { responseType: "response" });
  await api.post<Doc>("/docs", { title }, { idempotencyKey: "k1" });
  await api.put("/docs/1", new FormData());
  await api.patch("/docs/1", new URLSearchParams({ a: "1" }));
  await api.delete("/docs/1", { retry: false });
  const nothing: undefined = await api.head("/docs/1");
  await api.request("OPTIONS", "/docs", { body: "x", timeoutMs: 100 });
  const done = await api.poll<Doc>("/docs/1/status", { intervalMs: 500, maxWaitMs: 0 });
  await api.get("/click", { priority: 10 });
  const queued: QueueState = api.queue;
  const cleared: number = api.clear(new Error("left the page")) + api.clear();
  console.log(queued.waiting, queued.inFlight, cleared);
  const state: RateLimitState | null = api.rateLimit;
  if (state) console.log(state.limit, state.remaining, state.resetAt, state.observedAt, state.learned);
  console.log(text, blob, buffer, response, nothing, done.id, await traced.get<Doc>("/docs/2"), copy.rateLimit, hooked.rateLimit);
  try {
    await api.get("/x");
  } catch (e) {
    if (e instanceof RateLimitError) {
      const wait: number | undefined = e.retryAfterMs;
      const status: 429 = e.status;
      console.log(wait, status);
    } else if (e instanceof NotFoundError || e instanceof PermissionDeniedError) {
      const fields: Record<string, string[]> | undefined = e.fieldErrors;
      console.log(e.code, e.requestId, e.timestamp, e.path, e.body, e.headers, fields, e.toJSON().name);
    } else if (e instanceof ConnectionError) {
      console.log(e.cause);
    } else if (e instanceof TimeoutError || e instanceof ApiError) {
      const err: Error = e;
      console.log(err.message, e.attempts, e.url, e.method);
    }
  }
}

// Wrong option types must not compile.
// @ts-expect-error baseUrl is required
new Client({ apiKey: "k" });
// @ts-expect-error timeoutMs is a number
new Client({ baseUrl: "https://h", timeoutMs: "5" });
// @ts-expect-error retry is RetryOptions or false
new Client({ baseUrl: "https://h", retry: true });
// @ts-expect-error rateLimit windows need perMs
new Client({ baseUrl: "https://h", rateLimit: { requests: 5 } });
// @ts-expect-error token is a string or a function returning one
new Client({ baseUrl: "https://h", token: 42 });
// @ts-expect-error responseType is one of the listed strings
api.get("/x", { responseType: "xml" });
declare const someRedis: { evalsha(...args: unknown[]): unknown };
const shared: RedisQuota = redisQuota(someRedis, "seatable-base-1");
new Client({ baseUrl: "https://h", rateLimit: { requests: 10, perMs: 1000 }, shareAcross: shared });
// @ts-expect-error redisQuota needs a name
redisQuota(someRedis);
const files: StorageLike = { getItem: async (k: string) => (k ? "v" : null), setItem: async () => {} };
new Client({ baseUrl: "https://h", persist: "budget" });
new Client({ baseUrl: "https://h", persist: { key: "budget", storage: files } });
new Client({ baseUrl: "https://h", persist: { key: "budget", storage: globalThis.localStorage } });
// @ts-expect-error persist needs a key
new Client({ baseUrl: "https://h", persist: { storage: files } });
// @ts-expect-error priority is a number
api.get("/x", { priority: "high" });
// @ts-expect-error onWait is a function of a WaitEvent
new Client({ baseUrl: "https://h", onWait: (e: WaitEvent) => e.reason === "tired" });
// @ts-expect-error extend() takes options, not a base URL string
api.extend("https://h");
// @ts-expect-error hooks are lists of functions
new Client({ baseUrl: "https://h", hooks: { beforeRequest: () => {} } });
// @ts-expect-error a beforeRequest hook returns nothing, a Request or a Response
new Client({ baseUrl: "https://h", hooks: { beforeRequest: [() => 5] } });
// @ts-expect-error query values are scalars or arrays of them
api.get("/x", { query: { nested: { a: 1 } } });

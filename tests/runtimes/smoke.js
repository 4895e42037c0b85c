// One smoke program for every runtime: construct a client, GET, catch a typed 404, and have one request retried
// after a Retry-After. Plain ESM and fetch only, so it runs in Node, Deno, Bun, workerd, pages and workers alike.
// It returns what it saw; tests/js/runtimes.test.mjs judges it the same way for each runtime.
export async function smoke({ Client, ApiError, NotFoundError, RateLimitError }, baseUrl) {
  const out = { runtime: typeof navigator !== "undefined" ? navigator.userAgent : "unknown" };
  const api = new Client({ baseUrl, apiKey: "smoke-key-1234" });
  const echo = await api.get("/echo/smoke", { query: { q: "x y" } });
  out.echo = { path: echo.path, key: echo.headers["x-api-key"], query: echo.query };
  try {
    await api.get("/status/404?shape=envelope");
    out.notFound = "resolved";
  } catch (e) {
    out.notFound = {
      apiError: e instanceof ApiError,
      notFound: e instanceof NotFoundError,
      rateLimit: e instanceof RateLimitError,
      error: e instanceof Error,
      name: e.name,
      code: e.code,
      status: e.status,
      requestId: e.requestId,
      message: e.message,
      // A stack of frames (V8 starts it with "NotFoundError: ..."; Firefox and WebKit list frames only), and
      // String(e) names the class.
      stack: typeof e.stack === "string" && e.stack.length > 0 && String(e).startsWith("NotFoundError: "),
      json: JSON.parse(JSON.stringify(e)).code,
    };
  }
  const id = Math.random().toString(36).slice(2);
  const started = Date.now();
  const retried = await api.get(`/flaky/${id}?fail=1&status=429&retry_after=1`);
  out.retry = { attempt: retried.attempt, ms: Date.now() - started };
  return out;
}


    const pkg = require("polite-fetch");
    const { Client, ApiError, NotFoundError, RateLimitError } = pkg;
    (async () => { 
  const api = new Client({ baseUrl: process.env.POLITE_TEST_SERVER, apiKey: "pkg-secret-key-1" });
  const out = { exports: Object.keys(pkg).sort() };
  out.echo = await api.get("/echo/pkg", { query: { q: "x" } });
  try { await api.get("/status/404?shape=envelope"); } catch (e) {
    out.notFound = { isApiError: e instanceof ApiError, isNotFound: e instanceof NotFoundError, isError: e instanceof Error,
      isRateLimit: e instanceof RateLimitError, name: e.name, message: e.message, json: JSON.parse(JSON.stringify(e)),
      stack: String(e.stack).split("\n")[0] };
  }
  try { await api.get("/status/401?shape=echo_secret", { retry: false }); } catch (e) {
    out.leak = [e.message, JSON.stringify(e), String(e), String(e.stack)].some((t) => t.includes("pkg-secret-key-1"));
  }
  const id = Math.random().toString(36).slice(2);
  const started = Date.now();
  out.retried = await api.get("/flaky/" + id + "?fail=1&status=429&retry_after=1");
  out.retryMs = Date.now() - started;
  try { new Client({ baseUrl: "ftp://example.com" }); } catch (e) { out.typeError = e instanceof TypeError && e.message; }
  console.log(JSON.stringify(out));
 })().catch((e) => { console.error(e); process.exit(1); });
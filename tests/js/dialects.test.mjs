// The dialects real servers speak, end to end: the packed package against express-rate-limit 8 (draft-6 with and
// without legacy headers, draft-7, draft-8 with one policy and two stacked) and @fastify/rate-limit 11, each
// started here in its own process (bench/frameworks.mjs) and stopped by PID. After one GET, client.rateLimit is
// the limiter's own truth; a burst with no configuration loses nothing; the frameworks' error bodies are typed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFramework, startDrf, FLAVOURS } from "../../bench/frameworks.mjs";
import { burst } from "../../bench/limiters.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const { Client, NotFoundError, RateLimitError, BadRequestError, AuthenticationError, PermissionDeniedError } = await import(join(root, "pkg/index.node.js"));

/** Runs `body` with `flavour` (or "drf") up, and stops it whatever happens. */
async function withFramework(flavour, body) {
  const server = flavour === "drf" ? await startDrf() : await startFramework(flavour);
  try {
    return await body(server.base);
  } finally {
    await server.stop();
  }
}

for (const flavour of FLAVOURS) {
  test(`${flavour}: after one GET, client.rateLimit is the limiter's limit, remaining and reset`, () => withFramework(flavour, async (base) => {
    const api = new Client({ baseUrl: base });
    const truth = await api.get("/truth/1");
    const state = api.rateLimit;
    assert.ok(state, "client.rateLimit is set");
    assert.deepEqual([state.limit, state.remaining], [truth.limit, truth.remaining], JSON.stringify({ state, truth }));
    if (truth.resetAt !== null) {
      assert.ok(Math.abs(state.resetAt - truth.resetAt) <= 300, `resetAt ${state.resetAt - truth.resetAt} ms off the limiter's`);
    } else {
      // fastify says only whole seconds from now (ceiled): the reset is within the next second.
      assert.ok(state.resetAt > Date.now() - 50 && state.resetAt <= Date.now() + 1100, `resetAt ${state.resetAt - Date.now()} ms ahead`);
    }
  }));

  const count = flavour.endsWith("-stacked") ? 30 : 40;
  test(`${flavour}: a burst of ${count} with no configuration, none lost, at most 30 429s`, () => withFramework(flavour, async (base) => {
    const api = new Client({ baseUrl: base });
    const r = await burst((p) => api.get(p), count, (i) => `/truth/${i}`);
    const refused = (await (await fetch(`${base}/refused`)).json()).count;
    console.log(`${flavour}: burst of ${count}:`, JSON.stringify({ ...r, refused }));
    assert.equal(r.failures, 0, r.errors.join("; "));
    assert.ok(refused <= 30, `${refused} 429s`);
  }));
}

test("Express's HTML 404 page: NotFoundError whose message is the page's <pre>, not its generic <title>", () => withFramework("express-draft7", async (base) => {
  const api = new Client({ baseUrl: base });
  const e = await api.get("/nope").then(() => assert.fail("resolved"), (e) => e);
  assert.ok(e instanceof NotFoundError, String(e));
  assert.equal(e.code, "not_found");
  assert.match(e.message, /^Cannot GET \/nope \(404 not_found, GET \/nope\)$/);
}));

test("fastify's error bodies: the server's message, and code a machine code (not the reason phrase)", () => withFramework("fastify", async (base) => {
  const api = new Client({ baseUrl: base, retry: { maxRetries: 0 } });
  const e404 = await api.get("/nope").then(() => assert.fail("resolved"), (e) => e);
  assert.ok(e404 instanceof NotFoundError, String(e404));
  assert.equal(e404.code, "not_found");
  assert.match(e404.message, /^Route GET:\/nope not found /);
  // Spend the window with plain fetch, so that the client's first request meets the limiter's 429.
  for (let i = 0; i < 10; i++) await (await fetch(`${base}/truth/x`)).arrayBuffer();
  const e429 = await api.get("/truth/y").then(() => assert.fail("resolved"), (e) => e);
  assert.ok(e429 instanceof RateLimitError, String(e429));
  assert.equal(e429.code, "too_many_requests");
  assert.equal(e429.status, 429);
  assert.match(e429.message, /^Rate limit exceeded, retry in 1 second /);
  assert.ok(e429.retryAfterMs > 0 && e429.retryAfterMs <= 1000, `retryAfterMs ${e429.retryAfterMs}`);
}));

test("Django REST framework's throttle (a bare 429 with Retry-After): a burst of 40, none lost, at most 20 429s", () => withFramework("drf", async (base) => {
  const api = new Client({ baseUrl: base });
  const r = await burst((p) => api.get(p), 40, (i) => `/throttled/${i}`);
  const refused = (await (await fetch(`${base}/refused`)).json()).count;
  console.log("drf throttle: burst of 40:", JSON.stringify({ ...r, refused }));
  assert.equal(r.failures, 0, r.errors.join("; "));
  assert.ok(refused <= 20, `${refused} 429s`);
}));

test("Django REST framework's own error bodies are typed, with their text and fields", () => withFramework("drf", async (base) => {
  const api = new Client({ baseUrl: base, retry: { maxRetries: 0 } });
  const fail = (p) => p.then(() => assert.fail("resolved"), (e) => e);
  const e400 = await fail(api.post("/books/", {}));
  assert.ok(e400 instanceof BadRequestError, String(e400));
  assert.equal(e400.code, "bad_request");
  assert.deepEqual(e400.fieldErrors, { title: ["This field is required."] });
  assert.match(e400.message, /^title: This field is required\. \(400 bad_request, POST \/books\/\)$/);
  const e401 = await fail(api.get("/private/"));
  assert.ok(e401 instanceof AuthenticationError, String(e401));
  assert.match(e401.message, /^Authentication credentials were not provided\. \(401 unauthorized/);
  const e403 = await fail(api.get("/forbidden/"));
  assert.ok(e403 instanceof PermissionDeniedError, String(e403));
  assert.match(e403.message, /^You do not have permission to perform this action\. \(403 forbidden/);
  const e404 = await fail(api.get("/books/7/"));
  assert.ok(e404 instanceof NotFoundError, String(e404));
  assert.match(e404.message, /^No Book matches the given query\. \(404 not_found/);
  // Spend the throttle's second with plain fetch: the client's own request then meets DRF's 429.
  for (let i = 0; i < 10; i++) await (await fetch(`${base}/throttled/${i}`)).arrayBuffer();
  const e429 = await fail(api.get("/throttled/99"));
  assert.ok(e429 instanceof RateLimitError, String(e429));
  assert.equal(e429.code, "too_many_requests");
  assert.ok(e429.retryAfterMs > 0 && e429.retryAfterMs <= 1000, `retryAfterMs ${e429.retryAfterMs}`);
  assert.match(e429.message, /^Request was throttled\. Expected available in 1 second\. /);
}));

test("GitHub's primary limit: a 403 with X-RateLimit-Remaining: 0 is a RateLimitError, waited out and retried", async () => {
  const server = process.env.POLITE_TEST_SERVER;
  const retries = [];
  const api = new Client({ baseUrl: server, retry: { maxRetries: 1 }, onRetry: (e) => retries.push(e) });
  const before = (await (await fetch(`${server}/__stats/status/403`)).json()).count;
  const path = "/status/403?body=%7B%22message%22%3A%22API%20rate%20limit%20exceeded%22%7D&h=X-RateLimit-Limit:60&h=X-RateLimit-Remaining:0&h=X-RateLimit-Reset-After:0.2";
  const e = await api.get(path).then(() => assert.fail("resolved"), (e) => e);
  assert.ok(e instanceof RateLimitError, String(e));
  assert.equal(e.status, 403);
  assert.equal(e.attempts, 2);
  assert.equal(e.retryAfterMs, 200);
  assert.match(e.message, /^API rate limit exceeded \(403 too_many_requests/);
  assert.equal(retries.length, 1);
  assert.equal(retries[0].delayMs, 200);
  assert.equal((await (await fetch(`${server}/__stats/status/403`)).json()).count - before, 2, "sent twice: once, and once after the wait");
  // A 403 with requests left is a plain PermissionDeniedError, not retried.
  const plain = await api.get("/status/403?h=X-RateLimit-Remaining:5").then(() => assert.fail("resolved"), (e) => e);
  assert.equal(plain.name, "PermissionDeniedError");
  assert.equal(plain.attempts, 1);
});

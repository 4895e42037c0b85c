// `make demo` (until the playground page exists): a short tour of polite-fetch against the local test server,
// importing the built package the way a user does. The server's address comes from scripts/with-server.sh.
import { Client, ApiError, PermissionDeniedError } from "../pkg/index.node.js";

const baseUrl = process.env.POLITE_TEST_SERVER ?? "http://127.0.0.1:8080";
const api = new Client({
  baseUrl,
  apiKey: "demo-key-123",
  onRetry: (e) => console.log(`  onRetry: retry ${e.attempt} in ${Math.round(e.delayMs)} ms (${e.reason}: ${e.error.message})`),
});

console.log(`polite-fetch demo against ${baseUrl}\n`);

console.log("1. A GET with a query; the key travels in X-API-Key:");
const echo = await api.get("/echo/demo", { query: { page: 2, tags: ["a", "b"] } });
console.log(`  server saw ${echo.method} ${echo.path} query=${JSON.stringify(echo.query)} x-api-key=${echo.headers["x-api-key"]}\n`);

console.log("2. A 403 in the API's error envelope becomes a typed error:");
try {
  await api.get("/status/403?shape=envelope");
} catch (e) {
  console.log(`  ${e.name} (instanceof PermissionDeniedError: ${e instanceof PermissionDeniedError}, ApiError: ${e instanceof ApiError})`);
  console.log(`  message:   ${e.message}`);
  console.log(`  code=${e.code} status=${e.status} requestId=${e.requestId} path=${e.path}\n`);
}

console.log("3. A 429 with Retry-After: 1 is waited out and retried:");
const id = Math.random().toString(36).slice(2);
const started = Date.now();
const result = await api.get(`/flaky/${id}?fail=1&status=429&retry_after=1`);
console.log(`  resolved ${JSON.stringify(result)} after ${Date.now() - started} ms\n`);

console.log("4. The rate-limit window the server describes:");
await api.get(`/rate/${id}?limit=100&window=60000`);
console.log(`  api.rateLimit = ${JSON.stringify(api.rateLimit)}\n`);

console.log("5. A burst of 20 requests against a 5-per-second limit (one cooldown for the client):");
const burstStart = Date.now();
let retries = 0;
const burst = new Client({ baseUrl, onRetry: () => retries++ });
await Promise.all(Array.from({ length: 20 }, () => burst.get(`/rate/burst-${id}?limit=5&window=1000`)));
console.log(`  all 20 succeeded in ${Date.now() - burstStart} ms with ${retries} retries after 429\n`);

console.log("Run `make test` for every test.");

// One generated case of the boundary property (issue 21), run the same way in Node and in a browser page: the reply
// stashed on the local server under `id` is fetched raw (fetch + parse, the time to beat), then through a fresh
// Client with an apiKey; what the call settled with is checked against the status it got. Plain ESM, no Node API.

/** The credential every case's client carries; generated bodies and headers echo it now and then. */
export const KEY = "pf-secret-7f3a9c0d1e";

/** The class a non-2xx status must reject with (API.md, Errors). */
export function classFor(status) {
  const named = { 400: "BadRequestError", 401: "AuthenticationError", 402: "RequestFailedError", 403: "PermissionDeniedError",
    404: "NotFoundError", 409: "ConflictError", 422: "UnprocessableEntityError", 429: "RateLimitError" };
  return named[status] || (status >= 500 ? "ServerError" : "ApiError");
}

// The headers that can carry a window's remaining count (API.md, "Limits the client reads").
const REMAINING = /^(x-ratelimit-remaining(-\w+)?|ratelimit-remaining|ratelimit)$/i;

/**
 * The classes a reply with `status` and `headers` (name, value pairs) may reject with. A 403 with
 * `X-RateLimit-Remaining: 0` is GitHub's spent limit and a RateLimitError (API.md); when other remaining headers
 * with generated values come with it, which one is tightest is the parser's business (native tables), so both
 * classes are accepted there.
 */
export function classesFor(status, headers = []) {
  const remaining = headers.filter(([name]) => REMAINING.test(name));
  if (status !== 403 || remaining.length === 0) return [classFor(status)];
  const spent = remaining.length === 1 && /^x-ratelimit-remaining$/i.test(remaining[0][0]) && remaining[0][1].trim() === "0";
  return spent ? ["RateLimitError"] : ["PermissionDeniedError", "RateLimitError"];
}

/** True when `key` is anywhere in `value`'s strings or keys; iterative, so a body 100,000 deep is walked too. */
function holds(value, key) {
  const pending = [value];
  while (pending.length) {
    const v = pending.pop();
    if (typeof v === "string") {
      if (v.includes(key)) return true;
    } else if (v && typeof v === "object") {
      for (const k of Object.keys(v)) {
        if (k.includes(key)) return true;
        pending.push(v[k]);
      }
    }
  }
  return false;
}

// What the client counts as JSON (README, "Result"): application/json, *+json, text/json.
const isJsonType = (type) => /^(application\/([^;]*\+)?json|text\/json)\s*(;|$)/i.test(type || "");

/**
 * Runs case `id` (its reply is already stashed, with `status`, content `type` and `headers`) with `pkg` (the
 * package's exports) against `base`. Returns
 * `{ problems: string[], ms, rawMs, attempts, outcome }`; `problems` is empty when the case holds.
 */
export async function checkCase(pkg, base, id, status, type, headers) {
  const problems = [];
  const url = `${base}/stash/${id}`;
  let started = performance.now();
  // The baseline is what an app pays without the client: the fetch, and the parse (as response.json() would).
  const rawText = await (await fetch(url)).text();
  let parses = true;
  try {
    JSON.parse(rawText);
  } catch {
    parses = false;
  }
  const rawMs = performance.now() - started;

  const api = new pkg.Client({ baseUrl: base, apiKey: KEY, timeoutMs: 30_000,
    retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 } });
  started = performance.now();
  let settled = false;
  const call = api.get(`/stash/${id}`).then((value) => ({ value }), (error) => ({ error }));
  const limit = new Promise((resolve) => setTimeout(resolve, 60_000, { hung: true }));
  const result = await Promise.race([call.then((r) => { settled = true; return r; }), limit]);
  const ms = performance.now() - started;
  if (!settled) return { problems: ["the call did not settle within 60 s"], ms, rawMs, outcome: "pending" };

  let outcome, attempts = 1;
  const ok = status >= 200 && status < 300;
  if ("value" in result) {
    outcome = "resolved";
    if (!ok) problems.push(`a ${status} resolved`);
  } else {
    const e = result.error;
    outcome = e && e.name;
    attempts = (e && e.attempts) || 1;
    if (!(e instanceof pkg.ApiError)) {
      problems.push(`rejected with ${e && e.name}: ${String(e && e.message)}, not an ApiError`);
    } else {
      // A browser hides a redirect's target (opaqueredirect), so the client refuses every 3xx redirect there.
      const refused = e.code === "redirect_refused" && [301, 302, 303, 307, 308].includes(status);
      const want = ok || refused ? ["ApiError"] : classesFor(status, headers);
      if (!want.includes(e.name)) problems.push(`rejected with ${e.name}, want ${want.join(" or ")}`);
      if (ok && e.code !== "invalid_response") problems.push(`a ${status} rejected with code ${e.code}`);
      if (ok && (parses || rawText.trim() === "" || !isJsonType(type))) problems.push(`a ${status} (${type}) rejected although its body reads`);
      if (e.status !== status && !refused) problems.push(`status ${e.status}, want ${status}`);
      if (!(e.attempts >= 1)) problems.push(`attempts ${e.attempts}`);
      let text = "", message = "", json = "";
      try {
        text = String(e);
        message = e.message;
        json = JSON.stringify(e.toJSON());
      } catch (thrown) {
        problems.push(`printing the error threw ${thrown}`);
      }
      if (typeof message !== "string" || message.length === 0 || message.length > 2000) problems.push(`message of length ${message.length}`);
      if (!text.startsWith(e.name)) problems.push(`String(error) is ${text.slice(0, 80)}`);
      if ([text, message, json].some((s) => s.includes(KEY)) || holds([e.body, e.headers, e.fieldErrors, e.url, e.code, e.requestId, e.path], KEY)) {
        problems.push("the apiKey is in the error");
      }
    }
  }
  // The module still works: a fresh client gets its answer (a trapped wasm module fails every later call).
  const next = await new pkg.Client({ baseUrl: base }).get("/json").then((v) => v && v.hello, (e) => String(e));
  if (next !== "world") problems.push(`the next request got ${next}`);
  return { problems, ms, rawMs, attempts, outcome };
}

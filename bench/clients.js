// The clients under comparison, each configured as a careful user would: the same retry budget, and the server's
// Retry-After honoured wherever the library can be told to. Plain ESM, used in Node and (bundled) in Chromium.
// `lib` holds the imported modules: { Client } of polite-fetch, ky, ofetch, axios, axiosRetry.

/** Retry-After in ms from a Headers object or a plain header record, else undefined. */
function retryAfterMs(value) {
  if (value == null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * Returns { name: { get(path) } } for every client, against `base`.
 * `retries` is the retry budget of each; `paced` adds polite-fetch with client-side pacing, `blind` polite-fetch
 * with `adaptive: false`; `headers` are sent with every request of every client.
 */
export function makeClients(lib, base, { retries = 2, paced, blind, headers = {} } = {}) {
  const statusCodes = [408, 429, 500, 502, 503, 504];
  const clients = {};
  clients["fetch"] = {
    get: async (path) => {
      const response = await fetch(base + path, { headers });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    },
  };
  const polite = new lib.Client({ baseUrl: base, headers, retry: { maxRetries: retries } });
  clients["polite-fetch"] = { get: (path) => polite.get(path) };
  if (blind) {
    const blindClient = new lib.Client({ baseUrl: base, headers, retry: { maxRetries: retries }, adaptive: false });
    clients["polite-fetch (adaptive: false)"] = { get: (path) => blindClient.get(path) };
  }
  if (paced) {
    const pacedClient = new lib.Client({ baseUrl: base, headers, retry: { maxRetries: retries }, rateLimit: paced });
    clients["polite-fetch (paced)"] = { get: (path) => pacedClient.get(path) };
  }
  const ky = lib.ky.create({ prefix: base, headers, retry: { limit: retries, statusCodes } });
  clients["ky"] = { get: (path) => ky.get(path).json() };
  const ofetch = lib.ofetch.create({
    baseURL: base,
    headers,
    retry: retries,
    retryStatusCodes: statusCodes,
    // ofetch has no Retry-After support of its own; a user adds it through retryDelay.
    retryDelay: (context) => retryAfterMs(context.response?.headers.get("retry-after")) ?? 500,
  });
  clients["ofetch"] = { get: (path) => ofetch(path) };
  const axios = lib.axios.create({ baseURL: base, headers });
  lib.axiosRetry(axios, {
    retries,
    retryDelay: lib.axiosRetry.exponentialDelay, // honours Retry-After
    retryCondition: (error) => lib.axiosRetry.isNetworkOrIdempotentRequestError(error) || error.response?.status === 429,
  });
  clients["axios + axios-retry"] = { get: async (path) => (await axios.get(path)).data };
  return clients;
}

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Sequential small JSON GETs, interleaved between clients round by round; median µs per request for each. */
export async function sequentialOverhead(clients, { rounds = 15, perRound = 200, warmup = 300 } = {}) {
  const samples = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
  for (const client of Object.values(clients)) for (let i = 0; i < warmup; i++) await client.get("/json");
  for (let round = 0; round < rounds; round++) {
    for (const [name, client] of Object.entries(clients)) {
      const started = performance.now();
      for (let i = 0; i < perRound; i++) await client.get("/json");
      samples[name].push(((performance.now() - started) * 1000) / perRound);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, median(s)]));
}

/** The gap between a 429 asking `Retry-After: 1` and the retry, as the server saw it (median of `times`). */
export async function retryAfterGap(client, base, times = 5) {
  const gaps = [];
  for (let i = 0; i < times; i++) {
    const key = `ra-${Math.random().toString(36).slice(2)}`;
    await client.get(`/flaky/${key}?fail=1&status=429&retry_after=1`);
    const stats = await (await fetch(`${base}/__stats/flaky/${key}`)).json();
    gaps.push(stats.times[1] - stats.times[0]);
  }
  return median(gaps);
}

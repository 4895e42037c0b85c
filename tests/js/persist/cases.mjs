// The cases of tests/js/persist.test.mjs (issue 16, API.md "Budgets that survive a reload"), written once for Node and
// for a Chromium page (tests/js/pages/persist.html): each takes the package's exports and the reference server's
// origin, and throws when the behaviour is wrong. The storages here are StorageLike objects in memory, sync and
// async (the real localStorage across a real reload, and a file across a restarted process, are in
// persist.test.mjs). "The next client" is a new Client with the same key and baseUrl: what a reload makes.
// Plain ESM, no Node API.

import { check, thrown, key, sleep } from "../cases-helpers.mjs";

const KEY = "sk-persist-secret-2468";
const TOKEN = "tok-persist-1357";
const SAVED_MS = 450; // a change is written 250 ms after it

/** A StorageLike in memory that counts its writes; `delayMs` makes it async (each call a promise). */
function memory(delayMs) {
  const data = new Map();
  const storage = {
    data, writes: 0,
    getItem: (k) => {
      const value = data.has(k) ? data.get(k) : null;
      return delayMs === undefined ? value : sleep(delayMs).then(() => value);
    },
    setItem: (k, v) => {
      storage.writes++;
      data.set(k, String(v));
      return delayMs === undefined ? undefined : sleep(delayMs);
    },
  };
  return storage;
}

/**
 * Makes one request with `client` and resolves with how it went: `waited` (an onWait event, or undefined) and the
 * ms it took. `events` is the client's onWait list. A request still waiting after `giveUpMs` is cleared.
 */
async function firstRequest(client, events, path, giveUpMs = 1500) {
  const started = performance.now();
  const call = client.get(path).then(() => "sent", (e) => e.name);
  const timer = setTimeout(() => client.clear(), giveUpMs);
  const outcome = await call;
  clearTimeout(timer);
  return { waited: events[0], outcome, ms: performance.now() - started };
}

/** name -> async (pkg, server) => string | void */
export const cases = {
  "configured pacing: the budget spent before the reload holds the next client; another key or baseUrl does not": async ({ Client }, server) => {
    const storage = memory();
    const name = `budget-${key()}`;
    const options = { baseUrl: server, rateLimit: { requests: 3, perMs: 5000 }, persist: { key: name, storage } };
    const first = new Client(options);
    for (let i = 0; i < 3; i++) await first.get(`/echo/${key()}`);
    await sleep(SAVED_MS);
    check(storage.data.has(`polite-fetch:${name}`), `nothing stored: ${[...storage.data.keys()]}`);
    const events = [];
    const next = new Client({ ...options, onWait: (e) => events.push(e) });
    const r = await firstRequest(next, events, `/echo/${key()}`);
    check(r.outcome === "AbortError" && r.waited && r.waited.reason === "pacing" && r.waited.delayMs > 3500, `the next client: ${JSON.stringify(r)}`);
    // Another key, another baseUrl: nothing restored.
    for (const [other, path] of [[{ ...options, persist: { key: `${name}-2`, storage } }, `/echo/${key()}`], [{ ...options, baseUrl: `${server}/echo` }, `/${key()}`]]) {
      const seen = [];
      const fresh = new Client({ ...other, onWait: (e) => seen.push(e) });
      const r = await firstRequest(fresh, seen, path);
      check(r.outcome === "sent" && seen.length === 0, `${JSON.stringify(other.persist.key)} ${other.baseUrl}: restored (${JSON.stringify(r)})`);
    }
    return `the next client waited (${r.waited.reason}, ${Math.round(r.waited.delayMs)} ms expected) instead of sending`;
  },

  "the server's window and a 429's cooldown are restored; client.rateLimit shows the window": async ({ Client }, server) => {
    const storage = memory();
    const w = key();
    const options = { baseUrl: server, persist: { key: `window-${w}`, storage } };
    const first = new Client(options);
    for (let i = 0; i < 3; i++) await first.get(`/rate/${w}?limit=3&window=4000`);
    await sleep(SAVED_MS);
    const events = [];
    const next = new Client({ ...options, onWait: (e) => events.push(e) });
    check(next.rateLimit && next.rateLimit.limit === 3 && next.rateLimit.remaining === 0, `rateLimit after the reload: ${JSON.stringify(next.rateLimit)}`);
    const r = await firstRequest(next, events, `/rate/${w}?limit=3&window=4000`);
    check(r.outcome === "AbortError" && r.waited && r.waited.reason === "window" && r.waited.delayMs > 2000, `window: ${JSON.stringify(r)}`);
    // A cooldown: a 429 asking for 3 s, its retry cleared after the save; the next client waits it out.
    const c = key();
    const coolOptions = { baseUrl: server, persist: { key: `cool-${c}`, storage } };
    const refused = new Client(coolOptions);
    const call = refused.get(`/flaky/${c}?fail=1&status=429&retry_after=3`).catch((e) => e.name);
    await sleep(SAVED_MS);
    refused.clear();
    check((await call) === "AbortError", "the refused request was not waiting");
    const seen = [];
    const after = new Client({ ...coolOptions, onWait: (e) => seen.push(e) });
    const rc = await firstRequest(after, seen, `/echo/${key()}`);
    check(rc.outcome === "AbortError" && rc.waited && rc.waited.reason === "cooldown" && rc.waited.delayMs > 1500, `cooldown: ${JSON.stringify(rc)}`);
  },

  "a learned rate is restored: the next client paces to it before its first answer": async ({ Client }, server) => {
    const storage = memory();
    const l = key();
    const options = { baseUrl: server, retry: { baseDelayMs: 50, maxDelayMs: 200, maxRetries: 8 }, persist: { key: `learned-${l}`, storage } };
    const first = new Client(options);
    // A server that refuses with bare 429s (no header at all): adaptive pacing learns its rate.
    await Promise.allSettled(Array.from({ length: 24 }, () => first.get(`/rate/${l}?limit=4&window=400&headers=0`)));
    check(first.rateLimit && first.rateLimit.learned === true, `nothing learned: ${JSON.stringify(first.rateLimit)}`);
    await sleep(SAVED_MS);
    const events = [];
    const next = new Client({ ...options, onWait: (e) => events.push(e) });
    const state = next.rateLimit;
    check(state && state.learned === true && state.limit === first.rateLimit.limit, `after the reload: ${JSON.stringify(state)} (learned before: ${JSON.stringify(first.rateLimit)})`);
    // Its first burst is held to the learned rate at once (no slow start, no 429 to learn from first).
    const m = key();
    await Promise.all(Array.from({ length: 8 }, () => next.get(`/rate/${m}?limit=4&window=400&headers=0`)));
    check(events.length >= 4 && events.every((e) => e.reason === "learned"), `the first burst after the reload: ${JSON.stringify(events.map((e) => e.reason))}`);
    const elsewhere = new Client({ ...options, persist: { key: `learned-${l}-other`, storage } });
    check(elsewhere.rateLimit === null, "another key restored a learned rate");
    return `learned ${first.rateLimit.limit} per period, restored as ${state.limit}`;
  },

  "an async StorageLike: requests wait for its stored value; saves are debounced and skipped when nothing changed": async ({ Client }, server) => {
    const storage = memory(80);
    const name = `async-${key()}`;
    const options = { baseUrl: server, rateLimit: { requests: 2, perMs: 4000 }, persist: { key: name, storage } };
    const first = new Client(options);
    await Promise.all([first.get(`/echo/${key()}`), first.get(`/echo/${key()}`)]);
    await sleep(SAVED_MS + 200);
    const events = [];
    const next = new Client({ ...options, onWait: (e) => events.push(e) });
    const r = await firstRequest(next, events, `/echo/${key()}`, 2000);
    check(r.outcome === "AbortError" && events.some((e) => e.reason === "pacing"), `the next client did not wait for the restored pacing: ${JSON.stringify(r)}`);
    // 30 requests in a burst: a few writes, not one per request; then nothing changes, nothing is written.
    const sync = memory();
    const busy = new Client({ baseUrl: server, persist: { key: `busy-${key()}`, storage: sync } });
    const w = key();
    await Promise.all(Array.from({ length: 30 }, () => busy.get(`/rate/${w}?limit=100&window=60000`)));
    await sleep(SAVED_MS);
    const writes = sync.writes;
    check(writes >= 1 && writes <= 3, `${writes} writes for a burst of 30`);
    await sleep(SAVED_MS);
    check(sync.writes === writes, "written again with nothing changed");
    const idle = memory();
    const plain = new Client({ baseUrl: server, persist: { key: `idle-${key()}`, storage: idle } });
    for (let i = 0; i < 5; i++) await plain.get(`/echo/${key()}`);
    await sleep(SAVED_MS);
    check(idle.writes <= 1, `${idle.writes} writes for a client with nothing to keep`);
    return `${writes} writes for a burst of 30`;
  },

  "what is stored holds no apiKey, token, URL or query": async ({ Client }, server) => {
    const storage = memory();
    const w = key();
    const client = new Client({ baseUrl: `${server}/`, apiKey: KEY, token: TOKEN, rateLimit: { requests: 5, perMs: 1000 }, persist: { key: "secrets", storage } });
    await client.get(`/rate/${w}?limit=10&window=2000&secret=${KEY}`, { query: { token: TOKEN } });
    await sleep(SAVED_MS);
    const text = [...storage.data.values()].join("\n");
    check(text.startsWith("pf1 "), `stored ${JSON.stringify(text)}`);
    for (const secret of [KEY, TOKEN, "127.0.0.1", "rate", "secret", w]) check(!text.includes(secret), `the stored value holds ${secret}: ${text}`);
  },

  "bad stored values are ignored and overwritten: garbage, an older format, 5 MB, a window far in the future": async ({ Client }, server) => {
    const values = ["garbage", "pf0 0123456789abcdef\nc 1", "{\"cooldown\":9e99}", "x".repeat(5 * 1024 * 1024), null];
    for (const value of values) {
      const storage = memory();
      storage.data.set("polite-fetch:bad", value);
      const client = new Client({ baseUrl: server, rateLimit: { requests: 5, perMs: 1000 }, persist: { key: "bad", storage } });
      const started = performance.now();
      await client.get(`/echo/${key()}`);
      check(performance.now() - started < 500, `a request after ${String(value).slice(0, 20)} took ${performance.now() - started} ms`);
      await sleep(SAVED_MS);
      check(storage.data.get("polite-fetch:bad").startsWith("pf1 "), `not overwritten: ${String(storage.data.get("polite-fetch:bad")).slice(0, 30)}`);
    }
    // A window that would reset in 30 years, a cooldown of a year: of our format and for this API, not believed.
    const storage = memory();
    const name = `future-${key()}`;
    const first = new Client({ baseUrl: server, persist: { key: name, storage } });
    await first.get(`/echo/${key()}`);
    await sleep(SAVED_MS);
    const id = storage.data.get(`polite-fetch:${name}`).split("\n")[0];
    const far = Date.now() + 30 * 365 * 86_400_000;
    for (const line of [`s 10 0 ${far}`, `c ${far}`, `s 10 5 ${far}`]) {
      storage.data.set(`polite-fetch:${name}`, `${id}\n${line}`);
      const events = [];
      const next = new Client({ baseUrl: server, persist: { key: name, storage }, onWait: (e) => events.push(e) });
      const r = await firstRequest(next, events, `/echo/${key()}`);
      check(r.outcome === "sent" && events.length === 0 && r.ms < 500, `${line}: ${JSON.stringify(r)}`);
    }
  },

  "bad input: a bad persist option is a TypeError; a storage that throws, rejects or never answers breaks nothing": async ({ Client }, server) => {
    for (const persist of [{}, 5, "", { key: "" }, { key: 5 }, { key: "k", storage: {} }, { key: "k", storage: { getItem() {} } }, { key: "k", storage: 5 }]) {
      const e = await thrown(() => new Client({ baseUrl: server, apiKey: KEY, persist }), `persist ${JSON.stringify(persist)}`);
      check(e instanceof TypeError && /persist/.test(e.message) && !e.message.includes(KEY), `persist ${JSON.stringify(persist)}: ${e && e.message}`);
    }
    const parent = new Client({ baseUrl: server });
    check((await thrown(() => parent.extend({ persist: "k" }), "extend persist")) instanceof TypeError, "extend({ persist }) with the same origin: not a TypeError");
    const broken = [
      ["throws", { getItem() { throw new Error("SecurityError"); }, setItem() { throw new Error("QuotaExceededError"); } }],
      ["rejects", { getItem: () => Promise.reject(new Error("no")), setItem: () => Promise.reject(new Error("full")) }],
      ["never answers", { getItem: () => new Promise(() => {}), setItem: () => new Promise(() => {}) }],
      ["answers a number", { getItem: () => 5, setItem: () => 5 }],
    ];
    const took = [];
    for (const [what, storage] of broken) {
      const client = new Client({ baseUrl: server, rateLimit: { requests: 2, perMs: 1000 }, persist: { key: "broken", storage } });
      const started = performance.now();
      for (let i = 0; i < 3; i++) await client.get(`/echo/${key()}`);
      const ms = performance.now() - started;
      took.push(`${what} ${Math.round(ms)} ms`);
      // Three requests at 2 per second: one wait of about a second, and (never answers) a second at most for the load.
      check(ms < 2600, `a storage that ${what}: 3 requests took ${ms} ms`);
      await sleep(SAVED_MS);
    }
    // No storage at all (Node has no localStorage): the option does nothing and throws nothing.
    if (typeof localStorage === "undefined") {
      const client = new Client({ baseUrl: server, persist: "no-storage-here" });
      check((await client.get(`/echo/${key()}`)).method === "GET", "persist without a storage broke the client");
    }
    return took.join(", ");
  },
};

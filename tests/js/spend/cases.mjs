// The cases of tests/js/spend.test.mjs (issue 19, API.md "v2 additions"), written once for Node and for a browser
// page (tests/js/pages/spend.html): conditional requests, shared in-flight GETs and pagination against the test
// server's /gh, /slow and /pages routes, counting what the server received (/__log, /__stats). Plain ESM, no Node API.

import { check, thrown, key, sleep, same } from "../cases-helpers.mjs";

const KEY = "sk-spend-secret-98765";

/** What the server received for `route/key`: one line each ("GET 304 inm=\"v1\" ims= ..."). */
async function log(server, name) {
  return (await fetch(`${server}/__log/${name}`)).json();
}

/** How many requests the test routes counted under `name` (/__stats). */
async function count(server, name) {
  return (await (await fetch(`${server}/__stats/${name}`)).json()).count;
}

/** Waits until `f()` is true (the server notes an abort when its next write fails), at most `ms`. */
async function until(f, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await sleep(50);
  }
  return false;
}

/**
 * fetch past the browser's HTTP cache: a page's cache stores the /gh answers and revalidates them itself (its own
 * If-None-Match, its 304 turned into a 200), which would hide what the client sends. Node has no HTTP cache.
 */
const uncached = (url, init) => fetch(url, { ...init, cache: "no-store" });

/** Collects an async iteration. */
async function all(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** name -> async (pkg, server) => string | void */
export const cases = {
  // Conditional requests.
  "revalidate: the ETag goes back, a 304 resolves with the remembered result and costs no quota": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, apiKey: KEY, revalidate: true, fetch: uncached });
    const first = await api.get(`/gh/${k}`);
    const second = await api.get(`/gh/${k}`);
    const third = await api.get(`/gh/${k}`);
    const lines = await log(server, `gh/${k}`);
    check(same(lines.map((l) => l.split(" cred")[0]), ["GET 200 inm= ims=", 'GET 304 inm="v1" ims=', 'GET 304 inm="v1" ims=']), JSON.stringify(lines));
    check(same(first, second) && same(second, third) && first.version === 1, "the 304s resolve with the 200's result");
    // The 304s update rateLimit like any answer, and GitHub-like, they spent nothing.
    check(api.rateLimit && api.rateLimit.remaining === 59, `remaining ${JSON.stringify(api.rateLimit)}`);
    check(!lines.join().includes(KEY), "the server log holds no credential (sanity)");
  },

  "revalidate: each call gets its own copy": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, revalidate: true, fetch: uncached });
    const first = await api.get(`/gh/${k}`);
    first.version = "changed by the first caller";
    const second = await api.get(`/gh/${k}`);
    check(second.version === 1, "the first caller's change reached the remembered result");
    second.key = "changed by the second";
    const third = await api.get(`/gh/${k}`);
    check(third.version === 1 && third.key === k && second !== third, "a 304 result is shared between callers");
  },

  "revalidate: only Last-Modified: If-Modified-Since goes back": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, revalidate: true, fetch: uncached });
    await api.get(`/gh/${k}?lm=1`);
    const again = await api.get(`/gh/${k}?lm=1`);
    const lines = await log(server, `gh/${k}`);
    check(/^GET 304 inm= ims=\w{3}, \d\d Jan 2026 01:00:00 GMT/.test(lines[1]), JSON.stringify(lines));
    check(again.version === 1, "the 304 resolves with the remembered result");
  },

  "revalidate: a 200 to a conditional GET replaces what was remembered; a write through the client forgets it": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, revalidate: true, fetch: uncached });
    await api.get(`/gh/${k}`);
    await fetch(`${server}/gh/${k}`, { method: "POST" }); // someone else changes it: version 2
    const changed = await api.get(`/gh/${k}`);
    const kept = await api.get(`/gh/${k}`);
    await api.patch(`/gh/${k}`, { x: 1 }); // version 3; forgets
    const after = await api.get(`/gh/${k}`);
    const lines = (await log(server, `gh/${k}`)).map((l) => l.split(" cred")[0]);
    check(same(lines, ["GET 200 inm= ims=", "POST 200 inm= ims=", 'GET 200 inm="v1" ims=', 'GET 304 inm="v2" ims=', "PATCH 200 inm= ims=", "GET 200 inm= ims="]), JSON.stringify(lines));
    check(changed.version === 2 && kept.version === 2 && after.version === 3, "results follow the server's versions");
  },

  "revalidate: no-store, no validator or an ETag that cannot be sent are not remembered": async ({ Client }, server) => {
    const api = new Client({ baseUrl: server, revalidate: true, fetch: uncached });
    for (const q of ["nostore=1", "etaglen=10240"]) {
      const k = key();
      await api.get(`/gh/${k}?${q}`);
      await api.get(`/gh/${k}?${q}`);
      const lines = await log(server, `gh/${k}`);
      check(lines.every((l) => l.startsWith("GET 200 inm= ")), `${q}: ${JSON.stringify(lines.map((l) => l.slice(0, 40)))}`);
    }
    // /json sends no validator at all: nothing to remember, nothing sent back.
    const seen = [];
    const watched = new Client({ baseUrl: server, revalidate: true, fetch: (u, init) => (seen.push(init.headers["if-none-match"]), uncached(u, init)) });
    await watched.get("/json");
    await watched.get("/json");
    check(same(seen, [undefined, undefined]), "a GET without a validator went out conditional");
  },

  "revalidate: the key is the URL with its query, the reading and the credentials": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, revalidate: true, fetch: uncached });
    const auth = (t) => ({ headers: { Authorization: `Bearer ${t}-${KEY}` } });
    await api.get(`/gh/${k}`, auth("a"));
    await api.get(`/gh/${k}?x=1`, auth("a")); // another URL
    await api.get(`/gh/${k}`, { ...auth("a"), responseType: "text" }); // another reading
    await api.get(`/gh/${k}`, auth("b")); // other credentials
    await api.get(`/gh/${k}`, auth("a")); // the first again
    await api.get(`/gh/${k}`, { ...auth("a"), responseType: "blob" }); // never remembered
    await api.get(`/gh/${k}`, { ...auth("a"), responseType: "blob" });
    const inm = (await log(server, `gh/${k}`)).map((l) => l.split(" ")[2]);
    check(same(inm, ["inm=", "inm=", "inm=", "inm=", 'inm="v1"', "inm=", "inm="]), JSON.stringify(inm));
  },

  "revalidate: maxEntries keeps the most recently used (a 304 counts as a use)": async ({ Client }, server) => {
    const [a, b, c] = [key(), key(), key()];
    const api = new Client({ baseUrl: server, revalidate: { maxEntries: 2 }, fetch: uncached });
    await api.get(`/gh/${a}`);
    await api.get(`/gh/${b}`);
    await api.get(`/gh/${a}`); // a 304: a is now the most recent
    await api.get(`/gh/${c}`); // b goes
    await api.get(`/gh/${b}`);
    await api.get(`/gh/${a}`);
    const statuses = async (k) => (await log(server, `gh/${k}`)).map((l) => l.split(" ").slice(1, 3).join(" "));
    // Had a's 304 not counted as a use, c would have evicted a (stored first), and b would have come back a 304.
    check(same(await statuses(a), ["200 inm=", '304 inm="v1"', "200 inm="]), `a: ${await statuses(a)}`);
    check(same(await statuses(b), ["200 inm=", "200 inm="]), `b was evicted: ${await statuses(b)}`);
  },

  "revalidate: a 429 to a conditional GET is waited, retried, and conditional again": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, revalidate: true, fetch: uncached, retry: { baseDelayMs: 10 } });
    await api.get(`/gh/${k}?every429=2`);
    const again = await api.get(`/gh/${k}?every429=2`);
    const lines = (await log(server, `gh/${k}`)).map((l) => l.split(" cred")[0]);
    check(same(lines, ["GET 200 inm= ims=", 'GET 429 inm="v1" ims=', 'GET 304 inm="v1" ims=']), JSON.stringify(lines));
    check(again.version === 1, "the retried 304 resolves with the remembered result");
  },

  "a GET the caller made conditional is sent as it is; its 304 resolves like a 204; a 304 to a plain GET rejects": async ({ Client, ApiError }, server) => {
    const k = key();
    const plain = new Client({ baseUrl: server, fetch: uncached });
    const remembering = new Client({ baseUrl: server, revalidate: true, fetch: uncached });
    await remembering.get(`/gh/${k}`);
    for (const api of [plain, remembering]) {
      const v = await api.get(`/gh/${k}`, { headers: { "If-None-Match": '"v1"' } });
      check(v === undefined, `a 304 to the caller's own If-None-Match resolves undefined, got ${JSON.stringify(v)}`);
      const r = await api.get(`/gh/${k}`, { headers: { "if-none-match": '"v1"' }, responseType: "response" });
      check(r instanceof Response && r.status === 304, "responseType response gives the 304 Response");
    }
    const e = await thrown(() => plain.get("/status/304"), "a 304 to a plain GET");
    check(e instanceof ApiError && e.code === "http_304" && e.status === 304, `${e && e.name} ${e && e.code}`);
  },

  "revalidate and dedupe: bad options are TypeErrors naming the option": async ({ Client }, server) => {
    for (const revalidate of ["yes", 1, { maxEntries: 0 }, { maxEntries: -1 }, { maxEntries: 1.5 }, { maxEntries: NaN }, { maxEntries: "3" }]) {
      const e = await thrown(() => new Client({ baseUrl: server, revalidate }), JSON.stringify(revalidate));
      check(e instanceof TypeError && /revalidate/.test(e.message), `${JSON.stringify(revalidate)}: ${e && e.message}`);
    }
    for (const dedupe of [1, "yes", {}]) {
      const e = await thrown(() => new Client({ baseUrl: server, dedupe }), String(dedupe));
      check(e instanceof TypeError && /dedupe/.test(e.message), e && e.message);
      const r = await thrown(() => new Client({ baseUrl: server }).get("/json", { dedupe }), "request dedupe");
      check(r instanceof TypeError && /dedupe/.test(r.message), r && r.message);
    }
    new Client({ baseUrl: server, revalidate: false, dedupe: false });
    new Client({ baseUrl: server, revalidate: {} });
  },

  // Shared in-flight GETs.
  "dedupe: 20 identical GETs at once are one request, one turn of the queue, and each caller has its own copy": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, apiKey: KEY, dedupe: true });
    const calls = Array.from({ length: 20 }, () => api.get(`/slow/${k}?ms=300&status=200`));
    await sleep(100);
    const during = api.queue;
    const results = await Promise.all(calls);
    const lines = await log(server, `slow/${k}`);
    check(same(lines, ["GET received"]), JSON.stringify(lines));
    check(during.inFlight === 1 && during.waiting === 0, `queue ${JSON.stringify(during)}`);
    check(results.every((r) => same(r, results[0])) && new Set(results).size === 20, "twenty equal, distinct results");
  },

  "dedupe: headers in any case and order are equal; other headers, methods, readings or dedupe off are not shared": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, dedupe: true });
    const path = `/slow/${k}?ms=200`;
    await Promise.all([
      api.get(path, { headers: { "X-A": "1", "x-b": "2" } }),
      api.get(path, { headers: { "X-B": "2", "x-a": "1" } }),
      api.get(path, { headers: { "X-A": "other" } }), // another request
      api.get(path, { responseType: "blob" }), // never shared
      api.get(path, { responseType: "blob" }),
      api.get(path, { dedupe: false }), // not shared
      api.head(path), // HEAD is shared with HEAD only
      api.head(path),
      api.post(path, { a: 1 }), // never shared
      api.post(path, { a: 1 }),
    ]);
    const received = (await log(server, `slow/${k}`)).filter((l) => l.endsWith("received"));
    const n = (m) => received.filter((l) => l.startsWith(m)).length;
    check(n("GET") === 5 && n("HEAD") === 1 && n("POST") === 2, JSON.stringify(received));
  },

  "dedupe: each caller gets its own rejection, of the same class and fields": async ({ Client, NotFoundError }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server, dedupe: true, retry: false });
    const errors = await Promise.all([1, 2, 3].map(() => thrown(() => api.get(`/slow/${k}?ms=150&status=404`), "404")));
    const received = (await log(server, `slow/${k}`)).length;
    check(received === 1, `the server received ${received}`);
    check(errors.every((e) => e instanceof NotFoundError && e.status === 404 && e.code === errors[0].code && e.requestId === `req-${k}`), errors.map((e) => `${e.name} ${e.code} ${e.requestId}`).join());
    check(new Set(errors).size === 3 && same(errors[1].toJSON(), errors[0].toJSON()), "three distinct errors with the same fields");
  },

  "dedupe: one caller's abort rejects it alone; the request is aborted only when every caller has": async ({ Client }, server) => {
    const api = new Client({ baseUrl: server, dedupe: true });
    const k1 = key();
    const one = new AbortController();
    const calls = [api.get(`/slow/${k1}?ms=800`, { signal: one.signal }), api.get(`/slow/${k1}?ms=800`), api.get(`/slow/${k1}?ms=800`)];
    await sleep(150);
    one.abort(new Error("the first caller left"));
    const [a, b, c] = await Promise.allSettled(calls);
    check(a.status === "rejected" && a.reason.message === "the first caller left", "the aborted caller rejects with its reason");
    check(b.status === "fulfilled" && c.status === "fulfilled", "the others get the result");
    // The server notes "done" just after its last write, which the client may have read first: wait for the note.
    const ran = await until(async () => same(await log(server, `slow/${k1}`), ["GET received", "done"]), 1000);
    check(ran, `the request ran to its end: ${JSON.stringify(await log(server, `slow/${k1}`))}`);

    const k2 = key();
    const controllers = [1, 2, 3].map(() => new AbortController());
    const all3 = controllers.map((c) => api.get(`/slow/${k2}?ms=1500`, { signal: c.signal }));
    await sleep(150);
    controllers.forEach((c, i) => c.abort(new Error(`caller ${i}`)));
    const settled = await Promise.allSettled(all3);
    check(settled.every((s, i) => s.status === "rejected" && s.reason.message === `caller ${i}`), "each rejects with its own reason");
    check(await until(async () => (await log(server, `slow/${k2}`)).includes("aborted")), `the shared request was aborted: ${JSON.stringify(await log(server, `slow/${k2}`))}`);
    // A lone call whose signal aborted before it started rejects with the reason, and its flight's rejection is
    // handled (an unhandled one ended the Node process before the fix).
    const early = await thrown(() => api.get(`/slow/${key()}?ms=100`, { signal: AbortSignal.abort(new Error("gone before")) }), "aborted before");
    check(early.message === "gone before", early && early.message);
    await sleep(200);
    // A dead flight is not joined: the next equal call is sent anew and succeeds.
    const again = await api.get(`/slow/${k2}?ms=100`);
    check(again && "slow" in again, "a call after every caller aborted is sent anew");
  },

  "dedupe: a token function is asked once per call to compare; other tokens are other requests; nothing is kept after": async ({ Client }, server) => {
    let asked = 0;
    const same3 = new Client({ baseUrl: server, dedupe: true, token: () => (asked++, `tok-${KEY}`) });
    const k = key();
    await Promise.all([1, 2, 3].map(() => same3.get(`/slow/${k}?ms=200`)));
    check(asked === 4, `asked ${asked} times (3 to compare, 1 for the one attempt)`);
    await same3.get(`/slow/${k}?ms=50`); // after it settled: sent anew
    check((await log(server, `slow/${k}`)).filter((l) => l.endsWith("received")).length === 2, "one shared request, then one anew");
    let n = 0;
    const differing = new Client({ baseUrl: server, dedupe: true, token: () => `tok-${n++}-${KEY}` });
    const k2 = key();
    await Promise.all([1, 2, 3].map(() => differing.get(`/slow/${k2}?ms=200`)));
    check((await log(server, `slow/${k2}`)).filter((l) => l.endsWith("received")).length === 3, "three tokens, three requests");
  },

  // Pagination.
  "paginate: Link rel=next, page by page, then items, and the response each callback sees": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server });
    const pages = await all(api.paginate(`/pages/${k}?n=4&per=3`));
    check(same(pages, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]), JSON.stringify(pages));
    const seen = [];
    const items = await all(api.paginate(`/pages/${k}b?n=3&per=2&style=relative`, { items: (page, response) => (seen.push(response), page) }));
    check(same(items, [1, 2, 3, 4, 5, 6]), JSON.stringify(items));
    check(seen[0].status === 200 && typeof seen[0].headers["x-ratelimit-limit"] === "string" && seen[1].url.includes("page=2"), JSON.stringify(seen[1]));
  },

  "paginate: a DRF body's next; next and maxPages options; query for the first request only; breaking sends nothing more": async ({ Client }, server) => {
    const api = new Client({ baseUrl: server });
    const k = key();
    const drf = await all(api.paginate(`/pages/${k}`, { query: { n: 3, per: 2, style: "drf" }, items: (p) => p.results }));
    check(same(drf, [1, 2, 3, 4, 5, 6]), JSON.stringify(drf));
    const k2 = key();
    const chosen = await all(api.paginate(`/pages/${k2}?n=9&per=1`, { next: (page, r) => (page[0] < 5 ? `/pages/${k2}?n=9&per=1&page=${page[0] + 2}` : null) }));
    check(same(chosen, [[1], [3], [5]]), JSON.stringify(chosen));
    const k3 = key();
    check(same(await all(api.paginate(`/pages/${k3}?n=9&per=1`, { maxPages: 2 })), [[1], [2]]), "maxPages");
    const k4 = key();
    for await (const page of api.paginate(`/pages/${k4}?n=9&per=1`)) if (page[0] === 2) break;
    await sleep(100);
    check((await log(server, `pages/${k4}`)).length === 2, "breaking out sent nothing more");
  },

  "paginate: a next page off baseUrl is not followed; the pages before are yielded; nothing is sent to it": async ({ Client }, server) => {
    const api = new Client({ baseUrl: server, apiKey: KEY });
    const k = key();
    const got = [];
    const e = await thrown(async () => {
      for await (const p of api.paginate(`/pages/${k}?n=5&per=1&style=other-origin`)) got.push(p[0]);
    }, "other origin");
    check(same(got, [1, 2]) && e instanceof TypeError && e.message.includes(`localhost:`) && e.message.includes(`/echo/${k}-off`), `${got} ${e && e.message}`);
    check(!e.message.includes(KEY), "no credential in the message");
    const prefixed = new Client({ baseUrl: `${server}/pages`, apiKey: KEY });
    const got2 = [];
    const e2 = await thrown(async () => {
      for await (const p of prefixed.paginate(`/${k}?n=5&per=1&style=above`)) got2.push(p[0]);
    }, "above the prefix");
    check(same(got2, [1, 2]) && e2 instanceof TypeError && e2.message.includes(`/echo/${k}-above`), `${got2} ${e2 && e2.message}`);
    check((await count(server, `echo/${k}-off`)) === 0 && (await count(server, `echo/${k}-above`)) === 0, "the refused URLs received nothing");
  },

  "paginate: every page is paced and retried like any request (25 pages against 10/s, no configuration)": async ({ Client }, server) => {
    const k = key();
    const api = new Client({ baseUrl: server });
    const started = Date.now();
    const items = await all(api.paginate(`/pages/${k}?n=25&per=1`, { items: (p) => p }));
    const lines = await log(server, `pages/${k}`);
    const refused = lines.filter((l) => l.endsWith("429")).length;
    check(items.length === 25 && items[24] === 25, `items ${items.length}`);
    check(refused <= 1, `${refused} 429s`);
    return `25 pages in ${Date.now() - started} ms, ${refused} 429s`;
  },

  "paginate: an abort rejects the current or next step with the reason; a page's error is thrown typed": async ({ Client, NotFoundError }, server) => {
    const api = new Client({ baseUrl: server });
    const k = key();
    const controller = new AbortController();
    const it = api.paginate(`/pages/${k}?n=9&per=1`, { signal: controller.signal })[Symbol.asyncIterator]();
    check(same((await it.next()).value, [1]), "first page");
    controller.abort(new Error("stop paging"));
    const e = await thrown(() => it.next(), "after abort");
    check(e.message === "stop paging", e && e.message);
    await sleep(100);
    check((await log(server, `pages/${k}`)).length === 1, "nothing more was sent");
    const e2 = await thrown(() => all(api.paginate(`/slow/${k}?ms=10&status=404`, { retry: false })), "404 page");
    check(e2 instanceof NotFoundError, e2 && e2.name);
  },

  "paginate: bad options are TypeErrors at the first step, naming the option": async ({ Client }, server) => {
    const api = new Client({ baseUrl: server });
    const k = key();
    const bad = [
      [{ maxPages: 0 }, /maxPages/],
      [{ maxPages: -1 }, /maxPages/],
      [{ maxPages: 1.5 }, /maxPages/],
      [{ items: 3 }, /items/],
      [{ items: () => ({ not: "an array" }) }, /items/],
      [{ next: () => 5 }, /next/],
      [{ next: () => ({ url: "/x" }) }, /next/],
    ];
    for (const [options, name] of bad) {
      const e = await thrown(() => all(api.paginate(`/pages/${k}?n=3&per=1`, options)), JSON.stringify(options));
      check(e instanceof TypeError && name.test(e.message), `${Object.keys(options)}: ${e && e.message}`);
    }
  },
};

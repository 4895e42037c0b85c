// The cases of tests/js/queue.test.mjs (issue 16, API.md "The queue"), written once for Node and for a Chromium page
// (tests/js/pages/queue.html): each takes the package's exports and the reference server's origin, and throws when
// the behaviour is wrong. What was sent, and in which order, is seen by a `fetch` option that notes each URL and
// calls the runtime's real fetch. Plain ESM, no Node API.

import { check, thrown, key, sleep, same } from "../cases-helpers.mjs";

const KEY = "sk-queue-secret-4321";

/** A fetch that notes the path (and `?n=` tag) of each request it sends, and the most it had in flight at once. */
function watching() {
  const seen = { sent: [], live: 0, most: 0 };
  seen.fetch = (url, init) => {
    const u = new URL(url);
    seen.sent.push(u.searchParams.get("n") ?? u.pathname);
    seen.most = Math.max(seen.most, ++seen.live);
    return fetch(url, init).finally(() => seen.live--);
  };
  return seen;
}

/**
 * Starts one request that holds the client's only turn (`/echo?delay=`), then, while it is in flight, the tagged
 * requests `[tag, priority]` in this order; resolves with the tags in the order they were sent.
 */
async function orderUnder(client, seen, tagged, holdUrl) {
  const first = client.get(holdUrl);
  await sleep(30);
  const calls = tagged.map(([tag, priority]) => client.get(`/echo/${key()}?n=${tag}`, priority === undefined ? undefined : { priority }));
  await Promise.all([first, ...calls]);
  return seen.sent.filter((s) => !s.startsWith("/"));
}

// Made in this order; sent high first, equal ones in the order made, the negative one last.
const TAGGED = [["a", 0], ["b", undefined], ["low", -1], ["c", 0], ["hi", 5], ["mid", 2], ["hi2", 5]];
const EXPECTED = ["hi", "hi2", "mid", "a", "b", "c", "low"];

/** name -> async (pkg, server) => string | void */
export const cases = {
  "priority under maxConcurrency: higher first, equal ones in the order made, never more in flight than allowed": async ({ Client }, server) => {
    const seen = watching();
    const client = new Client({ baseUrl: server, maxConcurrency: 1, fetch: seen.fetch });
    const order = await orderUnder(client, seen, TAGGED, `/echo/${key()}?delay=300`);
    check(same(order, EXPECTED), `sent ${order}`);
    check(seen.most === 1, `${seen.most} in flight at once under maxConcurrency 1`);
    // Two at a time: the order of sending holds, and so does the cap.
    const two = watching();
    const pair = new Client({ baseUrl: server, maxConcurrency: 2, fetch: two.fetch });
    const hold = [pair.get(`/echo/${key()}?delay=300`), pair.get(`/echo/${key()}?delay=300`)];
    await sleep(30);
    await Promise.all([...hold, ...TAGGED.map(([tag, priority]) => pair.get(`/echo/${key()}?n=${tag}&delay=50`, { priority }))]);
    const sent = two.sent.filter((s) => !s.startsWith("/"));
    check(same(sent, EXPECTED) && two.most === 2, `sent ${sent}, ${two.most} at once under maxConcurrency 2`);
  },

  "priority under configured pacing (rateLimit), and a waiting request's abort leaves the order of the rest": async ({ Client }, server) => {
    const seen = watching();
    const client = new Client({ baseUrl: server, rateLimit: { requests: 1, perMs: 60 }, fetch: seen.fetch });
    const first = client.get(`/echo/${key()}`);
    await sleep(10);
    const controller = new AbortController();
    const calls = TAGGED.map(([tag, priority]) => client.get(`/echo/${key()}?n=${tag}`, { priority, signal: tag === "mid" ? controller.signal : undefined }));
    const gone = calls[TAGGED.findIndex(([tag]) => tag === "mid")];
    controller.abort(new Error("changed my mind"));
    check((await thrown(() => gone, "the aborted waiter")).message === "changed my mind", "the abort's reason was not the rejection");
    await Promise.all([first, ...calls.filter((c) => c !== gone)]);
    const order = seen.sent.filter((s) => !s.startsWith("/"));
    check(same(order, EXPECTED.filter((t) => t !== "mid")), `sent ${order}`);
  },

  "priority during a cooldown: the requests that waited out a 429 go high first": async ({ Client }, server) => {
    const seen = watching();
    const k = key();
    const client = new Client({ baseUrl: server, maxConcurrency: 1, fetch: seen.fetch, retry: { maxRetries: 3 } });
    // The first answer is a 429 with Retry-After: 1, its retry succeeds; the others wait the cooldown out.
    const refused = client.get(`/flaky/${k}?fail=1&status=429&retry_after=1`);
    await sleep(100);
    const calls = TAGGED.map(([tag, priority]) => client.get(`/echo/${key()}?n=${tag}`, { priority }));
    const started = performance.now();
    await Promise.all([refused, ...calls]);
    const order = seen.sent.filter((s) => !s.startsWith("/"));
    check(same(order, EXPECTED), `sent ${order}`);
    // The retried request was made first, at priority 0: after the higher ones, before the later zeros.
    const retried = seen.sent.lastIndexOf(`/flaky/${k}`);
    check(retried === 1 + EXPECTED.indexOf("a"), `the 429's retry was sent at ${retried}: ${seen.sent}`);
    return `the queue waited ${Math.round(performance.now() - started)} ms for the cooldown`;
  },

  "onWait: once per wait, with its reason and expected delay; never when nothing waits; a throwing listener is ignored": async ({ Client }, server) => {
    const events = [];
    const listen = (e) => {
      events.push(e);
      throw new Error("a listener that throws");
    };
    // Nothing waits.
    const free = new Client({ baseUrl: server, onWait: listen });
    await Promise.all([free.get(`/echo/${key()}`), free.get(`/echo/${key()}`)]);
    check(events.length === 0, `onWait for requests that did not wait: ${JSON.stringify(events)}`);
    // concurrency: the delay is unknown; one event per waiting request, however often it was woken.
    const capped = new Client({ baseUrl: server, maxConcurrency: 1, onWait: listen });
    const urls = [0, 1, 2, 3].map((i) => `/echo/${key()}?delay=${i ? 20 : 150}`);
    await Promise.all(urls.map((u, i) => capped.get(u, { priority: i === 3 ? 7 : undefined })));
    check(events.length === 3 && events.every((e) => e.reason === "concurrency" && e.delayMs === undefined && e.method === "GET"), `concurrency events ${JSON.stringify(events)}`);
    check(same(events.map((e) => e.url), urls.slice(1).map((u) => server + u)), `urls ${events.map((e) => e.url)}`);
    check(same(events.map((e) => e.priority), [0, 0, 7]), `priorities ${events.map((e) => e.priority)}`);
    // pacing: the first in line is told how long.
    events.length = 0;
    const paced = new Client({ baseUrl: server, rateLimit: { requests: 1, perMs: 300 }, onWait: listen });
    await paced.get(`/echo/${key()}`);
    await paced.post(`/echo/${key()}`, { a: 1 });
    check(events.length === 1 && events[0].reason === "pacing" && events[0].method === "POST", `pacing events ${JSON.stringify(events)}`);
    check(events[0].delayMs > 200 && events[0].delayMs <= 300, `pacing delay ${events[0].delayMs}`);
    // cooldown: while a 429's Retry-After: 1 runs, another request waits the rest of the second (and so does the
    // retry of the refused one).
    events.length = 0;
    const cooled = new Client({ baseUrl: server, onWait: listen });
    const refused = cooled.get(`/flaky/${key()}?fail=1&status=429&retry_after=1`);
    await sleep(100);
    await Promise.all([refused, cooled.get(`/echo/${key()}`)]);
    check(events.length === 2 && events.every((e) => e.reason === "cooldown"), `cooldown events ${JSON.stringify(events)}`);
    check(events[1].delayMs > 700 && events[1].delayMs <= 1000, `cooldown delay ${events[1].delayMs}`);
    // window: the server said none are left until its reset.
    events.length = 0;
    const w = key();
    const windowed = new Client({ baseUrl: server, onWait: listen });
    await windowed.get(`/rate/${w}?limit=2&window=1500`);
    await windowed.get(`/rate/${w}?limit=2&window=1500`);
    await windowed.get(`/rate/${w}?limit=2&window=1500`);
    check(events.length === 1 && events[0].reason === "window" && events[0].delayMs > 1000 && events[0].delayMs <= 1500, `window events ${JSON.stringify(events)}`);
    // learned: a server that says nothing but 429s; adaptive pacing holds the burst to what it learned.
    events.length = 0;
    const l = key();
    const learner = new Client({ baseUrl: server, onWait: listen, retry: { baseDelayMs: 50, maxDelayMs: 200, maxRetries: 8 } });
    await Promise.allSettled(Array.from({ length: 20 }, () => learner.get(`/rate/${l}?limit=4&window=400&headers=0`)));
    check(events.some((e) => e.reason === "learned"), `no "learned" wait in ${JSON.stringify([...new Set(events.map((e) => e.reason))])}`);
    return `reasons seen: concurrency, pacing, cooldown, window, learned (${events.length} learned-phase events)`;
  },

  "client.queue counts waiting and in-flight requests of the quota, extend()ed relatives included": async ({ Client }, server) => {
    const parent = new Client({ baseUrl: server, maxConcurrency: 2 });
    const child = parent.extend({ headers: { "X-Child": "1" } });
    check(same(parent.queue, { waiting: 0, inFlight: 0 }), `idle: ${JSON.stringify(parent.queue)}`);
    const calls = [parent, child, parent, child, parent].map((c) => c.get(`/echo/${key()}?delay=250`));
    await sleep(80);
    check(same(parent.queue, { waiting: 3, inFlight: 2 }) && same(child.queue, parent.queue), `busy: ${JSON.stringify(parent.queue)} / ${JSON.stringify(child.queue)}`);
    await Promise.all(calls);
    check(same(child.queue, { waiting: 0, inFlight: 0 }), `done: ${JSON.stringify(child.queue)}`);
    // Another origin's client has a queue of its own.
    const other = parent.extend({ baseUrl: server.replace("127.0.0.1", "localhost") });
    const held = parent.get(`/echo/${key()}?delay=150`);
    await sleep(40);
    check(other.queue.inFlight === 0 && parent.queue.inFlight === 1, `another origin shares the queue: ${JSON.stringify(other.queue)}`);
    await held;
  },

  "client.clear rejects every waiting request (an AbortError by default, or the reason given), leaves those in flight, returns the count": async ({ Client }, server) => {
    const seen = watching();
    const parent = new Client({ baseUrl: server, apiKey: KEY, maxConcurrency: 1, fetch: seen.fetch });
    const child = parent.extend({});
    const inFlight = parent.get(`/echo/${key()}?delay=250`);
    const waiting = [parent.get(`/echo/${key()}?n=w1`), child.get(`/echo/${key()}?n=w2`, { priority: 3 }), parent.post(`/echo/${key()}?n=w3`, { a: 1 })];
    await sleep(50);
    check(child.clear() === 3, "clear did not count 3");
    const reasons = await Promise.allSettled(waiting);
    check(reasons.every((r) => r.status === "rejected" && r.reason instanceof DOMException && r.reason.name === "AbortError"), `rejections ${reasons.map((r) => r.reason && r.reason.name)}`);
    check(reasons.every((r) => !String(r.reason.message).includes(KEY)), "the apiKey in an AbortError");
    check((await inFlight).method === "GET", "the request in flight did not go on");
    check(same(seen.sent.filter((s) => !s.startsWith("/")), []), `cleared requests were sent: ${seen.sent}`);
    check(parent.clear() === 0, "a second clear found requests");
    // A reason of the caller's, during a cooldown; the client works afterwards.
    const cooled = new Client({ baseUrl: server });
    const held = [cooled.get(`/flaky/${key()}?fail=1&status=429&retry_after=2`)];
    await sleep(100);
    held.push(cooled.get(`/echo/${key()}`), cooled.get(`/echo/${key()}`));
    await sleep(30);
    const reason = new Error("the user left the page");
    // The refused request's retry waits for the cooldown too.
    check(cooled.clear(reason) === 3, "clear during a cooldown did not count 3");
    for (const r of await Promise.allSettled(held)) check(r.status === "rejected" && r.reason === reason, `rejected with ${r.reason}`);
    const after = new Client({ baseUrl: server, maxConcurrency: 1 });
    check((await after.get(`/echo/${key()}`)).method === "GET", "a client after clear() does not work");
  },

  "thousands waiting: 2,000 requests at random priorities, 8 at a time, each sent once, in priority order": async ({ Client }, server) => {
    const seen = watching();
    const client = new Client({ baseUrl: server, maxConcurrency: 8, fetch: seen.fetch });
    const hold = Array.from({ length: 8 }, () => client.get(`/echo/${key()}?delay=200`));
    await sleep(30);
    const priorities = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 5);
    const started = performance.now();
    const calls = priorities.map((priority, i) => client.get(`/json?n=${i}`, { priority }));
    await Promise.all([...hold, ...calls]);
    const took = performance.now() - started;
    const order = seen.sent.filter((s) => !s.startsWith("/")).map(Number);
    const expected = priorities.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
    check(order.length === 2000 && new Set(order).size === 2000, `${order.length} sent, ${new Set(order).size} distinct`);
    check(same(order, expected), `out of order at ${order.findIndex((v, i) => v !== expected[i])}`);
    check(seen.most <= 8, `${seen.most} in flight at once`);
    return `2,000 queued requests went in priority order in ${Math.round(took)} ms`;
  },

  "a quota shared across tabs (shareAcross) keeps the priority order too": async ({ Client }, server) => {
    if (typeof BroadcastChannel !== "function" || typeof navigator !== "object" || !navigator.locks) return "no Web Locks here: nothing to share (runs in the page)";
    const seen = watching();
    const name = `q-${key()}`;
    const events = [];
    const client = new Client({ baseUrl: server, shareAcross: name, rateLimit: { requests: 1, perMs: 80 }, fetch: seen.fetch, onWait: (e) => events.push(e) });
    await client.get(`/echo/${key()}`);
    const calls = TAGGED.map(([tag, priority]) => client.get(`/echo/${key()}?n=${tag}`, { priority }));
    await Promise.all(calls);
    const order = seen.sent.filter((s) => !s.startsWith("/"));
    check(same(order, EXPECTED), `sent ${order}`);
    check(events.length === TAGGED.length && events.every((e) => e.reason === "shared"), `events ${JSON.stringify(events.map((e) => e.reason))}`);
    // clear reaches requests waiting for the share's turn.
    const held = [client.get(`/echo/${key()}`), client.get(`/echo/${key()}`), client.get(`/echo/${key()}`)];
    await sleep(20);
    const cleared = client.clear();
    const settled = await Promise.allSettled(held);
    check(cleared >= 2 && settled.filter((r) => r.status === "rejected").length === cleared, `cleared ${cleared}, ${settled.map((r) => r.status)}`);
    return `shared: sent ${order.join(" ")}`;
  },

  "bad input: priority \"high\", NaN, Infinity and a non-function onWait are TypeErrors; the client works on": async ({ Client }, server) => {
    for (const onWait of [5, "log", {}]) {
      const e = await thrown(() => new Client({ baseUrl: server, apiKey: KEY, onWait }), `onWait ${onWait}`);
      check(e instanceof TypeError && /onWait/.test(e.message) && !e.message.includes(KEY), `onWait ${JSON.stringify(onWait)}: ${e && e.message}`);
    }
    const client = new Client({ baseUrl: server, apiKey: KEY, maxConcurrency: 1 });
    for (const priority of ["high", NaN, Infinity, -Infinity, {}, 1n]) {
      const e = await thrown(() => client.get(`/echo/${key()}`, { priority }), `priority ${String(priority)}`);
      check(e instanceof TypeError && /priority/.test(e.message) && !e.message.includes(KEY), `priority ${String(priority)}: ${e && e.message}`);
    }
    const child = await thrown(() => client.extend({ onWait: 3 }), "extend with onWait 3");
    check(child instanceof TypeError, "extend: not a TypeError");
    check((await client.get(`/echo/${key()}`, { priority: -2.5 })).method === "GET", "the client broke after bad input");
    check(same(client.queue, { waiting: 0, inFlight: 0 }), `the queue after bad input: ${JSON.stringify(client.queue)}`);
  },
};

// The cases of tests/js/hooks.test.mjs (issue 15, API.md "Hooks"), written once for Node and for a Chromium page
// (tests/js/pages/hooks.html): each takes the package's exports, the reference server's origin and a second origin
// that counts what it receives (`${other}/count` tells how many), and throws when the behaviour is wrong. The
// reference server's /__stats/<name> tells how many requests it saw. Plain ESM, no Node API.

import { check, thrown, key, sleep, same } from "../cases-helpers.mjs";

const KEY = "sk-hooks-secret-8765";

const fast = { baseDelayMs: 10, maxDelayMs: 20 };

/** name -> async (pkg, server, other) => string | void */
export const cases = {
  "beforeRequest: once per attempt after its turn, a real Request with credentials and body; header changes are sent": async ({ Client }, server) => {
    const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;
    const seen = [];
    const client = new Client({
      baseUrl: server, apiKey: KEY, token: "tok-hooks-1", retry: fast,
      hooks: { beforeRequest: [async (request, info) => {
        seen.push({ isRequest: request instanceof Request, method: request.method, url: request.url, key: request.headers.get("x-api-key"),
          auth: request.headers.get("authorization"), body: await request.clone().text(), info, at: performance.now() });
        request.headers.set("X-Trace", `t-${info.attempt}`);
      }] },
    });
    const k = key();
    const echo = await client.post(`/echo/${k}`, { n: 1 });
    check(echo.headers["x-trace"] === "t-1", `the hook's header was not sent: ${JSON.stringify(echo.headers)}`);
    check(echo.body === '{"n":1}' && echo.headers["content-type"] === "application/json", `body ${echo.body}, type ${echo.headers["content-type"]}`);
    check(echo.headers["x-api-key"] === KEY && echo.headers.authorization === "Bearer tok-hooks-1", "credentials lost on the way");
    const [first] = seen;
    check(first.isRequest && first.method === "POST" && first.url === `${server}/echo/${k}`, `the Request: ${JSON.stringify(first)}`);
    check(first.key === KEY && first.auth === "Bearer tok-hooks-1" && first.body === '{"n":1}', "the Request lacks credentials or body");
    check(same(first.info, { attempt: 1, method: "POST", url: `${server}/echo/${k}` }), `info ${JSON.stringify(first.info)}`);
    // A retried call: one run per attempt, numbered.
    seen.length = 0;
    const f = key();
    check((await client.get(`/flaky/${f}?fail=1&status=503`)).attempt === 2, "not retried");
    check(same(seen.map((s) => s.info.attempt), [1, 2]), `attempts ${seen.map((s) => s.info.attempt)}`);
    check((await count(`flaky/${f}`)) === 2, "the server saw another count");
    // After the turn: with one request per 400 ms, the second call's hook runs a turn later, not at once.
    seen.length = 0;
    const slow = new Client({ baseUrl: server, rateLimit: { requests: 1, perMs: 400 }, hooks: { beforeRequest: [() => { seen.push({ at: performance.now() }); }] } });
    await Promise.all([slow.get(`/echo/${key()}`), slow.get(`/echo/${key()}`)]);
    const gap = seen[1].at - seen[0].at;
    check(seen.length === 2 && gap >= 300, `the second hook ran ${gap} ms after the first: before its turn`);
    return `a paced second request's hook ran ${Math.round(gap)} ms after the first`;
  },

  "beforeRequest: a returned Request is sent instead; off baseUrl's origin a TypeError and nothing sent": async ({ Client }, server, other) => {
    const k = key();
    const client = new Client({ baseUrl: server, apiKey: KEY, hooks: { beforeRequest: [
      (request) => (request.url.endsWith("/swap") ? new Request(`${server}/echo/${k}`, { method: "PUT", body: "replaced", headers: { "X-R": "1" } }) : undefined),
      (request) => (request.url.endsWith("/away") ? new Request(`${other}/echo`, { headers: request.headers }) : undefined),
    ] } });
    const echo = await client.get("/swap");
    check(echo.method === "PUT" && echo.path === `/echo/${k}` && echo.body === "replaced" && echo.headers["x-r"] === "1", `sent ${JSON.stringify(echo)}`);
    const before = await (await fetch(`${other}/count`)).json();
    const e = await thrown(() => client.get("/away"), "a Request off the origin");
    check(e instanceof TypeError && /origin/.test(e.message) && !e.message.includes(KEY), `${e && e.name}: ${e && e.message}`);
    const after = await (await fetch(`${other}/count`)).json();
    check(after.count === before.count, `the other origin received ${after.count - before.count} requests`);
    check((await client.get(`/echo/${key()}`)).method === "GET", "the client broke after the TypeError");
  },

  "beforeRequest: a returned Response is used instead of sending, and its turn is given back": async ({ Client }, server) => {
    const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;
    const k = key();
    const client = new Client({ baseUrl: server, rateLimit: { requests: 1, perMs: 3000 }, hooks: { beforeRequest: [
      (request) => (request.url.includes("/cached/") ? new Response('{"cached":true}', { headers: { "Content-Type": "application/json" } }) : undefined),
    ] } });
    for (let i = 0; i < 3; i++) check(same(await client.get(`/echo/cached/${k}`), { cached: true }), "the hook's Response was not the result");
    check((await count(`echo/cached`)) === 0, "a request answered by a hook was sent");
    // Three answered calls spent no turn of the one per 3 s: a real request still goes at once.
    const started = performance.now();
    await client.get(`/echo/${key()}`);
    const took = performance.now() - started;
    check(took < 1500, `the first real request waited ${took} ms: a hook's answer spent the quota`);
  },

  "afterResponse: on every response, also one that will be retried; a returned Response replaces it": async ({ Client }, server) => {
    const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;
    const statuses = [];
    const watched = new Client({ baseUrl: server, retry: fast, hooks: { afterResponse: [(request, response, info) => {
      check(request instanceof Request && response instanceof Response, "not a Request and a Response");
      statuses.push([info.attempt, response.status]);
    }] } });
    await watched.get(`/flaky/${key()}?fail=1&status=503`);
    check(same(statuses, [[1, 503], [2, 200]]), `afterResponse saw ${JSON.stringify(statuses)}`);
    // A 500 replaced by a 200 resolves with the replacement's body.
    const fixer = new Client({ baseUrl: server, retry: false, hooks: { afterResponse: [
      (request, response) => (response.status === 500 ? new Response('{"fixed":true}', { status: 200, headers: { "Content-Type": "application/json" } }) : undefined),
    ] } });
    check(same(await fixer.get("/status/500"), { fixed: true }), "the replacement was not acted on");
    // A 200 replaced by a 429 with Retry-After: 1 is waited and retried.
    const k = key();
    let replaced = 0;
    const refuser = new Client({ baseUrl: server, hooks: { afterResponse: [
      () => (replaced++ === 0 ? new Response("slow down", { status: 429, headers: { "Retry-After": "1" } }) : undefined),
    ] } });
    const started = performance.now();
    const echo = await refuser.get(`/echo/${k}`);
    const took = performance.now() - started;
    check(echo.method === "GET" && took >= 900, `resolved after ${took} ms: the replacement's Retry-After was not waited`);
    check((await count(`echo/${k}`)) === 2, "the 429 replacement was not retried");
    return `a 200 replaced by a 429 with Retry-After 1 resolved after ${Math.round(took)} ms`;
  },

  "beforeRetry: onRetry's event before each wait, awaited; false stops and rejects with the event's error": async ({ Client }, server) => {
    const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;
    const events = [];
    const listened = [];
    const client = new Client({ baseUrl: server, retry: fast, onRetry: (e) => listened.push(e), hooks: { beforeRetry: [async (event) => {
      events.push(event);
      await sleep(300);
    }] } });
    const started = performance.now();
    await client.get(`/flaky/${key()}?fail=1&status=503`);
    const took = performance.now() - started;
    check(events.length === 1 && events[0] === listened[0], "beforeRetry did not get onRetry's event");
    check(events[0].attempt === 1 && events[0].reason === "status" && events[0].error.status === 503, `event ${JSON.stringify(events[0])}`);
    check(took >= 280, `resolved after ${took} ms: the async hook was not awaited`);
    const k = key();
    const stopper = new Client({ baseUrl: server, retry: fast, hooks: { beforeRetry: [() => false, () => { throw new Error("ran after false"); }] } });
    let event;
    const e = await thrown(() => stopper.get(`/flaky/${k}?fail=2&status=503`, { retry: { maxRetries: 2 } }), "beforeRetry false");
    const watcher = new Client({ baseUrl: server, retry: fast, onRetry: (ev) => (event = ev), hooks: { beforeRetry: [() => false] } });
    const e2 = await thrown(() => watcher.get(`/flaky/${key()}?fail=2&status=503`), "beforeRetry false");
    check(e.name === "ServerError" && e.status === 503, `rejected with ${e && e.name}`);
    check(e2 === event.error, "did not reject with the event's error");
    check((await count(`flaky/${k}`)) === 1, "retried after false");
  },

  "beforeError: on the error a call rejects with, not on an abort or a TypeError; the last return is thrown": async ({ Client, ApiError }, server) => {
    class AppError extends Error {}
    const seen = [];
    const client = new Client({ baseUrl: server, apiKey: KEY, hooks: { beforeError: [
      (error) => {
        seen.push(error);
        return new AppError(`app: ${error.code}`);
      },
      (error) => new AppError(`${error.message} (shown to the user)`),
    ] } });
    const e = await thrown(() => client.get("/status/404"), "a 404");
    check(e instanceof AppError && e.message === "app: not_found (shown to the user)", `rejected with ${e && e.message}`);
    check(seen.length === 1 && seen[0] instanceof ApiError && seen[0].status === 404, "the first hook did not get the ApiError");
    const controller = new AbortController();
    controller.abort();
    const aborted = await thrown(() => client.get("/echo", { signal: controller.signal }), "an aborted call");
    check(aborted.name === "AbortError", `an abort became ${aborted && aborted.name}`);
    const bad = await thrown(() => client.get(5), "a bad path");
    check(bad instanceof TypeError, `a bad argument became ${bad && bad.name}`);
    check(seen.length === 1, "beforeError ran on an abort or a TypeError");
    // A hook returning nothing keeps the error it was given.
    const keeper = new Client({ baseUrl: server, hooks: { beforeError: [() => undefined] } });
    check((await thrown(() => keeper.get("/status/404"), "a 404")).name === "NotFoundError", "undefined did not keep the error");
  },

  "a hook that throws or rejects rejects the call with that value at once; later hooks do not run; nothing more is sent": async ({ Client }, server) => {
    const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;
    const sentinel = { why: "hook failed" };
    let later = 0;
    let errorHook = 0;
    const k = key();
    const before = new Client({ baseUrl: server, hooks: { beforeRequest: [() => { throw sentinel; }, () => { later++; }], beforeError: [(e) => { errorHook++; return e; }] } });
    check((await thrown(() => before.get(`/echo/${k}`), "beforeRequest throws")) === sentinel, "not rejected with the hook's value");
    check(later === 0 && (await count(`echo/${k}`)) === 0, "a later hook ran or the request was sent");
    const f1 = key();
    const after = new Client({ baseUrl: server, retry: fast, hooks: { afterResponse: [async () => Promise.reject(sentinel), () => { later++; }] } });
    check((await thrown(() => after.get(`/flaky/${f1}?fail=1&status=503`), "afterResponse rejects")) === sentinel, "afterResponse: not the hook's value");
    check(later === 0 && (await count(`flaky/${f1}`)) === 1, "afterResponse: a later hook ran or it was retried");
    const f2 = key();
    const retry = new Client({ baseUrl: server, retry: fast, hooks: { beforeRetry: [() => { throw sentinel; }] } });
    check((await thrown(() => retry.get(`/flaky/${f2}?fail=1&status=503`), "beforeRetry throws")) === sentinel, "beforeRetry: not the hook's value");
    check((await count(`flaky/${f2}`)) === 1, "beforeRetry threw and it was retried");
    const failing = new Client({ baseUrl: server, hooks: { beforeError: [() => { throw sentinel; }, () => { later++; }] } });
    check((await thrown(() => failing.get("/status/404"), "beforeError throws")) === sentinel, "beforeError: not the hook's value");
    check(later === 0 && errorHook === 0, "a later hook ran, or beforeError ran on a hook's throw");
  },

  "extend() concatenates hooks, the parent's first; the parent keeps its own": async ({ Client }, server) => {
    const order = [];
    const parent = new Client({ baseUrl: server, hooks: { beforeRequest: [() => { order.push("parent"); }] } });
    const child = parent.extend({ hooks: { beforeRequest: [() => { order.push("child"); }], afterResponse: [() => { order.push("child after"); }] } });
    await child.get(`/echo/${key()}`);
    check(same(order, ["parent", "child", "child after"]), `the child ran ${order}`);
    order.length = 0;
    await parent.get(`/echo/${key()}`);
    check(same(order, ["parent"]), `the parent ran ${order}`);
    order.length = 0;
    await child.extend({ headers: { "X-A": "1" } }).get(`/echo/${key()}`);
    check(same(order, ["parent", "child", "child after"]), `a grandchild without hooks of its own ran ${order}`);
  },

  "bad hooks: a TypeError at construction or at the call, no credential in it, and the client works on": async ({ Client }, server) => {
    for (const hooks of [5, "x", [() => {}], { beforeRequest: () => {} }, { afterResponse: [1] }, { beforeError: [null] }]) {
      const e = await thrown(() => new Client({ baseUrl: server, apiKey: KEY, hooks }), `hooks: ${JSON.stringify(hooks)}`);
      check(e instanceof TypeError && /hooks/.test(e.message) && !e.message.includes(KEY), `hooks ${JSON.stringify(hooks)}: ${e && e.name}: ${e && e.message}`);
    }
    const parent = new Client({ baseUrl: server, apiKey: KEY });
    check((await thrown(() => parent.extend({ hooks: { beforeRetry: [5] } }), "extend with a bad hook")) instanceof TypeError, "extend: not a TypeError");
    let answer = 5;
    const client = new Client({ baseUrl: server, apiKey: KEY, hooks: { beforeRequest: [() => answer] } });
    for (const value of [5, { url: "/x" }, "str"]) {
      answer = value;
      const e = await thrown(() => client.get(`/echo/${key()}`), `a hook returning ${JSON.stringify(value)}`);
      check(e instanceof TypeError && /beforeRequest/.test(e.message) && !e.message.includes(KEY), `returning ${JSON.stringify(value)}: ${e && e.message}`);
    }
    answer = undefined;
    check((await client.get(`/echo/${key()}`)).method === "GET", "the client broke after a bad hook");
    const after = new Client({ baseUrl: server, hooks: { afterResponse: [() => 42] } });
    check((await thrown(() => after.get("/echo"), "afterResponse returning 42")) instanceof TypeError, "afterResponse: not a TypeError");
    const retry = new Client({ baseUrl: server, retry: fast, hooks: { beforeRetry: [() => "no"] } });
    check((await thrown(() => retry.get(`/flaky/${key()}?fail=1`), "beforeRetry returning a string")) instanceof TypeError, "beforeRetry: not a TypeError");
    const error = new Client({ baseUrl: server, hooks: { beforeError: [() => 7] } });
    check((await thrown(() => error.get("/status/404"), "beforeError returning 7")) instanceof TypeError, "beforeError: not a TypeError");
  },
};

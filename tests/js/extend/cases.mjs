// The cases of tests/js/extend.test.mjs, written once for Node and for a Chromium page (tests/js/pages/extend.html):
// each takes the package's exports, the reference server's origin and a second origin that answers every request
// with the headers it got, and throws when the behaviour is wrong. Plain ESM, no Node API.

import { check, thrown, key, same } from "../cases-helpers.mjs";

const KEY = "sk-extend-secret-4321";

/** name -> async (pkg, server, other) => void */
export const cases = {
  "headers merge by name in any case, null removes one, and the parent's stay as they were": async ({ Client }, server) => {
    const parent = new Client({ baseUrl: server, apiKey: KEY, headers: { "X-App": "parent", "X-Drop": "d" } });
    const child = parent.extend({ headers: { "x-app": "child", "X-Drop": null, "X-New": "n" } });
    const seen = (await child.get("/echo")).headers;
    check(same([seen["x-app"], seen["x-drop"], seen["x-new"]], ["child", undefined, "n"]), `child sent ${JSON.stringify(seen)}`);
    check(seen["x-api-key"] === KEY, "the parent's apiKey is the child's on the same origin");
    const parentSeen = (await parent.get("/echo")).headers;
    check(same([parentSeen["x-app"], parentSeen["x-drop"], parentSeen["x-new"]], ["parent", "d", undefined]), `parent sent ${JSON.stringify(parentSeen)}`);
    const grand = child.extend({ headers: { "X-New": "g" } });
    const grandSeen = (await grand.get("/echo")).headers;
    check(same([grandSeen["x-app"], grandSeen["x-drop"], grandSeen["x-new"]], ["child", undefined, "g"]), `a grandchild sent ${JSON.stringify(grandSeen)}`);
  },

  "retry merges field by field, false turns it off; other options override": async ({ Client }, server) => {
    const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;
    const parent = new Client({ baseUrl: server, retry: { maxRetries: 0, baseDelayMs: 10 } });
    const k1 = key();
    check((await thrown(() => parent.get(`/flaky/${k1}?fail=2&status=503`), "the parent")).name === "ServerError", "a ServerError");
    check((await count(`flaky/${k1}`)) === 1, "the parent does not retry");
    const child = parent.extend({ retry: { maxRetries: 2 } });
    const started = performance.now();
    check((await child.get(`/flaky/${key()}?fail=2&status=503`)).attempt === 3, "the child retries twice");
    // baseDelayMs 10 was kept: two backoffs of ~10 ms, not the default 500 ms and 1 s.
    check(performance.now() - started < 1000, `${performance.now() - started} ms: the parent's baseDelayMs was lost`);
    const off = child.extend({ retry: false });
    const k3 = key();
    await thrown(() => off.get(`/flaky/${k3}?fail=2&status=503`), "retry: false");
    check((await count(`flaky/${k3}`)) === 1, "retry: false still retried");
    const slow = parent.extend({ timeoutMs: 50 });
    check((await thrown(() => slow.get("/json?delay=400"), "timeoutMs: 50")).name === "TimeoutError", "a TimeoutError");
    check(same(await parent.get("/json?delay=100"), { hello: "world" }), "the parent keeps its own timeout");
  },

  "two same-origin instances bursting together earn no more 429s than one, and see one rateLimit": async ({ Client }, server) => {
    const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;
    const burst = (clients, k) => Promise.allSettled(Array.from({ length: 20 }, (_, i) => clients[i % clients.length].get(`/rate/${k}?limit=5&window=1000`)));
    const one = key();
    await burst([new Client({ baseUrl: server })], one);
    const alone = await count(`rate/${one}/429`);
    const parent = new Client({ baseUrl: server, headers: { "X-App": "a" } });
    const child = parent.extend({ headers: { "X-App": "b" } });
    const together = key();
    const results = await burst([parent, child], together);
    check(results.every((r) => r.status === "fulfilled"), "a request of the two was lost");
    const shared = await count(`rate/${together}/429`);
    check(shared <= alone, `two instances earned ${shared} 429s, one alone ${alone}`);
    check(same(child.rateLimit, parent.rateLimit), "the two show different rateLimit");
    // Two separate clients (what ky's extend gives) do earn more: the comparison can fail.
    const apart = key();
    await burst([new Client({ baseUrl: server }), new Client({ baseUrl: server })], apart);
    const separate = await count(`rate/${apart}/429`);
    check(separate > shared, `two separate clients earned ${separate}, no more than two relatives (${shared})`);
    return `429s: one client ${alone}, a client and its extend() ${shared}, two separate clients ${separate}`;
  },

  "a cooldown one instance was told holds its relatives too": async ({ Client }, server) => {
    let told;
    const waiting = new Promise((resolve) => (told = resolve));
    const parent = new Client({ baseUrl: server, onRetry: (e) => told(e.delayMs) });
    const child = parent.extend();
    const first = parent.get(`/flaky/${key()}?fail=1&status=429&retry_after=1`);
    const delayMs = await waiting; // the 429 is in and its wait begins
    const started = performance.now();
    await child.get("/json");
    const held = performance.now() - started;
    check(held > delayMs / 2, `the child's request went out ${held} ms into the parent's cooldown of ${delayMs} ms`);
    await first;
  },

  "options that set limits throw for the same origin, naming the option, and nothing breaks": async ({ Client }, server) => {
    const parent = new Client({ baseUrl: server, apiKey: KEY });
    const typeError = async (f, what, has) => {
      const e = await thrown(f, what);
      check(e instanceof TypeError, `${what}: ${e}`);
      check(!e.message.includes(KEY), `${what}: the message holds the apiKey`);
      if (has) check(e.message.includes(has), `${what}: "${e.message}" does not name ${has}`);
    };
    for (const [option, value] of [["rateLimit", { requests: 1, perMs: 10 }], ["maxConcurrency", 1], ["adaptive", false], ["shareAcross", "tabs"], ["persist", true]]) {
      await typeError(() => parent.extend({ [option]: value }), option, option);
      await typeError(() => parent.extend({ baseUrl: `${server}/api`, [option]: value }), `${option} under another path`, option);
    }
    for (const bad of [5, "x", true]) await typeError(() => parent.extend(bad), `extend(${bad})`);
    await typeError(() => parent.extend({ timeoutMs: -1 }), "timeoutMs: -1", "timeoutMs");
    await typeError(() => parent.extend({ headers: { "bad name": "x" } }), "a bad header name", "headers");
    await typeError(() => parent.extend({ baseUrl: "ftp://h" }), "ftp baseUrl", "baseUrl");
    await typeError(() => parent.extend({ apiKey: "a\r\nb" }), "CR LF in apiKey");
    check(same(await parent.get("/json"), { hello: "world" }), "the parent broke");
    check(same(await parent.extend({}).get("/json"), { hello: "world" }), "extend({}) broke");
  },

  "another origin: fresh state, limits allowed, none of the parent's credentials": async ({ Client }, server, other) => {
    const parent = new Client({ baseUrl: server, apiKey: KEY, token: "tok-parent-5678", headers: { "X-App": "a", Authorization: "Basic cGFyZW50" } });
    await parent.get(`/rate/${key()}?limit=5&window=1000`);
    check(parent.rateLimit, "the parent knows its window");
    const child = parent.extend({ baseUrl: other, rateLimit: { requests: 100, perMs: 1000 }, maxConcurrency: 2, adaptive: false });
    check(child.rateLimit === null, "the child does not start fresh");
    const seen = (await child.get("/anything")).headers;
    check(seen["x-app"] === "a", "other headers are carried over");
    check(seen["x-api-key"] === undefined && seen.authorization === undefined, `a credential went to another origin: ${JSON.stringify(seen)}`);
    const keyed = parent.extend({ baseUrl: other, apiKey: "sk-other-origin-9999" });
    check((await keyed.get("/x")).headers["x-api-key"] === "sk-other-origin-9999", "credentials given to extend() are sent");
    check((await parent.get("/echo")).headers["x-api-key"] === KEY, "the parent changed");
  },
};

// client.extend() (issue 15, API.md "Instances"): the packed package against the reference server, and a second
// origin served by node:http here. A child's options go over its parent's (headers by name, retry field by field);
// with the parent's origin it shares the parent's rate-limit state and refuses options that set limits; with
// another origin it starts fresh and carries none of the parent's credentials; the parent never changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { root } from "./install.mjs";

const { Client, ServerError } = await import(join(root, "pkg/index.node.js"));
const server = process.env.POLITE_TEST_SERVER;
const KEY = "sk-extend-secret-4321";
const key = () => Math.random().toString(36).slice(2);
const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;

/** Runs `body` with a second origin up: a node:http server that answers every request with the headers it got. */
async function withOtherOrigin(body) {
  const other = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ headers: req.headers }));
  });
  await new Promise((resolve) => other.listen(0, "127.0.0.1", resolve));
  try {
    return await body(`http://127.0.0.1:${other.address().port}`);
  } finally {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
  }
}

test("headers merge by name in any case, null removes one, and the parent's stay as they were", async () => {
  const parent = new Client({ baseUrl: server, apiKey: KEY, headers: { "X-App": "parent", "X-Drop": "d" } });
  const child = parent.extend({ headers: { "x-app": "child", "X-Drop": null, "X-New": "n" } });
  const seen = (await child.get("/echo")).headers;
  assert.equal(seen["x-app"], "child");
  assert.equal(seen["x-drop"], undefined);
  assert.equal(seen["x-new"], "n");
  assert.equal(seen["x-api-key"], KEY, "the parent's apiKey is the child's on the same origin");
  const parentSeen = (await parent.get("/echo")).headers;
  assert.deepEqual([parentSeen["x-app"], parentSeen["x-drop"], parentSeen["x-new"]], ["parent", "d", undefined]);
  // A grandchild sees its parent's merge.
  const grand = child.extend({ headers: { "X-New": "g" } });
  const grandSeen = (await grand.get("/echo")).headers;
  assert.deepEqual([grandSeen["x-app"], grandSeen["x-drop"], grandSeen["x-new"]], ["child", undefined, "g"]);
});

test("retry merges field by field, false turns it off; other options override", async () => {
  const parent = new Client({ baseUrl: server, retry: { maxRetries: 0, baseDelayMs: 10 } });
  const k1 = key();
  await assert.rejects(parent.get(`/flaky/${k1}?fail=2&status=503`), ServerError);
  assert.equal(await count(`flaky/${k1}`), 1, "the parent does not retry");
  const child = parent.extend({ retry: { maxRetries: 2 } });
  const k2 = key();
  const started = performance.now();
  assert.equal((await child.get(`/flaky/${k2}?fail=2&status=503`)).attempt, 3);
  // baseDelayMs 10 was kept: two backoffs of ~10 ms, not the default 500 ms and 1 s.
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms: the parent's baseDelayMs was lost`);
  const off = child.extend({ retry: false });
  const k3 = key();
  await assert.rejects(off.get(`/flaky/${k3}?fail=2&status=503`), ServerError);
  assert.equal(await count(`flaky/${k3}`), 1);
  const slow = parent.extend({ timeoutMs: 50 });
  await assert.rejects(slow.get("/json?delay=400"), { name: "TimeoutError" });
  assert.deepEqual(await parent.get("/json?delay=100"), { hello: "world" }, "the parent keeps its own timeout");
});

test("two same-origin instances bursting together earn no more 429s than one, and see one rateLimit", async () => {
  const burst = (clients, k) => Promise.allSettled(Array.from({ length: 20 }, (_, i) => clients[i % clients.length].get(`/rate/${k}?limit=5&window=1000`)));
  const one = key();
  await burst([new Client({ baseUrl: server })], one);
  const alone = await count(`rate/${one}/429`);
  const parent = new Client({ baseUrl: server, headers: { "X-App": "a" } });
  const child = parent.extend({ headers: { "X-App": "b" } });
  const together = key();
  const results = await burst([parent, child], together);
  assert.equal(results.filter((r) => r.status === "rejected").length, 0, "none lost");
  const shared = await count(`rate/${together}/429`);
  console.log(`429s: one client ${alone}, a client and its extend() ${shared}`);
  assert.ok(shared <= alone, `two instances earned ${shared} 429s, one alone ${alone}`);
  assert.deepEqual(child.rateLimit, parent.rateLimit);
  // Two separate clients (what ky's extend gives) do earn more: the comparison can fail.
  const apart = key();
  await burst([new Client({ baseUrl: server }), new Client({ baseUrl: server })], apart);
  const separate = await count(`rate/${apart}/429`);
  console.log(`429s: two separate clients ${separate}`);
  assert.ok(separate > shared, "two separate clients earned no more than two relatives");
});

test("a cooldown one instance was told holds its relatives too", async () => {
  let told;
  const waiting = new Promise((resolve) => (told = resolve));
  const parent = new Client({ baseUrl: server, onRetry: (e) => told(e.delayMs) });
  const child = parent.extend();
  const k = key();
  const first = parent.get(`/flaky/${k}?fail=1&status=429&retry_after=1`);
  const delayMs = await waiting; // the 429 is in and its wait begins
  const started = performance.now();
  await child.get("/json");
  const held = performance.now() - started;
  assert.ok(held > delayMs / 2, `the child's request went out ${held} ms into the parent's cooldown of ${delayMs} ms`);
  await first;
});

test("options that set limits throw for the same origin, naming the option, and nothing breaks", async () => {
  const parent = new Client({ baseUrl: server, apiKey: KEY });
  for (const [option, value] of [["rateLimit", { requests: 1, perMs: 10 }], ["maxConcurrency", 1], ["adaptive", false], ["shareAcross", "tabs"], ["persist", true]]) {
    assert.throws(() => parent.extend({ [option]: value }), (e) => e instanceof TypeError && e.message.includes(option) && !e.message.includes(KEY), option);
    assert.throws(() => parent.extend({ baseUrl: `${server}/api`, [option]: value }), TypeError, `${option} with a path under the same origin`);
  }
  for (const bad of [5, "x", true]) assert.throws(() => parent.extend(bad), TypeError, String(bad));
  assert.throws(() => parent.extend({ timeoutMs: -1 }), /timeoutMs/);
  assert.throws(() => parent.extend({ headers: { "bad name": "x" } }), /headers/);
  assert.throws(() => parent.extend({ baseUrl: "ftp://h" }), /baseUrl/);
  assert.throws(() => parent.extend({ apiKey: "a\r\nb" }), (e) => e instanceof TypeError && !e.message.includes(KEY));
  assert.deepEqual(await parent.get("/json"), { hello: "world" });
  assert.deepEqual(await parent.extend({}).get("/json"), { hello: "world" });
});

test("another origin: fresh state, limits allowed, none of the parent's credentials", () => withOtherOrigin(async (other) => {
  const parent = new Client({ baseUrl: server, apiKey: KEY, token: "tok-parent-5678", headers: { "X-App": "a", Authorization: "Basic cGFyZW50" } });
  await parent.get(`/rate/${key()}?limit=5&window=1000`);
  assert.ok(parent.rateLimit, "the parent knows its window");
  const child = parent.extend({ baseUrl: other, rateLimit: { requests: 100, perMs: 1000 }, maxConcurrency: 2, adaptive: false });
  assert.equal(child.rateLimit, null, "the child starts fresh");
  const seen = (await child.get("/anything")).headers;
  assert.equal(seen["x-app"], "a", "other headers are carried over");
  assert.deepEqual([seen["x-api-key"], seen.authorization], [undefined, undefined], JSON.stringify(seen));
  const keyed = parent.extend({ baseUrl: other, apiKey: "sk-other-origin-9999" });
  assert.equal((await keyed.get("/x")).headers["x-api-key"], "sk-other-origin-9999", "credentials given to extend() are sent");
  assert.equal((await parent.get("/echo")).headers["x-api-key"], KEY, "the parent is unchanged");
}));

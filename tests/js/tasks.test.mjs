// The executor the calls run on (src/wasm/tasks.rs): a call started from inside another call's step (a token
// function that asks another client, onRetry starting a request) gets a task of its own, and both settle. Found
// when a new task took the slot of the task being stepped and the outer call never settled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { root } from "./install.mjs";

const { Client } = await import(join(root, "pkg/index.node.js"));
const server = process.env.POLITE_TEST_SERVER;

test("a token function that calls another client, for 20 calls at once", async () => {
  const auth = new Client({ baseUrl: server });
  let asked = 0;
  const api = new Client({ baseUrl: server, token: () => auth.get("/json").then(() => `tok-${++asked}-abcdef`) });
  const echoes = await Promise.all(Array.from({ length: 20 }, () => api.get("/echo")));
  assert.equal(asked, 20);
  assert.equal(new Set(echoes.map((e) => e.headers.authorization)).size, 20);
});

test("onRetry starting a request of its own while the call waits", async () => {
  const other = new Client({ baseUrl: server });
  const started = [];
  const api = new Client({ baseUrl: server, retry: { baseDelayMs: 10 }, onRetry: () => started.push(other.get("/json")) });
  const key = Math.random().toString(36).slice(2);
  assert.ok(await api.get(`/flaky/${key}?fail=2&status=503`));
  assert.equal(started.length, 2);
  assert.deepEqual(await Promise.all(started), [{ hello: "world" }, { hello: "world" }]);
});

test("a throw out of JS the engine calls into rejects that call, not the process", async () => {
  // A fetch whose Response has headers that throw when read: readHeaders throws inside the engine's step.
  const rejections = [];
  const onRejection = (e) => rejections.push(e);
  process.on("unhandledRejection", onRejection);
  const boom = new Error("boom");
  const api = new Client({ baseUrl: server, fetch: async () => ({ status: 200, headers: { get() { throw boom; } } }) });
  const outcome = await Promise.race([
    api.get("/json").then(() => "resolved", (e) => e),
    new Promise((resolve) => setTimeout(() => resolve("pending"), 2000)),
  ]);
  assert.equal(outcome, boom);
  // The module still works.
  assert.deepEqual(await new Client({ baseUrl: server }).get("/json"), { hello: "world" });
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off("unhandledRejection", onRejection);
  assert.deepEqual(rejections, []);
});

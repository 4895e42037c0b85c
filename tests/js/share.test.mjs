// shareAcross in headless Chromium: three tabs of one origin bursting at once against the reference REST API
// (a fixed window of 10 per second with X-RateLimit-* headers) earn no more 429s together than one tab bursting
// alone, and every request succeeds; without sharing they earn more. Then the leading tab closes mid-burst and
// the others still finish; a tab's dedicated workers share with the tabs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";

const server = process.env.POLITE_TEST_SERVER;
const PAGE = `${server}/files/tests/js/pages/share.html`;
const LIMIT = "10/1000";
const PER_TAB = 12;
let browser, context;

before(async () => {
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext(); // one profile: the tabs share BroadcastChannel and Web Locks
});
after(async () => {
  await browser?.close();
});

async function openTabs(n) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", String(e)));
    await page.goto(PAGE);
    await page.waitForFunction(() => window.ready === true);
    pages.push(page);
  }
  return pages;
}

const refused = async (session) => (await (await fetch(`${server}/api/__refused/${session}`)).json()).count;
const newSession = (name) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

/** Every tab fires `count` requests at once; returns the tabs' results and the 429s the server sent. */
async function burstAll(pages, count, shareAcross) {
  const session = newSession(shareAcross ?? "alone");
  const results = await Promise.all(pages.map((p) => p.evaluate((args) => window.burst(args), { count, session, shareAcross, limit: LIMIT })));
  return { results, refused: await refused(session) };
}

test("three tabs sharing one quota earn no more 429s than one tab, and all their requests succeed", { timeout: 60_000 }, async () => {
  const tabs = await openTabs(3);
  const one = await burstAll([tabs[0]], 3 * PER_TAB, `one-${Math.random()}`);
  const apart = await burstAll(tabs, PER_TAB, undefined);
  const shared = await burstAll(tabs, PER_TAB, `tabs-${Math.random()}`);
  console.log(`429s: one tab ${one.refused}, three tabs not shared ${apart.refused}, three tabs shared ${shared.refused}`);
  for (const run of [one, apart, shared]) for (const r of run.results) assert.deepEqual(r.failures, []);
  assert.equal(shared.results.reduce((n, r) => n + r.ok, 0), 3 * PER_TAB);
  assert.ok(shared.refused <= one.refused, `shared tabs ${shared.refused} 429s, one tab ${one.refused}`);
  assert.ok(apart.refused > shared.refused, `not shared ${apart.refused}, shared ${shared.refused}`);
  // Every tab sees the window the server described, whoever received it.
  for (const r of shared.results) assert.equal(r.rateLimit?.limit, 10, JSON.stringify(r.rateLimit));
  await Promise.all(tabs.map((p) => p.close()));
});

test("when the leading tab closes mid-burst, the other tabs still finish", { timeout: 60_000 }, async () => {
  const tabs = await openTabs(3);
  const session = newSession("close");
  const shareAcross = `close-${Math.random()}`;
  // The first tab to join leads; it closes while every tab waits for turns (30 requests at 10 per second).
  await tabs[0].evaluate((args) => window.burst(args), { count: 1, session, shareAcross, limit: LIMIT });
  const runs = tabs.map((p) => p.evaluate((args) => window.burst(args), { count: 10, session, shareAcross, limit: LIMIT }));
  runs[0].catch(() => {}); // its page goes away
  await new Promise((r) => setTimeout(r, 500));
  await tabs[0].close();
  const [b, c] = await Promise.all(runs.slice(1));
  assert.deepEqual([...b.failures, ...c.failures], []);
  assert.equal(b.ok + c.ok, 20);
  await Promise.all(tabs.slice(1).map((p) => p.close()));
});

test("priority holds across tabs: the leading tab orders every tab's asks", { timeout: 60_000 }, async () => {
  const [a, b] = await openTabs(2);
  const shareAcross = `priority-${Math.random()}`;
  const tag = newSession("prio");
  // Each call makes a client of the share (one per call; a realm's clients of one name share its member) and resolves
  // with when each of its requests resolved.
  const run = (page, args) => page.evaluate(async ({ shareAcross, count, priority, delayMs, path }) => {
    const { Client } = await import("/files/pkg/index.browser.js");
    const client = new Client({ baseUrl: location.origin, shareAcross, rateLimit: { requests: 1, perMs: 150 } });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return Promise.all(Array.from({ length: count }, (_, i) => client.get(`${path}-${i}`, { priority }).then(() => Date.now())));
  }, { shareAcross, ...args });
  await run(a, { count: 1, priority: 0, delayMs: 0, path: `/echo/${tag}-warm` }); // tab a leads
  // Tab a queues 8 at priority -1 (one per 150 ms: about 1.2 s); 400 ms in, tab b asks once at priority 5.
  const [low, [high]] = await Promise.all([
    run(a, { count: 8, priority: -1, delayMs: 0, path: `/echo/${tag}-low` }),
    run(b, { count: 1, priority: 5, delayMs: 400, path: `/echo/${tag}-high` }),
  ]);
  const before = low.filter((t) => t < high).length;
  console.log(`the other tab's priority request resolved after ${before} of the leader's 8 low ones`);
  assert.ok(before >= 1 && before <= 5, `${before} of 8 low-priority requests went before the high one (FIFO: 8)`);
  await Promise.all([a, b].map((p) => p.close()));
});

test("a tab's dedicated worker shares the quota with the tabs", { timeout: 60_000 }, async () => {
  const tabs = await openTabs(2);
  const run = async (shareAcross) => {
    const session = newSession(shareAcross ?? "apart");
    const args = { count: PER_TAB, session, shareAcross, limit: LIMIT };
    const results = await Promise.all([
      tabs[0].evaluate((a) => window.burst(a), args),
      tabs[0].evaluate((a) => window.burstInWorker(a), args),
      tabs[1].evaluate((a) => window.burstInWorker(a), args),
    ]);
    return { results, refused: await refused(session) };
  };
  const apart = await run(undefined);
  const shared = await run(`workers-${Math.random()}`);
  console.log(`429s with a tab and two workers: not shared ${apart.refused}, shared ${shared.refused}`);
  for (const r of [...apart.results, ...shared.results]) assert.deepEqual(r.failures, []);
  assert.ok(apart.refused > shared.refused, `not shared ${apart.refused}, shared ${shared.refused}`);
  for (const r of shared.results) assert.equal(r.rateLimit?.limit, 10, JSON.stringify(r.rateLimit));
  await Promise.all(tabs.map((p) => p.close()));
});

test("messages that another version or a broken realm posts on the share's channel break nothing", { timeout: 60_000 }, async () => {
  const tabs = await openTabs(2);
  const errors = [];
  for (const p of tabs) p.on("pageerror", (e) => errors.push(String(e)));
  const session = newSession("hostile");
  const shareAcross = `hostile-${Math.random()}`;
  const args = { count: 1, session, shareAcross, limit: LIMIT };
  await tabs[0].evaluate((a) => window.burst(a), args); // leads
  await tabs[1].evaluate((a) => window.burst(a), args); // a member
  const hostile = await context.newPage();
  await hostile.goto(PAGE);
  // Everything structured clone carries, in the fields the protocol reads: BigInts, strings, deep objects.
  const post = () => hostile.evaluate((channel) => {
    const deep = {};
    for (let i = 0, o = deep; i < 1000; i++) o = o.a = {};
    const messages = [null, 5, "x", [], { t: 5 }, { t: "cool", until: 10n }, { t: "cool", until: "soon" },
      { t: "state", state: deep, learnedRate: deep },
      { t: "state", state: { limit: 10n, remaining: "x", resetAt: {}, observedAt: [], learned: "yes" }, learnedRate: 1n },
      { t: "ask", member: deep, id: 1n, maxWaitMs: "x" },
      { t: "done", member: "m".repeat(100_000), epoch: deep, ticket: 1n, status: 10n, limit: {}, remaining: [], resetAt: 1n },
      { t: "drop", member: {}, id: {} }, { t: "grant", member: [], id: 1n, ticket: "t", epoch: {} },
      { t: "refuse", member: 1n, id: 0, waitMs: 1n }, { t: "leader" }, { t: "nudge" }, { t: "unknown", x: deep }];
    const ch = new BroadcastChannel(channel);
    for (const m of messages) ch.postMessage(m);
    ch.close();
  }, `polite-fetch:${shareAcross} ${server}`);
  await post();
  await new Promise((r) => setTimeout(r, 300));
  const runs = tabs.map((p) => p.evaluate((a) => window.burst(a), { ...args, count: PER_TAB }));
  await post();
  const results = await Promise.all(runs);
  await post();
  await new Promise((r) => setTimeout(r, 300));
  // What the member shows as rateLimit is flat numbers, whatever was posted last.
  const shown = await tabs[1].evaluate(async ([base, name]) => {
    const { Client } = await import("/pkg/index.browser.js");
    const state = new Client({ baseUrl: base, shareAcross: name }).rateLimit;
    return { json: JSON.stringify(state), types: state && Object.values(state).map((v) => typeof v) };
  }, [server, shareAcross]);
  assert.deepEqual(errors, []);
  for (const r of results) assert.deepEqual(r.failures, []);
  assert.equal(results.reduce((n, r) => n + r.ok, 0), 2 * PER_TAB);
  assert.ok(shown.types === null || shown.types.every((t) => ["number", "boolean", "undefined"].includes(t)), JSON.stringify(shown));
  await Promise.all([...tabs, hostile].map((p) => p.close()));
});

test("without BroadcastChannel and Web Locks (Node 20 has no navigator.locks) a shared client works on its own", async () => {
  const { Client } = await import(new URL("../../pkg/index.node.js", import.meta.url));
  const session = newSession("node");
  const api = new Client({ baseUrl: server, apiKey: "demo-read", shareAcross: "tabs", headers: { "X-Demo-Session": session, "X-Demo-Limit": LIMIT } });
  const settled = await Promise.allSettled(Array.from({ length: 15 }, () => api.get("/api/PurchaseDocuments/my")));
  assert.deepEqual(settled.filter((s) => s.status === "rejected"), []);
  assert.equal(api.rateLimit?.limit, 10);
  assert.throws(() => new Client({ baseUrl: server, shareAcross: "" }), /shareAcross/);
  assert.throws(() => new Client({ baseUrl: server, shareAcross: 3 }), /shareAcross/);
});

// Budgets that survive a reload (issue 16, API.md "Budgets that survive a reload"), against the reference server
// with the packed package: the cases of tests/js/persist/cases.mjs (StorageLike objects in memory, sync and async)
// in Node and in a Chromium page; a file-backed storage across two separate Node processes (spend, exit, restart);
// and the real localStorage across a real page reload in Chromium (spend part of a budget, reload: the next page's
// client waits instead of sending, and the server saw nothing more).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./install.mjs";
import { launchChromium, runCasesInPage } from "./page-cases.mjs";
import { cases } from "./persist/cases.mjs";

const entry = join(root, "pkg/index.node.js");
const pkg = await import(entry);
const server = process.env.POLITE_TEST_SERVER;
const count = async (name) => (await (await fetch(`${server}/__stats/${name}`)).json()).count;

let browser;
after(async () => {
  await browser?.close();
});

for (const [name, run] of Object.entries(cases)) {
  test(`Node: ${name}`, async () => {
    const info = await run(pkg, server);
    if (info) console.log(info);
  });
}

test("a file-backed StorageLike: a restarted process waits for the budget the last one spent", () => {
  const dir = mkdtempSync(join(tmpdir(), "polite-persist-"));
  try {
    const file = join(dir, "state.json");
    const path = `/echo/restart-${Date.now()}`;
    const run = (mode) => JSON.parse(execFileSync(process.execPath, [join(root, "tests/js/persist/child.mjs"), entry, server, file, mode, path], { encoding: "utf8", timeout: 20_000 }).trim());
    assert.deepEqual(run("spend"), { spent: 3 });
    const stored = readFileSync(file, "utf8");
    assert.match(stored, /polite-fetch:restart/, "the process exited without writing its state");
    const next = run("next");
    assert.equal(next.outcome, "AbortError", `the restarted process sent at once: ${JSON.stringify(next)}`);
    assert.equal(next.waited.reason, "pacing");
    assert.ok(next.waited.delayMs > 2000, `expected a wait of seconds, was told ${next.waited.delayMs} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function launch() {
  browser ??= await launchChromium();
  return browser;
}

test("Chromium page: every case with the browser's fetch and timers, and the package as a page loads it", async () => {
  await runCasesInPage(await launch(), `${server}/files/tests/js/pages/persist.html`, cases);
});

test("Chromium, the real localStorage across a real reload: the next page's client waits instead of sending", async () => {
  const context = await (await launch()).newContext();
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e}`));
  const tag = `reload-${Date.now()}`;
  await page.goto(`${server}/files/tests/js/pages/persist.html`);
  await page.waitForFunction(() => window.__ready, null, { timeout: 20_000 });
  // Spend 3 of a budget of 4 per 8 s, and reload once the state is written.
  const spent = await page.evaluate(async (t) => {
    const client = window.budgetClient();
    for (let i = 0; i < 3; i++) await client.get(`/echo/${t}`);
    await new Promise((resolve) => setTimeout(resolve, 450));
    return Object.keys(localStorage).filter((k) => k.startsWith("polite-fetch:"));
  }, tag);
  assert.deepEqual(spent, ["polite-fetch:reload-budget"]);
  assert.doesNotMatch(await page.evaluate(() => localStorage.getItem("polite-fetch:reload-budget")), /127\.0\.0\.1|echo/);
  await page.reload();
  await page.waitForFunction(() => window.__ready, null, { timeout: 20_000 });
  // The one request left goes at once; the next waits for the window the last page filled.
  const after = await page.evaluate(async (t) => {
    const events = [];
    const client = window.budgetClient((e) => events.push(e));
    const started = performance.now();
    await client.get(`/echo/${t}`);
    const first = performance.now() - started;
    const waiting = client.get(`/echo/${t}`).then(() => "sent", (e) => e.name);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const queue = client.queue;
    client.clear();
    return { first, events, queue, outcome: await waiting };
  }, tag);
  assert.ok(after.first < 1000, `the budget's fourth request waited ${after.first} ms`);
  assert.equal(after.outcome, "AbortError");
  assert.deepEqual(after.queue, { waiting: 1, inFlight: 0 });
  assert.equal(after.events.length, 1);
  assert.equal(after.events[0].reason, "pacing");
  assert.ok(after.events[0].delayMs > 4000, `told ${after.events[0].delayMs} ms`);
  assert.equal(await count(`echo/${tag}`), 4, "the server saw another count: the reloaded page sent past the budget");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

// The queue (issue 16, API.md "The queue"): the cases of tests/js/queue/cases.mjs with the packed package in Node,
// then in a headless Chromium page, against the reference server. `priority` under maxConcurrency, pacing, a
// cooldown and a quota shared across tabs (page only: Node has no Web Locks), `onWait` with each reason,
// `client.queue`, `client.clear`, 2,000 waiting, and bad input.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { root } from "./install.mjs";
import { cases } from "./queue/cases.mjs";

const pkg = await import(join(root, "pkg/index.node.js"));
const server = process.env.POLITE_TEST_SERVER;

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

test("Chromium page: every case with the browser's fetch and timers, and the package as a page loads it", async () => {
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"] });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e}`));
  await page.goto(`${server}/files/tests/js/pages/queue.html`);
  await page.waitForFunction(() => window.__ready, null, { timeout: 20_000 });
  assert.deepEqual(await page.evaluate(() => window.caseNames), Object.keys(cases));
  const failed = [];
  for (const name of Object.keys(cases)) {
    const r = await page.evaluate((n) => window.runCase(n), name);
    if (r.info) console.log(`page: ${name}: ${r.info.split("\n")[0]}`);
    if (!r.ok) failed.push(`${name}: ${r.info}`);
  }
  assert.deepEqual([...failed, ...pageErrors], []);
});

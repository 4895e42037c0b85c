// The queue (issue 16, API.md "The queue"): the cases of tests/js/queue/cases.mjs with the packed package in Node,
// then in a headless Chromium page, against the reference server. `priority` under maxConcurrency, pacing, a
// cooldown and a quota shared across tabs (page only: Node has no Web Locks), `onWait` with each reason,
// `client.queue`, `client.clear`, 2,000 waiting, and bad input.
import { test, after } from "node:test";
import { join } from "node:path";
import { root } from "./install.mjs";
import { launchChromium, runCasesInPage } from "./page-cases.mjs";
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
  browser = await launchChromium();
  await runCasesInPage(browser, `${server}/files/tests/js/pages/queue.html`, cases);
});

// Spend less of the quota (issue 19, API.md "v2 additions"): the cases of tests/js/spend/cases.mjs with the packed
// package in Node, then in a headless Chromium page, against the test server (what it received is counted there).
import { test, after } from "node:test";
import { join } from "node:path";
import { root } from "./install.mjs";
import { launchChromium, runCasesInPage } from "./page-cases.mjs";
import { cases } from "./spend/cases.mjs";

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

test("Chromium page: every case with the browser's fetch, and the package as a page loads it", async () => {
  browser = await launchChromium();
  await runCasesInPage(browser, `${server}/files/tests/js/pages/spend.html`, cases);
});

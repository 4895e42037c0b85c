// Spend less of the quota (issue 19, API.md "v2 additions"): the cases of tests/js/spend/cases.mjs with the packed
// package in Node, then in a page in headless Chromium, Firefox and WebKit, against the test server (what it received
// is counted there).
import { test, after } from "node:test";
import { join } from "node:path";
import { root } from "./install.mjs";
import { launchChromium, runCasesInPage } from "./page-cases.mjs";
import { cases } from "./spend/cases.mjs";
import { launch, runCasesIn } from "./engines.mjs";
import assert from "node:assert/strict";

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

// The same cases in the other engines a frontend's users have (issue 19): Debian's firefox-esr and WebKit.
for (const engine of ["firefox", "webkit"]) {
  test(`${engine === "firefox" ? "Firefox" : "WebKit"} page: every case, as in Chromium`, async () => {
    const browserOf = await launch(engine);
    try {
      assert.deepEqual(await runCasesIn(browserOf, `${server}/files/tests/js/pages/spend.html`, Object.keys(cases)), []);
    } finally {
      await browserOf.close();
    }
  });
}

// client.extend() (issue 15, API.md "Instances"): the cases of tests/js/extend/cases.mjs with the packed package in
// Node, then in a headless Chromium page, against the reference server, and a second origin served by node:http
// here (it answers every request with the headers it got, with CORS for the page). A child's options go over its
// parent's (headers by name, retry field by field); with the parent's origin it shares the parent's rate-limit
// state and refuses options that set limits; with another origin it starts fresh and carries none of the
// parent's credentials; the parent never changes.
import { test, before, after } from "node:test";
import { createServer } from "node:http";
import { join } from "node:path";
import { root } from "./install.mjs";
import { launchChromium, runCasesInPage } from "./page-cases.mjs";
import { cases } from "./extend/cases.mjs";

const pkg = await import(join(root, "pkg/index.node.js"));
const server = process.env.POLITE_TEST_SERVER;

let other, otherBase, browser;
before(async () => {
  other = createServer((req, res) => {
    const cors = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*", "Access-Control-Allow-Methods": "GET, POST" };
    if (req.method === "OPTIONS") return res.writeHead(204, cors).end();
    res.writeHead(200, { ...cors, "Content-Type": "application/json" });
    res.end(JSON.stringify({ headers: req.headers }));
  });
  await new Promise((resolve) => other.listen(0, "127.0.0.1", resolve));
  otherBase = `http://127.0.0.1:${other.address().port}`;
});
after(async () => {
  await browser?.close();
  other.closeAllConnections();
  await new Promise((resolve) => other.close(resolve));
});

for (const [name, run] of Object.entries(cases)) {
  test(`Node: ${name}`, async () => {
    const info = await run(pkg, server, otherBase);
    if (info) console.log(info);
  });
}

test("Chromium page: every case with the browser's fetch and the package as a page loads it", async () => {
  browser = await launchChromium();
  await runCasesInPage(browser, `${server}/files/tests/js/pages/extend.html`, cases, [otherBase]);
});

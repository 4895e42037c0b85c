// Hooks (issue 15, API.md "Hooks"): the cases of tests/js/hooks/cases.mjs with the packed package in Node, then in a
// headless Chromium page, against the reference server, and a second origin served by node:http here that counts
// what it receives (GET /count answers the count; CORS for the page). beforeRequest, afterResponse, beforeRetry
// and beforeError with the arguments and effects the contract gives, hooks that throw, extend()'s concatenation,
// and bad hooks.
import { test, before, after } from "node:test";
import { createServer } from "node:http";
import { join } from "node:path";
import { root } from "./install.mjs";
import { launchChromium, runCasesInPage } from "./page-cases.mjs";
import { cases } from "./hooks/cases.mjs";

const pkg = await import(join(root, "pkg/index.node.js"));
const server = process.env.POLITE_TEST_SERVER;

let other, otherBase, browser;
let received = 0;
before(async () => {
  other = createServer((req, res) => {
    const cors = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*", "Access-Control-Allow-Methods": "GET, POST, PUT" };
    if (req.method === "OPTIONS") return res.writeHead(204, cors).end();
    if (req.url !== "/count") received++;
    res.writeHead(200, { ...cors, "Content-Type": "application/json" });
    res.end(JSON.stringify({ count: received }));
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

test("Chromium page: every case with the browser's fetch, Request and Response, and the package as a page loads it", async () => {
  browser = await launchChromium();
  await runCasesInPage(browser, `${server}/files/tests/js/pages/hooks.html`, cases, [otherBase]);
});

// Figures 1 and 4 in the browser: bundled by bench/run.mjs (peers from node_modules, polite-fetch from the built
// package the test server serves at /pkg/), opened in headless Chromium on the server's own origin.
import { Client } from "/pkg/index.browser.js";
import ky from "ky";
import { ofetch } from "ofetch";
import axios from "axios";
import axiosRetry from "axios-retry";
import { makeClients, sequentialOverhead, retryAfterGap } from "./clients.js";

/* global QUICK */
async function main() {
  const lib = { Client, ky, ofetch, axios, axiosRetry };
  const base = location.origin;
  const overhead = await sequentialOverhead(makeClients(lib, base), QUICK ? { rounds: 3, perRound: 50, warmup: 50 } : { rounds: 11, perRound: 100, warmup: 100 });
  const gaps = {};
  for (const [name, client] of Object.entries(makeClients(lib, base, { retries: 1 }))) {
    if (name !== "fetch") gaps[name] = (await retryAfterGap(client, base, QUICK ? 2 : 5)) - 1000;
  }
  window.__bench = { overhead, gaps, ua: navigator.userAgent };
}
main().catch((e) => { window.__benchError = String(e && e.stack || e); });

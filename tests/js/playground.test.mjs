// The playground end to end in headless Chromium: open the page, run a burst, wait for it to finish, and check
// that every request finished, the timeline shows retries, and the page logged no error. The screenshot is kept
// at target/playground.png.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { root } from "./install.mjs";

const server = process.env.POLITE_TEST_SERVER;
let browser;

after(async () => {
  if (browser) await browser.close();
});

async function openPlayground() {
  const { chromium } = await import("playwright-core");
  browser ??= await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  // Chromium logs every non-2xx response as "Failed to load resource"; those are the API's answers, not page errors.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server}/`);
  return { page, errors };
}

async function run(page, scenario, flavour) {
  await page.check(`input[name=flavour][value=${flavour}]`);
  await page.selectOption("#scenario", scenario);
  await page.click("#run");
  await page.waitForSelector("#status[data-state=done], #status[data-state=error]", { timeout: 60_000 });
  return page.textContent("#status");
}

test("a burst against the SeaTable-like API: unpaced and paced, every request finishes", async () => {
  const { page, errors } = await openPlayground();
  await page.fill("#count", "20");
  await page.fill("#limit", "5");
  const status = await run(page, "compare", "seatable");
  assert.match(status, /^Done: 40 resolved, 0 rejected/);
  const lanes = await page.$$eval(".lane", (ls) => ls.map((l) => l.className));
  assert.equal(lanes.length, 40);
  assert.ok(lanes.every((c) => c.includes("done")), "every lane resolved");
  const [unpaced, paced] = await page.$$eval(".run", (runs) => runs.map((r) => ({
    t429: Number(r.querySelector(".v-429").textContent),
    retries: Number(r.querySelector(".v-retries").textContent),
    waits: r.querySelectorAll(".seg.waiting").length,
    ticks429: r.querySelectorAll(".tick.t429").length,
  })));
  assert.ok(unpaced.t429 > 0 && unpaced.retries > 0 && unpaced.waits > 0 && unpaced.ticks429 > 0, JSON.stringify(unpaced));
  assert.equal(paced.t429, 0, "the paced client is never refused");
  mkdirSync(join(root, "target"), { recursive: true });
  await page.screenshot({ path: join(root, "target/playground.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("the REST API tells its window: only the first wave is refused, the gauge shows it", async () => {
  const { page, errors } = await openPlayground();
  await page.fill("#count", "20");
  await page.fill("#limit", "5");
  const status = await run(page, "burst", "rest");
  assert.match(status, /^Done: 20 resolved, 0 rejected/);
  const t429 = Number(await page.textContent(".v-429"));
  assert.ok(t429 <= 15, `${t429} 429s`);
  assert.match(await page.textContent(".gauge-text"), /of 5 left/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a click jumps the prefetch queue: it resolves among the first, the waiting list is drawn", async () => {
  const { page, errors } = await openPlayground();
  await page.check("input[name=flavour][value=rest]");
  await page.selectOption("#scenario", "priority");
  await page.click("#run");
  // While it runs: the waiting list, drawn in the order the requests will go, the click first.
  await page.waitForFunction(() => [...document.querySelectorAll(".chip")].some((c) => c.textContent.startsWith("click")), null, { timeout: 10_000 });
  await page.waitForTimeout(150);
  const chips = await page.$$eval(".chip", (cs) => cs.map((c) => c.textContent));
  assert.ok(chips[0].startsWith("click") && chips.length >= 10, `the waiting list: ${chips.join(", ")}`);
  await page.screenshot({ path: join(root, "target/playground-priority-live.png"), fullPage: true });
  await page.waitForSelector("#status[data-state=done], #status[data-state=error]", { timeout: 60_000 });
  assert.match(await page.textContent("#status"), /^Done: 25 resolved, 0 rejected, 0 429s/);
  const { resolved, mostWaiting, waits } = await page.evaluate(() => window.__playground);
  // The client follows the API's window of 4 a second: 4 went at 0 s and 4 at 1 s, before the click was made
  // (1.2 s in). The click goes first in the next window, beside 3 prefetches, whose answers may come before its
  // own: it resolves 9th to 12th (without its priority it would go in the sixth window, 25th).
  const at = resolved.indexOf("click");
  assert.ok(at >= 0 && at <= 11, `the click resolved ${at + 1}th of 25: ${resolved.join(" ")}`);
  const clickWaits = waits.filter((w) => w.id === "click");
  assert.ok(clickWaits.length && clickWaits.every((w) => w.delayMs <= 1000), `the click waited more than one window: ${JSON.stringify(clickWaits)}`);
  assert.ok(mostWaiting >= 15, `the waiting list peaked at ${mostWaiting}`);
  assert.ok(waits.some((w) => w.id === "click") && waits.every((w) => w.reason === "pacing" || w.reason === "window"), JSON.stringify(waits.filter((w) => w.id === "click" || w.reason !== "pacing")));
  await page.screenshot({ path: join(root, "target/playground-priority.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("reload the page mid-budget: the reloaded page's client waits instead of sending", async () => {
  const { page, errors } = await openPlayground();
  await page.check("input[name=flavour][value=rest]");
  await page.selectOption("#scenario", "reload");
  const reloaded = page.waitForEvent("load", { timeout: 30_000 });
  await page.click("#run");
  await reloaded;
  await page.waitForSelector("#status[data-state=done], #status[data-state=error]", { timeout: 30_000 });
  assert.match(await page.textContent("#status"), /^Done: 3 resolved, 0 rejected, 0 429s/);
  const { waits } = await page.evaluate(() => window.__playground);
  assert.ok(waits.length === 3 && waits.every((w) => w.reason === "pacing"), JSON.stringify(waits));
  assert.ok(waits[0].delayMs > 3000, `the reloaded client was told to wait ${waits[0].delayMs} ms`);
  assert.match(await page.textContent(".run-title"), /the budget was remembered, the client waits \d+\.\d s \(pacing\)/);
  const stored = await page.evaluate(() => localStorage.getItem("polite-fetch:playground-budget"));
  assert.ok(stored && stored.startsWith("pf1 ") && !stored.includes("demo"), `stored ${stored}`);
  await page.screenshot({ path: join(root, "target/playground-reload.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("every other scenario runs to the end, and errors are typed in the inspector", async () => {
  const { page, errors } = await openPlayground();
  for (const [scenario, flavour, expect] of [
    ["flaky", "rest", /^Done: \d+ resolved/],
    ["token", "seatable", /^Done: 12 resolved, 0 rejected/],
    ["slow", "rest", /^Done: 2 resolved, 0 rejected/],
    ["quota", "rest", /^Done: 0 resolved, 6 rejected/],
    ["cors", "rest", /^Done: \d+ resolved/],
  ]) {
    const status = await run(page, scenario, flavour);
    assert.match(status, expect, scenario);
    if (scenario === "quota") {
      await page.click(".error-list button");
      const detail = JSON.parse(await page.textContent(".error-detail"));
      assert.equal(detail.name, "RateLimitError");
      assert.ok(detail.retryAfterMs >= 3_000_000, `retryAfterMs ${detail.retryAfterMs}`);
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

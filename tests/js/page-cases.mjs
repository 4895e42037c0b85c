// Runs a case file's cases in a headless Chromium page (Node only): the page (tests/js/pages/<name>.html) imports
// the package as a page loads it and the same cases, and exposes window.caseNames and window.runCase(name, ...args).
import assert from "node:assert/strict";

/** Launches the Debian Chromium (never a downloaded browser). */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"] });
}

/**
 * Opens `url` in a new page of `browser` and runs every case of `cases` there with `args`; fails with every case
 * that failed and every page error. The page is closed afterwards.
 */
export async function runCasesInPage(browser, url, cases, args = []) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__ready, null, { timeout: 20_000 });
    assert.deepEqual(await page.evaluate(() => window.caseNames), Object.keys(cases));
    const failed = [];
    for (const name of Object.keys(cases)) {
      const r = await page.evaluate(([n, a]) => window.runCase(n, ...a), [name, args]);
      if (r.info) console.log(`page: ${name}: ${r.info.split("\n")[0]}`);
      if (!r.ok) failed.push(`${name}: ${r.info}`);
    }
    assert.deepEqual([...failed, ...pageErrors], []);
  } finally {
    await page.close();
  }
}

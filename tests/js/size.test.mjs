// The size budget: what a browser downloads for `import { Client }` (the .wasm and the minified JS) must not grow
// past the budget set from the benchmark work (BENCHMARKS.md, "Size"). Raise it only on purpose, and say why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { root } from "./install.mjs";

// History: 55.6 KB gzip from the first benchmark run, raised twice (the fault matrix's fixes, then shareAcross) to
// 63.5 KB; issue 13 ("Lean") took the download to 41.7 KB gzip / 36.9 KB brotli (BENCHMARKS.md, "Size levers"), and
// the budget ratcheted down to that plus about 1%; issue 21's first fixes (iterative redaction, a guarded
// createError) took 0.4 KB of that margin (42,147 / 37,294 B); the executor of src/wasm/tasks.rs took 1.3 KB off
// (40,885 / 36,157 B), keeping one options struct 0.2 KB more (40,699 / 36,040 B), and the budget followed. It only
// goes down; raising it needs a reason here.
// Raised for issue 14 (40,985 -> 42,984 B gzip, 36,319 -> 38,082 brotli; the budget that plus 0.7%): credentials confined under baseUrl's path
// prefix (dot segments resolved and refused above it, a security fix), and the contract's v1 dialects: draft-8
// RateLimit/RateLimit-Policy items, draft-6's relative reset, Kong's per-window headers, a spent 403 as a 429, and
// the fastify/Express/Spring/DRF/JSON:API error bodies and Express's HTML pages. Each was written byte-lean
// (twiggy diff: no new std machinery beyond what resolve and the parsers needed).
// Issue 14's learner for bare-429 windows took 251 B of that margin (43,244 / 38,329 B).
// Raised for issue 15's `extend()` (43,244 -> 44,365 B gzip, 38,329 -> 39,325 brotli; the budget that plus 0.2%):
// a second export, the options read over a parent's (headers merged by name, the credentials left behind for
// another origin, the limit options refused for the same one), and the rate-limit state split from the client so
// relatives share it. Measured with twiggy diff; the two header removals share one `retain`.
// Raised for issue 15's hooks (44,359 -> 46,143 B gzip, 39,325 -> 40,875 brotli; the budget that plus 0.2%): the
// wasm builds each attempt's Request for beforeRequest, acts on a Response a hook returns (the turn given back),
// runs afterResponse before the response is read, awaits beforeRetry before the wait (+1.4 KB, twiggy diff), and
// js/hooks.js checks the lists (+0.35 KB); the runs themselves are a lazy chunk, and beforeError is a catch on
// the call's promise in JS, not an await in the wasm (-0.13 KB). A client without hooks calls none of it.
// Raised for issue 16 (46,143 -> 51,822 B gzip, 40,875 -> 45,842 brotli; the budget that plus 0.15%). The queue
// (+2,543 B): `priority` ordered by a binary heap over a slab in the core (push, head, removal of an aborted
// waiter), only the first in line asks the limiter and each waiter sleeps on a gate of its own, `onWait` with its
// reasons, `client.queue`, `client.clear` (two exports), a priority for the tabs' leader. `persist` (+3,136 B): the
// limiter's save and restore with their checks of what can be true, the stored text's writer and reader, the
// option, a StorageLike's guarded calls and the debounce in js/persist.js. Trimmed with twiggy diff: no task of its
// own (an async storage is awaited by the first requests; writes are JS timers), plain loops for iterator chains,
// the event objects built in JS (-1.4 KB from the first working version together).
// Raised for issue 17 (51,822 -> 52,110 B gzip, 45,842 -> 46,090 brotli): `shareAcross` takes a quota object
// (`redisQuota(...)` of the separate polite-fetch/redis entry, none of whose code is in this bundle): the option's
// second form, the pacing windows handed to it, and its join in js/lazy-share.js.
// Raised for issue 19 (52,106 -> 58,082 B gzip, 46,049 -> 51,629 brotli): conditional requests (the LRU, key and
// validator rules in core/remember.rs, the 304 path), shared in-flight GETs (core/dedupe.rs's key, a flight per
// request with copies for each caller in js/copies.js) and paced pagination (core/link.rs's Link parser in the
// wasm, the page result; js/paginate.js loads on the first call and is not counted). That is 3 KB past the
// issue's allowance of 3,000 B for the three: issue 19 stays open until it is brought back (twiggy: the Link
// parser's Vec<Link> ~2 KB raw, the dedupe task and flight ~1.5 KB, attempt_headers now out of line ~1.2 KB).
// The Link walk without a list (-419 B: 57,689 / 51,317 B), dedupe's flight run as any call (-372 B: 57,317 /
// 51,098 B), and the budget followed, to that plus 0.2%.
// Issue 13's second round (BENCHMARKS.md "Size levers"): MIR inlining, plain loops for iterator chains, one byte
// search for delimiters, one export for the shared limiter and one for requests, the executor's entry a plain
// export, one read of a response: 57,317 -> 51,118 B gzip, 51,098 -> 45,282 brotli; the budget 51,147 / 45,311
// (the round's figures before a last review's -29 B) plus 0.2%.
// Its third round: byte loops for the last char and iterator generics, the browser entry's own loader, the glue's
// unused branches trimmed (scripts/trim-glue.mjs), every function inlinable across crates, wasm-opt's one-caller
// inlining up to 50: 51,118 -> 48,751 B gzip, 45,282 -> 43,299 brotli; the budget that plus 0.2%.
// Its fourth round: the JS built-ins bound without js-sys, headers looked up by index, short-text tables one string
// a line, `wasm-opt --low-memory-unused` and a second -Oz: 48,771 -> 47,757 B gzip, 43,308 -> 42,467 brotli; the
// budget that plus 0.2%.
// Its fifth round: the learner's answer times in a Vec, not a VecDeque (with a persist fix costing 1 B): 47,712 ->
// 47,651 B gzip, 42,441 -> 42,380 brotli; the budget that plus 0.2% (a review then: 47,639 / 42,404).
// Its sixth round: wasm-opt flattens and rebuilds the control flow between its passes, the boundary's caller-facing
// objects in a file of their own, ASCII pushed as &str, a few iterator adapters as loops: 47,639 -> 47,129 B gzip,
// 42,404 -> 41,944 brotli; the budget that plus 0.2%.
// Its seventh round: `Client` a JS class over one wasm export and `SharedQuota` a handle (no wasm-bindgen classes),
// ids and flags crossing as i32, JS arrays indexed instead of iterated, the executor's own entry found only for
// Rust callers, a retry policy's methods one string and its statuses a bit set: 47,129 -> 45,807 B gzip, 41,944 ->
// 40,739 brotli; the budget that plus 0.2%.
// Its eighth round: which functions stay out of line, chosen by measurement (scripts/inline-sweep.py tries each
// function of the core and the boundary with and without `#[inline(never)]`): 45,807 -> 44,926 B gzip, 40,739 ->
// 40,051 brotli; the budget that plus 0.2%.
// Its ninth round: wasm-opt inlines functions of up to 5 bytes everywhere, the sweep run again after it, a body view
// that stops at MAX_BODY_ITEMS itself and answers a first element, a list or a number without copying elements
// across, one walk for an error item's text, the default statuses a constant: 44,926 -> 44,362 B gzip, 40,051 ->
// 39,519 brotli; the budget that plus 0.2%.
const BUDGET_GZIP_BYTES = 44_451;
const BUDGET_BROTLI_BYTES = 39_598;

test(`wasm + minified JS stay within ${BUDGET_GZIP_BYTES} bytes gzip, ${BUDGET_BROTLI_BYTES} brotli`, (t) => {
  const sizes = JSON.parse(execFileSync(process.execPath, [join(root, "scripts/size.mjs"), "--json"], { encoding: "utf8" }));
  const total = sizes["total (wasm + minified js)"];
  t.diagnostic(`gzip ${total.gzip} B, brotli ${total.brotli} B (wasm ${sizes.wasm.gzip} B gzip)`);
  assert.ok(total.gzip <= BUDGET_GZIP_BYTES, `gzip ${total.gzip} B is over the budget of ${BUDGET_GZIP_BYTES} B`);
  assert.ok(total.brotli <= BUDGET_BROTLI_BYTES, `brotli ${total.brotli} B is over the budget of ${BUDGET_BROTLI_BYTES} B`);
});

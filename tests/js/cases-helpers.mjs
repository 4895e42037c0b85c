// What the case files (tests/js/*/cases.mjs) share: small checks, written once. Plain ESM, no Node API: the cases
// run in Node and in a Chromium page, which loads this file from /files/tests/js/.

/** A random key, for a fresh server-side name per case. */
export const key = () => Math.random().toString(36).slice(2);

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Equal as JSON. */
export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Throws `message` unless `ok`. */
export function check(ok, message) {
  if (!ok) throw new Error(message);
}

/** The thrown value of `f()` (or of its promise); throws when it did not throw. */
export async function thrown(f, what) {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error(`${what}: did not throw`);
}

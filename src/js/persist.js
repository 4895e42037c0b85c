// `persist`: the storage calls, each guarded, and the debounce of writes. A storage that throws (quota exceeded,
// private mode), rejects or never answers must not break a request, and nothing is logged.

const MAX_LENGTH = 256 * 1024; // core/persist.rs MAX_STORED_LEN
const SAVE_AFTER_MS = 250; // a change is written this long after it, with whatever else changed meanwhile

/** `globalThis.localStorage` where there is one and it may be used (a sandboxed frame throws on access). */
function defaultStorage() {
  try {
    const storage = globalThis.localStorage;
    return storage && typeof storage.getItem === "function" ? storage : undefined;
  } catch {
    return undefined;
  }
}

/** True for a StorageLike: `getItem` and `setItem` are functions. */
export function isStorage(storage) {
  return !!storage && typeof storage.getItem === "function" && typeof storage.setItem === "function";
}

/**
 * What one quota writes to: the storage (`undefined`: localStorage), the key, the text it holds as far as we know,
 * the next to write; `undefined` when there is no storage.
 */
export function newWriter(storage, key) {
  if (storage === undefined) storage = defaultStorage();
  return isStorage(storage) ? { storage, key, last: undefined, next: undefined, timer: undefined } : undefined;
}

/**
 * What is stored under the writer's key: a string, or `undefined` (none, not a string, longer than any we write so
 * not copied into the wasm memory at all, or reading threw). For an async storage a promise of one of them that
 * never rejects and resolves `undefined` after `waitMs` when the storage has not answered.
 */
export function load(writer, waitMs) {
  const text = (value) => (typeof value === "string" && value.length <= MAX_LENGTH ? (writer.last = value) : undefined);
  try {
    const value = writer.storage.getItem(writer.key);
    if (!value || typeof value.then !== "function") return text(value);
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, waitMs)));
    return Promise.race([Promise.resolve(value).then(text, () => undefined), late]).then((loaded) => {
      clearTimeout(timer);
      return loaded;
    });
  } catch {
    return undefined;
  }
}

/** Writes `value` a moment from now, unless a later call brings another or the storage holds it already. */
export function storeLater(writer, value) {
  writer.next = value;
  writer.timer ??= setTimeout(() => {
    writer.timer = undefined;
    if (writer.next === writer.last) return;
    writer.last = writer.next;
    try {
      const done = writer.storage.setItem(writer.key, writer.next);
      if (done && typeof done.then === "function") done.then(undefined, () => {});
    } catch {}
  }, SAVE_AFTER_MS);
}

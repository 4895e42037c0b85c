// The benchmark scripts' tables live in BENCHMARKS.md between `<!-- name:start -->` and `<!-- name:end -->`.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const path = join(dirname(fileURLToPath(import.meta.url)), "../BENCHMARKS.md");

/** Replaces what BENCHMARKS.md holds between the `name` markers with `text`; throws when the markers are missing. */
export function writeSection(name, text) {
  const doc = readFileSync(path, "utf8");
  const start = `<!-- ${name}:start -->`, end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(start), j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`BENCHMARKS.md has no ${start} / ${end} markers`);
  writeFileSync(path, doc.slice(0, i + start.length) + "\n" + text + "\n" + doc.slice(j));
}

// Packs pkg/ and installs the tarball into a throwaway project under target/, as a user would
// (`npm install polite-fetch-0.1.0.tgz`). Shared by the package and runtime tests.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Creates `target/<name>/app` with polite-fetch installed from the packed tarball; returns the app folder. */
export function installPackage(name) {
  const work = join(root, "target", name);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "app"), { recursive: true });
  execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", work, "--silent"], { stdio: "pipe" });
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz")));
  writeFileSync(join(work, "app/package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--silent"], { cwd: join(work, "app"), stdio: "pipe" });
  return { app: join(work, "app"), tarball };
}

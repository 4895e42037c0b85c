// One process of tests/js/persist.test.mjs's restart test: a client with `persist` backed by a JSON file (a
// StorageLike of fs calls) against the reference server. `spend`: 3 requests of a budget of 3 per 5 s, then exits
// once the state is written; `next`: one request, printing how it went (`waited` with onWait's event, or `sent`).
import { readFileSync, writeFileSync } from "node:fs";

const [pkgEntry, server, file, mode, path] = process.argv.slice(2);
const { Client } = await import(pkgEntry);
const storage = {
  getItem: (key) => {
    try {
      return JSON.parse(readFileSync(file, "utf8"))[key] ?? null;
    } catch {
      return null;
    }
  },
  setItem: (key, value) => {
    let all = {};
    try {
      all = JSON.parse(readFileSync(file, "utf8"));
    } catch {}
    all[key] = value;
    writeFileSync(file, JSON.stringify(all));
  },
};
const events = [];
const client = new Client({ baseUrl: server, rateLimit: { requests: 3, perMs: 5000 }, persist: { key: "restart", storage }, onWait: (e) => events.push(e) });
if (mode === "spend") {
  for (let i = 0; i < 3; i++) await client.get(path);
  console.log(JSON.stringify({ spent: 3 }));
} else {
  const timer = setTimeout(() => client.clear(), 1500);
  const outcome = await client.get(path).then(() => "sent", (e) => e.name);
  clearTimeout(timer);
  console.log(JSON.stringify({ outcome, waited: events[0] ?? null }));
}

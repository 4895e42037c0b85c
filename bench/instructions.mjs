// One client's sequential GETs of /json against the local server, for `make bench-instructions`: run under
// callgrind by bench/instructions.sh, which counts the instructions this process executes.
// Usage: node bench/instructions.mjs <fetch|polite-fetch|ofetch|ky> <count>
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const base = process.env.POLITE_TEST_SERVER;
const [which, count] = [process.argv[2], Number(process.argv[3])];
let get;
if (which === "fetch") {
  get = async () => (await fetch(base + "/json")).json();
} else if (which === "polite-fetch") {
  const { Client } = await import(join(root, "pkg/index.node.js"));
  const client = new Client({ baseUrl: base });
  get = () => client.get("/json");
} else if (which === "ofetch") {
  const { ofetch } = await import("ofetch");
  const client = ofetch.create({ baseURL: base });
  get = () => client("/json");
} else if (which === "ky") {
  const { default: ky } = await import("ky");
  const client = ky.create({ prefix: base });
  get = () => client.get("json").json();
} else {
  throw new Error(`unknown client ${which}`);
}
for (let i = 0; i < count; i++) await get();

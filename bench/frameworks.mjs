// Real rate limiters and frameworks that people run, each in a process of its own on a free loopback port:
// express 5 + express-rate-limit 8 (draft-6 with and without the legacy X-RateLimit-* headers, draft-7, draft-8
// with one policy and with two stacked) and fastify 5 + @fastify/rate-limit 11. All allow 10 requests per second
// (the stacked one also 20 per 5 s).
//
// `node bench/frameworks.mjs <flavour>` serves one and prints its port. GET /truth/<anything> answers 200 with
// the limiter's own view of the window it just counted the request in: {limit, remaining, resetAt} (epoch ms;
// null where the limiter does not say). GET /refused counts the 429s sent (outside the limit). Other paths answer the framework's own errors (Express's HTML 404,
// fastify's JSON ones); a 429 is the limiter's own.
//
// From a test: `await startFramework(flavour)` → {base, stop()}; `await startDrf()` the same for Django REST
// framework (tests/drf/server.py: a throttle of 10 per second and DRF's own 400/401/403/404 bodies).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The flavours served here. */
export const FLAVOURS = ["express-draft6-legacy", "express-draft6", "express-draft7", "express-draft8", "express-draft8-stacked", "fastify"];

const root = fileURLToPath(new URL("..", import.meta.url));

/** Starts `flavour` in a child process; resolves to {base, stop} once it listens. */
export function startFramework(flavour) {
  return listen(flavour, spawn(process.execPath, [fileURLToPath(import.meta.url), flavour], { stdio: ["ignore", "pipe", "inherit"] }));
}

/** Starts Django REST framework (tests/drf/server.py, in the venv `make setup-drf` makes); {base, stop}. */
export function startDrf() {
  const python = `${root}target/drf-venv/bin/python`;
  return listen("drf", spawn(python, [`${root}tests/drf/server.py`], { stdio: ["ignore", "pipe", "inherit"] }));
}

/** Resolves once `child` prints "listening <port>". */
function listen(flavour, child) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/^listening (\d+)$/m);
      if (m) {
        resolve({
          base: `http://127.0.0.1:${m[1]}`,
          stop: () => new Promise((done) => {
            child.once("exit", done);
            child.kill("SIGKILL");
          }),
        });
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${flavour} exited (${code}) before listening`)));
  });
}

async function serveExpress(flavour) {
  const { default: express } = await import("express");
  const { rateLimit } = await import("express-rate-limit");
  const app = express();
  const limiter = (limit, windowMs, name) => rateLimit({
    windowMs, limit, requestPropertyName: name,
    standardHeaders: flavour.replace("express-", "").replace("-legacy", "").replace("-stacked", "").replace("draft", "draft-"),
    legacyHeaders: flavour.endsWith("-legacy"),
    // One client (the test) behind one key: the window is this process's.
    keyGenerator: () => "test",
  });
  let refused = 0;
  // Before the limiters: the test asks how many 429s the limiter sent without spending its quota.
  app.get("/refused", (req, res) => res.json({ count: refused }));
  const names = ["rl1"];
  app.use((req, res, next) => {
    res.on("finish", () => { if (res.statusCode === 429) refused++; });
    next();
  });
  app.use(limiter(10, 1000, "rl1"));
  if (flavour.endsWith("-stacked")) {
    app.use(limiter(20, 5000, "rl2"));
    names.push("rl2");
  }
  app.get("/truth/:id", (req, res) => {
    // The binding window: the least remaining, then the one that resets last.
    const views = names.map((n) => req[n]);
    views.sort((a, b) => a.remaining - b.remaining || b.resetTime - a.resetTime);
    const v = views[0];
    res.json({ limit: v.limit, remaining: v.remaining, resetAt: v.resetTime ? v.resetTime.getTime() : null });
  });
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

async function serveFastify() {
  const { default: Fastify } = await import("fastify");
  const { default: rateLimitPlugin } = await import("@fastify/rate-limit");
  const app = Fastify();
  let refused = 0;
  await app.register(rateLimitPlugin, { max: 10, timeWindow: 1000, keyGenerator: () => "test", onExceeded: () => refused++ });
  app.get("/refused", { config: { rateLimit: false } }, async () => ({ count: refused }));
  // @fastify/rate-limit keeps its count to itself; the headers it set on this reply are its view.
  app.get("/truth/:id", async (req, reply) => ({
    limit: Number(reply.getHeader("x-ratelimit-limit")),
    remaining: Number(reply.getHeader("x-ratelimit-remaining")),
    resetAt: null,
  }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app.server.address().port;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flavour = process.argv[2];
  if (!FLAVOURS.includes(flavour)) {
    console.error(`unknown flavour ${flavour}; one of ${FLAVOURS.join(", ")}`);
    process.exit(2);
  }
  const port = flavour === "fastify" ? await serveFastify() : await serveExpress(flavour);
  console.log(`listening ${port}`);
}

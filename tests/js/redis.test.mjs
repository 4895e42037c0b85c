// One quota across processes on Redis (issue 17, API.md "One quota across processes and machines"): a real
// redis-server (Debian's, started here on a free loopback port without persistence, stopped by PID), real ioredis
// and node-redis, the packed package installed the way a user installs it, and separate Node processes
// (tests/js/redis/child.mjs) bursting at the reference server; the server counts the 429s it sent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { createRequire } from "node:module";
import { root, installPackage } from "./install.mjs";

const server = process.env.POLITE_TEST_SERVER;
// node-redis both as today's (`redis` 6) and as the oldest the contract names (`redis4`: redis@4.7.0 under an alias).
const LIBS = ["ioredis", "redis", "redis4"];
let redisProcess, port, app;

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const key = () => Math.random().toString(36).slice(2);
const refused = async (name) => (await (await fetch(`${server}/__stats/rate/${name}/429`)).json()).count;

/** Starts redis-server on `port` (no persistence) and waits until it answers PING. */
async function startRedis() {
  redisProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
      socket.on("data", (d) => {
        socket.destroy();
        resolve(String(d).startsWith("+PONG"));
      });
      socket.on("error", () => resolve(false));
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error("redis-server did not start");
}

/** Stops redis-server (SIGKILL, by PID); `startRedis` brings it back on the same port. */
function stopRedis() {
  if (!redisProcess) return Promise.resolve();
  const gone = new Promise((resolve) => redisProcess.once("exit", resolve));
  redisProcess.kill("SIGKILL");
  redisProcess = undefined;
  return gone;
}

before(async () => {
  port = await freePort();
  await startRedis();
  ({ app } = installPackage("redis-tests"));
  copyFileSync(join(root, "tests/js/redis/child.mjs"), join(app, "child.mjs"));
});
after(async () => {
  await stopRedis();
});

/** Runs the child processes of `jobs` at once, starting their bursts together; resolves with their results. */
function processes(jobs) {
  const startAt = Date.now() + 1500;
  return Promise.all(jobs.map((job) => new Promise((resolve, reject) => {
    const args = JSON.stringify({ root, port, server, startAt, ...job });
    execFile(process.execPath, [join(app, "child.mjs"), args], { cwd: app, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`child failed: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()));
    });
  })));
}

for (const lib of LIBS) {
  test(`${lib}: 3 processes at rateLimit 5/s, 8 requests each, against a server allowing 5/s: all succeed, 0 429s`, { timeout: 90_000 }, async () => {
    const k = key();
    const job = { lib, name: `paced-${k}`, count: 8, path: `/rate/${k}?limit=5&window=1000`, rateLimit: { requests: 5, perMs: 1000 } };
    const results = await processes([job, job, job]);
    for (const r of results) assert.deepEqual(r.failed, []);
    assert.equal(results.reduce((n, r) => n + r.ok, 0), 24);
    assert.equal(await refused(k), 0, "the server refused requests of processes that share one pacing");
    // 24 requests at 5 per second (from answer to answer): about 4 s or more, not the 1 s of three separate paces.
    assert.ok(Math.max(...results.map((r) => r.ms)) >= 3500, `done in ${results.map((r) => r.ms)} ms: not paced together`);
  });

  test(`${lib}: 3 processes bursting 15 each with no configuration earn no more 429s than one process bursting 45; with rateLimit 10/s, 0 429s`, { timeout: 90_000 }, async () => {
    const alone = key();
    const [one] = await processes([{ lib, count: 45, path: `/rate/${alone}?limit=10&window=1000` }]);
    const apart = key();
    const separate = await processes([0, 1, 2].map(() => ({ lib, count: 15, path: `/rate/${apart}?limit=10&window=1000` })));
    const shared = key();
    const job = { lib, name: `burst-${shared}`, count: 15, path: `/rate/${shared}?limit=10&window=1000` };
    const three = await processes([job, job, job]);
    for (const r of [one, ...separate, ...three]) assert.deepEqual(r.failed, []);
    const [a, s, b] = [await refused(alone), await refused(apart), await refused(shared)];
    console.log(`${lib}: 429s, one process of 45: ${a}; three of 15 each on their own: ${s}; three of 15 sharing Redis: ${b}`);
    assert.ok(b <= a, `three processes sharing Redis earned ${b} 429s, one process alone ${a}`);
    assert.ok(s > b, `three processes on their own earned ${s}, sharing ${b}: the test shows nothing`);
    // The same burst with the server's limit configured as rateLimit: not one 429.
    const paced = key();
    const configured = { lib, name: `burst-paced-${paced}`, count: 15, path: `/rate/${paced}?limit=10&window=1000`, rateLimit: { requests: 10, perMs: 1000 } };
    const threePaced = await processes([configured, configured, configured]);
    for (const r of threePaced) assert.deepEqual(r.failed, []);
    assert.equal(await refused(paced), 0, "three processes sharing a configured rateLimit of the server's 10/s earned 429s");
  });
}

test("a learned rate is shared: 3 processes against a bare-429 window earn no more 429s than one process alone", { timeout: 120_000 }, async () => {
  // A fixed window of 10/s that refuses with a bare 429 (no rate-limit header, no Retry-After): adaptive pacing
  // learns the rate from the refusals. Two bursts 4 s apart; the second meets what the first taught.
  const run = async (jobs) => {
    const k = key();
    const results = await processes(jobs.map((job) => ({
      ...job, name: job.name && `${job.name}-${k}`,
      phases: [{ at: 0, count: job.count, path: `/rate/${k}?limit=10&window=1000&headers=0` }, { at: 4000, count: job.count, path: `/rate/${k}?limit=10&window=1000&headers=0` }],
    })));
    for (const r of results.flat()) assert.deepEqual(r.failed, []);
    return refused(k);
  };
  const one = await run([{ lib: "ioredis", count: 45 }]);
  const job = (lib) => ({ lib, name: "learn", count: 15 });
  const shared = await run([job("ioredis"), job("redis"), job("ioredis")]);
  const apart = await run([{ lib: "ioredis", count: 15 }, { lib: "redis", count: 15 }, { lib: "ioredis", count: 15 }]);
  console.log(`learned rate: 429s, one process of 45 twice: ${one}; three of 15 twice sharing Redis: ${shared}; on their own: ${apart}`);
  assert.ok(shared <= one, `three processes sharing Redis earned ${shared} 429s, one process alone ${one}`);
  assert.ok(apart > shared, `three processes on their own earned ${apart}, sharing ${shared}: the test shows nothing`);
});

test("the learned rate in Redis: a whole number per second that expires within a minute, no URL or credential; adaptive: false ignores it", { timeout: 60_000 }, async () => {
  const require = createRequire(join(root, "package.json"));
  const { Redis } = require("ioredis");
  const redis = new Redis({ port, host: "127.0.0.1" });
  const { redisQuota } = await import(join(app, "node_modules/polite-fetch/redis.js"));
  const { Client } = await import(join(app, "node_modules/polite-fetch/index.node.js"));
  try {
    const k = key();
    const name = `lr-${k}`;
    const client = new Client({ baseUrl: server, apiKey: "secret-key-123", retry: { maxRetries: 10, maxDelayMs: 2000 }, shareAcross: redisQuota(redis, name) });
    const path = `/rate/${k}?limit=10&window=1000&headers=0&q=private`;
    await Promise.all(Array.from({ length: 30 }, () => client.get(path)));
    const rate = Number(await redis.hget(`pf:{${name}}:lr`, "rate"));
    assert.ok(rate >= 4 && rate <= 10 && Number.isInteger(rate), `learned ${rate} per second against 10`);
    const ttl = await redis.pttl(`pf:{${name}}:lr`);
    assert.ok(ttl > 0 && ttl <= 60_000, `the learned rate expires in ${ttl} ms`);
    const keys = await redis.keys(`pf:{${name}}:*`);
    for (const stored of keys) {
      assert.ok((await redis.pttl(stored)) > 0, `${stored} never expires`);
      const type = await redis.type(stored);
      const text = JSON.stringify(type === "hash" ? await redis.hgetall(stored) : type === "zset" ? await redis.zrange(stored, 0, -1) : await redis.get(stored));
      assert.ok(!/secret-key|private|rate\//.test(stored + text), `${stored} holds ${text}`);
    }
    // A client with adaptive pacing off, on the same name: the learned rate does not hold it (12 at once go at once).
    const k2 = key();
    const plain = new Client({ baseUrl: server, adaptive: false, shareAcross: redisQuota(redis, name) });
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, () => plain.get(`/echo/${k2}`)));
    assert.ok(Date.now() - started < 900, `adaptive: false waited ${Date.now() - started} ms for a learned rate`);
    // And a learned rate written by some other program (not a number, or out of range) is ignored.
    for (const foreign of ["x", "0", "1e12"]) {
      const other = `lr-foreign-${key()}`;
      await redis.hset(`pf:{${other}}:lr`, { rate: foreign });
      const c = new Client({ baseUrl: server, shareAcross: redisQuota(redis, other) });
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 6 }, () => c.get(`/echo/${key()}`)));
      assert.ok(Date.now() - t0 < 900, `rate ${foreign}: held the requests ${Date.now() - t0} ms`);
    }
  } finally {
    await redis.quit();
  }
});

test("redis-server stopped mid-burst: every request still resolves; restarted, the quota is shared again", { timeout: 90_000 }, async () => {
  const [during, after] = [key(), key()];
  // A burst of 10 at 5/s each from an ioredis and a node-redis process; Redis goes away 800 ms in and comes back on
  // the same port 3 s later; 9 s in, a second burst against a server allowing 5/s: shared again, so no 429.
  const job = {
    lib: "ioredis", name: `down-${during}`, rateLimit: { requests: 5, perMs: 1000 },
    phases: [{ at: 0, count: 10, path: `/rate/${during}?limit=50&window=1000` }, { at: 9000, count: 6, path: `/rate/${after}?limit=5&window=1000` }],
  };
  const running = processes([job, { ...job, lib: "redis" }]);
  await sleep(1500 + 800);
  await stopRedis();
  await sleep(3000);
  await startRedis();
  const results = await running;
  for (const [first, second] of results) {
    assert.deepEqual([...first.failed, ...second.failed], []);
    assert.equal(first.ok + second.ok, 16);
  }
  assert.equal(await refused(after), 0, "after the restart the processes paced on their own (429s from the second burst)");
});

// Each client library as the victim once, the other as the survivor.
for (const [victimLib, survivorLib] of [["ioredis", "redis"], ["redis", "ioredis"]]) {
  test(`a process killed with SIGKILL holding turns (${victimLib}): the others (${survivorLib}) go on within a lease of it`, { timeout: 90_000 }, async () => {
    const k = key();
    const rateLimit = { requests: 2, perMs: 1000 };
    const startAt = Date.now() + 1500;
    // The victim takes both turns of the window with slow requests, and is killed while they are in flight.
    const victim = spawn(process.execPath, [join(app, "child.mjs"), JSON.stringify({ root, port, server, startAt, lib: victimLib, name: `kill-${k}`, rateLimit, count: 2, path: `/echo/${k}?delay=20000` })], { cwd: app, stdio: "ignore" });
    const survivor = processes([{ lib: survivorLib, name: `kill-${k}`, rateLimit, count: 2, path: `/echo/${k}-ok`, startAt: startAt + 500 }]);
    await sleep(1500 + 1000);
    victim.kill("SIGKILL");
    const killedAt = Date.now();
    const [r] = await survivor;
    const late = Date.now() - killedAt;
    assert.deepEqual(r.failed, []);
    // Its turns are freed when their lease (5 s) runs out, renewed last up to 1.5 s before the kill.
    assert.ok(late < 5000 + 1500 + 1500, `the survivor finished ${late} ms after the kill`);
    assert.ok(r.ms > 3000, `the survivor finished in ${r.ms} ms: the victim's turns were not held at all`);
  });
}

test("a browser bundle of the main entry holds none of polite-fetch/redis, lazy chunks included", () => {
  const out = mkdtempSync(join(tmpdir(), "polite-redis-bundle-"));
  try {
    execFileSync(join(root, "node_modules/.bin/esbuild"), [join(root, "pkg/index.browser.js"), "--bundle", "--format=esm", "--platform=browser",
      "--splitting", `--outdir=${out}`, "--external:*.wasm", "--log-level=error"]);
    const text = readdirSync(out).map((f) => readFileSync(join(out, f), "utf8")).join("\n");
    assert.ok(text.includes("joinShare"), "the bundle is not of the package");
    for (const word of ["redisQuota", "evalsha", "ZREMRANGEBYSCORE", "ioredis"]) assert.ok(!text.includes(word), `the browser bundle holds ${word}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("bad input: a clear TypeError for no client, one not connected, a name that is empty or not a string", async () => {
  const { redisQuota } = await import(join(app, "node_modules/polite-fetch/redis.js"));
  const { Client } = await import(join(app, "node_modules/polite-fetch/index.node.js"));
  const require = createRequire(join(root, "package.json"));
  const { Redis } = require("ioredis");
  const { createClient } = require("redis");
  const old = require("redis4");
  const lazy = new Redis({ port, lazyConnect: true });
  const unopened = createClient({ socket: { port } });
  const unopened4 = old.createClient({ socket: { port } });
  const connected4 = old.createClient({ socket: { port, host: "127.0.0.1" } });
  await connected4.connect();
  const connected = new Redis({ port, host: "127.0.0.1" });
  await new Promise((resolve) => connected.once("ready", resolve));
  try {
    for (const [what, f] of [
      ["no client", () => redisQuota()],
      ["not a client", () => redisQuota({}, "q")],
      ["a string", () => redisQuota("redis://127.0.0.1", "q")],
      ["ioredis not connected", () => redisQuota(lazy, "q")],
      ["node-redis not connected", () => redisQuota(unopened, "q")],
      ["node-redis 4 not connected", () => redisQuota(unopened4, "q")],
      ["an empty name", () => redisQuota(connected, "")],
      ["a number as name", () => redisQuota(connected, 5)],
    ]) {
      assert.throws(f, TypeError, what);
    }
    assert.doesNotThrow(() => redisQuota(connected4, "q"), "a connected node-redis 4 client");
    assert.throws(() => new Client({ baseUrl: server, shareAcross: 5 }), TypeError);
    assert.throws(() => new Client({ baseUrl: server, shareAcross: { join: 5 } }), TypeError);
    // Values some other program wrote under our prefix: ignored or deleted, never a crash, a failure or a wait.
    const far = String(Date.now() + 10 * 365 * 86_400_000);
    const foreign = [
      (n) => connected.set(`pf:{${n}}:cool`, "not a number"),
      (n) => connected.set(`pf:{${n}}:cool`, far),
      (n) => connected.hset(`pf:{${n}}:win`, { avail: "x", reset: "y" }),
      (n) => connected.hset(`pf:{${n}}:win`, { limit: "5", avail: "0", reset: far }),
      (n) => connected.set(`pf:{${n}}:win`, "a string where a hash belongs"),
      (n) => connected.set(`pf:{${n}}:fly`, "a string where a sorted set belongs"),
      (n) => connected.set(`pf:{${n}}:seq`, "abc"),
      (n) => connected.zadd(`pf:{${n}}:p:2:1000`, far, "x", far, "y"),
      (n) => connected.set(`pf:{${n}}:p:2:1000`, "a string"),
      // The learner's keys (a learned rate applies only to adaptive clients: these are checked in the test below).
      (n) => connected.set(`pf:{${n}}:lr`, "a string where a hash belongs"),
      (n) => connected.set(`pf:{${n}}:lw`, "a string where a sorted set belongs"),
    ];
    for (const write of foreign) {
      const name = `foreign-${key()}`;
      await write(name);
      const client = new Client({ baseUrl: server, rateLimit: { requests: 2, perMs: 1000 }, shareAcross: redisQuota(connected, name) });
      const started = Date.now();
      for (let i = 0; i < 2; i++) assert.equal((await client.get(`/echo/${key()}`)).method, "GET");
      assert.ok(Date.now() - started < 1000, `${write}: held the requests ${Date.now() - started} ms`);
      // And Redis decided (the turn numbers count in it): the foreign value did not send the process to its own limits.
      assert.ok(Number(await connected.get(`pf:{${name}}:seq`)) >= 2, `${write}: Redis was not used`);
    }
  } finally {
    lazy.disconnect();
    await connected.quit();
    await connected4.quit();
  }
});

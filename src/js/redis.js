// `polite-fetch/redis`: one quota across processes and machines, on Redis (`shareAcross: redisQuota(redis, name)`).
// A separate entry: the main entry never imports this file, so a browser bundle holds none of it.
//
// The shared state lives in Redis under `pf:{<name>}:` (one hash slot per name, for Redis Cluster) and changes only
// inside Lua scripts, loaded once and called by SHA (loaded again on NOSCRIPT), with Redis's own clock (TIME): a
// 429's cooldown, the server's window with every process's requests in flight counted against it, the configured
// pacing windows, a rate learned from every process's bare 429s, and a slow start while nothing is known. A turn is a lease of LEASE_MS, renewed while its request is
// in flight: a process killed while holding turns holds them a lease at most. Every key expires on its own.
// When Redis cannot be reached, a turn is decided by this process's own limiter (the SharedQuota the client hands
// over) and Redis is tried again later, with backoff; no request fails because of Redis, and nothing is logged.
import { namedQuota } from "./quota.js";

const LEASE_MS = 5000;
const RENEW_MS = 1500;
const CALL_TIMEOUT_MS = 1500;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30000;
const ANSWER_POLL_MS = 25; // waiting for an answer another process will get: how often to ask again
const MAX_POLL_MS = 1000; // a long wait is asked again this often (another process's answer may shorten it)

// Every script starts with Redis's clock and `read`: a key of another type, written by some other program, is
// deleted rather than failing every call.
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function read(command, key, ...)
  local reply = redis.pcall(command, key, ...)
  if type(reply) == 'table' and reply.err then
    redis.call('DEL', key)
    return nil
  end
  return reply
end
`;

// KEYS: cool, win, fly, seq, learned (hash), learned window, pacing windows...; ARGV: leaseMs, slowStart, adaptive
// (1/0: a learned rate applies), then per window: requests, perMs. Returns {0, ticket, rate}, {1, waitMs, rate}, or {2, 0, rate} (wait for an answer);
// `rate` is the learned requests per second, 0 when none is learned (absent on a cooldown).
const ACQUIRE = `${PRELUDE}
local lease = tonumber(ARGV[1])
read('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
-- What no script of ours writes (a cooldown or a window reset a day or more ahead) is not believed.
local cool = tonumber(read('GET', KEYS[1]))
if cool and cool > now + 86400000 then redis.call('DEL', KEYS[1]); cool = nil end
if cool and cool > now then return {1, cool - now} end
local flying = redis.call('ZCARD', KEYS[3])
local win = read('HMGET', KEYS[2], 'avail', 'reset') or {}
local avail, reset = tonumber(win[1]), tonumber(win[2])
if reset and reset > now + 86400000 then redis.call('DEL', KEYS[2]); reset = nil end
local rate = tonumber(read('HGET', KEYS[5], 'rate'))
if rate and not (rate >= 1 and rate <= 100000) then redis.call('DEL', KEYS[5]); rate = nil end
local learned = false
if avail and reset and reset > now then
  if avail - flying < 1 then return {1, reset - now, rate or 0} end
elseif rate and ARGV[3] == '1' then
  -- A learned rate (the server describes no window): that many requests a second, each holding its place from
  -- its sending until a second after its answer.
  learned = true
  read('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '(' .. (now + 1000 + 2 * lease), '+inf')
  if redis.call('ZCARD', KEYS[6]) >= rate then
    local first = redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')
    return {1, math.max(1, tonumber(first[2]) - now), rate}
  end
elseif flying >= tonumber(ARGV[2]) then
  return {2, 0, 0}
end
for i = 7, #KEYS do
  local requests, per = tonumber(ARGV[2 * (i - 6) + 2]), tonumber(ARGV[2 * (i - 6) + 3])
  read('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '(' .. (now + per + 2 * lease), '+inf')
  if redis.call('ZCARD', KEYS[i]) >= requests then
    local first = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return {1, math.max(1, tonumber(first[2]) - now), rate or 0}
  end
end
local ticket = redis.pcall('INCR', KEYS[4])
if type(ticket) == 'table' and ticket.err then
  redis.call('DEL', KEYS[4])
  ticket = redis.call('INCR', KEYS[4])
end
redis.call('PEXPIRE', KEYS[4], 86400000)
redis.call('ZADD', KEYS[3], now + lease, ticket)
redis.call('PEXPIRE', KEYS[3], lease * 2)
if learned then
  redis.call('ZADD', KEYS[6], now + lease, ticket)
  redis.call('PEXPIRE', KEYS[6], 1000 + lease * 2)
end
for i = 7, #KEYS do
  redis.call('ZADD', KEYS[i], now + lease, ticket)
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * (i - 6) + 3]) + lease * 2)
end
return {0, ticket, rate or 0}
`;

// KEYS: win, fly, learned (hash), good answers, refusals, learned window, pacing windows...; ARGV: ticket, status
// (-1 never sent, 0 no answer), told (1/0), limit, remaining, resetAfterMs, leaseMs, adaptive (1/0: learn from
// this answer), then the perMs of each window from the learned one (1000) on. Returns the window as {limit, avail, resetInMs} (empty when none).
//
// The learner, for every process's answers while the server describes no window (as the engine's adaptive pacing,
// core/limiter.rs, in its simplest form): a refusal when at least 4 good answers came in the last second, and either
// the second's refusals outnumber them, or at least 4 of them came before the second's first refused request (by
// turn or by arrival: see below) and, of the answers since, at least 4 were refusals and more than twice as many as
// were let through: the second's good answers are the rate. Refused again although paced: the rate × 0.8, at most
// once a second. A minute without refusal forgets it.
const RELEASE = `${PRELUDE}
local ticket = ARGV[1]
local status = tonumber(ARGV[2]) or 0
local lease = tonumber(ARGV[7])
local paced = read('ZSCORE', KEYS[6], ticket)
redis.call('ZREM', KEYS[2], ticket)
for i = 6, #KEYS do
  if status >= 0 then
    redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[i + 3]), ticket)
  else
    redis.call('ZREM', KEYS[i], ticket)
  end
end
if ARGV[8] == '1' and ARGV[3] ~= '1' and status > 0 and status < 500 then
  read('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 1000)
  read('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - 1000)
  local st = read('HMGET', KEYS[3], 'rate', 'cut') or {}
  local rate, cut = tonumber(st[1]), tonumber(st[2])
  if status ~= 429 then
    redis.call('ZADD', KEYS[4], now, ticket)
    redis.call('PEXPIRE', KEYS[4], 2000)
  else
    redis.call('ZADD', KEYS[5], now, ticket)
    redis.call('PEXPIRE', KEYS[5], 2000)
    if rate and rate >= 1 and rate <= 100000 then
      if paced and not (cut and cut <= now and now - cut < 1000) then
        redis.call('HSET', KEYS[3], 'rate', math.max(1, math.floor(rate * 0.8)), 'cut', now)
      end
    else
      -- The server began refusing with the second's first refused request by sending order (tickets count up as
      -- requests go). What was let through since: good answers to requests sent after it that came after its refusal.
      -- Both orders, since processes interleave: a process's first request can leave late and be refused after
      -- later tickets of other processes were let through.
      local first, refusedAt = math.huge, now
      local refusals = redis.call('ZRANGE', KEYS[5], 0, -1, 'WITHSCORES')
      for j = 1, #refusals, 2 do
        local t = tonumber(refusals[j]) or math.huge
        if t < first then first, refusedAt = t, tonumber(refusals[j + 1]) end
      end
      local since = 0
      local goods = redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
      for j = 1, #goods, 2 do
        if (tonumber(goods[j]) or 0) > first and tonumber(goods[j + 1]) >= refusedAt then since = since + 1 end
      end
      local good, refused = redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])
      if good >= 4 and (refused > good or (good - since >= 4 and refused >= 4 and refused > 2 * since)) then
        redis.call('HSET', KEYS[3], 'rate', good, 'cut', now)
        -- The second's good answers hold their places in the learned window, as paced requests would.
        local recent = redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
        for j = 1, #recent, 2 do redis.call('ZADD', KEYS[6], 'NX', tonumber(recent[j + 1]) + 1000, recent[j]) end
        redis.call('PEXPIRE', KEYS[6], 1000 + lease * 2)
      end
    end
    redis.call('PEXPIRE', KEYS[3], 60000)
  end
end
if ARGV[3] == '1' then
  local limit, remaining, after = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
  local reset = now + after
  local old = read('HMGET', KEYS[1], 'avail', 'reset') or {}
  local same = tonumber(old[1]) and tonumber(old[2]) and math.abs(tonumber(old[2]) - reset) < 1000
  -- Within one window the lower count is the later truth; a higher one is older news.
  if not (same and tonumber(old[1]) <= remaining) then
    redis.call('HSET', KEYS[1], 'limit', limit, 'avail', remaining, 'reset', reset)
  end
  redis.call('PEXPIRE', KEYS[1], math.max(1, after) + 1000)
end
local win = read('HMGET', KEYS[1], 'limit', 'avail', 'reset') or {}
if not (tonumber(win[1]) and tonumber(win[2]) and tonumber(win[3])) then return {} end
return {tonumber(win[1]), tonumber(win[2]), tonumber(win[3]) - now}
`;

// KEYS: cool; ARGV: delayMs. The longest cooldown wins.
const COOL = `${PRELUDE}
local untilMs = now + tonumber(ARGV[1])
local reply = redis.pcall('GET', KEYS[1])
local current = type(reply) == 'string' and tonumber(reply) or 0
if untilMs > current or current > now + 86400000 then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[1], untilMs, 'PX', math.max(1, tonumber(ARGV[1])))
end
return 1
`;

// KEYS: fly, pacing windows...; ARGV: leaseMs, tickets... Extends the leases of requests still in flight.
const RENEW = `${PRELUDE}
local lease = tonumber(ARGV[1])
for j = 2, #ARGV do
  if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[j]) == 1 then
    for i = 2, #KEYS do redis.call('ZADD', KEYS[i], 'XX', now + lease, ARGV[j]) end
  end
end
redis.call('PEXPIRE', KEYS[1], lease * 2)
return 1
`;

const SCRIPTS = { ACQUIRE, RELEASE, COOL, RENEW };

/** The calls this module makes, for an ioredis client or a node-redis (v4 or later) one; undefined for neither. */
function adapter(redis) {
  if (typeof redis.evalsha === "function" && typeof redis.script === "function" && typeof redis.status === "string") {
    return {
      connected: () => redis.status !== "wait" && redis.status !== "end",
      load: (source) => redis.script("LOAD", source),
      run: (sha, keys, args) => redis.evalsha(sha, keys.length, ...keys, ...args),
    };
  }
  if (typeof redis.evalSha === "function" && typeof redis.scriptLoad === "function" && typeof redis.isOpen === "boolean") {
    return {
      connected: () => redis.isOpen,
      load: (source) => redis.scriptLoad(source),
      run: (sha, keys, args) => redis.evalSha(sha, { keys, arguments: args }),
    };
  }
  return undefined;
}

/** `promise`, or a rejection after `ms` (its own later rejection is dropped: nothing reaches the process). */
function within(promise, ms) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("redis: no answer in time")), ms);
  });
  Promise.resolve(promise).catch(() => {});
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const unref = (timer) => {
  if (timer && typeof timer === "object" && timer.unref) timer.unref();
  return timer;
};

/**
 * A quota shared through Redis by every client, in any process, given `redisQuota(redis, name)` with the same Redis
 * and name. `redis` is a connected ioredis or node-redis client. Throws a TypeError for anything else.
 */
export function redisQuota(redis, name) {
  const calls = redis && typeof redis === "object" ? adapter(redis) : undefined;
  if (!calls) throw new TypeError("redisQuota: the first argument must be an ioredis or node-redis client");
  if (!calls.connected()) throw new TypeError("redisQuota: the Redis client is not connected (call connect() first)");
  if (typeof name !== "string" || !name || name.length > 200) throw new TypeError("redisQuota: name must be a non-empty string");
  return { join: (quota, windows, adaptive) => new RedisShare(calls, name, quota, windows, adaptive !== false) };
}

class RedisShare {
  constructor(calls, name, quota, windows, adaptive) {
    this.calls = calls;
    this.quota = namedQuota(quota); // this process's own limiter, deciding while Redis cannot be reached
    this.prefix = `pf:{${name}}:`;
    this.windows = [];
    for (let i = 0; i + 1 < windows.length; i += 2) this.windows.push([windows[i], windows[i + 1]]);
    this.pacingKeys = this.windows.map(([requests, perMs]) => `${this.prefix}p:${requests}:${perMs}`);
    // The learned rate's state and window, and the last second's good answers and refusals it learns from.
    this.learned = [this.prefix + "lr", this.prefix + "lw"];
    // Adaptive pacing as the engine's: on unless turned off or a rateLimit is configured.
    this.adaptive = adaptive && !this.windows.length ? 1 : 0;
    this.shas = undefined; // script name -> SHA, once loaded
    this.downUntil = 0; // while Redis is out of reach, the local limiter decides until then
    this.backoffMs = RETRY_MIN_MS;
    this.asks = []; // waiting asks, higher priority first: { priority, settle, maxWaitMs, onWait, event, told }
    this.pumping = false;
    this.held = new Set(); // tickets of Redis turns in flight, renewed while held
    this.renewTimer = undefined;
    this.state = null;
    this.learnedRate = undefined;
    // The scripts are loaded at once, not by the first request (a slow first load sent a process to its own limits).
    this.loading = this.loadScripts().catch(() => {});
  }

  async loadScripts() {
    const shas = {};
    for (const [key, source] of Object.entries(SCRIPTS)) shas[key] = await within(this.calls.load(source), CALL_TIMEOUT_MS);
    this.shas = shas;
  }

  /** Runs script `name`, loading the scripts first and again when Redis forgot them (NOSCRIPT). */
  async script(name, keys, args) {
    const strings = args.map(String);
    for (let attempt = 0; ; attempt++) {
      await this.loading;
      if (!this.shas) await this.loadScripts();
      try {
        return await within(this.calls.run(this.shas[name], keys, strings), CALL_TIMEOUT_MS);
      } catch (error) {
        if (attempt === 0 && /NOSCRIPT/.test(String(error && error.message))) {
          this.shas = undefined;
          continue;
        }
        throw error;
      }
    }
  }

  /** Redis failed: decide locally for a while, then try again (the wait doubles while it keeps failing). */
  wentDown() {
    this.downUntil = Date.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RETRY_MAX_MS);
    this.shas = undefined;
  }

  /** See the engine's `Share.acquire` (src/wasm/share.rs): a grant, or `{ waitMs }` past `maxWaitMs`. */
  acquire(maxWaitMs, signal, gate, priority, onWait, event) {
    return new Promise((resolve, reject) => {
      if (signal && signal.aborted) return reject(signal.reason);
      if (gate && gate.failed) return reject(gate.reason);
      const ask = { priority: priority || 0, maxWaitMs, onWait, event, told: false };
      const done = () => {
        const i = this.asks.indexOf(ask);
        if (i >= 0) this.asks.splice(i, 1);
        if (signal) signal.removeEventListener("abort", onAbort);
        if (gate) gate.delete(onFail);
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const onFail = (failed) => {
        if (!failed) return;
        done();
        reject(gate.reason);
      };
      ask.settle = (turn) => {
        done();
        resolve(turn);
      };
      if (signal) signal.addEventListener("abort", onAbort);
      if (gate) gate.add(onFail);
      let at = this.asks.length;
      while (at > 0 && this.asks[at - 1].priority < ask.priority) at--;
      this.asks.splice(at, 0, ask);
      this.pump();
    });
  }

  /** Hands out turns to the waiting asks, first in line first, one decision at a time. */
  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.asks.length) {
        const ask = this.asks[0];
        const [kind, value] = await this.decide();
        if (!this.asks.includes(ask)) {
          if (kind === 0) this.release(value, -1, NaN, NaN, NaN); // aborted meanwhile: the turn goes back
          continue;
        }
        if (kind === 0) {
          ask.settle(value);
          continue;
        }
        const waitMs = kind === 1 ? value : NaN;
        if (waitMs > ask.maxWaitMs) {
          ask.settle({ waitMs });
          continue;
        }
        for (const waiting of this.asks) {
          if (waiting.told || !waiting.onWait) continue;
          waiting.told = true;
          waiting.event.delayMs = waiting === ask && waitMs >= 0 ? waitMs : undefined;
          try {
            waiting.onWait(waiting.event);
          } catch {}
        }
        // Not unref'd: a request waiting for its turn keeps the process alive, as any wait of the client does.
        await new Promise((resolve) => setTimeout(resolve, kind === 1 ? Math.min(Math.max(waitMs, 1), MAX_POLL_MS) : ANSWER_POLL_MS));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** One decision: `[0, grant]`, `[1, waitMs]` or `[2]` (until an answer), from Redis or, while it is down, locally. */
  async decide() {
    if (Date.now() >= this.downUntil) {
      try {
        const keys = [this.prefix + "cool", this.prefix + "win", this.prefix + "fly", this.prefix + "seq", ...this.learned, ...this.pacingKeys];
        const args = [LEASE_MS, 8, this.adaptive, ...this.windows.flat()];
        const [kind, value, rate] = await this.script("ACQUIRE", keys, args);
        this.backoffMs = RETRY_MIN_MS;
        if (rate !== undefined) this.learnedRate = Number(rate) > 0 ? Number(rate) : undefined;
        if (Number(kind) !== 0) return [Number(kind), Number(value)];
        const ticket = String(value);
        this.held.add(ticket);
        this.renewSoon();
        return [0, { ticket, epoch: "redis" }];
      } catch {
        this.wentDown();
      }
    }
    const decision = this.quota.admit(Date.now());
    if (decision >= 0) return [0, { ticket: decision, epoch: "local" }];
    return decision === -Infinity ? [2] : [1, -decision - Date.now()];
  }

  renewSoon() {
    if (this.renewTimer || !this.held.size) return;
    this.renewTimer = unref(setTimeout(() => {
      this.renewTimer = undefined;
      if (!this.held.size) return;
      this.script("RENEW", [this.prefix + "fly", this.learned[1], ...this.pacingKeys], [LEASE_MS, ...this.held]).catch(() => this.wentDown());
      this.renewSoon();
    }, RENEW_MS));
  }

  /** See the engine's `Share.release`: status -1 never sent, 0 no answer; `remaining` NaN when nothing was told. */
  release(grant, status, limit, remaining, resetAt) {
    if (grant.epoch === "local") {
      if (status < 0) this.quota.cancel(grant.ticket);
      else this.quota.finish(grant.ticket, Date.now(), status, limit, remaining, resetAt);
      this.learnedRate = this.quota.learnedRate();
      if (this.asks.length) this.pump();
      return;
    }
    this.held.delete(grant.ticket);
    const told = !Number.isNaN(remaining) && !Number.isNaN(resetAt);
    const args = [grant.ticket, status, told ? 1 : 0, told ? (Number.isNaN(limit) ? remaining : limit) : 0, told ? remaining : 0,
      told ? Math.max(0, Math.round(resetAt - Date.now())) : 0, LEASE_MS, this.adaptive, 1000, ...this.windows.map(([, perMs]) => perMs)];
    const [lr, lw] = this.learned;
    const keys = [this.prefix + "win", this.prefix + "fly", lr, this.prefix + "ok", this.prefix + "no", lw, ...this.pacingKeys];
    this.script("RELEASE", keys, args).then((win) => {
      if (win && win.length === 3) {
        const now = Date.now();
        this.state = { limit: Number(win[0]), remaining: Math.max(0, Number(win[1])), resetAt: now + Number(win[2]), observedAt: now };
      }
    }, () => this.wentDown());
  }

  /** Holds every process's requests until `until` (this process's clock; Redis gets the delay). */
  coolDown(until) {
    const delayMs = Math.max(1, Math.round(until - Date.now()));
    this.quota.coolDown(until);
    this.script("COOL", [this.prefix + "cool"], [delayMs]).catch(() => this.wentDown());
  }
}

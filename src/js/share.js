// One quota across tabs and workers of an origin (`shareAcross`). Every realm that joins a share holds two Web
// Locks: its member lock for its whole life, and (one realm at a time) the leader lock. The leader decides every
// turn with its SharedQuota (the Rust limiter); the others ask it over a BroadcastChannel. So two tabs never both
// spend the last request: only the leader hands out turns. When a member's realm goes away (a tab closes), its
// member lock is released and the leader finishes what it held; when the leader goes, the next realm in the lock's
// queue leads, starting from the window and cooldown the old one announced, and members ask it again for the turns
// they still wait for.
import { namedQuota } from "./quota.js";

const MAX_TIMER_MS = 2147483647;
const COOLDOWN_GRACE_MS = 20;
const NUDGE_MS = 250;

const num = (v) => (typeof v === "number" ? v : NaN);
const str = (v) => (typeof v === "string" && v.length <= 64 ? v : undefined);

/**
 * A message from another realm, cut down to the fields the protocol has, each of its type. A realm of another
 * version, or a broken one, may post anything structured clone carries (BigInts, objects nested thousands deep):
 * nothing of it is walked, kept or shown to the app (`client.rateLimit`) beyond these flat values.
 */
function readMessage(m) {
  if (!m || typeof m !== "object" || typeof m.t !== "string") return undefined;
  const s = m.state && typeof m.state === "object" ? m.state : undefined;
  return {
    t: m.t, member: str(m.member), epoch: str(m.epoch), id: num(m.id), ticket: num(m.ticket), maxWaitMs: num(m.maxWaitMs),
    priority: num(m.priority),
    waitMs: num(m.waitMs), until: num(m.until), status: num(m.status), limit: num(m.limit), remaining: num(m.remaining),
    resetAt: num(m.resetAt), learnedRate: typeof m.learnedRate === "number" ? m.learnedRate : undefined,
    state: s && { limit: num(s.limit), remaining: num(s.remaining), resetAt: typeof s.resetAt === "number" ? s.resetAt : undefined,
      observedAt: num(s.observedAt), ...(s.learned === true ? { learned: true } : {}) },
  };
}

const newId = () => Math.random().toString(36).slice(2) + Date.now().toString(36);

/** A new member of the share `key` deciding with `quota` when it leads (lazy-share.js keeps one per key). */
export function createShare(key, quota) {
  return new Share(key, quota);
}

class Share {
  constructor(key, quota) {
    this.name = "polite-fetch:" + key;
    this.quota = namedQuota(quota);
    this.member = newId();
    this.epoch = undefined; // set while this realm leads: grants of another epoch are stale
    this.queue = []; // leader: asks waiting for a turn, { member, id, maxWaitMs, priority }, higher priority first
    this.waitMs = NaN; // leader: how long the first ask waits, as the last pump found (NaN: unknown)
    this.granted = new Map(); // leader: member -> tickets it holds
    this.watched = new Set(); // leader: members whose departure is watched
    this.asks = new Map(); // this realm's asks without a turn yet: id -> { maxWaitMs, priority, settle, waiting }
    this.nextAsk = 0;
    this.timer = undefined;
    this.graceUntil = 0; // leader: no turns until then (a member's 429 whose cooldown is on its way)
    this.state = null;
    this.learnedRate = undefined;
    this.cooldownUntil = 0; // the latest cooldown any member announced
    this.nudgeTimer = undefined;
    this.channel = new BroadcastChannel(this.name);
    this.channel.onmessage = (event) => {
      const m = readMessage(event.data);
      if (m) this.receive(m);
    };
    const forever = () => new Promise(() => {});
    // Asks go out only once the member lock is held: the leader watches that lock as soon as an ask arrives, and
    // must not get it first (it would take this realm for gone).
    this.joined = false;
    navigator.locks.request(this.name + ":member:" + this.member, () => {
      this.joined = true;
      this.resendAsks();
      return forever();
    });
    navigator.locks.request(this.name + ":leader", () => {
      this.lead();
      return forever();
    });
  }

  /**
   * Waits for a turn, among this share's asks by `priority` (higher first): resolves `{ ticket, epoch }`, or
   * `{ waitMs }` when it is further than `maxWaitMs`. Rejects with `signal.reason` on abort, with the gate's reason
   * when `fail(gate)` is called (`client.clear`). When the turn is not granted at once, `onWait(event)` is called
   * once with `event.delayMs` set (a throwing listener is ignored).
   */
  acquire(maxWaitMs, signal, gate, priority, onWait, event) {
    return new Promise((resolve, reject) => {
      if (signal && signal.aborted) return reject(signal.reason);
      if (gate && gate.failed) return reject(gate.reason);
      const id = this.nextAsk++;
      const done = () => {
        if (signal) signal.removeEventListener("abort", onAbort);
        if (gate) gate.delete(onFail);
        this.asks.delete(id);
      };
      const giveUp = (reason) => {
        done();
        if (this.epoch) this.queue = this.queue.filter((a) => a.member !== this.member || a.id !== id);
        else this.channel.postMessage({ t: "drop", member: this.member, id });
        reject(reason);
      };
      const onAbort = () => giveUp(signal.reason);
      const onFail = (failed) => failed && giveUp(gate.reason);
      const settle = (turn) => {
        done();
        resolve(turn);
      };
      const waiting = onWait && ((waitMs) => {
        event.delayMs = waitMs >= 0 && waitMs < Infinity ? waitMs : undefined;
        try {
          onWait(event);
        } catch {}
      });
      if (signal) signal.addEventListener("abort", onAbort);
      if (gate) gate.add(onFail);
      this.asks.set(id, { maxWaitMs, priority, settle, waiting });
      this.ask(id, maxWaitMs, priority);
    });
  }

  /** Calls the `onWait` of this realm's ask `id`, the first time it is told to wait. */
  tellWait(id, waitMs) {
    const ask = this.asks.get(id);
    const waiting = ask && ask.waiting;
    if (!waiting) return;
    ask.waiting = undefined;
    waiting(waitMs);
  }

  /** Leader: an ask just queued that the pump did not grant waits; its realm is told (with the wait if first). */
  toldToWait(ask) {
    if (ask.done) return;
    const waitMs = this.queue[0] === ask ? this.waitMs : NaN;
    if (ask.member === this.member) this.tellWait(ask.id, waitMs);
    else this.channel.postMessage({ t: "wait", member: ask.member, id: ask.id, waitMs });
  }

  /** Leader: queues `ask` behind every ask of its priority or higher (a binary search; arrival order breaks ties). */
  enqueue(ask) {
    if (typeof ask.priority !== "number" || ask.priority !== ask.priority) ask.priority = 0; // another realm's NaN
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.queue[mid].priority >= ask.priority) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, ask);
    return ask;
  }

  /** Reports the answer to a turn (status -1: never sent; 0: no answer). */
  release(turn, status, limit, remaining, resetAt) {
    const done = { t: "done", member: this.member, epoch: turn.epoch, ticket: turn.ticket, status, limit, remaining, resetAt };
    if (this.epoch) this.receive(done);
    else this.channel.postMessage(done);
  }

  /** Holds the whole share until `until` (ms since epoch). */
  coolDown(until) {
    this.cooldownUntil = Math.max(this.cooldownUntil, until);
    if (this.epoch) this.receive({ t: "cool", until });
    else this.channel.postMessage({ t: "cool", until });
  }

  ask(id, maxWaitMs, priority) {
    if (this.epoch) {
      const ask = this.enqueue({ member: this.member, id, maxWaitMs, priority });
      this.pump();
      this.toldToWait(ask);
    } else if (this.joined) {
      this.channel.postMessage({ t: "ask", member: this.member, id, maxWaitMs, priority });
      if (this.nudgeTimer === undefined) this.nudge();
    }
  }

  /** Sends every ask still without a turn (to a new leader, or once this realm has joined). */
  resendAsks() {
    if (this.epoch || !this.joined) return;
    for (const [id, ask] of this.asks) this.channel.postMessage({ t: "ask", member: this.member, id, maxWaitMs: ask.maxWaitMs, priority: ask.priority });
    this.nudge();
  }

  /**
   * While this realm waits for turns, it nudges the leader every NUDGE_MS. The leader may be a hidden tab, whose
   * timers a browser slows to once a second or less; a message still reaches it at once, and makes it hand out
   * the turns that have come due.
   */
  nudge() {
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = undefined;
    if (!this.asks.size || this.epoch) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      if (!this.asks.size || this.epoch) return;
      this.channel.postMessage({ t: "nudge" });
      this.nudge();
    }, NUDGE_MS);
  }

  lead() {
    this.epoch = newId();
    // What the previous leader told everyone: its cooldown and the server's window carry over.
    const s = this.state;
    if (s && !s.learned && Number.isFinite(s.remaining)) this.quota.assume(Date.now(), s.limit, s.remaining, s.resetAt ?? NaN, s.observedAt);
    if (this.cooldownUntil > Date.now()) this.quota.coolDown(this.cooldownUntil);
    for (const [id, ask] of this.asks) this.enqueue({ member: this.member, id, maxWaitMs: ask.maxWaitMs, priority: ask.priority });
    this.channel.postMessage({ t: "leader" });
    this.pump();
  }

  receive(m) {
    if (!m || typeof m !== "object") return;
    const mine = m.member === this.member;
    switch (m.t) {
      // Answers to this realm's asks, from the leader.
      case "grant":
        if (mine) {
          const ask = this.asks.get(m.id);
          if (ask) ask.settle({ ticket: m.ticket, epoch: m.epoch });
          else this.release({ ticket: m.ticket, epoch: m.epoch }, -1, NaN, NaN, NaN); // aborted meanwhile
        }
        return;
      case "refuse":
        if (mine) this.asks.get(m.id)?.settle({ waitMs: m.waitMs });
        return;
      case "wait":
        if (mine) this.tellWait(m.id, m.waitMs);
        return;
      case "leader":
        this.resendAsks(); // a new leader knows nothing of the asks sent to the old one
        return;
      case "state":
        this.state = m.state ?? null;
        this.learnedRate = m.learnedRate;
        return;
      case "cool":
        this.cooldownUntil = Math.max(this.cooldownUntil, m.until); // remembered in case this realm leads next
        break;
    }
    if (!this.epoch) return;
    // The leader's part.
    switch (m.t) {
      case "ask": {
        if (this.queue.some((a) => a.member === m.member && a.id === m.id)) return;
        this.watch(m.member);
        const ask = this.enqueue({ member: m.member, id: m.id, maxWaitMs: m.maxWaitMs, priority: m.priority });
        this.pump();
        this.toldToWait(ask);
        return;
      }
      case "nudge":
        break; // see `nudge`: only pump
      case "drop":
        this.queue = this.queue.filter((a) => a.member !== m.member || a.id !== m.id);
        return;
      case "cool":
        this.quota.coolDown(m.until);
        this.graceUntil = 0;
        break;
      case "done":
        if (m.epoch !== this.epoch) return; // granted by a leader that is gone
        this.granted.get(m.member)?.delete(m.ticket);
        if (m.status < 0) this.quota.cancel(m.ticket);
        else this.quota.finish(m.ticket, Date.now(), m.status, m.limit, m.remaining, m.resetAt);
        this.publish();
        // A 429's cooldown follows in the member's next message: hand out no turn before it arrives (or until
        // shortly after, when the caller does not retry and none comes).
        if (m.status === 429) this.graceUntil = Date.now() + COOLDOWN_GRACE_MS;
        break;
      default:
        return;
    }
    this.pump();
  }

  /** Leader: hands out turns while the quota allows, then waits for an answer or for the time it names. */
  pump() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const holdMs = this.graceUntil - Date.now();
    if (holdMs > 0) {
      this.waitMs = holdMs;
      this.timer = setTimeout(() => this.pump(), holdMs);
      return;
    }
    while (this.queue.length) {
      const now = Date.now();
      const decision = this.quota.admit(now);
      if (decision >= 0) {
        this.grant(this.queue.shift(), decision);
        continue;
      }
      if (decision === -Infinity) {
        this.waitMs = NaN;
        return; // an answer pumps again
      }
      const waitMs = -decision - now;
      const head = this.queue[0];
      if (waitMs > head.maxWaitMs) {
        this.queue.shift();
        head.done = true;
        if (head.member === this.member) this.asks.get(head.id)?.settle({ waitMs });
        else this.channel.postMessage({ t: "refuse", member: head.member, id: head.id, waitMs });
        continue;
      }
      this.waitMs = waitMs;
      this.timer = setTimeout(() => this.pump(), Math.min(waitMs, MAX_TIMER_MS));
      return;
    }
  }

  grant(ask, ticket) {
    ask.done = true;
    if (ask.member === this.member) {
      const own = this.asks.get(ask.id);
      if (own) own.settle({ ticket, epoch: this.epoch });
      else this.quota.cancel(ticket);
      return;
    }
    if (!this.granted.has(ask.member)) this.granted.set(ask.member, new Set());
    this.granted.get(ask.member).add(ticket);
    this.channel.postMessage({ t: "grant", member: ask.member, id: ask.id, ticket, epoch: this.epoch });
  }

  /** Leader: tells every member the share's rate-limit state, for `client.rateLimit`. */
  publish() {
    this.state = this.quota.state();
    this.learnedRate = this.quota.learnedRate();
    this.channel.postMessage({ t: "state", state: this.state, learnedRate: this.learnedRate });
  }

  /** Leader: when `member`'s realm goes away (its lock is released), what it held is finished and its asks go. */
  watch(member) {
    if (member === this.member || this.watched.has(member)) return;
    this.watched.add(member);
    navigator.locks.request(this.name + ":member:" + member, () => {
      this.watched.delete(member);
      for (const ticket of this.granted.get(member) ?? []) this.quota.finish(ticket, Date.now(), 0, NaN, NaN, NaN);
      this.granted.delete(member);
      this.queue = this.queue.filter((a) => a.member !== member);
      this.pump();
    });
  }
}

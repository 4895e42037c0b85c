// The limiter the wasm core hands to a share (`SharedQuota`: the tabs' leader decides with it, and a Redis quota
// while Redis cannot be reached), under the names share.js and redis.js call it by. The core exports one
// numbered operation (`act`) instead of six methods: each export costs the main entry glue, and only these two
// modules, neither of them in the main entry's eager download, call it.

/** `quota` with named methods; see `SharedQuota::act` in src/wasm/share.rs for what each does. */
export function namedQuota(quota) {
  return {
    admit: (now) => quota.act(0, now),
    finish: (ticket, now, status, limit, remaining, resetAt) => quota.act(1, ticket, now, status, limit, remaining, resetAt),
    assume: (now, limit, remaining, resetAt, observedAt) => quota.act(2, now, limit, remaining, resetAt, observedAt),
    cancel: (ticket) => quota.act(3, ticket),
    coolDown: (until) => quota.act(4, until),
    learnedRate() {
      const rate = quota.act(5);
      return Number.isNaN(rate) ? undefined : rate;
    },
    state: () => quota.state(),
  };
}

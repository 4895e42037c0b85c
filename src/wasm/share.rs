//! One quota across tabs and workers (`shareAcross`). `js/share.js` elects one leader per share with Web Locks and
//! carries asks, grants and answers over a BroadcastChannel; the leader decides with a core [`Limiter`], handed to
//! JS as a `SharedQuota`. A runtime without BroadcastChannel or Web Locks gets no share: the client keeps its own.

use crate::wasm::js::{Array, Promise};
use wasm_bindgen::prelude::*;

use crate::core::headers::RateLimitState;
use crate::core::limiter::{Admission, Limiter, Ticket};

/// The shared limiter of one share, used by the realm that leads it. JS holds it by a handle (js/lazy-share.js
/// wraps it for share.js and redis.js) and calls [`quota`] with it.
pub struct SharedQuota {
    limiter: Limiter,
}

impl SharedQuota {
    /// A quota deciding with `limiter` (the leading client's pacing and adaptive settings).
    pub fn new(limiter: Limiter) -> SharedQuota {
        SharedQuota { limiter: limiter.checking_tickets() }
    }

    /// Hands the quota to JS: the handle [`quota`] takes, until its operation 6 frees it.
    #[inline(never)]
    pub fn into_handle(self) -> i32 {
        Box::into_raw(Box::new(self)) as i32
    }
}

/// The one export a `SharedQuota` is used through (js/lazy-share.js gives it `act` and `state`): operation `op` of
/// [`SharedQuota::act`] on the quota of `handle`; 6 frees the quota, 7 is its state (see [`SharedQuota::state`]).
/// A plain function over a handle instead of a wasm-bindgen class: no class glue, no borrow flags, no
/// finalizer of wasm-bindgen's (lazy-share.js registers its own).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)] // an operation's six operands, by position: one export for seven operations
pub fn quota(handle: u32, op: u8, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) -> JsValue {
    let ptr = handle as *mut SharedQuota;
    if ptr.is_null() {
        return JsValue::UNDEFINED;
    }
    if op == 6 {
        // SAFETY: the handle is `into_handle`'s, and lazy-share.js frees each handle once (and uses it no more).
        drop(unsafe { Box::from_raw(ptr) });
        return JsValue::UNDEFINED;
    }
    // SAFETY: as above, the quota is alive; nothing here calls code that could reach this quota again while the
    // reference lives (the limiter is plain Rust; `state` builds a plain object).
    let quota = unsafe { &mut *ptr };
    if op == 7 { quota.state() } else { quota.act(op, a, b, c, d, e, f).into() }
}

impl SharedQuota {
    /// One operation on the limiter, by number (js/quota.js names them; one export instead of six):
    /// 0 admit at `a`: a ticket (≥ 0) to send now, `-at` to ask again at `at` (ms since epoch), or `-Infinity` to
    ///   ask again when an answer arrives;
    /// 1 finish ticket `a` at `b` with status `c` (0: no answer), `d` limit, `e` remaining, `f` reset (see
    ///   [`SharedQuota::finish`]);
    /// 2 assume at `a` the window `b` limit, `c` remaining, `d` reset, `e` observed at, that the previous leader
    ///   published, when this realm starts leading; 3 cancel ticket `a`, never sent; 4 cool down until `a` (a
    ///   429's wait); 5 the rate adaptive pacing learned per second, NaN when none. Every other answer is NaN.
    #[allow(clippy::too_many_arguments)] // as `quota`'s
    fn act(&mut self, op: u8, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) -> f64 {
        let limiter = &mut self.limiter;
        match op {
            0 => {
                return match limiter.admit(a) {
                    Admission::Go(ticket) => ticket.as_f64(),
                    Admission::WaitUntil(at) => -at.max(f64::MIN_POSITIVE),
                    Admission::WaitForAnswer => f64::NEG_INFINITY,
                }
            }
            1 => self.finish(a, b, c as u16, d, e, f),
            2 => limiter.assume_window(RateLimitState { limit: b, remaining: c, reset_at: (!d.is_nan()).then_some(d), observed_at: e, learned: false }, a),
            3 => limiter.cancel(Ticket::from_f64(a)),
            4 => limiter.cool_down(a),
            5 => return limiter.learned_rate_per_s().unwrap_or(f64::NAN),
            _ => {}
        }
        f64::NAN
    }

    /// The share's rate-limit state, as `client.rateLimit` shows it (null until something is known).
    fn state(&self) -> JsValue {
        crate::wasm::views::rate_limit_object(self.limiter.state())
    }
}

impl SharedQuota {
    /// Reports the answer to a ticket: `status` 0 when there was none; `remaining` NaN when the answer described
    /// no window (then `limit` and `reset_at` are ignored; `reset_at` NaN when unknown).
    fn finish(&mut self, ticket: f64, now: f64, status: u16, limit: f64, remaining: f64, reset_at: f64) {
        let described = (!remaining.is_nan()).then(|| RateLimitState {
            limit: if limit.is_nan() { remaining } else { limit },
            remaining,
            reset_at: (!reset_at.is_nan()).then_some(reset_at),
            observed_at: now,
            learned: false,
        });
        self.limiter.finish_observed(Ticket::from_f64(ticket), now, described, (status != 0).then_some(status));
    }
}

#[wasm_bindgen(module = "/src/js/lazy-share.js")]
extern "C" {
    /// This realm's member of one share.
    pub type Share;
    /// Joins the share named `key`: the realm's existing member when there is one, `undefined` when the runtime
    /// lacks BroadcastChannel or Web Locks.
    #[wasm_bindgen(js_name = joinShare)]
    pub fn join_share(key: &str, quota: i32) -> Option<Share>;
    /// The share of a quota object given as `shareAcross` (`redisQuota(...)`): `quota` decides while its store
    /// cannot be reached; `windows` is the configured pacing as `[requests, perMs, ...]`, `adaptive` the client's
    /// option (the store's learned rate applies only where adaptive pacing would).
    #[wasm_bindgen(js_name = joinProvider)]
    pub fn join_provider(provider: &JsValue, quota: i32, windows: &Array, adaptive: i32) -> Share;
    /// Waits for a turn, among this share's asks by `priority`: resolves with a grant `{ ticket, epoch }`, or
    /// `{ waitMs }` when the turn is further away than `max_wait_ms`; rejects with `signal.reason` on abort and with
    /// the gate's reason when it fails (`clear`). When the turn is not granted at once, calls `on_wait(event)`
    /// (unless undefined) once, with `event.delayMs` set to the wait when known.
    #[wasm_bindgen(method)]
    pub fn acquire(this: &Share, max_wait_ms: f64, signal: &JsValue, gate: &JsValue, priority: f64, on_wait: &JsValue, event: &JsValue) -> Promise;
    /// Reports a grant's answer (see [`SharedQuota::finish`]); `status` -1 when it was never sent.
    #[wasm_bindgen(method)]
    pub fn release(this: &Share, grant: &JsValue, status: i32, limit: f64, remaining: f64, reset_at: f64);
    /// Holds the whole share until `until`.
    #[wasm_bindgen(method, js_name = coolDown)]
    pub fn cool_down(this: &Share, until: f64);
    /// The share's latest rate-limit state (an object like `client.rateLimit`, or null).
    #[wasm_bindgen(method, getter)]
    pub fn state(this: &Share) -> JsValue;
    /// The share's learned rate per second, when adaptive pacing learned one.
    #[wasm_bindgen(method, getter, js_name = learnedRate)]
    pub fn learned_rate(this: &Share) -> Option<f64>;
}

//! The plain objects handed to the caller: `onWait`'s event, `client.queue` and `client.rateLimit`. Each is built
//! in JS by position (js/runtime.js), one call instead of a `Reflect.set` per field.

use wasm_bindgen::prelude::*;

use crate::core::headers::RateLimitState;
use crate::wasm::client::Inner;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    /// `onWait`'s event; `delay_ms` NaN when unknown.
    #[wasm_bindgen(js_name = waitEvent)]
    pub fn wait_event(reason: &str, delay_ms: f64, method: &str, url: &str, priority: f64) -> JsValue;
    // Counts and flags as `i32`: no glue function of their own (see tasks.rs).
    #[wasm_bindgen(js_name = queueState)]
    fn queue_state(waiting: i32, in_flight: i32) -> JsValue;
    #[wasm_bindgen(js_name = rateLimitState)]
    fn rate_limit_state(limit: f64, remaining: f64, reset_at: f64, observed_at: f64, learned: i32) -> JsValue;
}

/// `client.rateLimit`'s value for a state: null until something is known; `learned` only when true.
pub fn rate_limit_object(state: Option<RateLimitState>) -> JsValue {
    let Some(s) = state else { return JsValue::NULL };
    rate_limit_state(s.limit, s.remaining, s.reset_at.unwrap_or(f64::NAN), s.observed_at, s.learned.into())
}

/// `client.rateLimit`: the share's state when shared, else the client's own.
pub(crate) fn rate_limit_value(inner: &Inner) -> JsValue {
    match &inner.quota.share {
        Some(share) => share.state(),
        None => rate_limit_object(inner.quota.limiter.borrow().state()),
    }
}

/// `client.queue`: `{ waiting, inFlight }` for the quota.
pub(crate) fn queue_value(inner: &Inner) -> JsValue {
    let quota = &inner.quota;
    let acquiring = quota.acquiring.borrow().len() as u32;
    queue_state((quota.queue.borrow().len() as u32 + acquiring) as i32, quota.limiter.borrow().in_flight().saturating_sub(acquiring) as i32)
}

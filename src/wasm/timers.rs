//! Timers and abort signals, bound from `js/runtime.js` (see there why they live in JS): an abortable wait that a
//! rate-limit change can end early, the per-attempt abort controller with its timeout, and the clock.

use crate::wasm::js::{self, Promise};
use wasm_bindgen::prelude::*;
use crate::wasm::tasks;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    fn wait(ms: f64, signal: &JsValue, gate: &JsValue) -> Promise;
    /// A new set of waiters.
    #[wasm_bindgen(js_name = newGate)]
    pub fn new_gate() -> JsValue;
    /// Wakes every waiter of the gate.
    pub fn wake(gate: &JsValue);
    /// Rejects every waiter of the gate, now and later, with `reason` (`undefined`: an AbortError); returns the
    /// reason used.
    pub fn fail(gate: &JsValue, reason: &JsValue) -> JsValue;

    /// One attempt's end (caller's signal + timeout); js/runtime.js hands it to fetch and the body read.
    pub type Attempt;
    #[wasm_bindgen(constructor)]
    fn new(timeout_ms: f64, signal: &JsValue) -> Attempt;
    /// Lets go of the attempt's deadline and listener (a second time does nothing); true when it timed out.
    #[wasm_bindgen(method)]
    pub fn end(this: &Attempt) -> bool;
}

/// Waits `ms` (forever when not finite) or until the gate is woken; `Err(signal.reason)` when the signal aborts,
/// `Err(reason)` when the gate fails.
pub async fn sleep(ms: f64, signal: &JsValue, gate: &JsValue) -> Result<(), JsValue> {
    tasks::js(wait(ms, signal, gate)).await.map(|_| ())
}

/// Owns one attempt's controller; dropping it clears the timeout and the listener on the caller's signal.
pub struct AttemptGuard(pub Attempt);

impl AttemptGuard {
    /// Starts an attempt: its signal aborts with the caller's signal or after `timeout_ms` (0 = never).
    pub fn start(timeout_ms: f64, signal: &JsValue) -> AttemptGuard {
        AttemptGuard(Attempt::new(timeout_ms, signal))
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// The clock: ms since the epoch.
pub fn now() -> f64 {
    js::date_now()
}

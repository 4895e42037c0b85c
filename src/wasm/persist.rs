//! `persist` at the boundary: the quota's state read from a StorageLike when a client is made, and written back a
//! moment after it changes (js/persist.js debounces, and writes nothing when the text is what the storage holds).
//! What to keep, how it is written and what is believed on the way back are the core's ([`crate::core::persist`]
//! and the limiter's `save`/`restore`). No task of its own: an async storage's answer is awaited by the first
//! requests (in `admit`), and the writes are JS timers.

use std::cell::RefCell;

use crate::wasm::js::Promise;
use wasm_bindgen::prelude::*;

use crate::core::persist::{base_id, decode, encode};
use crate::wasm::client::Quota;
use crate::wasm::read_options::concat;
use crate::wasm::tasks;
use crate::wasm::timers::now;

#[wasm_bindgen(module = "/src/js/persist.js")]
extern "C" {
    /// True for an object with `getItem` and `setItem` functions.
    #[wasm_bindgen(js_name = isStorage)]
    pub(crate) fn is_storage(storage: &JsValue) -> bool;
    /// What one quota writes to (the storage, `undefined` for `localStorage`, and the key); `undefined` when there
    /// is no storage to write to.
    #[wasm_bindgen(js_name = newWriter)]
    fn new_writer(storage: &JsValue, key: &str) -> JsValue;
    /// The stored string, `undefined`, or a promise of one of them (never rejected, `undefined` after `wait_ms`).
    fn load(writer: &JsValue, wait_ms: f64) -> JsValue;
    /// Writes `value` a moment later (debounced); never throws.
    #[wasm_bindgen(js_name = storeLater)]
    fn store_later(writer: &JsValue, value: &str);
}

/// Requests wait at most this long for an async storage's stored value; one that never answers is then ignored.
const LOAD_WAIT_MS: f64 = 1000.0;

/// Where a quota's state is kept.
pub(crate) struct Persist {
    /// js/persist.js's writer: the storage and the key (`polite-fetch:` and the option's key).
    writer: JsValue,
    /// Which API the state is of ([`base_id`] of `baseUrl`): another `baseUrl` under the same key restores nothing.
    id: String,
    /// The longest a restored cooldown or spent window may hold a request (`retry.maxRetryAfterMs`).
    max_wait_ms: f64,
    /// An async storage's answer, until a request has taken it in.
    loading: RefCell<Option<Promise>>,
}

impl Persist {
    /// The `persist` option's storage (the given one, else `localStorage`); `None` when there is none.
    pub(crate) fn new(key: &str, storage: &JsValue, base_url: &str, max_wait_ms: f64) -> Option<Persist> {
        let writer = new_writer(storage, &concat("polite-fetch:", key));
        (!writer.is_undefined()).then(|| Persist {
            writer,
            id: base_id(base_url),
            max_wait_ms,
            loading: RefCell::default(),
        })
    }
}

/// Reads what an earlier client stored into `quota`: at once from a sync storage; an async one's answer is awaited
/// by the first requests ([`loaded`]).
pub(crate) fn restore(quota: &Quota) {
    let Some(p) = &quota.persist else { return };
    match load(&p.writer, LOAD_WAIT_MS.min(p.max_wait_ms)).dyn_into::<Promise>() {
        Ok(promise) => *p.loading.borrow_mut() = Some(promise),
        Err(value) => take_in(quota, p, &value),
    }
}

/// Waits for an async storage's answer while it is on its way (a second at most), and takes it in.
pub(crate) async fn loaded(quota: &Quota) {
    let Some(p) = &quota.persist else { return };
    let Some(promise) = p.loading.borrow().clone() else { return };
    let value = tasks::js(promise).await.unwrap_or(JsValue::UNDEFINED);
    // The first request to resume takes it in; the others find it done.
    if p.loading.borrow_mut().take().is_some() {
        take_in(quota, p, &value);
    }
}

/// Restores a stored value; one that does not read (another format, another API, not ours) is ignored, and the next
/// save overwrites it.
fn take_in(quota: &Quota, p: &Persist, value: &JsValue) {
    if let Some(saved) = value.as_string().and_then(|text| decode(&text, &p.id)) {
        quota.limiter.borrow_mut().restore(&saved, now(), p.max_wait_ms);
    }
}

/// The quota's state changed: hands its text to the debounced writer.
pub(crate) fn changed(quota: &Quota) {
    if let Some(p) = &quota.persist {
        store_later(&p.writer, &encode(&quota.limiter.borrow().save(now()), &p.id));
    }
}

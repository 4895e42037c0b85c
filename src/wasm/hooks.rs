//! The `hooks` option at the boundary: js/hooks.js reads the lists, js/run-hooks.js (loaded with the first hooks)
//! runs them; the engine calls them only at the steps whose list is not empty, so a client without hooks makes no
//! call for them.

use crate::wasm::js::Promise;
use wasm_bindgen::prelude::*;

/// Bits of [`Hooks::mask`], which lists are not empty: `beforeRequest`.
pub(crate) const BEFORE_REQUEST: u8 = 1;
/// `afterResponse`.
pub(crate) const AFTER_RESPONSE: u8 = 2;
/// `beforeRetry`.
pub(crate) const BEFORE_RETRY: u8 = 4;
/// `beforeError`.
pub(crate) const BEFORE_ERROR: u8 = 8;

#[wasm_bindgen(module = "/src/js/hooks.js")]
extern "C" {
    /// The option over the parent's lists; `undefined` when no list has a hook. `catch`: a TypeError for bad ones.
    #[wasm_bindgen(js_name = readHooks, catch)]
    fn read_hooks_js(value: &JsValue, parent: &JsValue) -> Result<JsValue, JsValue>;
    /// Builds the attempt's Request and runs beforeRequest: a Response, or `[request, url, method, headers, body]`.
    #[wasm_bindgen(js_name = beforeRequest)]
    pub(crate) fn before_request(hooks: &JsValue, attempt: i32, url: &str, method: &str, base: &JsValue, extra: &str, body: &JsValue) -> Promise;
    /// Runs afterResponse: the response to act on.
    #[wasm_bindgen(js_name = afterResponse)]
    pub(crate) fn after_response(hooks: &JsValue, attempt: i32, method: &str, url: &str, request: &JsValue, response: &JsValue) -> Promise;
    /// Runs beforeRetry with onRetry's event: false when a hook stops the retry.
    #[wasm_bindgen(js_name = beforeRetry)]
    pub(crate) fn before_retry(hooks: &JsValue, event: &JsValue) -> Promise;
    /// The call's promise, its ApiError rejections passed through beforeError.
    #[wasm_bindgen(js_name = catchErrors)]
    pub(crate) fn catch_errors(hooks: &JsValue, call: Promise) -> Promise;
}

/// A client's hooks: the lists as js/hooks.js keeps them, and which are not empty.
#[derive(Default, Clone)]
pub(crate) struct Hooks {
    /// The normalised lists (`undefined` when none).
    pub(crate) lists: JsValue,
    /// [`BEFORE_REQUEST`] | [`AFTER_RESPONSE`] | [`BEFORE_RETRY`] | [`BEFORE_ERROR`].
    pub(crate) mask: u8,
}

impl Hooks {
    /// True when the lists of `bits` have a hook.
    pub(crate) fn has(&self, bits: u8) -> bool {
        self.mask & bits != 0
    }
}

/// The `hooks` option `value` over `parent`'s.
pub(crate) fn read_hooks(value: &JsValue, parent: &Hooks) -> Result<Hooks, JsValue> {
    let lists = read_hooks_js(value, &parent.lists)?;
    let mask = crate::wasm::read_options::member(&lists, "mask").as_f64().unwrap_or(0.0) as u8;
    Ok(Hooks { lists, mask })
}

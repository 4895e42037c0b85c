//! Conditional requests at the boundary (`revalidate`): the remembered result's validator goes out with a GET, a
//! 304 answers with a copy of the remembered result, a 2xx replaces it. What is remembered, under which key, and
//! what forgets it are the core's (`core::remember`).

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::core::headers::{h, header_in, HeaderList, HeaderSnapshot};
use crate::core::remember::{self, Key, Memory};
use crate::wasm::client::Inner;
use crate::wasm::engine::Req;

#[wasm_bindgen(module = "/src/js/copies.js")]
extern "C" {
    /// A copy of a result for one caller.
    pub fn copy(value: &JsValue) -> JsValue;
}

/// A client's remembered results (`revalidate` on).
pub(crate) type Remembered = RefCell<Memory<JsValue>>;

/// The credentials' id of a request with `headers` (the attempt's own, the token's among them) over the client's.
pub(crate) fn credentials(inner: &Inner, headers: &HeaderList) -> u64 {
    let o = &inner.options;
    let key = header_in(&headers.0, &o.api_key_header).or(o.api_key.as_deref()).or_else(|| header_in(&o.headers, &o.api_key_header));
    let auth = header_in(&headers.0, "authorization").or_else(|| header_in(&o.headers, "authorization"));
    remember::credential_id(inner.salt, [key, auth])
}

/// True when the caller made the GET conditional itself (then it is sent as it is, and a 304 is its answer).
pub(crate) fn caller_conditional(inner: &Inner, req: &Req) -> bool {
    ["if-none-match", "if-modified-since"].into_iter().any(|name| header_in(&req.headers, name).or_else(|| header_in(&inner.options.headers, name)).is_some())
}

/// For a GET that may be answered from memory: its key, and the remembered result whose validator now goes out in
/// `headers`. `None` when `revalidate` is off or the GET is not one to remember.
#[inline(never)]
pub(crate) fn lookup(inner: &Inner, req: &Req, headers: &mut HeaderList) -> Option<(Key, Option<JsValue>)> {
    let memory = inner.remembered.as_ref()?;
    if req.method != "GET" || !remember::remembers(req.response_type) || caller_conditional(inner, req) {
        return None;
    }
    let key = Key { url: req.url.clone(), response_type: req.response_type, credentials: credentials(inner, headers) };
    let remembered = memory.borrow_mut().get(&key).map(|(validator, value)| {
        let (name, value_text) = validator.header();
        headers.set(name, value_text);
        value.clone()
    });
    Some((key, remembered))
}

/// After a 2xx with `value`: remembered (a copy) with the answer's validator, or forgotten when it has none.
#[inline(never)]
pub(crate) fn answered(inner: &Inner, key: Key, headers: &HeaderSnapshot, value: &JsValue) {
    let Some(memory) = &inner.remembered else { return };
    match remember::validator(headers.get(h::ETAG), headers.get(h::LAST_MODIFIED), headers.get(h::CACHE_CONTROL)) {
        Some(validator) => memory.borrow_mut().put(key, validator, copy(value)),
        None => memory.borrow_mut().forget(&key),
    }
}

/// After a call: a write to a URL forgets what was remembered for it, whatever the answer.
#[inline(never)]
pub(crate) fn after_call(inner: &Inner, req: &Req) {
    if let Some(memory) = &inner.remembered {
        if remember::forgets(&req.method) {
            memory.borrow_mut().forget_url(&req.url);
        }
    }
}

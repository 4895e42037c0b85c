//! `paginate` at the boundary: a page's result with what `items` and `next` are given (status, headers, URL) and
//! the `Link` header's next target (`core::link`). The iteration itself is js/paginate.js.

use wasm_bindgen::prelude::*;

use crate::core::link;
use crate::wasm::engine::Req;
use crate::wasm::fetch::{self, Response};

/// The call's result: `value` itself, or for a page `[value, response, url, next]`: the response, its URL, and the
/// Link header's next target (resolved against that URL).
#[inline(never)]
pub(crate) fn result(req: &Req, value: JsValue, response: &Response) -> JsValue {
    if !req.page {
        return value;
    }
    let url = response.url();
    // A Response a hook made may have no URL: the request's stands in.
    let url = if url.is_empty() { req.url.clone() } else { url };
    let next = response.headers().get("link").and_then(|field| link::next_target(&[&field])).and_then(|target| fetch::resolve_url(&target, &url));
    // js/paginate.js makes `{ status, headers, url }` of the response: no import of its own for this.
    let page = js_sys::Array::new();
    for part in [value, response.into(), url.into(), next.map_or(JsValue::UNDEFINED, JsValue::from)] {
        page.push(&part);
    }
    page.into()
}

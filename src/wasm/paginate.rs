//! `paginate` at the boundary: a page's result with what `items` and `next` are given (status, headers, URL) and
//! the `Link` header's next target (`core::link`). The iteration itself is js/paginate.js.

use wasm_bindgen::prelude::*;

use crate::core::link;
use crate::wasm::engine::Req;
use crate::wasm::fetch::{self, Response};

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    /// `[result, { status, headers, url }, next]` for the iteration.
    #[wasm_bindgen(js_name = pageResult)]
    fn page_result(value: &JsValue, response: &Response, url: &str, next: Option<String>) -> JsValue;
}

/// The call's result: `value` itself, or for a page, `value` with its response and the Link header's next target
/// (resolved against the response's URL).
#[inline(never)]
pub(crate) fn result(req: &Req, value: JsValue, response: &Response) -> JsValue {
    if !req.page {
        return value;
    }
    let url = response.url();
    // A Response a hook made may have no URL: the request's stands in.
    let url = if url.is_empty() { req.url.clone() } else { url };
    let next = response.headers().get("link").and_then(|field| link::next_target(&[&field])).and_then(|target| fetch::resolve_url(&target, &url));
    page_result(&value, response, &url, next)
}

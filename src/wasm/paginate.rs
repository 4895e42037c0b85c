//! `paginate` at the boundary: a page's result with its response and the `Link` header's next target
//! (`core::link`). The iteration itself is js/paginate.js.

use wasm_bindgen::prelude::*;

use crate::core::headers::{h, HeaderSnapshot};
use crate::core::link;
use crate::wasm::engine::Req;
use crate::wasm::fetch::Response;

/// The call's result: `value` itself, or for a page `[value, response, url, next]`: the response, the request's
/// URL, and the Link header's next target as written. js/paginate.js makes `{ status, headers, url }` of the
/// response (the request's URL standing in for a Response a hook made, which has none) and resolves the target
/// against that URL with the runtime's URL parser: no imports of their own for this.
#[inline(never)]
pub(crate) fn result(req: &Req, value: JsValue, response: &Response, headers: &HeaderSnapshot) -> JsValue {
    if !req.page {
        return value;
    }
    let next = headers.get(h::LINK).and_then(|field| link::next_target(&[field]));
    let page = crate::wasm::js::Array::new();
    page.push(&value);
    page.push(response);
    page.push(&req.url.as_str().into());
    page.push(&next.map_or(JsValue::UNDEFINED, JsValue::from));
    page.into()
}

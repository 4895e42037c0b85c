//! The fetch boundary: the global `fetch` (not `window.fetch`: workers, Node, Deno and workerd have no `window`),
//! or the one the caller injected, and the few members of `Response` and `Headers` the client reads.

use crate::wasm::js::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;

use crate::wasm::timers::Attempt;
use crate::core::headers::{HeaderList, HeaderSnapshot, READ_HEADER_LINES};

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    /// Builds the init object and calls fetch; `catch` because fetch throws for arguments it refuses, and a
    /// runtime without a global fetch throws a ReferenceError.
    #[wasm_bindgen(js_name = startFetch, catch)]
    fn start_fetch_js(fetch: &JsValue, url: &str, method: &str, base: &JsValue, extra: &str, body: &JsValue, attempt: &Attempt) -> Result<Promise, JsValue>;
    /// Reads a body as `how` says (a `core::response::ReadAs` code), ended by `attempt` as its fetch is; a
    /// SyntaxError rejection is JSON that did not parse. `catch`: a used body throws.
    #[wasm_bindgen(js_name = readBody, catch)]
    pub fn read_body(response: &Response, how: u8, attempt: &Attempt) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = readResponse)]
    fn read_response(response: &Response, names: &JsValue) -> String;
    /// The lines of `text` as an array.
    #[wasm_bindgen(js_name = lines)]
    fn lines(text: &str) -> JsValue;
    /// `new URL(location, base).href`, or undefined.
    #[wasm_bindgen(js_name = resolveUrl)]
    pub fn resolve_url(location: &str, base: &str) -> Option<String>;
    /// The first `max` UTF-16 units of a string; `None` for any other value.
    #[wasm_bindgen(js_name = textHead)]
    pub fn text_head(value: &JsValue, max: i32) -> Option<String>;
    /// The entries of a plain object or of an iterable of pairs; `catch`: it throws for anything else.
    #[wasm_bindgen(js_name = entriesOf, catch)]
    pub fn entries_of(value: &JsValue) -> Result<Array, JsValue>;
    /// A plain object or array (sent as JSON).
    #[wasm_bindgen(js_name = isJsonBody)]
    pub fn is_json_body(body: &JsValue) -> bool;
    /// A ReadableStream (cannot be sent twice).
    #[wasm_bindgen(js_name = isStream)]
    pub fn is_stream(body: &JsValue) -> bool;
}

#[wasm_bindgen]
extern "C" {
    /// A fetch `Response`.
    pub type Response;
    #[wasm_bindgen(method, getter)]
    pub fn headers(this: &Response) -> Headers;

    /// A fetch `Headers`.
    pub type Headers;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    pub fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
}


/// Starts a fetch (through `custom` when the caller injected one) with the client's fixed `base` headers and this
/// attempt's `extra` ones.
pub fn start_fetch(custom: Option<&Function>, url: &str, method: &str, base: &JsValue, extra: &HeaderList, body: &JsValue, attempt: &Attempt) -> Result<Promise, JsValue> {
    let flat = extra.flat();
    let fetch = custom.map(|f| JsValue::from(f.clone())).unwrap_or(JsValue::UNDEFINED);
    start_fetch_js(&fetch, url, method, base, &flat, body, attempt)
}

/// The names of [`READ_HEADERS`] as a JS array, made once per client (from one string: the wasm keeps no table
/// of the names' addresses).
pub fn read_header_names() -> JsValue {
    lines(READ_HEADER_LINES)
}

/// Reads the response's status, type, status text and every header the client looks at, in one call.
#[inline(never)]
pub fn snapshot(response: &Response, names: &JsValue) -> HeaderSnapshot {
    HeaderSnapshot::new(read_response(response, names))
}

/// The headers as a plain object with lower-case names, for an error's `headers` field.
pub fn headers_object(headers: &Headers) -> JsValue {
    Object::from_entries(headers).map(JsValue::from).unwrap_or(JsValue::UNDEFINED)
}

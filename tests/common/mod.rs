//! Helpers shared by the wasm test suites: the server's address, JSON options, awaiting promises, error checks.
#![allow(dead_code)]

use js_sys::{Array, Function, Promise, Reflect, JSON};
use polite_fetch::Client;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub const SERVER: &str = match option_env!("POLITE_TEST_SERVER") {
    Some(s) => s,
    None => "http://127.0.0.1:18080",
};

#[wasm_bindgen(inline_js = r#"
export function now() { return Date.now(); }
export function log(s) { console.log(s); }
export function isBrowser() { return typeof document !== "undefined"; }
export function runId() { return Math.random().toString(36).slice(2); }
export function abortAfter(ms, reason) { const c = new AbortController(); setTimeout(() => c.abort(reason), ms); return c.signal; }
export function stringify(v) { return JSON.stringify(v); }
export function stackOf(e) { return String(e.stack); }
export function asString(e) { return String(e); }
export function isInstance(v, cls) { return v instanceof cls; }
export function countingToken(tokens) { let i = 0; const f = async (ctx) => { f.flags.push(ctx.refresh); return tokens[Math.min(i++, tokens.length - 1)]; }; f.flags = []; f.calls = () => i; return f; }
export function refreshFlags(f) { return JSON.stringify(f.flags); }
export function callsOf(f) { return f.calls(); }
export function ctorName(v) { return v && v.constructor && v.constructor.name; }
export function typeOf(v) { return v === null ? "null" : (v instanceof Blob ? "blob" : typeof v); }
"#)]
extern "C" {
    pub fn now() -> f64;
    pub fn log(s: &str);
    #[wasm_bindgen(js_name = isBrowser)]
    pub fn is_browser() -> bool;
    #[wasm_bindgen(js_name = runId)]
    pub fn run_id() -> String;
    #[wasm_bindgen(js_name = abortAfter)]
    pub fn abort_after(ms: f64, reason: &JsValue) -> JsValue;
    pub fn stringify(v: &JsValue) -> String;
    #[wasm_bindgen(js_name = stackOf)]
    pub fn stack_of(e: &JsValue) -> String;
    #[wasm_bindgen(js_name = asString)]
    pub fn as_string(e: &JsValue) -> String;
    #[wasm_bindgen(js_name = countingToken)]
    pub fn counting_token(tokens: &Array) -> Function;
    #[wasm_bindgen(js_name = refreshFlags)]
    pub fn refresh_flags(f: &Function) -> String;
    #[wasm_bindgen(js_name = callsOf)]
    pub fn calls_of(f: &Function) -> u32;
    #[wasm_bindgen(js_name = ctorName)]
    pub fn ctor_name(v: &JsValue) -> Option<String>;
    #[wasm_bindgen(js_name = typeOf)]
    pub fn type_of(v: &JsValue) -> String;
}

pub fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap_or_else(|_| panic!("bad test JSON: {json}"))
}

pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

pub fn get_str(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

pub fn client(extra: &str) -> Client {
    let options = js(&format!(r#"{{"baseUrl": "{SERVER}" {extra}}}"#));
    Client::new(options).unwrap_or_else(|e| panic!("client: {}", as_string(&e)))
}

pub fn client_with(options: &JsValue) -> Client {
    Client::new(options.clone()).unwrap_or_else(|e| panic!("client: {}", as_string(&e)))
}

pub fn base_options(extra: &str) -> JsValue {
    js(&format!(r#"{{"baseUrl": "{SERVER}" {extra}}}"#))
}

/// The promise of a call (the library's own `Promise` binding, or js-sys's) as js-sys's.
pub fn promise(p: impl Into<JsValue>) -> Promise {
    p.into().unchecked_into()
}

pub async fn ok(p: impl Into<JsValue>) -> JsValue {
    JsFuture::from(promise(p)).await.unwrap_or_else(|e| panic!("unexpected rejection: {}", as_string(&e)))
}

pub async fn err(p: impl Into<JsValue>) -> JsValue {
    match JsFuture::from(promise(p)).await {
        Ok(v) => panic!("expected a rejection, got {}", stringify(&v)),
        Err(e) => e,
    }
}

pub async fn stats(name: &str) -> (u32, Vec<f64>) {
    let c = client("");
    let s = ok(c.get(format!("/__stats/{name}").into(), JsValue::UNDEFINED)).await;
    let times: Vec<f64> = Array::from(&get(&s, "times")).iter().map(|t| t.as_f64().unwrap()).collect();
    (get(&s, "count").as_f64().unwrap() as u32, times)
}

/// Checks the error is a real Error of class `class` (name and constructor), with `code` and `status`.
pub fn assert_error(e: &JsValue, class: &str, code: &str, status: Option<u16>) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {}", as_string(e));
    assert_eq!(get_str(e, "name").as_deref(), Some(class), "{}", as_string(e));
    assert_eq!(ctor_name(e).as_deref(), Some(class));
    assert_eq!(get_str(e, "code").as_deref(), Some(code), "{}", as_string(e));
    assert_eq!(get(e, "status").as_f64().map(|s| s as u16), status);
    assert!(stack_of(e).contains(class), "stack names the class");
}


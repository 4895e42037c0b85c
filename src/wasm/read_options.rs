//! Reading options from JS values: the client's at construction, a request's at each call. Validation and
//! defaults are the core's (`core::options`); this only moves values across and names the option in errors.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::options::{self, RetryOverrides, RetryPolicy};
use crate::core::response::ResponseType;
use crate::core::url;
use crate::wasm::client::Inner;
use crate::wasm::engine::Req;
use crate::wasm::errors::{self, option_error, type_error};
use crate::wasm::fetch;

pub(crate) fn concat(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len());
    s.push_str(a);
    s.push_str(b);
    s
}


pub(crate) fn member(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() || obj.is_function() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

pub(crate) fn present(v: &JsValue) -> bool {
    !v.is_undefined() && !v.is_null()
}

pub(crate) fn read_string(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| type_error(&concat(key, " must be a string")))
}

/// A number option; a value of another type reads as NaN so that validation names the option.
pub(crate) fn read_number(obj: &JsValue, key: &str) -> Option<f64> {
    let v = member(obj, key);
    present(&v).then(|| v.as_f64().unwrap_or(f64::NAN))
}

pub(crate) fn read_function(obj: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| type_error(&concat(key, " must be a function")))
}

/// A scalar as the string a URL or header carries: strings as they are, numbers and booleans written out.
pub(crate) fn scalar_text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    if let Some(b) = v.as_bool() {
        return Some(String::from(if b { "true" } else { "false" }));
    }
    errors::number_text(v.as_f64()?)
}

/// The entries of a plain object, or of an iterable of pairs (a `Headers`, a `Map`).
pub(crate) fn entries(value: &JsValue) -> Result<js_sys::Array, JsValue> {
    let is_iterable = Reflect::has(value, &js_sys::Symbol::iterator()).unwrap_or(false);
    let object: Object = if is_iterable { Object::from_entries(value)? } else { value.clone().unchecked_into() };
    Ok(Object::entries(&object))
}

/// A `headers` option: names must be header tokens, values must not smuggle CR/LF.
pub(crate) fn read_headers(obj: &JsValue, key: &str) -> Result<Vec<(String, String)>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(Vec::new());
    }
    let problem = || type_error(&concat(key, " must be an object of header names to string values"));
    if !v.is_object() {
        return Err(problem());
    }
    let mut out = Vec::new();
    for pair in entries(&v).map_err(|_| problem())?.iter() {
        let pair: js_sys::Array = pair.unchecked_into();
        let value = pair.get(1);
        if !present(&value) {
            continue;
        }
        let name = pair.get(0).as_string().ok_or_else(problem)?;
        let value = scalar_text(&value).ok_or_else(problem)?;
        options::check_header_name(key, &name).map_err(option_error)?;
        options::check_header_value(key, &value).map_err(option_error)?;
        out.push((name, value));
    }
    Ok(out)
}

/// A `retry` option over `base`: `false` turns retries off, an object overrides fields, absent keeps `base`.
pub(crate) fn read_retry(v: &JsValue, base: Option<&RetryPolicy>) -> Result<Option<RetryPolicy>, JsValue> {
    if v.as_bool() == Some(false) {
        return Ok(None);
    }
    if !present(v) {
        return Ok(base.cloned());
    }
    if !v.is_object() {
        return Err(type_error("retry must be an object or false"));
    }
    let list = |key: &str| -> Result<Option<js_sys::Array>, JsValue> {
        let l = member(v, key);
        if !present(&l) {
            return Ok(None);
        }
        l.dyn_into::<js_sys::Array>().map(Some).map_err(|_| type_error(&concat("retry.", &concat(key, " must be an array"))))
    };
    let overrides = RetryOverrides {
        max_retries: read_number(v, "maxRetries"),
        status_codes: list("statusCodes")?.map(|a| a.iter().map(|c| c.as_f64().unwrap_or(f64::NAN)).collect()),
        methods: list("methods")?.map(|a| a.iter().filter_map(|m| m.as_string()).collect()),
        base_delay_ms: read_number(v, "baseDelayMs"),
        max_delay_ms: read_number(v, "maxDelayMs"),
        max_retry_after_ms: read_number(v, "maxRetryAfterMs"),
    };
    let default_policy = RetryPolicy::default();
    base.unwrap_or(&default_policy).with(&overrides).map(Some).map_err(option_error)
}

pub(crate) fn read_rate_windows(v: &JsValue) -> Result<Vec<options::RateWindow>, JsValue> {
    if !present(v) {
        return Ok(Vec::new());
    }
    let one = |w: &JsValue| -> Result<options::RateWindow, JsValue> {
        if !w.is_object() {
            return Err(type_error("rateLimit must be { requests, perMs } or an array of them"));
        }
        options::rate_window(read_number(w, "requests").unwrap_or(f64::NAN), read_number(w, "perMs").unwrap_or(f64::NAN)).map_err(option_error)
    };
    match v.dyn_ref::<js_sys::Array>() {
        Some(list) => list.iter().map(|w| one(&w)).collect(),
        None => Ok(vec![one(v)?]),
    }
}

/// Validates a request's arguments into a [`Req`]; every problem is a `TypeError`.
pub(crate) fn prepare(inner: &Inner, method: &str, path: JsValue, body: JsValue, options: &JsValue) -> Result<Req, JsValue> {
    if present(options) && !options.is_object() {
        return Err(type_error("options must be an object"));
    }
    let path = path.as_string().ok_or_else(|| type_error("path must be a string"))?;
    let mut url = url::resolve(&inner.base, &path).map_err(|e| type_error(e.message()))?;
    let query = member(options, "query");
    if present(&query) {
        let problem = || type_error("query values must be strings, numbers, booleans or arrays of them");
        if !query.is_object() || js_sys::Array::is_array(&query) {
            return Err(problem());
        }
        let mut pairs = Vec::new();
        for pair in entries(&query).map_err(|_| problem())?.iter() {
            let pair: js_sys::Array = pair.unchecked_into();
            let key = pair.get(0).as_string().ok_or_else(problem)?;
            let value = pair.get(1);
            if !present(&value) {
                continue;
            }
            match value.dyn_ref::<js_sys::Array>() {
                Some(list) => {
                    for item in list.iter() {
                        pairs.push((key.clone(), scalar_text(&item).ok_or_else(problem)?));
                    }
                }
                None => pairs.push((key, scalar_text(&value).ok_or_else(problem)?)),
            }
        }
        url::append_query(&mut url, &pairs);
    }
    let timeout_ms = match read_number(options, "timeoutMs") {
        Some(v) => options::check_number("timeoutMs", v, 0.0).map_err(option_error)?,
        None => inner.timeout_ms,
    };
    let idempotency_key = read_string(options, "idempotencyKey")?;
    if let Some(k) = &idempotency_key {
        options::check_header_value("idempotencyKey", k).map_err(option_error)?;
    }
    let response_type = match read_string(options, "responseType")? {
        Some(s) => ResponseType::parse(&s).ok_or_else(|| type_error("responseType must be \"auto\", \"json\", \"text\", \"blob\", \"arrayBuffer\" or \"response\""))?,
        None => ResponseType::Auto,
    };
    let json_body = fetch::is_json_body(&body);
    let body = if json_body { fetch::json_stringify(&body).map_err(|_| type_error("body could not be serialised as JSON"))? } else { body };
    Ok(Req {
        method: method.into(),
        url,
        headers: read_headers(options, "headers")?,
        replayable: !fetch::is_stream(&body),
        json_body,
        body,
        signal: member(options, "signal"),
        timeout_ms,
        retry: read_retry(&member(options, "retry"), inner.retry.as_ref())?,
        idempotency_key,
        response_type,
    })
}

/// The signal's reason when it has aborted.
pub(crate) fn abort_reason(signal: &JsValue) -> Option<JsValue> {
    (present(signal) && member(signal, "aborted").is_truthy()).then(|| member(signal, "reason"))
}


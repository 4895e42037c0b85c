//! Core error fields -> an instance of the JS `ApiError` subclasses (always a real `Error`, never a string), and
//! the `TypeError`s for bad arguments.

use crate::wasm::js::{self, reflect_get, reflect_set, Array, Object};
use wasm_bindgen::prelude::*;

use crate::core::error::{self, BodyView, ErrorDetails, ErrorKind, MAX_BODY_ITEMS};
use crate::core::headers::{HeaderSnapshot, RateHeaders};
use crate::core::options::OptionError;
use crate::core::url;
use crate::wasm::client::Inner;
use crate::wasm::engine::Req;
use crate::wasm::views::rate_limit_value;
use crate::wasm::fetch::{self, Response};
use crate::wasm::read_options::{present, scalar_text};

#[wasm_bindgen(module = "/src/js/errors.js")]
extern "C" {
    /// Builds the error of class `kind` (the index of `ErrorKind`) from its fields, positionally: the field names
    /// live in JS once. `secrets` are NUL-separated (header values hold no NUL).
    #[wasm_bindgen(js_name = createError)]
    fn create_error(
        kind: u8, message: &str, code: &str, status: Option<u16>, request_id: Option<&str>, timestamp: Option<&str>,
        path: Option<&str>, method: &str, url: &str, headers: &JsValue, body: &JsValue, retry_after_ms: Option<f64>,
        rate_limit: &JsValue, attempts: i32, cause: &JsValue, field_errors: &JsValue, secrets: &str,
    ) -> JsValue;
    /// True for an `ApiError` of this package.
    #[wasm_bindgen(js_name = isApiError)]
    pub fn is_api_error(value: &JsValue) -> bool;
}

/// Sets `key` on a plain JS object (setting on a fresh object cannot fail).
pub fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = reflect_set(target, &JsValue::from_str(key), value);
}


/// Everything an error is made of, beside the class and message.
pub struct ErrorFields<'a> {
    /// The class.
    pub kind: ErrorKind,
    /// The one-line message.
    pub message: &'a str,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// What the body and headers said.
    pub details: Option<&'a ErrorDetails>,
    /// The default `code` when there are no details.
    pub code: &'a str,
    /// Request method.
    pub method: &'a str,
    /// Request URL (never with credentials: they travel in headers).
    pub url: &'a str,
    /// Response headers as a plain object, or undefined.
    pub headers: JsValue,
    /// The parsed error body, or undefined.
    pub body: JsValue,
    /// The wait the server asked for.
    pub retry_after_ms: Option<f64>,
    /// The client's rate-limit state.
    /// `client.rateLimit` when the error was made (an object or null).
    pub rate_limit: JsValue,
    /// Attempts made so far.
    pub attempts: u32,
    /// The underlying error (ConnectionError).
    pub cause: JsValue,
}

/// Builds the JS error; every secret is redacted from it by `createError`.
#[inline(never)]
pub fn build(f: ErrorFields, secrets: &[String]) -> JsValue {
    let d = f.details;
    let field_errors = match d.map(|d| &d.field_errors).filter(|f| !f.is_empty()) {
        Some(fields) => {
            let map = Object::new();
            for (name, messages) in fields {
                let list = Array::new();
                for m in messages {
                    list.push(&JsValue::from_str(m));
                }
                set(&map, name, &list);
            }
            map.into()
        }
        None => JsValue::UNDEFINED,
    };
    let mut joined = String::new();
    for secret in secrets {
        joined.push_str(secret);
        joined.push_str("\0");
    }
    create_error(
        f.kind as u8,
        f.message,
        d.map_or(f.code, |d| d.code.as_str()),
        f.status,
        d.and_then(|d| d.request_id.as_deref()),
        d.and_then(|d| d.timestamp.as_deref()),
        d.and_then(|d| d.path.as_deref()),
        f.method,
        f.url,
        &f.headers,
        &f.body,
        f.retry_after_ms,
        &f.rate_limit,
        f.attempts as i32,
        &f.cause,
        &field_errors,
        &joined,
    )
}

/// Longest text copied into wasm to look for a message: an HTML page's title is near its top.
const MAX_SCANNED_TEXT: i32 = 65_536;

/// A parsed error body seen through [`BodyView`]; it stays a JS value, members are read on demand.
pub struct JsBody(pub JsValue);

impl JsBody {
    /// The body when it is an object with members (not an array, not a scalar).
    fn record(&self) -> Option<&JsValue> {
        (self.0.is_object() && !Array::is_array(&self.0)).then_some(&self.0)
    }
}

impl BodyView for JsBody {
    fn member(&self, key: &str) -> Option<Self> {
        let v = reflect_get(self.record()?, &JsValue::from_str(key)).ok()?;
        (!v.is_undefined() && !v.is_null()).then_some(JsBody(v))
    }
    fn as_text(&self) -> Option<String> {
        fetch::text_head(&self.0, MAX_SCANNED_TEXT)
    }
    fn keys(&self) -> Option<Vec<String>> {
        // Only the keys the core looks at cross into wasm (a hostile body may have hundreds of thousands).
        let mut keys = Vec::new();
        let all = Object::keys(self.record()?);
        for i in 0..all.length().min(MAX_BODY_ITEMS as u32) {
            if let Some(key) = all.get(i as i32).as_string() {
                keys.push(key);
            }
        }
        Some(keys)
    }
    fn elements(&self) -> Option<Vec<Self>> {
        let array = self.0.dyn_ref::<Array>()?;
        let mut elements = Vec::new();
        for i in 0..array.length().min(MAX_BODY_ITEMS as u32) {
            elements.push(JsBody(array.get(i as i32)));
        }
        Some(elements)
    }
    fn as_scalar_text(&self) -> Option<String> {
        // A string as the error text reads it (its head), a number or a boolean as a query writes it.
        if self.0.is_string() { self.as_text() } else { scalar_text(&self.0) }
    }
    fn is_number(&self) -> bool {
        self.0.as_f64().is_some()
    }
    fn is_list(&self) -> bool {
        Array::is_array(&self.0)
    }
    fn first(&self) -> Option<Self> {
        let array = self.0.dyn_ref::<Array>()?;
        (array.length() > 0).then(|| JsBody(array.get(0)))
    }
}

/// A `TypeError` with this message (bad arguments and options).
#[inline(never)]
pub(crate) fn type_error(message: &str) -> JsValue {
    js::TypeError::new(message).into()
}

/// The `TypeError` of an option that does not validate.
pub(crate) fn option_error(e: OptionError) -> JsValue {
    type_error(&e.0)
}

/// The typed error of a non-2xx response.
pub(crate) fn http_error(inner: &Inner, req: &Req, status: u16, response: &Response, snapshot: &HeaderSnapshot, body: JsValue, rate: &RateHeaders) -> JsValue {
    let kind = ErrorKind::for_status(rate.acted_status(status));
    let headers = response.headers();
    let body_view = present(&body).then(|| JsBody(body.clone()));
    let details = error::error_details(kind, status, body_view.as_ref(), snapshot);
    let status_text = snapshot.status_text();
    let fallback = if status_text.is_empty() { error::reason_phrase(status) } else { status_text };
    let mut message = error::support_message(details.server_text.as_deref(), fallback, Some(status), &details.code, &req.method, url::path_of(&req.url), details.request_id.as_deref());
    if error::cors_hid_timing(status, snapshot.kind() == "cors", rate.any()) {
        message.push_str(error::CORS_HIDDEN_NOTE);
    }
    build(
        ErrorFields {
            kind,
            message: &message,
            status: Some(status),
            details: Some(&details),
            code: "",
            method: &req.method,
            url: &req.url,
            headers: fetch::headers_object(&headers),
            body,
            retry_after_ms: rate.server_wait_ms(rate.acted_status(status)),
            rate_limit: rate_limit_value(inner),
            attempts: 0,
            cause: JsValue::UNDEFINED,
        },
        &inner.secrets.borrow(),
    )
}

/// An error with no HTTP response behind it (connection, timeout, redirect refused, poll deadline).
pub(crate) fn plain_error(inner: &Inner, req: &Req, kind: ErrorKind, text: &str, cause: JsValue) -> JsValue {
    plain_error_with_code(inner, req, kind, &kind.default_code(0), text, cause, None)
}

/// `answer`: the status and response of an answer whose body could not be used (its headers go into the error,
/// redacted like everything else in it).
#[inline(never)]
pub(crate) fn plain_error_with_code(inner: &Inner, req: &Req, kind: ErrorKind, code: &str, text: &str, cause: JsValue, answer: Option<(u16, &Response)>) -> JsValue {
    let status = answer.map(|(status, _)| status);
    let message = error::support_message(Some(text), "", status, code, &req.method, url::path_of(&req.url), None);
    build(
        ErrorFields {
            kind,
            message: &message,
            status,
            details: None,
            code,
            method: &req.method,
            url: &req.url,
            headers: answer.map_or(JsValue::UNDEFINED, |(_, response)| fetch::headers_object(&response.headers())),
            body: JsValue::UNDEFINED,
            retry_after_ms: None,
            rate_limit: rate_limit_value(inner),
            attempts: 1,
            cause,
        },
        &inner.secrets.borrow(),
    )
}

pub(crate) fn redirect_error(inner: &Inner, req: &Req, text: &str) -> JsValue {
    plain_error_with_code(inner, req, ErrorKind::Api, "redirect_refused", text, JsValue::UNDEFINED, None)
}

/// A 2xx whose body does not parse as the JSON it claims to be (`invalid_response`), with the answer's headers.
#[inline(never)]
pub(crate) fn invalid_response_error(inner: &Inner, req: &Req, status: u16, response: &Response, _rate: &RateHeaders) -> JsValue {
    plain_error_with_code(inner, req, ErrorKind::Api, "invalid_response", "the response body is not valid JSON", JsValue::UNDEFINED, Some((status, response)))
}


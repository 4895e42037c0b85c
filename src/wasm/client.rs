//! The `Client` class JS sees: the constructor reads the options once, the methods start calls. Every decision
//! (URL, retry, wait, limit, error fields) is made by the core; the engine runs the calls.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::core::limiter::Limiter;
use crate::core::options::{self, defaults, RetryPolicy};
use crate::core::url::{self, BaseUrl};
use crate::wasm::engine::{execute, poll, rate_limit_value};
use crate::wasm::errors::{option_error, set, type_error};
use crate::wasm::fetch;
use crate::wasm::read_options::{concat, member, prepare, present, read_function, read_headers, read_number, read_rate_windows, read_retry, read_string};
use crate::wasm::share::{self, Share, SharedQuota};
use crate::wasm::timers;

/// How many distinct tokens from a token function are remembered for redaction.
pub(crate) const MAX_REMEMBERED_SECRETS: usize = 16;
/// Secrets shorter than this are not redacted: they would mangle ordinary text and protect nothing.
pub(crate) const MIN_REDACTED_LEN: usize = 4;

/// Where the `Authorization` value comes from.
pub(crate) enum Token {
    Fixed(String),
    /// Called before every attempt (and once more after a 401).
    Function(Function),
}

/// The client's configuration and shared state; requests in flight hold it alive.
pub(crate) struct Inner {
    pub(crate) base: BaseUrl,
    pub(crate) api_key: Option<String>,
    pub(crate) api_key_header: String,
    pub(crate) token: Option<Token>,
    pub(crate) token_scheme: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout_ms: f64,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) on_retry: Option<Function>,
    pub(crate) fetch: Option<Function>,
    /// The client's own limits; with a share, only its concurrency cap (the share decides the rest).
    pub(crate) limiter: RefCell<Limiter>,
    /// The quota shared with other tabs and workers (`shareAcross`), when the runtime supports it.
    pub(crate) share: Option<Share>,
    /// Requests waiting for a rate-limit change wait on this; every answer wakes them.
    pub(crate) gate: JsValue,
    /// How many requests wait on `gate`, so that an answer with nobody waiting costs no call into JS.
    pub(crate) waiting: std::cell::Cell<u32>,
    /// The client's fixed headers (lower-case names) with the apiKey, built once as a JS object.
    pub(crate) base_headers: JsValue,
    /// The same without any credential, for a redirect to another origin.
    pub(crate) public_headers: JsValue,
    /// `headers::READ_HEADERS` as a JS array, for one-call header snapshots.
    pub(crate) header_names: JsValue,
    /// The apiKey and tokens, redacted from every error.
    pub(crate) secrets: RefCell<Vec<String>>,
}

/// A client for one REST API: `new Client({ baseUrl, apiKey, ... })`. See the package's README and types.
#[wasm_bindgen]
pub struct Client {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Client {
    /// Creates a client; throws a `TypeError` naming the first invalid option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Client, JsValue> {
        if !options.is_object() {
            return Err(type_error("options must be an object with a baseUrl"));
        }
        let base_url = read_string(&options, "baseUrl")?.ok_or_else(|| type_error("baseUrl is required"))?;
        let base = url::parse_base_url(&base_url).map_err(|e| type_error(e.message()))?;
        let api_key = read_string(&options, "apiKey")?;
        if let Some(key) = &api_key {
            options::check_header_value("apiKey", key).map_err(option_error)?;
        }
        let api_key_header = read_string(&options, "apiKeyHeader")?.unwrap_or_else(|| defaults::API_KEY_HEADER.into());
        options::check_header_name("apiKeyHeader", &api_key_header).map_err(option_error)?;
        let token_value = member(&options, "token");
        let token = if !present(&token_value) {
            None
        } else if let Some(t) = token_value.as_string() {
            options::check_header_value("token", &t).map_err(option_error)?;
            Some(Token::Fixed(t))
        } else if let Some(f) = token_value.dyn_ref::<Function>() {
            Some(Token::Function(f.clone()))
        } else {
            return Err(type_error("token must be a string or a function"));
        };
        let token_scheme = read_string(&options, "tokenScheme")?.unwrap_or_else(|| defaults::TOKEN_SCHEME.into());
        options::check_header_value("tokenScheme", &token_scheme).map_err(option_error)?;
        let headers = read_headers(&options, "headers")?;
        let timeout_ms = match read_number(&options, "timeoutMs") {
            Some(v) => options::check_number("timeoutMs", v, 0.0).map_err(option_error)?,
            None => defaults::TIMEOUT_MS,
        };
        let retry = read_retry(&member(&options, "retry"), Some(&RetryPolicy::default()))?;
        let windows = read_rate_windows(&member(&options, "rateLimit"))?;
        let max_concurrency = match read_number(&options, "maxConcurrency") {
            Some(v) => Some(options::check_count("maxConcurrency", v, 1.0).map_err(option_error)?),
            None => None,
        };
        let adaptive = member(&options, "adaptive");
        if present(&adaptive) && adaptive.as_bool().is_none() {
            return Err(type_error("adaptive must be a boolean"));
        }
        let adaptive = adaptive.as_bool().unwrap_or(true);
        // One share per name and API: clients for different APIs never share a quota by accident.
        let share = match read_string(&options, "shareAcross")? {
            Some(name) if !name.is_empty() => {
                let quota = SharedQuota::new(Limiter::new(&windows, None).with_adaptive(adaptive));
                share::join_share(&concat(&name, &concat(" ", &base_url)), quota)
            }
            Some(_) => return Err(type_error("shareAcross must be a non-empty string")),
            None => None,
        };
        let limiter = match share {
            Some(_) => Limiter::new(&[], max_concurrency),
            None => Limiter::new(&windows, max_concurrency).with_adaptive(adaptive),
        };
        let public_headers = Object::new();
        for (name, value) in &headers {
            let name = name.to_ascii_lowercase();
            if name != "authorization" && !name.eq_ignore_ascii_case(&api_key_header) {
                set(&public_headers, &name, &JsValue::from_str(value));
            }
        }
        let base_headers = Object::assign(&Object::new(), &public_headers);
        for (name, value) in &headers {
            set(&base_headers, &name.to_ascii_lowercase(), &JsValue::from_str(value));
        }
        if let Some(key) = &api_key {
            set(&base_headers, &api_key_header.to_ascii_lowercase(), &JsValue::from_str(key));
        }
        let mut secrets = Vec::new();
        secrets.extend(api_key.iter().cloned());
        if let Some(Token::Fixed(t)) = &token {
            secrets.push(t.clone());
        }
        secrets.retain(|s| s.len() >= MIN_REDACTED_LEN);
        Ok(Client {
            inner: Rc::new(Inner {
                base,
                api_key,
                api_key_header,
                token,
                token_scheme,
                headers,
                timeout_ms,
                retry,
                on_retry: read_function(&options, "onRetry")?,
                fetch: read_function(&options, "fetch")?,
                limiter: RefCell::new(limiter),
                share,
                gate: timers::new_gate(),
                waiting: Cell::new(0),
                base_headers: base_headers.into(),
                public_headers: public_headers.into(),
                header_names: fetch::read_header_names(),
                secrets: RefCell::new(secrets),
            }),
        })
    }

    /// GET `path`.
    pub fn get(&self, path: JsValue, options: JsValue) -> Promise {
        self.start("GET", path, JsValue::UNDEFINED, options)
    }

    /// POST `body` to `path`.
    pub fn post(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.start("POST", path, body, options)
    }

    /// PUT `body` to `path`.
    pub fn put(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.start("PUT", path, body, options)
    }

    /// PATCH `path` with `body`.
    pub fn patch(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.start("PATCH", path, body, options)
    }

    /// DELETE `path`.
    pub fn delete(&self, path: JsValue, options: JsValue) -> Promise {
        self.start("DELETE", path, JsValue::UNDEFINED, options)
    }

    /// HEAD `path` (resolves with `undefined`).
    pub fn head(&self, path: JsValue, options: JsValue) -> Promise {
        self.start("HEAD", path, JsValue::UNDEFINED, options)
    }

    /// Any method; the body is `options.body`.
    pub fn request(&self, method: JsValue, path: JsValue, options: JsValue) -> Promise {
        let Some(method) = method.as_string() else { return Promise::reject(&type_error("method must be a string")) };
        match options::normalize_method(&method) {
            Ok(method) => self.start(&method, path, member(&options, "body"), options),
            Err(e) => Promise::reject(&option_error(e)),
        }
    }

    /// GETs `path` until the answer is not 204 ("still processing"), waiting `Retry-After` or `intervalMs`
    /// between tries; rejects with `TimeoutError` after `maxWaitMs` (0 = no deadline).
    pub fn poll(&self, path: JsValue, options: JsValue) -> Promise {
        let interval = read_number(&options, "intervalMs").map(|v| options::check_number("intervalMs", v, 0.0)).unwrap_or(Ok(defaults::POLL_INTERVAL_MS));
        let max_wait = read_number(&options, "maxWaitMs").map(|v| options::check_number("maxWaitMs", v, 0.0)).unwrap_or(Ok(defaults::POLL_MAX_WAIT_MS));
        let (interval, max_wait) = match (interval, max_wait) {
            (Ok(i), Ok(m)) => (i, m),
            (Err(e), _) | (_, Err(e)) => return Promise::reject(&option_error(e)),
        };
        let req = match prepare(&self.inner, "GET", path, JsValue::UNDEFINED, &options) {
            Ok(req) => req,
            Err(e) => return Promise::reject(&e),
        };
        let inner = self.inner.clone();
        future_to_promise(async move { poll(&inner, &req, interval, max_wait).await })
    }

    /// `{ limit, remaining, resetAt, observedAt }` from the latest response with rate-limit headers, else null.
    #[wasm_bindgen(getter, js_name = rateLimit)]
    pub fn rate_limit(&self) -> JsValue {
        rate_limit_value(&self.inner)
    }

    fn start(&self, method: &str, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        match prepare(&self.inner, method, path, body, &options) {
            Ok(req) => {
                let inner = self.inner.clone();
                future_to_promise(async move { execute(&inner, &req).await.map(|s| s.value) })
            }
            Err(e) => Promise::reject(&e),
        }
    }
}


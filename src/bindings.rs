//! The `Client` class JS sees. It reads the options from JS values, asks the core what to do, and moves values
//! across: every decision (URL, retry, wait, limit, error fields) is made by the core modules.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::error::{self, ErrorKind};
use crate::headers::{HeaderList, HeaderSnapshot, RateHeaders};
use crate::js_error::{self, set, ErrorFields, JsBody};
use crate::limiter::{Admission, Limiter, Ticket};
use crate::options::{self, defaults, OptionError, RetryOverrides, RetryPolicy};
use crate::response::{self, BodyKind, ResponseType};
use crate::retry::{self, Decision, FailedAttempt, Failure, RetryReason};
use crate::share::{self, Share, SharedQuota};
use crate::timer::{self, AttemptGuard};
use crate::transport::{self, Response};
use crate::url::{self, BaseUrl};

/// Redirects followed within one attempt before giving up (browsers allow 20; APIs need one or two).
const MAX_REDIRECTS: u32 = 10;
/// How many distinct tokens from a token function are remembered for redaction.
const MAX_REMEMBERED_SECRETS: usize = 16;
/// Secrets shorter than this are not redacted: they would mangle ordinary text and protect nothing.
const MIN_REDACTED_LEN: usize = 4;

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

fn option_error(e: OptionError) -> JsValue {
    type_error(&e.0)
}

fn concat(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len());
    s.push_str(a);
    s.push_str(b);
    s
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn member(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() || obj.is_function() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn present(v: &JsValue) -> bool {
    !v.is_undefined() && !v.is_null()
}

fn read_string(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| type_error(&concat(key, " must be a string")))
}

/// A number option; a value of another type reads as NaN so that validation names the option.
fn read_number(obj: &JsValue, key: &str) -> Option<f64> {
    let v = member(obj, key);
    present(&v).then(|| v.as_f64().unwrap_or(f64::NAN))
}

fn read_function(obj: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| type_error(&concat(key, " must be a function")))
}

/// A scalar as the string a URL or header carries: strings as they are, numbers and booleans written out.
fn scalar_text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    if let Some(b) = v.as_bool() {
        return Some(String::from(if b { "true" } else { "false" }));
    }
    js_error::number_text(v.as_f64()?)
}

/// The entries of a plain object, or of an iterable of pairs (a `Headers`, a `Map`).
fn entries(value: &JsValue) -> Result<js_sys::Array, JsValue> {
    let is_iterable = Reflect::has(value, &js_sys::Symbol::iterator()).unwrap_or(false);
    let object: Object = if is_iterable { Object::from_entries(value)? } else { value.clone().unchecked_into() };
    Ok(Object::entries(&object))
}

/// A `headers` option: names must be header tokens, values must not smuggle CR/LF.
fn read_headers(obj: &JsValue, key: &str) -> Result<Vec<(String, String)>, JsValue> {
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
fn read_retry(v: &JsValue, base: Option<&RetryPolicy>) -> Result<Option<RetryPolicy>, JsValue> {
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

fn read_rate_windows(v: &JsValue) -> Result<Vec<options::RateWindow>, JsValue> {
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

/// Where the `Authorization` value comes from.
enum Token {
    Fixed(String),
    /// Called before every attempt (and once more after a 401).
    Function(Function),
}

/// The client's configuration and shared state; requests in flight hold it alive.
struct Inner {
    base: BaseUrl,
    api_key: Option<String>,
    api_key_header: String,
    token: Option<Token>,
    token_scheme: String,
    headers: Vec<(String, String)>,
    timeout_ms: f64,
    retry: Option<RetryPolicy>,
    on_retry: Option<Function>,
    fetch: Option<Function>,
    /// The client's own limits; with a share, only its concurrency cap (the share decides the rest).
    limiter: RefCell<Limiter>,
    /// The quota shared with other tabs and workers (`shareAcross`), when the runtime supports it.
    share: Option<Share>,
    /// Requests waiting for a rate-limit change wait on this; every answer wakes them.
    gate: JsValue,
    /// How many requests wait on `gate`, so that an answer with nobody waiting costs no call into JS.
    waiting: std::cell::Cell<u32>,
    /// The client's fixed headers (lower-case names) with the apiKey, built once as a JS object.
    base_headers: JsValue,
    /// The same without any credential, for a redirect to another origin.
    public_headers: JsValue,
    /// `headers::READ_HEADERS` as a JS array, for one-call header snapshots.
    header_names: JsValue,
    /// The apiKey and tokens, redacted from every error.
    secrets: RefCell<Vec<String>>,
}

/// A client for one REST API: `new Client({ baseUrl, apiKey, ... })`. See the package's README and types.
#[wasm_bindgen]
pub struct Client {
    inner: Rc<Inner>,
}

/// One request, validated and ready to send (possibly several times).
struct Req {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: JsValue,
    json_body: bool,
    replayable: bool,
    signal: JsValue,
    timeout_ms: f64,
    retry: Option<RetryPolicy>,
    idempotency_key: Option<String>,
    response_type: ResponseType,
}

/// A successful answer.
struct Success {
    value: JsValue,
    status: u16,
    retry_after_ms: Option<f64>,
}

/// How one attempt ended.
enum Outcome {
    Done(Success),
    /// Rejected as it is, never retried: the caller's abort reason, a token function's error, a redirect refusal.
    Thrown(JsValue),
    /// A typed error the retry policy decides about.
    Failed { error: JsValue, failure: Failure, server_wait_ms: Option<f64> },
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
                gate: timer::new_gate(),
                waiting: std::cell::Cell::new(0),
                base_headers: base_headers.into(),
                public_headers: public_headers.into(),
                header_names: transport::read_header_names(),
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

/// Validates a request's arguments into a [`Req`]; every problem is a `TypeError`.
fn prepare(inner: &Inner, method: &str, path: JsValue, body: JsValue, options: &JsValue) -> Result<Req, JsValue> {
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
    let json_body = timer::is_json_body(&body);
    let body = if json_body { transport::json_stringify(&body).map_err(|_| type_error("body could not be serialised as JSON"))? } else { body };
    Ok(Req {
        method: method.into(),
        url,
        headers: read_headers(options, "headers")?,
        replayable: !timer::is_stream(&body),
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
fn abort_reason(signal: &JsValue) -> Option<JsValue> {
    (present(signal) && member(signal, "aborted").is_truthy()).then(|| member(signal, "reason"))
}

/// Sends `req` until it succeeds or the retry policy stops: the request engine.
async fn execute(inner: &Inner, req: &Req) -> Result<Success, JsValue> {
    if let Some(reason) = abort_reason(&req.signal) {
        return Err(reason);
    }
    let mut attempts = 0u32; // attempts sent, for the error's `attempts`
    let mut counted = 0u32; // attempts that count against maxRetries (a token refresh after 401 does not)
    let mut refreshed_token = false; // true from the attempt after a 401 on: the token function is asked to refresh
    loop {
        let turn = match admit(inner, req).await {
            Ok(turn) => turn,
            Err(e) => {
                if js_error::is_api_error(&e) {
                    set(e.unchecked_ref(), "attempts", &attempts.into());
                }
                return Err(e);
            }
        };
        attempts += 1;
        counted += 1;
        let (error, failure, server_wait_ms) = match attempt(inner, req, turn, refreshed_token).await {
            Outcome::Done(success) => return Ok(success),
            Outcome::Thrown(e) => return Err(e),
            Outcome::Failed { error, failure, server_wait_ms } => (error, failure, server_wait_ms),
        };
        set(error.unchecked_ref(), "attempts", &attempts.into());
        if failure == Failure::Status(401) && !refreshed_token && matches!(inner.token, Some(Token::Function(_))) {
            refreshed_token = true;
            counted -= 1;
            continue;
        }
        let failed = FailedAttempt {
            attempt: counted,
            failure,
            method: &req.method,
            idempotent_key: req.idempotency_key.is_some(),
            body_replayable: req.replayable,
            server_wait_ms,
        };
        let Decision::RetryAfter { delay_ms, reason } = retry::decide(req.retry.as_ref(), &failed, js_sys::Math::random()) else {
            return Err(error);
        };
        if let Some(on_retry) = &inner.on_retry {
            let event = Object::new();
            set(&event, "attempt", &counted.into());
            set(&event, "delayMs", &delay_ms.into());
            set(&event, "reason", &JsValue::from_str(reason.as_str()));
            set(&event, "error", &error);
            set(&event, "method", &JsValue::from_str(&req.method));
            set(&event, "url", &JsValue::from_str(&req.url));
            let learned = match &inner.share {
                Some(share) => share.learned_rate(),
                None => inner.limiter.borrow().learned_rate_per_s(),
            };
            if let Some(rate) = learned {
                set(&event, "learnedRate", &rate.into());
            }
            // A throwing listener must not break the request.
            let _ = on_retry.call1(&JsValue::UNDEFINED, &event);
        }
        if reason == RetryReason::RateLimited {
            // One cooldown for the whole client: this request and every other wait for it in `admit`.
            let until = now() + delay_ms;
            match &inner.share {
                Some(share) => share.cool_down(until),
                None => inner.limiter.borrow_mut().cool_down(until),
            }
            wake_waiting(inner);
        } else {
            timer::sleep(delay_ms, &req.signal, &JsValue::UNDEFINED).await?;
        }
    }
}

/// A request's turn to be sent: its place in the client's limiter, and the shared quota's grant when shared.
struct Turn {
    ticket: Ticket,
    grant: Option<JsValue>,
}

/// Waits until the limiter (and the shared quota, when shared) lets a request go; `Err(signal.reason)` on abort,
/// and a `RateLimitError` at once when the wait would be longer than `maxRetryAfterMs` (a spent quota that resets
/// in an hour).
async fn admit(inner: &Inner, req: &Req) -> Result<Turn, JsValue> {
    let ticket = loop {
        let at = now();
        let admission = inner.limiter.borrow_mut().admit(at);
        let wait_ms = match admission {
            Admission::Go(ticket) => break ticket,
            Admission::WaitUntil(until) => until - at,
            Admission::WaitForAnswer => f64::INFINITY,
        };
        if wait_ms.is_finite() && !retry::may_wait_for_turn(req.retry.as_ref(), wait_ms) {
            return Err(turn_too_far(inner, req, wait_ms));
        }
        inner.waiting.set(inner.waiting.get() + 1);
        let woken = timer::sleep(wait_ms, &req.signal, &inner.gate).await;
        inner.waiting.set(inner.waiting.get() - 1);
        woken?;
    };
    let Some(share) = &inner.share else { return Ok(Turn { ticket, grant: None }) };
    let max_wait_ms = req.retry.as_ref().map_or(options::defaults::MAX_RETRY_AFTER_MS, |p| p.max_retry_after_ms);
    let outcome = JsFuture::from(share.acquire(max_wait_ms, &req.signal)).await;
    let grant = match outcome {
        Ok(grant) if member(&grant, "waitMs").as_f64().is_none() => Ok(grant),
        Ok(refusal) => Err(turn_too_far(inner, req, member(&refusal, "waitMs").as_f64().unwrap_or(0.0))),
        Err(e) => Err(e),
    }
    .inspect_err(|_| {
        inner.limiter.borrow_mut().cancel(ticket);
        wake_waiting(inner);
    })?;
    Ok(Turn { ticket, grant: Some(grant) })
}

/// The `RateLimitError` for a turn further away than `maxRetryAfterMs`: not sent.
fn turn_too_far(inner: &Inner, req: &Req, wait_ms: f64) -> JsValue {
    let mut text = String::from("the rate limit allows the next request in ");
    error::push_u32(&mut text, (wait_ms / 1000.0).ceil().min(u32::MAX as f64) as u32);
    text.push_str(" s, later than maxRetryAfterMs; not sent");
    let error = plain_error_with_code(inner, req, ErrorKind::RateLimit, "too_many_requests", &text, JsValue::UNDEFINED, None);
    set(error.unchecked_ref(), "retryAfterMs", &wait_ms.into());
    set(error.unchecked_ref(), "attempts", &0.into());
    error
}

/// `client.rateLimit`: the share's state when shared, else the client's own.
fn rate_limit_value(inner: &Inner) -> JsValue {
    match &inner.share {
        Some(share) => share.state(),
        None => js_error::rate_limit_object(inner.limiter.borrow().state()),
    }
}

/// Wakes the requests waiting for a rate-limit change, if any.
fn wake_waiting(inner: &Inner) {
    if inner.waiting.get() > 0 {
        timer::wake(&inner.gate);
    }
}

/// Reports an answer (its status and rate headers, or none) at `at` to the limiter (and the shared quota) and wakes
/// the requests waiting on it.
fn report(inner: &Inner, turn: &Turn, at: f64, rate: Option<&RateHeaders>, status: Option<u16>) {
    match (&inner.share, &turn.grant) {
        (Some(share), Some(grant)) => {
            inner.limiter.borrow_mut().finish(turn.ticket, at, None);
            let told = rate.and_then(|r| r.state(at));
            let (limit, remaining, reset_at) = told.map_or((f64::NAN, f64::NAN, f64::NAN), |s| (s.limit, s.remaining, s.reset_at.unwrap_or(f64::NAN)));
            share.release(grant, status.map_or(0, i32::from), limit, remaining, reset_at);
        }
        _ => inner.limiter.borrow_mut().finish_with_status(turn.ticket, at, rate, status),
    }
    wake_waiting(inner);
}

/// Gives back a turn whose request was never sent.
fn cancel(inner: &Inner, turn: &Turn) {
    inner.limiter.borrow_mut().cancel(turn.ticket);
    if let (Some(share), Some(grant)) = (&inner.share, &turn.grant) {
        share.release(grant, -1, f64::NAN, f64::NAN, f64::NAN);
    }
    wake_waiting(inner);
}

/// The headers of one attempt beyond the client's fixed ones: request headers, JSON type, idempotency key and the
/// token (a token function is called here, for every attempt, with `{ refresh }` true after a 401 so that
/// a caching function knows to fetch a new token).
async fn attempt_headers(inner: &Inner, req: &Req, refresh_token: bool) -> Result<HeaderList, JsValue> {
    // The client's own headers and the apiKey are in `inner.base_headers` already; these come on top.
    let mut headers = HeaderList::default();
    for (name, value) in &req.headers {
        headers.set(&name.to_ascii_lowercase(), value);
    }
    let has = |name: &str| headers.has(name) || inner.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if req.json_body && !has("content-type") {
        headers.set("content-type", "application/json");
    }
    if let Some(key) = &req.idempotency_key {
        headers.set("idempotency-key", key);
    }
    let token = match &inner.token {
        None => return Ok(headers),
        Some(Token::Fixed(t)) => t.clone(),
        Some(Token::Function(f)) => {
            let context = Object::new();
            set(&context, "refresh", &JsValue::from_bool(refresh_token));
            let value = f.call1(&JsValue::UNDEFINED, &context)?;
            let value = JsFuture::from(Promise::resolve(&value)).await?;
            let t = value.as_string().ok_or_else(|| type_error("token function must return a string"))?;
            options::check_header_value("token", &t).map_err(option_error)?;
            let mut secrets = inner.secrets.borrow_mut();
            if t.len() >= MIN_REDACTED_LEN && !secrets.contains(&t) {
                if secrets.len() >= MAX_REMEMBERED_SECRETS {
                    secrets.remove(usize::from(inner.api_key.is_some()));
                }
                secrets.push(t.clone());
            }
            t
        }
    };
    let value = if inner.token_scheme.is_empty() { token } else { concat(&inner.token_scheme, &concat(" ", &token)) };
    headers.set("authorization", &value);
    Ok(headers)
}

/// One attempt: headers, fetch (following redirects on the base origin), then the body or the typed error.
async fn attempt(inner: &Inner, req: &Req, turn: Turn, refresh_token: bool) -> Outcome {
    let headers = match attempt_headers(inner, req, refresh_token).await {
        Ok(h) => h,
        Err(e) => {
            cancel(inner, &turn);
            return Outcome::Thrown(e);
        }
    };
    let guard = AttemptGuard::start(req.timeout_ms, &req.signal);
    let response = match send(inner, req, headers, &guard.0.signal()).await {
        Ok(response) => response,
        Err(e) => {
            report(inner, &turn, now(), None, None);
            return failure_outcome(inner, req, &guard, e);
        }
    };
    let snapshot = transport::snapshot(&response.headers(), &inner.header_names);
    let at = now();
    let rate = RateHeaders::read(&snapshot, at);
    let status = response.status();
    report(inner, &turn, at, Some(&rate), Some(status));
    if (200..300).contains(&status) {
        return match read_success(&response, &snapshot, req, status).await {
            Ok(Some(value)) => Outcome::Done(Success { value, status, retry_after_ms: rate.retry_after_ms }),
            Ok(None) => Outcome::Thrown(invalid_response_error(inner, req, status, &response, &rate)),
            Err(e) => failure_outcome(inner, req, &guard, e),
        };
    }
    let body = match read_error_body(&response, &snapshot).await {
        Ok(body) => body,
        Err(e) => return failure_outcome(inner, req, &guard, e),
    };
    let error = http_error(inner, req, status, &response, body, &rate);
    Outcome::Failed { error, failure: Failure::Status(status), server_wait_ms: rate.server_wait_ms(status) }
}

/// Fetches, following redirects itself so that credentials go only to the base origin: a redirect to another
/// origin is followed without the apiKey and Authorization headers. Browsers hide redirect targets
/// ("opaqueredirect"), so there a redirect is refused with an ApiError.
async fn send(inner: &Inner, req: &Req, mut headers: HeaderList, signal: &JsValue) -> Result<Response, JsValue> {
    let mut url = req.url.clone();
    let mut method = req.method.clone();
    let mut body = req.body.clone();
    let mut base = &inner.base_headers;
    for _ in 0..=MAX_REDIRECTS {
        let started = transport::start_fetch(inner.fetch.as_ref(), &url, &method, base, &headers, &body, signal)?;
        let response: Response = JsFuture::from(started).await?.unchecked_into();
        let status = response.status();
        // An opaque redirect has status 0; reading `type` only then keeps the common path one call shorter.
        if status == 0 && response.response_type().as_deref() == Some("opaqueredirect") {
            return Err(redirect_error(inner, req, "the runtime hides the redirect's target (a browser does), so polite-fetch cannot check it stays on baseUrl's origin; request the final URL instead"));
        }
        if !response::is_followed_redirect(status) {
            return Ok(response);
        }
        let Some(next) = response.headers().get("location").and_then(|l| timer::resolve_url(&l, &url)) else {
            return Ok(response);
        };
        let change = response::redirect_change(status, &method, url::is_same_origin(&inner.base, &next));
        if change.becomes_get {
            method = String::from("GET");
            body = JsValue::UNDEFINED;
            headers.remove("content-type");
        }
        if change.drops_credentials {
            base = &inner.public_headers;
            headers.remove(&inner.api_key_header);
            headers.remove("authorization");
        }
        url = next;
    }
    Err(redirect_error(inner, req, "too many redirects"))
}

/// An attempt that threw: the caller's abort (rejects with its reason), our timeout, or a network failure.
fn failure_outcome(inner: &Inner, req: &Req, guard: &AttemptGuard, thrown: JsValue) -> Outcome {
    if let Some(reason) = abort_reason(&req.signal) {
        return Outcome::Thrown(reason);
    }
    if guard.0.timed_out() {
        let mut text = String::from("timed out after ");
        error::push_u32(&mut text, req.timeout_ms.min(u32::MAX as f64) as u32);
        text.push_str(" ms");
        let error = plain_error(inner, req, ErrorKind::Timeout, &text, JsValue::UNDEFINED);
        return Outcome::Failed { error, failure: Failure::Timeout, server_wait_ms: None };
    }
    // Errors we made ourselves (a refused redirect) are already typed.
    if js_error::is_api_error(&thrown) {
        return Outcome::Thrown(thrown);
    }
    let text = member(&thrown, "message").as_string().unwrap_or_else(|| String::from("network error"));
    let error = plain_error(inner, req, ErrorKind::Connection, &text, thrown);
    Outcome::Failed { error, failure: Failure::Network, server_wait_ms: None }
}

/// The result of a 2xx; `Ok(None)` when JSON was expected and did not parse.
async fn read_success(response: &Response, snapshot: &HeaderSnapshot, req: &Req, status: u16) -> Result<Option<JsValue>, JsValue> {
    let value = match response::body_kind(req.response_type, status, &req.method, snapshot.get("content-type")) {
        BodyKind::Empty => JsValue::UNDEFINED,
        BodyKind::Response => JsValue::clone(response.as_ref()),
        BodyKind::Text => JsFuture::from(response.text()?).await?,
        BodyKind::ArrayBuffer => JsFuture::from(response.array_buffer()?).await?,
        // With a length, Response.json() parses inside the runtime; without one, an empty body must be told from
        // a broken one, so the text is read first.
        BodyKind::Json => match snapshot.get("content-length").map(str::trim) {
            Some("0") => JsValue::UNDEFINED,
            Some(_) => match JsFuture::from(response.json()?).await {
                Ok(v) => v,
                Err(e) if e.is_instance_of::<js_sys::SyntaxError>() => return Ok(None),
                Err(e) => return Err(e),
            },
            None => {
                let text = JsFuture::from(response.text()?).await?;
                if text.dyn_ref::<js_sys::JsString>().is_some_and(|t| t.trim().length() == 0) {
                    JsValue::UNDEFINED
                } else {
                    match transport::json_parse(&text) {
                        Ok(v) => v,
                        Err(_) => return Ok(None),
                    }
                }
            }
        },
        BodyKind::Blob => {
            let blob = JsFuture::from(response.blob()?).await?;
            if req.response_type == ResponseType::Auto && blob.unchecked_ref::<transport::Blob>().size() == 0.0 {
                JsValue::UNDEFINED
            } else {
                blob
            }
        }
    };
    Ok(Some(value))
}

/// An error response's body: parsed JSON when it is JSON, else its text; undefined when empty.
async fn read_error_body(response: &Response, snapshot: &HeaderSnapshot) -> Result<JsValue, JsValue> {
    let text = JsFuture::from(response.text()?).await?;
    let Some(s) = text.dyn_ref::<js_sys::JsString>() else { return Ok(JsValue::UNDEFINED) };
    if s.length() == 0 {
        return Ok(JsValue::UNDEFINED);
    }
    let first = s.char_code_at(0);
    let first = if first.is_nan() { 0 } else { first as u16 };
    if response::error_body_may_be_json(snapshot.get("content-type"), first) {
        if let Ok(v) = transport::json_parse(&text) {
            return Ok(v);
        }
    }
    Ok(text)
}

/// The typed error of a non-2xx response.
fn http_error(inner: &Inner, req: &Req, status: u16, response: &Response, body: JsValue, rate: &RateHeaders) -> JsValue {
    let kind = ErrorKind::for_status(status);
    let headers = response.headers();
    let body_view = present(&body).then(|| JsBody(body.clone()));
    let details = error::error_details(kind, status, body_view.as_ref(), &headers);
    let status_text = response.status_text();
    let fallback = if status_text.is_empty() { error::reason_phrase(status) } else { &status_text };
    let mut message = error::support_message(details.server_text.as_deref(), fallback, Some(status), &details.code, &req.method, url::path_of(&req.url), details.request_id.as_deref());
    if error::cors_hid_timing(status, response.response_type().as_deref() == Some("cors"), rate.any()) {
        message.push_str(error::CORS_HIDDEN_NOTE);
    }
    js_error::build(
        ErrorFields {
            kind,
            message: &message,
            status: Some(status),
            details: Some(&details),
            code: "",
            method: &req.method,
            url: &req.url,
            headers: transport::headers_object(&headers),
            body,
            retry_after_ms: rate.server_wait_ms(status),
            rate_limit: rate_limit_value(inner),
            attempts: 0,
            cause: JsValue::UNDEFINED,
        },
        &inner.secrets.borrow(),
    )
}

/// An error with no HTTP response behind it (connection, timeout, redirect refused, poll deadline).
fn plain_error(inner: &Inner, req: &Req, kind: ErrorKind, text: &str, cause: JsValue) -> JsValue {
    plain_error_with_code(inner, req, kind, &kind.default_code(0), text, cause, None)
}

fn plain_error_with_code(inner: &Inner, req: &Req, kind: ErrorKind, code: &str, text: &str, cause: JsValue, status: Option<u16>) -> JsValue {
    let message = error::support_message(Some(text), "", status, code, &req.method, url::path_of(&req.url), None);
    js_error::build(
        ErrorFields {
            kind,
            message: &message,
            status,
            details: None,
            code,
            method: &req.method,
            url: &req.url,
            headers: JsValue::UNDEFINED,
            body: JsValue::UNDEFINED,
            retry_after_ms: None,
            rate_limit: rate_limit_value(inner),
            attempts: 1,
            cause,
        },
        &inner.secrets.borrow(),
    )
}

fn redirect_error(inner: &Inner, req: &Req, text: &str) -> JsValue {
    plain_error_with_code(inner, req, ErrorKind::Api, "redirect_refused", text, JsValue::UNDEFINED, None)
}

fn invalid_response_error(inner: &Inner, req: &Req, status: u16, response: &Response, _rate: &RateHeaders) -> JsValue {
    let error = plain_error_with_code(inner, req, ErrorKind::Api, "invalid_response", "the response body is not valid JSON", JsValue::UNDEFINED, Some(status));
    set(error.unchecked_ref(), "headers", &transport::headers_object(&response.headers()));
    error
}

/// `poll`: GET until the answer is not 204.
async fn poll(inner: &Inner, req: &Req, interval_ms: f64, max_wait_ms: f64) -> Result<JsValue, JsValue> {
    let started = now();
    loop {
        let success = execute(inner, req).await?;
        if success.status != 204 {
            return Ok(success.value);
        }
        let wait_ms = success.retry_after_ms.unwrap_or(interval_ms);
        let elapsed = now() - started;
        if max_wait_ms > 0.0 && elapsed + wait_ms > max_wait_ms {
            // The next try would come after the deadline: wait out what is left, then give up.
            timer::sleep((max_wait_ms - elapsed).max(0.0), &req.signal, &JsValue::UNDEFINED).await?;
            let mut text = String::from("still processing after ");
            error::push_u32(&mut text, max_wait_ms.min(u32::MAX as f64) as u32);
            text.push_str(" ms (maxWaitMs)");
            return Err(plain_error(inner, req, ErrorKind::Timeout, &text, JsValue::UNDEFINED));
        }
        timer::sleep(wait_ms, &req.signal, &JsValue::UNDEFINED).await?;
    }
}

//! Reading options from JS values: the client's at construction, a request's at each call. Validation and
//! defaults are the core's (`core::options`); this only moves values across and names the option in errors.
//! Each reader fills one struct field by field, so an invalid option drops one struct, not a cascade of locals
//! (that cascade was most of the constructor's bytes).

use std::rc::Rc;

use crate::wasm::js::{number_string, reflect_get, Array, Function};
use wasm_bindgen::prelude::*;

use crate::core::headers::remove_header;
use crate::core::options::{self, defaults, RateWindow, RetryOverrides, RetryPolicy};
use crate::core::response::ResponseType;
use crate::core::url::{self, BaseUrl};
use crate::wasm::client::{Inner, Token};
use crate::wasm::engine::Req;
use crate::wasm::errors::{option_error, type_error};
use crate::wasm::fetch;
use crate::wasm::hooks::{read_hooks, Hooks};

/// `a` followed by `b`.
pub(crate) fn concat(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len());
    s.push_str(a);
    s.push_str(b);
    s
}

/// `obj[key]`, or undefined when `obj` is no object (or its getter throws).
pub(crate) fn member(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() || obj.is_function() {
        reflect_get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// Neither undefined nor null.
pub(crate) fn present(v: &JsValue) -> bool {
    !v.is_undefined() && !v.is_null()
}

/// A string option (absent: `None`).
pub(crate) fn read_string(obj: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| type_error(&concat(key, " must be a string")))
}

/// A string option sent as a header value (no CR, LF or NUL), or `default` when absent.
fn read_header_value(obj: &JsValue, key: &str, default: Option<&str>) -> Result<Option<String>, JsValue> {
    let value = read_string(obj, key)?.or_else(|| default.map(String::from));
    if let Some(v) = &value {
        options::check_header_value(key, v).map_err(option_error)?;
    }
    Ok(value)
}

/// A number option; a value of another type reads as NaN so that validation names the option.
pub(crate) fn read_number(obj: &JsValue, key: &str) -> Option<f64> {
    let v = member(obj, key);
    present(&v).then(|| v.as_f64().unwrap_or(f64::NAN))
}

/// A duration in ms (at least 0), or `default` when absent.
pub(crate) fn read_ms(obj: &JsValue, key: &str, default: f64) -> Result<f64, JsValue> {
    match read_number(obj, key) {
        Some(v) => options::check_number(key, v, 0.0).map_err(option_error),
        None => Ok(default),
    }
}

/// A function option (absent: `None`).
pub(crate) fn read_function(obj: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| type_error(&concat(key, " must be a function")))
}

/// The client's options, read and validated; `Client::new` builds the client from them.
#[derive(Default, Clone)]
pub(crate) struct ClientOptions {
    /// `baseUrl` as given (names the share).
    pub(crate) base_url: String,
    /// `baseUrl` parsed: origin and path prefix.
    pub(crate) base: BaseUrl,
    /// `apiKey`.
    pub(crate) api_key: Option<String>,
    /// `apiKeyHeader` (default `X-API-Key`).
    pub(crate) api_key_header: String,
    /// `token`: a string or a function.
    pub(crate) token: Option<Token>,
    /// `tokenScheme` (default `Bearer`).
    pub(crate) token_scheme: String,
    /// `headers`, validated.
    pub(crate) headers: Vec<(String, String)>,
    /// `timeoutMs` per attempt (0: none).
    pub(crate) timeout_ms: f64,
    /// `retry`; `None` when `false`.
    pub(crate) retry: Option<Rc<RetryPolicy>>,
    /// `rateLimit` windows.
    pub(crate) windows: Vec<RateWindow>,
    /// `maxConcurrency`.
    pub(crate) max_concurrency: Option<u32>,
    /// `adaptive` (default true).
    pub(crate) adaptive: bool,
    /// `shareAcross` as a name.
    pub(crate) share_name: Option<String>,
    /// `shareAcross` as a quota object (`redisQuota(...)`: anything with a `join` function).
    pub(crate) share_provider: Option<JsValue>,
    /// `onRetry`.
    pub(crate) on_retry: Option<Function>,
    /// `onWait`.
    pub(crate) on_wait: Option<Function>,
    /// `fetch`.
    pub(crate) fetch: Option<Function>,
    /// `hooks`, the parent's lists first.
    pub(crate) hooks: Hooks,
    /// `persist`: the key and the storage (`undefined`: localStorage).
    pub(crate) persist: Option<(String, JsValue)>,
    /// `revalidate`: how many results to remember (`None`: off).
    pub(crate) revalidate: Option<usize>,
    /// `dedupe`, for every call that does not say otherwise.
    pub(crate) dedupe: bool,
}

impl ClientOptions {
    /// The options of a client given only its `baseUrl`: every default filled in.
    #[inline(never)]
    pub(crate) fn fresh() -> ClientOptions {
        ClientOptions {
            api_key_header: defaults::API_KEY_HEADER.into(),
            token_scheme: defaults::TOKEN_SCHEME.into(),
            timeout_ms: defaults::TIMEOUT_MS,
            retry: Some(Rc::new(RetryPolicy::default())),
            adaptive: true,
            ..ClientOptions::default()
        }
    }
}

/// Options that set an API's limits: `extend()` with the same origin shares the limits, so it refuses them.
const QUOTA_OPTIONS: [&str; 5] = ["rateLimit", "maxConcurrency", "adaptive", "shareAcross", "persist"];

/// Reads the `Client` options `o` over `c` (the defaults, or the parent's options for `extend()`, whose
/// `baseUrl` is `parent`); the first invalid one is a `TypeError` naming it.
pub(crate) fn read_client(o: &JsValue, c: &mut ClientOptions, parent: Option<&BaseUrl>) -> Result<(), JsValue> {
    if parent.is_some() && !present(o) {
        return Ok(());
    }
    if !o.is_object() {
        return Err(type_error("options must be an object with a baseUrl"));
    }
    match read_string(o, "baseUrl")? {
        Some(base_url) => {
            c.base = url::parse_base_url(&base_url).map_err(|e| type_error(e.message()))?;
            c.base_url = base_url;
        }
        None if parent.is_none() => return Err(type_error("baseUrl is required")),
        None => {}
    }
    match parent {
        Some(p) if p.origin == c.base.origin => {
            if let Some(key) = QUOTA_OPTIONS.into_iter().find(|key| present(&member(o, key))) {
                return Err(type_error(&concat(key, " cannot be given to extend() for the same origin: the new client shares its parent's limits")));
            }
        }
        // Another API: the parent's credentials are not for it.
        Some(_) => {
            c.api_key = None;
            c.token = None;
            // Nor is its stored state (two APIs under one key would overwrite each other), nor a quota object.
            c.persist = None;
            c.share_provider = None;
            let key_header = c.api_key_header.clone();
            let [token, key] = options::credential_headers(&key_header);
            remove_header(&mut c.headers, token);
            remove_header(&mut c.headers, key);
        }
        None => {}
    }
    if let Some(key) = read_header_value(o, "apiKey", None)? {
        c.api_key = Some(key);
    }
    if let Some(name) = read_string(o, "apiKeyHeader")? {
        c.api_key_header = name;
    }
    options::check_header_name("apiKeyHeader", &c.api_key_header).map_err(option_error)?;
    let token = member(o, "token");
    if token.is_string() {
        c.token = read_header_value(o, "token", None)?.map(Token::Fixed);
    } else if token.is_function() {
        c.token = Some(Token::Function(token.unchecked_into()));
    } else if present(&token) {
        return Err(type_error("token must be a string or a function"));
    }
    if let Some(scheme) = read_header_value(o, "tokenScheme", None)? {
        c.token_scheme = scheme;
    }
    merge_headers(o, "headers", &mut c.headers)?;
    c.timeout_ms = read_ms(o, "timeoutMs", c.timeout_ms)?;
    c.retry = read_retry(&member(o, "retry"), c.retry.as_ref())?;
    let windows = member(o, "rateLimit");
    if present(&windows) {
        c.windows = read_rate_windows(&windows)?;
    }
    if let Some(v) = read_number(o, "maxConcurrency") {
        c.max_concurrency = Some(options::check_count("maxConcurrency", v, 1.0).map_err(option_error)?);
    }
    let adaptive = member(o, "adaptive");
    if present(&adaptive) {
        c.adaptive = adaptive.as_bool().ok_or_else(|| type_error("adaptive must be a boolean"))?;
    }
    let share = member(o, "shareAcross");
    if share.is_object() && member(&share, "join").is_function() {
        c.share_provider = Some(share);
    } else if present(&share) {
        match share.as_string() {
            Some(name) if !name.is_empty() => c.share_name = Some(name),
            _ => return Err(type_error("shareAcross must be a non-empty string or a quota object")),
        }
    }
    if let Some(f) = read_function(o, "onRetry")? {
        c.on_retry = Some(f);
    }
    if let Some(f) = read_function(o, "onWait")? {
        c.on_wait = Some(f);
    }
    if let Some(f) = read_function(o, "fetch")? {
        c.fetch = Some(f);
    }
    let hooks = member(o, "hooks");
    if present(&hooks) {
        c.hooks = read_hooks(&hooks, &c.hooks)?;
    }
    let persist = member(o, "persist");
    if present(&persist) {
        c.persist = Some(read_persist(&persist)?);
    }
    let revalidate = member(o, "revalidate");
    if present(&revalidate) {
        c.revalidate = read_revalidate(&revalidate)?;
    }
    if let Some(dedupe) = read_bool(o, "dedupe")? {
        c.dedupe = dedupe;
    }
    Ok(())
}

/// A boolean option (absent: `None`).
fn read_bool(obj: &JsValue, key: &str) -> Result<Option<bool>, JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(None);
    }
    v.as_bool().map(Some).ok_or_else(|| type_error(&concat(key, " must be a boolean")))
}

/// `revalidate`: `true`, `false` or `{ maxEntries }` (a whole number of at least 1, default 256).
fn read_revalidate(v: &JsValue) -> Result<Option<usize>, JsValue> {
    if let Some(on) = v.as_bool() {
        return Ok(on.then_some(crate::core::remember::DEFAULT_MAX_ENTRIES));
    }
    if !v.is_object() {
        return Err(type_error("revalidate must be a boolean or { maxEntries }"));
    }
    match read_number(v, "maxEntries") {
        Some(n) => Ok(Some(options::check_count("revalidate.maxEntries", n, 1.0).map_err(option_error)? as usize)),
        None => Ok(Some(crate::core::remember::DEFAULT_MAX_ENTRIES)),
    }
}

/// `persist`: `"key"` or `{ key, storage? }`, the key a non-empty string, a storage with `getItem` and `setItem`.
#[inline(never)]
fn read_persist(v: &JsValue) -> Result<(String, JsValue), JsValue> {
    let (key, storage) = if v.is_object() { (member(v, "key"), member(v, "storage")) } else { (v.clone(), JsValue::UNDEFINED) };
    match key.as_string() {
        Some(key) if !key.is_empty() && !present(&storage) => Ok((key, JsValue::UNDEFINED)),
        Some(key) if !key.is_empty() && crate::wasm::persist::is_storage(&storage) => Ok((key, storage)),
        _ => Err(type_error("persist must be a non-empty key, or { key, storage } with a storage that has getItem and setItem")),
    }
}

/// A scalar as the string a URL or header carries: strings as they are, numbers and booleans written out.
pub(crate) fn scalar_text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    if let Some(b) = v.as_bool() {
        return Some(String::from(if b { "true" } else { "false" }));
    }
    Some(number_string(v.as_f64()?))
}

/// The entries of a plain object, or of an iterable of pairs (a `Headers`, a `Map`).
pub(crate) fn entries(value: &JsValue) -> Result<Array, JsValue> {
    fetch::entries_of(value)
}

/// A `headers` option: names must be header tokens, values must not smuggle CR/LF.
pub(crate) fn read_headers(obj: &JsValue, key: &str) -> Result<Vec<(String, String)>, JsValue> {
    let mut out = Vec::new();
    merge_headers(obj, key, &mut out)?;
    Ok(out)
}

/// A `headers` option over `out`, by name in any case: a value replaces one of the same name, `null` or
/// `undefined` removes it.
fn merge_headers(obj: &JsValue, key: &str, out: &mut Vec<(String, String)>) -> Result<(), JsValue> {
    let v = member(obj, key);
    if !present(&v) {
        return Ok(());
    }
    let problem = || type_error(&concat(key, " must be an object of header names to string values"));
    if !v.is_object() {
        return Err(problem());
    }
    let pairs = entries(&v).map_err(|_| problem())?;
    for i in 0..pairs.length() as i32 {
        let pair: Array = pairs.get(i).unchecked_into();
        let name = pair.get(0).as_string().ok_or_else(problem)?;
        remove_header(out, &name);
        let value = pair.get(1);
        if !present(&value) {
            continue;
        }
        let value = scalar_text(&value).ok_or_else(problem)?;
        options::check_header_name(key, &name).map_err(option_error)?;
        options::check_header_value(key, &value).map_err(option_error)?;
        out.push((name, value));
    }
    Ok(())
}

/// A `retry` option over `base`: `false` turns retries off, an object overrides fields, absent keeps `base`.
pub(crate) fn read_retry(v: &JsValue, base: Option<&Rc<RetryPolicy>>) -> Result<Option<Rc<RetryPolicy>>, JsValue> {
    if v.as_bool() == Some(false) {
        return Ok(None);
    }
    if !present(v) {
        return Ok(base.cloned());
    }
    if !v.is_object() {
        return Err(type_error("retry must be an object or false"));
    }
    let list = |key: &str| -> Result<Option<Array>, JsValue> {
        let l = member(v, key);
        if !present(&l) {
            return Ok(None);
        }
        l.dyn_into::<Array>().map(Some).map_err(|_| type_error(&concat("retry.", &concat(key, " must be an array"))))
    };
    let overrides = RetryOverrides {
        max_retries: read_number(v, "maxRetries"),
        status_codes: list("statusCodes")?.map(|a| {
            let mut codes = Vec::new();
            for i in 0..a.length() as i32 {
                codes.push(a.get(i).as_f64().unwrap_or(f64::NAN));
            }
            codes
        }),
        methods: list("methods")?.map(|a| {
            let mut methods = Vec::new();
            for i in 0..a.length() as i32 {
                if let Some(m) = a.get(i).as_string() {
                    methods.push(m);
                }
            }
            methods
        }),
        base_delay_ms: read_number(v, "baseDelayMs"),
        max_delay_ms: read_number(v, "maxDelayMs"),
        max_retry_after_ms: read_number(v, "maxRetryAfterMs"),
    };
    let default_policy = RetryPolicy::default();
    base.map_or(&default_policy, |b| b).with(&overrides).map(|p| Some(Rc::new(p))).map_err(option_error)
}

/// The `rateLimit` option: one window or a list of them.
pub(crate) fn read_rate_windows(v: &JsValue) -> Result<Vec<RateWindow>, JsValue> {
    if !present(v) {
        return Ok(Vec::new());
    }
    let one = |w: &JsValue| -> Result<RateWindow, JsValue> {
        if !w.is_object() {
            return Err(type_error("rateLimit must be { requests, perMs } or an array of them"));
        }
        options::rate_window(read_number(w, "requests").unwrap_or(f64::NAN), read_number(w, "perMs").unwrap_or(f64::NAN)).map_err(option_error)
    };
    let mut windows = Vec::new();
    match v.dyn_ref::<Array>() {
        Some(list) => {
            for i in 0..list.length() as i32 {
                windows.push(one(&list.get(i))?);
            }
        }
        None => windows.push(one(v)?),
    }
    Ok(windows)
}

/// Validates a request's arguments into a [`Req`]; every problem is a `TypeError`. With no options (the common
/// call) nothing more is read.
#[inline(never)]
pub(crate) fn prepare(inner: &Inner, method: &str, path: JsValue, body: JsValue, options: &JsValue, page: bool) -> Result<Req, JsValue> {
    let mut req = Req { method: method.into(), timeout_ms: inner.options.timeout_ms, retry: inner.options.retry.clone(), dedupe: inner.options.dedupe, page, ..Req::default() };
    read_request(inner, path, body, options, &mut req)?;
    Ok(req)
}

fn read_request(inner: &Inner, path: JsValue, body: JsValue, options: &JsValue, req: &mut Req) -> Result<(), JsValue> {
    let has_options = present(options);
    if has_options && !options.is_object() {
        return Err(type_error("options must be an object"));
    }
    let path = path.as_string().ok_or_else(|| type_error("path must be a string"))?;
    req.url = url::resolve_in(&inner.options.base, &path, req.page).map_err(|e| refused(&path, req.page, e))?;
    // No body (every GET): nothing to ask JS about.
    req.json_body = present(&body) && fetch::is_json_body(&body);
    req.body = if req.json_body { fetch::json_stringify(&body).map_err(|_| type_error("body could not be serialised as JSON"))? } else { body };
    req.replayable = !present(&req.body) || !fetch::is_stream(&req.body);
    if !has_options {
        return Ok(());
    }
    let query = member(options, "query");
    if present(&query) {
        url::append_query(&mut req.url, &read_query(&query)?);
    }
    req.timeout_ms = read_ms(options, "timeoutMs", inner.options.timeout_ms)?;
    req.idempotency_key = read_header_value(options, "idempotencyKey", None)?;
    if let Some(s) = read_string(options, "responseType")? {
        req.response_type = ResponseType::parse(&s).ok_or_else(|| type_error("responseType must be \"auto\", \"json\", \"text\", \"blob\", \"arrayBuffer\" or \"response\""))?;
    }
    req.headers = read_headers(options, "headers")?;
    req.signal = member(options, "signal");
    req.retry = read_retry(&member(options, "retry"), inner.options.retry.as_ref())?;
    if let Some(priority) = read_number(options, "priority") {
        req.priority = options::check_finite("priority", priority).map_err(option_error)?;
    }
    if let Some(dedupe) = read_bool(options, "dedupe")? {
        req.dedupe = dedupe;
    }
    Ok(())
}

/// The `TypeError` for a path off baseUrl; for a next page of `paginate` (another origin, or above baseUrl's path
/// prefix), it names the page's origin and path (not its query, which may carry a token of the server's).
#[inline(never)]
fn refused(path: &str, page: bool, e: url::UrlError) -> JsValue {
    if !page {
        return type_error(e.message());
    }
    let mut text = String::from("next page not followed: ");
    text.push_str(crate::core::text::before_any(path, b"?#"));
    text.push_str(": ");
    text.push_str(e.message());
    type_error(&text)
}

/// The `query` option as pairs in order; arrays repeat the key, `undefined`/`null` values are left out.
#[inline(never)]
fn read_query(query: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    let problem = || type_error("query values must be strings, numbers, booleans or arrays of them");
    if !query.is_object() || Array::is_array(query) {
        return Err(problem());
    }
    let mut pairs = Vec::new();
    let all = entries(query).map_err(|_| problem())?;
    for i in 0..all.length() as i32 {
        let pair: Array = all.get(i).unchecked_into();
        let key = pair.get(0).as_string().ok_or_else(problem)?;
        let value = pair.get(1);
        if !present(&value) {
            continue;
        }
        match value.dyn_ref::<Array>() {
            Some(list) => {
                for j in 0..list.length() as i32 {
                    pairs.push((key.clone(), scalar_text(&list.get(j)).ok_or_else(problem)?));
                }
            }
            None => pairs.push((key, scalar_text(&value).ok_or_else(problem)?)),
        }
    }
    Ok(pairs)
}

/// The signal's reason when it has aborted.
pub(crate) fn abort_reason(signal: &JsValue) -> Option<JsValue> {
    (present(signal) && member(signal, "aborted").is_truthy()).then(|| member(signal, "reason"))
}


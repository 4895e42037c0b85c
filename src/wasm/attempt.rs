//! One attempt: its headers (and the token), fetch with redirects kept on baseUrl's origin, then the body the
//! core asked for, or the typed error.

use crate::wasm::js::{Array, Object, Promise, SyntaxError};
use wasm_bindgen::prelude::*;

use crate::core::error::ErrorKind;
use crate::core::headers::{h, header_in, HeaderList, HeaderSnapshot, RateHeaders};
use crate::core::options;
use crate::core::response::{self, BodyKind, ReadAs, ResponseType};
use crate::core::retry::Failure;
use crate::core::url;
use crate::wasm::client::{Inner, Token, MAX_REMEMBERED_SECRETS, MIN_REDACTED_LEN};
use crate::wasm::engine::{cancel, report, Outcome, Req, Success, Turn};
use crate::wasm::errors::{self, http_error, invalid_response_error, option_error, plain_error, redirect_error, set, type_error};
use crate::wasm::fetch::{self, Response};
use crate::wasm::hooks::{self, AFTER_RESPONSE, BEFORE_REQUEST};
use crate::wasm::read_options::{abort_reason, concat, member};
use crate::wasm::paginate;
use crate::wasm::revalidate;
use crate::wasm::tasks;
use crate::wasm::timers::{now, Attempt, AttemptGuard};

/// Redirects followed within one attempt before giving up (browsers allow 20; APIs need one or two).
pub(crate) const MAX_REDIRECTS: u32 = 10;

/// The headers of one attempt beyond the client's fixed ones: request headers, JSON type, idempotency key and the
/// token (a token function is called here, for every attempt, with `{ refresh }` true after a 401 so that
/// a caching function knows to fetch a new token).
pub(crate) async fn attempt_headers(inner: &Inner, req: &Req, refresh_token: bool) -> Result<HeaderList, JsValue> {
    // The client's own headers and the apiKey are in `inner.base_headers` already; these come on top.
    let mut headers = HeaderList::default();
    for (name, value) in &req.headers {
        headers.set(&name.to_ascii_lowercase(), value);
    }
    if req.json_body && !headers.has("content-type") && header_in(&inner.options.headers, "content-type").is_none() {
        headers.set("content-type", "application/json");
    }
    if let Some(key) = &req.idempotency_key {
        headers.set("idempotency-key", key);
    }
    let token = match &inner.options.token {
        None => return Ok(headers),
        Some(Token::Fixed(t)) => t.clone(),
        Some(Token::Function(f)) => {
            let context = Object::new();
            set(&context, "refresh", &JsValue::from_bool(refresh_token));
            let value = f.call1(&JsValue::UNDEFINED, &context)?;
            let value = tasks::js(value.unchecked_into()).await?;
            let t = value.as_string().ok_or_else(|| type_error("token function must return a string"))?;
            options::check_header_value("token", &t).map_err(option_error)?;
            let mut secrets = inner.secrets.borrow_mut();
            if t.len() >= MIN_REDACTED_LEN && !secrets.contains(&t) {
                if secrets.len() >= MAX_REMEMBERED_SECRETS {
                    secrets.remove(usize::from(inner.options.api_key.is_some()));
                }
                secrets.push(t.clone());
            }
            t
        }
    };
    let value = if inner.options.token_scheme.is_empty() { token } else { concat(&inner.options.token_scheme, &concat(" ", &token)) };
    headers.set("authorization", &value);
    Ok(headers)
}

/// What one attempt sends: the request's own parts, or those a beforeRequest hook left.
pub(crate) struct Target<'a> {
    pub(crate) url: String,
    pub(crate) method: String,
    /// The client's fixed headers (none when `headers` holds every header, after hooks).
    pub(crate) base: Option<&'a JsValue>,
    pub(crate) headers: HeaderList,
    pub(crate) body: JsValue,
}

/// One attempt (`number` counts from 1 in the call): headers, the beforeRequest hooks, fetch (following redirects
/// on the base origin), the afterResponse hooks, then the body or the typed error.
pub(crate) async fn attempt(inner: &Inner, req: &Req, turn: Turn, refresh_token: bool, number: u32) -> Outcome {
    let mut headers = match attempt_headers(inner, req, refresh_token).await {
        Ok(h) => h,
        Err(e) => {
            cancel(inner, &turn);
            return Outcome::Thrown(e);
        }
    };
    // With `revalidate`, a remembered result's validator goes out with the GET.
    let conditional = revalidate::lookup(inner, req, &mut headers);
    let mut target = Target { url: req.url.clone(), method: req.method.clone(), base: Some(&inner.base_headers), headers, body: req.body.clone() };
    let hooks = &inner.options.hooks;
    let mut request = JsValue::UNDEFINED;
    let mut answered = None; // a Response a beforeRequest hook gave: nothing is sent
    if hooks.has(BEFORE_REQUEST | AFTER_RESPONSE) {
        let out = tasks::js(run_before_request(inner, req, &target, number)).await;
        match hooked_target(inner, &mut target, out) {
            Ok(Ok(made)) => request = made,
            Ok(Err(response)) => answered = Some(response),
            Err(e) => {
                cancel(inner, &turn);
                return Outcome::Thrown(e);
            }
        }
    }
    let guard = AttemptGuard::start(req.timeout_ms, &req.signal);
    let sent = answered.is_none();
    let (mut response, mut snapshot) = match answered {
        // Its turn is given back: no quota spent, pacing not advanced.
        Some(response) => {
            cancel(inner, &turn);
            let snapshot = fetch::snapshot(&response, &inner.header_names);
            (response, snapshot)
        }
        None => match send(inner, req, target, &guard.0).await {
            Ok(answer) => answer,
            Err(e) => {
                report(inner, &turn, now(), None, None);
                return failure_outcome(inner, req, &guard, e);
            }
        },
    };
    if hooks.has(AFTER_RESPONSE) {
        let replaced = hooks::after_response(&hooks.lists, number as i32, &req.method, &req.url, &request, &response);
        match tasks::js(replaced).await {
            Ok(replaced) => {
                response = replaced.unchecked_into();
                snapshot = fetch::snapshot(&response, &inner.header_names);
            }
            Err(e) => {
                if sent {
                    report(inner, &turn, now(), None, None);
                }
                return Outcome::Thrown(e);
            }
        }
    }
    let at = now();
    let rate = RateHeaders::read(&snapshot, at);
    let status = snapshot.status();
    let ok = (200..300).contains(&status);
    if sent {
        report(inner, &turn, at, Some(&rate), Some(rate.acted_status(status)));
    }
    if status == 304 && req.method == "GET" {
        if let Some(value) = conditional.as_ref().and_then(|(_, remembered)| remembered.as_ref()) {
            return done(req, revalidate::copy(value), &response, &snapshot, status, &rate);
        }
        // The caller's own If-None-Match or If-Modified-Since: a 304 is its answer, with no body (as a 204).
        if revalidate::caller_conditional(inner, req) {
            let value = if req.response_type == ResponseType::Response { response.clone() } else { JsValue::UNDEFINED };
            return done(req, value, &response, &snapshot, status, &rate);
        }
    }
    // One await for the body, whatever its kind: the core says what to read, `readBody` reads it.
    let how = if ok {
        match response::body_kind(req.response_type, status, &req.method, snapshot.get(h::CONTENT_TYPE)) {
            BodyKind::Response => return done(req, response.clone(), &response, &snapshot, status, &rate),
            kind => response::read_as(kind, req.response_type, snapshot.get(h::CONTENT_LENGTH)),
        }
    } else {
        Some(ReadAs::Text)
    };
    let read = match how {
        Some(how) => match fetch::read_body(&response, how as u8, &guard.0) {
            Ok(promise) => tasks::js(promise).await,
            Err(e) => Err(e),
        },
        None => Ok(JsValue::UNDEFINED),
    };
    let body = match read {
        Ok(body) => body,
        // A body that the JSON reader refused: the 2xx does not parse.
        Err(e) if ok && e.is_instance_of::<SyntaxError>() => {
            return Outcome::Thrown(invalid_response_error(inner, req, status, &response, &rate));
        }
        Err(e) => return failure_outcome(inner, req, &guard, e),
    };
    if ok {
        if let Some((key, _)) = conditional {
            revalidate::answered(inner, key, &snapshot, &body);
        }
        return done(req, body, &response, &snapshot, status, &rate);
    }
    let body = error_body(body, snapshot.get(h::CONTENT_TYPE));
    let error = http_error(inner, req, status, &response, &snapshot, body, &rate);
    let acted = rate.acted_status(status);
    Outcome::Failed { error, failure: Failure::Status(acted), server_wait_ms: rate.server_wait_ms(acted) }
}

/// A successful answer with `value`: a page of `paginate` gets its response and next target with it.
fn done(req: &Req, value: JsValue, response: &Response, snapshot: &HeaderSnapshot, status: u16, rate: &RateHeaders) -> Outcome {
    Outcome::Done(Success { value: paginate::result(req, value, response, snapshot), status, retry_after_ms: rate.retry_after_ms })
}

/// Starts the beforeRequest hooks over the attempt's `Request` (built even with none, for afterResponse).
fn run_before_request(inner: &Inner, req: &Req, target: &Target<'_>, number: u32) -> Promise {
    hooks::before_request(&inner.options.hooks.lists, number as i32, &req.url, &req.method, target.base.unwrap_or(&JsValue::UNDEFINED), &target.headers.flat(), &req.body)
}

/// What the beforeRequest hooks made of the attempt: `Ok(request)` with `target` now what they left, `Err(response)`
/// when a hook answered instead, or what a hook threw. A request moved off baseUrl's origin is a `TypeError`:
/// nothing is sent.
fn hooked_target(inner: &Inner, target: &mut Target<'_>, out: Result<JsValue, JsValue>) -> Result<Result<JsValue, Response>, JsValue> {
    let out = out?;
    if !Array::is_array(&out) {
        return Ok(Err(out.unchecked_into()));
    }
    // [request, url, method, headers as "name\nvalue\n" pairs, body] (js/run-hooks.js).
    let out: Array = out.unchecked_into();
    let text = |i| out.get(i).as_string().unwrap_or_default();
    let url = text(1);
    if !url::is_same_origin(&inner.options.base, &url) {
        return Err(type_error("a beforeRequest hook returned a request off baseUrl's origin; not sent"));
    }
    target.url = url;
    target.method = text(2);
    target.base = None;
    target.headers = HeaderList::from_flat(&text(3));
    target.body = out.get(4);
    Ok(Ok(out.get(0)))
}

/// Fetches, following redirects itself so that credentials go only to the base origin: a redirect to another
/// origin is followed without the apiKey and Authorization headers. Browsers hide redirect targets
/// ("opaqueredirect"), so there a redirect is refused with an ApiError.
pub(crate) async fn send(inner: &Inner, req: &Req, target: Target<'_>, attempt: &Attempt) -> Result<(Response, HeaderSnapshot), JsValue> {
    let Target { mut url, mut method, mut base, mut headers, mut body } = target;
    for _ in 0..=MAX_REDIRECTS {
        let started = fetch::start_fetch(inner.options.fetch.as_ref(), &url, &method, base.unwrap_or(&JsValue::UNDEFINED), &headers, &body, attempt)?;
        let response: Response = tasks::js(started).await?.unchecked_into();
        // One read of the response: the last one's is the attempt's.
        let snapshot = fetch::snapshot(&response, &inner.header_names);
        let status = snapshot.status();
        if status == 0 && snapshot.kind() == "opaqueredirect" {
            return Err(redirect_error(inner, req, "the runtime hides the redirect's target (a browser does), so polite-fetch cannot check it stays on baseUrl's origin; request the final URL instead"));
        }
        if !response::is_followed_redirect(status) {
            return Ok((response, snapshot));
        }
        let Some(next) = snapshot.get(h::LOCATION).and_then(|l| fetch::resolve_url(l, &url)) else {
            return Ok((response, snapshot));
        };
        let change = response::redirect_change(status, &method, url::is_same_origin(&inner.options.base, &next));
        if change.becomes_get {
            method = String::from("GET");
            body = JsValue::UNDEFINED;
            headers.remove("content-type");
        }
        if change.drops_credentials {
            if base.is_some() {
                base = Some(&inner.public_headers);
            }
            let [token, key] = options::credential_headers(&inner.options.api_key_header);
            headers.remove(token);
            headers.remove(key);
        }
        url = next;
    }
    Err(redirect_error(inner, req, "too many redirects"))
}

/// An attempt that threw: the caller's abort (rejects with its reason), our timeout, or a network failure.
#[inline(never)]
pub(crate) fn failure_outcome(inner: &Inner, req: &Req, guard: &AttemptGuard, thrown: JsValue) -> Outcome {
    if let Some(reason) = abort_reason(&req.signal) {
        return Outcome::Thrown(reason);
    }
    if guard.0.end() {
        let mut text = String::from("timed out after ");
        crate::core::error::push_u32(&mut text, req.timeout_ms.min(u32::MAX as f64) as u32);
        text.push_str(" ms");
        let error = plain_error(inner, req, ErrorKind::Timeout, &text, JsValue::UNDEFINED);
        return Outcome::Failed { error, failure: Failure::Timeout, server_wait_ms: None };
    }
    // Errors we made ourselves (a refused redirect) are already typed.
    if errors::is_api_error(&thrown) {
        return Outcome::Thrown(thrown);
    }
    let text = member(&thrown, "message").as_string().unwrap_or_else(|| String::from("network error"));
    let error = plain_error(inner, req, ErrorKind::Connection, &text, thrown);
    Outcome::Failed { error, failure: Failure::Network, server_wait_ms: None }
}

/// An error response's body from its text: parsed JSON when it is JSON, else the text; undefined when empty.
#[inline(never)]
pub(crate) fn error_body(text: JsValue, content_type: Option<&str>) -> JsValue {
    // Only its first character crosses into wasm: the body may be megabytes.
    let Some(head) = fetch::text_head(&text, 1).filter(|h| !h.is_empty()) else { return JsValue::UNDEFINED };
    if response::error_body_may_be_json(content_type, u16::from(head.as_bytes()[0])) {
        if let Ok(v) = fetch::json_parse(&text) {
            return v;
        }
    }
    text
}


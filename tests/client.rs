//! The real client against the real local test server (scripts/with-server.sh starts it and bakes its address in
//! as POLITE_TEST_SERVER). The same suite runs in Node and, with WASM_BINDGEN_USE_BROWSER=1, in headless Chromium.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use js_sys::{Array, Function, Object, Promise, Reflect};
use polite_fetch::Client;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn get_sends_key_and_query() {
    let c = client(r#", "apiKey": "k-123456", "headers": {"X-App": "tests"}"#);
    let echo = ok(c.get("/echo/q".into(), js(r#"{"query": {"a": 1, "b": [true, "x y"], "c": null, "d": "ż&="}}"#))).await;
    assert_eq!(get_str(&echo, "method").as_deref(), Some("GET"));
    assert_eq!(stringify(&get(&echo, "query")), r#"[["a","1"],["b","true"],["b","x y"],["d","ż&="]]"#);
    let headers = get(&echo, "headers");
    assert_eq!(get_str(&headers, "x-api-key").as_deref(), Some("k-123456"));
    assert_eq!(get_str(&headers, "x-app").as_deref(), Some("tests"));
}

#[wasm_bindgen_test]
async fn path_prefix_is_kept() {
    let c = client_with(&js(&format!(r#"{{"baseUrl": "{SERVER}/echo/prefix/"}}"#)));
    let a = ok(c.get("/api/x".into(), JsValue::UNDEFINED)).await;
    let b = ok(c.get("api/x".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get_str(&a, "path").as_deref(), Some("/echo/prefix/api/x"));
    assert_eq!(get_str(&b, "path"), get_str(&a, "path"));
}

#[wasm_bindgen_test]
async fn bodies() {
    let c = client(r#", "token": "tok-abcdef", "tokenScheme": "Token""#);
    let echo = ok(c.post("/echo".into(), js(r#"{"name": "ż", "n": [1, 2]}"#), JsValue::UNDEFINED)).await;
    assert_eq!(get_str(&echo, "body").as_deref(), Some(r#"{"name":"ż","n":[1,2]}"#));
    let headers = get(&echo, "headers");
    assert_eq!(get_str(&headers, "content-type").as_deref(), Some("application/json"));
    assert_eq!(get_str(&headers, "authorization").as_deref(), Some("Token tok-abcdef"));
    let echo = ok(c.put("/echo".into(), "plain text".into(), js(r#"{"headers": {"Content-Type": "text/plain"}}"#))).await;
    assert_eq!(get_str(&echo, "method").as_deref(), Some("PUT"));
    assert_eq!(get_str(&echo, "body").as_deref(), Some("plain text"));
    let params = web_search_params("a=1&b=2");
    let echo = ok(c.patch("/echo".into(), params, JsValue::UNDEFINED)).await;
    assert_eq!(get_str(&echo, "body").as_deref(), Some("a=1&b=2"));
    assert!(get_str(&get(&echo, "headers"), "content-type").unwrap().starts_with("application/x-www-form-urlencoded"));
    let bytes = js_sys::Uint8Array::from(&[104u8, 105][..]);
    let echo = ok(c.request("POST".into(), "/echo".into(), {
        let o = Object::new();
        Reflect::set(&o, &"body".into(), &bytes).unwrap();
        o.into()
    }))
    .await;
    assert_eq!(get_str(&echo, "body").as_deref(), Some("hi"));
    let echo = ok(c.request("delete".into(), "/echo".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get_str(&echo, "method").as_deref(), Some("DELETE"));
}

#[wasm_bindgen(inline_js = "export function params(s) { return new URLSearchParams(s); }")]
extern "C" {
    #[wasm_bindgen(js_name = params)]
    fn web_search_params(s: &str) -> JsValue;
}

#[wasm_bindgen_test]
async fn response_types() {
    let c = client("");
    assert_eq!(stringify(&ok(c.get("/json".into(), JsValue::UNDEFINED)).await), r#"{"hello":"world"}"#);
    assert_eq!(ok(c.get("/text?body=hi".into(), JsValue::UNDEFINED)).await.as_string().as_deref(), Some("hi"));
    assert!(ok(c.get("/nocontent".into(), JsValue::UNDEFINED)).await.is_undefined());
    assert!(ok(c.get("/empty".into(), JsValue::UNDEFINED)).await.is_undefined());
    assert!(ok(c.get("/empty?type=application/octet-stream".into(), JsValue::UNDEFINED)).await.is_undefined());
    assert!(ok(c.head("/json".into(), JsValue::UNDEFINED)).await.is_undefined());
    assert_eq!(type_of(&ok(c.get("/bytes".into(), JsValue::UNDEFINED)).await), "blob");
    assert_eq!(ok(c.get("/json".into(), js(r#"{"responseType": "text"}"#))).await.as_string().as_deref(), Some(r#"{"hello":"world"}"#));
    assert_eq!(ctor_name(&ok(c.get("/bytes".into(), js(r#"{"responseType": "arrayBuffer"}"#))).await).as_deref(), Some("ArrayBuffer"));
    let response = ok(c.get("/json".into(), js(r#"{"responseType": "response"}"#))).await;
    assert_eq!(get(&response, "status").as_f64(), Some(200.0));
    let e = err(c.get("/json?body=%7Bbroken".into(), JsValue::UNDEFINED)).await;
    assert_error(&e, "ApiError", "invalid_response", Some(200));
}

#[wasm_bindgen_test]
async fn typed_errors_for_every_status_and_shape() {
    let c = client(r#", "retry": false"#);
    // (path, class, code, status, message starts with, requestId)
    type Case<'a> = (&'a str, &'a str, &'a str, u16, &'a str, Option<&'a str>);
    let cases: &[Case] = &[
        ("/status/400", "BadRequestError", "bad_request", 400, "Bad Request (400 bad_request, GET /status/400)", None),
        ("/status/401?shape=seatable", "AuthenticationError", "unauthorized", 401, "You don't have permission to access this base. (401 unauthorized", None),
        ("/status/402", "RequestFailedError", "request_failed", 402, "Payment Required (402", None),
        ("/status/403?shape=envelope", "PermissionDeniedError", "insufficient_scope", 403, "Token nie posiada wymaganego uprawnienia (403 insufficient_scope, GET /status/403, requestId req_abc123def456)", Some("req_abc123def456")),
        ("/status/404?h=X-Request-Id:hdr-1", "NotFoundError", "not_found", 404, "Not Found (404 not_found, GET /status/404, requestId hdr-1)", Some("hdr-1")),
        ("/status/409?shape=nested", "ConflictError", "conflict", 409, "nested message (409", None),
        // A validation body with no sentence of its own speaks through its first field (API.md, "Error-body dialects read").
        ("/status/422?shape=drf", "UnprocessableEntityError", "unprocessable_entity", 422, "email: Enter a valid email address. (422", None),
        ("/status/429?shape=drf_detail", "RateLimitError", "too_many_requests", 429, "Request was throttled.", None),
        ("/status/500?shape=problem", "ServerError", "server_error", 500, "Your current balance is 30, but that costs 50. (500 server_error", None),
        ("/status/502?shape=html", "ServerError", "server_error", 502, "502 Bad Gateway (502 server_error, GET /status/502)", None),
        ("/status/503?shape=text", "ServerError", "server_error", 503, "Plain text failure (503", None),
        ("/status/500?shape=broken", "ServerError", "server_error", 500, "Internal Server Error (500", None),
        ("/status/504?shape=empty", "ServerError", "server_error", 504, "Gateway Timeout (504", None),
        ("/status/418?reason=Teapot", "ApiError", "http_418", 418, "Teapot (418 http_418", None),
    ];
    for (path, class, code, status, message, request_id) in cases {
        let e = err(c.get((*path).into(), JsValue::UNDEFINED)).await;
        assert_error(&e, class, code, Some(*status));
        let m = get_str(&e, "message").unwrap();
        assert!(m.starts_with(message), "{path}: {m}");
        assert!(!m.contains('\n'), "one line: {m}");
        assert_eq!(get_str(&e, "requestId").as_deref(), *request_id, "{path}");
        assert_eq!(get_str(&e, "method").as_deref(), Some("GET"));
        assert!(get_str(&e, "url").unwrap().starts_with(SERVER));
        assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
        assert!(get(&e, "headers").is_object(), "headers as a plain object");
    }
    let e = err(c.get("/status/403?shape=envelope".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get_str(&e, "timestamp").as_deref(), Some("2025-01-15T14:30:00Z"));
    assert_eq!(get_str(&e, "path").as_deref(), Some("/api/PurchaseDocuments/my"));
    let json = js(&stringify(&e));
    assert_eq!(get_str(&json, "name").as_deref(), Some("PermissionDeniedError"));
    assert_eq!(get_str(&json, "code").as_deref(), Some("insufficient_scope"));
    assert_eq!(get_str(&get(&json, "body"), "requestId").as_deref(), Some("req_abc123def456"));
    let e = err(c.get("/status/422?shape=drf".into(), JsValue::UNDEFINED)).await;
    assert_eq!(stringify(&get(&e, "fieldErrors")), r#"{"email":["Enter a valid email address."],"non_field_errors":["Passwords do not match."]}"#);
    let e = err(c.get("/status/400?shape=errors".into(), JsValue::UNDEFINED)).await;
    assert_eq!(stringify(&get(&e, "fieldErrors")), r#"{"title":["too long"],"tags":["bad tag"]}"#);
    let e = err(c.get("/status/502?shape=html".into(), JsValue::UNDEFINED)).await;
    assert!(get_str(&e, "body").unwrap().contains("<h1>Bad Gateway</h1>"), "the page stays in body");
}

#[wasm_bindgen_test]
async fn secrets_never_appear_in_errors() {
    let key = "sk_live_SECRETKEY123";
    let token = "tok_SECRETTOKEN456";
    let c = client(&format!(r#", "apiKey": "{key}", "token": "{token}", "retry": false"#));
    let e = err(c.get("/status/401?shape=echo_secret".into(), JsValue::UNDEFINED)).await;
    for text in [get_str(&e, "message").unwrap(), stringify(&e), as_string(&e), stack_of(&e)] {
        assert!(!text.contains(key) && !text.contains(token), "leak: {text}");
    }
    assert!(get_str(&e, "message").unwrap().contains("[redacted]"));
    let e = err(c.get("/reset".into(), JsValue::UNDEFINED)).await;
    assert!(!stringify(&e).contains(key));
}

#[wasm_bindgen_test]
async fn invalid_options_throw_type_errors_naming_the_option() {
    let cases = [
        (r#"{"baseUrl": "ftp://h"}"#, "baseUrl"),
        (r#"{"baseUrl": "https://user:pw@h"}"#, "baseUrl"),
        (r#"{}"#, "baseUrl"),
        (r#"{"baseUrl": "https://h", "timeoutMs": -1}"#, "timeoutMs"),
        (r#"{"baseUrl": "https://h", "timeoutMs": "5"}"#, "timeoutMs"),
        (r#"{"baseUrl": "https://h", "maxConcurrency": 0}"#, "maxConcurrency"),
        (r#"{"baseUrl": "https://h", "rateLimit": {"requests": 0, "perMs": 1000}}"#, "rateLimit.requests"),
        (r#"{"baseUrl": "https://h", "rateLimit": [{"requests": 1, "perMs": -5}]}"#, "rateLimit.perMs"),
        (r#"{"baseUrl": "https://h", "apiKey": "a\r\nX-Evil: 1"}"#, "apiKey"),
        (r#"{"baseUrl": "https://h", "token": "t\nx"}"#, "token"),
        (r#"{"baseUrl": "https://h", "headers": {"X-A": "1\r\n"}}"#, "headers"),
        (r#"{"baseUrl": "https://h", "retry": {"maxRetries": -2}}"#, "retry.maxRetries"),
        (r#"{"baseUrl": "https://h", "token": 5}"#, "token"),
    ];
    for (options, name) in cases {
        let e = match Client::new(js(options)) {
            Ok(_) => panic!("accepted {options}"),
            Err(e) => e,
        };
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{options}");
        assert!(get_str(&e, "message").unwrap().starts_with(name), "{options}: {}", as_string(&e));
        assert!(!as_string(&e).contains("X-Evil"), "no secret echoed");
    }
    let c = client("");
    for path in ["https://example.com/x", "//example.com/x", "mailto:x@y"] {
        let e = err(c.get(path.into(), JsValue::UNDEFINED)).await;
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{path}");
    }
    let e = err(c.get(JsValue::from(5), JsValue::UNDEFINED)).await;
    assert!(e.is_instance_of::<js_sys::TypeError>());
    let e = err(c.get("/x".into(), js(r#"{"responseType": "xml"}"#))).await;
    assert!(get_str(&e, "message").unwrap().starts_with("responseType"));
}

#[wasm_bindgen_test]
async fn redirects_keep_credentials_on_the_origin() {
    let c = client(r#", "apiKey": "k-redirect-1""#);
    let other = SERVER.replace("127.0.0.1", "localhost");
    if is_browser() {
        // A browser hides redirect targets, so the client cannot check them and refuses to follow.
        let e = err(c.get("/redirect?to=/echo/same".into(), JsValue::UNDEFINED)).await;
        assert_error(&e, "ApiError", "redirect_refused", None);
    } else {
        let echo = ok(c.get("/redirect?to=/echo/same".into(), JsValue::UNDEFINED)).await;
        assert_eq!(get_str(&echo, "path").as_deref(), Some("/echo/same"));
        assert_eq!(get_str(&get(&echo, "headers"), "x-api-key").as_deref(), Some("k-redirect-1"));
        let echo = ok(c.get(format!("/redirect?to={other}/echo/other").into(), JsValue::UNDEFINED)).await;
        assert_eq!(get_str(&echo, "path").as_deref(), Some("/echo/other"));
        assert_eq!(get(&get(&echo, "headers"), "x-api-key").as_string(), None, "the key must not reach another origin");
        let echo = ok(c.post("/redirect?to=/echo/303&status=303".into(), js(r#"{"a":1}"#), JsValue::UNDEFINED)).await;
        assert_eq!(get_str(&echo, "method").as_deref(), Some("GET"));
    }
}

#[wasm_bindgen_test]
async fn timeout_is_per_attempt() {
    let c = client(r#", "timeoutMs": 150, "retry": false"#);
    let start = now();
    let e = err(c.get("/json?delay=1500".into(), JsValue::UNDEFINED)).await;
    let elapsed = now() - start;
    assert_error(&e, "TimeoutError", "timeout", None);
    assert!((140.0..1000.0).contains(&elapsed), "took {elapsed} ms");
    // Per request override, and the client still works afterwards.
    assert!(ok(c.get("/json?delay=300".into(), js(r#"{"timeoutMs": 2000}"#))).await.is_object());
}

#[wasm_bindgen_test]
async fn abort_rejects_with_the_signal_reason() {
    let c = client("");
    let reason = js(r#"{"why": "user left"}"#);
    let options = Object::new();
    Reflect::set(&options, &"signal".into(), &abort_after(50.0, &reason)).unwrap();
    let start = now();
    let e = err(c.get("/json?delay=1000".into(), options.into())).await;
    assert!(now() - start < 500.0);
    assert!(js_sys::Object::is(&e, &reason), "rejects with signal.reason itself");
    // An abort during a retry wait (Retry-After: 5) ends it at once, and nothing more is sent.
    let id = run_id();
    let options = Object::new();
    Reflect::set(&options, &"signal".into(), &abort_after(300.0, &reason)).unwrap();
    let start = now();
    let e = err(c.get(format!("/flaky/{id}?fail=5&status=429&retry_after=5").into(), options.into())).await;
    let elapsed = now() - start;
    assert!(js_sys::Object::is(&e, &reason));
    assert!(elapsed < 400.0, "abort took {elapsed} ms");
    let (count, _) = stats(&format!("flaky/{id}")).await;
    assert_eq!(count, 1);
}

#[wasm_bindgen_test]
async fn connection_errors_are_typed() {
    let c = client_with(&js(r#"{"baseUrl": "http://127.0.0.1:9", "retry": false}"#));
    let e = err(c.get("/x".into(), JsValue::UNDEFINED)).await;
    assert_error(&e, "ConnectionError", "connection_error", None);
    assert!(get(&e, "cause").is_object(), "cause is the runtime's error");
    assert!(get_str(&e, "message").unwrap().ends_with("(connection_error, GET /x)"));
}

#[wasm_bindgen_test]
async fn retry_after_is_obeyed() {
    let c = client("");
    let id = run_id();
    let result = ok(c.get(format!("/flaky/{id}?fail=1&status=429&retry_after=1").into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&result, "attempt").as_f64(), Some(2.0));
    let (count, times) = stats(&format!("flaky/{id}")).await;
    assert_eq!(count, 2);
    let gap = times[1] - times[0];
    assert!((1000.0..1100.0).contains(&gap), "retried {gap} ms later");
}

#[wasm_bindgen_test]
async fn post_is_retried_on_429_not_on_503() {
    let c = client(r#", "retry": {"baseDelayMs": 10}"#);
    let id = run_id();
    let e = err(c.post(format!("/flaky/{id}?fail=1&status=503").into(), js("{}"), JsValue::UNDEFINED)).await;
    assert_error(&e, "ServerError", "flaky", Some(503));
    assert_eq!(stats(&format!("flaky/{id}")).await.0, 1);
    let id = run_id();
    let ok_result = ok(c.post(format!("/flaky/{id}?fail=1&status=429&retry_after=0").into(), js("{}"), JsValue::UNDEFINED)).await;
    assert_eq!(get(&ok_result, "attempt").as_f64(), Some(2.0));
    // With an idempotency key, a POST is retried on 503 too.
    let id = run_id();
    let r = ok(c.post(format!("/flaky/{id}?fail=1&status=503").into(), js("{}"), js(r#"{"idempotencyKey": "idem-1"}"#))).await;
    assert_eq!(get(&r, "attempt").as_f64(), Some(2.0));
    // GET gives up after maxRetries (2): three attempts.
    let id = run_id();
    let e = err(c.get(format!("/flaky/{id}?fail=9&status=500").into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&e, "attempts").as_f64(), Some(3.0));
    // `retry.methods` (any case; an entry that is no method is left out) makes a POST retried on 503, and only
    // the methods listed: GET is no longer among them.
    let listed = client(r#", "retry": {"baseDelayMs": 10, "methods": ["post", "GET PUT", ""]}"#);
    let id = run_id();
    let r = ok(listed.post(format!("/flaky/{id}?fail=1&status=503").into(), js("{}"), JsValue::UNDEFINED)).await;
    assert_eq!(get(&r, "attempt").as_f64(), Some(2.0));
    let id = run_id();
    let e = err(listed.get(format!("/flaky/{id}?fail=1&status=503").into(), JsValue::UNDEFINED)).await;
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
    let id = run_id();
    let e = err(listed.put(format!("/flaky/{id}?fail=1&status=503").into(), js("{}"), JsValue::UNDEFINED)).await;
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0), "\"GET PUT\" is no method: PUT is not retried");
}

#[wasm_bindgen_test]
async fn rate_limit_state_from_headers() {
    let c = client("");
    assert!(c.rate_limit().is_null());
    let id = run_id();
    ok(c.get(format!("/rate/{id}?limit=10&window=60000").into(), JsValue::UNDEFINED)).await;
    let state = c.rate_limit();
    assert_eq!(get(&state, "limit").as_f64(), Some(10.0));
    assert_eq!(get(&state, "remaining").as_f64(), Some(9.0));
    let reset_at = get(&state, "resetAt").as_f64().unwrap();
    assert!(reset_at > now() + 50_000.0 && reset_at < now() + 61_000.0);
}

#[wasm_bindgen_test]
async fn token_function_is_called_per_attempt_and_refreshed_after_401() {
    let tokens = Array::of2(&"stale-token".into(), &"good-token".into());
    let f = counting_token(&tokens);
    let options = base_options("");
    Reflect::set(&options, &"token".into(), &f).unwrap();
    let c = client_with(&options);
    let id = run_id();
    ok(c.get(format!("/token/{id}?valid=good-token").into(), JsValue::UNDEFINED)).await;
    assert_eq!(calls_of(&f), 2, "called for the attempt and once more after the 401");
    assert_eq!(refresh_flags(&f), "[false,true]", "the call after the 401 asks for a fresh token");
    assert_eq!(stats(&format!("token/{id}")).await.0, 2);
    // A second 401 is thrown.
    let e = err(c.get(format!("/token/{id}?valid=other").into(), JsValue::UNDEFINED)).await;
    assert_error(&e, "AuthenticationError", "unauthorized", Some(401));
}

#[wasm_bindgen_test]
async fn poll_waits_out_204() {
    let c = client("");
    let id = run_id();
    let doc = ok(c.poll(format!("/poll/{id}?after=2").into(), js(r#"{"intervalMs": 30}"#))).await;
    assert_eq!(get(&doc, "polls").as_f64(), Some(3.0));
    let id = run_id();
    let e = err(c.poll(format!("/poll/{id}?after=100").into(), js(r#"{"intervalMs": 50, "maxWaitMs": 200}"#))).await;
    assert_error(&e, "TimeoutError", "timeout", None);
}

#[wasm_bindgen(inline_js = r#"
export function formData() { const f = new FormData(); f.append("field", "value-1"); return f; }
export function blob() { return new Blob(["blob-bytes"], { type: "application/octet-stream" }); }
export function stream() { return new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } }); }
export function counter() { const events = []; const f = (e) => events.push({ attempt: e.attempt, delayMs: e.delayMs, reason: e.reason, name: e.error.name, method: e.method, url: e.url }); f.events = events; return f; }
export function eventsOf(f) { return f.events; }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = formData)]
    fn form_data() -> JsValue;
    fn blob() -> JsValue;
    fn stream() -> JsValue;
    fn counter() -> Function;
    #[wasm_bindgen(js_name = eventsOf)]
    fn events_of(f: &Function) -> Array;
}

#[wasm_bindgen_test]
async fn bodies_are_sent_again_intact_on_retry() {
    let c = client("");
    let cases: Vec<(JsValue, &str)> = vec![
        (js(r#"{"doc": "ż", "n": 1}"#), r#"{"doc":"ż","n":1}"#),
        ("plain string".into(), "plain string"),
        (blob(), "blob-bytes"),
        (form_data(), "value-1"),
    ];
    for (body, want) in cases {
        let id = run_id();
        let r = ok(c.post(format!("/flaky/{id}?fail=1&status=429&retry_after=0").into(), body, JsValue::UNDEFINED)).await;
        assert_eq!(get(&r, "attempt").as_f64(), Some(2.0));
        assert!(get_str(&r, "body").unwrap().contains(want), "{want}: {}", stringify(&r));
    }
    if !is_browser() {
        // A stream is consumed by the first attempt: it is not retried (Chromium streams uploads over HTTP/2 only).
        let id = run_id();
        let e = err(c.post(format!("/flaky/{id}?fail=1&status=429&retry_after=0").into(), stream(), JsValue::UNDEFINED)).await;
        assert_error(&e, "RateLimitError", "flaky", Some(429));
        assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
    }
}

#[wasm_bindgen_test]
async fn a_wait_longer_than_max_retry_after_is_not_waited() {
    let c = client("");
    let id = run_id();
    let start = now();
    let e = err(c.get(format!("/flaky/{id}?fail=1&status=429&retry_after=86400").into(), JsValue::UNDEFINED)).await;
    assert!(now() - start < 1000.0);
    assert_error(&e, "RateLimitError", "flaky", Some(429));
    assert_eq!(get(&e, "retryAfterMs").as_f64(), Some(86_400_000.0));
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn on_retry_events() {
    let f = counter();
    let options = base_options(r#", "retry": {"baseDelayMs": 20}"#);
    Reflect::set(&options, &"onRetry".into(), &f).unwrap();
    let c = client_with(&options);
    let id = run_id();
    ok(c.get(format!("/flaky/{id}?fail=2&status=503").into(), JsValue::UNDEFINED)).await;
    let events = events_of(&f);
    assert_eq!(events.length(), 2);
    let first = events.get(0);
    assert_eq!(get(&first, "attempt").as_f64(), Some(1.0));
    assert_eq!(get_str(&first, "reason").as_deref(), Some("status"));
    assert_eq!(get_str(&first, "name").as_deref(), Some("ServerError"));
    assert_eq!(get_str(&first, "method").as_deref(), Some("GET"));
    let delay = get(&first, "delayMs").as_f64().unwrap();
    assert!((15.0..=25.0).contains(&delay), "backoff {delay}");
    assert_eq!(get(&events.get(1), "attempt").as_f64(), Some(2.0));
}

/// Sends `n` GETs to `path` at once; returns how many failed.
async fn burst(c: &Client, path: &str, n: usize) -> usize {
    let promises: Array = (0..n).map(|_| JsValue::from(c.get(path.into(), JsValue::UNDEFINED))).collect();
    let settled = JsFuture::from(Promise::all_settled(&promises)).await.unwrap();
    Array::from(&settled).iter().filter(|r| get_str(r, "status").as_deref() != Some("fulfilled")).count()
}

#[wasm_bindgen_test]
async fn a_burst_earns_429s_only_from_its_first_wave() {
    let c = client("");
    let id = run_id();
    let start = now();
    let failures = burst(&c, &format!("/rate/{id}?limit=5&window=1000"), 20).await;
    let elapsed = now() - start;
    assert_eq!(failures, 0);
    let (refused, _) = stats(&format!("rate/{id}/429")).await;
    let (served, _) = stats(&format!("rate/{id}/ok")).await;
    assert_eq!(served, 20);
    assert!(refused <= 15, "{refused} 429s");
    assert!(elapsed < 4500.0, "makespan {elapsed} ms (ideal about 3000)");
}

#[wasm_bindgen_test]
async fn pacing_needs_no_headers() {
    let c = client(r#", "rateLimit": {"requests": 5, "perMs": 1000}"#);
    let id = run_id();
    let failures = burst(&c, &format!("/rate/{id}?limit=5&window=1000&headers=0"), 12).await;
    assert_eq!(failures, 0);
    assert_eq!(stats(&format!("rate/{id}/429")).await.0, 0, "a paced client is never refused");
    assert_eq!(stats(&format!("rate/{id}/ok")).await.0, 12);
}

#[wasm_bindgen_test]
async fn max_concurrency_caps_requests_in_flight() {
    let c = client(r#", "maxConcurrency": 2"#);
    let start = now();
    assert_eq!(burst(&c, "/json?delay=200", 6).await, 0);
    let elapsed = now() - start;
    assert!(elapsed >= 580.0, "6 requests of 200 ms, 2 at a time, took {elapsed} ms");
}

#[wasm_bindgen_test]
async fn cors_hidden_headers_are_named_in_the_message() {
    let c = client(r#", "retry": false"#);
    let e = err(c.get("/status/429?h=Retry-After:1&expose=0".into(), JsValue::UNDEFINED)).await;
    let message = get_str(&e, "message").unwrap();
    if is_browser() {
        assert!(message.contains("Access-Control-Expose-Headers"), "{message}");
        assert!(get(&e, "retryAfterMs").is_undefined());
    } else {
        // Node sees every header: no note, and the wait is known.
        assert!(!message.contains("Access-Control-Expose-Headers"), "{message}");
        assert_eq!(get(&e, "retryAfterMs").as_f64(), Some(1000.0));
    }
}

#[wasm_bindgen(inline_js = r#"
export function tokenFrom(value) { return async () => value; }
export function eventLog() { const events = []; const f = (e) => events.push(JSON.stringify({ ...e, error: e.error })); f.text = () => events.join("\n"); return f; }
export function logText(f) { return f.text(); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = tokenFrom)]
    fn token_from(value: &str) -> Function;
    #[wasm_bindgen(js_name = eventLog)]
    fn event_log() -> Function;
    #[wasm_bindgen(js_name = logText)]
    fn log_text(f: &Function) -> String;
}

#[wasm_bindgen_test]
async fn secrets_stay_out_of_urls_events_and_errors_with_a_token_function() {
    let token = "fn_token_SECRET_789";
    let key = "key_SECRET_123";
    let log = event_log();
    let options = base_options(&format!(r#", "apiKey": "{key}", "retry": {{"maxRetries": 1, "baseDelayMs": 10, "statusCodes": [401]}}"#));
    Reflect::set(&options, &"token".into(), &token_from(token)).unwrap();
    Reflect::set(&options, &"onRetry".into(), &log).unwrap();
    let c = client_with(&options);
    // The credentials travel in headers only: the URL the server saw has neither.
    let echo = ok(c.get("/echo/sec".into(), js(r#"{"query": {"q": "1"}}"#))).await;
    assert_eq!(get_str(&get(&echo, "headers"), "authorization").as_deref(), Some(&*format!("Bearer {token}")));
    let seen = stringify(&get(&echo, "query")) + &get_str(&echo, "path").unwrap();
    assert!(!seen.contains(key) && !seen.contains(token));
    // A server that echoes both, twice (a retried 401 and then the refresh): redacted in the error and in the
    // onRetry events a user might log.
    let e = err(c.get("/status/401?shape=echo_secret".into(), JsValue::UNDEFINED)).await;
    let texts = [get_str(&e, "message").unwrap(), stringify(&e), as_string(&e), stack_of(&e), get_str(&e, "url").unwrap(), log_text(&log)];
    for text in texts {
        assert!(!text.contains(key) && !text.contains(token), "leak: {text}");
    }
    assert!(log_text(&log).contains("[redacted]"), "the event was logged, redacted");
}

#[wasm_bindgen_test]
async fn credentials_never_reach_another_origin() {
    let c = client(r#", "apiKey": "k-cross-1", "token": "t-cross-1", "headers": {"X-App": "kept"}"#);
    let other = SERVER.replace("127.0.0.1", "localhost");
    // Asking for another origin directly is refused before anything is sent.
    for path in [format!("{other}/echo/x"), "//localhost/echo".to_string(), "\\\\localhost/echo".to_string()] {
        let e = err(c.get(path.clone().into(), JsValue::UNDEFINED)).await;
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{path}");
    }
    if is_browser() {
        let e = err(c.post(format!("/redirect?to={other}/echo/x&status=307").into(), js("{}"), JsValue::UNDEFINED)).await;
        assert_error(&e, "ApiError", "redirect_refused", None);
    } else {
        for status in ["302", "307", "308"] {
            let echo = ok(c.get(format!("/redirect?to={other}/echo/x&status={status}").into(), JsValue::UNDEFINED)).await;
            let headers = get(&echo, "headers");
            assert!(get(&headers, "x-api-key").is_undefined(), "{status}: apiKey sent to another origin");
            assert!(get(&headers, "authorization").is_undefined(), "{status}: token sent to another origin");
            assert_eq!(get_str(&headers, "x-app").as_deref(), Some("kept"));
        }
        // Once a chain has left the origin, the credentials stay off even when it comes back (as fetch does with
        // Authorization): the target could have been chosen by the other origin.
        let back = format!("{SERVER}/echo/back");
        let echo = ok(c.get(format!("/redirect?to={other}/redirect%3Fto%3D{}", back.replace(':', "%3A").replace('/', "%2F")).into(), JsValue::UNDEFINED)).await;
        assert_eq!(get_str(&echo, "path").as_deref(), Some("/echo/back"));
        assert!(get(&get(&echo, "headers"), "x-api-key").is_undefined());
    }
}

#[wasm_bindgen_test]
async fn credentials_never_climb_above_base_urls_path() {
    // baseUrl has a path prefix; a path whose dot segments climb above it is refused before anything is sent.
    let (id, other) = (run_id(), run_id());
    let c = client_with(&js(&format!(r#"{{"baseUrl": "{SERVER}/echo/{id}", "apiKey": "k-climb-1"}}"#)));
    for path in ["../{o}", "/a/../../{o}", "%2e%2e/{o}", "%2E%2e/{o}", ".%2E/{o}", "a/./../../{o}", "..\\{o}", ".\t./{o}"] {
        let path = path.replace("{o}", &other);
        let e = err(c.get(path.clone().into(), JsValue::UNDEFINED)).await;
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{path}: {}", as_string(&e));
        assert!(!as_string(&e).contains("k-climb-1"), "{path}");
    }
    assert_eq!(stats(&format!("echo/{other}")).await.0, 0, "a refused path reached the server");
    // Dot segments that stay under the prefix are resolved and sent, with the credentials.
    let echo = ok(c.get("a/../b/./c".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get_str(&echo, "path").as_deref(), Some(format!("/echo/{id}/b/c").as_str()));
    assert_eq!(get_str(&get(&echo, "headers"), "x-api-key").as_deref(), Some("k-climb-1"));
}

/// Sends `n` GETs at once and returns how many the server refused with 429 (by its own count) and how many failed.
async fn burst_refusals(c: &Client, key: &str, n: usize, query: &str) -> (u32, usize) {
    let failures = burst(c, &format!("/rate/{key}?{query}"), n).await;
    (stats(&format!("rate/{key}/429")).await.0, failures)
}

#[wasm_bindgen_test]
async fn adaptive_pacing_learns_a_limit_the_server_does_not_tell() {
    // A server allowing 10 a second that says nothing about it (no rate-limit header, no Retry-After).
    let query = "limit=10&window=1000&headers=0";
    let blind = client(r#", "adaptive": false, "retry": {"maxRetries": 20, "baseDelayMs": 100, "maxDelayMs": 1000}"#);
    let (blind_refused, blind_failed) = burst_refusals(&blind, &run_id(), 40, query).await;
    let adaptive = client(r#", "retry": {"maxRetries": 20, "baseDelayMs": 100, "maxDelayMs": 1000}"#);
    let (refused, failed) = burst_refusals(&adaptive, &run_id(), 40, query).await;
    common::log(&format!("figure: 40 GETs against a silent 10/s limit: {refused} 429s adaptive, {blind_refused} with adaptive: false"));
    assert_eq!((failed, blind_failed), (0, 0));
    assert!(refused * 2 <= blind_refused, "adaptive {refused} 429s, blind {blind_refused}");
    let state = adaptive.rate_limit();
    assert_eq!(get(&state, "learned").as_bool(), Some(true), "client.rateLimit shows what was learned: {}", stringify(&state));
}

#[wasm_bindgen_test]
async fn extend_merges_options_and_shares_the_quota_of_its_origin() {
    let parent = client(r#", "apiKey": "k-extend-1234", "headers": {"X-App": "parent", "X-Drop": "d"}"#);
    let child = parent.extend(js(r#"{"headers": {"x-app": "child", "X-Drop": null}, "retry": {"maxRetries": 4}}"#)).unwrap();
    let headers = get(&ok(child.get("/echo".into(), JsValue::UNDEFINED)).await, "headers");
    assert_eq!(get_str(&headers, "x-app").as_deref(), Some("child"));
    assert_eq!(get_str(&headers, "x-drop"), None);
    assert_eq!(get_str(&headers, "x-api-key").as_deref(), Some("k-extend-1234"));
    let headers = get(&ok(parent.get("/echo".into(), JsValue::UNDEFINED)).await, "headers");
    assert_eq!((get_str(&headers, "x-app").as_deref(), get_str(&headers, "x-drop").as_deref()), (Some("parent"), Some("d")));
    // One quota: a burst split over both earns 429s only from one first wave.
    let id = run_id();
    let path = format!("/rate/{id}?limit=5&window=1000");
    let promises: Array = (0..20).map(|i| JsValue::from(if i % 2 == 0 { &parent } else { &child }.get(path.as_str().into(), JsValue::UNDEFINED))).collect();
    JsFuture::from(Promise::all(&promises)).await.expect("none lost");
    let (refused, _) = stats(&format!("rate/{id}/429")).await;
    assert!(refused <= 8, "{refused} 429s: the two did not share a window");
    assert_eq!(stringify(&child.rate_limit()), stringify(&parent.rate_limit()));
    for option in ["rateLimit", "maxConcurrency", "adaptive", "shareAcross"] {
        let e = parent.extend(js(&format!(r#"{{"{option}": 1}}"#))).err().expect(option);
        assert!(e.is_instance_of::<js_sys::TypeError>() && as_string(&e).contains(option), "{}", as_string(&e));
    }
}

//! The fault matrix: whatever the server or the network does, every promise settles within its time bound with the
//! documented error class or result, never a panic (which would trap the module for every later call), never a
//! plain string, never a hang; and the same client keeps working afterwards. Node and headless Chromium.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use polite_fetch::Client;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// What a case must settle with.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Resolves (the check gets the value).
    Ok(fn(&JsValue) -> bool),
    /// Rejects with this class and code.
    Err(&'static str, &'static str),
}

fn any(_: &JsValue) -> bool {
    true
}

fn is_ok_object(v: &JsValue) -> bool {
    get(v, "ok").as_bool() == Some(true)
}

/// Runs one case: `fault` for the first `times` requests, then the client must still work.
async fn case(c: &Client, fault: &str, times: u32, method: &str, expect: Expect, bounds_ms: (f64, f64)) -> JsValue {
    let path = format!("/fault/{fault}/{}?times={times}", run_id());
    let started = now();
    let promise = promise(if method == "GET" { c.get(path.clone().into(), JsValue::UNDEFINED) } else { c.post(path.clone().into(), js(r#"{"n":1}"#), JsValue::UNDEFINED) });
    let settled = JsFuture::from(promise).await;
    let elapsed = now() - started;
    let label = format!("{method} {fault} x{times}");
    assert!(elapsed >= bounds_ms.0 && elapsed <= bounds_ms.1, "{label}: settled after {elapsed} ms, not within {bounds_ms:?}");
    let value = match (settled, expect) {
        (Ok(v), Expect::Ok(check)) => {
            assert!(check(&v), "{label}: unexpected value {}", stringify(&v));
            v
        }
        (Err(e), Expect::Err(class, code)) => {
            assert!(e.is_instance_of::<js_sys::Error>(), "{label}: not an Error: {}", as_string(&e));
            assert_eq!(get_str(&e, "name").as_deref(), Some(class), "{label}: {}", as_string(&e));
            assert_eq!(get_str(&e, "code").as_deref(), Some(code), "{label}: {}", as_string(&e));
            e
        }
        (Ok(v), Expect::Err(..)) => panic!("{label}: resolved with {}", stringify(&v)),
        (Err(e), Expect::Ok(_)) => panic!("{label}: rejected with {}", as_string(&e)),
    };
    // The same client keeps working.
    let after = ok(c.get("/json".into(), JsValue::UNDEFINED)).await;
    assert_eq!(get_str(&after, "hello").as_deref(), Some("world"), "{label}: the client broke");
    value
}

fn fault_client() -> Client {
    client(r#", "timeoutMs": 800, "retry": {"baseDelayMs": 50, "maxDelayMs": 200}"#)
}

#[wasm_bindgen_test]
async fn bodies_that_lie() {
    let c = fault_client();
    case(&c, "html5xx", 99, "GET", Expect::Err("ServerError", "server_error"), (0.0, 2500.0)).await;
    let e = case(&c, "html5xx", 99, "POST", Expect::Err("ServerError", "server_error"), (0.0, 800.0)).await;
    assert!(get_str(&e, "message").unwrap().starts_with("503 Service Unavailable (503 server_error, POST /fault/html5xx/"));
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0), "POST is not retried on 5xx");
    for method in ["GET", "POST"] {
        case(&c, "truncated", 1, method, Expect::Err("ApiError", "invalid_response"), (0.0, 800.0)).await;
        case(&c, "html-as-json", 1, method, Expect::Err("ApiError", "invalid_response"), (0.0, 800.0)).await;
        case(&c, "wrong-type", 1, method, Expect::Ok(|v| v.as_string().as_deref() == Some(r#"{"looks":"like json"}"#)), (0.0, 800.0)).await;
        case(&c, "non-utf8", 1, method, Expect::Ok(|v| v.as_string().is_some_and(|s| s.starts_with("ok\u{FFFD}"))), (0.0, 800.0)).await;
        let e = case(&c, "non-utf8-error", 1, method, Expect::Err("BadRequestError", "bad_request"), (0.0, 800.0)).await;
        assert!(get_str(&e, "message").unwrap().starts_with("bad \u{FFFD}( byte (400 bad_request"), "{}", as_string(&e));
    }
    let big = case(&c, "big", 1, "GET", Expect::Ok(any), (0.0, 10_000.0)).await;
    assert_eq!(get_str(&big, "data").map(|s| s.len()), Some(10 << 20));
}

#[wasm_bindgen_test]
async fn the_network_fails() {
    let c = fault_client();
    for method in ["GET", "POST"] {
        case(&c, "reset-mid-body", 99, method, Expect::Err("ConnectionError", "connection_error"), (0.0, 2500.0)).await;
    }
    // A body that drips for 2.2 s: each attempt times out at 800 ms; GET is retried (3 attempts), POST is not.
    let e = case(&c, "drip", 99, "GET", Expect::Err("TimeoutError", "timeout"), (2300.0, 4500.0)).await;
    assert_eq!(get(&e, "attempts").as_f64(), Some(3.0));
    let e = case(&c, "drip", 99, "POST", Expect::Err("TimeoutError", "timeout"), (750.0, 1600.0)).await;
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
    // Without a timeout the slow body arrives.
    let patient = client(r#", "timeoutMs": 0"#);
    case(&patient, "drip", 1, "GET", Expect::Ok(|v| get_str(v, "slow").as_deref() == Some("drip drip")), (2000.0, 5000.0)).await;
}

#[wasm_bindgen_test]
async fn rate_limit_headers_that_lie() {
    let c = fault_client();
    for method in ["GET", "POST"] {
        // A 429 is retried for every method; an empty one on backoff.
        case(&c, "empty429", 1, method, Expect::Ok(is_ok_object), (0.0, 1000.0)).await;
        // Repeated headers: the first value counts (Retry-After 1, not 3).
        case(&c, "dup-headers", 1, method, Expect::Ok(is_ok_object), (950.0, 2000.0)).await;
        // Retry-After 0 beside a window said to reset in 100 s: Retry-After wins.
        case(&c, "contradictory", 1, method, Expect::Ok(is_ok_object), (0.0, 1000.0)).await;
        // Unusable values lose their timing, not the retry.
        case(&c, "retry-after-neg", 1, method, Expect::Ok(is_ok_object), (0.0, 1000.0)).await;
        case(&c, "retry-after-nan", 1, method, Expect::Ok(is_ok_object), (0.0, 1000.0)).await;
        case(&c, "retry-after-past", 1, method, Expect::Ok(is_ok_object), (0.0, 1000.0)).await;
        // X-RateLimit-Reset in epoch milliseconds, 800 ms ahead.
        case(&c, "reset-ms", 1, method, Expect::Ok(is_ok_object), (600.0, 2000.0)).await;
        // Waits beyond maxRetryAfterMs are not waited: thrown at once, with the wait asked for.
        let e = case(&c, "retry-after-huge", 1, method, Expect::Err("RateLimitError", "too_many_requests"), (0.0, 800.0)).await;
        assert_eq!(get(&e, "retryAfterMs").as_f64(), Some(1e15));
        let e = case(&c, "retry-after-future", 1, method, Expect::Err("RateLimitError", "too_many_requests"), (0.0, 800.0)).await;
        assert!(get(&e, "retryAfterMs").as_f64().unwrap() > 1e12);
    }
    case(&c, "empty429", 99, "GET", Expect::Err("RateLimitError", "too_many_requests"), (0.0, 2500.0)).await;
}

#[wasm_bindgen_test]
async fn odd_arguments_never_trap_the_module() {
    let c = fault_client();
    let odd_paths = ["", "?", "#", "%", "%zz", "\u{0}", "ż/ł?ę=ą", "a\r\nb", &"x".repeat(10_000), "..//..//x", "@", ":", "[::1]"];
    for path in odd_paths {
        // Each resolves or rejects; none may throw synchronously or trap.
        let _ = JsFuture::from(promise(c.get(path.into(), JsValue::UNDEFINED))).await;
    }
    let odd_options = [
        r#"{"query": {"a": {"nested": 1}}}"#,
        r#"{"query": [1, 2]}"#,
        r#"{"headers": {"bad name": "x"}}"#,
        r#"{"headers": {"X-A": "ż"}}"#,
        r#"{"timeoutMs": -5}"#,
        r#"{"retry": "yes"}"#,
        r#"{"retry": {"statusCodes": [1e9]}}"#,
        r#"{"responseType": 5}"#,
        r#"{"idempotencyKey": "a\nb"}"#,
        r#"5"#,
        r#""string""#,
    ];
    for options in odd_options {
        let e = err(c.get("/json".into(), js(options))).await;
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{options}: {}", as_string(&e));
    }
    for options in [r#"null"#, r#"[]"#, r#"{"baseUrl": null}"#, r#"{"baseUrl": 5}"#, r#"{"baseUrl": "https://h", "rateLimit": [5]}"#, r#"{"baseUrl": "https://h", "headers": 5}"#] {
        assert!(Client::new(js(options)).is_err(), "{options}");
    }
    assert!(ok(c.get("/json".into(), JsValue::UNDEFINED)).await.is_object(), "still working");
}

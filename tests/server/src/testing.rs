//! Routes for the client's tests: echo, any status with any body shape, stashed replies, fixed-window rate limits, flaky
//! endpoints, polling, token checks, redirects, resets; and /__stats, /__reset to count what arrived.

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use crate::http::*;

/// Per-key request log: how many and when (ms since epoch), for tests that count requests or measure gaps.
#[derive(Default)]
pub struct State {
    hits: HashMap<String, Vec<f64>>,
    /// Fixed windows of /rate/{key}: (window start ms, count).
    windows: HashMap<String, (f64, u32)>,
    /// Replies stored by `PUT /stash/{id}`, served to every other request of that id; the oldest go first.
    stash: HashMap<String, Stashed>,
    stash_order: Vec<String>,
}

/// A reply stored for /stash/{id}: status, headers (Content-Type among them when given) and the body's bytes.
#[derive(Clone)]
pub struct Stashed {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// At most this many stashed replies are kept (the property tests store one per generated case).
const STASH_KEEP: usize = 16;

/// Error bodies in the shapes the client must understand, by name (`?shape=`).
pub fn shaped_body(shape: &str, status: u16) -> (&'static str, String) {
    let j = "application/json";
    match shape {
        "envelope" => (j, format!(r#"{{"error":"insufficient_scope","message":"Token nie posiada wymaganego uprawnienia","timestamp":"2025-01-15T14:30:00Z","path":"/api/PurchaseDocuments/my","requestId":"req_abc123def456"}}"#)),
        "seatable" => (j, r#"{"error_msg":"You don't have permission to access this base."}"#.into()),
        "drf" => (j, r#"{"email":["Enter a valid email address."],"non_field_errors":["Passwords do not match."]}"#.into()),
        "drf_detail" => (j, r#"{"detail":"Request was throttled. Expected available in 2 seconds."}"#.into()),
        "problem" => ("application/problem+json", format!(r#"{{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":{status},"detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc"}}"#)),
        "nested" => (j, r#"{"error":{"code":"E42","message":"nested message"}}"#.into()),
        "errors" => (j, r#"{"message":"Validation failed","errors":{"title":["too long"],"tags":"bad tag"}}"#.into()),
        "html" => ("text/html", "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>nginx</p></body></html>".into()),
        "text" => ("text/plain", "Plain text failure\nsecond line".into()),
        "broken" => (j, r#"{"error": "trunc"#.into()),
        "empty" => (j, String::new()),
        "echo_secret" => (j, String::new()), // filled by the route with the caller's credentials
        _ => (j, format!(r#"{{"error":"unknown_shape","message":"no shape {}"}}"#, escape_json(shape).trim_matches('"'))),
    }
}

/// Bodies a broken gateway or a hostile server sends (`?shape=...&n=`), JSON of `n` levels or keys, at most 10^6.
pub fn hostile_body(shape: &str, n: usize) -> Option<String> {
    let n = n.min(1_000_000);
    let nest = |open: &str, leaf: &str, close: &str| format!("{}{leaf}{}", open.repeat(n), close.repeat(n));
    Some(match shape {
        "deep_array" => nest("[", "1", "]"),
        "deep_object" => nest(r#"{"a":"#, "1", "}"),
        "deep_errors" => format!(r#"{{"message":"invalid","errors":{}}}"#, nest(r#"{"a":"#, r#""x""#, "}")),
        "deep_drf" => format!(r#"{{"title":{}}}"#, nest("[", r#""required""#, "]")),
        "many_keys" => {
            let keys: Vec<String> = (0..n).map(|i| format!(r#""field{i}":["value {i}"]"#)).collect();
            format!("{{{}}}", keys.join(","))
        }
        _ => return None,
    })
}

/// The faults of the fault matrix (tests/faults.rs), by name.
fn fault(name: &str) -> Reply {
    let now = now_ms();
    let r429 = |pairs: &[(&str, String)]| {
        let mut r = reply(429, "application/json", Vec::new());
        for (k, v) in pairs {
            r = with_header(r, k, v.clone());
        }
        r
    };
    match name {
        "html5xx" => reply(503, "text/html", "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Down</h1></body></html>"),
        "truncated" => json(200, r#"{"items":[1,2,"#.into()),
        "html-as-json" => reply(200, "application/json", "<html><body>oops</body></html>"),
        "wrong-type" => reply(200, "text/plain", r#"{"looks":"like json"}"#),
        "empty429" => reply(429, "text/plain", Vec::new()),
        "big" => {
            let mut body = String::with_capacity(10 << 20);
            body.push_str(r#"{"data":""#);
            body.extend(std::iter::repeat('x').take(10 << 20));
            body.push_str(r#""}"#);
            json(200, body)
        }
        "drip" => Reply::Stream {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            declared: 22,
            chunks: br#"{"slow":"drip drip"}  "#.chunks(2).map(|c| c.to_vec()).collect(),
            delay_ms: 200,
            close: false,
            tag: None,
        },
        "reset-mid-body" => Reply::Stream {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            declared: 1000,
            chunks: vec![br#"{"partial":"#.to_vec()],
            delay_ms: 20,
            close: true,
            tag: None,
        },
        "dup-headers" => r429(&[("Retry-After", "1".into()), ("Retry-After", "3".into()), ("X-RateLimit-Remaining", "5".into()), ("X-RateLimit-Remaining", "0".into())]),
        "contradictory" => r429(&[("Retry-After", "0".into()), ("X-RateLimit-Reset-After", "100".into()), ("X-RateLimit-Remaining", "0".into()), ("X-RateLimit-Limit", "-3".into())]),
        "retry-after-neg" => r429(&[("Retry-After", "-1".into())]),
        "retry-after-huge" => r429(&[("Retry-After", "1000000000000".into())]),
        "retry-after-nan" => r429(&[("Retry-After", "NaN".into())]),
        "retry-after-past" => r429(&[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT".into())]),
        "retry-after-future" => r429(&[("Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT".into())]),
        "reset-ms" => r429(&[("X-RateLimit-Remaining", "0".into()), ("X-RateLimit-Reset", format!("{}", (now + 800.0) as u64))]),
        "non-utf8" => reply(200, "text/plain", vec![b'o', b'k', 0xff, 0xfe, b'!']),
        "non-utf8-error" => reply(400, "application/json", [&br#"{"message":"bad "#[..], &[0xc3, 0x28], &br#" byte"}"#[..]].concat()),
        _ => json(404, r#"{"error":"unknown_fault"}"#.into()),
    }
}

pub fn route(req: &Request, state: &Mutex<State>) -> Reply {
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let key = segments.get(1).copied().unwrap_or("default").to_string();
    let record = |name: &str| {
        let mut st = state.lock().unwrap();
        let hits = st.hits.entry(name.to_string()).or_default();
        hits.push(now_ms());
        hits.len()
    };
    if let Some(ms) = req.param("delay").and_then(|v| v.parse::<u64>().ok()) {
        thread::sleep(Duration::from_millis(ms.min(60_000)));
    }
    match segments[0] {
        // The request as the server saw it.
        "echo" => {
            record(&format!("echo/{key}"));
            let headers: Vec<String> = req.headers.iter().map(|(k, v)| format!("{}:{}", escape_json(&k.to_ascii_lowercase()), escape_json(v))).collect();
            let query: Vec<String> = req.query.iter().map(|(k, v)| format!("[{},{}]", escape_json(k), escape_json(v))).collect();
            json(200, format!(
                r#"{{"method":{},"path":{},"query":[{}],"headers":{{{}}},"body":{},"bodyLength":{}}}"#,
                escape_json(&req.method),
                escape_json(&req.path),
                query.join(","),
                headers.join(","),
                escape_json(&String::from_utf8_lossy(&req.body)),
                req.body.len()
            ))
        }
        // Any status with a body shape or raw body and extra headers: /status/404?shape=envelope&h=X-Request-Id:abc
        "status" => {
            let status: u16 = key.parse().unwrap_or(500);
            record(&format!("status/{status}"));
            let hostile = req.param("shape").and_then(|shape| hostile_body(shape, req.num("n", 3000.0) as usize));
            let (ct, mut body) = match req.param("shape") {
                Some(_) if hostile.is_some() => ("application/json".to_string(), hostile.unwrap_or_default()),
                Some(shape) => {
                    let (ct, body) = shaped_body(shape, status);
                    (ct.to_string(), body)
                }
                None => (req.param("type").unwrap_or("application/json").to_string(), req.param("body").unwrap_or("").to_string()),
            };
            if req.param("shape") == Some("echo_secret") {
                let key = req.header("x-api-key").unwrap_or("");
                let auth = req.header("authorization").unwrap_or("");
                body = format!(r#"{{"error":"invalid_key","message":"key {} and {} are not valid","requestId":{}}}"#, escape_json(key).trim_matches('"'), escape_json(auth).trim_matches('"'), escape_json(key));
            }
            let mut r = Reply::Response { status, reason: req.param("reason").unwrap_or("").to_string(), headers: vec![("Content-Type".into(), ct)], body: body.into_bytes() };
            for (k, v) in &req.query {
                if k == "h" {
                    if let Some((name, value)) = v.split_once(':') {
                        r = with_header(r, name, value.to_string());
                    }
                }
            }
            r
        }
        // A fixed window of `limit` requests per `window` ms per key; 429 + Retry-After beyond it.
        // headers=0 leaves out every rate-limit header (as SeaTable does).
        "rate" => {
            let limit = req.num("limit", 5.0) as u32;
            let window = req.num("window", 1000.0);
            let send_headers = req.param("headers") != Some("0");
            let now = now_ms();
            let (allowed, remaining, reset_ms) = {
                let mut st = state.lock().unwrap();
                let w = st.windows.entry(key.clone()).or_insert((now, 0));
                if now - w.0 >= window {
                    *w = (now, 0);
                }
                let reset_ms = (w.0 + window - now).max(0.0);
                if w.1 < limit {
                    w.1 += 1;
                    (true, limit - w.1, reset_ms)
                } else {
                    (false, 0, reset_ms)
                }
            };
            record(&format!("rate/{key}/{}", if allowed { "ok" } else { "429" }));
            let mut r = if allowed { json(200, r#"{"ok":true}"#.into()) } else { json(429, r#"{"error":"too_many_requests","message":"Rate limit exceeded"}"#.into()) };
            if send_headers {
                r = with_header(r, "X-RateLimit-Limit", limit.to_string());
                r = with_header(r, "X-RateLimit-Remaining", remaining.to_string());
                r = with_header(r, "X-RateLimit-Reset-After", format!("{:.3}", reset_ms / 1000.0));
                r = with_header(r, "X-RateLimit-Reset", format!("{}", ((now + reset_ms) / 1000.0).ceil() as u64));
                if !allowed {
                    r = with_header(r, "Retry-After", format!("{}", (reset_ms / 1000.0).ceil().max(1.0) as u64));
                }
            }
            r
        }
        // Fails `fail` times with `status` (and Retry-After `retry_after` when given), then succeeds.
        "flaky" => {
            let n = record(&format!("flaky/{key}"));
            let fail = req.num("fail", 1.0) as usize;
            if n <= fail {
                let status = req.num("status", 503.0) as u16;
                let mut r = json(status, format!(r#"{{"error":"flaky","message":"failure {n} of {fail}"}}"#));
                if let Some(ra) = req.param("retry_after") {
                    r = with_header(r, "Retry-After", ra.to_string());
                }
                if req.param("reset") == Some("1") {
                    return Reply::Drop;
                }
                r
            } else {
                // The body is echoed so tests can check it was sent again intact on a retry.
                let body = String::from_utf8_lossy(&req.body);
                let ct = req.header("content-type").unwrap_or("");
                json(200, format!(r#"{{"ok":true,"attempt":{n},"body":{},"contentType":{}}}"#, escape_json(&body), escape_json(ct)))
            }
        }
        // 204 "still processing" for the first `after` requests, then the document.
        "poll" => {
            let n = record(&format!("poll/{key}"));
            if n <= req.num("after", 2.0) as usize {
                let r = reply(204, "text/plain", Vec::new());
                match req.param("retry_after") {
                    Some(ra) => with_header(r, "Retry-After", ra.to_string()),
                    None => r,
                }
            } else {
                json(200, format!(r#"{{"id":{},"status":"done","polls":{n}}}"#, escape_json(&key)))
            }
        }
        // 200 only for `Authorization: Bearer <valid>`, else 401.
        "token" => {
            record(&format!("token/{key}"));
            let want = format!("Bearer {}", req.param("valid").unwrap_or("good"));
            if req.header("authorization") == Some(want.as_str()) {
                json(200, r#"{"ok":true}"#.into())
            } else {
                json(401, r#"{"error_msg":"Invalid token"}"#.into())
            }
        }
        "redirect" => {
            record("redirect");
            let to = req.param("to").unwrap_or("/echo").to_string();
            let status = req.num("status", 302.0) as u16;
            with_header(reply(status, "text/plain", Vec::new()), "Location", to)
        }
        "reset" => Reply::Drop,
        // /fault/<name>/<key>?times=N: the fault for the first N requests of <key> (default 1), then 200.
        "fault" => {
            let name = key.clone();
            let id = segments.get(2).copied().unwrap_or("default");
            let n = record(&format!("fault/{name}/{id}"));
            if n > req.num("times", 1.0) as usize {
                return json(200, r#"{"ok":true}"#.into());
            }
            fault(&name)
        }
        // PUT /stash/{id}?status=N&type=T&h=Name:Value stores the request's body as the reply; any other method
        // gets that reply (no Content-Type when `type` is absent). For generated bodies and header sets.
        "stash" => {
            let mut st = state.lock().unwrap();
            if req.method == "PUT" {
                let mut headers: Vec<(String, String)> = req.query.iter().filter(|(k, _)| k == "h").filter_map(|(_, v)| v.split_once(':')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
                if let Some(t) = req.param("type") {
                    headers.insert(0, ("Content-Type".into(), t.to_string()));
                }
                let status = req.num("status", 200.0) as u16;
                // A 204 or 304 has no body on the wire.
                let body = if matches!(status, 204 | 304) { Vec::new() } else { req.body.clone() };
                let stored = Stashed { status, headers, body };
                if st.stash.insert(key.clone(), stored).is_none() {
                    st.stash_order.push(key.clone());
                }
                while st.stash_order.len() > STASH_KEEP {
                    let old = st.stash_order.remove(0);
                    st.stash.remove(&old);
                }
                return json(200, r#"{"ok":true}"#.into());
            }
            drop(st);
            record(&format!("stash/{key}"));
            match state.lock().unwrap().stash.get(&key).cloned() {
                Some(s) => Reply::Response { status: s.status, reason: String::new(), headers: s.headers, body: s.body },
                None => json(404, r#"{"error":"not_stashed"}"#.into()),
            }
        }
        "text" => reply(200, "text/plain; charset=utf-8", req.param("body").unwrap_or("hello").to_string()),
        "bytes" => reply(200, "application/octet-stream", vec![1u8, 2, 3, 4]),
        "empty" => reply(200, req.param("type").unwrap_or("application/json"), Vec::new()),
        "nocontent" => reply(204, "text/plain", Vec::new()),
        "json" => json(200, req.param("body").unwrap_or(r#"{"hello":"world"}"#).to_string()),
        "__stats" => {
            let name = segments[1..].join("/");
            let st = state.lock().unwrap();
            let times = st.hits.get(&name).cloned().unwrap_or_default();
            let list: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
            json(200, format!(r#"{{"count":{},"times":[{}]}}"#, times.len(), list.join(",")))
        }
        "__reset" => {
            let mut st = state.lock().unwrap();
            st.hits.clear();
            st.windows.clear();
            json(200, r#"{"ok":true}"#.into())
        }
        _ => json(404, format!(r#"{{"error":"not_found","message":"no route {}","path":{}}}"#, escape_json(&req.path).trim_matches('"'), escape_json(&req.path))),
    }
}


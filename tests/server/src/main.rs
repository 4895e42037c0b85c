//! The local HTTP/1.1 server polite-fetch's tests run against (and that the playground will grow from).
//!
//! Plain std: one thread per connection, keep-alive, CORS on every answer. It answers with exactly the bytes a
//! test asks for, so faults (resets, broken bodies, odd headers) are easy to add. Routes are listed in `route`.
//!
//! Usage: `polite-fetch-testserver [--port N] [--port-file FILE] [--files DIR]` (port 0, the default, picks a free
//! one; `--files` serves DIR under `/files/`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A parsed request.
struct Request {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn num(&self, name: &str, default: f64) -> f64 {
        self.param(name).and_then(|v| v.parse().ok()).unwrap_or(default)
    }
}

/// What to send back.
enum Reply {
    Response { status: u16, reason: String, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Close the connection without answering (a reset).
    Drop,
}

fn reply(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Response { status, reason: String::new(), headers: vec![("Content-Type".into(), content_type.into())], body: body.into() }
}

fn json(status: u16, body: String) -> Reply {
    reply(status, "application/json", body)
}

fn with_header(mut r: Reply, name: &str, value: String) -> Reply {
    if let Reply::Response { headers, .. } = &mut r {
        headers.push((name.into(), value));
    }
    r
}

/// Per-key request log: how many and when (ms since epoch), for tests that count requests or measure gaps.
#[derive(Default)]
struct State {
    hits: HashMap<String, Vec<f64>>,
    /// Fixed windows of /rate/{key}: (window start ms, count).
    windows: HashMap<String, (f64, u32)>,
}

fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

fn escape_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Error bodies in the shapes the client must understand, by name (`?shape=`).
fn shaped_body(shape: &str, status: u16) -> (&'static str, String) {
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

fn route(req: &Request, state: &Mutex<State>) -> Reply {
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
            let (ct, mut body) = match req.param("shape") {
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

const EXPOSED: &str = "Retry-After, retry-after-ms, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-RateLimit-Reset-After, RateLimit, RateLimit-Policy, X-Request-Id, Request-Id, X-Correlation-Id, Date, Location";

fn cors_headers(req: &Request) -> Vec<(String, String)> {
    let mut h = vec![
        ("Access-Control-Allow-Origin".to_string(), req.header("origin").unwrap_or("*").to_string()),
        ("Access-Control-Allow-Methods".to_string(), "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS".to_string()),
        ("Access-Control-Allow-Headers".to_string(), req.header("access-control-request-headers").unwrap_or("*").to_string()),
        ("Access-Control-Max-Age".to_string(), "600".to_string()),
        ("Vary".to_string(), "Origin".to_string()),
    ];
    // ?expose=0 shows what a browser user meets when a server forgets Access-Control-Expose-Headers.
    if req.param("expose") != Some("0") {
        h.push(("Access-Control-Expose-Headers".to_string(), EXPOSED.to_string()));
    }
    h
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let get = |name: &str| headers.iter().find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line).ok()?;
            let size = usize::from_str_radix(size_line.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len.min(64 << 20), 0);
        reader.read_exact(&mut body).ok()?;
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q),
        None => (target.clone(), ""),
    };
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect();
    Some(Request { method, path: percent_decode(&path), query, headers, body })
}

/// Serves a file under `root` for `/files/<path>` (pages and packages for the browser tests), refusing `..`.
fn static_file(root: &std::path::Path, path: &str) -> Reply {
    let relative = path.trim_start_matches("/files/");
    if relative.split('/').any(|part| part.starts_with('.')) {
        return json(403, r#"{"error":"forbidden"}"#.into());
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let content_type = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
    match std::fs::read(&file) {
        Ok(bytes) => reply(200, content_type, bytes),
        Err(_) => json(404, format!(r#"{{"error":"not_found","message":"no file {}"}}"#, escape_json(relative).trim_matches('"'))),
    }
}

fn handle(stream: TcpStream, state: Arc<Mutex<State>>, files: Option<Arc<std::path::PathBuf>>) {
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else { return };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_request(&mut reader) {
        let reply = match &files {
            _ if req.method == "OPTIONS" => reply(204, "text/plain", Vec::new()),
            Some(root) if req.path.starts_with("/files/") => static_file(root, &req.path),
            _ => route(&req, &state),
        };
        let Reply::Response { status, reason, mut headers, body } = reply else {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        };
        headers.extend(cors_headers(&req));
        let reason = if reason.is_empty() { default_reason(status) } else { &reason };
        let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
        for (k, v) in &headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\nConnection: keep-alive\r\n\r\n", body.len()));
        let mut out = head.into_bytes();
        if req.method != "HEAD" {
            out.extend_from_slice(&body);
        }
        if writer.write_all(&out).is_err() {
            return;
        }
    }
}

fn default_reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let port = arg("--port").and_then(|p| p.parse::<u16>().ok()).unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    if let Some(file) = arg("--port-file") {
        std::fs::write(&file, port.to_string()).expect("write port file");
    }
    println!("polite-fetch test server listening on http://127.0.0.1:{port}");
    let files = arg("--files").map(|dir| Arc::new(std::path::PathBuf::from(dir)));
    let state = Arc::new(Mutex::new(State::default()));
    for stream in listener.incoming().flatten() {
        let state = state.clone();
        let files = files.clone();
        thread::spawn(move || handle(stream, state, files));
    }
}

//! HTTP/1.1 plumbing of the server: parsing a request, the reply type, CORS headers.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::time::{SystemTime, UNIX_EPOCH};

/// A parsed request.
pub struct Request {
    /// GET, POST, ...
    pub method: String,
    /// The path, percent-decoded.
    pub path: String,
    /// Query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Headers as sent.
    pub headers: Vec<(String, String)>,
    /// The body (chunked bodies decoded).
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn num(&self, name: &str, default: f64) -> f64 {
        self.param(name).and_then(|v| v.parse().ok()).unwrap_or(default)
    }
}

/// What to send back.
pub enum Reply {
    Response {
        status: u16,
        reason: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering (a reset).
    Drop,
    /// Send the head (with `Content-Length: declared`), then the chunks `delay_ms` apart; then close the
    /// connection when `close` (a body cut short when fewer bytes than declared were sent).
    Stream {
        status: u16,
        headers: Vec<(String, String)>,
        declared: usize,
        chunks: Vec<Vec<u8>>,
        delay_ms: u64,
        close: bool,
        /// Where main.rs notes whether the whole body went out ("done") or the client hung up ("aborted").
        tag: Option<String>,
    },
}

pub fn reply(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Response { status, reason: String::new(), headers: vec![("Content-Type".into(), content_type.into())], body: body.into() }
}

pub fn json(status: u16, body: String) -> Reply {
    reply(status, "application/json", body)
}

pub fn with_header(mut r: Reply, name: &str, value: String) -> Reply {
    if let Reply::Response { headers, .. } = &mut r {
        headers.push((name.into(), value));
    }
    r
}

pub fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

pub fn escape_json(s: &str) -> String {
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

pub fn percent_decode(s: &str) -> String {
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

pub const EXPOSED: &str = "Retry-After, retry-after-ms, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-RateLimit-Reset-After, RateLimit, RateLimit-Policy, X-Request-Id, Request-Id, X-Correlation-Id, Date, Location, ETag, Last-Modified, Link, Cache-Control";

pub fn cors_headers(req: &Request) -> Vec<(String, String)> {
    let mut h = vec![
        ("Access-Control-Allow-Origin".to_string(), req.header("origin").unwrap_or("*").to_string()),
        ("Access-Control-Allow-Methods".to_string(), "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS".to_string()),
        ("Access-Control-Allow-Headers".to_string(), req.header("access-control-request-headers").unwrap_or("*").to_string()),
        ("Access-Control-Max-Age".to_string(), "600".to_string()),
        ("Vary".to_string(), "Origin".to_string()),
    ];
    // ?expose=0 shows what a browser user meets when a server forgets Access-Control-Expose-Headers.
    if req.param("expose") != Some("0") && req.header("x-demo-expose") != Some("0") {
        h.push(("Access-Control-Expose-Headers".to_string(), EXPOSED.to_string()));
    }
    h
}

pub fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
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

pub fn default_reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        304 => "Not Modified",
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


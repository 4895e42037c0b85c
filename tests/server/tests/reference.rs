//! The server's own tests, over real HTTP: it is started as a process on a free port, like `make demo` does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn start(args: &[&str]) -> Server {
    // Tests run in parallel threads: every server gets a port file of its own.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let port_file = std::env::temp_dir().join(format!("pf-server-{}-{n}", std::process::id()));
    let _ = std::fs::remove_file(&port_file);
    let child = Command::new(env!("CARGO_BIN_EXE_polite-fetch-testserver"))
        .args(["--port", "0", "--port-file", port_file.to_str().unwrap()])
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start server");
    let started = Instant::now();
    loop {
        if let Some(port) = std::fs::read_to_string(&port_file).ok().and_then(|p| p.parse().ok()) {
            return Server { child, port };
        }
        assert!(started.elapsed() < Duration::from_secs(5), "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn request(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n", server.port, body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    stream.write_all(out.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.parse().unwrap()).unwrap_or(0);
    let mut body = vec![0; if method == "HEAD" { 0 } else { len }];
    reader.read_exact(&mut body).unwrap();
    Response { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> Response {
    request(server, "GET", path, headers, "")
}

#[test]
fn rest_api_limits_per_token_with_headers_on_every_answer() {
    // read: 1000/h * 0.003 = 3 per window
    let s = start(&["--limit-scale", "0.003"]);
    let key = [("X-API-Key", "demo-read"), ("X-Demo-Session", "limits")];
    for remaining in ["2", "1", "0"] {
        let r = get(&s, "/api/PurchaseDocuments/my", &key);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("X-RateLimit-Limit"), Some("3"));
        assert_eq!(r.header("X-RateLimit-Remaining"), Some(remaining));
        let reset_after: u64 = r.header("X-RateLimit-Reset-After").unwrap().parse().unwrap();
        assert!((3599..=3600).contains(&reset_after));
        let reset: u64 = r.header("X-RateLimit-Reset").unwrap().parse().unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        assert!(reset >= now + 3598 && reset <= now + 3601);
    }
    let r = get(&s, "/api/PurchaseDocuments/my", &key);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("3600"));
    assert_eq!(r.header("X-RateLimit-Remaining"), Some("0"));
    assert!(r.body.contains(r#""error":"rate_limit_exceeded""#));
    // Another session and another token have windows of their own; a write token has a larger limit (6).
    assert_eq!(get(&s, "/api/PurchaseDocuments/my", &[("X-API-Key", "demo-read"), ("X-Demo-Session", "other")]).status, 200);
    let w = get(&s, "/api/PurchaseDocuments/my", &[("X-API-Key", "demo-write"), ("X-Demo-Session", "limits")]);
    assert_eq!(w.header("X-RateLimit-Limit"), Some("6"));
}

#[test]
fn rest_api_keys_scopes_and_envelope() {
    let s = start(&[]);
    let r = get(&s, "/api/PurchaseDocuments/my", &[]);
    assert_eq!(r.status, 401);
    for field in [r#""error":"unauthorized""#, r#""message":"#, r#""timestamp":"20"#, r#""path":"/api/PurchaseDocuments/my""#, r#""requestId":"req_"#] {
        assert!(r.body.contains(field), "{field} in {}", r.body);
    }
    assert!(r.header("X-Request-Id").unwrap().starts_with("req_"));
    assert_eq!(get(&s, "/api/PurchaseDocuments/my", &[("X-API-Key", "wrong")]).status, 401);
    let r = request(&s, "POST", "/api/PurchaseDocuments", &[("X-API-Key", "demo-read")], "{}");
    assert_eq!(r.status, 403);
    assert!(r.body.contains(r#""error":"insufficient_scope""#), "{}", r.body);
    assert!(r.header("X-RateLimit-Remaining").is_some(), "rate headers on errors too");
    let r = request(&s, "POST", "/api/PurchaseDocuments?processingMs=300", &[("X-API-Key", "demo-write")], "{}");
    assert_eq!(r.status, 201);
    let id = r.body.split("\"id\":\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = get(&s, &format!("/api/PurchaseDocuments/{id}"), &[("X-API-Key", "demo-read")]);
    assert_eq!(r.status, 204, "still processing");
    assert_eq!(r.header("Retry-After"), Some("1"));
    std::thread::sleep(Duration::from_millis(350));
    let r = get(&s, &format!("/api/PurchaseDocuments/{id}"), &[("X-API-Key", "demo-read")]);
    assert_eq!(r.status, 200);
    assert!(r.body.contains(r#""status":"ready""#));
    assert_eq!(get(&s, "/api/PurchaseDocuments/nope", &[("X-API-Key", "demo-read")]).status, 404);
    assert_eq!(request(&s, "DELETE", "/api/PurchaseDocuments/x", &[("X-API-Key", "demo-write")], "").status, 403);
    assert_eq!(request(&s, "DELETE", "/api/PurchaseDocuments/x", &[("X-API-Key", "demo-admin")], "").status, 204);
}

fn base_token(s: &Server) -> (String, String) {
    let r = get(s, "/api/v2.1/dtable/app-access-token/", &[("Authorization", "Token demo-seatable-api-token")]);
    assert_eq!(r.status, 200, "{}", r.body);
    let field = |name: &str| r.body.split(&format!("\"{name}\":\"")).nth(1).unwrap().split('"').next().unwrap().to_string();
    (field("access_token"), field("dtable_uuid"))
}

#[test]
fn seatable_token_exchange_expiry_and_402() {
    let s = start(&["--base-token-ttl-ms", "300"]);
    assert_eq!(get(&s, "/api/v2.1/dtable/app-access-token/", &[("Authorization", "Token wrong")]).status, 401);
    let (token, base) = base_token(&s);
    let auth = format!("Bearer {token}");
    let rows = format!("/api-gateway/api/v2/dtables/{base}/rows/?table_name=Table1");
    let r = get(&s, &rows, &[("Authorization", &auth)]);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(r#""rows""#));
    let r = request(&s, "POST", &rows, &[("Authorization", &auth)], r#"{"table_name":"Locked","rows":[]}"#);
    assert_eq!(r.status, 402);
    assert!(r.body.contains("error_msg"));
    std::thread::sleep(Duration::from_millis(350));
    let r = get(&s, &rows, &[("Authorization", &auth)]);
    assert_eq!(r.status, 401);
    assert_eq!(r.body, r#"{"error_msg":"Token expired"}"#);
    assert_eq!(get(&s, "/api-gateway/api/v2/dtables/other/rows/", &[("Authorization", &format!("Bearer {}", base_token(&s).0))]).status, 403);
}

#[test]
fn seatable_limits_per_base_with_a_bare_429() {
    // 300/min * 0.01 = 3 per minute, 5000/day * 0.01 = 50 per day.
    let s = start(&["--limit-scale", "0.01"]);
    let (token, base) = base_token(&s);
    let auth = format!("Token {token}");
    let rows = format!("/api-gateway/api/v2/dtables/{base}/rows/");
    for _ in 0..3 {
        assert_eq!(get(&s, &rows, &[("Authorization", &auth)]).status, 200);
    }
    let r = get(&s, &rows, &[("Authorization", &auth)]);
    assert_eq!(r.status, 429);
    for name in ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit"] {
        assert!(r.header(name).is_none(), "a SeaTable 429 has no {name}");
    }
}

#[test]
fn fault_knobs_and_cors() {
    let s = start(&[]);
    let key = ("X-API-Key", "demo-admin");
    let r = get(&s, "/api/PurchaseDocuments/my", &[key, ("X-Demo-Faults", "error5xx=1;html=1")]);
    assert!([500, 502, 503].contains(&r.status));
    assert!(r.body.starts_with("<!DOCTYPE html>"), "{}", r.body);
    let started = Instant::now();
    assert_eq!(get(&s, "/api/PurchaseDocuments/my?faults=latency=200", &[key]).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
    let r = get(&s, "/api/PurchaseDocuments/my", &[key, ("X-Demo-Faults", "exhausted=1")]);
    assert_eq!(r.status, 429);
    assert!(r.header("Retry-After").unwrap().parse::<u64>().unwrap() >= 3599);
    // A reset closes the connection without an answer.
    let mut stream = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    stream.write_all(b"GET /api/PurchaseDocuments/my HTTP/1.1\r\nX-API-Key: demo-read\r\nX-Demo-Faults: reset=1\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    assert!(buf.is_empty());
    // CORS: every answer allows the origin and exposes the rate headers, unless told not to.
    let r = get(&s, "/api/PurchaseDocuments/my", &[key, ("Origin", "http://localhost:9")]);
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some("http://localhost:9"));
    assert!(r.header("Access-Control-Expose-Headers").unwrap().contains("X-RateLimit-Remaining"));
    let r = get(&s, "/api/PurchaseDocuments/my", &[key, ("X-Demo-Expose", "0")]);
    assert!(r.header("Access-Control-Expose-Headers").is_none());
    let r = request(&s, "OPTIONS", "/api/PurchaseDocuments", &[("Access-Control-Request-Headers", "x-api-key")], "");
    assert_eq!(r.status, 204);
    assert_eq!(r.header("Access-Control-Allow-Headers"), Some("x-api-key"));
}

#[test]
fn serves_the_playground_and_the_package() {
    let dir = std::env::temp_dir().join(format!("pf-www-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>pg</title>").unwrap();
    std::fs::write(dir.join("pkg/x.wasm"), [0u8, 97, 115, 109]).unwrap();
    let s = start(&["--www", dir.to_str().unwrap(), "--pkg", dir.join("pkg").to_str().unwrap()]);
    let r = get(&s, "/", &[]);
    assert_eq!((r.status, r.header("Content-Type")), (200, Some("text/html; charset=utf-8")));
    let r = get(&s, "/pkg/x.wasm", &[]);
    assert_eq!((r.status, r.header("Content-Type")), (200, Some("application/wasm")));
    assert_eq!(get(&s, "/pkg/../index.html", &[]).status, 403);
    // Test routes still answer beside the files.
    assert_eq!(get(&s, "/echo", &[]).status, 200);
}

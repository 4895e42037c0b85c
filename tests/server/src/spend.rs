//! Routes for the "spend less of the quota" features: a GitHub-like resource with validators whose 304s cost no
//! quota (/gh), paginated lists with Link headers or DRF bodies under a fixed-window limit (/pages), and a slow
//! answer that tells whether its client hung up (/slow). /__log/{route}/{key} gives what each one received.

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use crate::http::*;

/// What these routes remember between requests.
#[derive(Default)]
pub struct State {
    /// The version of each /gh resource (1 until a write).
    versions: HashMap<String, u32>,
    /// The quota of each /gh key spent so far (304s excluded).
    spent: HashMap<String, u32>,
    /// Fixed windows of /pages/{key}: (window start ms, count).
    windows: HashMap<String, (f64, u32)>,
    /// Requests received by each /gh key (for `every429`).
    received: HashMap<String, u32>,
    /// One line per request received, by "route/key".
    log: HashMap<String, Vec<String>>,
}

/// Adds `line` to the log of `name`.
pub fn note(state: &Mutex<State>, name: &str, line: String) {
    state.lock().unwrap().log.entry(name.to_string()).or_default().push(line);
}

/// True for the routes of this file.
pub fn handles(first: &str) -> bool {
    matches!(first, "gh" | "pages" | "slow" | "__log")
}

/// An HTTP-date for `secs` after 2026-01-01T00:00:00Z (a Thursday), for Last-Modified.
fn http_date(secs: u64) -> String {
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let names = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    // Within January 2026 is enough for a test resource.
    format!("{}, {:02} Jan 2026 {:02}:{:02}:{:02} GMT", names[(days % 7) as usize], days % 31 + 1, rest / 3600, rest / 60 % 60, rest % 60)
}

/// The origin the client used, from the Host header.
fn origin(req: &Request) -> String {
    format!("http://{}", req.header("host").unwrap_or("127.0.0.1"))
}

pub fn route(req: &Request, state: &Mutex<State>) -> Reply {
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let key = segments.get(1).copied().unwrap_or("default").to_string();
    match segments[0] {
        "gh" => github(req, state, &key),
        "pages" => pages(req, state, &key),
        // A JSON body sent one byte every 50 ms for `ms`: main.rs notes "done" or "aborted" under slow/{key}.
        "slow" => {
            note(state, &format!("slow/{key}"), format!("{} received", req.method));
            if let Some(status) = req.param("status").and_then(|s| s.parse::<u16>().ok()) {
                thread::sleep(Duration::from_millis(req.num("ms", 100.0).clamp(0.0, 5000.0) as u64));
                let body = format!(r#"{{"error":"not_found","message":"no item {key}","requestId":"req-{key}"}}"#);
                return json(status, body);
            }
            let ms = req.num("ms", 1000.0).clamp(0.0, 30_000.0) as usize;
            let body = format!("{{\"slow\":true{}}}", " ".repeat(ms / 50));
            Reply::Stream {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                declared: body.len(),
                chunks: body.into_bytes().chunks(1).map(|c| c.to_vec()).collect(),
                delay_ms: 50,
                close: false,
                tag: Some(format!("slow/{key}")),
            }
        }
        "__log" => {
            let name = segments[1..].join("/");
            let st = state.lock().unwrap();
            let lines: Vec<String> = st.log.get(&name).map(|l| l.iter().map(|s| escape_json(s)).collect()).unwrap_or_default();
            json(200, format!("[{}]", lines.join(",")))
        }
        _ => json(404, r#"{"error":"not_found"}"#.into()),
    }
}

/// /gh/{key}: GET answers the resource with `ETag: "v{version}"` (or only Last-Modified with lm=1; `etaglen=N`
/// pads the ETag to N bytes; `nostore=1` adds Cache-Control: no-store; `size=N` pads the body), and a 304 without
/// spending quota when If-None-Match or If-Modified-Since matches; any other method makes a new version. Every
/// answer but a 304 spends one of `limit` (default 60), told in X-RateLimit-* as GitHub does. `every429=N` refuses
/// every Nth request with a 429.
fn github(req: &Request, state: &Mutex<State>, key: &str) -> Reply {
    let inm = req.header("if-none-match").unwrap_or("").to_string();
    let ims = req.header("if-modified-since").unwrap_or("").to_string();
    let limit = req.num("limit", 60.0) as u32;
    let mut st = state.lock().unwrap();
    let n = {
        let n = st.received.entry(key.to_string()).or_insert(0);
        *n += 1;
        *n
    };
    // every429=N: every Nth request is refused with Retry-After: 0 (a conditional GET retried must stay conditional).
    let every = req.num("every429", 0.0) as u32;
    if every > 0 && n % every == 0 {
        st.log.entry(format!("gh/{key}")).or_default().push(format!("{} 429 inm={inm} ims={ims}", req.method));
        return with_header(json(429, r#"{"message":"slow down"}"#.into()), "Retry-After", "0".into());
    }
    let write = req.method != "GET" && req.method != "HEAD";
    let version = {
        let v = st.versions.entry(key.to_string()).or_insert(1);
        if write {
            *v += 1;
        }
        *v
    };
    let etag = match req.num("etaglen", 0.0) as usize {
        0 => format!("\"v{version}\""),
        n => format!("\"v{version}{}\"", "x".repeat(n.saturating_sub(4))),
    };
    let last_modified = http_date(3600 * u64::from(version));
    let lm_only = req.param("lm") == Some("1");
    let not_modified = !write && if lm_only { !ims.is_empty() && ims == last_modified } else { !inm.is_empty() && inm == etag };
    let status = if not_modified { 304 } else { 200 };
    let spent = {
        let s = st.spent.entry(key.to_string()).or_insert(0);
        if !not_modified {
            *s += 1;
        }
        *s
    };
    let auth = req.header("authorization").or(req.header("x-api-key")).map_or(0, str::len);
    let line = format!("{} {status} inm={inm} ims={ims} credential-length={auth}", req.method);
    st.log.entry(format!("gh/{key}")).or_default().push(line);
    drop(st);
    let padding = "x".repeat(req.num("size", 0.0).clamp(0.0, 1_000_000.0) as usize);
    let body = if not_modified { String::new() } else { format!(r#"{{"key":{},"version":{version},"padding":"{padding}"}}"#, escape_json(key)) };
    let mut r = reply(status, "application/json", body);
    if !write {
        r = if lm_only { with_header(r, "Last-Modified", last_modified) } else { with_header(r, "ETag", etag) };
    }
    if req.param("nostore") == Some("1") {
        r = with_header(r, "Cache-Control", "no-store".into());
    }
    r = with_header(r, "X-RateLimit-Limit", limit.to_string());
    r = with_header(r, "X-RateLimit-Remaining", limit.saturating_sub(spent).to_string());
    r = with_header(r, "X-RateLimit-Reset", ((now_ms() / 1000.0) as u64 + 3600).to_string());
    r
}

/// /pages/{key}?n=50&per=3&page=1: page `page` of a list of `n` pages, `limit` (default 10) requests per `window`
/// ms (default 1000), 429 with Retry-After beyond it (headers=0: no rate-limit headers at all). `style`: `link`
/// (default: a JSON array, `Link: <absolute>; rel="next"`), `relative` (the Link target relative), `drf` (a
/// Django REST framework body, `next` an absolute URL or null), `other-origin` / `above` (page 2's next goes to
/// http://localhost:{port}/echo/{key}-off or to /echo/{key}-above, outside a baseUrl of /pages).
fn pages(req: &Request, state: &Mutex<State>, key: &str) -> Reply {
    let n = req.num("n", 50.0).clamp(1.0, 10_000.0) as u32;
    let per = req.num("per", 3.0).clamp(1.0, 1000.0) as u32;
    let page = req.num("page", 1.0).clamp(1.0, f64::from(n)) as u32;
    let limit = req.num("limit", 10.0) as u32;
    let window = req.num("window", 1000.0);
    let style = req.param("style").unwrap_or("link");
    let send_headers = req.param("headers") != Some("0");
    let now = now_ms();
    let (allowed, remaining, reset_ms) = {
        let mut st = state.lock().unwrap();
        let w = st.windows.entry(key.to_string()).or_insert((now, 0));
        if now - w.0 >= window {
            *w = (now, 0);
        }
        let reset_ms = (w.0 + window - now).max(0.0);
        let allowed = w.1 < limit;
        if allowed {
            w.1 += 1;
        }
        let remaining = limit - w.1.min(limit);
        let line = format!("GET page={page} {}", if allowed { 200 } else { 429 });
        st.log.entry(format!("pages/{key}")).or_default().push(line);
        (allowed, remaining, reset_ms)
    };
    let with_rate = |mut r: Reply| {
        if send_headers {
            r = with_header(r, "X-RateLimit-Limit", limit.to_string());
            r = with_header(r, "X-RateLimit-Remaining", remaining.to_string());
            r = with_header(r, "X-RateLimit-Reset-After", format!("{:.3}", reset_ms / 1000.0));
        }
        r
    };
    if !allowed {
        let r = json(429, r#"{"message":"API rate limit exceeded"}"#.into());
        return with_rate(with_header(r, "Retry-After", ((reset_ms / 1000.0).ceil() as u64).max(1).to_string()));
    }
    let items: Vec<String> = (0..per).map(|i| ((page - 1) * per + i + 1).to_string()).collect();
    let query = |p: u32| {
        let mut q = format!("page={p}");
        for (k, v) in &req.query {
            if k != "page" {
                q.push_str(&format!("&{k}={v}"));
            }
        }
        q
    };
    let own = format!("{}/pages/{key}", origin(req));
    let next = match (style, page < n) {
        (_, false) => None,
        ("other-origin", _) if page == 2 => Some(format!("http://localhost:{}/echo/{key}-off", req.header("host").and_then(|h| h.rsplit(':').next()).unwrap_or("80"))),
        ("above", _) if page == 2 => Some(format!("{}/echo/{key}-above", origin(req))),
        _ => Some(format!("{own}?{}", query(page + 1))),
    };
    if style == "drf" {
        let next_json = next.as_deref().map_or("null".to_string(), escape_json);
        let body = format!(r#"{{"count":{},"next":{next_json},"previous":null,"results":[{}]}}"#, n * per, items.join(","));
        return with_rate(json(200, body));
    }
    let mut r = json(200, format!("[{}]", items.join(",")));
    if let Some(next) = next {
        let target = if style == "relative" { format!("?{}", query(page + 1)) } else { next };
        let last = format!("{own}?{}", query(n));
        r = with_header(r, "Link", format!(r#"<{target}>; rel="next", <{last}>; rel="last""#));
    }
    with_rate(r)
}

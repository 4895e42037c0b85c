//! The reference APIs: two rate-limited APIs that behave like the documented ones in `shared/seeds/`.
//!
//! - The REST API of the Polish document (`/api/...`): `X-API-Key` tokens with the scopes read/write/admin and
//!   hourly limits of 1,000/2,000/5,000 per token, `X-RateLimit-Limit/-Remaining/-Reset/-Reset-After` on every
//!   answer, 429 with `Retry-After`, the error envelope `{error, message, timestamp, path, requestId}`, and
//!   documents that answer 204 while they are processing.
//! - A SeaTable-like API: an API token (`Authorization: Token ...`) is exchanged at
//!   `/api/v2.1/dtable/app-access-token/` for a base token that expires; base requests under `/api-gateway/` are
//!   limited to 300 per minute and 5,000 per day per base, and refused with a 429 that carries no rate-limit
//!   header at all; a 402 "request failed".
//!
//! Limits are multiplied by `limit_scale` and windows divided by `time_scale`, so a demo sees them in seconds.
//! Fault knobs, per request (`X-Demo-Faults` header or `faults` query, e.g. `error5xx=0.3;latency=200;reset=0.1;
//! html=1;exhausted=1`); `X-Demo-Session` (or `session`) keeps one run's counters apart from another's, and
//! `X-Demo-Limit: 5/1000` (`X-Demo-Day-Limit`, `X-Demo-Token-Ttl`) set a session's limits for the playground.
//! `GET /api/__refused/<session>` counts the 429s a session was sent.

use std::collections::HashMap;
use std::thread;
use std::time::Duration;

use crate::http::*;

/// Scales of the reference APIs (server flags).
#[derive(Clone, Copy)]
pub struct Scales {
    /// Multiplies every limit (at least 1 request remains).
    pub limit_scale: f64,
    /// Divides every window (an hour becomes 10 minutes at 6).
    pub time_scale: f64,
    /// Lifetime of a SeaTable base token in ms (3 days in SeaTable).
    pub base_token_ttl_ms: f64,
}

/// Counters and documents of the reference APIs.
#[derive(Default)]
pub struct State {
    /// Fixed windows: (start ms, count) by key.
    windows: HashMap<String, (f64, u32)>,
    /// Documents: id -> ready at (ms).
    documents: HashMap<String, f64>,
    /// Base tokens: token -> (base uuid, expires at ms).
    base_tokens: HashMap<String, (String, f64)>,
    /// 429s sent, by session (`/api/__refused/<session>` reads them, for tests and benchmarks).
    refused: HashMap<String, u32>,
    next_id: u64,
    random: u64,
}

impl State {
    /// A pseudo-random number in [0, 1): xorshift, seeded from the clock.
    fn random(&mut self) -> f64 {
        if self.random == 0 {
            self.random = (now_ms() as u64) | 1;
        }
        let mut x = self.random;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.random = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Counts a request in the fixed window `key`; (allowed, limit, remaining, ms to reset).
    fn take(&mut self, key: &str, limit: u32, window_ms: f64) -> (bool, u32, u32, f64) {
        let now = now_ms();
        let w = self.windows.entry(key.to_string()).or_insert((now, 0));
        if now - w.0 >= window_ms {
            *w = (now, 0);
        }
        let reset = (w.0 + window_ms - now).max(0.0);
        if w.1 < limit {
            w.1 += 1;
            (true, limit, limit - w.1, reset)
        } else {
            (false, limit, 0, reset)
        }
    }
}

/// The per-request fault knobs.
#[derive(Default)]
struct Faults {
    error5xx: f64,
    latency_ms: u64,
    reset: f64,
    html: bool,
    exhausted: bool,
}

fn faults(req: &Request) -> Faults {
    let spec = req.header("x-demo-faults").or_else(|| req.param("faults")).unwrap_or("");
    let mut f = Faults::default();
    for part in spec.split([';', ',']) {
        let Some((k, v)) = part.split_once('=') else { continue };
        let n: f64 = v.trim().parse().unwrap_or(0.0);
        match k.trim() {
            "error5xx" => f.error5xx = n,
            "latency" => f.latency_ms = n.max(0.0).min(30_000.0) as u64,
            "reset" => f.reset = n,
            "html" => f.html = n != 0.0,
            "exhausted" => f.exhausted = n != 0.0,
            _ => {}
        }
    }
    f
}

/// `X-Demo-Limit: <requests>/<ms>` replaces the limit and window for this session (the playground sets it per
/// scenario); `X-Demo-Day-Limit: <requests>` replaces the SeaTable daily quota.
fn limit_override(req: &Request) -> Option<(u32, f64)> {
    let (n, ms) = req.header("x-demo-limit")?.split_once('/')?;
    Some((n.trim().parse().ok()?, ms.trim().parse::<f64>().ok().filter(|ms| *ms > 0.0)?))
}

fn session(req: &Request) -> &str {
    req.header("x-demo-session").or_else(|| req.param("session")).unwrap_or("")
}

fn iso_now() -> String {
    let ms = now_ms() as i64;
    let secs = ms / 1000;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// True when the path belongs to a reference API.
pub fn handles(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/api-gateway/")
}

/// Answers a reference API request.
pub fn route(req: &Request, state: &std::sync::Mutex<State>, scales: Scales) -> Reply {
    let f = faults(req);
    if f.latency_ms > 0 {
        thread::sleep(Duration::from_millis(f.latency_ms));
    }
    {
        let mut st = state.lock().unwrap();
        if f.reset > 0.0 && st.random() < f.reset {
            return Reply::Drop;
        }
        if f.error5xx > 0.0 && st.random() < f.error5xx {
            let status = [500, 502, 503][(st.random() * 3.0) as usize % 3];
            return server_error(req, status, f.html);
        }
    }
    if let Some(session) = req.path.strip_prefix("/api/__refused/") {
        let count = state.lock().unwrap().refused.get(session).copied().unwrap_or(0);
        return json(200, format!(r#"{{"count":{count}}}"#));
    }
    let reply = if req.path.starts_with("/api/v2.1/") || req.path.starts_with("/api-gateway/") {
        seatable(req, state, scales)
    } else {
        rest(req, state, scales, &f)
    };
    if matches!(&reply, Reply::Response { status: 429, .. }) {
        *state.lock().unwrap().refused.entry(session(req).to_string()).or_default() += 1;
    }
    reply
}

fn server_error(req: &Request, status: u16, html: bool) -> Reply {
    if html {
        let title = format!("{status} {}", default_reason(status));
        return reply(status, "text/html; charset=utf-8", format!("<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1><hr><p>nginx</p></body></html>"));
    }
    envelope(req, status, "server_error", "Błąd po stronie serwera", &mut 0)
}

/// The REST API's error envelope, with a fresh request id (also sent as `X-Request-Id`).
fn envelope(req: &Request, status: u16, code: &str, message: &str, id: &mut u64) -> Reply {
    if *id == 0 {
        *id = (now_ms() as u64).wrapping_mul(2_654_435_761) & 0xffff_ffff_ffff;
    }
    let request_id = format!("req_{:012x}", *id);
    let body = format!(
        r#"{{"error":{},"message":{},"timestamp":"{}","path":{},"requestId":"{request_id}"}}"#,
        escape_json(code),
        escape_json(message),
        iso_now(),
        escape_json(&req.path)
    );
    with_header(json(status, body), "X-Request-Id", request_id)
}

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Scope {
    Read,
    Write,
    Admin,
}

/// The demo keys of the REST API and their scopes.
fn scope_of(key: &str) -> Option<Scope> {
    match key {
        "demo-read" => Some(Scope::Read),
        "demo-write" => Some(Scope::Write),
        "demo-admin" => Some(Scope::Admin),
        _ => None,
    }
}

fn rest(req: &Request, state: &std::sync::Mutex<State>, scales: Scales, f: &Faults) -> Reply {
    let mut id = 0;
    let Some(key) = req.header("x-api-key") else {
        return envelope(req, 401, "unauthorized", "Brak nagłówka X-API-Key", &mut id);
    };
    let Some(scope) = scope_of(key) else {
        return envelope(req, 401, "invalid_token", "Token nieprawidłowy lub wygasły", &mut id);
    };
    let hourly = match scope {
        Scope::Read => 1000.0,
        Scope::Write => 2000.0,
        Scope::Admin => 5000.0,
    };
    let (limit, window) = limit_override(req).unwrap_or(((hourly * scales.limit_scale).ceil().max(1.0) as u32, 3_600_000.0 / scales.time_scale));
    let mut st = state.lock().unwrap();
    let (allowed, limit, remaining, reset_ms) = if f.exhausted {
        // The hourly quota is spent: come back when the (unscaled-by-override) hour is over.
        (false, limit, 0, 3_600_000.0 / scales.time_scale)
    } else {
        st.take(&format!("rest/{key}/{}", session(req)), limit, window)
    };
    let rate_headers = |r: Reply| {
        let r = with_header(r, "X-RateLimit-Limit", limit.to_string());
        let r = with_header(r, "X-RateLimit-Remaining", remaining.to_string());
        let r = with_header(r, "X-RateLimit-Reset", format!("{}", ((now_ms() + reset_ms) / 1000.0).ceil() as u64));
        with_header(r, "X-RateLimit-Reset-After", format!("{}", (reset_ms / 1000.0).ceil() as u64))
    };
    if !allowed {
        let r = envelope(req, 429, "rate_limit_exceeded", "Przekroczono limit zapytań", &mut id);
        let r = with_header(r, "Retry-After", format!("{}", (reset_ms / 1000.0).ceil().max(1.0) as u64));
        return rate_headers(r);
    }
    let segments: Vec<&str> = req.path.trim_start_matches("/api/").split('/').filter(|s| !s.is_empty()).collect();
    let needs = |wanted: Scope| scope >= wanted;
    let r = match (req.method.as_str(), segments.as_slice()) {
        ("GET", ["PurchaseDocuments", "my"]) => json(200, r#"{"items":[{"id":"doc_1","number":"FV/1/2025","status":"ready"},{"id":"doc_2","number":"FV/2/2025","status":"ready"}],"total":2}"#.into()),
        ("POST", ["PurchaseDocuments"]) if !needs(Scope::Write) => envelope(req, 403, "insufficient_scope", "Token nie posiada wymaganego uprawnienia", &mut id),
        ("POST", ["PurchaseDocuments"]) => {
            let n = st.next_id();
            let processing = req.num("processingMs", 2000.0);
            let doc = format!("doc_{}", 100 + n);
            st.documents.insert(doc.clone(), now_ms() + processing);
            json(201, format!(r#"{{"id":"{doc}","status":"processing"}}"#))
        }
        ("GET", ["PurchaseDocuments", doc]) => {
            // `slow-<ms>` is a document that exists from its first request and is ready <ms> later.
            let ready_at = match st.documents.get(*doc) {
                Some(at) => Some(*at),
                None => doc.strip_prefix("slow-").and_then(|ms| ms.parse::<f64>().ok()).map(|ms| {
                    let at = now_ms() + ms;
                    st.documents.insert(doc.to_string(), at);
                    at
                }),
            };
            match ready_at {
                Some(at) if now_ms() < at => with_header(reply(204, "text/plain", Vec::new()), "Retry-After", "1".into()),
                Some(_) => json(200, format!(r#"{{"id":{},"status":"ready","number":"FV/7/2025"}}"#, escape_json(doc))),
                None => envelope(req, 404, "not_found", "Zasób nie istnieje", &mut id),
            }
        }
        ("DELETE", ["PurchaseDocuments", _]) if !needs(Scope::Admin) => envelope(req, 403, "insufficient_scope", "Token nie posiada wymaganego uprawnienia", &mut id),
        ("DELETE", ["PurchaseDocuments", doc]) => {
            st.documents.remove(*doc);
            reply(204, "text/plain", Vec::new())
        }
        _ => envelope(req, 404, "not_found", "Zasób nie istnieje", &mut id),
    };
    rate_headers(r)
}

/// The SeaTable-like demo API token and its base.
const SEATABLE_API_TOKEN: &str = "demo-seatable-api-token";
const SEATABLE_BASE: &str = "0c5b6f3a-7d2e-4f1a-9b8c-5e4d3c2b1a00";

fn seatable_error(status: u16, message: &str) -> Reply {
    json(status, format!(r#"{{"error_msg":{}}}"#, escape_json(message)))
}

fn seatable(req: &Request, state: &std::sync::Mutex<State>, scales: Scales) -> Reply {
    let auth = req.header("authorization").unwrap_or("");
    let token = auth.split_once(' ').map(|(_, t)| t.trim()).unwrap_or("");
    let mut st = state.lock().unwrap();
    if req.path.starts_with("/api/v2.1/dtable/app-access-token") {
        if !auth.starts_with("Token ") || token != SEATABLE_API_TOKEN {
            return json(401, r#"{"detail":"Invalid token."}"#.into());
        }
        let base_token = format!("base_{:016x}_{}", (now_ms() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15), st.next_id());
        // `X-Demo-Token-Ttl: <ms>` makes this one token expire sooner (the playground's expired-token scenario).
        let ttl = req.header("x-demo-token-ttl").and_then(|v| v.parse::<f64>().ok()).unwrap_or(scales.base_token_ttl_ms);
        st.base_tokens.insert(base_token.clone(), (SEATABLE_BASE.into(), now_ms() + ttl));
        let origin = req.header("host").map(|h| format!("http://{h}")).unwrap_or_default();
        return json(200, format!(
            r#"{{"app_name":"polite-fetch demo","access_token":"{base_token}","dtable_uuid":"{SEATABLE_BASE}","dtable_server":"{origin}/api-gateway/","dtable_socket":"{origin}/","dtable_db":"{origin}/dtable-db/","workspace_id":1,"dtable_name":"Demo base"}}"#
        ));
    }
    // /api-gateway/api/v2/dtables/<uuid>/...: a base token, then the per-base limits.
    let Some((base, expires_at)) = st.base_tokens.get(token).cloned() else {
        return seatable_error(401, "Invalid token");
    };
    if now_ms() >= expires_at {
        return seatable_error(401, "Token expired");
    }
    if !req.path.contains(&base) {
        return seatable_error(403, "You don't have permission to access this base.");
    }
    let key = format!("seatable/{base}/{}", session(req));
    let (minute_limit, minute_ms) = limit_override(req).unwrap_or(((300.0 * scales.limit_scale).ceil().max(1.0) as u32, 60_000.0 / scales.time_scale));
    let day_limit = req.header("x-demo-day-limit").and_then(|v| v.parse().ok()).unwrap_or((5000.0 * scales.limit_scale).ceil().max(1.0) as u32);
    let (day_ok, ..) = st.take(&format!("{key}/day"), day_limit, 86_400_000.0 / scales.time_scale);
    let (minute_ok, ..) = if day_ok { st.take(&format!("{key}/minute"), minute_limit, minute_ms) } else { (false, 0, 0, 0.0) };
    if !minute_ok {
        // SeaTable answers 429 "without any further output": no Retry-After, no X-RateLimit-*.
        return json(429, r#"{"error":"too_many_requests","error_msg":"Too many requests: at most 300 per minute and 5,000 per day for each base."}"#.into());
    }
    if req.path.ends_with("/rows/") || req.path.ends_with("/rows") {
        if req.method == "POST" {
            let body = String::from_utf8_lossy(&req.body);
            if body.contains("\"Locked\"") {
                return seatable_error(402, "The request failed: table Locked is being modified by another process.");
            }
            return json(200, r#"{"inserted_row_count":1}"#.into());
        }
        return json(200, r#"{"rows":[{"_id":"r1","Name":"Ada","Score":42},{"_id":"r2","Name":"Grace","Score":37}]}"#.into());
    }
    if req.path.ends_with("/metadata/") {
        return json(200, r#"{"metadata":{"tables":[{"name":"Table1"},{"name":"Locked"}]}}"#.into());
    }
    seatable_error(404, "Not found")
}

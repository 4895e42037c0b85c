//! The local HTTP/1.1 server polite-fetch's tests and playground run against.
//!
//! Plain std: one thread per connection, keep-alive, CORS on every answer. It answers with exactly the bytes a
//! test asks for, so faults (resets, broken bodies, odd headers) are easy to add. It serves three things:
//! - the test routes (`testing.rs`): echo, statuses and body shapes, rate limits, flaky endpoints, ...;
//! - the reference APIs (`reference.rs`): the REST API of the seeds (X-API-Key, scopes, hourly limits) and a
//!   SeaTable-like API (token exchange, per-base limits, 429 without headers), with fault knobs;
//! - files: `--files DIR` under `/files/`, and `--www DIR` / `--pkg DIR` as the playground at `/` and `/pkg/`.
//!
//! Usage: `polite-fetch-testserver [--port N] [--port-file FILE] [--files DIR] [--www DIR] [--pkg DIR]
//!         [--limit-scale F] [--time-scale F]` (port 0, the default, picks a free one).

mod files;
mod http;
mod reference;
mod spend;
mod testing;

use std::io::{BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;

use http::*;

/// What every connection thread shares.
struct Shared {
    tests: Mutex<testing::State>,
    reference: Mutex<reference::State>,
    spend: Mutex<spend::State>,
    scales: reference::Scales,
    /// `--files`: served under /files/.
    files: Option<PathBuf>,
    /// `--www`: the playground, served at /.
    www: Option<PathBuf>,
    /// `--pkg`: the built package, served under /pkg/.
    pkg: Option<PathBuf>,
}

fn dispatch(req: &Request, shared: &Shared) -> Reply {
    let path = req.path.as_str();
    if req.method == "OPTIONS" {
        return reply(204, "text/plain", Vec::new());
    }
    if let (Some(root), Some(rest)) = (&shared.files, path.strip_prefix("/files/")) {
        return files::static_file(root, rest);
    }
    if let (Some(root), Some(rest)) = (&shared.files, path.strip_prefix("/files-octet/")) {
        return files::typed_file(root, rest, "application/octet-stream");
    }
    if let (Some(root), Some(rest)) = (&shared.pkg, path.strip_prefix("/pkg/")) {
        return files::static_file(root, rest);
    }
    if reference::handles(path) {
        return reference::route(req, &shared.reference, shared.scales);
    }
    if let Some(root) = &shared.www {
        let rest = path.trim_start_matches('/');
        if rest.is_empty() || root.join(rest).is_file() {
            return files::static_file(root, rest);
        }
    }
    if spend::handles(path.trim_start_matches('/').split('/').next().unwrap_or("")) {
        return spend::route(req, &shared.spend);
    }
    testing::route(req, &shared.tests)
}

fn handle(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Some(req) = read_request(&mut reader) {
        let (status, reason, mut headers, body, stream) = match dispatch(&req, &shared) {
            Reply::Response { status, reason, headers, body } => (status, reason, headers, body, None),
            Reply::Stream { status, headers, declared, chunks, delay_ms, close, tag } => {
                (status, String::new(), headers, Vec::new(), Some((declared, chunks, delay_ms, close, tag)))
            }
            Reply::Drop => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        };
        headers.extend(cors_headers(&req));
        let reason = if reason.is_empty() { default_reason(status) } else { &reason };
        let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
        for (k, v) in &headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let declared = stream.as_ref().map(|s| s.0).unwrap_or(body.len());
        head.push_str(&format!("Content-Length: {declared}\r\nConnection: keep-alive\r\n\r\n"));
        let mut out = head.into_bytes();
        if req.method != "HEAD" {
            out.extend_from_slice(&body);
        }
        if writer.write_all(&out).is_err() {
            return;
        }
        if let Some((_, chunks, delay_ms, close, tag)) = stream {
            for chunk in chunks {
                thread::sleep(std::time::Duration::from_millis(delay_ms));
                if writer.write_all(&chunk).is_err() {
                    if let Some(tag) = &tag {
                        spend::note(&shared.spend, tag, "aborted".into());
                    }
                    return;
                }
            }
            if let Some(tag) = &tag {
                spend::note(&shared.spend, tag, "done".into());
            }
            if close {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let number = |name: &str, default: f64| arg(name).and_then(|v| v.parse::<f64>().ok()).filter(|v| *v > 0.0).unwrap_or(default);
    let port = arg("--port").and_then(|p| p.parse::<u16>().ok()).unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    if let Some(file) = arg("--port-file") {
        std::fs::write(&file, port.to_string()).expect("write port file");
    }
    let shared = Arc::new(Shared {
        tests: Mutex::default(),
        reference: Mutex::default(),
        spend: Mutex::default(),
        scales: reference::Scales {
            limit_scale: number("--limit-scale", 1.0),
            time_scale: number("--time-scale", 1.0),
            base_token_ttl_ms: number("--base-token-ttl-ms", 3.0 * 86_400_000.0),
        },
        files: arg("--files").map(PathBuf::from),
        www: arg("--www").map(PathBuf::from),
        pkg: arg("--pkg").map(PathBuf::from),
    });
    println!("polite-fetch server listening on http://127.0.0.1:{port}/");
    for stream in listener.incoming().flatten() {
        let shared = shared.clone();
        thread::spawn(move || handle(stream, shared));
    }
}

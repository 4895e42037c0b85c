//! Shared in-flight GETs (`dedupe`): which calls may share one request, and the key that says which do.

use crate::core::response::ResponseType;
use crate::core::text::{self, fnv64, FNV_BASIS};

/// True when a call may wait for an equal one in flight: a GET or HEAD whose result can be copied for each
/// caller (not a `Response`, `Blob` or `ArrayBuffer`, whose bodies are read once).
pub fn shareable(method: &str, response_type: ResponseType) -> bool {
    matches!(method, "GET" | "HEAD") && !matches!(response_type, ResponseType::Response | ResponseType::Blob | ResponseType::ArrayBuffer)
}

/// The key of a call: equal keys share one request. Its method, URL, reading, credentials' id (see
/// `remember::credential_id`) and the request's own headers, names in any case and any order (the client's
/// fixed headers are the same for all its calls). The headers count by a digest: the sum of each one's FNV-1a,
/// which no order changes (a sort routine would cost the wasm 3 KB, a sorted copy a few hundred bytes). The
/// reading and the two digests are written in hex digits of fixed widths between the method and the URL.
pub fn key(method: &str, url: &str, response_type: ResponseType, credentials: u64, headers: &[(String, String)]) -> String {
    let mut digest = 0u64;
    for (name, value) in headers {
        let mut hash = FNV_BASIS;
        for b in name.bytes() {
            hash = fnv64(hash, &[b.to_ascii_lowercase()]);
        }
        // Names are header tokens: a ':' cannot end one.
        digest = digest.wrapping_add(fnv64(fnv64(hash, b":"), value.as_bytes()));
    }
    let mut out = String::with_capacity(url.len() + 32);
    out.push_str(method);
    text::push_hex(&mut out, response_type as u64, 1);
    text::push_hex(&mut out, credentials, 16);
    text::push_hex(&mut out, digest, 16);
    out.push_str(url);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn shareable_calls() {
        let cases = [
            ("GET", ResponseType::Auto, true),
            ("GET", ResponseType::Json, true),
            ("GET", ResponseType::Text, true),
            ("HEAD", ResponseType::Auto, true),
            ("GET", ResponseType::Response, false),
            ("GET", ResponseType::Blob, false),
            ("GET", ResponseType::ArrayBuffer, false),
            ("POST", ResponseType::Auto, false),
            ("PUT", ResponseType::Json, false),
            ("DELETE", ResponseType::Auto, false),
            ("OPTIONS", ResponseType::Auto, false),
        ];
        for (method, rt, want) in cases {
            assert_eq!(shareable(method, rt), want, "{method} {rt:?}");
        }
    }

    #[test]
    fn keys() {
        let base = key("GET", "https://h/me", ResponseType::Auto, 1, &h(&[("Accept", "a"), ("X-B", "b")]));
        let cases = [
            (key("GET", "https://h/me", ResponseType::Auto, 1, &h(&[("x-b", "b"), ("ACCEPT", "a")])), true),
            (key("GET", "https://h/me", ResponseType::Auto, 1, &h(&[("Accept", "a"), ("X-B", "B")])), false),
            (key("GET", "https://h/me", ResponseType::Auto, 1, &h(&[("Accept", "a")])), false),
            (key("GET", "https://h/me", ResponseType::Auto, 2, &h(&[("Accept", "a"), ("X-B", "b")])), false),
            (key("GET", "https://h/me", ResponseType::Json, 1, &h(&[("Accept", "a"), ("X-B", "b")])), false),
            (key("HEAD", "https://h/me", ResponseType::Auto, 1, &h(&[("Accept", "a"), ("X-B", "b")])), false),
            (key("GET", "https://h/me?x=1", ResponseType::Auto, 1, &h(&[("Accept", "a"), ("X-B", "b")])), false),
            (key("GET", "https://h/me", ResponseType::Auto, 1, &h(&[("Accept", "b"), ("X-B", "a")])), false),
            (key("GET", "https://h/me", ResponseType::Auto, 1, &h(&[("Accept", "a"), ("X-B", "b"), ("X-C", "")])), false),
            (key("GET", "https://h/me", ResponseType::Auto, 1, &h(&[("Accept:a", ""), ("X-B", "b")])), false),
        ];
        for (i, (k, same)) in cases.into_iter().enumerate() {
            assert_eq!(k == base, same, "case {i}");
        }
    }
}

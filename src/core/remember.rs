//! Conditional requests (`revalidate`): which GET results are remembered, under which key, with which validator,
//! and which are forgotten; the least recently used go first. The values are the caller's (a JS value in the wasm
//! build); nothing here holds a credential: a key tells credentials apart by a salted digest.

use crate::core::response::ResponseType;
use crate::core::text::{all_bytes, fnv64, is_latin1};

/// The default and the smallest `revalidate.maxEntries`.
pub const DEFAULT_MAX_ENTRIES: usize = 256;

/// A validator longer than this is not remembered: servers refuse request headers of several KB, and an ETag is a
/// few dozen bytes (GitHub's are 70).
pub const MAX_VALIDATOR_LEN: usize = 1024;

/// What a remembered result is for: its URL (query included), how it was read, and whose credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The URL, query included.
    pub url: String,
    /// How the body was read.
    pub response_type: ResponseType,
    /// [`credential_id`] of the credentials it was sent with.
    pub credentials: u64,
}

/// How the next GET asks "changed since?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validator {
    /// Sent back as `If-None-Match`.
    ETag(String),
    /// Sent back as `If-Modified-Since` (only when there was no ETag).
    LastModified(String),
}

impl Validator {
    /// The request header that carries it, and its value.
    pub fn header(&self) -> (&'static str, &str) {
        match self {
            Validator::ETag(v) => ("if-none-match", v),
            Validator::LastModified(v) => ("if-modified-since", v),
        }
    }
}

/// A digest of a request's credentials (the apiKey header's and `Authorization`'s values, `None` when not sent),
/// salted per client: equal credentials give equal ids, and the id gives no credential back.
pub fn credential_id(salt: u64, values: [Option<&str>; 2]) -> u64 {
    let mut hash = salt;
    for value in values {
        // A marker per value keeps (None, "a") apart from ("a", None) and ("", "").
        hash = fnv64(hash, if value.is_some() { b"\x01" } else { b"\x00" });
        hash = fnv64(hash, value.unwrap_or("").as_bytes());
    }
    hash
}

/// True when a GET read as `response_type` may be answered from memory (`auto`, `json`, `text`).
pub fn remembers(response_type: ResponseType) -> bool {
    matches!(response_type, ResponseType::Auto | ResponseType::Json | ResponseType::Text)
}

/// True for the methods that forget what was remembered for their URL, whatever the answer.
pub fn forgets(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
}

/// A value the runtime can send as a header: visible Latin-1 and spaces, no control characters (a CR, LF or NUL
/// would be refused by fetch, or split the request), not empty, at most [`MAX_VALIDATOR_LEN`] bytes.
pub fn is_sendable(value: &str) -> bool {
    !value.trim_ascii().is_empty() && value.len() <= MAX_VALIDATOR_LEN && is_latin1(value) && all_bytes(value, |b| b == b'\t' || b >= b' ' && b != 0x7F)
}

/// The validator of a 2xx answer from its `ETag`, `Last-Modified` and `Cache-Control` fields: the ETag first;
/// `None` (forget what was remembered) with neither, with `no-store`, or when the one given cannot be sent back.
pub fn validator(etag: Option<&str>, last_modified: Option<&str>, cache_control: Option<&str>) -> Option<Validator> {
    if cache_control.is_some_and(|cc| crate::core::text::split_any(cc, b",").any(|d| d.trim_ascii().eq_ignore_ascii_case("no-store"))) {
        return None;
    }
    match (etag.map(str::trim_ascii), last_modified.map(str::trim_ascii)) {
        (Some(e), _) if !e.is_empty() => is_sendable(e).then(|| Validator::ETag(e.into())),
        (_, Some(m)) if !m.is_empty() => is_sendable(m).then(|| Validator::LastModified(m.into())),
        _ => None,
    }
}

/// One remembered result.
struct Entry<T> {
    key: Key,
    validator: Validator,
    value: T,
    /// When it was last stored or used, in this memory's count: the smallest goes first.
    used: u64,
}

/// At most `max` remembered results, the least recently used evicted first. A list scanned in full: at a few
/// hundred entries a scan costs less than one request's header copy, and far fewer bytes than a map.
pub struct Memory<T> {
    entries: Vec<Entry<T>>,
    max: usize,
    clock: u64,
}

impl<T> Memory<T> {
    /// An empty memory for at most `max` (at least 1) results.
    pub fn new(max: usize) -> Memory<T> {
        Memory { entries: Vec::new(), max: max.max(1), clock: 0 }
    }

    /// How many results are remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The validator and value remembered for `key`, counted as a use.
    pub fn get(&mut self, key: &Key) -> Option<(&Validator, &T)> {
        let now = self.tick();
        let entry = self.entries.iter_mut().find(|e| e.key == *key)?;
        entry.used = now;
        Some((&entry.validator, &entry.value))
    }

    /// Remembers `value` for `key` with `validator`, in place of what was; the least recently used goes when full.
    pub fn put(&mut self, key: Key, validator: Validator, value: T) {
        let used = self.tick();
        self.forget(&key);
        if self.entries.len() >= self.max {
            let mut oldest = 0;
            for (i, e) in self.entries.iter().enumerate() {
                if e.used < self.entries[oldest].used {
                    oldest = i;
                }
            }
            if oldest < self.entries.len() {
                self.entries.swap_remove(oldest);
            }
        }
        self.entries.push(Entry { key, validator, value, used });
    }

    /// Forgets what was remembered for `key`.
    pub fn forget(&mut self, key: &Key) {
        self.forget_where(|e| e.key == *key);
    }

    /// Forgets everything remembered for `url`, whatever its reading or credentials (a write to it).
    pub fn forget_url(&mut self, url: &str) {
        self.forget_where(|e| e.key.url == url);
    }

    // Order does not matter here (the clock says which is oldest), so a removal is a swap.
    #[inline(never)]
    fn forget_where(&mut self, matches: impl Fn(&Entry<T>) -> bool) {
        let mut i = 0;
        while i < self.entries.len() {
            if matches(&self.entries[i]) {
                self.entries.swap_remove(i);
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(url: &str) -> Key {
        Key { url: url.into(), response_type: ResponseType::Auto, credentials: credential_id(7, [Some("k"), None]) }
    }

    #[test]
    fn validators() {
        let long = format!("\"{}\"", "x".repeat(MAX_VALIDATOR_LEN));
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<Validator>);
        let cases: [Case; 12] = [
            (Some("\"v1\""), None, None, Some(Validator::ETag("\"v1\"".into()))),
            (Some("W/\"v1\""), Some(date), None, Some(Validator::ETag("W/\"v1\"".into()))),
            (None, Some(date), None, Some(Validator::LastModified(date.into()))),
            (Some(""), Some(date), None, Some(Validator::LastModified(date.into()))),
            (Some(" \"a\" "), None, Some("max-age=60"), Some(Validator::ETag("\"a\"".into()))),
            (Some("\"v1\""), None, Some("private, No-Store"), None),
            (Some("\"v1\""), None, Some("no-store"), None),
            (None, None, None, None),
            (Some(&long), None, None, None),
            (Some("\"a\nb\""), None, None, None),
            (Some("\"caf\u{e9}\""), None, None, Some(Validator::ETag("\"caf\u{e9}\"".into()))),
            (Some("\"\u{263a}\""), None, None, None),
        ];
        for (etag, lm, cc, want) in cases {
            assert_eq!(validator(etag, lm, cc), want, "{etag:?} {lm:?} {cc:?}");
        }
        assert_eq!(Validator::LastModified(date.into()).header(), ("if-modified-since", date));
        assert!(!is_sendable("a\0b") && !is_sendable("a\rb") && !is_sendable("  ") && is_sendable("a\tb"));
        assert!(!is_sendable("a\x7fb") && !is_sendable("a\x1bb") && is_sendable("\u{ff}\u{80}") && !is_sendable("\u{100}"));
    }

    #[test]
    fn credentials_are_told_apart_without_being_kept() {
        let id = |a: Option<&str>, b: Option<&str>| credential_id(42, [a, b]);
        let cases = [(id(Some("k1"), None), id(Some("k1"), None), true), (id(Some("k1"), None), id(Some("k2"), None), false), (id(None, Some("a")), id(Some("a"), None), false), (id(Some(""), None), id(None, None), false), (id(Some("ab"), Some("")), id(Some("a"), Some("b")), false)];
        for (i, (a, b, equal)) in cases.into_iter().enumerate() {
            assert_eq!(a == b, equal, "case {i}");
        }
        // Another salt (another client) gives another id for the same credentials.
        assert_ne!(credential_id(1, [Some("k"), None]), credential_id(2, [Some("k"), None]));
        let k = key("https://h/x");
        assert!(!format!("{k:?}").contains("\"k\""));
    }

    #[test]
    fn methods_and_readings() {
        for (rt, want) in [(ResponseType::Auto, true), (ResponseType::Json, true), (ResponseType::Text, true), (ResponseType::Blob, false), (ResponseType::ArrayBuffer, false), (ResponseType::Response, false)] {
            assert_eq!(remembers(rt), want, "{rt:?}");
        }
        for (m, want) in [("POST", true), ("PUT", true), ("PATCH", true), ("DELETE", true), ("GET", false), ("HEAD", false), ("OPTIONS", false)] {
            assert_eq!(forgets(m), want, "{m}");
        }
    }

    #[test]
    fn least_recently_used_goes_first() {
        let etag = |s: &str| Validator::ETag(s.into());
        let mut m = Memory::new(2);
        m.put(key("a"), etag("1"), "A");
        m.put(key("b"), etag("2"), "B");
        // A use (a 304) makes "a" the most recent: "b" goes when "c" comes.
        assert_eq!(m.get(&key("a")).map(|(_, v)| *v), Some("A"));
        m.put(key("c"), etag("3"), "C");
        assert!(m.get(&key("b")).is_none());
        assert_eq!(m.len(), 2);
        // A new answer replaces the old one in place of adding a second.
        m.put(key("a"), etag("4"), "A2");
        assert_eq!(m.get(&key("a")), Some((&etag("4"), &"A2")));
        assert_eq!(m.len(), 2);
        // Another reading or other credentials are another entry.
        let mut text = key("a");
        text.response_type = ResponseType::Text;
        assert!(m.get(&text).is_none());
        let mut other = key("a");
        other.credentials = credential_id(7, [Some("other"), None]);
        assert!(m.get(&other).is_none());
        m.forget(&key("c"));
        assert!(m.get(&key("c")).is_none());
        m.put(text.clone(), etag("5"), "T");
        m.forget_url("a");
        assert!(m.is_empty());
        // At least one entry, whatever was asked.
        let mut one = Memory::new(0);
        one.put(key("x"), etag("1"), 1);
        one.put(key("y"), etag("2"), 2);
        assert_eq!((one.len(), one.get(&key("y")).map(|(_, v)| *v)), (1, Some(2)));
    }
}

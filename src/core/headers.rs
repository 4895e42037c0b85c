//! Reading what a response says about time: `Retry-After`, `retry-after-ms`, the IETF `RateLimit` field and the
//! `X-RateLimit-*` family. Every function takes `now` (ms since the Unix epoch) and never reads a clock, so tests
//! need no real time. A value that does not parse is ignored, never fatal: it loses its timing, not the retry.

use crate::core::text::{all_bytes, before_any, find_byte, split_any, split_once_byte};

/// Read access to a response's headers, each named by its index in [`READ_HEADERS`] (a constant of [`h`]); the
/// boundary implements it over a [`HeaderSnapshot`], the tests over name/value tables.
pub trait HeaderLookup {
    /// The header's value, `None` when absent (or hidden by CORS).
    fn header(&self, header: usize) -> Option<&str>;
}

impl HeaderLookup for [(&str, &str)] {
    fn header(&self, header: usize) -> Option<&str> {
        let name = READ_HEADERS.get(header)?;
        self.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }
}

/// Declares [`READ_HEADERS`] and, in [`h`], the index of each name in it: lookups pass the index, so a snapshot
/// finds a value without comparing names, and a name and its index cannot drift apart.
macro_rules! read_headers {
    ($first_id:ident = $first:literal, $($id:ident = $name:literal,)*) => {
        /// The response headers the client reads, in the order a [`HeaderSnapshot`] holds them. One call reads them
        /// all across the wasm boundary instead of one call per header.
        pub const READ_HEADERS: &[&str] = &[$first, $($name),*];

        /// [`READ_HEADERS`] as one text, a name a line (no last newline): the boundary hands JS this one string.
        pub const READ_HEADER_LINES: &str = concat!($first, $("\n", $name),*);

        /// The index of each header of [`READ_HEADERS`], by its name in capitals.
        pub mod h {
            #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
            #[repr(usize)]
            enum Index { $first_id, $($id),* }
            #[doc = $first] pub const $first_id: usize = Index::$first_id as usize;
            $(#[doc = $name] pub const $id: usize = Index::$id as usize;)*
        }
    };
}

// The request ids, validators and `Link` are read for every response too: seven `Headers.get` more cost a plain
// GET nothing measurable (callgrind, 5,000 requests), and a second read only for the responses that use them cost
// the download 262 B.
read_headers! {
    RETRY_AFTER = "retry-after",
    RETRY_AFTER_MS = "retry-after-ms",
    RATELIMIT = "ratelimit",
    RATELIMIT_POLICY = "ratelimit-policy",
    DATE = "date",
    X_RATELIMIT_RESET = "x-ratelimit-reset",
    RATELIMIT_RESET = "ratelimit-reset",
    X_RATELIMIT_LIMIT = "x-ratelimit-limit",
    RATELIMIT_LIMIT = "ratelimit-limit",
    X_RATELIMIT_REMAINING = "x-ratelimit-remaining",
    RATELIMIT_REMAINING = "ratelimit-remaining",
    X_RATELIMIT_RESET_AFTER = "x-ratelimit-reset-after",
    CONTENT_TYPE = "content-type",
    CONTENT_LENGTH = "content-length",
    LOCATION = "location",
    X_RATELIMIT_REMAINING_MINUTE = "x-ratelimit-remaining-minute",
    X_RATELIMIT_LIMIT_MINUTE = "x-ratelimit-limit-minute",
    X_RATELIMIT_REMAINING_HOUR = "x-ratelimit-remaining-hour",
    X_RATELIMIT_LIMIT_HOUR = "x-ratelimit-limit-hour",
    X_RATELIMIT_REMAINING_DAY = "x-ratelimit-remaining-day",
    X_RATELIMIT_LIMIT_DAY = "x-ratelimit-limit-day",
    X_REQUEST_ID = "x-request-id",
    REQUEST_ID = "request-id",
    X_CORRELATION_ID = "x-correlation-id",
    ETAG = "etag",
    LAST_MODIFIED = "last-modified",
    CACHE_CONTROL = "cache-control",
    LINK = "link",
}

/// The per-window headers some gateways (Kong) send instead of one window: `X-RateLimit-Remaining-Minute` beside
/// `X-RateLimit-Limit-Minute`, and so on; the window with the least remaining binds.
const PER_WINDOW: [(usize, usize); 3] = [
    (h::X_RATELIMIT_REMAINING_MINUTE, h::X_RATELIMIT_LIMIT_MINUTE),
    (h::X_RATELIMIT_REMAINING_HOUR, h::X_RATELIMIT_LIMIT_HOUR),
    (h::X_RATELIMIT_REMAINING_DAY, h::X_RATELIMIT_LIMIT_DAY),
];

/// A response as one string, read in one call across the wasm boundary: its status, its `type` ("basic", "cors",
/// "opaqueredirect", ...) and its status text, then the values of [`READ_HEADERS`], each followed by `\n`, a NUL
/// standing for an absent header (fetch allows neither character in a value or a status text).
/// The lines are found once, and their ends kept on the heap: a call's future carries the snapshot across its
/// awaits, and an array of ranges inline would make every state of it 300 bytes larger.
#[derive(Debug, Clone, Default)]
pub struct HeaderSnapshot {
    text: String,
    /// The byte index of each line's `\n`.
    ends: Vec<u32>,
}

impl HeaderSnapshot {
    /// Keeps the string `readResponse` made, with where its lines end.
    pub fn new(text: String) -> HeaderSnapshot {
        let mut ends = Vec::with_capacity(READ_HEADERS.len() + 3);
        for (at, b) in text.bytes().enumerate() {
            if b == b'\n' {
                ends.push(at as u32);
            }
        }
        HeaderSnapshot { text, ends }
    }

    /// The `line`-th value of the text (a last line without its `\n` does not count).
    fn line(&self, line: usize) -> Option<&str> {
        let start = match line {
            0 => 0,
            _ => *self.ends.get(line - 1)? as usize + 1,
        };
        self.text.get(start..*self.ends.get(line)? as usize)
    }

    /// The response's status (0 for an opaque one, or when the text does not say).
    pub fn status(&self) -> u16 {
        self.line(0).and_then(parse_non_negative).filter(|s| *s <= 999.0).map_or(0, |s| s as u16)
    }

    /// The response's `type`: "cors" when a browser's CORS rules filtered it, "opaqueredirect" for a redirect it
    /// hides.
    pub fn kind(&self) -> &str {
        self.line(1).unwrap_or("")
    }

    /// The response's status text ("" over HTTP/2).
    pub fn status_text(&self) -> &str {
        self.line(2).unwrap_or("")
    }

    /// The value of a header of [`READ_HEADERS`], by its index (a constant of [`h`]).
    pub fn get(&self, header: usize) -> Option<&str> {
        self.line(header + 3).filter(|value| *value != "\0")
    }
}

impl HeaderLookup for HeaderSnapshot {
    fn header(&self, header: usize) -> Option<&str> {
        self.get(header)
    }
}

/// A request's headers, merged case-insensitively (a later value replaces an earlier one under any spelling).
/// Handed to fetch as a plain object, which costs less than building a `Headers`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeaderList(pub Vec<(String, String)>);

/// The value of `name` (any case) in a list of header pairs: one lookup for every list the client keeps.
pub fn header_in<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a str> {
    list.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Removes `name` (any case) from a list of header pairs.
pub fn remove_header(list: &mut Vec<(String, String)>, name: &str) {
    // A loop with `remove` (order kept): `retain` is a generic of its own in the wasm build.
    let mut i = 0;
    while i < list.len() {
        if list[i].0.eq_ignore_ascii_case(name) {
            list.remove(i);
        } else {
            i += 1;
        }
    }
}

impl HeaderList {
    /// Sets `name` to `value`, replacing any value it had.
    pub fn set(&mut self, name: &str, value: &str) {
        self.remove(name);
        self.0.push((name.to_string(), value.to_string()));
    }
    /// Removes `name`.
    pub fn remove(&mut self, name: &str) {
        remove_header(&mut self.0, name);
    }
    /// True when `name` is set.
    pub fn has(&self, name: &str) -> bool {
        header_in(&self.0, name).is_some()
    }
    /// The list as "name\nvalue\n" pairs, one string for JS: names are tokens and values hold no newline (both
    /// validated, and a `Headers` object refuses them too).
    pub fn flat(&self) -> String {
        let mut flat = String::new();
        for (name, value) in &self.0 {
            flat.push_str(name);
            flat.push_str("\n");
            flat.push_str(value);
            flat.push_str("\n");
        }
        flat
    }
    /// The list of [`HeaderList::flat`]'s pairs (what js/hooks.js reads back from a hook's `Request`); a name
    /// without a value after it is dropped.
    pub fn from_flat(flat: &str) -> HeaderList {
        let mut parts = split_any(flat, b"\n");
        let mut list = HeaderList::default();
        while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
            list.0.push((name.to_string(), value.to_string()));
        }
        list
    }
}

/// The rate-limit window a response describes, as `client.rateLimit` shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitState {
    /// Requests allowed in the window.
    pub limit: f64,
    /// Requests left in the window.
    pub remaining: f64,
    /// When the window resets (ms since epoch), when the response said.
    pub reset_at: Option<f64>,
    /// When the response was read (ms since epoch).
    pub observed_at: f64,
    /// True when the rate was learned from 429s rather than told by headers or configured.
    pub learned: bool,
}

/// Parses a non-negative decimal number ("1", "1.5", " 2 "); `None` for anything else, including NaN and -1.
/// Hand-written: `str::parse::<f64>` would add a general float parser to every user's download.
pub fn parse_non_negative(value: &str) -> Option<f64> {
    let value = value.trim_ascii();
    let (whole, fraction) = match split_once_byte(value, b'.') {
        Some((w, f)) => (w, f),
        None => (value, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut number = 0f64;
    for b in whole.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        number = number * 10.0 + (b - b'0') as f64;
    }
    let mut scale = 1f64;
    for b in fraction.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        scale /= 10.0;
        number += (b - b'0') as f64 * scale;
    }
    number.is_finite().then_some(number)
}

/// `Retry-After`: delta-seconds or an HTTP-date; the wait in ms from `now` (0 for a date in the past).
pub fn parse_retry_after(value: &str, now: f64) -> Option<f64> {
    if let Some(seconds) = parse_non_negative(value) {
        return Some(seconds * 1000.0);
    }
    parse_http_date(value).map(|at| (at - now).max(0.0))
}

/// The months' first three letters, in order (one string: no table of twelve addresses in the wasm build).
const MONTHS: &[u8; 36] = b"janfebmaraprmayjunjulaugsepoctnovdec";

/// The month (1-12) a three-letter token names, in any case.
fn month_of(token: &str) -> Option<u32> {
    if token.len() != 3 {
        return None;
    }
    let mut m = 0;
    while m < 12 {
        if token.as_bytes().eq_ignore_ascii_case(&MONTHS[m * 3..m * 3 + 3]) {
            return Some(m as u32 + 1);
        }
        m += 1;
    }
    None
}

/// An HTTP-date (IMF-fixdate, RFC 850 or asctime) as ms since the epoch; `None` when it does not parse.
pub fn parse_http_date(value: &str) -> Option<f64> {
    let mut month = None;
    let mut time = None;
    let mut numbers: [Option<&str>; 2] = [None, None];
    let mut count = 0;
    for (index, token) in split_any(value, b" ,-").filter(|t| !t.is_empty()).enumerate() {
        if find_byte(token, b':').is_some() {
            time = Some(token);
        } else if all_bytes(token, |b| b.is_ascii_digit()) {
            if count == 2 {
                return None;
            }
            numbers[count] = Some(token);
            count += 1;
        } else if let Some(m) = month_of(token) {
            month = Some(m);
        } else if index != 0 && !token.eq_ignore_ascii_case("GMT") && !token.eq_ignore_ascii_case("UTC") {
            // Only a leading weekday and a trailing zone are allowed besides the date and time.
            return None;
        }
    }
    let (first, second) = (numbers[0]?, numbers[1]?);
    let (day, year) = if first.len() == 4 { (second, first) } else { (first, second) };
    let day = parse_non_negative(day)? as u32;
    let mut year = parse_non_negative(year)? as i64;
    if year < 100 {
        year += if year >= 70 { 1900 } else { 2000 };
    }
    // Hours, minutes, seconds: a plain loop (an iterator adapter here was a function of its own in the wasm).
    let mut parts = split_any(time?, b":");
    let mut hms = [0u32; 3];
    for slot in &mut hms {
        let part = parts.next()?;
        if !all_bytes(part, |b| b.is_ascii_digit()) {
            return None;
        }
        *slot = parse_non_negative(part)? as u32;
    }
    let [h, m, s] = hms;
    if parts.next().is_some() || !(1..=31).contains(&day) || !(1..=9999).contains(&year) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month?, day);
    Some(((days * 86_400 + (h * 3600 + m * 60 + s) as i64) * 1000) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// What the IETF `RateLimit` field says: remaining (`r=`) and seconds-to-reset (`t=`) of the tightest item it lists
/// (the one with the least remaining), and that item's name, which picks its `RateLimit-Policy` item.
/// Also reads the older draft's dictionary form `limit=10, remaining=0, reset=5`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct RateLimitField<'a> {
    /// Requests left (`r=` or `remaining=`).
    pub remaining: Option<f64>,
    /// Seconds until the window resets (`t=` or `reset=`).
    pub reset_seconds: Option<f64>,
    /// Requests allowed (`limit=`, or a policy's `q=`).
    pub limit: Option<f64>,
    /// The item's name without its quotes (`"10-in-1sec"`), "" in the dictionary form.
    pub name: &'a str,
}

/// Parses the `RateLimit` header field (see [`RateLimitField`]).
pub fn parse_ratelimit_field(value: &str) -> RateLimitField<'_> {
    if find_byte(value, b';').is_none() {
        // Draft 7's dictionary: one set of keys for the whole field.
        return item_params(RateLimitField::default(), split_any(value, b","));
    }
    // Structured form (draft 8): `"policy";r=0;t=30, "other";r=5;t=2`: the tightest item describes the window,
    // the one with the least remaining, and of those the one that resets last.
    let mut tightest = RateLimitField::default();
    for item in structured_items(value) {
        let Some(r) = item.remaining else { continue };
        let tighter = match tightest.remaining {
            None => true,
            Some(t) => r < t || (r == t && item.reset_seconds > tightest.reset_seconds),
        };
        if tighter {
            tightest = item;
        }
    }
    tightest
}

/// The limit (`q=`) of the `RateLimit-Policy` item named `name` ("" matches only an unnamed item); `None` when no
/// item has that name.
pub fn policy_limit(policy: &str, name: &str) -> Option<f64> {
    // A loop, not `find`: the adapter's `try_fold` is one more generic in the wasm build.
    for item in structured_items(policy) {
        if item.name == name {
            return item.limit;
        }
    }
    None
}

/// The items of a structured field, each with its name and the parameters we read.
fn structured_items(value: &str) -> impl Iterator<Item = RateLimitField<'_>> {
    split_any(value, b",").map(|member| {
        let mut parts = split_any(member, b";");
        let name = parts.next().unwrap_or("").trim_ascii();
        let name = match name.as_bytes() {
            [b'"', .., b'"'] => &name[1..name.len() - 1],
            _ => name,
        };
        item_params(RateLimitField { name, ..RateLimitField::default() }, parts)
    })
}

/// Reads `key=value` parameters into `field`; the first of a repeated key wins, and a value that is not a
/// non-negative number is skipped.
fn item_params<'a, 'b>(mut field: RateLimitField<'a>, params: impl Iterator<Item = &'b str>) -> RateLimitField<'a> {
    for param in params {
        let Some((key, raw)) = split_once_byte(param, b'=') else { continue };
        let number = parse_non_negative(raw);
        let slot = match key.trim_ascii().to_ascii_lowercase().as_str() {
            "r" | "remaining" => &mut field.remaining,
            "t" | "reset" => &mut field.reset_seconds,
            "limit" | "q" => &mut field.limit,
            _ => continue,
        };
        *slot = slot.or(number);
    }
    field
}

/// Everything a response says about its rate-limit window, read once per response.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct RateHeaders {
    /// `X-RateLimit-Limit` (or `RateLimit-Limit`, or the field's `limit=`).
    pub limit: Option<f64>,
    /// `X-RateLimit-Remaining` (or `RateLimit-Remaining`, or the field's `r=`).
    pub remaining: Option<f64>,
    /// ms until reset, from a relative source: the field's `t=`, else `X-RateLimit-Reset-After`.
    pub reset_after_ms: Option<f64>,
    /// ms until reset from `X-RateLimit-Reset` (epoch seconds, clock offset taken out via `Date`).
    pub reset_epoch_wait_ms: Option<f64>,
    /// `Retry-After` or `retry-after-ms`, in ms from now.
    pub retry_after_ms: Option<f64>,
}

impl RateHeaders {
    /// Reads the rate headers of one response. `now` is the client's clock when the response arrived.
    #[inline(never)]
    pub fn read(headers: &(impl HeaderLookup + ?Sized), now: f64) -> RateHeaders {
        let number = |header: usize| headers.header(header).and_then(|v| parse_non_negative(first_value(v)));
        let field = parse_ratelimit_field(headers.header(h::RATELIMIT).unwrap_or(""));
        // Draft 8 states the limit in RateLimit-Policy, in the item named like the RateLimit item.
        let policy_q = headers.header(h::RATELIMIT_POLICY).and_then(|p| policy_limit(p, field.name));
        // An HTTP-date holds a comma itself, so the whole value is tried before the first of repeated values.
        let retry_after_ms = headers
            .header(h::RETRY_AFTER)
            .and_then(|v| parse_retry_after(v, now).or_else(|| parse_retry_after(first_value(v), now)))
            .or_else(|| number(h::RETRY_AFTER_MS));
        let server_now = headers.header(h::DATE).and_then(parse_http_date).unwrap_or(now);
        let reset_epoch_wait_ms = number(h::X_RATELIMIT_RESET).map(|reset| reset_value_to_wait_ms(reset, server_now));
        let mut per_window: (Option<f64>, Option<f64>) = (None, None);
        for (remaining, limit) in PER_WINDOW {
            if let Some(r) = number(remaining) {
                if per_window.0.is_none_or(|least| r < least) {
                    per_window = (Some(r), number(limit));
                }
            }
        }
        RateHeaders {
            limit: number(h::X_RATELIMIT_LIMIT).or_else(|| number(h::RATELIMIT_LIMIT)).or(field.limit).or(policy_q).or(per_window.1),
            remaining: number(h::X_RATELIMIT_REMAINING).or_else(|| number(h::RATELIMIT_REMAINING)).or(field.remaining).or(per_window.0),
            // Draft 6's RateLimit-Reset is seconds from now (never an epoch), like t= and X-RateLimit-Reset-After.
            reset_after_ms: field
                .reset_seconds
                .or_else(|| number(h::RATELIMIT_RESET))
                .or_else(|| number(h::X_RATELIMIT_RESET_AFTER))
                .map(|s| s * 1000.0),
            reset_epoch_wait_ms,
            retry_after_ms,
        }
    }

    /// True when the response carried anything about the rate limit or when to come back.
    pub fn any(&self) -> bool {
        self.limit.is_some()
            || self.remaining.is_some()
            || self.reset_after_ms.is_some()
            || self.reset_epoch_wait_ms.is_some()
            || self.retry_after_ms.is_some()
    }

    /// ms until the window resets, preferring the relative sources over the epoch one.
    #[inline(never)]
    pub fn reset_wait_ms(&self) -> Option<f64> {
        self.reset_after_ms.or(self.reset_epoch_wait_ms)
    }

    /// The wait the server asks for before the next request, in the contract's order: `Retry-After`,
    /// `retry-after-ms`; then, only when the window is spent (a 429 or remaining 0), the window's reset.
    pub fn server_wait_ms(&self, status: u16) -> Option<f64> {
        if self.retry_after_ms.is_some() {
            return self.retry_after_ms;
        }
        if status == 429 || self.remaining == Some(0.0) {
            return self.reset_wait_ms();
        }
        None
    }

    /// The status the client acts on: a 403 with `X-RateLimit-Remaining: 0` (GitHub's primary limit) is a 429 for
    /// waiting, retrying and the error's class; every other status is itself.
    #[inline(never)]
    pub fn acted_status(&self, status: u16) -> u16 {
        if status == 403 && self.remaining == Some(0.0) {
            429
        } else {
            status
        }
    }

    /// The window as `client.rateLimit` shows it; `None` when the response did not describe one.
    /// An explicit `Retry-After` caps the reset: the server said when to come back, whatever its window claims.
    pub fn state(&self, now: f64) -> Option<RateLimitState> {
        let remaining = self.remaining?;
        let reset_wait = match (self.reset_wait_ms(), self.retry_after_ms) {
            (Some(reset), Some(retry)) => Some(reset.min(retry)),
            (reset, _) => reset,
        };
        Some(RateLimitState {
            limit: self.limit.unwrap_or(remaining),
            remaining,
            reset_at: reset_wait.map(|ms| now + ms),
            observed_at: now,
            learned: false,
        })
    }
}

/// A repeated header arrives joined with ", "; the first value is the one we trust.
fn first_value(value: &str) -> &str {
    before_any(value, b",")
}

/// `X-RateLimit-Reset` is meant as epoch seconds, but servers also send epoch milliseconds or plain
/// seconds-to-reset; tell them apart by size. Returns ms from `server_now`, never negative.
fn reset_value_to_wait_ms(reset: f64, server_now: f64) -> f64 {
    let wait = if reset > 1e11 {
        reset - server_now // epoch milliseconds
    } else if reset > 1e9 {
        reset * 1000.0 - server_now // epoch seconds
    } else {
        reset * 1000.0 // seconds from now
    };
    wait.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_705_334_400_000.0; // 2024-01-15T16:00:00Z

    #[test]
    fn header_lists_travel_as_flat_pairs() {
        let pairs = |list: &HeaderList| list.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(",");
        let cases = [
            ("", ""),
            ("a\n1\n", "a=1"),
            ("a\n1\nb\n\n", "a=1,b="),
            ("x-trace\nabc def\nauthorization\nBearer t\n", "x-trace=abc def,authorization=Bearer t"),
            ("a\n1\nlonely", "a=1"),
            ("a\n1", "a=1"),
        ];
        for (flat, want) in cases {
            let list = HeaderList::from_flat(flat);
            assert_eq!(pairs(&list), want, "{flat:?}");
            assert_eq!(HeaderList::from_flat(&list.flat()).0, list.0, "round trip of {flat:?}");
        }
    }

    #[test]
    fn snapshot_lookup() {
        let mut text = String::from("429\ncors\nToo Many Requests\n");
        for name in READ_HEADERS {
            text.push_str(match *name {
                "retry-after" => "3",
                "content-type" => "application/json",
                _ => "\0",
            });
            text.push('\n');
        }
        let snapshot = HeaderSnapshot::new(text);
        assert_eq!(snapshot.header(h::RETRY_AFTER), Some("3"));
        assert_eq!(snapshot.header(h::CONTENT_TYPE), Some("application/json"));
        assert_eq!(snapshot.header(h::X_RATELIMIT_REMAINING), None);
        assert_eq!(snapshot.header(READ_HEADERS.len()), None, "past the last header");
        assert_eq!((snapshot.status(), snapshot.kind(), snapshot.status_text()), (429, "cors", "Too Many Requests"));
        let empty = HeaderSnapshot::new(String::new());
        assert_eq!((empty.header(h::DATE), empty.status(), empty.kind()), (None, 0, ""));
        assert_eq!(HeaderSnapshot::new("\n\n\n\n\n\n\n\n".into()).header(h::DATE), Some(""));
        // Each index names its own header: a table of every name finds each value where its index says.
        let table: Vec<(&str, &str)> = READ_HEADERS.iter().map(|name| (*name, *name)).collect();
        for (index, name) in READ_HEADERS.iter().enumerate() {
            assert_eq!(table[..].header(index), Some(*name));
        }
        assert_eq!((READ_HEADERS[h::RETRY_AFTER], READ_HEADERS[h::LINK], READ_HEADERS.len()), ("retry-after", "link", h::LINK + 1));
        assert_eq!(READ_HEADER_LINES.split('\n').collect::<Vec<_>>(), READ_HEADERS);
        // core::error reads the request ids as one range of indices.
        assert_eq!(&READ_HEADERS[h::X_REQUEST_ID..h::X_CORRELATION_ID + 1], ["x-request-id", "request-id", "x-correlation-id"]);
        assert_eq!(HeaderSnapshot::new("0\nopaqueredirect\n\n".into()).kind(), "opaqueredirect");
        assert_eq!(HeaderSnapshot::new("70000\n".into()).status(), 0);
    }

    #[test]
    fn header_list_merges_case_insensitively() {
        let mut h = HeaderList::default();
        h.set("X-App", "1");
        h.set("content-type", "text/plain");
        h.set("x-app", "2");
        assert!(h.has("X-APP") && h.has("Content-Type"));
        assert_eq!(h.0, vec![("content-type".to_string(), "text/plain".to_string()), ("x-app".to_string(), "2".to_string())]);
        h.remove("CONTENT-TYPE");
        assert!(!h.has("content-type"));
    }

    #[test]
    fn numbers() {
        let cases = [
            ("1", Some(1.0)),
            (" 2.5 ", Some(2.5)),
            ("0", Some(0.0)),
            ("-1", None),
            ("NaN", None),
            ("1e12", None),
            ("", None),
            (".", None),
            ("1.2.3", None),
            ("inf", None),
            ("12abc", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_non_negative(input), want, "{input:?}");
        }
    }

    #[test]
    fn http_dates() {
        let imf = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(imf, Some(784_111_777_000.0));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), imf);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), imf);
        assert_eq!(parse_http_date("Mon, 15 Jan 2024 16:00:00 GMT"), Some(NOW));
        assert_eq!(parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"), Some(1_709_164_800_000.0));
        assert_eq!(parse_http_date("Tue, 31 DEC 2024 23:59:59 gmt"), Some(1_735_689_599_000.0));
        // Every month by name, in order: the first of each is later than the first of the one before.
        let firsts: Vec<f64> = ["Jan", "feb", "MAR", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            .iter()
            .map(|m| parse_http_date(&format!("01 {m} 2024 00:00:00 GMT")).unwrap())
            .collect();
        assert!(firsts.windows(2).all(|w| w[1] - w[0] >= 28.0 * 86_400_000.0), "{firsts:?}");
        assert_eq!(firsts[0], 1_704_067_200_000.0);
        for bad in ["", "tomorrow", "Sun, 06 Nov 1994", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Novem 1994 08:49:37 GMT", "Sun, 06 No 1994 08:49:37 GMT", "06 Nov 1994 25:00:00 GMT", "1 2 3 4", "::", "Sun, 06 Nov 1994 08:49:37 GMT extra", "Mon, 15 Jan 202411111111111111111111 15:59:50 GMT", "Mon, 15 Jan 10000 15:59:50 GMT"] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_table() {
        let cases = [
            ("1", Some(1000.0)),
            ("0.5", Some(500.0)),
            ("120", Some(120_000.0)),
            ("Mon, 15 Jan 2024 16:00:05 GMT", Some(5000.0)),
            ("Mon, 15 Jan 2024 15:00:00 GMT", Some(0.0)), // a past date: no wait
            ("-1", None),
            ("NaN", None),
            ("soon", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_retry_after(input, NOW), want, "{input:?}");
        }
    }

    #[test]
    fn ratelimit_field_forms() {
        let f = parse_ratelimit_field("\"default\";r=0;t=30, \"daily\";r=100;t=3600");
        assert_eq!((f.remaining, f.reset_seconds), (Some(0.0), Some(30.0)));
        let f = parse_ratelimit_field("limit=100, remaining=7, reset=12");
        assert_eq!((f.limit, f.remaining, f.reset_seconds), (Some(100.0), Some(7.0), Some(12.0)));
        let f = parse_ratelimit_field("garbage;;=;r=;t=x");
        assert_eq!((f.remaining, f.reset_seconds, f.limit), (None, None, None));
        // The tightest item (least remaining) describes the window, whatever the order.
        let f = parse_ratelimit_field("\"a\";r=100;t=3600, \"b\";r=3;t=30, \"c\";t=1");
        assert_eq!((f.name, f.remaining, f.reset_seconds), ("b", Some(3.0), Some(30.0)));
        // Equal remaining: the window that resets last binds.
        let f = parse_ratelimit_field("\"1s\";r=9;t=1, \"5s\";r=9;t=4, \"x\";r=9;t=2");
        assert_eq!(f.name, "5s");
        assert_eq!(policy_limit("\"a\";q=1000;w=3600, \"b\"; q=10; w=60", "b"), Some(10.0));
        assert_eq!(policy_limit("\"a\";q=1000;w=3600", "b"), None);
        assert_eq!(policy_limit("\"b\";q=0;w=1", "b"), Some(0.0));
        assert_eq!(policy_limit("garbage", ""), None);
        // Bad items are skipped one by one: a negative or non-numeric r=, no r= at all.
        let f = parse_ratelimit_field("\"a\";r=-1;t=1, \"b\";r=x, \"c\";t=5, \"d\";r=2;t=-3");
        assert_eq!((f.name, f.remaining, f.reset_seconds), ("d", Some(2.0), None));
        // 10,000 items: read in one pass, the tightest found wherever it is.
        let many: Vec<String> = (0..10_000).map(|i| format!("\"p{i}\";r={};t=1", if i == 7_777 { 3 } else { 100 + i })).collect();
        let many = many.join(", ");
        assert_eq!(parse_ratelimit_field(&many).name, "p7777");
        assert_eq!(policy_limit(&many.replace(";r=", ";q="), "p9999"), Some(10_099.0));
    }

    /// Header sets as the real servers send them (express-rate-limit 8, @fastify/rate-limit 11), byte for byte but
    /// for the policy's partition key; NOW is Mon, 15 Jan 2024 16:00:00 GMT.
    #[test]
    fn rate_limit_dialects() {
        // (headers, limit, remaining, ms to reset)
        type Case<'a> = (&'a [(&'a str, &'a str)], f64, f64, Option<f64>);
        let cases: &[Case] = &[
            // express-rate-limit draft-8, one policy.
            (&[("RateLimit-Policy", "\"10-in-1sec\"; q=10; w=1; pk=:ZjE0ZDhkOTk0ZDJk:"), ("RateLimit", "\"10-in-1sec\"; r=9; t=1")], 10.0, 9.0, Some(1000.0)),
            // draft-8, two policies stacked: the tighter one (least remaining) with its own q.
            (&[("RateLimit-Policy", "\"10-in-1sec\"; q=10; w=1; pk=:a:, \"20-in-5sec\"; q=20; w=5; pk=:a:"), ("RateLimit", "\"10-in-1sec\"; r=9; t=1, \"20-in-5sec\"; r=3; t=4")], 20.0, 3.0, Some(4000.0)),
            // draft-7.
            (&[("RateLimit-Policy", "10;w=1"), ("RateLimit", "limit=10, remaining=9, reset=1")], 10.0, 9.0, Some(1000.0)),
            // draft-6 with the legacy headers: the relative RateLimit-Reset, not the ceiled epoch X-RateLimit-Reset.
            (&[("RateLimit-Policy", "10;w=1"), ("RateLimit-Limit", "10"), ("RateLimit-Remaining", "9"), ("RateLimit-Reset", "1"),
               ("X-RateLimit-Limit", "10"), ("X-RateLimit-Remaining", "9"), ("X-RateLimit-Reset", "1705334402"), ("Date", "Mon, 15 Jan 2024 16:00:00 GMT")], 10.0, 9.0, Some(1000.0)),
            // draft-6 alone.
            (&[("RateLimit-Limit", "10"), ("RateLimit-Remaining", "0"), ("RateLimit-Reset", "1")], 10.0, 0.0, Some(1000.0)),
            // @fastify/rate-limit 11.
            (&[("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "9"), ("x-ratelimit-reset", "1")], 10.0, 9.0, Some(1000.0)),
            // Kong: per-window headers, the tightest wins; `X-RateLimit-Limit: 10, 10;w=60` is its first number.
            (&[("X-RateLimit-Limit-Minute", "100"), ("X-RateLimit-Remaining-Minute", "40"), ("X-RateLimit-Limit-Hour", "1000"),
               ("X-RateLimit-Remaining-Hour", "12"), ("X-RateLimit-Limit-Day", "5000"), ("X-RateLimit-Remaining-Day", "900"), ("RateLimit-Reset", "30")], 1000.0, 12.0, Some(30_000.0)),
            (&[("X-RateLimit-Limit", "10, 10;w=60"), ("X-RateLimit-Remaining", "4")], 10.0, 4.0, None),
            // A policy with no item of the RateLimit item's name says nothing about the limit.
            (&[("RateLimit-Policy", "\"other\";q=50;w=1"), ("RateLimit", "\"mine\";r=4;t=1")], 4.0, 4.0, Some(1000.0)),
        ];
        for (pairs, limit, remaining, reset) in cases {
            let s = read(pairs).state(NOW).unwrap_or_else(|| panic!("{pairs:?}"));
            assert_eq!((s.limit, s.remaining, s.reset_at.map(|t| t - NOW)), (*limit, *remaining, *reset), "{pairs:?}");
        }
    }

    fn read(pairs: &[(&str, &str)]) -> RateHeaders {
        RateHeaders::read(pairs, NOW)
    }

    #[test]
    fn server_wait_precedence() {
        // (headers, status, expected wait)
        type Case<'a> = (&'a [(&'a str, &'a str)], u16, Option<f64>);
        let cases: &[Case] = &[
            (&[("Retry-After", "2"), ("retry-after-ms", "50")], 429, Some(2000.0)),
            (&[("Retry-After", "bogus"), ("retry-after-ms", "50")], 429, Some(50.0)),
            (&[("RateLimit", "\"d\";r=0;t=3"), ("X-RateLimit-Reset-After", "9")], 429, Some(3000.0)),
            (&[("X-RateLimit-Reset-After", "1.25"), ("X-RateLimit-Reset", "1705334460")], 429, Some(1250.0)),
            (&[("X-RateLimit-Reset", "1705334460")], 429, Some(60_000.0)),
            // The server's clock is 10 s behind ours: the offset is taken out.
            (&[("X-RateLimit-Reset", "1705334460"), ("Date", "Mon, 15 Jan 2024 15:59:50 GMT")], 429, Some(70_000.0)),
            // Reset in epoch milliseconds and as plain seconds.
            (&[("X-RateLimit-Reset", "1705334405000")], 429, Some(5000.0)),
            (&[("X-RateLimit-Reset", "7")], 429, Some(7000.0)),
            // A reset in the past means no wait.
            (&[("X-RateLimit-Reset", "1705330000")], 429, Some(0.0)),
            // Reset headers count only when the window is spent.
            (&[("X-RateLimit-Reset-After", "5"), ("X-RateLimit-Remaining", "3")], 503, None),
            (&[("X-RateLimit-Reset-After", "5"), ("X-RateLimit-Remaining", "0")], 503, Some(5000.0)),
            (&[("RateLimit", "\"d\";r=0;t=4")], 503, Some(4000.0)),
            (&[("RateLimit", "\"d\";r=2;t=4")], 503, None),
            (&[("Retry-After", "-1")], 429, None),
            (&[("Retry-After", "1e12")], 429, None),
            (&[("Retry-After", "3, 5")], 429, Some(3000.0)),
            (&[("Retry-After", "Mon, 15 Jan 2024 16:00:05 GMT")], 429, Some(5000.0)),
            (&[("Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT")], 429, Some(4_133_980_799_000.0 - NOW)),
            (&[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")], 503, Some(0.0)),
            (&[], 429, None),
        ];
        for (pairs, status, want) in cases {
            assert_eq!(read(pairs).server_wait_ms(*status), *want, "{pairs:?} {status}");
        }
    }

    #[test]
    fn state_from_headers() {
        let h = read(&[
            ("X-RateLimit-Limit", "1000"),
            ("X-RateLimit-Remaining", "847"),
            ("X-RateLimit-Reset", "1705336545"),
            ("X-RateLimit-Reset-After", "2145"),
        ]);
        let s = h.state(NOW).unwrap();
        assert_eq!((s.limit, s.remaining, s.reset_at, s.observed_at, s.learned), (1000.0, 847.0, Some(NOW + 2_145_000.0), NOW, false));
        let s = read(&[("X-RateLimit-Remaining", "5"), ("X-RateLimit-Reset", "1705334410")]).state(NOW).unwrap();
        assert_eq!((s.limit, s.reset_at), (5.0, Some(NOW + 10_000.0)));
        assert_eq!(read(&[("Content-Type", "text/plain")]).state(NOW), None);
        // Retry-After: 0 beside a window that resets in 100 s: come back now.
        let s = read(&[("Retry-After", "0"), ("X-RateLimit-Reset-After", "100"), ("X-RateLimit-Remaining", "0")]).state(NOW).unwrap();
        assert_eq!(s.reset_at, Some(NOW));
        assert!(!read(&[]).any());
    }

    #[test]
    fn a_spent_403_is_a_429() {
        // GitHub's primary limit: 403 with X-RateLimit-Remaining: 0 and an epoch reset.
        let h = read(&[("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1705334430")]);
        assert_eq!(h.acted_status(403), 429);
        assert_eq!(h.server_wait_ms(h.acted_status(403)), Some(30_000.0));
        assert_eq!(read(&[("x-ratelimit-remaining", "1")]).acted_status(403), 403);
        assert_eq!(read(&[]).acted_status(403), 403);
        assert_eq!(h.acted_status(404), 404);
    }
}

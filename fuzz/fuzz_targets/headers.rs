//! Header values from a server are untrusted text: every parser must answer, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use polite_fetch::headers::*;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let now = 1_705_334_400_000.0;
    let _ = parse_non_negative(&text);
    let _ = parse_retry_after(&text, now);
    let _ = parse_http_date(&text);
    // The structured-field reader (draft 8): the tightest item, and its policy's q by name.
    let field = parse_ratelimit_field(&text);
    if let Some(q) = policy_limit(&text, field.name) {
        assert!(q >= 0.0, "a policy's limit is a non-negative number");
    }
    // "name: value" lines as a response's headers.
    let pairs: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim(), v.trim())).collect();
    let read = RateHeaders::read(&pairs[..], now);
    for status in [200, 429, 503] {
        if let Some(wait) = read.server_wait_ms(status) {
            assert!(wait >= 0.0 && !wait.is_nan(), "a wait is never negative or NaN");
        }
    }
    if let Some(state) = read.state(now) {
        assert!(state.remaining >= 0.0 && state.limit >= 0.0);
    }
    let snapshot = HeaderSnapshot::new(text.replace('\r', ""));
    let _ = (snapshot.status(), snapshot.kind(), snapshot.status_text());
    for header in 0..=READ_HEADERS.len() {
        let _ = snapshot.get(header);
    }
});

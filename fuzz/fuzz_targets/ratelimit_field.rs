//! The structured-field reader (draft 8's `RateLimit` and `RateLimit-Policy`, draft 7's dictionary): a field a
//! server sends is untrusted text. Whatever it holds, the reader answers without a panic, picks the tightest item,
//! and describes a window with finite, non-negative numbers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use polite_fetch::headers::*;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first line is the RateLimit field, the rest the RateLimit-Policy field.
    let (field_text, policy_text) = text.split_once('\n').unwrap_or((&text, ""));
    let field = parse_ratelimit_field(field_text);
    for n in [field.remaining, field.reset_seconds, field.limit].into_iter().flatten() {
        assert!(n.is_finite() && n >= 0.0, "a field's number is finite and non-negative: {n}");
    }
    // The tightest item: no member of a structured field has fewer requests left than the one chosen. The `;`
    // keeps a member read as an item (a member alone without one would be read as draft 7's dictionary).
    if field_text.contains(';') {
        for member in field_text.split(',') {
            let item = format!("{member};");
            if let (Some(least), Some(r)) = (field.remaining, parse_ratelimit_field(&item).remaining) {
                assert!(least <= r, "item with r={r} is tighter than the chosen r={least}");
            }
        }
    }
    if let Some(q) = policy_limit(policy_text, field.name) {
        assert!(q.is_finite() && q >= 0.0, "a policy's limit is finite and non-negative: {q}");
    }
    let now = 1_705_334_400_000.0;
    let headers = [("RateLimit", field_text), ("RateLimit-Policy", policy_text)];
    let read = RateHeaders::read(&headers[..], now);
    if let Some(state) = read.state(now) {
        assert!(state.remaining >= 0.0 && state.limit >= 0.0 && state.remaining.is_finite() && state.limit.is_finite());
        if let Some(reset_at) = state.reset_at {
            assert!(reset_at.is_finite() && reset_at >= now, "a reset is finite and not in the past: {reset_at}");
        }
    }
    for status in [200, 429] {
        if let Some(wait) = read.server_wait_ms(status) {
            assert!(wait.is_finite() && wait >= 0.0, "a wait is finite and never negative: {wait}");
        }
    }
});

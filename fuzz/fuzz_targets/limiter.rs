//! Any sequence of admissions, answers (with any rate headers), cooldowns and cancellations: the limiter never
//! panics, and never asks to wait for an answer when nothing is in flight.
#![no_main]
use libfuzzer_sys::fuzz_target;
use polite_fetch::headers::RateHeaders;
use polite_fetch::limiter::{Admission, Limiter};
use polite_fetch::options::RateWindow;

fuzz_target!(|data: &[u8]| {
    let windows = match data.first() {
        Some(b) if b % 3 == 0 => vec![RateWindow { requests: 1 + u32::from(b % 7), per_ms: 50.0 }],
        Some(b) if b % 3 == 1 => vec![RateWindow { requests: 2, per_ms: 10.0 }, RateWindow { requests: 1 + u32::from(*b), per_ms: 1000.0 }],
        _ => Vec::new(),
    };
    let mut limiter = Limiter::new(&windows, data.get(1).map(|b| u32::from(b % 4) + 1).filter(|_| data.len() % 2 == 0)).with_adaptive(data.len() % 3 != 0, if data.len() % 5 == 0 { 50.0 } else { f64::INFINITY });
    let mut tickets = Vec::new();
    let mut now = 0.0;
    for chunk in data.chunks(3).skip(1) {
        now += f64::from(chunk[0]);
        match chunk.get(1).copied().unwrap_or(0) % 4 {
            0 => match limiter.admit(now) {
                Admission::Go(t) => tickets.push(t),
                Admission::WaitForAnswer => assert!(limiter.in_flight() > 0, "waiting for an answer that cannot come"),
                Admission::WaitUntil(at) => assert!(at > now || at.is_nan() == false),
            },
            1 => {
                if let Some(t) = tickets.pop() {
                    let v = chunk.get(2).copied().unwrap_or(0);
                    let remaining = (v % 5).to_string();
                    let reset = (v / 5).to_string();
                    let pairs = [("x-ratelimit-remaining", remaining.as_str()), ("x-ratelimit-reset-after", reset.as_str()), ("x-ratelimit-limit", "3")];
                    let described = v % 2 == 0;
                    let status = [200u16, 429, 503, 204][usize::from(v % 4)];
                    let headers = if described { RateHeaders::read(&pairs[..], now) } else { RateHeaders::default() };
                    limiter.finish_with_status(t, now, Some(&headers), Some(status));
                }
            }
            2 => limiter.cool_down(now + f64::from(chunk.get(2).copied().unwrap_or(0)) * 10.0),
            _ => {
                if let Some(t) = tickets.pop() {
                    limiter.cancel(t);
                }
            }
        }
    }
});

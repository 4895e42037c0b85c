//! Any stored text (what another program, an older version or a broken storage left under our key): reading it
//! never panics; what reads is written back the same, and restoring it never holds a request longer than the wait
//! allowed, nor makes the limiter ask for an answer that cannot come.
#![no_main]
use libfuzzer_sys::fuzz_target;
use polite_fetch::limiter::{Admission, Limiter};
use polite_fetch::options::RateWindow;
use polite_fetch::persist::{decode, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let id = "0123456789abcdef";
    // Also as our own head, so that the numbers behind it are reached.
    for candidate in [text.to_string(), format!("pf1 {id} {text}")] {
        let Some(saved) = decode(&candidate, id) else { continue };
        assert_eq!(decode(&encode(&saved, id), id).map(|s| encode(&s, id)), Some(encode(&saved, id)), "{candidate:?}");
        let now = 1_700_000_000_000.0;
        let max_wait_ms = 60_000.0;
        for windows in [vec![], vec![RateWindow { requests: 3, per_ms: 1000.0 }]] {
            let mut limiter = Limiter::new(&windows, None).with_adaptive(true, max_wait_ms);
            limiter.restore(&saved, now, max_wait_ms);
            match limiter.admit(now) {
                Admission::WaitUntil(at) => assert!(at - now <= max_wait_ms.max(1000.0) && at > now, "restored a wait of {} ms", at - now),
                Admission::WaitForAnswer => panic!("waiting for an answer with nothing in flight"),
                Admission::Go(_) => {}
            }
        }
    }
});

//! What `persist` keeps of a quota across a reload, and its stored text. [`Saved`] is taken from a limiter and given
//! back to the next one ([`crate::core::limiter::Limiter::save`] and `restore`); here it is written and read.
//!
//! The text is one line of whole numbers (times in ms since the epoch) after a head naming the format and the API:
//! `pf1 <id of baseUrl> <cooldown> <limit> <available> <reset> <capacity‰> <period> <ceiling‰> <learned at>`, then per
//! pacing window `<requests> <per ms> <count> <times...>`; 0 stands for "none". No URL is stored, so no query and no
//! credential can be: the API is named by a hash of its `baseUrl`. Anything that does not read exactly (another
//! format, another API, a value some other program wrote, one cut short) reads as nothing.

use crate::core::text::{self, fnv64, FNV_BASIS};

/// The format's name: a stored value of another is ignored (and overwritten by the next save).
const FORMAT: &str = "pf1";
/// A longer stored value is not read at all (a 5 MB value must not cost a parse).
pub const MAX_STORED_LEN: usize = 256 * 1024;

/// A quota's state worth keeping, with absolute times (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Saved {
    /// A 429's cooldown, when one runs.
    pub cooldown_until: Option<f64>,
    /// The server's window: `(limit, available, reset_at)`.
    pub server: Option<(f64, f64, f64)>,
    /// Each configured pacing window, `(requests, per_ms)`, with when each request it counts stops counting.
    pub pacing: Vec<((u32, f64), Vec<f64>)>,
    /// A learned rate: `(capacity, period_ms, ceiling, learned_at)`; `ceiling` infinite when none was found.
    pub learned: Option<(f64, f64, f64, f64)>,
}

/// A short id of `base_url` (FNV-1a, 64 bits, in hex): which API a stored value belongs to, without the URL.
pub fn base_id(base_url: &str) -> String {
    let hash = fnv64(FNV_BASIS, base_url.as_bytes());
    let mut out = String::with_capacity(16);
    text::push_hex(&mut out, hash, 16);
    out
}

/// Writes ` n` (rounded up, at least 0, at most 10^15: below 2^50, where thousandths read back round exactly) in
/// decimal.
fn push_whole(out: &mut String, n: f64) {
    out.push_str(" ");
    text::push_decimal(out, if n.is_finite() && n > 0.0 { n.ceil().min(1e15) as u64 } else { 0 });
}

/// A whole number written in decimal digits, nothing else; `None` when it is not one (or too long to be finite).
fn whole(part: &str) -> Option<f64> {
    let mut n = 0f64;
    for b in part.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10.0 + (b - b'0') as f64;
    }
    (!part.is_empty() && n.is_finite()).then_some(n)
}

/// The stored text of `saved` for the API `id` ([`base_id`]).
pub fn encode(saved: &Saved, id: &str) -> String {
    let mut out = String::from(FORMAT);
    out.push_str(" ");
    out.push_str(id);
    let (limit, available, reset_at) = saved.server.unwrap_or_default();
    // Thousandths: a capacity of 9.9 a period is worth keeping as it is. Rounded to the nearest, not up: 1028.448
    // read back is 1028448.0000000001 thousandths, and rounding that up would drift by one on every save. Below 2^50
    // (push_whole's cap) the error of /1000 then *1000 stays under 0.5, so the nearest is exact.
    let (capacity, period_ms, ceiling, at) = saved.learned.unwrap_or_default();
    let thousandths = |n: f64| (n * 1000.0).round_ties_even();
    let ceiling = if ceiling.is_finite() { thousandths(ceiling) } else { 0.0 };
    for n in [saved.cooldown_until.unwrap_or(0.0), limit, available, reset_at, thousandths(capacity), period_ms, ceiling, at] {
        push_whole(&mut out, n);
    }
    for ((requests, per_ms), times) in &saved.pacing {
        for n in [*requests as f64, *per_ms, times.len() as f64].iter().chain(times) {
            push_whole(&mut out, *n);
        }
    }
    out
}

/// Reads a stored text for the API `id`; `None` when it is not exactly one of ours, for this API.
pub fn decode(text: &str, id: &str) -> Option<Saved> {
    if text.len() > MAX_STORED_LEN {
        return None;
    }
    let mut parts = text::split_any(text, b" ");
    if parts.next()? != FORMAT || parts.next()? != id {
        return None;
    }
    let mut numbers = Vec::new();
    for part in parts {
        numbers.push(whole(part)?);
    }
    let [cooldown, limit, available, reset_at, capacity, period_ms, ceiling, at, ref rest @ ..] = numbers[..] else { return None };
    let mut rest = rest;
    let some = |n: f64| (n > 0.0).then_some(n);
    let mut saved = Saved {
        cooldown_until: some(cooldown),
        server: some(reset_at).map(|reset_at| (limit, available, reset_at)),
        pacing: Vec::new(),
        learned: some(period_ms).map(|period_ms| (capacity / 1000.0, period_ms, some(ceiling).map_or(f64::INFINITY, |c| c / 1000.0), at)),
    };
    while let &[requests, per_ms, count, ref tail @ ..] = rest {
        let count = count as usize;
        if requests < 1.0 || requests > u32::MAX as f64 || count as f64 > requests || count > tail.len() {
            return None;
        }
        saved.pacing.push(((requests as u32, per_ms), tail[..count].to_vec()));
        rest = &tail[count..];
    }
    rest.is_empty().then_some(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Saved {
        Saved {
            cooldown_until: Some(1_700_000_005_000.0),
            server: Some((100.0, 37.0, 1_700_000_060_000.0)),
            pacing: vec![((300, 60_000.0), vec![1_700_000_001_000.0, 1_700_000_002_500.0]), ((5000, 86_400_000.0), vec![])],
            learned: Some((9.9, 1000.0, f64::INFINITY, 1_699_999_990_000.0)),
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let id = base_id("https://api.example.com/v2");
        for saved in [full(), Saved::default(), Saved { learned: Some((4.5, 250.0, 6.0, 10.0)), ..Saved::default() }] {
            let text = encode(&saved, &id);
            assert_eq!(decode(&text, &id), Some(saved.clone()), "{text}");
        }
        assert_eq!(encode(&Saved::default(), "ab"), "pf1 ab 0 0 0 0 0 0 0 0");
        assert_eq!(encode(&Saved { cooldown_until: Some(12.2), ..Saved::default() }, "ab"), "pf1 ab 13 0 0 0 0 0 0 0", "times round up");
        // Thousandths read back are not exact in binary; writing them again gives the same text, every time.
        let drifting = format!("pf1 {id} 0 0 0 0 1028448 1000 1028449 5");
        let again = encode(&decode(&drifting, &id).unwrap(), &id);
        assert_eq!(again, drifting);
        assert_eq!(encode(&decode(&again, &id).unwrap(), &id), drifting);
        let huge = format!("pf1 {id} 0 0 0 0 8999999999999999 1000 123456789012345678901 5");
        let once = encode(&decode(&huge, &id).unwrap(), &id);
        assert_eq!(once, format!("pf1 {id} 0 0 0 0 1000000000000000 1000 1000000000000000 5"));
        assert_eq!(encode(&decode(&once, &id).unwrap(), &id), once);
        let paced = Saved { pacing: vec![((3, 1000.0), vec![5.0, 6.0]), ((2, 50.0), vec![])], ..Saved::default() };
        assert_eq!(encode(&paced, "ab"), "pf1 ab 0 0 0 0 0 0 0 0 3 1000 2 5 6 2 50 0");
    }

    #[test]
    fn another_api_or_format_or_anything_odd_reads_as_nothing() {
        let id = base_id("https://api.example.com/v2");
        let text = encode(&full(), &id);
        let table: Vec<String> = vec![
            String::new(),
            "5".into(),
            "null".into(),
            "{\"cooldown\":1}".into(),
            text.replacen("pf1", "pf0", 1),
            text.replacen(&id, &base_id("https://api.example.com/v3"), 1),
            format!("{text} 1"),
            format!("{text} "),
            format!("{text}\n"),
            text.replacen(" ", "  ", 3),
            format!("pf1 {id} 0 0 0 0 0 0 0"),
            format!("pf1 {id} -1 0 0 0 0 0 0 0"),
            format!("pf1 {id} 1.5 0 0 0 0 0 0 0"),
            format!("pf1 {id} 1e9 0 0 0 0 0 0 0"),
            format!("pf1 {id} {} 0 0 0 0 0 0 0", "9".repeat(400)),
            format!("pf1 {id} 0 0 0 0 0 0 0 0 2 1000 3 1 2 3"),
            format!("pf1 {id} 0 0 0 0 0 0 0 0 0 1000 0"),
            format!("pf1 {id} 0 0 0 0 0 0 0 0 5 1000 2 1"),
            format!("pf1 {id} 0 0 0 0 0 0 0 0 9999999 1000 100000{}", " 1".repeat(MAX_STORED_LEN / 2)),
        ];
        for bad in &table {
            assert_eq!(decode(bad, &id), None, "{:?}", &bad[..bad.len().min(80)]);
        }
    }

    #[test]
    fn the_api_is_named_by_a_hash_not_its_url() {
        let id = base_id("https://user:secret@api.example.com/v2?key=sk-123");
        assert_eq!(id.len(), 16);
        assert!(!encode(&full(), &id).contains("example") && !encode(&full(), &id).contains("sk-123"));
        assert_ne!(base_id("https://a.example"), base_id("https://b.example"));
        assert_eq!(base_id("https://a.example"), base_id("https://a.example"));
    }
}

//! Any `Link` field values and response URL: reading them never panics, every link read has its target from
//! between `<` and `>`, and the next page, when there is one, is an absolute URL.
#![no_main]
use libfuzzer_sys::fuzz_target;
use polite_fetch::link::{next_link, parse_links};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (url, fields) = text.split_once('\n').unwrap_or(("https://api.example.com/v1/items?page=1", text));
    let fields: Vec<&str> = fields.split('\n').collect();
    for field in &fields {
        for link in parse_links(field) {
            assert!(!link.target.contains('>'), "{field:?}");
        }
    }
    if let Some(next) = next_link(&fields, url) {
        assert!(next.contains("://") || next.contains(':'), "{next:?} from {fields:?}");
    }
});

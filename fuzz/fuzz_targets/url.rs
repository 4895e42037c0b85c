//! baseUrl and request paths come from callers: parsing and resolving must never panic, and whatever resolves must
//! stay on the base origin, and a path (not an absolute URL) under baseUrl's path prefix with no dot segment left.
#![no_main]
use libfuzzer_sys::fuzz_target;
use polite_fetch::url::*;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (base_text, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let (path, query) = rest.split_once('\n').unwrap_or((rest, ""));
    let _ = path_of(&text);
    let base = match parse_base_url(base_text) {
        Ok(base) => base,
        Err(_) => parse_base_url("https://api.example.com/v2").unwrap(),
    };
    if let Ok(mut url) = resolve(&base, path) {
        assert!(is_same_origin(&base, &url), "{url} left {}", base.origin);
        if !path.contains("://") {
            let under = format!("{}{}", base.origin, base.prefix);
            assert!(url.starts_with(&under), "{url} is not under {under}");
            let rest = url[under.len()..].split('?').next().unwrap_or("").to_ascii_lowercase();
            for segment in rest.split(['/', '\\']) {
                // As the runtime's URL parser sees it: tabs and newlines dropped.
                let segment: String = segment.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
                assert!(!matches!(segment.as_str(), "." | ".." | "%2e" | ".%2e" | "%2e." | "%2e%2e"), "{url} keeps a dot segment");
            }
        }
        let pairs: Vec<(String, String)> = query.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        append_query(&mut url, &pairs);
        let _ = path_of(&url);
    }
});

//! URL handling for the client: parsing `baseUrl`, resolving a request path under it, keeping every request (and
//! so every credential) on the base origin, and encoding the `query` option.
//!
//! No URL crate: the few rules we need fit in a page, and a general URL parser would cost users tens of kilobytes.
//! The runtime's own URL parser (inside `fetch`) still normalises what we hand it; we only decide the origin.

use crate::core::text::{all_bytes, before_any, find_any, is_one_of};

/// A validated `baseUrl`: an http(s) origin with no user or password, and a path prefix that requests go under.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BaseUrl {
    /// `scheme://host[:port]`, scheme and host lower-cased, default port left out.
    pub origin: String,
    /// The path prefix without a trailing slash ("" for none), e.g. "/api/v2".
    pub prefix: String,
}

/// Why a path was refused; each becomes a `TypeError` at the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// `baseUrl` is not an absolute http(s) URL with a host.
    NotHttp,
    /// `baseUrl` carries a user name or password.
    HasCredentials,
    /// The path names another origin (absolute or protocol-relative URL).
    OtherOrigin,
    /// The path's dot segments (`..`, `%2e%2e`) climb above baseUrl's path prefix.
    AbovePrefix,
}

impl UrlError {
    /// The sentence for the `TypeError`.
    pub fn message(self) -> &'static str {
        match self {
            UrlError::NotHttp => "baseUrl must be an absolute http(s) URL, e.g. \"https://api.example.com\"",
            UrlError::HasCredentials => {
                "baseUrl must not carry a user or password; use apiKey or token for credentials"
            }
            UrlError::OtherOrigin => {
                "path leaves baseUrl's origin; credentials are only sent to baseUrl's origin"
            }
            UrlError::AbovePrefix => {
                "path climbs above baseUrl's path (\"..\"); credentials are only sent under baseUrl"
            }
        }
    }
}

/// Splits `scheme://authority` off an absolute http(s) URL: (origin, rest starting at the path).
/// `None` when it is not http(s) or has no host; `Err` when the authority carries user info.
fn split_origin(url: &str) -> Result<Option<(String, &str)>, UrlError> {
    let lower_scheme_len = if starts_with_ignore_case(url, "https://") {
        8
    } else if starts_with_ignore_case(url, "http://") {
        7
    } else {
        return Ok(None);
    };
    let https = lower_scheme_len == 8;
    let after = &url[lower_scheme_len..];
    // A backslash ends the authority too: URL parsers treat it as '/' in http(s) URLs.
    let end = find_any(after, b"/?#\\");
    let authority = &after[..end];
    if find_any(authority, b"@") < authority.len() {
        return Err(UrlError::HasCredentials);
    }
    let (host, port) = split_host_port(authority);
    if !valid_host(host) {
        return Ok(None);
    }
    if !all_bytes(port, |c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let mut origin = String::with_capacity(lower_scheme_len + authority.len());
    origin.push_str(if https { "https://" } else { "http://" });
    origin.push_str(&host.to_ascii_lowercase());
    let default_port = if https { "443" } else { "80" };
    if !port.is_empty() && port != default_port {
        origin.push_str(":");
        origin.push_str(port);
    }
    Ok(Some((origin, &after[end..])))
}

/// A host name (letters, digits, `-._~%` and the sub-delimiters, non-ASCII for IDNs) or a bracketed IPv6
/// address; nothing that a URL parser would read differently (a stray `:`, spaces, controls).
fn valid_host(host: &str) -> bool {
    let b = host.as_bytes();
    if let [b'[', inner @ .., b']'] = b {
        return !inner.is_empty() && inner.iter().all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
    }
    // Bytes, not chars: non-ASCII letters pass for IDNs (unicode's letter tables would cost 2.5 KB, and the
    // runtime's URL parser refuses what is no host), but not the C1 controls and unicode spaces.
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let allowed = if c.is_ascii() { c.is_ascii_alphanumeric() || is_one_of(c, b"-._~%!$&'()*+,;=") } else { !is_space_or_control(&b[i..]) };
        if !allowed {
            return false;
        }
        i += 1;
    }
    !b.is_empty()
}

/// True when `utf8` starts with a C1 control (U+0080-U+009F) or a non-ASCII unicode space (`char::is_whitespace`:
/// U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), read from its UTF-8 bytes.
fn is_space_or_control(utf8: &[u8]) -> bool {
    match utf8 {
        [0xC2, 0x80..=0xA0, ..] | [0xE1, 0x9A, 0x80, ..] | [0xE2, 0x81, 0x9F, ..] | [0xE3, 0x80, 0x80, ..] => true,
        [0xE2, 0x80, c, ..] => *c <= 0x8A || *c == 0xA8 || *c == 0xA9 || *c == 0xAF,
        _ => false,
    }
}

/// Splits "host:port" (IPv6 hosts keep their brackets); the port is "" when absent.
fn split_host_port(authority: &str) -> (&str, &str) {
    let search_from = authority.bytes().rposition(|b| b == b']').unwrap_or(0);
    match authority[search_from..].bytes().rposition(|b| b == b':') {
        Some(i) => (&authority[..search_from + i], &authority[search_from + i + 1..]),
        None => (authority, ""),
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Parses and validates the `baseUrl` option.
pub fn parse_base_url(input: &str) -> Result<BaseUrl, UrlError> {
    let input = input.trim_ascii();
    let (origin, rest) = split_origin(input)?.ok_or(UrlError::NotHttp)?;
    // The prefix is the path only: a query or fragment on baseUrl has no meaning for requests under it.
    let mut prefix = before_any(rest, b"?#");
    while prefix.as_bytes().last() == Some(&b'/') {
        prefix = &prefix[..prefix.len() - 1];
    }
    let prefix = prefix.to_string();
    Ok(BaseUrl { origin, prefix })
}

/// True when `path` has a URL scheme ("https:", "mailto:", ...), i.e. is an absolute URL rather than a path.
#[inline(never)]
fn has_scheme(path: &str) -> bool {
    let mut bytes = path.bytes();
    match bytes.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    for c in bytes {
        match c {
            b':' => return true,
            c if c.is_ascii_alphanumeric() || is_one_of(c, b"+-.") => {}
            _ => return false,
        }
    }
    false
}

/// Resolves a request `path` under `base`: "/x" and "x" both go under the prefix; an absolute URL is allowed only
/// on the same origin; a protocol-relative one ("//other/x") is refused. The fragment is dropped (never sent).
/// Dot segments are resolved here, as the runtime's URL parser would, so that none climbs above the prefix.
pub fn resolve(base: &BaseUrl, path: &str) -> Result<String, UrlError> {
    resolve_in(base, path, false)
}

/// [`resolve`], or with `under` [`resolve_under`]: one function for both, since the wasm build needs both.
#[inline(never)]
pub fn resolve_in(base: &BaseUrl, path: &str, under: bool) -> Result<String, UrlError> {
    let path = before_any(path, b"#");
    if has_scheme(path) {
        let rest = match split_origin(path) {
            Ok(Some((origin, rest))) if origin == base.origin => rest,
            _ => return Err(UrlError::OtherOrigin),
        };
        if !under {
            return Ok(path.to_string());
        }
        let tail = rest.get(base.prefix.len()..).filter(|_| rest.as_bytes().starts_with(base.prefix.as_bytes()));
        return match tail.filter(|tail| matches!(tail.as_bytes().first(), None | Some(b'/' | b'?'))) {
            Some(tail) => resolve_in(base, tail, false),
            None => Err(UrlError::AbovePrefix),
        };
    }
    let b = path.as_bytes();
    let is_sep = |c: u8| c == b'/' || c == b'\\';
    if b.len() >= 2 && is_sep(b[0]) && is_sep(b[1]) {
        return Err(UrlError::OtherOrigin);
    }
    let relative = if matches!(b.first(), Some(b'/' | b'\\')) { &path[1..] } else { path };
    let (segments, query) = relative.split_at(find_any(relative, b"?"));
    let mut url = String::with_capacity(base.origin.len() + base.prefix.len() + relative.len() + 1);
    url.push_str(&base.origin);
    url.push_str(&base.prefix);
    if !segments.is_empty() || query.is_empty() || base.prefix.is_empty() {
        url.push_str("/");
    }
    if !segments.is_empty() {
        push_segments(&mut url, segments)?;
    }
    url.push_str(query);
    Ok(url)
}

/// Resolves a next page's target as [`resolve`] does, but an absolute URL must also stay under baseUrl's path
/// prefix, dot segments included ("https://h/api/v2/../x" is above "/api/v2"): pagination follows what a server
/// sent, and credentials go only under baseUrl.
pub fn resolve_under(base: &BaseUrl, target: &str) -> Result<String, UrlError> {
    resolve_in(base, target, true)
}

/// Appends `segments` (a relative path, '/' or '\\' between segments) to `url`, which ends in '/', with its dot
/// segments resolved; `AbovePrefix` when a ".." has nothing left to remove.
fn push_segments(url: &mut String, segments: &str) -> Result<(), UrlError> {
    let root = url.len();
    let mut start = 0;
    loop {
        let end = segments.as_bytes()[start..].iter().position(|&b| b == b'/' || b == b'\\').map_or(segments.len(), |i| start + i);
        let segment = &segments[start..end];
        let last = end == segments.len();
        // Each kept segment is followed by '/'; ".." removes the last one, and "a/.." ends as the directory "a/".
        match dots(segment) {
            2 if url.len() == root => return Err(UrlError::AbovePrefix),
            2 => {
                let cut = url.as_bytes()[..url.len() - 1].iter().rposition(|&b| b == b'/').map_or(root, |i| i + 1);
                url.truncate(cut.max(root));
            }
            1 => {}
            _ => {
                url.push_str(segment);
                if last {
                    return Ok(());
                }
                url.push_str("/");
            }
        }
        if last {
            return Ok(());
        }
        start = end + 1;
    }
}

/// 1 for a single-dot segment ("." or "%2e"), 2 for a double-dot one (".." and its encodings, any case), else 0.
/// Tabs and newlines do not count: the URL parser drops them anywhere (".\t./x" is "../x").
fn dots(segment: &str) -> u8 {
    let mut seen = [0u8; 6];
    let mut n = 0;
    for &b in segment.as_bytes() {
        if matches!(b, b'\t' | b'\n' | b'\r') {
            continue;
        }
        if n == seen.len() {
            return 0;
        }
        seen[n] = b.to_ascii_lowercase();
        n += 1;
    }
    match &seen[..n] {
        b"." | b"%2e" => 1,
        b".." | b".%2e" | b"%2e." | b"%2e%2e" => 2,
        _ => 0,
    }
}

/// True when an absolute URL (e.g. a redirect's target) is on `base`'s origin.
pub fn is_same_origin(base: &BaseUrl, url: &str) -> bool {
    matches!(split_origin(url), Ok(Some((origin, _))) if origin == base.origin)
}

/// The path of an absolute URL without query or fragment, for error messages ("/api/x").
pub fn path_of(url: &str) -> &str {
    let rest = match crate::core::text::find(url, "://") {
        Some(i) => {
            let after = &url[i + 3..];
            &after[find_any(after, b"/?#")..]
        }
        None => url,
    };
    let end = find_any(rest, b"?#");
    if end == 0 {
        "/"
    } else {
        &rest[..end]
    }
}

/// Appends `key=value` pairs to `url`, percent-encoded like `encodeURIComponent`, after `?` or `&` as needed.
pub fn append_query(url: &mut String, pairs: &[(String, String)]) {
    for (key, value) in pairs {
        url.push_str(if find_any(url, b"?") < url.len() { "&" } else { "?" });
        percent_encode(key, url);
        url.push_str("=");
        percent_encode(value, url);
    }
}

/// `encodeURIComponent`: every byte outside A-Z a-z 0-9 `-_.!~*'()` is written as %XX of its UTF-8.
pub fn percent_encode(input: &str, out: &mut String) {
    // One-byte `&str`s, not `char`s: no UTF-8 encoder for a char in the wasm build.
    const HEX: &str = "0123456789ABCDEF";
    for (i, &byte) in input.as_bytes().iter().enumerate() {
        if byte.is_ascii_alphanumeric() || is_one_of(byte, b"-_.!~*'()") {
            out.push_str(&input[i..i + 1]);
        } else {
            let (high, low) = ((byte >> 4) as usize, (byte & 15) as usize);
            out.push_str("%");
            out.push_str(&HEX[high..high + 1]);
            out.push_str(&HEX[low..low + 1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> BaseUrl {
        parse_base_url(s).unwrap()
    }

    #[test]
    fn non_ascii_spaces_and_controls_by_bytes() {
        // The byte test agrees with `char::is_control() || char::is_whitespace()` on every non-ASCII character.
        let mut buf = [0u8; 4];
        for c in (0x80..=0x10FFFFu32).filter_map(char::from_u32) {
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(is_space_or_control(bytes), c.is_control() || c.is_whitespace(), "U+{:04X}", c as u32);
        }
        assert!(valid_host("bücher.example") && valid_host("例え.jp"));
        for host in ["a\u{a0}b", "a\u{85}b", "a\u{3000}b", "a\u{2028}", "\u{202f}x", "x\u{200a}"] {
            assert!(!valid_host(host), "{host:?}");
        }
    }

    #[test]
    fn base_url_table() {
        let ok = [
            ("https://api.example.com", "https://api.example.com", ""),
            ("https://api.example.com/", "https://api.example.com", ""),
            ("HTTPS://API.Example.COM/api/v2/", "https://api.example.com", "/api/v2"),
            ("http://127.0.0.1:8080/x?y=1#z", "http://127.0.0.1:8080", "/x"),
            ("https://h:443/a", "https://h", "/a"),
            ("http://h:80", "http://h", ""),
            ("http://[::1]:9000/p", "http://[::1]:9000", "/p"),
            ("  https://h/p  ", "https://h", "/p"),
        ];
        for (input, origin, prefix) in ok {
            let b = parse_base_url(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
            assert_eq!((b.origin.as_str(), b.prefix.as_str()), (origin, prefix), "{input}");
        }
        let bad = [
            ("ftp://h/x", UrlError::NotHttp),
            ("/relative", UrlError::NotHttp),
            ("api.example.com", UrlError::NotHttp),
            ("https://", UrlError::NotHttp),
            ("https:///path", UrlError::NotHttp),
            ("https://h:abc/", UrlError::NotHttp),
            ("http://U::810:ttp://x", UrlError::NotHttp),
            ("http://a b/", UrlError::NotHttp),
            ("http://[zz]/", UrlError::NotHttp),
            ("https://user:pw@h/", UrlError::HasCredentials),
            ("https://user@h/", UrlError::HasCredentials),
            ("", UrlError::NotHttp),
            ("javascript:alert(1)", UrlError::NotHttp),
        ];
        for (input, err) in bad {
            assert_eq!(parse_base_url(input), Err(err), "{input}");
        }
    }

    #[test]
    fn resolve_table() {
        let b = base("https://h/api/v2");
        let cases = [
            ("/api/x", Ok("https://h/api/v2/api/x")),
            ("api/x", Ok("https://h/api/v2/api/x")),
            ("", Ok("https://h/api/v2/")),
            ("/", Ok("https://h/api/v2/")),
            ("x?a=1#frag", Ok("https://h/api/v2/x?a=1")),
            ("https://h/other", Ok("https://h/other")),
            ("HTTPS://H:443/other", Ok("HTTPS://H:443/other")),
            ("https://other/x", Err(UrlError::OtherOrigin)),
            ("http://h/x", Err(UrlError::OtherOrigin)),
            ("https://h.evil.com/x", Err(UrlError::OtherOrigin)),
            ("https://h@evil.com/x", Err(UrlError::OtherOrigin)),
            ("//other/x", Err(UrlError::OtherOrigin)),
            ("\\\\other/x", Err(UrlError::OtherOrigin)),
            ("/\\other/x", Err(UrlError::OtherOrigin)),
            ("mailto:a@b", Err(UrlError::OtherOrigin)),
            ("javascript:alert(1)", Err(UrlError::OtherOrigin)),
            ("@evil.com/x", Ok("https://h/api/v2/@evil.com/x")),
            // Dot segments: resolved as the URL parser would, and refused when they climb above the prefix.
            ("a/../b", Ok("https://h/api/v2/b")),
            ("a/./b/.", Ok("https://h/api/v2/a/b/")),
            ("a/%2E%2e/b?x=../..", Ok("https://h/api/v2/b?x=../..")),
            ("a/..", Ok("https://h/api/v2/")),
            ("a\\..\\b", Ok("https://h/api/v2/b")),
            ("...", Ok("https://h/api/v2/...")),
            ("..x/%2e%2e%2e", Ok("https://h/api/v2/..x/%2e%2e%2e")),
            ("../x", Err(UrlError::AbovePrefix)),
            ("..", Err(UrlError::AbovePrefix)),
            ("/..", Err(UrlError::AbovePrefix)),
            ("/a/../../x", Err(UrlError::AbovePrefix)),
            ("%2e%2e/x", Err(UrlError::AbovePrefix)),
            ("%2E%2E/x", Err(UrlError::AbovePrefix)),
            (".%2E/x", Err(UrlError::AbovePrefix)),
            ("%2e./x", Err(UrlError::AbovePrefix)),
            ("a/./../../x", Err(UrlError::AbovePrefix)),
            ("\\..\\x", Err(UrlError::AbovePrefix)),
            (".\t./x", Err(UrlError::AbovePrefix)),
            ("%2\ne%2e/x", Err(UrlError::AbovePrefix)),
            ("../x?q=1", Err(UrlError::AbovePrefix)),
            ("x\t?y", Ok("https://h/api/v2/x\t?y")),
        ];
        for (path, want) in cases {
            assert_eq!(resolve(&b, path).as_deref().map_err(|e| *e), want, "{path}");
        }
        let root = base("https://h");
        assert_eq!(resolve(&root, "/x").unwrap(), "https://h/x");
        assert_eq!(resolve(&root, "?q=1").unwrap(), "https://h/?q=1");
        assert_eq!(resolve(&root, "../x"), Err(UrlError::AbovePrefix));
        assert_eq!(resolve(&b, "?q=1").unwrap(), "https://h/api/v2?q=1");
        // A segment of any number of dots is cheap and never overflows a count.
        assert_eq!(resolve(&b, &".".repeat(1000)).unwrap(), format!("https://h/api/v2/{}", ".".repeat(1000)));
    }

    #[test]
    fn same_origin_and_path() {
        let b = base("http://127.0.0.1:8080/api");
        assert!(is_same_origin(&b, "http://127.0.0.1:8080/elsewhere"));
        assert!(!is_same_origin(&b, "http://127.0.0.1:8081/api"));
        assert!(!is_same_origin(&b, "https://127.0.0.1:8080/api"));
        assert!(!is_same_origin(&b, "/relative"));
        assert_eq!(path_of("https://h/api/x?token=secret#f"), "/api/x");
        assert_eq!(path_of("https://h"), "/");
        assert_eq!(path_of("https://h?x=1"), "/");
    }

    #[test]
    fn query_encoding() {
        let mut url = String::from("https://h/x");
        append_query(
            &mut url,
            &[
                ("a b".into(), "ż&=?/".into()),
                ("tag".into(), "1".into()),
                ("tag".into(), "2".into()),
            ],
        );
        assert_eq!(url, "https://h/x?a%20b=%C5%BC%26%3D%3F%2F&tag=1&tag=2");
        let mut url = String::from("https://h/x?k=v");
        append_query(&mut url, &[("n".into(), "true".into())]);
        assert_eq!(url, "https://h/x?k=v&n=true");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = ["", ":", "::::", "h:", "https:", "https:/", "https://[", "https://]:", "https://[::1", "\u{0}", "é:", "https://ż/ą", "http://a:1:2", "%", "?", "#"];
        let b = base("https://h/p");
        for s in odd {
            let _ = parse_base_url(s);
            let _ = resolve(&b, s);
            let _ = path_of(s);
            let _ = is_same_origin(&b, s);
        }
    }

    #[test]
    fn next_pages_stay_under_the_prefix() {
        let base = parse_base_url("https://h/api/v2").unwrap();
        let cases = [
            ("https://h/api/v2/items?page=2", Ok("https://h/api/v2/items?page=2")),
            ("https://h/api/v2?page=2", Ok("https://h/api/v2?page=2")),
            ("HTTPS://H/api/v2/items", Ok("https://h/api/v2/items")),
            ("https://h/api/v2/a/../b", Ok("https://h/api/v2/b")),
            ("https://h/api/v2/../x", Err(UrlError::AbovePrefix)),
            ("https://h/api/v2/%2e%2e/x", Err(UrlError::AbovePrefix)),
            ("https://h/api/v20/items", Err(UrlError::AbovePrefix)),
            ("https://h/api/items", Err(UrlError::AbovePrefix)),
            ("https://h/", Err(UrlError::AbovePrefix)),
            ("https://other/api/v2/items", Err(UrlError::OtherOrigin)),
            ("http://h/api/v2/items", Err(UrlError::OtherOrigin)),
            ("//other/api/v2", Err(UrlError::OtherOrigin)),
            ("items?page=2", Ok("https://h/api/v2/items?page=2")),
            ("../x", Err(UrlError::AbovePrefix)),
        ];
        for (target, want) in cases {
            assert_eq!(resolve_under(&base, target), want.map(String::from), "{target}");
        }
        let root = parse_base_url("https://h").unwrap();
        assert_eq!(resolve_under(&root, "https://h/x?p=2"), Ok("https://h/x?p=2".into()));
    }
}

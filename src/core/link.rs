//! The `Link` header (RFC 8288), as GitHub and GitLab send it for pagination: which target is the next page.
//! Several links in one field and in several fields, `rel` quoted or not, a `rel` list (`"next last"`), any case;
//! a relative target resolves against the response's URL (RFC 3986, section 5.2). Malformed links are skipped, the
//! rest still read; nothing here can panic (fuzzed: fuzz/fuzz_targets/link.rs).

/// One link of a `Link` field: its target as written, and its relation types in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The URI reference between `<` and `>`, as written.
    pub target: String,
    /// The first `rel` parameter's relation types, lower-cased (empty without one).
    pub rels: Vec<String>,
}

/// Reads the links of one `Link` field value. A link that does not read (no `<...>`, an unterminated quote) is
/// skipped up to the next comma outside quotes and angle brackets.
pub fn parse_links(value: &str) -> Vec<Link> {
    let mut links = Vec::new();
    each_link(value, |target, rel| {
        let text: Vec<u8> = Unescaped(rel, 0).collect();
        let rels = String::from_utf8_lossy(&text).split_ascii_whitespace().map(|r| r.to_ascii_lowercase()).collect();
        links.push(Link { target: target.to_string(), rels });
        false
    });
    links
}

/// Calls `found(target, first rel value)` for each link of `value` that reads, until it returns true; returns the
/// target it stopped at. The rel value is given as written (a quoted one without its quotes, its escapes kept):
/// one walk for both callers, with nothing copied (the wasm build keeps only this).
fn each_link<'a>(value: &'a str, mut found: impl FnMut(&'a str, &'a [u8]) -> bool) -> Option<&'a str> {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b',' || bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        match read_link(value, i) {
            Some((target, rel, end)) => {
                if found(target, rel) {
                    return Some(target);
                }
                i = end;
            }
            None => i = skip_to_comma(bytes, i),
        }
    }
    None
}

/// The first byte at or after `i` that is not whitespace (or the end).
fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Reads one link starting at `i` (`<target>` then `;` parameters): its trimmed target, its first `rel`
/// parameter's value as written (empty without one), and where the link ended, at a top-level comma or the end;
/// `None` when it does not read.
fn read_link(value: &str, i: usize) -> Option<(&str, &[u8], usize)> {
    let bytes = value.as_bytes();
    if bytes.get(i) != Some(&b'<') {
        return None;
    }
    let close = i + 1 + bytes[i + 1..].iter().position(|&b| b == b'>')?;
    let target = value.get(i + 1..close)?.trim_ascii();
    let mut i = close + 1;
    let mut rel: Option<&[u8]> = None;
    loop {
        i = skip_space(bytes, i);
        match bytes.get(i) {
            None | Some(b',') => break,
            Some(b';') => i = skip_space(bytes, i + 1),
            Some(_) => return None,
        }
        let name_start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b';' | b',') && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = &bytes[name_start..i];
        i = skip_space(bytes, i);
        let mut param: &[u8] = &[];
        if bytes.get(i) == Some(&b'=') {
            i = skip_space(bytes, i + 1);
            let quoted = bytes.get(i) == Some(&b'"');
            let start = i + usize::from(quoted);
            i = start;
            loop {
                match bytes.get(i) {
                    // An unterminated quoted string: the link does not read.
                    None if quoted => return None,
                    Some(b'"') if quoted => break,
                    Some(b'\\') if quoted => i += 1,
                    Some(b';' | b',') if !quoted => break,
                    Some(b) if !quoted && b.is_ascii_whitespace() => break,
                    None => break,
                    _ => {}
                }
                i += 1;
            }
            // A trailing backslash escapes nothing: unterminated too.
            param = bytes.get(start..i)?;
            i += usize::from(quoted);
        }
        // Only the first `rel` counts (RFC 8288, section 3.3).
        if rel.is_none() && name.eq_ignore_ascii_case(b"rel") {
            rel = Some(param);
        }
    }
    Some((target, rel.unwrap_or_default(), i))
}

/// The bytes of a quoted-string's content with its escapes undone (`\x` is `x`), from byte `.1` on.
struct Unescaped<'a>(&'a [u8], usize);

impl Iterator for Unescaped<'_> {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        let mut b = *self.0.get(self.1)?;
        if b == b'\\' {
            self.1 += 1;
            b = *self.0.get(self.1)?;
        }
        self.1 += 1;
        Some(b)
    }
}

/// True when a rel value as written (see [`each_link`]) lists the relation `next`, in any case.
fn lists_next(rel: &[u8]) -> bool {
    // How much of "next" the current relation matched; 5 once it is something else.
    let mut matched = 0;
    let mut bytes = Unescaped(rel, 0);
    loop {
        match bytes.next() {
            Some(b) if !b.is_ascii_whitespace() => {
                matched = if matched < 4 && b.to_ascii_lowercase() == b"next"[matched] { matched + 1 } else { 5 };
            }
            end => {
                if matched == 4 {
                    return true;
                }
                if end.is_none() {
                    return false;
                }
                matched = 0;
            }
        }
    }
}

/// Where the next link begins: after the next comma outside quotes and angle brackets (or the end).
fn skip_to_comma(bytes: &[u8], mut i: usize) -> usize {
    let (mut quoted, mut angled) = (false, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' if !angled => quoted = !quoted,
            b'<' if !quoted => angled = true,
            b'>' if !quoted => angled = false,
            b',' if !quoted && !angled => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The target of the first link with relation `next` in the `Link` fields `values` (in the order received), as
/// written; `None` when there is none. An empty target (`<>`, the page itself) is none: following it would fetch
/// the same page forever. Resolve it with [`resolve_reference`] (the wasm build hands it to the
/// runtime's URL parser instead, the one fetch itself uses: the same answers, 3 KB fewer).
pub fn next_target(values: &[&str]) -> Option<String> {
    values.iter().find_map(|value| each_link(value, |_, rel| lists_next(rel))).filter(|target| !target.is_empty()).map(str::to_string)
}

/// The target of the first link with relation `next` in the `Link` fields `values`, resolved against
/// `response_url`; `None` when there is none or it does not resolve.
pub fn next_link(values: &[&str], response_url: &str) -> Option<String> {
    next_target(values).and_then(|target| resolve_reference(response_url, &target))
}

/// Resolves a URI reference against an absolute `http:`/`https:` URL (RFC 3986, section 5.2, with dot segments
/// removed); `None` when the base is not such a URL or the reference is empty.
pub fn resolve_reference(base: &str, reference: &str) -> Option<String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return None;
    }
    let (scheme, rest) = base.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let base = base.split('#').next().unwrap_or(base);
    let authority_end = rest.find(['/', '?', '#']).map_or(base.len(), |i| scheme.len() + 3 + i);
    let origin = &base[..authority_end];
    let base_path_and_query = &base[authority_end..];
    let base_path = base_path_and_query.split('?').next().unwrap_or("");
    // A scheme of its own: absolute already.
    if let Some(colon) = reference.find(':') {
        let candidate = &reference[..colon];
        if !candidate.is_empty() && candidate.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) && !reference[..colon].contains(['/', '?', '#']) {
            let (scheme, after) = reference.split_at(colon + 1);
            return Some(match after.strip_prefix("//") {
                Some(net) => with_clean_path(&format!("{scheme}//"), net),
                None => reference.to_string(),
            });
        }
    }
    if let Some(net) = reference.strip_prefix("//") {
        return Some(with_clean_path(&format!("{scheme}://"), net));
    }
    if reference.starts_with('/') {
        return Some(format!("{origin}{}", clean_path_and_rest(reference)));
    }
    if reference.starts_with('?') {
        return Some(format!("{origin}{base_path}{reference}"));
    }
    if reference.starts_with('#') {
        return Some(format!("{}{reference}", base));
    }
    let directory = match base_path.rfind('/') {
        Some(i) => &base_path[..=i],
        None => "/",
    };
    Some(format!("{origin}{}", clean_path_and_rest(&format!("{directory}{reference}"))))
}

/// `prefix` + an authority and path with dot segments removed from the path.
fn with_clean_path(prefix: &str, net: &str) -> String {
    let path_start = net.find(['/', '?', '#']).unwrap_or(net.len());
    let (authority, rest) = net.split_at(path_start);
    format!("{prefix}{authority}{}", clean_path_and_rest(rest))
}

/// A path (with its query and fragment) with `.` and `..` segments removed (RFC 3986, section 5.2.4).
fn clean_path_and_rest(path_and_rest: &str) -> String {
    let split = path_and_rest.find(['?', '#']).unwrap_or(path_and_rest.len());
    let (path, rest) = path_and_rest.split_at(split);
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (n, segment) in segments.iter().enumerate() {
        let last = n + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut cleaned = out.join("/");
    if path.starts_with('/') && !cleaned.starts_with('/') {
        cleaned.insert(0, '/');
    }
    cleaned + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://api.example.com/v1/items?page=1";

    #[test]
    fn the_next_link_of_real_headers() {
        // (Link fields, the next page)
        let table: &[(&[&str], Option<&str>)] = &[
            // GitHub: several links in one field, quoted rel.
            (&[r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#], Some("https://api.github.com/repositories/1/issues?page=2")),
            // The next one second, or in a field of its own.
            (&[r#"<https://x.test/a?page=1>; rel="prev", <https://x.test/a?page=3>; rel="next""#], Some("https://x.test/a?page=3")),
            (&[r#"<https://x.test/p1>; rel="first""#, r#"<https://x.test/p3>; rel="next""#], Some("https://x.test/p3")),
            // Unquoted, any case, a list of relations, spaces around.
            (&["<https://x.test/n>;rel=next"], Some("https://x.test/n")),
            (&[r#"<https://x.test/n> ;  REL = "NEXT""#], Some("https://x.test/n")),
            (&[r#"<https://x.test/n>; rel="next last""#], Some("https://x.test/n")),
            (&[r#"<https://x.test/n>; rel="last	next""#], Some("https://x.test/n")),
            // GitLab sends other parameters too; a comma inside a quoted title or inside the URL is not a separator.
            (&[r#"<https://x.test/t>; title="a, b; c"; rel="next""#], Some("https://x.test/t")),
            (&[r#"<https://x.test/?ids=1,2,3>; rel="next""#], Some("https://x.test/?ids=1,2,3")),
            // Relative targets resolve against the response's URL.
            (&["</v1/items?page=2>; rel=next"], Some("https://api.example.com/v1/items?page=2")),
            (&["<items?page=2>; rel=next"], Some("https://api.example.com/v1/items?page=2")),
            (&["<?page=2>; rel=next"], Some("https://api.example.com/v1/items?page=2")),
            (&["<../v2/items?page=2>; rel=next"], Some("https://api.example.com/v2/items?page=2")),
            (&["<//cdn.example.com/p/2>; rel=next"], Some("https://cdn.example.com/p/2")),
            // Only the first rel counts; a relation that only begins with "next" is another one.
            (&[r#"<https://x.test/a>; rel="prev"; rel="next""#], None),
            (&[r#"<https://x.test/a>; rel="nextpage""#], None),
            (&[r#"<https://x.test/a>; rel="prev", <https://x.test/b>; rel="last""#], None),
            // Malformed links are skipped, the rest still read.
            (&[r#"https://x.test/bare; rel="next", <https://x.test/ok>; rel="next""#], Some("https://x.test/ok")),
            (&[r#"<https://x.test/open; rel="next""#], None),
            (&[r#"<https://x.test/q>; rel="next, <https://x.test/r>; rel="next""#], None),
            (&[r#"<https://x.test/a> junk; rel="next", <https://x.test/b>; rel="next""#], Some("https://x.test/b")),
            (&[], None),
            (&[""], None),
            (&[",,, ,"], None),
            (&["<>; rel=next"], None),
        ];
        for (fields, want) in table {
            assert_eq!(next_link(fields, PAGE).as_deref(), *want, "{fields:?}");
        }
    }

    #[test]
    fn links_and_their_relations() {
        let links = parse_links(r##"<a>; rel="next last"; title="x", <b>; anchor="#c""##);
        assert_eq!(links, vec![
            Link { target: "a".into(), rels: vec!["next".into(), "last".into()] },
            Link { target: "b".into(), rels: vec![] },
        ]);
        assert_eq!(parse_links(r#"<é>; rel="ñext", <x>; title="\"q\"", <y>; rel=next"#).len(), 3);
    }

    #[test]
    fn references_resolve_as_rfc_3986_says() {
        // RFC 3986, section 5.4.1, on an http base of our own.
        let base = "http://a/b/c/d;p?q";
        let table = [
            ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"),
            ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"), ("#s", "http://a/b/c/d;p?q#s"),
            ("g#s", "http://a/b/c/g#s"), (";x", "http://a/b/c/;x"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"),
            ("..", "http://a/b/"), ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"),
            ("../../", "http://a/"), ("../../g", "http://a/g"), ("../../../g", "http://a/g"), ("/./g", "http://a/g"),
            ("/../g", "http://a/g"), ("g.", "http://a/b/c/g."), ("..g", "http://a/b/c/..g"), ("./../g", "http://a/b/g"),
            ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"), ("https://other/x/../y", "https://other/y"),
            ("mailto:x@y", "mailto:x@y"),
        ];
        for (reference, want) in table {
            assert_eq!(resolve_reference(base, reference).as_deref(), Some(want), "{reference}");
        }
        assert_eq!(resolve_reference("ftp://a/b", "c"), None);
        assert_eq!(resolve_reference("not a url", "c"), None);
        assert_eq!(resolve_reference("https://a.test", "b"), Some("https://a.test/b".into()));
        assert_eq!(resolve_reference("https://a.test?q", "b"), Some("https://a.test/b".into()));
    }

    #[test]
    fn an_empty_next_target_is_none() {
        for field in [r#"<>; rel="next""#, r#"< >; rel=next, <https://h/x?page=3>; rel="last""#] {
            assert_eq!(next_target(&[field]), None, "{field}");
            assert_eq!(next_link(&[field], PAGE), None, "{field}");
        }
        assert_eq!(next_target(&[r#"<?page=2>; rel="next""#]).as_deref(), Some("?page=2"));
    }
}

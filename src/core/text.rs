//! Small text helpers written for size: core's `str::find(&str)` brings a two-way searcher and `join` a generic
//! copier into the wasm build (about 2 KB together) for needles of a few bytes.

/// The byte index of the first `needle` in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// The index of the first byte of `s` that is one of the ASCII bytes `set`, or `s.len()`. One byte search for
/// every delimiter: core's `char` and `[char; N]` patterns each bring a searcher of their own into the wasm build.
pub fn find_any(s: &str, set: &[u8]) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && !is_one_of(bytes[i], set) {
        i += 1;
    }
    i
}

/// True when every byte of `s` passes `test`: one loop for every such check, where each `bytes().all(closure)`
/// is a generic of its own in the wasm build.
#[inline(never)]
pub fn all_bytes(s: &str, test: fn(u8) -> bool) -> bool {
    for &b in s.as_bytes() {
        if !test(b) {
            return false;
        }
    }
    true
}

/// True when every character of `s` is Latin-1 (U+0000-U+00FF), the only text a header value may carry: above
/// U+00FF a character's UTF-8 starts at 0xC4 or higher (Latin-1's upper half is 0xC2 or 0xC3 and one more byte).
pub fn is_latin1(s: &str) -> bool {
    all_bytes(s, |b| b < 0xC4)
}

/// True when `byte` is one of `set`: a plain loop (`<[u8]>::contains` brings core's word-at-a-time memchr into
/// the wasm build, for sets of a few bytes).
pub fn is_one_of(byte: u8, set: &[u8]) -> bool {
    for &b in set {
        if b == byte {
            return true;
        }
    }
    false
}

/// The index of the first `byte` (ASCII) in `s`.
pub fn find_byte(s: &str, byte: u8) -> Option<usize> {
    let at = find_any(s, &[byte]);
    (at < s.len()).then_some(at)
}

/// `s` up to the first of the ASCII bytes `set` (all of it when there is none).
pub fn before_any<'a>(s: &'a str, set: &[u8]) -> &'a str {
    &s[..find_any(s, set)]
}

/// The `n`-th line (from 0) of `text`, whose lines end at `\n`; "" past the last. Tables of short texts are one
/// string a line in the wasm build, not an array of addresses or a `match` per entry.
pub fn nth_line(text: &str, n: usize) -> &str {
    let mut rest = text;
    for _ in 0..n {
        let Some(at) = find_byte(rest, b'\n') else { return "" };
        rest = &rest[at + 1..];
    }
    before_any(rest, b"\n")
}

/// `s` split at the first `byte` (ASCII), which neither part holds.
pub fn split_once_byte(s: &str, byte: u8) -> Option<(&str, &str)> {
    find_byte(s, byte).map(|at| (&s[..at], &s[at + 1..]))
}

/// The parts of `s` between the ASCII bytes `set` (as `str::split` with a set of chars).
#[inline(never)]
pub fn split_any<'a, 'b>(s: &'a str, set: &'b [u8]) -> SplitAny<'a, 'b> {
    SplitAny { rest: Some(s), set }
}

/// The iterator of [`split_any`].
pub struct SplitAny<'a, 'b> {
    rest: Option<&'a str>,
    set: &'b [u8],
}

impl<'a> Iterator for SplitAny<'a, '_> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let at = find_any(rest, self.set);
        self.rest = rest.get(at + 1..);
        Some(&rest[..at])
    }
}

/// The digits a number is written with, one `&str` each (`push_str` of a one-byte slice: no UTF-8 encoder for a
/// `char`, which `String::push` brings into the wasm build).
const DIGITS: &str = "0123456789abcdef";

/// Appends digit `d` (below 16) of [`DIGITS`].
fn push_digit(out: &mut String, d: u64) {
    let d = (d & 15) as usize;
    out.push_str(&DIGITS[d..d + 1]);
}

/// Writes a whole number in decimal digits, without `format!` (whose machinery costs the wasm build kilobytes).
pub fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        push_digit(out, d.into());
    }
}

/// Writes the low `digits` hex digits of `n` (lower case), the most significant first.
pub fn push_hex(out: &mut String, n: u64, digits: u32) {
    for shift in (0..digits).rev() {
        push_digit(out, n >> (shift * 4));
    }
}

/// `text` with each run of whitespace turned into one space, trimmed.
#[inline(never)]
pub fn fold_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Words cut at ASCII whitespace bytes, which are char boundaries too (no `split_ascii_whitespace` adapters).
    let bytes = text.as_bytes();
    let mut start = 0;
    for i in 0..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_whitespace() {
            if start < i {
                if !out.is_empty() {
                    out.push_str(" ");
                }
                out.push_str(&text[start..i]);
            }
            start = i + 1;
        }
    }
    out
}

/// FNV-1a's 64-bit offset basis: the seed of a plain hash.
pub const FNV_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64 bits) of `bytes`, starting from `seed` (the FNV offset basis for a plain hash).
pub fn fnv64(seed: u64, bytes: &[u8]) -> u64 {
    let mut hash = seed;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_folds() {
        let cases = [("a://b", "://", Some(1)), ("<TITLE>", "<title", None), ("x<title>", "<title", Some(1)), ("", "a", None), ("ab", "abc", None), ("ab", "", Some(0))];
        for (hay, needle, want) in cases {
            assert_eq!(find(hay, needle), want, "{hay:?} {needle:?}");
        }
        assert_eq!(fold_whitespace("  a \n\t b  c "), "a b c");
        assert_eq!(fold_whitespace(" \n "), "");
        assert_eq!(fold_whitespace("żółw\u{a0}x\x0cy\r\nz"), "żółw\u{a0}x y z", "only ASCII whitespace folds");
        assert_eq!(fold_whitespace("one"), "one");
        assert_eq!(split_any("a,b;;c", b",;").collect::<Vec<_>>(), ["a", "b", "", "c"]);
        assert_eq!(split_any("", b",").collect::<Vec<_>>(), [""]);
        assert_eq!(split_any("a,", b",").collect::<Vec<_>>(), ["a", ""]);
        for n in [0u64, 9, 10, 1_733_500_000_000, u64::MAX] {
            let mut s = String::from("x");
            push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
            let mut s = String::from("x");
            push_hex(&mut s, n, 16);
            assert_eq!(s, format!("x{n:016x}"));
        }
        let mut s = String::new();
        push_hex(&mut s, 0xabc, 2);
        assert_eq!(s, "bc", "only the low digits");
        assert_eq!((find_any("ab?c#", b"#?"), find_byte("abc", b'x'), before_any("a/b", b"/"), split_once_byte("k=v=w", b'=')), (2, None, "a", Some(("k", "v=w"))));
        let lines = ["a", "", "bc", "", "d"];
        for (n, want) in lines.iter().enumerate() {
            assert_eq!(nth_line("a\n\nbc\n\nd", n), *want, "line {n}");
        }
        assert!(is_latin1("café \u{ff}\u{80}\t") && !is_latin1("a\u{100}") && !is_latin1("😀") && !is_latin1("zażółć"));
        assert_eq!((nth_line("a\nb", 2), nth_line("a\n", 1), nth_line("", 0), nth_line("", 3)), ("", "", "", ""));
    }

}

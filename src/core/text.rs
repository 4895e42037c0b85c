//! Small text helpers written for size: core's `str::find(&str)` brings a two-way searcher and `join` a generic
//! copier into the wasm build (about 2 KB together) for needles of a few bytes.

/// The byte index of the first `needle` in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// `text` with each run of whitespace turned into one space, trimmed.
pub fn fold_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
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
    }

}

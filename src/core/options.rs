//! The client's options: their defaults in one table, and the validation whose messages name the option.
//! The boundary reads JS values into plain Rust (a non-number becomes NaN, so this module judges it).

/// Defaults, in one place (API.md lists the same values).
pub mod defaults {
    /// `timeoutMs`: per attempt; 0 = none.
    pub const TIMEOUT_MS: f64 = 30_000.0;
    /// `apiKeyHeader`.
    pub const API_KEY_HEADER: &str = "X-API-Key";
    /// `tokenScheme`.
    pub const TOKEN_SCHEME: &str = "Bearer";
    /// `retry.maxRetries`: so at most 3 attempts.
    pub const MAX_RETRIES: u32 = 2;
    /// `retry.statusCodes`.
    pub const STATUS_CODES: [u16; 6] = [408, 429, 500, 502, 503, 504];
    /// `retry.methods`: the idempotent ones, separated by spaces.
    pub const METHODS: &str = "GET HEAD OPTIONS PUT DELETE";
    /// `retry.baseDelayMs`: the first backoff delay.
    pub const BASE_DELAY_MS: f64 = 500.0;
    /// `retry.maxDelayMs`: cap on one backoff delay.
    pub const MAX_DELAY_MS: f64 = 8_000.0;
    /// `retry.maxRetryAfterMs`: a longer server-asked wait is not waited; the error is thrown at once.
    pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;
    /// `poll`'s `intervalMs`.
    pub const POLL_INTERVAL_MS: f64 = 1_000.0;
    /// `poll`'s `maxWaitMs`; 0 = no deadline.
    pub const POLL_MAX_WAIT_MS: f64 = 60_000.0;
}

/// A rejected option: the boundary throws it as a `TypeError`.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionError(pub String);

fn option_error(name: &str, problem: &str) -> OptionError {
    let mut message = String::with_capacity(name.len() + problem.len() + 1);
    message.push_str(name);
    message.push_str(" ");
    message.push_str(problem);
    OptionError(message)
}

/// A number option that must be finite and at least `min`.
pub fn check_number(name: &str, value: f64, min: f64) -> Result<f64, OptionError> {
    if value.is_finite() && value >= min {
        Ok(value)
    } else if min >= 1.0 {
        Err(option_error(name, "must be a number of at least 1"))
    } else {
        Err(option_error(name, "must be a non-negative number"))
    }
}

/// A number option that may be any finite number (`priority`).
pub fn check_finite(name: &str, value: f64) -> Result<f64, OptionError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(option_error(name, "must be a finite number"))
    }
}

/// A whole-number option (a count) of at least `min`.
pub fn check_count(name: &str, value: f64, min: f64) -> Result<u32, OptionError> {
    let v = check_number(name, value, min)?;
    if v.fract() != 0.0 || v > u32::MAX as f64 {
        return Err(option_error(name, "must be a whole number"));
    }
    Ok(v as u32)
}

/// A header value: CR, LF or NUL would let it smuggle another header, so they are refused; so are characters
/// beyond Latin-1, which fetch cannot send (it would throw later, looking like a network failure).
pub fn check_header_value(name: &str, value: &str) -> Result<(), OptionError> {
    if crate::core::text::find_any(value, b"\r\n\0") < value.len() {
        Err(option_error(name, "must not contain CR, LF or NUL characters"))
    } else if !crate::core::text::is_latin1(value) {
        Err(option_error(name, "must contain only Latin-1 characters (encode anything else)"))
    } else {
        Ok(())
    }
}

/// The headers that carry a client's credentials (the token's `Authorization`, the apiKey's header): they go only
/// to baseUrl's origin, so a redirect or an `extend()` to another origin leaves them out. Compare in any case.
pub fn credential_headers(api_key_header: &str) -> [&str; 2] {
    ["authorization", api_key_header]
}

/// True when `name` (any case) carries a credential of a client whose apiKey goes in `api_key_header`.
pub fn is_credential_header(name: &str, api_key_header: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case(api_key_header)
}

/// A header name: an HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``).
pub fn check_header_name(name: &str, header: &str) -> Result<(), OptionError> {
    let is_token = |b: u8| b.is_ascii_alphanumeric() || crate::core::text::is_one_of(b, b"!#$%&'*+-.^_`|~");
    if !header.is_empty() && crate::core::text::all_bytes(header, is_token) {
        Ok(())
    } else {
        Err(option_error(name, "must be a valid HTTP header name"))
    }
}

/// One client-side pacing window: at most `requests` per `per_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateWindow {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window's length in ms.
    pub per_ms: f64,
}

/// Validates one `rateLimit` entry.
pub fn rate_window(requests: f64, per_ms: f64) -> Result<RateWindow, OptionError> {
    Ok(RateWindow {
        requests: check_count("rateLimit.requests", requests, 1.0)?,
        per_ms: {
            let v = check_number("rateLimit.perMs", per_ms, 0.0)?;
            if v == 0.0 {
                return Err(option_error("rateLimit.perMs", "must be a positive number"));
            }
            v
        },
    })
}

/// A set of HTTP statuses (100-599), one bit each: no list to build, clone and drop per policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusSet([u64; 8]);

impl StatusSet {
    /// The set of `statuses` (each 100-599).
    /// A `const fn`: the default set is a constant in the module, not built per policy.
    pub const fn of(statuses: &[u16]) -> StatusSet {
        let mut set = StatusSet([0; 8]);
        let mut i = 0;
        while i < statuses.len() {
            set.insert(statuses[i]);
            i += 1;
        }
        set
    }

    /// Adds `status`; false (and nothing added) when it is not 100-599.
    pub const fn insert(&mut self, status: u16) -> bool {
        let Some(bit) = status_bit(status) else { return false };
        self.0[bit / 64] |= 1 << (bit % 64);
        true
    }

    /// True when `status` is in the set.
    pub fn contains(&self, status: u16) -> bool {
        let Some(bit) = status_bit(status) else { return false };
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// A status's bit in a [`StatusSet`]: `None` outside 100-599 (the one place the range is written).
const fn status_bit(status: u16) -> Option<usize> {
    if status >= 100 && status < 600 { Some((status - 100) as usize) } else { None }
}

/// [`defaults::STATUS_CODES`] as a set, made at compile time.
const DEFAULT_STATUSES: StatusSet = StatusSet::of(&defaults::STATUS_CODES);

/// The retry policy (`RetryOptions`), with the defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Statuses that are retried.
    pub status_codes: StatusSet,
    /// Methods (upper-case) whose failures other than 429 are retried, separated by spaces (one string, not a
    /// `Vec` of them: no list to grow, clone and drop per policy).
    pub methods: String,
    /// First backoff delay.
    pub base_delay_ms: f64,
    /// Cap on one backoff delay.
    pub max_delay_ms: f64,
    /// A longer server-asked wait is not waited.
    pub max_retry_after_ms: f64,
}

impl Default for RetryPolicy {
    #[inline(never)]
    fn default() -> Self {
        RetryPolicy {
            max_retries: defaults::MAX_RETRIES,
            status_codes: DEFAULT_STATUSES,
            methods: String::from(defaults::METHODS),
            base_delay_ms: defaults::BASE_DELAY_MS,
            max_delay_ms: defaults::MAX_DELAY_MS,
            max_retry_after_ms: defaults::MAX_RETRY_AFTER_MS,
        }
    }
}

/// `RetryOptions` as read from JS: `None` where the caller left a field out.
#[derive(Debug, Clone, Default)]
pub struct RetryOverrides {
    /// `maxRetries`.
    pub max_retries: Option<f64>,
    /// `statusCodes`.
    pub status_codes: Option<Vec<f64>>,
    /// `methods`.
    pub methods: Option<Vec<String>>,
    /// `baseDelayMs`.
    pub base_delay_ms: Option<f64>,
    /// `maxDelayMs`.
    pub max_delay_ms: Option<f64>,
    /// `maxRetryAfterMs`.
    pub max_retry_after_ms: Option<f64>,
}

impl RetryPolicy {
    /// This policy with `overrides` applied and validated (a request's `retry` overrides the client's).
    pub fn with(&self, o: &RetryOverrides) -> Result<RetryPolicy, OptionError> {
        let mut p = self.clone();
        if let Some(v) = o.max_retries {
            p.max_retries = check_count("retry.maxRetries", v, 0.0)?;
        }
        if let Some(codes) = &o.status_codes {
            p.status_codes = StatusSet::default();
            for &c in codes {
                // `as u16` saturates (a negative, NaN or huge code lands outside the range and is refused).
                if c.fract() != 0.0 || !p.status_codes.insert(c as u16) {
                    return Err(option_error("retry.statusCodes", "must list HTTP statuses (100-599)"));
                }
            }
        }
        if let Some(methods) = &o.methods {
            p.methods.clear();
            for m in methods {
                // An entry that is no method token (a space in it, say) never equals a request's method: left out.
                if let Ok(m) = normalize_method(m) {
                    p.methods.push_str(&m);
                    p.methods.push_str(" ");
                }
            }
        }
        if let Some(v) = o.base_delay_ms {
            p.base_delay_ms = check_number("retry.baseDelayMs", v, 0.0)?;
        }
        if let Some(v) = o.max_delay_ms {
            p.max_delay_ms = check_number("retry.maxDelayMs", v, 0.0)?;
        }
        if let Some(v) = o.max_retry_after_ms {
            p.max_retry_after_ms = check_number("retry.maxRetryAfterMs", v, 0.0)?;
        }
        Ok(p)
    }
}

/// The methods the client accepts: a token, upper-cased ("get" -> "GET").
pub fn normalize_method(method: &str) -> Result<String, OptionError> {
    check_header_name("method", method)?;
    Ok(method.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_table() {
        for (name, key_header, credential) in [
            ("Authorization", "X-API-Key", true),
            ("authorization", "X-API-Key", true),
            ("x-api-key", "X-API-Key", true),
            ("X-Token", "x-token", true),
            ("X-API-Key", "X-Token", false),
            ("X-App", "X-API-Key", false),
            ("Authorization-Extra", "X-API-Key", false),
        ] {
            assert_eq!(is_credential_header(name, key_header), credential, "{name} with apiKeyHeader {key_header}");
        }
    }

    #[test]
    fn numbers_table() {
        assert_eq!(check_number("timeoutMs", 0.0, 0.0), Ok(0.0));
        assert_eq!(check_number("timeoutMs", 1.5, 0.0), Ok(1.5));
        for bad in [-1.0, f64::NAN, f64::INFINITY, -0.5] {
            assert_eq!(check_number("timeoutMs", bad, 0.0), Err(OptionError("timeoutMs must be a non-negative number".into())), "{bad}");
        }
        assert_eq!(check_count("maxConcurrency", 0.0, 1.0), Err(OptionError("maxConcurrency must be a number of at least 1".into())));
        assert_eq!(check_count("maxConcurrency", 2.5, 1.0), Err(OptionError("maxConcurrency must be a whole number".into())));
        assert_eq!(check_count("maxConcurrency", 4.0, 1.0), Ok(4));
        assert_eq!(check_count("maxConcurrency", 1e20, 1.0), Err(OptionError("maxConcurrency must be a whole number".into())));
        for good in [0.0, -3.0, 2.5, 1e300, -1e300] {
            assert_eq!(check_finite("priority", good), Ok(good));
        }
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(check_finite("priority", bad), Err(OptionError("priority must be a finite number".into())), "{bad}");
        }
    }

    #[test]
    fn headers_table() {
        assert!(check_header_value("apiKey", "abc-123").is_ok());
        for bad in ["a\r\nX-Evil: 1", "a\n", "\r", "a\0b"] {
            let err = check_header_value("apiKey", bad).unwrap_err();
            assert!(err.0.starts_with("apiKey "), "{bad:?}");
            assert!(!err.0.contains(bad), "the message must not echo the secret");
        }
        assert_eq!(check_header_value("token", "zażółć").unwrap_err().0, "token must contain only Latin-1 characters (encode anything else)");
        assert!(check_header_value("token", "café").is_ok());
        assert!(check_header_value("token", "\u{ff}\u{80}").is_ok());
        assert!(check_header_value("token", "a\u{100}").is_err() && check_header_value("token", "😀").is_err());
        assert!(check_header_name("apiKeyHeader", "X-API-Key").is_ok());
        for bad in ["", "X API", "X:Key", "Ключ", "a\nb"] {
            assert!(check_header_name("apiKeyHeader", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rate_windows() {
        assert_eq!(rate_window(300.0, 60_000.0), Ok(RateWindow { requests: 300, per_ms: 60_000.0 }));
        assert_eq!(rate_window(0.0, 1000.0).unwrap_err().0, "rateLimit.requests must be a number of at least 1");
        assert_eq!(rate_window(5.0, 0.0).unwrap_err().0, "rateLimit.perMs must be a positive number");
        assert_eq!(rate_window(5.0, f64::NAN).unwrap_err().0, "rateLimit.perMs must be a non-negative number");
    }

    #[test]
    fn retry_overrides() {
        let base = RetryPolicy::default();
        assert_eq!(base.max_retries, 2);
        assert_eq!(base.status_codes, StatusSet::of(&[408, 429, 500, 502, 503, 504]));
        for (status, listed) in [(408, true), (429, true), (504, true), (404, false), (99, false), (100, false), (599, false), (600, false), (0, false), (u16::MAX, false)] {
            assert_eq!(base.status_codes.contains(status), listed, "{status}");
        }
        let edges = StatusSet::of(&[100, 163, 164, 599, 600, 99]);
        assert_eq!([99, 100, 163, 164, 165, 598, 599, 600].map(|s| edges.contains(s)), [false, true, true, true, false, false, true, false]);
        let p = base
            .with(&RetryOverrides { max_retries: Some(5.0), methods: Some(vec!["post".into()]), status_codes: Some(vec![429.0]), ..Default::default() })
            .unwrap();
        assert_eq!((p.max_retries, p.methods.clone(), p.status_codes, p.base_delay_ms), (5, "POST ".to_string(), StatusSet::of(&[429]), 500.0));
        let odd = base.with(&RetryOverrides { methods: Some(vec!["get post".into(), "".into(), "patch".into()]), ..Default::default() }).unwrap();
        assert_eq!(odd.methods, "PATCH ", "entries that are no method token are left out");
        assert_eq!(base.with(&RetryOverrides { max_retries: Some(-1.0), ..Default::default() }).unwrap_err().0, "retry.maxRetries must be a non-negative number");
        // `as u16` saturates: a negative, NaN, infinite or huge code must still be refused, never wrapped into range.
        for bad in [42.0, 99.0, 600.0, 100.5, -429.0, f64::NAN, f64::INFINITY, 65_536.0 + 429.0, 1e12] {
            let codes = RetryOverrides { status_codes: Some(vec![bad]), ..Default::default() };
            assert_eq!(base.with(&codes).unwrap_err().0, "retry.statusCodes must list HTTP statuses (100-599)", "{bad}");
        }
        let codes = RetryOverrides { status_codes: Some(vec![100.0, 599.0]), ..Default::default() };
        assert_eq!(base.with(&codes).unwrap().status_codes, StatusSet::of(&[100, 599]));
        let mut set = StatusSet::default();
        assert_eq!([99, 100, 599, 600, u16::MAX].map(|s| set.insert(s)), [false, true, true, false, false]);
        assert_eq!(base.with(&RetryOverrides { max_delay_ms: Some(f64::NAN), ..Default::default() }).unwrap_err().0, "retry.maxDelayMs must be a non-negative number");
    }

    #[test]
    fn methods() {
        assert_eq!(normalize_method("patch"), Ok("PATCH".into()));
        assert!(normalize_method("GE T").is_err());
        assert!(normalize_method("").is_err());
    }
}

//! The pure core: every decision the client makes, as plain Rust with no JS types. The clock is a parameter
//! (`now` in ms since the epoch), so the native table tests need no real time.
//! [`options`] (defaults and validation), [`url`] (baseUrl, paths, query), [`headers`] (Retry-After and
//! rate-limit headers), [`error`] (status and body to error fields), [`response`] (redirects and body kinds),
//! [`retry`] (the retry decision), [`text`] (small string helpers), [`limiter`] (cooldown, server window, pacing,
//! adaptive learning), [`queue`] (who waits for a turn, in priority order), [`persist`] (what a reload keeps) and
//! [`link`] (the `Link` header's next page).

pub mod dedupe;
pub mod error;
pub mod headers;
pub mod limiter;
// Not in the wasm until pagination (issue 19) uses it: unused, its mere presence changed LLVM's inlining of shared
// generics elsewhere (+135 B gzip, measured).
pub mod link;
pub mod options;
pub mod persist;
pub mod queue;
pub mod remember;
pub mod response;
pub mod retry;
pub mod text;
pub mod url;

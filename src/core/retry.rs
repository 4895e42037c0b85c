//! The retry decision: given the attempt that just failed, how it failed and the policy, retry after how long, or
//! stop. No clock, no randomness of its own: the jitter is passed in, so every case is a line in a table.

use crate::core::options::RetryPolicy;

/// How an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A non-2xx response with this status.
    Status(u16),
    /// No response: DNS, refused, reset, CORS.
    Network,
    /// The attempt ran past `timeoutMs`.
    Timeout,
}

/// Why a retry happens, as `onRetry`'s `reason` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RetryReason {
    /// A 429.
    RateLimited,
    /// Another retryable status.
    Status,
    /// A network error.
    Network,
    /// A timeout.
    Timeout,
}

impl RetryReason {
    /// The string `onRetry` receives.
    pub fn as_str(self) -> &'static str {
        crate::core::text::nth_line("rate_limited\nstatus\nnetwork\ntimeout", self as usize)
    }
}

/// Why no retry happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Retries are off, the failure is not retryable, or the method may not be repeated.
    NotRetryable,
    /// `maxRetries` is used up.
    OutOfRetries,
    /// The server asked for a wait longer than `maxRetryAfterMs`.
    WaitTooLong,
    /// The body was a stream, already consumed.
    BodyNotReplayable,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Wait this long, then retry.
    RetryAfter {
        /// The wait in ms.
        delay_ms: f64,
        /// Why.
        reason: RetryReason,
    },
    /// Throw the attempt's error.
    Stop(StopReason),
}

/// What the engine knows about the failed attempt.
#[derive(Debug, Clone, Copy)]
pub struct FailedAttempt<'a> {
    /// The number of the attempt that failed, from 1.
    pub attempt: u32,
    /// How it failed.
    pub failure: Failure,
    /// The request method, upper-case.
    pub method: &'a str,
    /// The request carries an `Idempotency-Key`, so repeating it is safe.
    pub idempotent_key: bool,
    /// The body can be sent again (false for a consumed stream).
    pub body_replayable: bool,
    /// The wait the server asked for (see `RateHeaders::server_wait_ms`).
    pub server_wait_ms: Option<f64>,
}

/// Decides whether and when to retry. `jitter` is a number in [0, 1) from the caller's random source.
pub fn decide(policy: Option<&RetryPolicy>, failed: &FailedAttempt, jitter: f64) -> Decision {
    let Some(policy) = policy else { return Decision::Stop(StopReason::NotRetryable) };
    let repeatable = failed.idempotent_key || crate::core::text::split_any(&policy.methods, b" ").any(|m| m == failed.method);
    let listed = |s: u16| policy.status_codes.contains(s);
    let reason = match failed.failure {
        // The server did not process a 429, so any method may be sent again.
        Failure::Status(429) if listed(429) => RetryReason::RateLimited,
        Failure::Status(s) if listed(s) && repeatable => RetryReason::Status,
        Failure::Network if repeatable => RetryReason::Network,
        Failure::Timeout if repeatable => RetryReason::Timeout,
        _ => return Decision::Stop(StopReason::NotRetryable),
    };
    if let Some(wait) = failed.server_wait_ms {
        // Checked before the retry count, so the error says how long the server wanted even on the last attempt.
        if wait > policy.max_retry_after_ms {
            return Decision::Stop(StopReason::WaitTooLong);
        }
    }
    if failed.attempt > policy.max_retries {
        return Decision::Stop(StopReason::OutOfRetries);
    }
    if !failed.body_replayable {
        return Decision::Stop(StopReason::BodyNotReplayable);
    }
    let delay_ms = match failed.server_wait_ms {
        // The server's word is kept exactly: jitter would only make it early or late.
        Some(wait) => wait,
        None => backoff_ms(policy, failed.attempt, jitter),
    };
    Decision::RetryAfter { delay_ms, reason }
}

/// May a request wait `wait_ms` for the client's turn (a cooldown or a window's reset)? Not longer than the
/// policy's `maxRetryAfterMs` (the default's when retries are off): a longer wait is refused at once instead.
pub fn may_wait_for_turn(policy: Option<&RetryPolicy>, wait_ms: f64) -> bool {
    wait_ms <= policy.map_or(crate::core::options::defaults::MAX_RETRY_AFTER_MS, |p| p.max_retry_after_ms)
}

/// When `poll` tries again after a 204: the server's `Retry-After`, else the interval; when that would pass the
/// deadline (`max_wait_ms` from the first try; 0: none), what is left of it, and then the call gives up.
pub fn poll_wait(retry_after_ms: Option<f64>, interval_ms: f64, elapsed_ms: f64, max_wait_ms: f64) -> PollWait {
    let wait_ms = retry_after_ms.unwrap_or(interval_ms);
    if max_wait_ms > 0.0 && elapsed_ms + wait_ms > max_wait_ms {
        return PollWait::GiveUpAfter((max_wait_ms - elapsed_ms).max(0.0));
    }
    PollWait::Again(wait_ms)
}

/// The answer of [`poll_wait`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PollWait {
    /// Wait this long, then GET again.
    Again(f64),
    /// Wait this long (to the deadline), then reject with a `TimeoutError`.
    GiveUpAfter(f64),
}

/// Exponential backoff before retry `n` (= the failed attempt's number): about `base * 2^(n-1)`, spread by
/// ±25% jitter so that clients refused together do not come back together, capped at `max_delay_ms`.
#[inline(never)]
pub fn backoff_ms(policy: &RetryPolicy, attempt: u32, jitter: f64) -> f64 {
    // 2^(n-1) as a shift, exact up to 2^30: `powi` links compiler-rt's `__powidf2` into the wasm.
    let nominal = policy.base_delay_ms * (1u32 << attempt.saturating_sub(1).min(30)) as f64;
    let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.5 };
    (nominal * (0.75 + 0.5 * jitter)).min(policy.max_delay_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_waits() {
        // (Retry-After, interval, elapsed, maxWaitMs) -> what happens
        let cases = [
            (None, 1000.0, 0.0, 60_000.0, PollWait::Again(1000.0)),
            (Some(3000.0), 1000.0, 0.0, 60_000.0, PollWait::Again(3000.0)),
            (Some(3000.0), 1000.0, 58_000.0, 60_000.0, PollWait::GiveUpAfter(2000.0)),
            (None, 1000.0, 59_500.0, 60_000.0, PollWait::GiveUpAfter(500.0)),
            (None, 1000.0, 61_000.0, 60_000.0, PollWait::GiveUpAfter(0.0)),
            (Some(1e9), 1000.0, 5.0, 0.0, PollWait::Again(1e9)),
            (None, 0.0, 60_000.0, 60_000.0, PollWait::Again(0.0)),
        ];
        for (retry_after, interval, elapsed, max_wait, want) in cases {
            assert_eq!(poll_wait(retry_after, interval, elapsed, max_wait), want, "{retry_after:?} {interval} {elapsed} {max_wait}");
        }
    }
    use Decision::*;
    use Failure::*;

    fn attempt(n: u32, failure: Failure, method: &str) -> FailedAttempt<'_> {
        FailedAttempt { attempt: n, failure, method, idempotent_key: false, body_replayable: true, server_wait_ms: None }
    }

    #[test]
    fn reason_names() {
        let names = [(RetryReason::RateLimited, "rate_limited"), (RetryReason::Status, "status"), (RetryReason::Network, "network"), (RetryReason::Timeout, "timeout")];
        for (reason, name) in names {
            assert_eq!(reason.as_str(), name);
        }
    }

    #[test]
    fn decision_table() {
        let p = RetryPolicy::default();
        let rl = |d| RetryAfter { delay_ms: d, reason: RetryReason::RateLimited };
        let st = |d| RetryAfter { delay_ms: d, reason: RetryReason::Status };
        // (failed attempt, expected decision) with jitter 0.5 (no spread)
        let cases = [
            (attempt(1, Status(429), "POST"), rl(500.0)),
            (attempt(1, Status(503), "POST"), Stop(StopReason::NotRetryable)),
            (FailedAttempt { idempotent_key: true, ..attempt(1, Status(503), "POST") }, st(500.0)),
            (attempt(1, Status(503), "GET"), st(500.0)),
            (attempt(2, Status(500), "PUT"), st(1000.0)),
            (attempt(3, Status(500), "GET"), Stop(StopReason::OutOfRetries)),
            (attempt(1, Status(404), "GET"), Stop(StopReason::NotRetryable)),
            (attempt(1, Status(400), "GET"), Stop(StopReason::NotRetryable)),
            (attempt(1, Network, "DELETE"), RetryAfter { delay_ms: 500.0, reason: RetryReason::Network }),
            (attempt(1, Network, "PATCH"), Stop(StopReason::NotRetryable)),
            (attempt(1, Timeout, "HEAD"), RetryAfter { delay_ms: 500.0, reason: RetryReason::Timeout }),
            (attempt(1, Timeout, "POST"), Stop(StopReason::NotRetryable)),
            (FailedAttempt { server_wait_ms: Some(1000.0), ..attempt(1, Status(429), "POST") }, rl(1000.0)),
            (FailedAttempt { server_wait_ms: Some(0.0), ..attempt(2, Status(429), "GET") }, rl(0.0)),
            (FailedAttempt { server_wait_ms: Some(86_400_000.0), ..attempt(1, Status(429), "GET") }, Stop(StopReason::WaitTooLong)),
            (FailedAttempt { server_wait_ms: Some(86_400_000.0), ..attempt(3, Status(429), "GET") }, Stop(StopReason::WaitTooLong)),
            (FailedAttempt { body_replayable: false, ..attempt(1, Status(429), "POST") }, Stop(StopReason::BodyNotReplayable)),
        ];
        for (failed, want) in cases {
            assert_eq!(decide(Some(&p), &failed, 0.5), want, "{failed:?}");
        }
        assert_eq!(decide(None, &attempt(1, Status(429), "GET"), 0.5), Stop(StopReason::NotRetryable));
        // A policy that drops 429 from statusCodes does not retry it.
        let no429 = RetryPolicy { status_codes: crate::core::options::StatusSet::of(&[503]), ..RetryPolicy::default() };
        assert_eq!(decide(Some(&no429), &attempt(1, Status(429), "GET"), 0.5), Stop(StopReason::NotRetryable));
    }

    #[test]
    fn waiting_for_a_turn_is_bounded() {
        let p = RetryPolicy { max_retry_after_ms: 5000.0, ..RetryPolicy::default() };
        assert!(may_wait_for_turn(Some(&p), 5000.0));
        assert!(!may_wait_for_turn(Some(&p), 5001.0));
        assert!(may_wait_for_turn(None, 60_000.0));
        assert!(!may_wait_for_turn(None, 3_600_000.0));
    }

    #[test]
    fn backoff_grows_spreads_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(backoff_ms(&p, 1, 0.0), 375.0);
        assert_eq!(backoff_ms(&p, 1, 1.0), 625.0);
        assert_eq!(backoff_ms(&p, 3, 0.5), 2000.0);
        assert_eq!(backoff_ms(&p, 10, 0.5), 8000.0);
        assert_eq!(backoff_ms(&p, u32::MAX, 0.5), 8000.0);
        assert_eq!(backoff_ms(&p, 1, f64::NAN), 500.0);
        assert_eq!(backoff_ms(&p, 0, 0.5), 500.0);
    }
}

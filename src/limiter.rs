//! The client's shared rate-limit state: one cooldown after a 429, the server's window (remaining requests and
//! when it resets), the configured pacing windows and the concurrency cap. Every request asks [`Limiter::admit`]
//! before it is sent and reports its answer with [`Limiter::finish`]. Plain data and an injected `now`.

use crate::headers::{RateHeaders, RateLimitState};
use crate::options::RateWindow;

/// Identifies one admitted request until it finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// The answer to "may I send now?".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Admission {
    /// Send now; report the answer with this ticket.
    Go(Ticket),
    /// Ask again at this time (ms since epoch), or earlier if an answer arrives.
    WaitUntil(f64),
    /// Ask again when an answer arrives (the limit depends on requests in flight).
    WaitForAnswer,
}

/// The window the server last described, minus what was sent into it since.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ServerWindow {
    /// Requests we may still send into it.
    available: f64,
    /// Its size, to refill it at the reset.
    limit: f64,
    /// When it resets, when the server said.
    reset_at: Option<f64>,
}

/// A request counted by a pacing window: from its sending until `per_ms` after its answer.
#[derive(Debug, Clone, Copy)]
struct Slot {
    ticket: Ticket,
    /// `None` while the request is in flight.
    release_at: Option<f64>,
}

#[derive(Debug, Clone)]
struct Pacing {
    window: RateWindow,
    slots: Vec<Slot>,
}

/// The rate-limit state of one client.
#[derive(Debug, Clone)]
pub struct Limiter {
    cooldown_until: f64,
    server: Option<ServerWindow>,
    pacing: Vec<Pacing>,
    max_concurrency: Option<u32>,
    in_flight: u32,
    next_ticket: u64,
    last_state: Option<RateLimitState>,
}

impl Limiter {
    /// A limiter with the configured pacing windows and concurrency cap (`None` = unlimited).
    pub fn new(pacing: &[RateWindow], max_concurrency: Option<u32>) -> Limiter {
        Limiter {
            cooldown_until: 0.0,
            server: None,
            pacing: pacing.iter().map(|&window| Pacing { window, slots: Vec::new() }).collect(),
            max_concurrency,
            in_flight: 0,
            next_ticket: 0,
            last_state: None,
        }
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// The latest window the server described, as `client.rateLimit` shows it.
    pub fn state(&self) -> Option<RateLimitState> {
        self.last_state
    }

    /// Holds every request of the client until `until` (after a 429; the longest cooldown wins).
    pub fn cool_down(&mut self, until: f64) {
        self.cooldown_until = self.cooldown_until.max(until);
    }

    /// May a request be sent at `now`? On `Go` it is counted as sent. Never answers `WaitForAnswer` with nothing
    /// in flight: no answer would come, so one request goes as a probe instead.
    pub fn admit(&mut self, now: f64) -> Admission {
        match self.decide(now) {
            Admission::WaitForAnswer if self.in_flight == 0 => self.go(),
            admission => admission,
        }
    }

    fn decide(&mut self, now: f64) -> Admission {
        if now < self.cooldown_until {
            return Admission::WaitUntil(self.cooldown_until);
        }
        if self.max_concurrency.is_some_and(|max| self.in_flight >= max) {
            return Admission::WaitForAnswer;
        }
        if let Some(window) = &mut self.server {
            if window.available < 1.0 {
                match window.reset_at {
                    Some(reset_at) if now < reset_at => return Admission::WaitUntil(reset_at),
                    // The window has reset: the new one holds `limit`, less what is still in flight.
                    Some(_) => {
                        window.available = window.limit - self.in_flight as f64;
                        window.reset_at = None;
                        if window.available < 1.0 {
                            return Admission::WaitForAnswer;
                        }
                    }
                    // No reset time: only an answer can tell us more; with none coming, probe with one.
                    None if self.in_flight > 0 => return Admission::WaitForAnswer,
                    None => {}
                }
            }
        }
        for pacing in &mut self.pacing {
            pacing.slots.retain(|s| s.release_at.is_none_or(|t| t > now));
            if pacing.slots.len() >= pacing.window.requests as usize {
                let earliest = pacing.slots.iter().filter_map(|s| s.release_at).fold(f64::INFINITY, f64::min);
                return if earliest.is_finite() { Admission::WaitUntil(earliest) } else { Admission::WaitForAnswer };
            }
        }
        self.go()
    }

    /// Counts a request as sent.
    fn go(&mut self) -> Admission {
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.in_flight += 1;
        if let Some(window) = &mut self.server {
            window.available -= 1.0;
        }
        for pacing in &mut self.pacing {
            pacing.slots.push(Slot { ticket, release_at: None });
        }
        Admission::Go(ticket)
    }

    /// Reports the answer (or failure) of an admitted request at `now`: frees its place, starts its pacing
    /// windows' `per_ms`, and takes in the window the response's headers describe.
    pub fn finish(&mut self, ticket: Ticket, now: f64, headers: Option<&RateHeaders>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        for pacing in &mut self.pacing {
            let per_ms = pacing.window.per_ms;
            if let Some(slot) = pacing.slots.iter_mut().find(|s| s.ticket == ticket) {
                slot.release_at = Some(now + per_ms);
            }
        }
        let Some(state) = headers.and_then(|h| h.state(now)) else { return };
        self.last_state = Some(state);
        // Requests still in flight were sent into this window too, and will spend from it.
        let available = state.remaining - self.in_flight as f64;
        self.server = Some(match self.server {
            // Answers can arrive out of order: within the same window, the lower count is the later truth.
            Some(old) if same_window(old.reset_at, state.reset_at) => ServerWindow { available: old.available.min(available), ..old },
            _ => ServerWindow { available, limit: state.limit, reset_at: state.reset_at },
        });
    }

    /// Gives up an admitted request that was never sent (aborted while preparing it).
    pub fn cancel(&mut self, ticket: Ticket) {
        self.in_flight = self.in_flight.saturating_sub(1);
        for pacing in &mut self.pacing {
            pacing.slots.retain(|s| s.ticket != ticket);
        }
        if let Some(window) = &mut self.server {
            window.available += 1.0;
        }
    }
}

/// Two resets within a second of each other describe the same window (clocks and rounding differ that much).
fn same_window(a: Option<f64>, b: Option<f64>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if (a - b).abs() < 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(l: &mut Limiter, now: f64) -> Ticket {
        match l.admit(now) {
            Admission::Go(t) => t,
            other => panic!("expected Go at {now}, got {other:?}"),
        }
    }

    fn headers(pairs: &[(&str, &str)], now: f64) -> RateHeaders {
        RateHeaders::read(pairs, now)
    }

    #[test]
    fn cooldown_holds_everyone() {
        let mut l = Limiter::new(&[], None);
        l.cool_down(1000.0);
        l.cool_down(500.0); // a shorter one does not shorten it
        assert_eq!(l.admit(0.0), Admission::WaitUntil(1000.0));
        assert_eq!(l.admit(999.0), Admission::WaitUntil(1000.0));
        go(&mut l, 1000.0);
    }

    #[test]
    fn concurrency_cap() {
        let mut l = Limiter::new(&[], Some(2));
        let a = go(&mut l, 0.0);
        go(&mut l, 0.0);
        assert_eq!(l.admit(0.0), Admission::WaitForAnswer);
        l.finish(a, 5.0, None);
        go(&mut l, 5.0);
        assert_eq!(l.in_flight(), 2);
    }

    #[test]
    fn server_window_counts_in_flight_requests() {
        let mut l = Limiter::new(&[], None);
        let first = go(&mut l, 0.0);
        let others: Vec<Ticket> = (0..2).map(|_| go(&mut l, 0.0)).collect();
        // The first answer says 3 left; 2 others are in flight, so 1 more may go.
        l.finish(first, 10.0, Some(&headers(&[("X-RateLimit-Limit", "5"), ("X-RateLimit-Remaining", "3"), ("X-RateLimit-Reset-After", "1")], 10.0)));
        go(&mut l, 10.0);
        assert_eq!(l.admit(10.0), Admission::WaitUntil(1010.0));
        // A later answer of the same window with a higher count (out of order) does not raise the budget.
        l.finish(others[0], 20.0, Some(&headers(&[("X-RateLimit-Limit", "5"), ("X-RateLimit-Remaining", "4"), ("X-RateLimit-Reset-After", "1")], 20.0)));
        assert_eq!(l.admit(20.0), Admission::WaitUntil(1010.0));
        // At the reset the window refills to the limit, less the 2 still in flight.
        for _ in 0..3 {
            go(&mut l, 1010.0);
        }
        assert_eq!(l.admit(1010.0), Admission::WaitForAnswer);
        let s = l.state().unwrap();
        assert_eq!((s.limit, s.remaining, s.observed_at), (5.0, 4.0, 20.0));
    }

    #[test]
    fn remaining_zero_without_reset_probes_one_at_a_time() {
        let mut l = Limiter::new(&[], None);
        let t = go(&mut l, 0.0);
        l.finish(t, 1.0, Some(&headers(&[("X-RateLimit-Remaining", "0")], 1.0)));
        let probe = go(&mut l, 2.0);
        assert_eq!(l.admit(2.0), Admission::WaitForAnswer);
        l.finish(probe, 3.0, Some(&headers(&[("X-RateLimit-Remaining", "9"), ("X-RateLimit-Reset-After", "60")], 3.0)));
        for _ in 0..9 {
            go(&mut l, 3.0);
        }
        assert_eq!(l.admit(3.0), Admission::WaitUntil(60_003.0));
    }

    #[test]
    fn pacing_counts_from_send_until_per_ms_after_answer() {
        let mut l = Limiter::new(&[RateWindow { requests: 2, per_ms: 1000.0 }], None);
        let a = go(&mut l, 0.0);
        let b = go(&mut l, 0.0);
        assert_eq!(l.admit(0.0), Admission::WaitForAnswer);
        l.finish(a, 300.0, None);
        assert_eq!(l.admit(300.0), Admission::WaitUntil(1300.0));
        l.finish(b, 400.0, None);
        assert_eq!(l.admit(1299.0), Admission::WaitUntil(1300.0));
        go(&mut l, 1300.0);
        assert_eq!(l.admit(1300.0), Admission::WaitUntil(1400.0));
        go(&mut l, 1400.0);
    }

    #[test]
    fn several_pacing_windows_all_hold() {
        let mut l = Limiter::new(&[RateWindow { requests: 3, per_ms: 100.0 }, RateWindow { requests: 4, per_ms: 10_000.0 }], None);
        let mut now = 0.0;
        for _ in 0..4 {
            let t = match l.admit(now) {
                Admission::Go(t) => t,
                Admission::WaitUntil(at) => {
                    now = at;
                    go(&mut l, now)
                }
                Admission::WaitForAnswer => panic!("nothing in flight"),
            };
            l.finish(t, now, None);
        }
        // The daily-style window of 4 is spent until 10 s after the 4th answer.
        assert_eq!(l.admit(now), Admission::WaitUntil(10_000.0 + 0.0));
    }

    #[test]
    fn no_deadlock_when_a_window_refills_to_nothing() {
        // A window whose limit reads as 0 (a bogus header): after its reset nothing is in flight, so a probe goes.
        let mut l = Limiter::new(&[], None);
        let t = go(&mut l, 0.0);
        l.finish(t, 1.0, Some(&headers(&[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Limit", "-3"), ("X-RateLimit-Reset-After", "1")], 1.0)));
        assert_eq!(l.admit(500.0), Admission::WaitUntil(1001.0));
        go(&mut l, 1001.0);
        assert_eq!(l.admit(1001.0), Admission::WaitForAnswer, "one probe at a time");
    }

    #[test]
    fn cancel_returns_the_place() {
        let mut l = Limiter::new(&[RateWindow { requests: 1, per_ms: 1000.0 }], Some(1));
        let t = go(&mut l, 0.0);
        l.cancel(t);
        go(&mut l, 0.0);
    }
}

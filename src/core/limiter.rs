//! The client's shared rate-limit state: one cooldown after a 429, the server's window (remaining requests and
//! when it resets), the configured pacing windows and the concurrency cap. Every request asks [`Limiter::admit`]
//! before it is sent and reports its answer with [`Limiter::finish`]. Plain data and an injected `now`.

use crate::core::headers::{RateHeaders, RateLimitState};
use crate::core::options::RateWindow;
use crate::core::persist::Saved;

/// Identifies one admitted request until it finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl Ticket {
    /// The ticket as a number, to hand to another tab (a shared quota's grant).
    pub fn as_f64(self) -> f64 {
        self.0 as f64
    }

    /// A ticket handed back as a number; anything that is not a whole number ≥ 0 matches no request.
    pub fn from_f64(n: f64) -> Ticket {
        Ticket(if n >= 0.0 && n.fract() == 0.0 && n < u64::MAX as f64 { n as u64 } else { u64::MAX })
    }
}

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

/// Why the latest [`Limiter::admit`] answered "wait": `onWait`'s `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum WaitReason {
    /// A 429's wait.
    #[default]
    Cooldown,
    /// The server's window is spent until its reset.
    Window,
    /// A configured `rateLimit` window is full.
    Pacing,
    /// Adaptive pacing holds to the rate it learned (or probes before it has learned one).
    Learned,
    /// `maxConcurrency` requests are in flight.
    Concurrency,
}

impl WaitReason {
    /// The name `onWait` gives it.
    pub fn as_str(self) -> &'static str {
        crate::core::text::nth_line("cooldown\nwindow\npacing\nlearned\nconcurrency", self as usize)
    }
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
    /// The lowest `remaining` an answer told of it: the server's latest count (counts only fall within a window).
    told_min: f64,
    /// The longest wait for its reset any answer told: about the window's length, which bounds how far apart two
    /// answers' resets may be and still describe this window.
    span: f64,
}

/// A request counted by a pacing window: from its sending until `per_ms` after its answer.
#[derive(Debug, Clone, Copy)]
struct Slot {
    ticket: Ticket,
    /// `None` while the request is in flight.
    release_at: Option<f64>,
}

/// What adaptive pacing learned of a server that refuses with 429 but says nothing about its limit: `capacity`
/// requests per `period_ms`, refilled at once when a period begins. A fixed window lets that through when the
/// periods begin after its resets, and a token bucket refilled as fast does too; refilling bit by bit sent the first
/// requests after a bare 429's backoff into the fixed window that had just refused (the SeaTable flavour: 1.42x
/// the ideal makespan). Multiplicative decrease on a 429, slow increase while answers are good.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Learned {
    capacity: f64,
    period_ms: f64,
    tokens: f64,
    /// When the current period began: when its first answer came, once one came (see [`Learned::anchor`]); until
    /// then `refilled_at`.
    period_start: f64,
    /// When the bucket was last refilled; the requests sent since, and how many of them were refused (counted
    /// as sent, not as answered: a refusal can come back before the good answers of its period).
    refilled_at: f64,
    period_sent: f64,
    period_refused: f64,
    /// Requests sent before this were sent under an older estimate: their 429s do not lower it again.
    decreased_at: f64,
    /// Good answers since the last change of the estimate.
    good_streak: u32,
    /// Not lowered yet: good answers of the learning wave that arrive after it still count towards it.
    first_estimate: bool,
    /// The fewest requests a period had when the server refused some of them (infinite until then): the
    /// capacity climbs back by one a period while it is below this, and slowly beyond (see [`Learned::refill`]).
    ceiling: f64,
}

impl Learned {
    /// Begins a new period when the last one has ended: the bucket holds `capacity`, plus the fraction of a token
    /// left over when the last one was spent (a capacity of 9.9 sends 9, then 10 a period, not 9 forever).
    /// A period that was used whole and got through whole raises the capacity by one while that stays below the
    /// ceiling: a token bucket refilled in between lets through what its rate gave it, a fraction under the next
    /// whole request (measured: 9 of 11 against nginx's 10 a second, and 9 a period is 1.2x the ideal makespan).
    fn refill(&mut self, now: f64) {
        if now >= self.period_start + self.period_ms {
            if self.period_refused == 0.0 && self.period_sent >= self.capacity.floor() && self.capacity + 1.0 < self.ceiling && self.ceiling.is_finite() {
                self.capacity += 1.0;
            }
            self.tokens = self.capacity + if self.tokens < 1.0 { self.tokens.max(0.0) } else { 0.0 };
            self.period_start = now;
            self.refilled_at = now;
            self.period_sent = 0.0;
            self.period_refused = 0.0;
        }
    }

    /// Takes the first answer to a period's requests as its beginning: a server's window may begin when its first
    /// request arrives, after it was sent (measured: a grid of periods sent 2 of 9 requests into the window before).
    fn anchor(&mut self, sent_at: f64, now: f64) {
        if self.period_start == self.refilled_at && sent_at >= self.refilled_at {
            self.period_start = now;
        }
    }

    /// Requests per millisecond.
    fn rate_per_ms(&self) -> f64 {
        self.capacity / self.period_ms
    }
}

/// Adaptive pacing (on unless `adaptive: false` or a `rateLimit` is configured), for servers that send no
/// rate-limit header: a slow start until something is known, then the learned bucket.
#[derive(Debug, Clone)]
struct Adaptive {
    /// Good answers while nothing was learned: they widen the slow start (see [`Adaptive::slow_start_window`]).
    good_answers: u32,
    /// Send times of the good answers of the last [`LEARNING_SPAN_MS`] (a first wave), oldest first.
    recent_good: Vec<f64>,
    /// How many good answers were kept when they were last dropped (see [`learn`]).
    good_kept: usize,
    /// Send times of the refusals of the last [`LEARNING_SPAN_MS`], oldest first.
    recent_refused: Vec<f64>,
    /// The send time of the first refusal in [`Adaptive::recent_refused`] (infinite when there is none): when the
    /// server began refusing.
    refusing_since: f64,
    /// Good answers since then, by send time.
    good_since_refusing: usize,
    learned: Option<Learned>,
    /// Send times of requests in flight.
    sent_at: Vec<(Ticket, f64)>,
    /// Arrival times of the good answers of the last period while a rate is learned, oldest first: each holds a
    /// place of the period until a period after it (see [`Adaptive::places_taken_until`]).
    answered_at: Vec<f64>,
    /// The longest a learned rate holds a request (see [`Limiter::with_adaptive`]).
    max_wait_ms: f64,
}

impl Adaptive {
    /// Requests in flight allowed while nothing is learned: 8, and one more per two good answers (half of TCP's
    /// slow start), so that a burst meets an unknown limit with a few requests and has fewer in flight when the
    /// first refusal comes back.
    fn slow_start_window(&self) -> u32 {
        SLOW_START_WINDOW.saturating_add(self.good_answers / 2)
    }

    /// When a learned period has no place for one more request, when one may come free: a request holds its
    /// place from its sending until a period after its good answer, as a sliding log counts it (DRF's throttle
    /// logs the time it let each through); one in flight for longer than a period no longer does, or a slow server
    /// would be held to a period's worth in flight. Periods sent whole at their beginning refused 1 in 10 against a
    /// log whose requests had arrived over 70 ms (1.38x the ideal makespan, simulated). `None`: a place is free.
    fn places_taken_until(&mut self, capacity: f64, period_ms: f64, now: f64) -> Option<f64> {
        forget(&mut self.answered_at, |t| t + period_ms <= now);
        let (mut taken, mut earliest) = (self.answered_at.len() as f64, self.answered_at.first().map_or(f64::INFINITY, |t| *t));
        for &(_, sent) in &self.sent_at {
            if sent + period_ms > now {
                taken += 1.0;
                earliest = earliest.min(sent);
            }
        }
        (taken >= capacity.floor().max(1.0)).then_some(earliest + period_ms)
    }
}

/// Requests in flight before the first answer when nothing is known about the limit.
const SLOW_START_WINDOW: u32 = 8;
/// A first wave is the good answers sent in the second before a refusal: limits are per second or longer.
const LEARNING_SPAN_MS: f64 = 1000.0;
/// Fewer good answers than this before a 429, or fewer refusals after them, say nothing about a rate (a flaky
/// server, a spent quota): nothing is learned, the cooldown alone applies.
const MIN_WAVE_TO_LEARN: usize = 4;
/// A learned rate with no refusal for this long is forgotten (traffic changed, or the limit did).
const FORGET_AFTER_MS: f64 = 60_000.0;
/// A restored server window that resets further away than this is not believed (a day: the longest quota window
/// an API states in practice); one that is spent is believed only as far as the request may wait.
const MAX_RESTORED_WINDOW_MS: f64 = 86_400_000.0;
/// The ticket of a pacing slot restored from storage: it matches no request of this limiter.
const RESTORED: Ticket = Ticket(u64::MAX);
/// Answers remembered per kind: enough to learn any limit a client can meet in a second.
const MAX_REMEMBERED_ANSWERS: usize = 4096;

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
    adaptive: Option<Adaptive>,
    /// The `now` of the admission under way (when a request is sent).
    now_hint: f64,
    /// Why the latest admission waited.
    reason: WaitReason,
    /// Tickets issued and not yet finished, when answers come from other tabs (a shared quota) and may repeat or
    /// be stale; `None` for a client's own limiter, whose engine reports each ticket exactly once.
    issued: Option<Vec<u64>>,
}

impl Limiter {
    /// A limiter with the configured pacing windows and concurrency cap (`None` = unlimited).
    pub fn new(pacing: &[RateWindow], max_concurrency: Option<u32>) -> Limiter {
        // Plain loops here and below: iterator chains and `retain` cost the wasm build a generic each.
        let mut windows = Vec::new();
        for &window in pacing {
            windows.push(Pacing { window, slots: Vec::new() });
        }
        Limiter {
            cooldown_until: 0.0,
            server: None,
            pacing: windows,
            max_concurrency,
            in_flight: 0,
            next_ticket: 0,
            last_state: None,
            adaptive: None,
            now_hint: 0.0,
            reason: WaitReason::Cooldown,
            issued: None,
        }
    }

    /// Checks every reported ticket against those issued: a report for an unknown or finished one is ignored.
    #[inline(never)]
    pub fn checking_tickets(mut self) -> Limiter {
        self.issued = Some(Vec::new());
        self
    }

    /// True when `ticket` may be finished or cancelled (and forgets it when tickets are checked).
    fn holds(&mut self, ticket: Ticket) -> bool {
        let Some(issued) = &mut self.issued else { return true };
        match issued.iter().position(|t| *t == ticket.0) {
            Some(i) => {
                issued.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Turns adaptive pacing on, unless pacing windows are configured (they take precedence). A learned rate
    /// holds a request at most `max_wait_ms` (the client's `retry.maxRetryAfterMs`): one that would wait longer for
    /// it is sent, since a guess must not hold a request longer than the app allows a wait.
    pub fn with_adaptive(mut self, enabled: bool, max_wait_ms: f64) -> Limiter {
        if enabled && self.pacing.is_empty() {
            self.adaptive = Some(Adaptive { good_answers: 0, recent_good: Vec::new(), good_kept: 0, recent_refused: Vec::new(), refusing_since: f64::INFINITY, good_since_refusing: 0, learned: None, sent_at: Vec::new(), answered_at: Vec::new(), max_wait_ms });
        }
        self
    }

    /// The rate adaptive pacing learned, in requests per second.
    pub fn learned_rate_per_s(&self) -> Option<f64> {
        self.adaptive.as_ref()?.learned.map(|l| l.rate_per_ms() * 1000.0)
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// The latest window the server described, as `client.rateLimit` shows it.
    /// A rate learned from 429s shows as `learned`: the bucket's size as `limit`, its tokens as `remaining`, and
    /// when it is full again as `resetAt`.
    pub fn state(&self) -> Option<RateLimitState> {
        if self.last_state.is_some() {
            return self.last_state;
        }
        let l = self.adaptive.as_ref()?.learned?;
        Some(RateLimitState {
            limit: l.capacity.floor(),
            remaining: l.tokens.max(0.0).floor(),
            reset_at: Some(l.period_start + l.period_ms),
            observed_at: l.period_start,
            learned: true,
        })
    }

    /// Holds every request of the client until `until` (after a 429; the longest cooldown wins).
    #[inline(never)]
    pub fn cool_down(&mut self, until: f64) {
        self.cooldown_until = self.cooldown_until.max(until);
    }

    /// May a request be sent at `now`? On `Go` it is counted as sent. Never answers `WaitForAnswer` with nothing
    /// in flight: no answer would come, so one request goes as a probe instead.
    pub fn admit(&mut self, now: f64) -> Admission {
        self.now_hint = now;
        match self.decide(now) {
            Admission::WaitForAnswer if self.in_flight == 0 => self.go(),
            admission => admission,
        }
    }

    /// Why the latest [`Limiter::admit`] that did not answer `Go` waited.
    pub fn wait_reason(&self) -> WaitReason {
        self.reason
    }

    /// What `onWait` tells of a request that starts to wait at `now`: why, and how long (NaN: unknown). The first in
    /// line was told `wait_ms` by [`Limiter::admit`]; one behind others waits at least for a cooldown to end, and
    /// for an unknown time otherwise.
    pub fn told_wait(&self, first: bool, wait_ms: f64, now: f64) -> (WaitReason, f64) {
        let cooling_ms = self.cooldown_until - now;
        match () {
            _ if first => (self.reason, wait_ms),
            _ if cooling_ms > 0.0 => (WaitReason::Cooldown, cooling_ms),
            _ => (self.reason, f64::NAN),
        }
    }

    #[inline(never)]
    fn decide(&mut self, now: f64) -> Admission {
        if now < self.cooldown_until {
            self.reason = WaitReason::Cooldown;
            return Admission::WaitUntil(self.cooldown_until);
        }
        if self.max_concurrency.is_some_and(|max| self.in_flight >= max) {
            self.reason = WaitReason::Concurrency;
            return Admission::WaitForAnswer;
        }
        self.reason = WaitReason::Window;
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
        self.reason = WaitReason::Pacing;
        for pacing in &mut self.pacing {
            // Slots in any order: the earliest release is looked for among them all.
            let mut earliest = f64::INFINITY;
            let mut i = 0;
            while let Some(slot) = pacing.slots.get(i) {
                match slot.release_at {
                    Some(t) if t <= now => {
                        pacing.slots.swap_remove(i);
                        continue;
                    }
                    Some(t) => earliest = earliest.min(t),
                    None => {}
                }
                i += 1;
            }
            if pacing.slots.len() >= pacing.window.requests as usize {
                return if earliest.is_finite() { Admission::WaitUntil(earliest) } else { Admission::WaitForAnswer };
            }
        }
        // The server's own word (a known window) takes precedence over anything learned.
        self.reason = WaitReason::Learned;
        if let (Some(a), None) = (&mut self.adaptive, &self.server) {
            let (slow_start_window, max_wait_ms) = (a.slow_start_window(), a.max_wait_ms);
            match &mut a.learned {
                Some(l) => {
                    l.refill(now);
                    // At least a millisecond: clocks tick in whole ms, and a shorter wait would find the period not
                    // begun yet.
                    let until = (l.period_start + l.period_ms).max(now + 1.0);
                    if l.tokens < 1.0 && until - now <= max_wait_ms {
                        return Admission::WaitUntil(until);
                    }
                    let (capacity, period_ms) = (l.capacity, l.period_ms);
                    if let Some(at) = a.places_taken_until(capacity, period_ms, now).filter(|at| at - now <= max_wait_ms) {
                        return Admission::WaitUntil(at.max(now + 1.0));
                    }
                }
                None if self.in_flight >= slow_start_window => return Admission::WaitForAnswer,
                None => {}
            }
        }
        self.go()
    }

    /// Counts a request as sent.
    fn go(&mut self) -> Admission {
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        if let Some(issued) = &mut self.issued {
            issued.push(ticket.0);
        }
        self.in_flight += 1;
        if let Some(window) = &mut self.server {
            window.available -= 1.0;
        }
        for pacing in &mut self.pacing {
            pacing.slots.push(Slot { ticket, release_at: None });
        }
        if let Some(a) = &mut self.adaptive {
            if let Some(l) = &mut a.learned {
                l.tokens -= 1.0;
                l.period_sent += 1.0;
            }
            a.sent_at.push((ticket, self.now_hint));
        }
        Admission::Go(ticket)
    }

    /// Reports the answer (or failure) of an admitted request at `now`: frees its place, starts its pacing
    /// windows' `per_ms`, and takes in the window the response's headers describe.
    pub fn finish(&mut self, ticket: Ticket, now: f64, headers: Option<&RateHeaders>) {
        self.finish_with_status(ticket, now, headers, None);
    }

    /// As [`Limiter::finish`], with the answer's status (`None` when there was none), which adaptive pacing
    /// learns from: a 429 without a described window fits or lowers the bucket, a 2xx raises it slowly.
    pub fn finish_with_status(&mut self, ticket: Ticket, now: f64, headers: Option<&RateHeaders>, status: Option<u16>) {
        self.finish_observed(ticket, now, headers.and_then(|h| h.state(now)), status);
    }

    /// As [`Limiter::finish_with_status`], with the window the answer described already read from its headers
    /// (another tab's answer, reported to a shared quota).
    pub fn finish_observed(&mut self, ticket: Ticket, now: f64, described: Option<RateLimitState>, status: Option<u16>) {
        if !self.holds(ticket) {
            return;
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        if let Some(a) = &mut self.adaptive {
            let sent_at = match a.sent_at.iter().position(|(t, _)| *t == ticket) {
                Some(i) => a.sent_at.swap_remove(i).1,
                None => now,
            };
            if described.is_none() && self.server.is_none() {
                learn(a, status, sent_at, now);
            }
        }
        for pacing in &mut self.pacing {
            let per_ms = pacing.window.per_ms;
            if let Some(slot) = pacing.slots.iter_mut().find(|s| s.ticket == ticket) {
                slot.release_at = Some(now + per_ms);
            }
        }
        let Some(state) = described else { return };
        self.last_state = Some(state);
        // Requests still in flight were sent into this window too, and may not be counted in it yet.
        let available = state.remaining - self.in_flight as f64;
        let told_wait = state.reset_at.map_or(0.0, |at| at - now);
        self.server = Some(match self.server {
            // Answers can arrive out of order: within a window the lower count is the later truth, and a higher
            // one is older news. The latest count replaces the estimate, which corrects a request counted twice
            // (by the server already, and by us as still in flight): keeping the lower estimate instead lost a
            // request per window, and a whole window at the end of a paced burst (measured: 1 run in 8).
            Some(old) if same_window(&old, state.reset_at) => {
                let span = old.span.max(told_wait);
                if state.remaining <= old.told_min {
                    ServerWindow { available, told_min: state.remaining, span, ..old }
                } else {
                    ServerWindow { span, ..old }
                }
            }
            _ => ServerWindow { available, limit: state.limit, reset_at: state.reset_at, told_min: state.remaining, span: told_wait },
        });
    }

    /// Takes in a window described elsewhere: another tab's latest word, when this limiter starts deciding for a
    /// share whose leader went away. A window already reset, or a learned rate, says nothing here.
    pub fn assume_window(&mut self, state: RateLimitState, now: f64) {
        if state.learned || state.reset_at.is_none_or(|at| at <= now) || self.server.is_some() {
            return;
        }
        self.last_state = Some(state);
        self.server = Some(ServerWindow {
            available: state.remaining - self.in_flight as f64,
            limit: state.limit,
            reset_at: state.reset_at,
            told_min: state.remaining,
            span: state.reset_at.map_or(0.0, |at| at - state.observed_at),
        });
    }

    /// What `persist` keeps of this limiter at `now` (see [`crate::core::persist`]): the cooldown, the server's
    /// window, the pacing windows' counts (a request in flight counted as if answered now) and a learned rate.
    pub fn save(&self, now: f64) -> Saved {
        // Plain loops: iterator chains cost the wasm build their adapters (measured with twiggy).
        let mut pacing = Vec::new();
        for p in &self.pacing {
            let mut times = Vec::new();
            for slot in &p.slots {
                let t = slot.release_at.unwrap_or(now + p.window.per_ms);
                if t > now {
                    times.push(t);
                }
            }
            pacing.push(((p.window.requests, p.window.per_ms), times));
        }
        Saved {
            cooldown_until: (self.cooldown_until > now).then_some(self.cooldown_until),
            server: self.server.and_then(|w| w.reset_at.filter(|&at| at > now).map(|at| (w.limit, w.available.max(0.0), at))),
            pacing,
            learned: self.adaptive.as_ref().and_then(|a| a.learned).map(|l| (l.capacity, l.period_ms, l.ceiling, l.decreased_at)),
        }
    }

    /// Takes in what an earlier client saved at `now`. What has ended holds nothing; a cooldown or a spent server
    /// window restored holds a request at most `max_wait_ms` (storage must not hold a client longer than the app
    /// lets a wait run); pacing counts are taken only for a window configured alike and at most `per_ms` ahead; a
    /// learned rate only while it would not have been forgotten. What this limiter knows already is kept.
    #[inline(never)]
    pub fn restore(&mut self, saved: &Saved, now: f64, max_wait_ms: f64) {
        if let Some(until) = saved.cooldown_until.filter(|&t| t > now && t - now <= max_wait_ms) {
            self.cool_down(until);
        }
        if let Some((limit, available, reset_at)) = saved.server {
            let believable = reset_at > now && reset_at - now <= MAX_RESTORED_WINDOW_MS && limit >= 1.0 && available <= limit;
            if believable && (available >= 1.0 || reset_at - now <= max_wait_ms) && self.server.is_none() {
                self.server = Some(ServerWindow { available, limit, reset_at: Some(reset_at), told_min: available, span: reset_at - now });
                self.last_state.get_or_insert(RateLimitState { limit, remaining: available, reset_at: Some(reset_at), observed_at: now, learned: false });
            }
        }
        for ((requests, per_ms), times) in &saved.pacing {
            for p in &mut self.pacing {
                if p.window.requests != *requests || p.window.per_ms != *per_ms {
                    continue;
                }
                for &t in times {
                    if t > now && t - now <= *per_ms && p.slots.len() < *requests as usize {
                        p.slots.push(Slot { ticket: RESTORED, release_at: Some(t) });
                    }
                }
            }
        }
        if let (Some(a), Some((capacity, period_ms, ceiling, at))) = (&mut self.adaptive, saved.learned) {
            // Comparisons, not `RangeInclusive::contains`: that brings a generic of its own into the wasm (61 B).
            #[allow(clippy::manual_range_contains)]
            let believable = capacity >= 1.0 && capacity <= 1e6 && period_ms >= 1.0 && period_ms <= FORGET_AFTER_MS && at <= now && now - at < FORGET_AFTER_MS;
            if believable && a.learned.is_none() {
                a.learned = Some(Learned {
                    capacity, period_ms, tokens: capacity, period_start: now, refilled_at: now, period_sent: 0.0, period_refused: 0.0,
                    decreased_at: at, good_streak: 0, first_estimate: false, ceiling: ceiling.max(capacity),
                });
            }
        }
    }

    /// Gives up an admitted request that was never sent (aborted while preparing it).
    pub fn cancel(&mut self, ticket: Ticket) {
        if !self.holds(ticket) {
            return;
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        for pacing in &mut self.pacing {
            if let Some(i) = pacing.slots.iter().position(|s| s.ticket == ticket) {
                pacing.slots.swap_remove(i);
            }
        }
        if let Some(window) = &mut self.server {
            window.available += 1.0;
        }
        if let Some(a) = &mut self.adaptive {
            if let Some(i) = a.sent_at.iter().position(|(t, _)| *t == ticket) {
                a.sent_at.swap_remove(i);
            }
            if let Some(l) = &mut a.learned {
                l.tokens = (l.tokens + 1.0).min(l.capacity);
            }
        }
    }
}

/// Drops the oldest of `times` (oldest first) while `stale` says so, and any beyond [`MAX_REMEMBERED_ANSWERS`], in one
/// move of what is kept: a plain `Vec` costs fewer bytes than a `VecDeque`.
fn forget(times: &mut Vec<f64>, stale: impl Fn(f64) -> bool) {
    let mut k = times.len().saturating_sub(MAX_REMEMBERED_ANSWERS);
    while times.get(k).is_some_and(|t| stale(*t)) {
        k += 1;
    }
    times.copy_within(k.., 0);
    times.truncate(times.len() - k);
}

/// Adaptive pacing's reaction to one answer (see [`Adaptive`]).
#[inline(never)]
fn learn(a: &mut Adaptive, status: Option<u16>, sent_at: f64, now: f64) {
    if a.learned.is_some_and(|l| now - l.decreased_at > FORGET_AFTER_MS) {
        a.learned = None;
    }
    if let (Some(l), Some(_)) = (&mut a.learned, status) {
        l.anchor(sent_at, now);
    }
    // Oldest first (near enough: answers arrive about in sending order). Refusals are few, and dropped as they age so
    // that `refusing_since` resets. Good answers are counted only on a 429: dropped then, and once they are twice
    // what was kept the last time, not at every answer (`forget` moves what it keeps: measured 1 us a request at
    // 4,096), so each is moved about once.
    let stale = |t: f64| t < now - LEARNING_SPAN_MS;
    forget(&mut a.recent_refused, stale);
    if status == Some(429) || a.recent_good.len() >= 2 * a.good_kept.max(32) {
        forget(&mut a.recent_good, stale);
        a.good_kept = a.recent_good.len();
    }
    if a.recent_refused.is_empty() {
        a.refusing_since = f64::INFINITY;
        a.good_since_refusing = 0;
    }
    match status {
        Some(429) => {
            a.refusing_since = a.refusing_since.min(sent_at);
            a.recent_refused.push(sent_at);
        }
        Some(s) if (200..300).contains(&s) && sent_at >= a.refusing_since => a.good_since_refusing = a.good_since_refusing.saturating_add(1),
        _ => {}
    }
    // Refusals are a rate signal when they are most of the last second's answers: sporadic 429s, even a steady
    // fifth of them (one endpoint's own limit, a flaky proxy), must not throttle the whole client. Measured: a
    // fifth as the threshold learned 4/s from slow start's first answers in the soak test and stalled it. (Read on a
    // 429 only: the good answers are counted then.)
    let mostly_refused = a.recent_refused.len() > a.recent_good.len();
    match status {
        Some(429) => match &mut a.learned {
            // A limit: the second's refusals outnumber its good answers, or more than two in three of the answers
            // to what was sent since the server began refusing (the first refused request of the second) are
            // refusals, at least 4 (one in two is sporadic, whichever comes first). Then the good
            // answers of the second (the wave it let through) are the limit. A token bucket's wave overstates it by
            // what it refilled while the wave lasted; the next period's refusal corrects that (see below), and
            // taking 90% of the wave instead cost a fixed window a period in ten (DRF, the SeaTable flavour: 1.35x
            // the ideal makespan for a burst of 40, against 1.02-1.08x now). The first test alone learned nothing when the wave outnumbered what slow
            // start had in flight (8 + good/2): 2 first waves in 30 against nginx, whose bucket lets one more through
            // every 100 ms, and the next wave went out twice as wide (tests/js/limiters.test.mjs: 30 429s, not 13).
            None => {
                let (refused, good_since) = (a.recent_refused.len(), a.good_since_refusing);
                let since_began = a.recent_good.len().saturating_sub(good_since) >= MIN_WAVE_TO_LEARN && refused >= MIN_WAVE_TO_LEARN && refused > 2 * good_since;
                if a.recent_good.len() >= MIN_WAVE_TO_LEARN && (mostly_refused || since_began) {
                    let capacity = a.recent_good.len() as f64;
                    a.learned = Some(Learned { capacity, period_ms: LEARNING_SPAN_MS, tokens: 0.0, period_start: now, refilled_at: now, period_sent: 0.0, period_refused: 0.0, decreased_at: now, good_streak: 0, first_estimate: true, ceiling: f64::INFINITY });
                    a.recent_good.clear();
                }
            }
            // Refused although paced, mostly: back off multiplicatively, once per estimate and second; below one
            // request a period, the periods get longer (up to a second: a rate never waits longer than that).
            Some(l) if sent_at >= l.decreased_at && now - l.decreased_at >= LEARNING_SPAN_MS && mostly_refused => {
                l.refill(now);
                l.ceiling = l.ceiling.min(l.capacity);
                if l.capacity >= 1.25 {
                    l.capacity *= 0.8;
                } else {
                    l.period_ms = (l.period_ms / 0.8).min(LEARNING_SPAN_MS);
                }
                l.tokens = 0.0;
                l.decreased_at = now;
                l.good_streak = 0;
                l.first_estimate = false;
            }
            // Refused while paced, now and then. When most of the refused request's period got through (what it sent
            // less its refusals so far: a refusal can come back before its period's good answers), the period gets
            // one more than that, but fewer than it sent: a token bucket refilled in between lets through a fraction
            // under its rate (measured: 9 of 11 against nginx's 10 a second, and 9 a period is 1.2x the ideal), and a
            // wave overstates its rate by what it refilled while the wave lasted (11 or 12 against 10). Else the rate
            // holds, but the bursts are too big (the periods do not fit the server's): half as big, twice as often.
            Some(l) if sent_at >= l.decreased_at => {
                let (sent, through) = if sent_at >= l.refilled_at {
                    l.period_refused += 1.0;
                    (l.period_sent, l.period_sent - l.period_refused)
                } else {
                    (0.0, 0.0)
                };
                l.refill(now);
                l.tokens = l.tokens.min(0.0);
                if 2.0 * through >= l.capacity {
                    l.ceiling = l.ceiling.min(sent);
                    l.capacity = (through + 1.0).min(l.ceiling - 1.0).max(1.0);
                } else {
                    let halved = (l.capacity / 2.0).max(1.0);
                    l.period_ms *= halved / l.capacity;
                    l.capacity = halved;
                }
            }
            Some(l) => l.tokens = l.tokens.min(0.0),
        },
        Some(s) if (200..300).contains(&s) => {
            a.recent_good.push(sent_at);
            if a.learned.is_some() {
                a.answered_at.push(now);
            }
            match &mut a.learned {
                // A late answer of the wave the estimate was learned from (sent before it, within its second):
                // the wave was bigger than it looked when the refusals began to outnumber it.
                Some(l) if l.first_estimate && sent_at < l.decreased_at && now - l.decreased_at < LEARNING_SPAN_MS => {
                    l.capacity += 1.0;
                }
                // Probe upwards slowly: 2% more per period after two bucketfuls of good answers.
                Some(l) => {
                    l.good_streak += 1;
                    if f64::from(l.good_streak) >= 2.0 * l.capacity.max(5.0) {
                        l.capacity *= 1.02;
                        l.good_streak = 0;
                    }
                }
                None => a.good_answers = a.good_answers.saturating_add(1),
            }
        }
        _ => {}
    }
}

/// Does an answer whose window resets at `reset` describe `old`? When the two resets are closer than half the
/// window, or than a second (clocks and whole-second headers differ that much). Half the window matters for short
/// windows: a client paced to a 1-second window sends into the next one about a second after the last, so the two
/// resets are about a second apart too (measured: 1 run in 8 lost a whole window that way).
fn same_window(old: &ServerWindow, reset: Option<f64>) -> bool {
    matches!((old.reset_at, reset), (Some(a), Some(b)) if (a - b).abs() < (old.span / 2.0).min(1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::persist::Saved;

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
    fn what_one_client_saves_the_next_restores() {
        let w = [RateWindow { requests: 2, per_ms: 1000.0 }];
        // Pacing: two requests sent (one answered at 100, one in flight at the save): the next client waits for both.
        let mut first = Limiter::new(&w, None);
        let a = go(&mut first, 0.0);
        go(&mut first, 50.0);
        first.finish(a, 100.0, None);
        let saved = first.save(200.0);
        assert_eq!(saved.pacing, vec![((2, 1000.0), vec![1100.0, 1200.0])]);
        let mut next = Limiter::new(&w, None);
        next.restore(&saved, 300.0, 60_000.0);
        assert_eq!(next.admit(300.0), Admission::WaitUntil(1100.0));
        go(&mut next, 1100.0);
        // Another window size, or no pacing at all, takes none of it.
        let mut other = Limiter::new(&[RateWindow { requests: 2, per_ms: 500.0 }], None);
        other.restore(&saved, 300.0, 60_000.0);
        go(&mut other, 300.0);
        // A restored window that has ended holds nothing.
        let mut late = Limiter::new(&w, None);
        late.restore(&saved, 1300.0, 60_000.0);
        go(&mut late, 1300.0);
        go(&mut late, 1300.0);

        // The server's window and a cooldown.
        let mut told = Limiter::new(&[], None);
        let t = go(&mut told, 0.0);
        told.finish(t, 10.0, Some(&headers(&[("X-RateLimit-Limit", "5"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset-After", "2")], 10.0)));
        told.cool_down(1500.0);
        let saved = told.save(20.0);
        assert_eq!((saved.cooldown_until, saved.server), (Some(1500.0), Some((5.0, 0.0, 2010.0))));
        let mut next = Limiter::new(&[], None);
        next.restore(&saved, 30.0, 60_000.0);
        assert_eq!(next.admit(30.0), Admission::WaitUntil(1500.0));
        assert_eq!(next.admit(1500.0), Admission::WaitUntil(2010.0));
        assert_eq!(next.state().map(|s| (s.limit, s.remaining)), Some((5.0, 0.0)), "client.rateLimit shows the restored window");
        // maxRetryAfterMs of 1 s: neither a cooldown nor a spent window that would hold a request longer is taken.
        let mut patient = Limiter::new(&[], None);
        patient.restore(&saved, 30.0, 1000.0);
        go(&mut patient, 30.0);
    }

    #[test]
    fn forgetting_drops_the_stale_front_and_what_is_beyond_the_cap() {
        let table: [(Vec<f64>, f64, Vec<f64>); 4] = [
            (vec![], 5.0, vec![]),
            (vec![1.0, 2.0, 6.0, 7.0], 5.0, vec![6.0, 7.0]),
            (vec![1.0, 2.0], 5.0, vec![]),
            // Only the front: a stale time behind a fresh one stays (answers arrive about in order).
            (vec![6.0, 1.0, 7.0], 5.0, vec![6.0, 1.0, 7.0]),
        ];
        for (times, cutoff, kept) in table {
            let mut times = times;
            forget(&mut times, |t| t < cutoff);
            assert_eq!(times, kept);
        }
        let mut many: Vec<f64> = (0..MAX_REMEMBERED_ANSWERS + 3).map(|i| i as f64).collect();
        forget(&mut many, |t| t < 1.0);
        assert_eq!((many.len(), many[0]), (MAX_REMEMBERED_ANSWERS, 3.0), "the cap first, then the stale");
        forget(&mut many, |t| t < 10.0);
        assert_eq!((many.len(), many[0]), (MAX_REMEMBERED_ANSWERS - 7, 10.0));
    }

    #[test]
    fn good_answers_are_remembered_within_bounds() {
        // Good answers are dropped lazily (see `learn`): a slow client keeps a few, a fast one at most twice the
        // cap, and a 429 counts only the last second's.
        let good_kept = |l: &Limiter| l.adaptive.as_ref().unwrap().recent_good.len();
        for (per_second, most) in [(10.0, 64), (500.0, 1000), (50_000.0, 2 * MAX_REMEMBERED_ANSWERS)] {
            let mut l = Limiter::new(&[], None).with_adaptive(true, 60_000.0);
            let mut longest = 0;
            for i in 0..20_000 {
                let now = i as f64 * 1000.0 / per_second;
                let t = go(&mut l, now);
                l.finish_with_status(t, now, Some(&RateHeaders::default()), Some(200));
                longest = longest.max(good_kept(&l));
            }
            assert!(longest <= most, "{per_second}/s: {longest} kept, at most {most}");
            let now = 20_000.0 * 1000.0 / per_second;
            let t = go(&mut l, now);
            l.finish_with_status(t, now, Some(&RateHeaders::default()), Some(429));
            let second = (per_second as usize).min(MAX_REMEMBERED_ANSWERS);
            assert!(good_kept(&l) + 1 >= second && good_kept(&l) <= second + 1, "{per_second}/s: {} counted on a 429", good_kept(&l));
        }
    }

    #[test]
    fn restored_values_that_cannot_be_true_are_ignored() {
        let now = 1_000_000.0;
        let table = [
            ("a window far in the future", Saved { server: Some((5.0, 3.0, now + 400.0 * 86_400_000.0)), ..Saved::default() }),
            ("more left than the limit", Saved { server: Some((5.0, 9.0, now + 1000.0)), ..Saved::default() }),
            ("a limit of 0", Saved { server: Some((0.0, 0.0, now + 1000.0)), ..Saved::default() }),
            ("a cooldown of a year", Saved { cooldown_until: Some(now + 3e10), ..Saved::default() }),
            ("pacing counts from the far future", Saved { pacing: vec![((2, 1000.0), vec![now + 5e9, now + 5e9])], ..Saved::default() }),
            ("a learned rate of 0", Saved { learned: Some((0.0, 1000.0, f64::INFINITY, now)), ..Saved::default() }),
            ("a learned rate from the future", Saved { learned: Some((3.0, 1000.0, f64::INFINITY, now + 1e9)), ..Saved::default() }),
            ("a learned rate long forgotten", Saved { learned: Some((3.0, 1000.0, f64::INFINITY, now - 1e9)), ..Saved::default() }),
        ];
        for (what, saved) in table {
            let mut l = Limiter::new(&[RateWindow { requests: 2, per_ms: 1000.0 }], None);
            l.restore(&saved, now, 60_000.0);
            go(&mut l, now);
            go(&mut l, now);
            let mut adaptive = Limiter::new(&[], None).with_adaptive(true, 60_000.0);
            adaptive.restore(&saved, now, 60_000.0);
            assert_eq!(adaptive.learned_rate_per_s(), None, "{what}");
            go(&mut adaptive, now);
        }
        // A believable learned rate is taken: 3 a second.
        let mut adaptive = Limiter::new(&[], None).with_adaptive(true, 60_000.0);
        adaptive.restore(&Saved { learned: Some((3.0, 1000.0, f64::INFINITY, now - 5000.0)), ..Saved::default() }, now, 60_000.0);
        assert_eq!(adaptive.learned_rate_per_s(), Some(3.0));
        for _ in 0..3 {
            go(&mut adaptive, now);
        }
        assert!(matches!(adaptive.admit(now), Admission::WaitUntil(_)));
    }

    #[test]
    fn what_on_wait_is_told() {
        let mut l = Limiter::new(&[RateWindow { requests: 1, per_ms: 1000.0 }], None);
        let t = go(&mut l, 0.0);
        l.finish(t, 10.0, None);
        assert_eq!(l.admit(20.0), Admission::WaitUntil(1010.0));
        // The first in line: the limiter's reason and wait; behind it: unknown.
        assert_eq!(l.told_wait(true, 990.0, 20.0), (WaitReason::Pacing, 990.0));
        let (reason, delay) = l.told_wait(false, f64::INFINITY, 20.0);
        assert!(reason == WaitReason::Pacing && delay.is_nan());
        // During a cooldown everyone waits at least for its end.
        l.cool_down(520.0);
        assert_eq!(l.told_wait(false, f64::INFINITY, 20.0), (WaitReason::Cooldown, 500.0));
    }

    #[test]
    fn a_wait_says_why() {
        // Each limit, alone, made to refuse: the reason `onWait` reports.
        let mut cooling = Limiter::new(&[], None);
        cooling.cool_down(100.0);
        let mut capped = Limiter::new(&[], Some(1));
        go(&mut capped, 0.0);
        let mut windowed = Limiter::new(&[], None);
        let t = go(&mut windowed, 0.0);
        windowed.finish(t, 1.0, Some(&headers(&[("X-RateLimit-Limit", "5"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset-After", "9")], 1.0)));
        let mut paced = Limiter::new(&[RateWindow { requests: 1, per_ms: 1000.0 }], None);
        go(&mut paced, 0.0);
        let mut learning = Limiter::new(&[], None).with_adaptive(true, 60_000.0);
        // Before it has learned a rate it sends a few and waits for their answers.
        assert!((0..100).any(|_| learning.admit(0.0) == Admission::WaitForAnswer));
        let table = [(cooling, WaitReason::Cooldown, "cooldown"), (capped, WaitReason::Concurrency, "concurrency"), (windowed, WaitReason::Window, "window"), (paced, WaitReason::Pacing, "pacing"), (learning, WaitReason::Learned, "learned")];
        for (mut l, reason, name) in table {
            assert!(!matches!(l.admit(2.0), Admission::Go(_)), "{name}: should wait");
            assert_eq!(l.wait_reason(), reason);
            assert_eq!(reason.as_str(), name);
        }
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
    fn a_request_counted_by_the_server_is_not_counted_again() {
        // Window of 10. Tickets 0 and 1 go; the server counts both before answering 0 ("8 left"), so while 1 is in
        // flight the estimate is 7 (1 may not have been counted). 1's own answer, also "8 left", settles it: 8,
        // less the 2 sent since. The old rule (the lower estimate wins) kept the 7 and lost a request per window.
        let mut l = Limiter::new(&[], None);
        let told = |remaining: &str, now: f64| headers(&[("X-RateLimit-Limit", "10"), ("X-RateLimit-Remaining", remaining), ("X-RateLimit-Reset-After", "1")], now);
        let t0 = go(&mut l, 0.0);
        let t1 = go(&mut l, 0.0);
        l.finish(t0, 2.0, Some(&told("8", 2.0)));
        go(&mut l, 2.0);
        go(&mut l, 2.0);
        l.finish(t1, 3.0, Some(&told("8", 3.0)));
        for _ in 0..6 {
            go(&mut l, 3.0);
        }
        assert!(matches!(l.admit(3.0), Admission::WaitUntil(_)));
    }

    #[test]
    fn consecutive_short_windows_are_told_apart() {
        // A 1-second window of 10, the client paced to it: the next window's first answer says it resets 999.7 ms
        // after the last window did. It is a new window, with 9 left, not the old one with none.
        let mut l = Limiter::new(&[], None);
        let told = |remaining: &str, reset_after: &str, now: f64| headers(&[("X-RateLimit-Limit", "10"), ("X-RateLimit-Remaining", remaining), ("X-RateLimit-Reset-After", reset_after)], now);
        let t = go(&mut l, 0.0);
        l.finish(t, 8.0, Some(&told("0", "0.9995", 8.0)));
        let t = go(&mut l, 1008.0);
        l.finish(t, 1010.0, Some(&told("9", "0.9972", 1010.0)));
        for _ in 0..9 {
            go(&mut l, 1010.0);
        }
        assert!(matches!(l.admit(1010.0), Admission::WaitUntil(at) if (at - 2007.2).abs() < 1e-6));
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

    /// Runs `n` requests at once through the limiter against a simulated server, the way the engine does: 1 ms
    /// answers, a 429 cools the client down for `retry_after_ms` and the request goes again. Returns (429s,
    /// makespan in ms).
    fn simulate(adaptive: bool, n: usize, server_allows: impl FnMut(f64) -> bool, retry_after_ms: f64) -> (u32, f64) {
        run(&mut Limiter::new(&[], None).with_adaptive(adaptive, f64::INFINITY), 0.0, n, server_allows, retry_after_ms)
    }

    /// As [`simulate`], for `n` requests still to go through `l` from `now`; returns (429s, the time the last
    /// answer came).
    fn run(l: &mut Limiter, now: f64, n: usize, server_allows: impl FnMut(f64) -> bool, retry_after_ms: f64) -> (u32, f64) {
        run_late(l, now, n, server_allows, retry_after_ms, || 1.0)
    }

    /// As [`run`], with each request's round trip from `latency` (at least 1 ms): the server sees it that much
    /// less 1 ms after it was sent, in the order requests arrive.
    fn run_late(l: &mut Limiter, mut now: f64, n: usize, mut server_allows: impl FnMut(f64) -> bool, retry_after_ms: f64, mut latency: impl FnMut() -> f64) -> (u32, f64) {
        let (mut pending, mut done, mut refused) = (n, 0, 0);
        let mut in_flight: Vec<(f64, Ticket)> = Vec::new();
        let mut steps = 0;
        while done < n {
            steps += 1;
            assert!(steps < 100_000, "the simulation does not progress");
            let mut wake = f64::INFINITY;
            while pending > 0 {
                match l.admit(now) {
                    Admission::Go(t) => {
                        pending -= 1;
                        in_flight.push((now + latency().max(1.0), t));
                    }
                    Admission::WaitUntil(at) => {
                        wake = at;
                        break;
                    }
                    Admission::WaitForAnswer => break,
                }
            }
            let next_answer = in_flight.iter().map(|f| f.0).fold(f64::INFINITY, f64::min);
            now = next_answer.min(wake);
            assert!(now.is_finite() && now < 600_000.0, "the simulation stalled");
            let (mut answered, rest): (Vec<_>, Vec<_>) = in_flight.into_iter().partition(|f| f.0 <= now);
            in_flight = rest;
            answered.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (answer_at, ticket) in answered {
                let allowed = server_allows(answer_at - 1.0);
                let status = if allowed { 200 } else { 429 };
                l.finish_with_status(ticket, now, Some(&RateHeaders::default()), Some(status));
                if allowed {
                    done += 1;
                } else {
                    refused += 1;
                    pending += 1;
                    l.cool_down(now + retry_after_ms);
                }
            }
        }
        (refused, now)
    }

    /// nginx's `limit_req rate=10r/s burst=10 nodelay`: 11 at once, then one every 100 ms.
    fn nginx_like() -> impl FnMut(f64) -> bool {
        nginx_from(11.0, 0.0)
    }

    /// nginx's bucket as [`nginx_like`], holding `tokens` at `at`.
    fn nginx_from(mut tokens: f64, mut at: f64) -> impl FnMut(f64) -> bool {
        move |now| {
            tokens = (tokens + (now - at) * 0.01).min(11.0);
            at = now;
            if tokens >= 1.0 {
                tokens -= 1.0;
                true
            } else {
                false
            }
        }
    }

    #[test]
    fn adaptive_pacing_learns_a_silent_limit() {
        // A burst of 60: ideal makespan 4.9 s (11 at once, then 49 at 100 ms).
        let (refused, makespan) = simulate(true, 60, nginx_like(), 1000.0);
        assert!(refused <= 20, "{refused} 429s");
        assert!(makespan <= 1.1 * 4900.0, "makespan {makespan} ms");
        // Without it, every held request goes at once after each cooldown and is refused again.
        let (refused_blind, _) = simulate(false, 60, nginx_like(), 1000.0);
        assert!(refused_blind > 2 * refused, "{refused_blind} vs {refused}");
        eprintln!("simulated nginx burst of 60: adaptive {refused} 429s in {makespan} ms; without it {refused_blind} 429s");
        // A 429 after too few good answers teaches nothing; after a wave it does, and shows as learned.
        let mut l = Limiter::new(&[], None).with_adaptive(true, f64::INFINITY);
        let t = go(&mut l, 0.0);
        l.finish_with_status(t, 1.0, Some(&RateHeaders::default()), Some(429));
        assert_eq!(l.learned_rate_per_s(), None);
        let wave: Vec<Ticket> = (0..6).map(|_| go(&mut l, 2.0)).collect();
        for t in wave {
            l.finish_with_status(t, 3.0, Some(&RateHeaders::default()), Some(200));
        }
        // Refusals must outnumber the second's good answers (6) before anything is learned: the one at 1.0 and 6.
        let late = go(&mut l, 4.0);
        for i in 0..6 {
            let t = go(&mut l, 4.0);
            l.finish_with_status(t, 5.0, Some(&RateHeaders::default()), Some(429));
            assert_eq!(l.learned_rate_per_s().is_some(), i == 5, "after {} more refusals", i + 1);
        }
        assert!((l.learned_rate_per_s().unwrap() - 6.0).abs() < 1e-9);
        assert_eq!(l.state().map(|s| (s.learned, s.limit)), Some((true, 6.0)));
        // A good answer of the same wave arriving late still counts towards it.
        l.finish_with_status(late, 6.0, Some(&RateHeaders::default()), Some(200));
        assert!((l.learned_rate_per_s().unwrap() - 7.0).abs() < 1e-9);
        // Forgotten after a quiet minute.
        let t = go(&mut l, 70_000.0);
        l.finish_with_status(t, 70_001.0, Some(&RateHeaders::default()), Some(200));
        assert_eq!(l.learned_rate_per_s(), None);
    }

    /// First waves of unconfigured bursts of 60 against real nginx (`limit_req rate=10r/s burst=10 nodelay`,
    /// `Retry-After: 1`), recorded by the `fetch` option on a busy machine: per request in sending order, (sent,
    /// answered, status), ms from the burst's start. The first two earned 30 429s in all: their waves let 11 good
    /// answers through against 10 and 11 refusals, and nothing was learned before the second wave.
    const NGINX_FIRST_WAVES: [&[(f64, f64, u16)]; 4] = [
        &[(1.5, 13.0, 200), (8.1, 16.4, 200), (8.9, 25.0, 200), (9.4, 27.1, 200), (9.7, 34.7, 200), (10.0, 42.8, 200), (10.6, 53.2, 200), (11.0, 55.2, 200), (13.3, 62.9, 429), (16.7, 66.8, 429), (17.1, 72.7, 429), (25.4, 74.4, 429), (27.4, 75.7, 429), (32.3, 89.1, 429), (35.0, 90.6, 429), (43.1, 91.8, 200), (46.5, 92.5, 200), (53.5, 93.2, 200), (55.5, 93.9, 429), (56.1, 94.9, 429), (63.3, 104.5, 429)],
        &[(1.2, 11.1, 200), (1.9, 17.6, 200), (2.3, 25.7, 200), (2.6, 29.0, 200), (2.8, 31.3, 200), (3.0, 32.6, 200), (3.3, 35.1, 200), (3.5, 44.8, 200), (11.3, 55.0, 200), (17.8, 46.5, 200), (19.1, 48.9, 429), (26.0, 50.1, 429), (29.2, 51.2, 429), (29.8, 51.7, 429), (31.5, 52.4, 429), (32.8, 53.2, 429), (33.5, 53.8, 429), (35.2, 54.4, 429), (45.1, 55.5, 200), (45.7, 56.0, 429), (46.6, 56.6, 429), (49.0, 57.3, 429)],
        // A slow one, both cores busy: answers over 300 ms, and nginx let 12 through; the rate learned from it was
        // 11 a second, and the burst took 1.2x the ideal before a period's refusal set it to what got through.
        &[(26.2, 88.5, 200), (37.2, 124.7, 200), (38.7, 135.6, 200), (48.6, 144.3, 200), (49.7, 157.3, 200), (50.2, 166.3, 200), (50.8, 189.2, 200), (56.3, 197.1, 200), (102.8, 209.8, 200), (125.4, 217.8, 200), (131.7, 234.0, 429), (136.1, 244.6, 429), (145.0, 247.1, 429), (146.4, 266.8, 429), (158.0, 273.3, 429), (166.9, 279.5, 429), (180.5, 281.6, 429), (191.9, 288.6, 429), (204.2, 292.1, 429), (205.0, 294.8, 429), (210.3, 304.7, 429), (218.2, 254.1, 200), (223.6, 259.7, 200), (234.5, 313.4, 429)],
        // An ordinary one (13 429s in all): 10 good, then 13 refusals and one good.
        &[(0.9, 5.9, 200), (2.1, 9.9, 200), (2.7, 12.6, 200), (3.2, 14.4, 200), (3.6, 16.6, 200), (4.1, 18.1, 200), (4.5, 19.9, 200), (4.9, 21.1, 200), (6.9, 23.0, 200), (10.1, 24.3, 200), (10.8, 33.1, 429), (12.9, 37.0, 429), (14.6, 38.3, 429), (15.1, 40.2, 429), (16.8, 41.4, 429), (18.3, 43.2, 429), (18.6, 80.5, 429), (20.0, 83.9, 429), (21.3, 85.2, 429), (21.6, 86.6, 429), (23.2, 50.4, 200), (24.4, 51.9, 429), (24.9, 69.7, 429), (34.9, 89.5, 429)],
    ];

    #[test]
    fn adaptive_pacing_learns_from_the_first_wave_whatever_its_timing() {
        for (i, wave) in NGINX_FIRST_WAVES.iter().enumerate() {
            // Replays the wave: each request goes when it went, if the limiter still lets it (once something is
            // learned it may hold the rest); its answer comes when it came; a 429 cools down for a second.
            let mut l = Limiter::new(&[], None).with_adaptive(true, f64::INFINITY);
            let mut events: Vec<(f64, usize, bool)> = wave.iter().enumerate().flat_map(|(k, r)| [(r.0, k, false), (r.1, k, true)]).collect();
            events.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut tickets: Vec<Option<Ticket>> = vec![None; wave.len()];
            let (mut good, mut refused, mut last) = (0, 0, 0.0);
            for (at, k, answer) in events {
                match (answer, tickets[k]) {
                    (false, _) => {
                        if let Admission::Go(t) = l.admit(at) {
                            tickets[k] = Some(t);
                        }
                    }
                    (true, Some(t)) => {
                        l.finish_with_status(t, at, Some(&RateHeaders::default()), Some(wave[k].2));
                        if wave[k].2 == 429 {
                            refused += 1;
                            l.cool_down(at + 1000.0);
                        } else {
                            good += 1;
                        }
                        last = at;
                    }
                    (true, None) => {}
                }
            }
            let rate = l.learned_rate_per_s();
            assert!(rate.is_some_and(|r| (5.0..=good as f64).contains(&r)), "wave {i}: learned {rate:?} from {good} good answers and {refused} refusals");
            // The rest of the burst of 60 against nginx's bucket, which the wave left empty.
            let (more, end) = run(&mut l, last, 60 - good, nginx_from(0.0, last), 1000.0);
            eprintln!("wave {i}: learned {rate:?}, {refused} + {more} 429s, {end} ms");
            assert!(refused + more <= 20, "wave {i}: {refused} + {more} 429s");
            assert!(end <= 1.1 * 4900.0, "wave {i}: makespan {end} ms");
        }
    }

    /// The reference server's SeaTable flavour: `limit` requests per `window_ms`, a window beginning with the first
    /// request after the last one ended.
    fn fixed_window_from_first_request(limit: u32, window_ms: f64) -> impl FnMut(f64) -> bool {
        let (mut start, mut count) = (f64::NEG_INFINITY, 0);
        move |now| {
            if now - start >= window_ms {
                (start, count) = (now, 0);
            }
            count += 1;
            count <= limit
        }
    }

    /// Django REST framework's throttle (`SimpleRateThrottle`): at most `limit` requests let through in any
    /// `window_ms`, a log of the times it let one through (refusals are not logged).
    fn sliding_log(limit: usize, window_ms: f64) -> impl FnMut(f64) -> bool {
        let mut log: std::collections::VecDeque<f64> = std::collections::VecDeque::new();
        move |now| {
            while log.front().is_some_and(|t| *t <= now - window_ms) {
                log.pop_front();
            }
            let allowed = log.len() < limit;
            if allowed {
                log.push_back(now);
            }
            allowed
        }
    }

    #[test]
    fn adaptive_pacing_fits_fixed_windows_and_sliding_logs() {
        // Bursts against 10 a second with bare 429s: the SeaTable flavour's window that begins with its first
        // request (the first backoff, 500 ms, as the cooldown) and DRF's sliding log (Retry-After: 1), round trips
        // of 1-7 ms and of 5-70 ms (DRF under waitress). The periods begin after the server's windows. Ideal: the
        // last ten go (n / 10 - 1) s after the first. Taking 90% of the first wave as the rate cost a period in
        // ten: 1.35x for 40 against both real servers (and 1.2x here); a bucket refilled bit by bit took 1.42x.
        type Server = Box<dyn FnMut(f64) -> bool>;
        type Case = (&'static str, fn() -> Server, f64);
        let servers: [Case; 2] = [
            ("fixed window", || Box::new(fixed_window_from_first_request(10, 1000.0)), 500.0),
            ("sliding log", || Box::new(sliding_log(10, 1000.0)), 1000.0),
        ];
        for (name, server, cooldown) in servers {
            for n in [40, 60] {
                for (slowest, step) in [(7.0, 0.5), (70.0, 5.0)] {
                    let mut trips = (0..).map(move |i: u32| (1.0 + f64::from(i * 7 % 13) * step).min(slowest));
                    let mut l = Limiter::new(&[], None).with_adaptive(true, f64::INFINITY);
                    let (refused, makespan) = run_late(&mut l, 0.0, n, server(), cooldown, || trips.next().unwrap());
                    let ideal = (n / 10 - 1) as f64 * 1000.0;
                    eprintln!("{name}, burst of {n}, round trips up to {slowest} ms: {refused} 429s in {makespan} ms ({:.2}x), learned {:?}", makespan / ideal, l.learned_rate_per_s());
                    assert!(refused <= 20, "{name}, {n}, {slowest} ms: {refused} 429s");
                    assert!(makespan <= 1.1 * ideal + slowest, "{name}, {n}, {slowest} ms: makespan {makespan} ms");
                }
            }
        }
    }

    #[test]
    fn adaptive_pacing_survives_disorder_and_clock_jumps() {
        let ok = |l: &mut Limiter, t: Ticket, now: f64, status: u16| l.finish_with_status(t, now, Some(&RateHeaders::default()), Some(status));
        // Answers in reverse order: the refusals of the last 4 sent come back before the 4 good ones, then 4 more
        // refusals. Nothing above what was answered well in that second is learned.
        let mut l = Limiter::new(&[], None).with_adaptive(true, 300.0);
        let sent: Vec<Ticket> = (0..8).map(|i| go(&mut l, f64::from(i))).collect();
        for (i, t) in sent.into_iter().rev().enumerate() {
            ok(&mut l, t, 20.0 + i as f64, if i < 4 { 429 } else { 200 });
        }
        assert_eq!(l.learned_rate_per_s(), None, "the good answers came after the refusals: no wave yet");
        for i in 0..4 {
            let t = go(&mut l, 30.0 + f64::from(i));
            ok(&mut l, t, 35.0, 429);
        }
        let rate = l.learned_rate_per_s().expect("a wave of 4 and 8 refusals after it is a limit");
        assert!(rate <= 4.0, "learned {rate}/s from 4 good answers");
        // The learned period is a second, longer than the 300 ms the app allows a wait: the guess does not hold.
        assert!(matches!(l.admit(40.0), Admission::Go(_)));
        // A clock that jumps ten minutes (a held background tab): one period's worth goes, not ten minutes' worth.
        let mut l = Limiter::new(&[], None).with_adaptive(true, f64::INFINITY);
        for at in [0.0, 1.0] {
            let wave: Vec<Ticket> = (0..5).map(|_| go(&mut l, at)).collect();
            for t in wave {
                ok(&mut l, t, at + 0.5, 200);
            }
        }
        for _ in 0..4 {
            let t = go(&mut l, 2.0);
            ok(&mut l, t, 3.0, 429);
        }
        let capacity = l.state().unwrap().limit;
        let mut sent = 0;
        while let Admission::Go(_) = l.admit(600_000.0) {
            sent += 1;
        }
        assert_eq!(f64::from(sent), capacity, "sent at once after the jump");
        // No refusal for a minute: what was learned no longer holds.
        let t = go(&mut l, 700_000.0);
        ok(&mut l, t, 700_001.0, 200);
        assert_eq!(l.learned_rate_per_s(), None);
    }

    #[test]
    fn adaptive_pacing_ignores_sporadic_refusals_and_halves_the_burst_on_them() {
        // 10 good answers in a second, then every other answer refused (either order): sporadic, not a limit.
        let mut l = Limiter::new(&[], None).with_adaptive(true, f64::INFINITY);
        for _ in 0..10 {
            let t = go(&mut l, 0.0);
            l.finish_with_status(t, 1.0, Some(&RateHeaders::default()), Some(200));
        }
        for i in 0..10 {
            for status in if i % 2 == 0 { [429, 200] } else { [200, 429] } {
                let t = go(&mut l, 2.0 + f64::from(i));
                l.finish_with_status(t, 3.0 + f64::from(i), Some(&RateHeaders::default()), Some(status));
            }
            assert_eq!(l.learned_rate_per_s(), None, "after {} refusals", i + 1);
        }
        // Refusals outnumber the second's good answers (20) at the 21st, and twice those since they began (10).
        for i in 0..11 {
            let t = go(&mut l, 20.0);
            l.finish_with_status(t, 21.0, Some(&RateHeaders::default()), Some(429));
            assert_eq!(l.learned_rate_per_s().is_some(), i == 10, "after {} more refusals", i + 1);
        }
        assert!((l.learned_rate_per_s().unwrap() - 20.0).abs() < 1e-9);
        // Paced, a refusal now and then (good answers outnumber it) after 10 of the period got through: 10 a period.
        for _ in 0..10 {
            let t = go(&mut l, 2000.0);
            l.finish_with_status(t, 2001.0, Some(&RateHeaders::default()), Some(200));
        }
        let t = go(&mut l, 2001.0);
        l.finish_with_status(t, 2002.0, Some(&RateHeaders::default()), Some(429));
        assert!((l.learned_rate_per_s().unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(l.state().map(|s| s.limit), Some(10.0));
        // The next period (a second after its first answer) refuses its third: the rate holds, the bursts halve.
        assert_eq!(l.admit(2999.0), Admission::WaitUntil(3001.0));
        for _ in 0..2 {
            let t = go(&mut l, 3001.0);
            l.finish_with_status(t, 3002.0, Some(&RateHeaders::default()), Some(200));
        }
        let t = go(&mut l, 3002.0);
        l.finish_with_status(t, 3003.0, Some(&RateHeaders::default()), Some(429));
        assert!((l.learned_rate_per_s().unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(l.state().map(|s| s.limit), Some(5.0));
    }

    #[test]
    fn adaptive_pacing_yields_to_headers_and_configuration() {
        // The server describes its window: nothing is learned, and slow start gives way to the window.
        let mut l = Limiter::new(&[], None).with_adaptive(true, f64::INFINITY);
        let t = go(&mut l, 0.0);
        let told = headers(&[("X-RateLimit-Remaining", "50"), ("X-RateLimit-Limit", "60"), ("X-RateLimit-Reset-After", "60")], 1.0);
        l.finish_with_status(t, 1.0, Some(&told), Some(200));
        for _ in 0..50 {
            go(&mut l, 1.0);
        }
        assert_eq!(l.learned_rate_per_s(), None);
        // Configured pacing switches adaptive pacing off.
        let l = Limiter::new(&[RateWindow { requests: 5, per_ms: 1000.0 }], None).with_adaptive(true, f64::INFINITY);
        assert!(l.adaptive.is_none());
    }

    #[test]
    fn slow_start_holds_a_first_burst_until_answers_come() {
        let mut l = Limiter::new(&[], None).with_adaptive(true, f64::INFINITY);
        let first: Vec<Ticket> = (0..SLOW_START_WINDOW).map(|_| go(&mut l, 0.0)).collect();
        assert_eq!(l.admit(0.0), Admission::WaitForAnswer);
        for t in first {
            l.finish_with_status(t, 1.0, Some(&RateHeaders::default()), Some(200));
        }
        for _ in 0..SLOW_START_WINDOW + SLOW_START_WINDOW / 2 {
            go(&mut l, 1.0);
        }
        assert_eq!(l.admit(1.0), Admission::WaitForAnswer);
    }

    #[test]
    fn checked_tickets_finish_once() {
        // A shared quota hears answers from other tabs: a repeated, stale or bogus one changes nothing.
        let mut l = Limiter::new(&[], Some(1)).checking_tickets();
        let t = go(&mut l, 0.0);
        l.finish_observed(Ticket::from_f64(t.as_f64()), 1.0, None, Some(200));
        go(&mut l, 1.0);
        for bogus in [t.as_f64(), -1.0, 0.5, f64::NAN, 1e300] {
            l.finish_observed(Ticket::from_f64(bogus), 2.0, None, Some(200));
            l.cancel(Ticket::from_f64(bogus));
        }
        assert_eq!(l.in_flight(), 1);
        assert_eq!(l.admit(2.0), Admission::WaitForAnswer);
    }

    #[test]
    fn a_new_leader_assumes_the_window_it_was_told() {
        let told = RateLimitState { limit: 10.0, remaining: 1.0, reset_at: Some(5000.0), observed_at: 100.0, learned: false };
        let mut l = Limiter::new(&[], None);
        l.assume_window(told, 200.0);
        go(&mut l, 200.0);
        assert_eq!(l.admit(200.0), Admission::WaitUntil(5000.0));
        assert_eq!(l.state(), Some(told));
        // Reset already, or learned: nothing is assumed.
        for state in [RateLimitState { reset_at: Some(150.0), ..told }, RateLimitState { learned: true, ..told }] {
            let mut l = Limiter::new(&[], None);
            l.assume_window(state, 200.0);
            assert_eq!(l.state(), None);
        }
    }

    #[test]
    fn cancel_returns_the_place() {
        let mut l = Limiter::new(&[RateWindow { requests: 1, per_ms: 1000.0 }], Some(1));
        let t = go(&mut l, 0.0);
        l.cancel(t);
        go(&mut l, 0.0);
    }
}

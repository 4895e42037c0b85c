//! The async loop of one call: wait for a turn -> attempt -> ask the core -> wait -> again. Also `poll`, and how
//! answers and cancelled turns reach the limiter (and the shared quota).

use std::rc::Rc;

use crate::wasm::js::{self, Object};
use wasm_bindgen::prelude::*;

use crate::core::error::{self, ErrorKind};
use crate::core::headers::RateHeaders;
use crate::core::limiter::{Admission, Ticket};
use crate::core::options::{self, RetryPolicy};
use crate::core::queue::Place;
use crate::core::response::ResponseType;
use crate::core::retry::{self, Decision, FailedAttempt, Failure, PollWait, RetryReason};
use crate::wasm::attempt::attempt;
use crate::wasm::client::{Inner, Token};
use crate::wasm::persist;
use crate::wasm::errors::{self, plain_error, plain_error_with_code, set};
use crate::wasm::hooks::{self, BEFORE_RETRY};
use crate::wasm::read_options::{abort_reason, member};
use crate::wasm::share::Share;
use crate::wasm::tasks;
use crate::wasm::timers::{self, now};
use crate::wasm::views;

/// One request, validated and ready to send (possibly several times).
#[derive(Default)]
pub(crate) struct Req {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: JsValue,
    pub(crate) json_body: bool,
    pub(crate) replayable: bool,
    pub(crate) signal: JsValue,
    pub(crate) timeout_ms: f64,
    pub(crate) retry: Option<Rc<RetryPolicy>>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) response_type: ResponseType,
    /// `priority` (default 0): among requests waiting for a turn, higher first.
    pub(crate) priority: f64,
    /// When the request was made, in its quota: equal priorities go in this order.
    pub(crate) order: u64,
    /// `dedupe`: an equal call in flight may answer this one.
    pub(crate) dedupe: bool,
    /// A page of `paginate`: the result comes with its response (`wasm::paginate::result`).
    pub(crate) page: bool,
}

/// A successful answer.
pub(crate) struct Success {
    pub(crate) value: JsValue,
    pub(crate) status: u16,
    pub(crate) retry_after_ms: Option<f64>,
}

/// How one attempt ended.
pub(crate) enum Outcome {
    Done(Success),
    /// Rejected as it is, never retried: the caller's abort reason, a token function's error, a redirect refusal.
    Thrown(JsValue),
    /// A typed error the retry policy decides about.
    Failed { error: JsValue, failure: Failure, server_wait_ms: Option<f64> },
}


/// `poll`'s settings: the GET is made again while the answer is 204.
#[derive(Clone, Copy)]
pub(crate) struct Poll {
    /// The wait between tries when the answer gives no `Retry-After`.
    pub(crate) interval_ms: f64,
    /// The deadline from the first try (0: none).
    pub(crate) max_wait_ms: f64,
}

/// Sends `req` until it succeeds or the retry policy stops, and with `poll` again while the answer is 204: the
/// request engine. `poll` shares this loop (one future for every call, not one wrapped in another).
pub(crate) async fn execute(inner: &Inner, req: &Req, poll: Option<Poll>) -> Result<JsValue, JsValue> {
    if let Some(reason) = abort_reason(&req.signal) {
        return Err(reason);
    }
    // Only poll needs the start (its deadline); a plain call reads no clock here.
    let started = if poll.is_some() { now() } else { 0.0 };
    let mut attempts = 0u32; // attempts sent, for the error's `attempts`
    let mut counted = 0u32; // attempts that count against maxRetries (a token refresh after 401 does not)
    let mut refreshed_token = false; // true from the attempt after a 401 on: the token function is asked to refresh
    loop {
        let turn = match admit(inner, req).await {
            Ok(turn) => turn,
            Err(e) => {
                if errors::is_api_error(&e) {
                    set(e.unchecked_ref(), "attempts", &attempts.into());
                }
                return Err(e);
            }
        };
        attempts += 1;
        counted += 1;
        let next = match attempt(inner, req, turn, refreshed_token, attempts).await {
            Outcome::Done(success) => {
                let Some(poll) = poll.filter(|_| success.status == 204) else { return Ok(success.value) };
                // Polled and still processing: the next try is a new request with retries of its own.
                (attempts, counted, refreshed_token) = (0, 0, false);
                poll_again(inner, req, poll, started, success.retry_after_ms)
            }
            Outcome::Thrown(e) => return Err(e),
            Outcome::Failed { error, failure, server_wait_ms } => {
                set(error.unchecked_ref(), "attempts", &attempts.into());
                if failure == Failure::Status(401) && !refreshed_token && matches!(inner.options.token, Some(Token::Function(_))) {
                    refreshed_token = true;
                    counted -= 1;
                    continue;
                }
                let (next, event) = after_failure(inner, req, error, failure, server_wait_ms, counted);
                // beforeRetry is awaited before the wait starts; `false` rejects with the event's error.
                if inner.options.hooks.has(BEFORE_RETRY) && !event.is_undefined() && tasks::js(hooks::before_retry(&inner.options.hooks.lists, &event)).await?.is_falsy() {
                    return Err(member(&event, "error"));
                }
                next
            }
        };
        let (sleep_ms, then) = match next {
            Next::Reject(error) => return Err(error),
            Next::Admit => continue,
            Next::Sleep(ms) => (ms, None),
            Next::SleepThenReject(ms, error) => (ms, Some(error)),
        };
        timers::sleep(sleep_ms, &req.signal, &JsValue::UNDEFINED).await?;
        if let Some(error) = then {
            return Err(error);
        }
    }
}

/// When `poll` tries again: after `Retry-After` or the interval, or, when that would pass the deadline, after
/// what is left of it, to reject with a `TimeoutError`.
#[inline(never)]
pub(crate) fn poll_again(inner: &Inner, req: &Req, poll: Poll, started: f64, retry_after_ms: Option<f64>) -> Next {
    match retry::poll_wait(retry_after_ms, poll.interval_ms, now() - started, poll.max_wait_ms) {
        PollWait::Again(wait_ms) => Next::Sleep(wait_ms),
        PollWait::GiveUpAfter(wait_ms) => {
            let mut text = String::from("still processing after ");
            error::push_u32(&mut text, poll.max_wait_ms.min(u32::MAX as f64) as u32);
            text.push_str(" ms (maxWaitMs)");
            Next::SleepThenReject(wait_ms, plain_error(inner, req, ErrorKind::Timeout, &text, JsValue::UNDEFINED))
        }
    }
}

/// What a call does after an attempt that did not settle it.
pub(crate) enum Next {
    /// Reject with this error.
    Reject(JsValue),
    /// Wait this long, then reject with this error (`poll`'s deadline).
    SleepThenReject(f64, JsValue),
    /// Wait this long, then try again.
    Sleep(f64),
    /// Try again when the client's cooldown lets it (a 429's wait is the whole client's).
    Admit,
}

/// Asks the core whether and when to retry; tells `onRetry`; starts the client's cooldown for a 429. With the
/// retry event when one was made (for `onRetry` or beforeRetry), else undefined.
pub(crate) fn after_failure(inner: &Inner, req: &Req, error: JsValue, failure: Failure, server_wait_ms: Option<f64>, counted: u32) -> (Next, JsValue) {
    let failed = FailedAttempt {
        attempt: counted,
        failure,
        method: &req.method,
        idempotent_key: req.idempotency_key.is_some(),
        body_replayable: req.replayable,
        server_wait_ms,
    };
    let Decision::RetryAfter { delay_ms, reason } = retry::decide(req.retry.as_deref(), &failed, js::random()) else {
        return (Next::Reject(error), JsValue::UNDEFINED);
    };
    let mut made = JsValue::UNDEFINED;
    if inner.options.on_retry.is_some() || inner.options.hooks.has(BEFORE_RETRY) {
        let event = Object::new();
        set(&event, "attempt", &counted.into());
        set(&event, "delayMs", &delay_ms.into());
        set(&event, "reason", &JsValue::from_str(reason.as_str()));
        set(&event, "error", &error);
        set(&event, "method", &JsValue::from_str(&req.method));
        set(&event, "url", &JsValue::from_str(&req.url));
        let learned = match &inner.quota.share {
            Some(share) => share.learned_rate(),
            None => inner.quota.limiter.borrow().learned_rate_per_s(),
        };
        if let Some(rate) = learned {
            set(&event, "learnedRate", &rate.into());
        }
        if let Some(on_retry) = &inner.options.on_retry {
            // A throwing listener must not break the request.
            let _ = on_retry.call1(&JsValue::UNDEFINED, &event);
        }
        made = event.into();
    }
    if reason != RetryReason::RateLimited {
        return (Next::Sleep(delay_ms), made);
    }
    // One cooldown for the whole quota (the client and its same-origin relatives): every request waits in `admit`.
    let until = now() + delay_ms;
    match &inner.quota.share {
        Some(share) => share.cool_down(until),
        None => {
            inner.quota.limiter.borrow_mut().cool_down(until);
            persist::changed(&inner.quota);
        }
    }
    wake_waiting(inner);
    (Next::Admit, made)
}

/// A request's turn to be sent: its place in the client's limiter, and the shared quota's grant when shared.
pub(crate) struct Turn {
    pub(crate) ticket: Ticket,
    pub(crate) grant: Option<JsValue>,
}

/// Waits until the limiter (and the shared quota, when shared) lets a request go, in the queue's order (a higher
/// `priority` first, equal ones in the order made); `Err(signal.reason)` on abort, `Err(reason)` on `clear`, and a
/// `RateLimitError` at once when the wait would be longer than `maxRetryAfterMs` (a spent quota that resets in an
/// hour).
pub(crate) async fn admit(inner: &Inner, req: &Req) -> Result<Turn, JsValue> {
    let quota = &inner.quota;
    // An async storage's stored state (`persist`) is taken in before the first turns.
    persist::loaded(quota).await;
    // Set once the request waits: its place in the queue and the gate it sleeps on.
    let mut place = None;
    let mut gate = JsValue::UNDEFINED;
    let ticket = loop {
        let first = match place {
            Some(p) => quota.queue.borrow().head() == Some(p),
            None => quota.queue.borrow().would_lead(req.priority, req.order),
        };
        // Only the first in line asks the limiter: the others wait for it to go.
        let wait_ms = match if first { own_turn(inner, req) } else { Ok(Err(f64::INFINITY)) } {
            Ok(Err(wait_ms)) => wait_ms,
            Ok(Ok(ticket)) => {
                leave_queue(inner, place);
                break ticket;
            }
            Err(e) => {
                leave_queue(inner, place);
                return Err(e);
            }
        };
        if place.is_none() {
            gate = timers::new_gate();
            place = Some(quota.queue.borrow_mut().push(req.priority, req.order, gate.clone()));
            if inner.options.on_wait.is_some() {
                tell_wait(inner, &wait_event(req, first_wait(inner, first, wait_ms)));
            }
        }
        let woken = timers::sleep(wait_ms, &req.signal, &gate).await;
        // Cleared while a wake was on its way: out of the queue already, its gate holding clear's reason.
        let woken = woken.and_then(|()| if place.is_some_and(|p| quota.queue.borrow().get(p).is_none()) { Err(member(&gate, "reason")) } else { Ok(()) });
        if let Err(e) = woken {
            leave_queue(inner, place);
            return Err(e);
        }
    };
    let Some(share) = &quota.share else { return Ok(Turn { ticket, grant: None }) };
    acquire_shared(inner, req, share, ticket).await
}

/// The shared quota's grant for a request that has this client's `ticket`.
#[inline(never)]
async fn acquire_shared(inner: &Inner, req: &Req, share: &Share, ticket: Ticket) -> Result<Turn, JsValue> {
    let quota = &inner.quota;
    let max_wait_ms = req.retry.as_deref().map_or(options::defaults::MAX_RETRY_AFTER_MS, |p| p.max_retry_after_ms);
    let gate = timers::new_gate();
    let place = quota.acquiring.borrow_mut().push(req.priority, req.order, gate.clone());
    // The share tells when the turn is not granted at once (`onWait`'s "shared").
    let (on_wait, event) = match &inner.options.on_wait {
        Some(f) => (f.clone().into(), wait_event(req, ("shared", f64::NAN))),
        None => (JsValue::UNDEFINED, JsValue::UNDEFINED),
    };
    let outcome = tasks::js(share.acquire(max_wait_ms, &req.signal, &gate, req.priority, &on_wait, &event)).await;
    quota.acquiring.borrow_mut().remove(place);
    let grant = match outcome {
        Ok(grant) if member(&grant, "waitMs").as_f64().is_none() => Ok(grant),
        Ok(refusal) => Err(turn_too_far(inner, req, member(&refusal, "waitMs").as_f64().unwrap_or(0.0))),
        Err(e) => Err(e),
    }
    .inspect_err(|_| {
        quota.limiter.borrow_mut().cancel(ticket);
        wake_waiting(inner);
    })?;
    Ok(Turn { ticket, grant: Some(grant) })
}

/// Takes a request that goes or gives up out of the queue, and wakes the one now first (it may go too).
fn leave_queue(inner: &Inner, place: Option<Place>) {
    if let Some(place) = place {
        inner.quota.queue.borrow_mut().remove(place);
        wake_waiting(inner);
    }
}

/// Why a request that starts to wait waits, and how long (NaN: unknown): the core's word (`Limiter::told_wait`).
fn first_wait(inner: &Inner, first: bool, wait_ms: f64) -> (&'static str, f64) {
    let (reason, delay_ms) = inner.quota.limiter.borrow().told_wait(first, wait_ms, now());
    (reason.as_str(), delay_ms)
}

/// `onWait`'s event for `req`: `delay_ms` NaN when unknown (then `delayMs` is undefined).
fn wait_event(req: &Req, (reason, delay_ms): (&str, f64)) -> JsValue {
    views::wait_event(reason, delay_ms, &req.method, &req.url, req.priority)
}

/// Calls `onWait` with `event`; a throwing listener is ignored.
pub(crate) fn tell_wait(inner: &Inner, event: &JsValue) {
    if let Some(on_wait) = &inner.options.on_wait {
        let _ = on_wait.call1(&JsValue::UNDEFINED, event);
    }
}

/// The client's own limiter at this moment: a ticket, or how long to wait (infinite: until an answer comes), or
/// the error for a wait longer than `maxRetryAfterMs`.
pub(crate) fn own_turn(inner: &Inner, req: &Req) -> Result<Result<Ticket, f64>, JsValue> {
    let at = now();
    let admission = inner.quota.limiter.borrow_mut().admit(at);
    let wait_ms = match admission {
        Admission::Go(ticket) => return Ok(Ok(ticket)),
        Admission::WaitUntil(until) => until - at,
        Admission::WaitForAnswer => f64::INFINITY,
    };
    if wait_ms.is_finite() && !retry::may_wait_for_turn(req.retry.as_deref(), wait_ms) {
        return Err(turn_too_far(inner, req, wait_ms));
    }
    Ok(Err(wait_ms))
}

/// The `RateLimitError` for a turn further away than `maxRetryAfterMs`: not sent.
#[inline(never)]
pub(crate) fn turn_too_far(inner: &Inner, req: &Req, wait_ms: f64) -> JsValue {
    let mut text = String::from("the rate limit allows the next request in ");
    error::push_u32(&mut text, (wait_ms / 1000.0).ceil().min(u32::MAX as f64) as u32);
    text.push_str(" s, later than maxRetryAfterMs; not sent");
    let error = plain_error_with_code(inner, req, ErrorKind::RateLimit, "too_many_requests", &text, JsValue::UNDEFINED, None);
    set(error.unchecked_ref(), "retryAfterMs", &wait_ms.into());
    set(error.unchecked_ref(), "attempts", &0.into());
    error
}

/// Wakes the first request waiting for a turn, if any: it goes or sleeps again, and when it goes it wakes the next.
pub(crate) fn wake_waiting(inner: &Inner) {
    let queue = inner.quota.queue.borrow();
    if let Some(gate) = queue.head().and_then(|head| queue.get(head)) {
        timers::wake(gate);
    }
}

/// `client.clear(reason)`: rejects every request of the quota that waits for a turn (`undefined`: with an
/// AbortError); those in flight go on. How many it rejected.
#[inline(never)]
pub(crate) fn clear(inner: &Inner, reason: &JsValue) -> u32 {
    let mut reason = reason.clone();
    let mut count = 0;
    // A failed gate's waiter resumes later, in a microtask (no JS runs inside the borrow), and finds itself gone.
    for queue in [&inner.quota.queue, &inner.quota.acquiring] {
        count += queue.borrow_mut().drain(|gate| reason = timers::fail(&gate, &reason));
    }
    count
}

/// Reports an answer (its status and rate headers, or none) at `at` to the limiter (and the shared quota) and wakes
/// the requests waiting on it.
#[inline(never)]
pub(crate) fn report(inner: &Inner, turn: &Turn, at: f64, rate: Option<&RateHeaders>, status: Option<u16>) {
    match (&inner.quota.share, &turn.grant) {
        (Some(share), Some(grant)) => {
            inner.quota.limiter.borrow_mut().finish(turn.ticket, at, None);
            let told = rate.and_then(|r| r.state(at));
            let (limit, remaining, reset_at) = told.map_or((f64::NAN, f64::NAN, f64::NAN), |s| (s.limit, s.remaining, s.reset_at.unwrap_or(f64::NAN)));
            share.release(grant, status.map_or(0, i32::from), limit, remaining, reset_at);
        }
        _ => inner.quota.limiter.borrow_mut().finish_with_status(turn.ticket, at, rate, status),
    }
    persist::changed(&inner.quota);
    wake_waiting(inner);
}

/// Gives back a turn whose request was never sent.
#[inline(never)]
pub(crate) fn cancel(inner: &Inner, turn: &Turn) {
    inner.quota.limiter.borrow_mut().cancel(turn.ticket);
    if let (Some(share), Some(grant)) = (&inner.quota.share, &turn.grant) {
        share.release(grant, -1, f64::NAN, f64::NAN, f64::NAN);
    }
    wake_waiting(inner);
}

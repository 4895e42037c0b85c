//! The calls' executor: each call is a Rust future, polled when a JS promise it awaits settles. One exported
//! function ([`resume`]) carries every settlement back, so an await costs two plain JS arrows, not two wasm-bindgen
//! closures with their finalizers (wasm-bindgen-futures' way: measured in BENCHMARKS.md). It is a plain export, not
//! a `Closure`, so the glue carries no closure machinery: the package's entries hand it to js/runtime.js.
//!
//! Every await of a call is a JS promise ([`js`]), one at a time, so a task needs no waker: it is polled when its
//! promise settles and at its start, always from a microtask of its own (never inside another task's poll).
//! A poll that throws (JS it called into threw, and wasm does not catch it) rejects the call with what was thrown
//! (js/runtime.js `step`); that task's slot stays empty and is not reused, and its future is not dropped.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::wasm::js::{reflect_get, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    // Task ids and flags cross as `i32`: a `u32` or `bool` parameter gives the import a glue function of its own
    // (`>>> 0`, `!== 0`), an `i32` lets the glue pass runtime.js's function as it is.
    /// Hands js/runtime.js the function that settlements call: `resume(task, value, state)`.
    #[wasm_bindgen(js_name = setResume)]
    fn set_resume(resume: &JsValue);
    /// Calls `resume(task, value, 1)` when `promise` fulfils, `resume(task, reason, 2)` when it rejects.
    #[wasm_bindgen(js_name = settleInto)]
    fn settle_into(promise: &Promise, task: i32);
    /// The promise of the call `task` runs; calls `resume(task, undefined, 0)` in a microtask, its first poll. A
    /// throw out of any poll rejects this promise with what was thrown (js/runtime.js).
    #[wasm_bindgen(js_name = startTask)]
    fn start_task(task: i32) -> Promise;
    /// Settles the promise of `task`'s call: with `value` when `ok` is 1, else rejected with it.
    #[wasm_bindgen(js_name = finishTask)]
    fn finish_task(task: i32, value: &JsValue, ok: i32);
}

type Task = Pin<Box<dyn Future<Output = ()>>>;

thread_local! {
    /// The calls in progress, by task number; a finished one leaves its slot free for the next.
    static TASKS: RefCell<Vec<Option<Task>>> = const { RefCell::new(Vec::new()) };
    /// The free slots of `TASKS` (a queue of thousands of calls must not scan for one).
    static FREE: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// The task being polled, so that an await knows whom to resume.
    static CURRENT: Cell<u32> = const { Cell::new(0) };
    /// The settlement the task being polled was resumed with, for the await it stopped at.
    static DELIVERED: RefCell<Option<Result<JsValue, JsValue>>> = const { RefCell::new(None) };
}

/// Hands js/runtime.js this module's own `resume` export. The package's entries hand it over themselves
/// (js/client.js `install`); Rust callers of the module without them (the wasm test suites, through
/// `Client::new`) come here, so the package's build carries none of it.
pub fn install_own_resume() {
    let own = reflect_get(&wasm_bindgen::exports(), &JsValue::from_str("resume")).unwrap_or_default();
    if own.is_function() {
        set_resume(&own);
    }
}

/// Runs `call` as a task; the returned promise settles with its result.
pub fn spawn<F: Future<Output = Result<JsValue, JsValue>> + 'static>(call: F) -> Promise {
    let id = FREE.with_borrow_mut(Vec::pop).unwrap_or_else(|| TASKS.with_borrow_mut(|tasks| {
        tasks.push(None);
        (tasks.len() - 1) as u32
    }));
    let task: Task = Box::pin(async move {
        match call.await {
            Ok(value) => finish_task(id as i32, &value, 1),
            Err(reason) => finish_task(id as i32, &reason, 0),
        }
    });
    TASKS.with_borrow_mut(|tasks| tasks[id as usize] = Some(task));
    start_task(id as i32)
}

/// Called by JS (js/runtime.js): the task's start (`state` 0) or the settlement of the promise it awaits (1
/// fulfilled, 2 rejected). Not part of the package's API: its entries hand it to js/runtime.js and export only
/// `Client` and the error classes.
#[wasm_bindgen]
pub fn resume(id: u32, value: JsValue, state: u8) {
    let Some(mut task) = TASKS.with_borrow_mut(|tasks| tasks.get_mut(id as usize).and_then(Option::take)) else { return };
    let delivered = match state {
        1 => Some(Ok(value)),
        2 => Some(Err(value)),
        _ => None,
    };
    // `with`, not `LocalKey::set`: its lazy-initialising path is a function of its own in the wasm.
    DELIVERED.with_borrow_mut(|d| *d = delivered);
    let outer = CURRENT.replace(id);
    let done = task.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready();
    CURRENT.with(|c| c.set(outer));
    DELIVERED.with_borrow_mut(|d| *d = None);
    if done {
        FREE.with_borrow_mut(|free| free.push(id));
    } else {
        TASKS.with_borrow_mut(|tasks| tasks[id as usize] = Some(task));
    }
}

/// Awaits a JS promise inside a task: its value, or its rejection reason as the error.
pub fn js(promise: Promise) -> JsPromise {
    JsPromise { promise: Some(promise) }
}

/// The future of [`js`].
pub struct JsPromise {
    /// Until the first poll hands it to JS.
    promise: Option<Promise>,
}

impl Future for JsPromise {
    type Output = Result<JsValue, JsValue>;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(promise) = self.promise.take() {
            settle_into(&promise, CURRENT.get() as i32);
            return Poll::Pending;
        }
        // Polled again: only when the promise settled (the first await a resumed task reaches is this one).
        match DELIVERED.take() {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
        }
    }
}

//! The calls' executor: each call is a Rust future, polled when a JS promise it awaits settles. One JS function
//! (`resume`, a closure made once) carries every settlement back, so an await costs two plain JS arrows, not two
//! wasm-bindgen closures with their finalizers (wasm-bindgen-futures' way: measured in BENCHMARKS.md).
//!
//! Every await of a call is a JS promise ([`js`]), one at a time, so a task needs no waker: it is polled when its
//! promise settles and at its start, always from a microtask of its own (never inside another task's poll).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    /// Hands js/runtime.js the function that settlements call: `resume(task, value, state)`.
    #[wasm_bindgen(js_name = setResume)]
    fn set_resume(resume: &Closure<dyn FnMut(u32, JsValue, u8)>);
    /// Calls `resume(task, value, 1)` when `promise` fulfils, `resume(task, reason, 2)` when it rejects.
    #[wasm_bindgen(js_name = settleInto)]
    fn settle_into(promise: &Promise, task: u32);
    /// Calls `resume(task, undefined, 0)` in a microtask: the task's first poll.
    #[wasm_bindgen(js_name = startTask)]
    fn start_task(task: u32);
    /// `[promise, resolve, reject]` of a new pending promise.
    #[wasm_bindgen(js_name = deferred)]
    fn deferred() -> Array;
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
    /// Whether `resume` has been handed to JS.
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `call` as a task; the returned promise settles with its result.
pub fn spawn<F: Future<Output = Result<JsValue, JsValue>> + 'static>(call: F) -> Promise {
    if !INSTALLED.replace(true) {
        // One closure for the life of the module: every settlement of every call goes through it.
        let resume = Closure::<dyn FnMut(u32, JsValue, u8)>::new(resume);
        set_resume(&resume);
        resume.forget();
    }
    let parts = deferred();
    let (promise, resolve, reject): (Promise, Function, Function) = (parts.get(0).unchecked_into(), parts.get(1).unchecked_into(), parts.get(2).unchecked_into());
    let task: Task = Box::pin(async move {
        let _ = match call.await {
            Ok(value) => resolve.call1(&JsValue::UNDEFINED, &value),
            Err(reason) => reject.call1(&JsValue::UNDEFINED, &reason),
        };
    });
    let id = TASKS.with_borrow_mut(|tasks| match FREE.with_borrow_mut(Vec::pop) {
        Some(free) => {
            tasks[free as usize] = Some(task);
            free
        }
        None => {
            tasks.push(Some(task));
            (tasks.len() - 1) as u32
        }
    });
    start_task(id);
    promise
}

/// Called by JS: the task's start (`state` 0) or the settlement of the promise it awaits (1 fulfilled, 2 rejected).
fn resume(id: u32, value: JsValue, state: u8) {
    let Some(mut task) = TASKS.with_borrow_mut(|tasks| tasks.get_mut(id as usize).and_then(Option::take)) else { return };
    let delivered = match state {
        1 => Some(Ok(value)),
        2 => Some(Err(value)),
        _ => None,
    };
    DELIVERED.set(delivered);
    let outer = CURRENT.replace(id);
    let done = task.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready();
    CURRENT.set(outer);
    DELIVERED.set(None);
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
            settle_into(&promise, CURRENT.get());
            return Poll::Pending;
        }
        // Polled again: only when the promise settled (the first await a resumed task reaches is this one).
        match DELIVERED.take() {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
        }
    }
}

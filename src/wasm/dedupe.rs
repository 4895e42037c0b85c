//! Shared in-flight GETs at the boundary (`dedupe`): equal calls wait for one request, each caller getting its
//! own copy of the result (js/copies.js `follow`). Which calls are equal is the core's (`core::dedupe`).

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::core::dedupe;
use crate::wasm::attempt::attempt_headers;
use crate::wasm::client::Inner;
use crate::wasm::engine::{execute, Req};
use crate::wasm::errors::set;
use crate::wasm::read_options::member;
use crate::wasm::revalidate;
use crate::wasm::tasks;

#[wasm_bindgen(module = "/src/js/copies.js")]
extern "C" {
    /// One caller's share of a flight: its own copy of the result, or its own abort.
    fn follow(flight: &JsValue, signal: &JsValue) -> Promise;
    /// A new flight, with the controller its request runs with.
    #[wasm_bindgen(js_name = newFlight)]
    fn new_flight() -> JsValue;
}

/// The requests in flight that equal calls may wait for: key, id, flight.
pub(crate) type Flights = std::cell::RefCell<Vec<(String, u64, JsValue)>>;

/// True when `req` is a call to share with equal ones (`dedupe` on, a GET or HEAD that can be copied).
pub(crate) fn applies(req: &Req) -> bool {
    req.dedupe && dedupe::shareable(&req.method, req.response_type)
}

/// A call with `dedupe` on: waits for an equal one in flight, or sends the request that equal calls will wait for.
/// A token function is asked once here, to tell the call's credentials.
pub(crate) async fn call(inner: Rc<Inner>, mut req: Req) -> Result<JsValue, JsValue> {
    let headers = attempt_headers(&inner, &req, false).await?;
    let key = dedupe::key(&req.method, &req.url, req.response_type, revalidate::credentials(&inner, &headers), &req.headers);
    let live = inner.flights.borrow().iter().find(|(k, _, f)| *k == key && !member(f, "dead").is_truthy()).map(|(_, _, f)| f.clone());
    let signal = std::mem::take(&mut req.signal);
    let flight = match live {
        Some(flight) => flight,
        None => start(inner, key, req),
    };
    tasks::js(follow(&flight, &signal)).await
}

/// Sends `req` as a flight of its own, with its controller's signal: aborted only when every caller has.
fn start(inner: Rc<Inner>, key: String, mut req: Req) -> JsValue {
    let flight = new_flight();
    req.signal = member(&member(&flight, "controller"), "signal");
    let id = req.order;
    inner.flights.borrow_mut().push((key, id, flight.clone()));
    let run = inner.clone();
    let promise = tasks::spawn(async move {
        let result = execute(&run, &req, None).await;
        // Settled: nothing is kept, and the next equal call is sent anew.
        let mut flights = run.flights.borrow_mut();
        if let Some(at) = flights.iter().position(|(_, i, _)| *i == id) {
            flights.swap_remove(at);
        }
        drop(flights);
        result
    });
    set(flight.unchecked_ref(), "promise", &promise);
    flight
}

//! Shared in-flight GETs at the boundary (`dedupe`): equal calls wait for one request, each caller getting its
//! own copy of the result (js/copies.js `follow`). Which calls are equal is the core's (`core::dedupe`).

use std::rc::Rc;

use crate::wasm::js::Promise;
use wasm_bindgen::prelude::*;

use crate::core::dedupe;
use crate::wasm::attempt::attempt_headers;
use crate::wasm::client::{run, Inner};
use crate::wasm::engine::Req;
use crate::wasm::read_options::member;
use crate::wasm::revalidate;
use crate::wasm::tasks;

#[wasm_bindgen(module = "/src/js/copies.js")]
extern "C" {
    /// One caller's share of a flight: its own copy of the result, or its own abort.
    fn follow(flight: &JsValue, signal: &JsValue) -> Promise;
    /// The live flight in `flights` under `key`, or a new one (its `promise` undefined) put there.
    #[wasm_bindgen(js_name = flightFor)]
    fn flight_for(flights: &JsValue, key: &str) -> JsValue;
    /// The new flight's request: when it settles, the flight leaves `flights`.
    fn launch(flight: &JsValue, promise: &Promise);
}

/// True when `req` is a call to share with equal ones (`dedupe` on, a GET or HEAD that can be copied).
#[inline(never)]
pub(crate) fn applies(req: &Req) -> bool {
    req.dedupe && dedupe::shareable(&req.method, req.response_type)
}

/// A call with `dedupe` on: waits for an equal one in flight, or sends the request that equal calls will wait for
/// (run as any call is, with its flight's signal: aborted only when every caller has). A token function is asked
/// once here, to tell the call's credentials.
pub(crate) async fn call(inner: Rc<Inner>, mut req: Req) -> Result<JsValue, JsValue> {
    let headers = attempt_headers(&inner, &req, false).await?;
    let key = dedupe::key(&req.method, &req.url, req.response_type, revalidate::credentials(&inner, &headers), &req.headers);
    let signal = std::mem::take(&mut req.signal);
    let flight = flight_for(&inner.flights, &key);
    if member(&flight, "promise").is_undefined() {
        req.signal = member(&member(&flight, "controller"), "signal");
        req.dedupe = false;
        launch(&flight, &tasks::spawn(run(inner, req, None)));
    }
    tasks::js(follow(&flight, &signal)).await
}

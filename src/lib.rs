//! polite-fetch: a fetch client for rate-limited REST APIs, compiled to WebAssembly for JavaScript runtimes.
//!
//! The crate is a pure core (plain Rust, tested natively) and a thin boundary (the only code that touches JS,
//! built for `wasm32` only):
//! - core: [`options`] (defaults and validation), [`url`] (baseUrl, paths, query), [`headers`] (Retry-After and
//!   rate-limit headers), [`error`] (status and body to error fields), [`retry`] (the retry decision) and
//!   [`limiter`] (cooldown, server window, pacing);
//! - boundary: `transport` (global fetch), `timer` (abortable sleep), `js_error` (typed JS errors), `share` (one
//!   quota across tabs) and `bindings` (the `Client` class).
#![deny(missing_docs)]

pub mod error;
pub mod headers;
pub mod limiter;
pub mod options;
pub mod response;
pub mod retry;
pub mod url;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod js_error;
#[cfg(target_arch = "wasm32")]
mod share;
#[cfg(target_arch = "wasm32")]
mod timer;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use bindings::Client;

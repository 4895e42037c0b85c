//! polite-fetch: a fetch client for rate-limited REST APIs, compiled to WebAssembly for JavaScript runtimes.
//!
//! The crate is a pure core and a thin boundary, and the folders show which is which:
//! - [`core`] (src/core/): plain Rust with no JS types, tested natively with tables: options and their defaults,
//!   URLs under baseUrl, rate-limit headers, error mapping, the retry decision, the limiter, the queue of waiting
//!   requests, what `persist` stores;
//! - `wasm` (src/wasm/, built for `wasm32` only): the only code that touches JS, one file per job: the client
//!   and its one export, option reading, the engine (the async loop of a call), one attempt, error objects, fetch, timers,
//!   the tab-sharing transport, the storage of `persist`;
//! - src/js/: what only JS can do (error classes that extend `Error`, removable timers, the share protocol).
//!
//! An `#[inline(never)]` is either explained where it stands or was kept because the release wasm is smaller with
//! it (scripts/inline-sweep.py tries every function both ways; BENCHMARKS.md, "Size levers").
#![deny(missing_docs)]
// One-character `push_str("x")`, not `push('x')`: `String::push` links a char's UTF-8 encoder into the wasm build.
#![allow(clippy::single_char_add_str)]

pub mod core;

// The core's modules under their old paths, for the fuzz targets and users of the Rust crate.
pub use crate::core::{error, headers, limiter, options, persist, queue, response, retry, url};
#[cfg(not(target_arch = "wasm32"))]
pub use crate::core::link;

#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(target_arch = "wasm32")]
pub use wasm::Client;

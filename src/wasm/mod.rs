//! The wasm boundary: the only code that touches JS. Each file one job:
//! `client` (the `Client` class), `read_options` (JS options -> core types), `engine` (the async loop of one
//! call), `attempt` (one fetch and its body), `errors` (core error fields -> JS `ApiError` instances), `fetch`
//! (the global fetch and `Response`), `timers` (abortable waits, attempt deadlines) and `share` (one quota
//! across tabs).

mod attempt;
mod client;
mod engine;
mod errors;
mod fetch;
mod read_options;
mod share;
mod timers;

pub use client::Client;

//! The wasm boundary: the only code that touches JS. Each file one job:
//! `client` (the client and the one export js/client.js's `Client` class calls), `read_options` (JS options -> core types), `engine` (the async loop of one
//! call), `attempt` (one fetch and its body), `errors` (core error fields -> JS `ApiError` instances), `fetch`
//! (the global fetch and `Response`), `timers` (abortable waits, attempt deadlines), `views` (the plain objects
//! the caller reads: `client.queue`, `client.rateLimit`, `onWait`'s event), `share` (one quota across tabs),
//! `hooks` (the `hooks` option, run by js/hooks.js), `persist` (the state kept across a reload), `revalidate`
//! (conditional requests), `dedupe` (shared in-flight GETs), `paginate` (a page and its next link), `tasks` (the
//! executor the calls run on) and `js` (the JS built-ins it calls).

mod attempt;
mod client;
mod engine;
mod errors;
mod fetch;
mod js;
mod hooks;
mod paginate;
mod persist;
mod read_options;
mod revalidate;
mod dedupe;
mod share;
mod tasks;
mod timers;
mod views;

pub use client::Client;

// A smaller allocator than std's dlmalloc (measured in BENCHMARKS.md, "Size levers"); it gives freed memory back
// for reuse, so a long-lived client's memory stays flat (the soak test checks).
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

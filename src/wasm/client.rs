//! The `Client` class JS sees: the constructor reads the options once, the methods start calls. Every decision
//! (URL, retry, wait, limit, error fields) is made by the core; the engine runs the calls.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::wasm::js::{self, Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;

use crate::core::limiter::Limiter;
use crate::core::options::{self, defaults};
use crate::core::queue::WaitQueue;
use crate::wasm::engine::{self, execute, Poll, Req};
use crate::wasm::views::{queue_value, rate_limit_value};
use crate::wasm::errors::{option_error, set, type_error};
use crate::wasm::hooks::{self, BEFORE_ERROR};
use crate::wasm::persist::{self, Persist};
use crate::wasm::fetch;
use crate::wasm::read_options::{concat, member, prepare, read_client, read_ms, ClientOptions};
use crate::wasm::share::{self, Share, SharedQuota};
use crate::wasm::tasks;
use crate::wasm::dedupe;
use crate::wasm::revalidate::{self, Remembered};
use crate::core::remember::Memory;

/// How many distinct tokens from a token function are remembered for redaction.
pub(crate) const MAX_REMEMBERED_SECRETS: usize = 16;
/// Secrets shorter than this are not redacted: they would mangle ordinary text and protect nothing.
pub(crate) const MIN_REDACTED_LEN: usize = 4;

/// Where the `Authorization` value comes from.
#[derive(Clone)]
pub(crate) enum Token {
    Fixed(String),
    /// Called before every attempt (and once more after a 401).
    Function(Function),
}

/// The rate-limit state of one API: a client and every `extend()`ed client of the same origin hold the same one
/// (limits belong to the API, not to an instance).
pub(crate) struct Quota {
    /// The quota's own limits; with a share, only its concurrency cap (the share decides the rest).
    pub(crate) limiter: RefCell<Limiter>,
    /// The quota shared with other tabs and workers (`shareAcross`), when the runtime supports it.
    pub(crate) share: Option<Share>,
    /// The requests waiting for a turn, in the order they go, each with the gate it sleeps on: only the first is
    /// woken by a change (it goes, and wakes the next).
    pub(crate) queue: RefCell<WaitQueue<JsValue>>,
    /// Requests with this quota's turn that wait for the shared quota's (the share orders them), with their gates,
    /// so that `clear` reaches them and `client.queue` counts them as waiting.
    pub(crate) acquiring: RefCell<WaitQueue<JsValue>>,
    /// Numbers the requests in the order they are made (equal priorities go in this order).
    pub(crate) made: Cell<u64>,
    /// Where the state is kept across a reload (`persist`), when there is a storage; not with a share (its leader
    /// holds the state).
    pub(crate) persist: Option<Persist>,
}

impl Quota {
    /// A fresh quota for the limits `o` asks for, joining its share when it names one.
    fn new(o: &ClientOptions) -> Quota {
        // One share per name and API: clients for different APIs never share a quota by accident.
        let max_wait_ms = o.retry.as_deref().map_or(defaults::MAX_RETRY_AFTER_MS, |p| p.max_retry_after_ms);
        let shared = || shared_quota(o, max_wait_ms);
        let share = match (&o.share_provider, o.share_name.as_deref()) {
            (Some(provider), _) => {
                let windows = Array::new();
                for w in &o.windows {
                    windows.push(&w.requests.into());
                    windows.push(&w.per_ms.into());
                }
                Some(share::join_provider(provider, shared(), &windows, o.adaptive.into()))
            }
            (None, Some(name)) => share::join_share(&concat(name, &concat(" ", &o.base_url)), shared()),
            (None, None) => None,
        };
        let limiter = match share {
            Some(_) => Limiter::new(&[], o.max_concurrency),
            None => Limiter::new(&o.windows, o.max_concurrency).with_adaptive(o.adaptive, max_wait_ms),
        };
        let persist = match (&o.persist, &share) {
            (Some((key, storage)), None) => Persist::new(key, storage, &o.base_url, max_wait_ms),
            _ => None,
        };
        Quota { limiter: RefCell::new(limiter), share, queue: RefCell::default(), acquiring: RefCell::default(), made: Cell::new(0), persist }
    }

    /// A fresh quota, restored from `persist`'s storage when it names one.
    fn fresh(o: &ClientOptions) -> Rc<Quota> {
        let quota = Rc::new(Quota::new(o));
        persist::restore(&quota);
        quota
    }
}

/// A handle to a new shared quota with the limits `o` asks for (what a share's leader decides with).
#[inline(never)]
fn shared_quota(o: &ClientOptions, max_wait_ms: f64) -> i32 {
    SharedQuota::new(Limiter::new(&o.windows, None).with_adaptive(o.adaptive, max_wait_ms)).into_handle()
}

/// The client's configuration and its quota; requests in flight hold it alive.
pub(crate) struct Inner {
    /// The options as read (baseUrl, credentials, headers, timeout, retry policy, listeners, fetch).
    pub(crate) options: ClientOptions,
    /// The API's rate-limit state, shared with same-origin relatives.
    pub(crate) quota: Rc<Quota>,
    /// The client's fixed headers (lower-case names) with the apiKey, built once as a JS object.
    pub(crate) base_headers: JsValue,
    /// The same without any credential, for a redirect to another origin.
    pub(crate) public_headers: JsValue,
    /// `headers::READ_HEADERS` as a JS array, for one-call header snapshots.
    pub(crate) header_names: JsValue,
    /// The apiKey and tokens, redacted from every error.
    pub(crate) secrets: RefCell<Vec<String>>,
    /// The results remembered for conditional requests (`revalidate` on).
    pub(crate) remembered: Option<Remembered>,
    /// Salts the credentials' ids of this client's keys (random: an id means nothing outside the client).
    pub(crate) salt: u64,
    /// The requests in flight that equal calls wait for (`dedupe`): a JS object of key to flight (js/copies.js).
    pub(crate) flights: JsValue,
}

impl Inner {
    /// The client made of its validated options and `quota`: the fixed header objects, the secrets.
    fn new(o: ClientOptions, quota: Rc<Quota>) -> Inner {
        let public_headers = Object::new();
        let base_headers = Object::new();
        for (name, value) in &o.headers {
            let name = name.to_ascii_lowercase();
            let value = JsValue::from_str(value);
            if !options::is_credential_header(&name, &o.api_key_header) {
                set(&public_headers, &name, &value);
            }
            set(&base_headers, &name, &value);
        }
        if let Some(key) = &o.api_key {
            set(&base_headers, &o.api_key_header.to_ascii_lowercase(), &JsValue::from_str(key));
        }
        let mut secrets = Vec::new();
        let mut keep = |secret: &String| {
            if secret.len() >= MIN_REDACTED_LEN {
                secrets.push(secret.clone());
            }
        };
        if let Some(key) = &o.api_key {
            keep(key);
        }
        if let Some(Token::Fixed(token)) = &o.token {
            keep(token);
        }
        let random = || (js::random() * 4_294_967_296.0) as u64;
        Inner {
            remembered: o.revalidate.map(|max| RefCell::new(Memory::new(max))),
            salt: random() << 32 | random(),
            flights: Object::new().into(),
            options: o,
            quota,
            base_headers: base_headers.into(),
            public_headers: public_headers.into(),
            header_names: fetch::read_header_names(),
            secrets: RefCell::new(secrets),
        }
    }
}

/// A client for one REST API: `new Client({ baseUrl, apiKey, ... })`. See the package's README and types. JS
/// holds it by a handle (js/client.js's `Client` class) and calls [`client`] with it; Rust callers (the wasm test
/// suites) use these methods.
pub struct Client {
    inner: Rc<Inner>,
}

/// The one export js/client.js's `Client` class is made of, on the client of `handle` (an `Rc<Inner>` handed to
/// JS): `op` 0 makes a client of the options `a` and 1 `extend`s one by them (each answers the new handle); 2
/// sends (`a` the method, `b` the path, `c` the body, `d` the options, `mode` as [`Client::send`]); 3 is its
/// `state(mode)`, 4 `clear(a)`, 5 lets go of the handle (`free()`, or the JS object's finalizer). A plain function
/// over a handle instead of a wasm-bindgen class: no class glue, no borrow flags, one export instead of six.
#[wasm_bindgen]
pub fn client(op: u8, handle: u32, mode: u8, a: JsValue, b: JsValue, c: JsValue, d: JsValue) -> Result<JsValue, JsValue> {
    if op == 0 {
        return Client::make(a).map(Client::into_handle);
    }
    let ptr = handle as *const Inner;
    if ptr.is_null() {
        return Err(type_error("this client was freed (client.free())"));
    }
    // SAFETY: a handle is `into_handle`'s `Rc::into_raw`, and js/client.js lets go of it once (op 5) and then
    // passes 0. Every other operation works on a reference of its own, so a `free()` from a getter that option
    // reading runs cannot drop the client under it.
    let this = Client {
        inner: unsafe {
            Rc::increment_strong_count(ptr);
            Rc::from_raw(ptr)
        },
    };
    Ok(match op {
        1 => this.extend(a)?.into_handle(),
        2 => this.send(a, b, c, d, mode).into(),
        3 => this.state(mode),
        4 => this.clear(a).into(),
        _ => {
            // SAFETY: as above; this drops the reference the handle stood for.
            drop(unsafe { Rc::from_raw(ptr) });
            JsValue::UNDEFINED
        }
    })
}

impl Client {
    /// The client as a handle for JS (see [`client`]).
    fn into_handle(self) -> JsValue {
        (Rc::into_raw(self.inner) as u32).into()
    }

    /// Creates a client for a Rust caller (the wasm test suites: the executor's entry is found here, as the
    /// package's entries hand it over in JS); `Err` is a `TypeError` naming the first invalid option.
    pub fn new(options: JsValue) -> Result<Client, JsValue> {
        tasks::install_own_resume();
        Client::make(options)
    }

    /// Creates a client; `Err` is a `TypeError` naming the first invalid option.
    fn make(options: JsValue) -> Result<Client, JsValue> {
        let mut o = ClientOptions::fresh();
        read_client(&options, &mut o, None)?;
        let quota = Quota::fresh(&o);
        Ok(Client { inner: Rc::new(Inner::new(o, quota)) })
    }

    /// A new client: this one's options with `options` over them (headers by name, `null` removes one; `retry`
    /// field by field). With this client's origin it shares this client's quota, and options that set limits
    /// throw; with another origin it starts fresh, and this client's credentials are not carried over.
    pub fn extend(&self, options: JsValue) -> Result<Client, JsValue> {
        let parent = &self.inner.options;
        let mut o = parent.clone();
        read_client(&options, &mut o, Some(&parent.base))?;
        let quota = if o.base.origin == parent.base.origin { self.inner.quota.clone() } else { Quota::fresh(&o) };
        Ok(Client { inner: Rc::new(Inner::new(o, quota)) })
    }
    /// Starts a call: `method` (any case) to `path` with `body`; js/client.js defines `get`, `post`, `put`,
    /// `patch`, `delete`, `head`, `request`, `poll` and `paginate` over it (one wasm export instead of nine).
    /// `mode` 1: a GET of `paginate` (js/paginate.js): `path` must stay under baseUrl, and the result comes as
    /// `[result, response, url, next]`. `mode` 2: `poll`, a GET made again while the answer is 204 ("still
    /// processing"), waiting `Retry-After` or `intervalMs` between tries; it rejects with `TimeoutError` after
    /// `maxWaitMs` (0 = no deadline).
    pub fn send(&self, method: JsValue, path: JsValue, body: JsValue, options: JsValue, mode: u8) -> Promise {
        let Some(method) = method.as_string() else { return Promise::reject(&type_error("method must be a string")) };
        let read = || -> Result<_, JsValue> {
            let method = options::normalize_method(&method).map_err(option_error)?;
            let poll = if mode == 2 {
                Some(Poll { interval_ms: read_ms(&options, "intervalMs", defaults::POLL_INTERVAL_MS)?, max_wait_ms: read_ms(&options, "maxWaitMs", defaults::POLL_MAX_WAIT_MS)? })
            } else {
                None
            };
            Ok((prepare(&self.inner, &method, path, body, &options, mode == 1)?, poll))
        };
        match read() {
            Ok((req, poll)) => spawn(&self.inner, req, poll),
            Err(e) => Promise::reject(&e),
        }
    }

    /// `client.rateLimit` (`which` 0: `{ limit, remaining, resetAt, observedAt }` from the latest response with
    /// rate-limit headers, else null) or `client.queue` (1: `{ waiting, inFlight }`, the requests of this client's
    /// quota, itself and its same-origin relatives, that wait for a turn, and those sent and not yet answered);
    /// js/client.js defines the two getters over it.
    pub fn state(&self, which: u8) -> JsValue {
        if which == 0 { rate_limit_value(&self.inner) } else { queue_value(&self.inner) }
    }

    /// Rejects every request of this client's quota that waits for a turn with `reason` (default: an AbortError
    /// `DOMException`); requests in flight go on. Returns how many it rejected.
    pub fn clear(&self, reason: JsValue) -> u32 {
        engine::clear(&self.inner, &reason)
    }
}

/// The request methods for Rust callers (the wasm test suites); JS gets the same from js/client.js.
impl Client {
    fn call(&self, method: &str, path: JsValue, body: JsValue, options: JsValue, mode: u8) -> Promise {
        self.send(JsValue::from_str(method), path, body, options, mode)
    }

    /// GET `path`.
    pub fn get(&self, path: JsValue, options: JsValue) -> Promise {
        self.call("GET", path, JsValue::UNDEFINED, options, 0)
    }

    /// POST `body` to `path`.
    pub fn post(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.call("POST", path, body, options, 0)
    }

    /// PUT `body` to `path`.
    pub fn put(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.call("PUT", path, body, options, 0)
    }

    /// PATCH `path` with `body`.
    pub fn patch(&self, path: JsValue, body: JsValue, options: JsValue) -> Promise {
        self.call("PATCH", path, body, options, 0)
    }

    /// DELETE `path`.
    pub fn delete(&self, path: JsValue, options: JsValue) -> Promise {
        self.call("DELETE", path, JsValue::UNDEFINED, options, 0)
    }

    /// HEAD `path` (resolves with `undefined`).
    pub fn head(&self, path: JsValue, options: JsValue) -> Promise {
        self.call("HEAD", path, JsValue::UNDEFINED, options, 0)
    }

    /// Any method; the body is `options.body`.
    pub fn request(&self, method: JsValue, path: JsValue, options: JsValue) -> Promise {
        let body = member(&options, "body");
        self.send(method, path, body, options, 0)
    }

    /// GETs `path` until the answer is not 204 (see [`Client::send`]'s mode 2).
    pub fn poll(&self, path: JsValue, options: JsValue) -> Promise {
        self.call("GET", path, JsValue::UNDEFINED, options, 2)
    }

    /// `client.rateLimit`.
    pub fn rate_limit(&self) -> JsValue {
        self.state(0)
    }
}

/// One call, run: a shared GET's wait for its flight (`dedupe`), or the engine's walk and then what a write
/// forgets. One future type for every call, a shared flight's included.
pub(crate) async fn run(inner: Rc<Inner>, req: Req, poll: Option<Poll>) -> Result<JsValue, JsValue> {
    if poll.is_none() && dedupe::applies(&req) {
        return dedupe::call(inner, req).await;
    }
    let result = execute(&inner, &req, poll).await;
    revalidate::after_call(&inner, &req);
    result
}

/// Runs one call in the background; its promise settles with the call.
#[inline(never)]
fn spawn(inner: &Rc<Inner>, mut req: Req, poll: Option<Poll>) -> Promise {
    req.order = inner.quota.made.get();
    inner.quota.made.set(req.order + 1);
    let hooks = inner.options.hooks.clone();
    let inner = inner.clone();
    let call = tasks::spawn(run(inner, req, poll));
    if hooks.has(BEFORE_ERROR) { hooks::catch_errors(&hooks.lists, call) } else { call }
}

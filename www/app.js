// The playground: runs a scenario against the local reference API with the built package, and draws what the
// client does: one lane per request (queued, on the wire, 429, waiting, retried, done), the rate-limit gauge fed
// by client.rateLimit, and the typed errors. The client is instrumented only through its public options:
// `fetch` (to see each attempt), `onRetry` (to see each wait) and `onWait` with `client.queue` (the waiting list).
import { Client, ApiError } from "/pkg/index.browser.js";

const $ = (selector, root = document) => root.querySelector(selector);
const origin = location.origin;
const otherOrigin = origin.includes("127.0.0.1") ? origin.replace("127.0.0.1", "localhost") : origin.replace("localhost", "127.0.0.1");
const newSession = () => Math.random().toString(36).slice(2, 10);
/** The timelines of the scenario under way. */
const activeRuns = [];
/** The "reload" scenario's mark: set before the page reloads itself, read (and cleared) by the reloaded page. */
const RELOAD_MARK = "polite-playground-reload";
const resumedReload = sessionStorage.getItem(RELOAD_MARK);
sessionStorage.removeItem(RELOAD_MARK);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** What the page tests read: the lanes in the order they resolved, and the most requests seen waiting at once. */
window.__playground = { resolved: [], mostWaiting: 0, waits: [] };

/** One timeline: lanes of requests, cards, gauge and error inspector. */
class Run {
  constructor(title) {
    this.root = $("#run-template").content.firstElementChild.cloneNode(true);
    $(".run-title", this.root).textContent = title;
    $("#runs").append(this.root);
    this.t0 = performance.now();
    this.lanes = new Map();
    this.errors = [];
    this.counts = { requests: 0, done: 0, failed: 0, t429: 0, retries: 0 };
    this.finished = false;
    this.client = null;
    this.waitingIds = new Map(); // lane -> [priority, order] while it waits for its turn (onWait until sent)
    activeRuns.push(this);
  }

  /** Shows the waiting list: `client.queue` and a chip per waiting request, in the order they will go. */
  showQueue() {
    $(".queue-panel", this.root).hidden = false;
  }

  /** An onWait listener that marks the lane as waiting, with the reason, for the waiting list. */
  onWait() {
    return (event) => {
      const id = new URL(event.url).searchParams.get("lane");
      this.waitingIds.set(id, [event.priority, [...this.lanes.keys()].indexOf(id)]);
      window.__playground.waits.push({ id, reason: event.reason, delayMs: event.delayMs });
      if (this.onFirstWait && window.__playground.waits.length === 1) this.onFirstWait(event);
    };
  }

  now() {
    return performance.now() - this.t0;
  }

  lane(id) {
    let lane = this.lanes.get(id);
    if (!lane) {
      const el = document.createElement("div");
      el.className = "lane";
      el.innerHTML = `<span class="name">${id}</span><div class="track"></div>`;
      $(".lanes", this.root).append(el);
      lane = { id, el, track: $(".track", el), segments: [], ticks: [], open: null, end: null };
      this.lanes.set(id, lane);
    }
    return lane;
  }

  /** Starts a segment of `kind` on the lane, closing the open one. */
  open(lane, kind, until) {
    this.close(lane);
    lane.open = { kind, from: this.now(), to: null, until };
    lane.segments.push(lane.open);
  }

  close(lane) {
    if (lane.open) lane.open.to = this.now();
    lane.open = null;
  }

  called(id) {
    this.counts.requests++;
    this.open(this.lane(id), "queued");
  }

  sent(id) {
    this.waitingIds.delete(id);
    this.open(this.lane(id), "sending");
  }

  answered(id, status) {
    const lane = this.lane(id);
    this.close(lane);
    if (status === 429) this.counts.t429++;
    // Between answers the request is queued again (until onRetry says it waits, or it settles).
    lane.ticks.push({ at: this.now(), status });
    this.open(lane, "queued");
  }

  retried(id, delayMs) {
    this.counts.retries++;
    this.open(this.lane(id), "waiting", this.now() + delayMs);
  }

  settled(id, ok, error) {
    const lane = this.lane(id);
    this.close(lane);
    lane.end = { at: this.now(), ok };
    lane.el.classList.add(ok ? "done" : "failed");
    this.waitingIds.delete(id);
    window.__playground.resolved.push(id);
    if (ok) this.counts.done++;
    else {
      this.counts.failed++;
      this.errors.push({ id, error });
      this.renderErrors();
    }
  }

  /** Calls `request()` as lane `id`, recording how it settles. */
  async track(id, request) {
    this.called(id);
    try {
      const value = await request();
      this.settled(id, true);
      return value;
    } catch (error) {
      this.settled(id, false, error);
      return undefined;
    }
  }

  /** A fetch that reports each attempt of the lane named in the URL's `lane` parameter. */
  fetch() {
    return async (url, init) => {
      const id = new URL(url).searchParams.get("lane") ?? "token";
      if (id !== "token") this.sent(id);
      try {
        const response = await fetch(url, init);
        if (id !== "token") this.answered(id, response.status);
        return response;
      } catch (e) {
        if (id !== "token") this.answered(id, 0);
        throw e;
      }
    };
  }

  onRetry() {
    return (event) => this.retried(new URL(event.url).searchParams.get("lane"), event.delayMs);
  }

  render() {
    const elapsed = this.finished ? this.lastEnd : this.now();
    const span = Math.max(3000, elapsed * 1.08);
    const width = $(".lanes", this.root).clientWidth - 44;
    const x = (t) => `${(Math.min(t, span) / span) * width}px`;
    const w = (a, b) => `${Math.max(2, ((Math.min(b, span) - a) / span) * width)}px`;
    for (const lane of this.lanes.values()) {
      const parts = [];
      for (const s of lane.segments) {
        const to = s.to ?? (this.finished ? s.from : elapsed);
        const countdown = s.kind === "waiting" && s.to === null ? `<em>${Math.max(0, (s.until - elapsed) / 1000).toFixed(1)} s</em>` : "";
        parts.push(`<i class="seg ${s.kind}" style="left:${x(s.from)};width:${w(s.from, to)}">${countdown}</i>`);
      }
      for (const t of lane.ticks) {
        const kind = t.status >= 200 && t.status < 300 ? "ok" : t.status === 429 ? "t429" : t.status >= 500 || t.status === 0 ? "t5xx" : "t4xx";
        parts.push(`<i class="tick ${kind}" title="${t.status || "no response"}" style="left:${x(t.at)}"></i>`);
      }
      if (lane.end) parts.push(`<i class="end ${lane.end.ok ? "done" : "failed"}" style="left:calc(${x(lane.end.at)} - 6px)"></i>`);
      lane.track.innerHTML = parts.join("");
    }
    const step = span > 20000 ? 5000 : span > 8000 ? 2000 : 1000;
    let axis = "";
    for (let t = 0; t <= span; t += step) axis += `<span style="left:calc(44px + ${x(t)} - 44px)">${t / 1000} s</span>`;
    $(".axis", this.root).innerHTML = axis;
    const c = this.counts;
    $(".v-requests", this.root).textContent = c.requests;
    $(".v-done", this.root).textContent = c.done;
    $(".v-failed", this.root).textContent = c.failed;
    $(".v-429", this.root).textContent = c.t429;
    $(".v-retries", this.root).textContent = c.retries;
    $(".v-time", this.root).textContent = `${(elapsed / 1000).toFixed(1)} s`;
    this.renderGauge();
    if (!$(".queue-panel", this.root).hidden) this.renderQueue();
  }

  renderQueue() {
    const queue = this.client?.queue ?? { waiting: 0, inFlight: 0 };
    window.__playground.mostWaiting = Math.max(window.__playground.mostWaiting, queue.waiting);
    $(".queue-text", this.root).textContent = `waiting: ${queue.waiting}, in flight: ${queue.inFlight}`;
    const order = [...this.waitingIds].sort(([, a], [, b]) => b[0] - a[0] || a[1] - b[1]);
    $(".queue-chips", this.root).innerHTML = order.map(([id, [priority]]) => `<span class="chip${priority > 0 ? " high" : ""}">${id} <small>${priority}</small></span>`).join("");
  }

  renderGauge() {
    const state = this.client?.rateLimit;
    const fill = $(".gauge-fill", this.root);
    const text = $(".gauge-text", this.root);
    if (!state) {
      fill.style.width = "0";
      text.textContent = "null: no rate-limit headers seen";
      return;
    }
    const share = state.limit > 0 ? state.remaining / state.limit : 0;
    fill.style.width = `${Math.round(share * 100)}%`;
    fill.style.background = share > 0.5 ? "var(--green)" : share > 0.2 ? "var(--amber)" : "var(--red)";
    const reset = state.resetAt ? `, resets in ${Math.max(0, (state.resetAt - Date.now()) / 1000).toFixed(1)} s` : "";
    text.textContent = `${state.remaining} of ${state.limit} left${reset}${state.learned ? " (learned)" : " (told by the server)"}`;
  }

  renderErrors() {
    $(".v-errors", this.root).textContent = `(${this.errors.length})`;
    const list = $(".error-list", this.root);
    list.innerHTML = "";
    for (const { id, error } of this.errors) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `${id}: ${error?.name ?? "Error"} ${error?.code ?? ""}`;
      button.onclick = () => {
        const data = error instanceof ApiError ? error.toJSON() : { name: error?.name, message: String(error?.message ?? error) };
        $(".error-detail", this.root).textContent = JSON.stringify(data, null, 2);
      };
      list.append(button);
    }
    if (this.errors.length === 1) $(".inspector", this.root).open = true;
  }

  finish() {
    this.finished = true;
    this.lastEnd = Math.max(0, ...[...this.lanes.values()].map((l) => l.end?.at ?? 0));
    this.render();
  }
}

/** Client options shared by the scenarios: instrumentation and a session of the reference API of its own. */
function options(run, flavour, extra = {}) {
  const headers = { "X-Demo-Session": newSession(), ...(extra.headers ?? {}) };
  const base = { baseUrl: origin, fetch: run.fetch(), onRetry: run.onRetry(), ...extra, headers };
  if (flavour === "rest") return { apiKey: "demo-read", ...base };
  return base;
}

/** A SeaTable token function: exchanges the API token for a base token, again when told the last was refused. */
function seatableToken(ttlMs) {
  const exchange = new Client({
    baseUrl: origin,
    token: "demo-seatable-api-token",
    tokenScheme: "Token",
    headers: ttlMs ? { "X-Demo-Token-Ttl": String(ttlMs) } : {},
  });
  let current;
  const token = ({ refresh }) => {
    if (!current || refresh) current = exchange.get("/api/v2.1/dtable/app-access-token/");
    return current.then((r) => r.access_token);
  };
  token.base = () => (current ?? token({ refresh: false }).then(() => current)).then((r) => r.dtable_uuid);
  return token;
}

async function pathFor(flavour, token) {
  if (flavour === "rest") return "/api/PurchaseDocuments/my";
  return `/api-gateway/api/v2/dtables/${await token.base()}/rows/`;
}

/** N requests at once against a limit of `limit` per second. */
async function burst(run, flavour, { count, limit, paced, extra = {} }) {
  const token = flavour === "seatable" ? seatableToken() : undefined;
  const path = await pathFor(flavour, token);
  const client = new Client(options(run, flavour, {
    ...(token ? { token } : {}),
    ...(paced ? { rateLimit: { requests: limit, perMs: 1000 } } : {}),
    retry: { maxRetries: 8, maxDelayMs: 4000 },
    ...extra,
    headers: { "X-Demo-Limit": `${limit}/1000`, ...(extra.headers ?? {}) },
  }));
  run.client = client;
  await Promise.all(Array.from({ length: count }, (_, i) => run.track(`#${i + 1}`, () => client.get(path, { query: { lane: `#${i + 1}` } }))));
}

const scenarios = {
  compare: {
    help: "The same burst twice, at once: the left client sends everything and obeys the server; the right one paces itself with rateLimit and is never refused.",
    burst: true,
    async run(flavour, p) {
      const unpaced = new Run(`Unpaced: ${p.count} requests at once (the server allows ${p.limit}/s)`);
      const paced = new Run(`Paced: rateLimit { requests: ${p.limit}, perMs: 1000 }`);
      $("#runs").classList.add("two");
      await Promise.all([burst(unpaced, flavour, { ...p, paced: false }), burst(paced, flavour, { ...p, paced: true })]);
    },
  },
  burst: {
    help: "N requests at once against a limit of a few per second. The REST API says how many are left, so only the first wave is refused; the SeaTable-like API says nothing, so the client backs off.",
    burst: true,
    async run(flavour, p) {
      const run = new Run(`${p.count} requests at once, ${p.paced ? "paced" : "unpaced"} (the server allows ${p.limit}/s)`);
      await burst(run, flavour, p);
    },
  },
  flaky: {
    help: "A server that fails a third of the requests with 5xx (HTML error pages) and resets some connections. GETs are retried with exponential backoff.",
    async run(flavour) {
      const run = new Run("12 GETs against a flaky server (35% 5xx, 10% resets)");
      await burst(run, flavour, {
        count: 12, limit: 50, paced: false,
        extra: { retry: { maxRetries: 4, baseDelayMs: 250 }, headers: { "X-Demo-Faults": "error5xx=0.35;html=1;reset=0.1" } },
      });
    },
  },
  token: {
    help: "SeaTable base tokens expire. Here one lives 1.5 s: after it expires, a request gets 401, the token function is called with { refresh: true }, and the request is sent once more.",
    async run() {
      const run = new Run("SeaTable-like: requests every 250 ms, base token living 1.5 s");
      const token = seatableToken(1500);
      const path = await pathFor("seatable", token);
      const client = new Client(options(run, "seatable", { token, headers: { "X-Demo-Limit": "50/1000" } }));
      run.client = client;
      const wait = (ms) => new Promise((r) => setTimeout(r, ms));
      await Promise.all(Array.from({ length: 12 }, async (_, i) => {
        await wait(i * 250);
        return run.track(`#${i + 1}`, () => client.get(path, { query: { lane: `#${i + 1}` } }));
      }));
    },
  },
  slow: {
    help: "A new document answers 204 \"still processing\" for 3 s; client.poll() waits the Retry-After the API sends, then resolves with the document.",
    async run() {
      const run = new Run("Create a document, then poll it until it is ready");
      const client = new Client(options(run, "rest", { apiKey: "demo-write" }));
      run.client = client;
      const doc = await run.track("create", () => client.post("/api/PurchaseDocuments", { number: "FV/7/2025" }, { query: { lane: "create", processingMs: 3000 } }));
      if (doc) await run.track("poll", () => client.poll(`/api/PurchaseDocuments/${doc.id}`, { query: { lane: "poll" }, intervalMs: 500 }));
    },
  },
  quota: {
    help: "The quota is spent. The REST API says to come back in an hour: longer than maxRetryAfterMs, so the RateLimitError comes at once with retryAfterMs. The SeaTable-like API says nothing: the client retries, then gives up.",
    async run(flavour) {
      const run = new Run(flavour === "rest" ? "REST API: hourly quota spent" : "SeaTable-like: daily quota of 3 requests");
      const headers = flavour === "rest" ? { "X-Demo-Faults": "exhausted=1" } : { "X-Demo-Day-Limit": "3" };
      await burst(run, flavour, { count: 6, limit: 50, paced: false, extra: { retry: { maxRetries: 2, baseDelayMs: 300 }, headers } });
    },
  },
  priority: {
    help: "24 prefetches queue at priority -1 against a limit of 4 per second; a second later the user clicks, and the click (priority 10) goes next instead of after them. onWait and client.queue draw the waiting list.",
    async run() {
      const run = new Run("24 prefetches (priority -1), then a click (priority 10); the API allows 4/s, the client paces to it");
      run.showQueue();
      const client = new Client(options(run, "rest", { rateLimit: { requests: 4, perMs: 1000 }, onWait: run.onWait(), headers: { "X-Demo-Limit": "4/1000" } }));
      run.client = client;
      const path = await pathFor("rest");
      const get = (id, priority) => run.track(id, () => client.get(path, { query: { lane: id }, priority }));
      const prefetches = Array.from({ length: 24 }, (_, i) => get(`#${i + 1}`, -1));
      await sleep(1200);
      await Promise.all([...prefetches, get("click", 10)]);
    },
  },
  reload: {
    help: "A budget of 5 requests per 6 s, kept with persist in localStorage. This page spends it and reloads itself; the new page's client remembers, and waits for the budget instead of sending (onWait says how long).",
    async run() {
      const budget = { rateLimit: { requests: 5, perMs: 6000 }, persist: "playground-budget" };
      const path = await pathFor("rest");
      if (!resumedReload) {
        localStorage.removeItem("polite-fetch:playground-budget");
        const run = new Run("Before the reload: 5 requests spend the budget of 5 per 6 s");
        const client = new Client(options(run, "rest", budget));
        run.client = client;
        await Promise.all(Array.from({ length: 5 }, (_, i) => run.track(`#${i + 1}`, () => client.get(path, { query: { lane: `#${i + 1}` } }))));
        run.finish();
        $("#status").textContent = "Budget spent; reloading the page…";
        await sleep(600); // the state is written 250 ms after the last answer
        sessionStorage.setItem(RELOAD_MARK, String(Date.now()));
        location.reload();
        return new Promise(() => {}); // the page goes away
      }
      const run = new Run("After the reload: a new client with the same persist key");
      run.showQueue();
      run.onFirstWait = (event) => {
        $(".run-title", run.root).textContent = `After the reload: the budget was remembered, the client waits ${(event.delayMs / 1000).toFixed(1)} s (${event.reason}) instead of sending`;
      };
      const client = new Client(options(run, "rest", { ...budget, onWait: run.onWait() }));
      run.client = client;
      await Promise.all(Array.from({ length: 3 }, (_, i) => run.track(`#${i + 6}`, () => client.get(path, { query: { lane: `#${i + 6}` } }))));
    },
  },
  cors: {
    help: "The API on another origin forgets Access-Control-Expose-Headers: the browser hides Retry-After and X-RateLimit-*. The client can only guess (backoff), and its errors say which header to expose.",
    async run() {
      const run = new Run(`Cross-origin (${otherOrigin}) without Access-Control-Expose-Headers`);
      await burst(run, "rest", {
        count: 10, limit: 3, paced: false,
        extra: { baseUrl: otherOrigin, retry: { maxRetries: 1, baseDelayMs: 200 }, headers: { "X-Demo-Expose": "0" } },
      });
    },
  },
};

function flavour() {
  return document.querySelector("input[name=flavour]:checked").value;
}

function showHelp() {
  const scenario = scenarios[$("#scenario").value];
  $("#scenario-help").textContent = scenario.help;
  $("#burst-options").style.display = scenario.burst ? "" : "none";
  $("#paced").parentElement.style.display = $("#scenario").value === "burst" ? "" : "none";
}

async function runScenario() {
  const name = $("#scenario").value;
  const status = $("#status");
  $("#run").disabled = true;
  $("#runs").innerHTML = "";
  $("#runs").classList.remove("two");
  activeRuns.length = 0;
  status.dataset.state = "running";
  status.textContent = "Running…";
  const params = { count: Number($("#count").value) || 24, limit: Number($("#limit").value) || 6, paced: $("#paced").checked };
  // Redraw while the scenario runs, for the countdowns and the gauge.
  const timer = setInterval(() => activeRuns.forEach((run) => run.render()), 100);
  try {
    await scenarios[name].run(flavour(), params);
    const sum = (k) => activeRuns.reduce((n, r) => n + r.counts[k], 0);
    status.dataset.state = "done";
    status.textContent = `Done: ${sum("done")} resolved, ${sum("failed")} rejected, ${sum("t429")} 429s, ${sum("retries")} retries.`;
  } catch (e) {
    status.dataset.state = "error";
    status.textContent = `Scenario failed: ${e?.message ?? e}`;
  } finally {
    clearInterval(timer);
    activeRuns.forEach((run) => run.finish());
    $("#run").disabled = false;
  }
}

$("#scenario").addEventListener("change", showHelp);
$("#run").addEventListener("click", runScenario);
showHelp();
// The reloaded page of the "reload" scenario goes on with its second half.
if (resumedReload) {
  $("#scenario").value = "reload";
  showHelp();
  runScenario();
}

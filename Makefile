# polite-fetch: `make demo` (build, then the playground on http://127.0.0.1:8080/) and `make test` (every test).
# Every target installs what it needs when it is missing, and skips what is already there.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
WASM_BINDGEN_VERSION := 0.2.130
# The release wasm is built on one pinned nightly with rust-src: std rebuilt for size, a panic a bare trap, no
# Debug formatting (each lever measured in BENCHMARKS.md, "Size levers"). This channel's rustc calls itself
# 1.97.0-nightly e50aa6fba 2026-05-19. Native tests, the wasm test suites and the server stay on stable.
# MIR inlining is off at opt-level "z" unless asked for; on, with these thresholds (the best of a grid, measured),
# it inlines the small glue generics before LLVM sees them: -1.9 KB gzip. Every function inlinable across crates
# (`-Zcross-crate-inline-threshold=yes`: std is built with the package, so its helpers too) took 1.3 KB more.
export NIGHTLY := nightly-2026-05-20
WASM_RUSTFLAGS := -Zunstable-options -Cpanic=immediate-abort -Csymbol-mangling-version=legacy -Zfmt-debug=none -Zlocation-detail=none \
  -Zinline-mir=yes -Zinline-mir-threshold=200 -Zinline-mir-hint-threshold=30 -Zcross-crate-inline-threshold=yes
WASM := target/nightly/wasm32-unknown-unknown/release/polite_fetch.wasm
WASM_OPT := node_modules/.bin/wasm-opt
# Inlining functions with one caller only when small keeps the shared error and header code apart (−1.1 KB gzip
# against plain -Oz, measured; 50 the best of a grid from 10 to 150); the target-features section is for tools.
# --low-memory-unused folds `ptr + C` (C < 1024) into load/store offsets (−60 B gzip): the two differ only when
# the addition wraps past 4 GiB into the first KiB, which Rust's pointer arithmetic never does. A second -Oz
# finds what the first one's inlining opened up (−37 B gzip for 0.6 s; a third gives bytes back). Flattening and
# rebuilding the control flow (--flatten --rereloop) between them lets -Oz merge more of the async state machines'
# branches: −312 B gzip twice, −221 once, a third time gives bytes back; no CPU change (instant-fetch A/B).
# Functions of up to 5 bytes of code are inlined at every call, not only those of 2 (−92 B gzip; 3 −56, 4 −64,
# 6 −69, 7 +84, 8 +782: a grid).
WASM_OPT_FLAGS := -Oz --flatten --rereloop -Oz --flatten --rereloop -Oz -Oz --one-caller-inline-max-function-size=50 --always-inline-max-function-size=5 --low-memory-unused --strip-target-features
SERVER := target/release/polite-fetch-testserver
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all setup setup-rust setup-nightly setup-node setup-browser setup-nginx setup-redis setup-drf pkg wasm server bench-dialects test test-native test-wasm-node test-wasm-browser \
        test-js test-fuzz setup-fuzz size bench bench-steady bench-queue bench-redis bench-spend bench-instructions soak fuzz demo tour clean

all: pkg

setup: setup-rust setup-nightly setup-node setup-browser setup-nginx setup-redis setup-drf

setup-rust:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" || \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force

setup-nightly:
	@rustup component list --toolchain $(NIGHTLY) --installed 2>/dev/null | grep -q '^rust-src' || \
	  rustup toolchain install $(NIGHTLY) --profile minimal --component rust-src

setup-node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Chromium, Firefox (ESR, over WebDriver BiDi) and WebKit (WebKitWebDriver + MiniBrowser, under Xvfb) from Debian's
# packages: the page tests run the packed package in all three engines.
setup-browser:
	@command -v chromium >/dev/null && command -v firefox-esr >/dev/null && command -v WebKitWebDriver >/dev/null && \
	  command -v Xvfb >/dev/null || \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium firefox-esr webkit2gtk-driver xvfb; }

# nginx from Debian's packages, for the limit_req benchmark and test (started by them with their own config; the
# package's own service is not needed, so a failing start of it is harmless).
setup-nginx:
	@[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx; }

# redis-server from Debian's packages, for polite-fetch/redis's tests and benchmark (each starts its own on a free
# loopback port without persistence; the package's own service is not needed).
setup-redis:
	@command -v redis-server >/dev/null || \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server; }

# The npm package: release wasm tuned for size (pinned nightly, build-std) -> wasm-bindgen (web target) -> wasm-opt (npm binaryen) -> pkg/.
pkg: wasm
	node scripts/build-pkg.mjs target/polite_fetch_opt.wasm target/wasm-names.json

# The release wasm alone, as the package ships it (target/polite_fetch_opt.wasm); scripts/inline-sweep.py builds it
# once per function it tries.
wasm: setup-rust setup-nightly setup-node
	RUSTFLAGS="$(WASM_RUSTFLAGS)" cargo +$(NIGHTLY) build --release --target wasm32-unknown-unknown --lib \
	  -Zbuild-std=std,panic_abort --target-dir target/nightly
	wasm-bindgen --target web --no-typescript --out-dir target/bindgen --out-name polite_fetch $(WASM)
	$(WASM_OPT) $(WASM_OPT_FLAGS) --minify-imports-and-exports-and-modules --strip-debug --strip-producers \
	  target/bindgen/polite_fetch_bg.wasm -o target/polite_fetch_opt.wasm > target/wasm-names.json

server:
	cargo build --release -p polite-fetch-testserver

test: test-native pkg server setup-browser setup-nginx setup-redis setup-drf
	$(MAKE) --no-print-directory test-wasm-node test-wasm-browser test-js test-fuzz
	@echo "make test: every suite passed"

# The pure core, natively.
test-native:
	cargo test --lib -p polite-fetch
	cargo test -p polite-fetch-testserver

# The real client against the real local server, in Node and in headless Chromium.
# tests/client.rs and tests/faults.rs (the fault matrix).
test-wasm-node: setup-rust server
	scripts/wasm-test.sh

test-wasm-browser: setup-rust setup-node setup-browser server
	WASM_BINDGEN_USE_BROWSER=1 scripts/wasm-test.sh

# The packed tarball, installed into throwaway projects: Node ESM and CommonJS, Deno, Bun, workerd (miniflare),
# a plain module page, a Web Worker and a Vite build in headless Chromium; tsc --strict, publint, attw.
test-js: pkg server setup-browser setup-nginx setup-redis setup-drf
	scripts/with-server.sh node --test --test-timeout=600000 tests/js/

# Benchmarks against ky, ofetch, axios + axios-retry and raw fetch; rewrites the table in BENCHMARKS.md.
# The server runs on core 1 and the clients on core 0 when the machine has two.
bench: pkg server setup-browser setup-nginx
	@if command -v taskset >/dev/null && [ "$$(nproc)" -ge 2 ]; then \
	  POLITE_SERVER_CPU=1 scripts/with-server.sh taskset -c 0 node bench/run.mjs $(BENCH_ARGS); \
	else scripts/with-server.sh node bench/run.mjs $(BENCH_ARGS); fi

# Adaptive pacing, steady: 16 unconfigured bursts each against nginx and the SeaTable flavour, on a quiet machine
# and with both cores loaded; rewrites its table in BENCHMARKS.md (BENCH_ARGS=--quick leaves the file alone).
bench-steady: pkg server setup-nginx
	scripts/with-server.sh node bench/steady.mjs $(BENCH_ARGS)

# Django REST framework for the dialect tests, in a venv from PyPI (pinned in tests/drf/requirements.txt).
setup-drf: target/drf-venv/.installed
target/drf-venv/.installed: tests/drf/requirements.txt
	@python3 -m venv target/drf-venv 2>/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv && python3 -m venv target/drf-venv; }
	target/drf-venv/bin/pip install -q -r tests/drf/requirements.txt
	@touch $@

# Real limiters' dialects: express-rate-limit (draft-6, -7, -8, stacked), @fastify/rate-limit, DRF and the reference
# server's SeaTable flavour, with ky, ofetch and axios + axios-retry in the same run; rewrites its table in
# BENCHMARKS.md (BENCH_ARGS=--quick leaves it alone).
bench-dialects: pkg server setup-node setup-drf
	scripts/with-server.sh node bench/dialects.mjs $(BENCH_ARGS)

# One quota across processes on Redis: N processes against one limit, with and without redisQuota, and the cost of
# the round trips; rewrites its table in BENCHMARKS.md ("One quota across processes"; BENCH_ARGS=--quick leaves it).
bench-redis: pkg server setup-redis
	scripts/with-server.sh node bench/redis.mjs $(BENCH_ARGS)

# Priority under a limit: 200 prefetches queued at 10/s, then one click, with and without `priority`; rewrites its
# table in BENCHMARKS.md ("The queue"; BENCH_ARGS=--quick leaves it alone).
bench-queue: pkg server
	scripts/with-server.sh node bench/queue.mjs $(BENCH_ARGS)

# Figure 1 as instructions a request (callgrind), for raw fetch, polite-fetch and ofetch: wall time on a busy
# machine moves more than the differences worth measuring (BENCHMARKS.md, Targets). valgrind from Debian's packages.
bench-instructions: pkg server
	@command -v valgrind >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind; }
	scripts/with-server.sh bench/instructions.sh

# Conditional requests, shared in-flight GETs and paced pagination beside ky and ofetch (issue 19).
bench-spend: pkg server
	scripts/with-server.sh node bench/spend.mjs $(BENCH_ARGS)

# Fuzzing the core's parsers with cargo-fuzz (nightly): a bounded run in make test, a longer one in make fuzz.
# (The boundary's property test runs in test-js, bounded and seeded; make fuzz runs it longer.)
setup-fuzz: setup-nightly
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2

test-fuzz: setup-fuzz
	scripts/fuzz.sh 8

# The longer run: each core parser FUZZ_SECONDS, then the boundary property (tests/js/property.test.mjs) with
# PROPERTY_RUNS generated replies in Node and in Chromium (make test runs 40 of each).
fuzz: setup-fuzz pkg server setup-browser
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),120)
	PROPERTY_RUNS=$(or $(PROPERTY_RUNS),500) scripts/with-server.sh node --test --test-timeout=3600000 tests/js/property.test.mjs

# 100,000 mixed requests in Node (successes, 429s, timeouts, aborts): counts, heap and wasm memory.
soak: pkg server
	scripts/with-server.sh node --expose-gc tests/soak/soak.mjs 100000

size: pkg
	@node scripts/size.mjs

# The playground: the reference API server on 127.0.0.1:$(PORT) serving www/ and pkg/.
PORT ?= 8080
demo: pkg server
	@echo "polite-fetch playground: open http://127.0.0.1:$(PORT)/  (Ctrl-C stops it; make demo PORT=n for another port)"
	$(SERVER) --port $(PORT) --www www --pkg pkg

# A short tour in the terminal (www/demo.mjs), against a server of its own.
tour: pkg server
	scripts/with-server.sh node www/demo.mjs

clean:
	rm -rf target/bindgen pkg tests/js/.tmp

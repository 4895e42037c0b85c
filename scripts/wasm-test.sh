#!/usr/bin/env bash
# Runs the wasm test suites (tests/client.rs, tests/faults.rs) with the server up, and fails unless every suite
# printed its closing "test result: ok": a Node runner whose event loop empties (a promise that never settles)
# exits 0 in silence, and that must count as a failure, not a pass.
#
# In the browser (WASM_BINDGEN_USE_BROWSER=1), wasm-bindgen-test-runner 0.2.130 now and then never gets the test
# page loaded in Chromium (seen here in about 1 run in 3, before any test starts). A suite that has not started
# within its time is stopped and started again, up to 3 times; a suite that started and then failed is not retried.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
# The runner also leaves the Chromium that chromedriver started; chromedriver marks them --test-type=webdriver.
cleanup() {
  rm -f "$log"
  if [ -n "${WASM_BINDGEN_USE_BROWSER:-}" ]; then pkill -f -- '--test-type=webdriver' 2>/dev/null || true; fi
}
trap cleanup EXIT

for suite in client faults; do
  for attempt in 1 2 3; do
    status=0
    if [ -n "${WASM_BINDGEN_USE_BROWSER:-}" ]; then
      timeout 150 "$root/scripts/with-server.sh" cargo test --target wasm32-unknown-unknown --test "$suite" >"$log" 2>&1 || status=$?
      pkill -f -- '--test-type=webdriver' 2>/dev/null || true
    else
      "$root/scripts/with-server.sh" cargo test --target wasm32-unknown-unknown --test "$suite" >"$log" 2>&1 || status=$?
    fi
    cat "$log"
    if grep -q "^test result: ok" "$log" && [ "$status" -eq 0 ]; then
      break
    fi
    if [ -n "${WASM_BINDGEN_USE_BROWSER:-}" ] && ! grep -q "^running [0-9]* test" "$log" && [ "$attempt" -lt 3 ]; then
      echo "wasm tests: the $suite suite never started in the browser (attempt $attempt); starting it again" >&2
      continue
    fi
    echo "wasm tests: the $suite suite did not report 'test result: ok' (status $status; a hang or a crash ends a suite silently)" >&2
    exit 1
  done
done

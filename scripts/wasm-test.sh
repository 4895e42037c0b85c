#!/usr/bin/env bash
# Runs the wasm test suites (tests/client.rs, tests/faults.rs) with the server up, and fails unless every suite
# printed its closing "test result: ok": a Node runner whose event loop empties (a promise that never settles)
# exits 0 in silence, and that must count as a failure, not a pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
suites=(client faults)
log=$(mktemp)
# wasm-bindgen-test-runner leaves the Chromium that chromedriver started running; left over from run to run they
# make later browser starts hang. chromedriver marks its browsers with --test-type=webdriver.
cleanup() {
  rm -f "$log"
  if [ -n "${WASM_BINDGEN_USE_BROWSER:-}" ]; then pkill -f -- '--test-type=webdriver' 2>/dev/null || true; fi
}
trap cleanup EXIT
args=()
for suite in "${suites[@]}"; do args+=(--test "$suite"); done
"$root/scripts/with-server.sh" cargo test --target wasm32-unknown-unknown "${args[@]}" 2>&1 | tee "$log"
passed=$(grep -c "^test result: ok" "$log" || true)
if [ "$passed" -ne "${#suites[@]}" ]; then
  echo "wasm tests: $passed of ${#suites[@]} suites reported 'test result: ok' (a hang or a crash ends a suite silently)" >&2
  exit 1
fi

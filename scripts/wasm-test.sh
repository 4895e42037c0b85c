#!/usr/bin/env bash
# Runs the wasm test suites (tests/client.rs, tests/faults.rs) with the server up, and fails unless every suite
# printed its closing "test result: ok": a Node runner whose event loop empties (a promise that never settles)
# exits 0 in silence, and that must count as a failure, not a pass.
#
# In the browser (WASM_BINDGEN_USE_BROWSER=1) cargo's runner is scripts/browser-runner.mjs, which drives headless
# Chromium with playwright-core in front of wasm-bindgen-test-runner's server (why: see that file); a suite that
# does not finish within its time fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ -n "${WASM_BINDGEN_USE_BROWSER:-}" ]; then
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="node $root/scripts/browser-runner.mjs"
fi

for suite in client faults; do
  status=0
  "$root/scripts/with-server.sh" cargo test --target wasm32-unknown-unknown --test "$suite" >"$log" 2>&1 || status=$?
  cat "$log"
  if ! grep -q "^test result: ok" "$log" || [ "$status" -ne 0 ]; then
    echo "wasm tests: the $suite suite did not report 'test result: ok' (status $status; a hang or a crash ends a suite silently)" >&2
    exit 1
  fi
done

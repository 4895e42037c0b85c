#!/usr/bin/env bash
# Fuzzes every parser of the pure core with cargo-fuzz (libFuzzer, nightly Rust) for SECONDS each (default 8):
# header values, the RateLimit structured fields, error bodies, URLs, the limiter's state machine, the Link header,
# and the text `persist` stores. New inputs go to target/fuzz-corpus/, so the checked-in seeds in fuzz/corpus/ stay
# as they are; a crash leaves its input in fuzz/artifacts/ and fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-8}
cd "$root/fuzz"
for target in headers ratelimit_field error_body url limiter persist link; do
  work="$root/target/fuzz-corpus/$target"
  mkdir -p "$work"
  out=$(cargo "+${NIGHTLY:-nightly}" fuzz run "$target" "$work" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1) || {
    echo "$out" | tail -40
    echo "fuzz: $target failed" >&2
    exit 1
  }
  runs=$(echo "$out" | grep -o 'stat::number_of_executed_units: *[0-9]*' | grep -o '[0-9]*$')
  echo "fuzz: $target: $runs executions in ${seconds} s, no crash"
done

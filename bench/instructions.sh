#!/usr/bin/env bash
# `make bench-instructions`: figure 1 as instructions instead of wall time, which moves by ±10% between runs on a
# busy machine. For each client, callgrind counts the instructions of a Node process making 500 and then 5,500
# sequential GETs (the server runs apart, started by scripts/with-server.sh); the difference over 5,000 is one
# request's cost, start-up and warm-up left out. Counts still move a few percent between runs (garbage collection
# and the JIT follow the network's timing): run it twice before trusting a difference under 10%.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node "$root/bench/instructions.mjs" "$1" "$2" 2>&1 |
    grep -o "Collected : [0-9]*" | grep -o "[0-9]*"
}
clients=${*:-fetch polite-fetch ofetch}
declare -A per
for name in $clients; do
  small=$(count "$name" 500)
  large=$(count "$name" 5500)
  per[$name]=$(( (large - small) / 5000 ))
done
for name in $clients; do
  if [ -n "${per[fetch]:-}" ]; then
    echo "$name: ${per[$name]} instructions a request, $(awk "BEGIN { printf \"%.3f\", ${per[$name]} / ${per[fetch]} }")x raw fetch"
  else
    echo "$name: ${per[$name]} instructions a request"
  fi
done

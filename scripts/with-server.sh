#!/usr/bin/env bash
# Runs a command with the local test server up: POLITE_TEST_SERVER=http://127.0.0.1:<port> is exported to it,
# and the server is stopped afterwards whatever the command did. The repository is served under /files/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port_file=$(mktemp)
rm -f "$port_file"
# POLITE_SERVER_CPU=n pins the server to core n (benchmarks keep it off the client's core).
pin=()
if [ -n "${POLITE_SERVER_CPU:-}" ] && command -v taskset >/dev/null; then pin=(taskset -c "$POLITE_SERVER_CPU"); fi
"${pin[@]}" "$root/target/release/polite-fetch-testserver" --port "${POLITE_TEST_PORT:-0}" --port-file "$port_file" \
  --files "$root" --www "$root/www" --pkg "$root/pkg" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
[ -s "$port_file" ] || { echo "test server did not start" >&2; exit 1; }
export POLITE_TEST_SERVER="http://127.0.0.1:$(cat "$port_file")"
"$@"

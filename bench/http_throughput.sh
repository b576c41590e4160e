#!/usr/bin/env bash
# REST throughput with wrk on loopback: GET /room (10 rooms), POST+DELETE /room, and as a
# same-run baseline an unauthenticated 404 (the HTTP stack alone). Prints requests/second.
# Usage: bench/http_throughput.sh [seconds=10] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
metrics=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
JF_PORT=$port JF_METRICS_PORT=$metrics build/shoal --dev > /tmp/shoal-bench.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
for _ in $(seq 10); do
  curl -s -o /dev/null -X POST -H "authorization: Bearer development" "http://127.0.0.1:$port/room"
done

run() {
  local name=$1; shift
  local rps
  rps=$(wrk -t2 -c"$connections" -d"${seconds}s" "$@" | awk '/Requests\/sec/ {print $2}')
  printf '%-28s %12s req/s\n' "$name" "$rps"
}
run "baseline (404, no auth)" "http://127.0.0.1:$port/nothing"
run "GET /room (10 rooms)" -H "authorization: Bearer development" "http://127.0.0.1:$port/room"
run "POST+DELETE /room" -s bench/wrk/create_delete_room.lua "http://127.0.0.1:$port"
rooms=$(curl -s -H "authorization: Bearer development" "http://127.0.0.1:$port/room" | grep -o '"config"' | wc -l)
echo "rooms left: $rooms; server RSS after runs: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"

#!/usr/bin/env bash
# WebRTC forwarding benchmark (docs/benchmarks.md): shoal pinned to core 0, the load generator
# (simulated browsers speaking TURN/ICE/DTLS/SRTP) pinned to core 1, over loopback.
#   (a) a 40-peer room with 2 publishers at 1.5 Mbps: does it hold (loss), what CPU does it take;
#   (b) capacity: the same room with rising bitrate until loss > 1 % or shoal's core is full;
#   (c) with --callgrind: instructions per forwarded packet, from two callgrind runs of shoal that
#       differ only in the number of packets sent (the difference cancels set-up costs).
# Usage: bench/webrtc_forwarding.sh [--callgrind] [--no-capacity]
# Env: BUILD_DIR (default build), DURATION (s per run, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
duration=${DURATION:-10}
shoal=$build/shoal
load=$build/bench/shoal_webrtc_load
callgrind=0
capacity=1
for arg in "$@"; do
  case $arg in
    --callgrind) callgrind=1 ;;
    --no-capacity) capacity=0 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done
[[ -x $shoal && -x $load ]] || { echo "build $shoal and $load first" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pid=
stop_shoal() {
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}
trap stop_shoal EXIT

# start_shoal [wrapper...]: shoal --dev on free ports, on core 0.
start_shoal() {
  port=$(free_port)
  local metrics turn_base
  metrics=$(free_port)
  turn_base=$((20000 + RANDOM % 20000))
  JF_PORT=$port JF_METRICS_PORT=$metrics JF_WEBRTC_TURN_PORT_RANGE="$turn_base-$((turn_base + 1999))" \
    taskset -c 0 "$@" "$shoal" --dev > /tmp/shoal-webrtc-bench.log 2>&1 &
  pid=$!
  for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && return 0; sleep 0.1; done
  echo "shoal did not start" >&2
  exit 1
}

# Kernel UDP receive-buffer drops (both sides share this host), to tell them apart from drops
# inside shoal.
udp_rcvbuf_errors() { awk '/^Udp:/ {n++; if (n == 2) print $6}' /proc/net/snmp; }

run_load() {
  local before
  before=$(udp_rcvbuf_errors)
  taskset -c 1 "$load" --server "127.0.0.1:$port" --shoal-pid "$pid" --json "$@"
  echo "kernel UDP receive-buffer drops during the run: $(( $(udp_rcvbuf_errors) - before )); load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
start_shoal
echo "== (a) 40 peers, 2 publishers at 1.5 Mbps, ${duration}s"
run_load --publishers 2 --subscribers 38 --bitrate 1.5M --duration "$duration"

if [[ $capacity == 1 ]]; then
  echo "== (b) capacity: 40 peers, 2 publishers, rising bitrate (each stream to 39 receivers)"
  for rate in 3M 6M 12M 24M 48M; do
    line=$(run_load --publishers 2 --subscribers 38 --bitrate "$rate" --duration "$duration" || echo '{}')
    echo "$line"
    loss=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("loss_pct", 100))' "$line")
    cpu=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("shoal_cpu_pct", 100))' "$line")
    if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 1 or float(sys.argv[2]) > 95 else 1)' "$loss" "$cpu"; then
      echo "stopped: loss ${loss} %, shoal CPU ${cpu} %"
      break
    fi
  done
fi
stop_shoal

if [[ $callgrind == 1 ]]; then
  echo "== (c) callgrind: 1 publisher at 1 Mbps, 4 subscribers; N packets after warm-up"
  declare -A ir fwd
  for packets in 200 1200; do
    out=/tmp/shoal-callgrind-$packets.out
    rm -f "$out"
    start_shoal valgrind --tool=callgrind --callgrind-out-file="$out"
    line=$(run_load --publishers 1 --subscribers 4 --bitrate 1M --packets "$packets" --warmup 3 \
                    --duration 60 --setup-timeout 120)
    echo "$line"
    stop_shoal
    ir[$packets]=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
    fwd[$packets]=$(python3 -c 'import json,sys; print(int(json.loads(sys.argv[1])["received_packets_whole_run"]))' "$line")
    echo "packets=$packets total Ir=${ir[$packets]} forwarded (whole run)=${fwd[$packets]}"
  done
  python3 -c 'import sys; a,b,c,d=map(int,sys.argv[1:]); print("instructions per forwarded packet (difference of the two runs): %.0f" % ((b-a)/(d-c)))' \
    "${ir[200]}" "${ir[1200]}" "${fwd[200]}" "${fwd[1200]}"
fi

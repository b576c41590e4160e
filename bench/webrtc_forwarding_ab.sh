#!/usr/bin/env bash
# Forwarding capacity of two shoal binaries in the same sitting, interleaved (A B A B per rate),
# so a noisy machine affects both alike. Each run: a fresh `shoal --dev` pinned to core 0, the
# load generator pinned to core 1 (40 peers: 2 publishers at RATE each, every stream to 39
# receivers, real TURN/ICE/DTLS/SRTP over loopback), 10 s measured.
#   bench/webrtc_forwarding_ab.sh BASELINE_SHOAL [CANDIDATE_SHOAL] [RATE ...]
# Rates default to 6M 12M 14M 16M; the candidate defaults to build/shoal. Another shape of rooms:
# ROOMS=20 PUBLISHERS=4 SUBSCRIBERS=0 (many small meetings) instead of one room of 2 + 38.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:?usage: $0 BASELINE_SHOAL [CANDIDATE_SHOAL] [RATE ...]}
candidate=${2:-build/shoal}
shift $(( $# >= 2 ? 2 : 1 ))
rates=("$@")
(( ${#rates[@]} )) || rates=(6M 12M 14M 16M)
load=${BUILD_DIR:-build}/bench/shoal_webrtc_load
[[ -x $baseline && -x $candidate && -x $load ]] || { echo "need $baseline, $candidate and $load" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; true' EXIT

run() {  # label binary rate
  local port metrics turn out
  port=$(free_port); metrics=$(free_port); turn=$((20000 + RANDOM % 20000))
  JF_PORT=$port JF_METRICS_PORT=$metrics JF_WEBRTC_TURN_PORT_RANGE="$turn-$((turn + 1999))" \
    taskset -c 0 "$2" --dev > /tmp/shoal-webrtc-ab.log 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
  out=$(taskset -c 1 "$load" --server "127.0.0.1:$port" --shoal-pid "$pid" --json --rooms "${ROOMS:-1}" \
        --publishers "${PUBLISHERS:-2}" --subscribers "${SUBSCRIBERS:-38}" --bitrate "$3" --duration 10 2>/dev/null | grep '^{' || true)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  [[ -n $out ]] || { echo "$1 $3: no result (see /tmp/shoal-webrtc-ab.log)"; return; }
  LABEL=$1 RATE=$3 python3 -c '
import json, os, sys
d = json.loads(sys.stdin.read())
label, rate = os.environ["LABEL"], os.environ["RATE"]
per_packet = d["shoal_cpu_pct"] * 1e4 / max(d["received_pps"], 1)
per_gbit = d["shoal_cpu_pct"] / 100 / max(d["received_mbps"] / 1000, 1e-9)
print(f"{label:9} {rate:>4}: {d['"'"'received_mbps'"'"']:7.1f} Mbit/s  {d['"'"'received_pps'"'"']:7.0f} pkt/s  "
      f"loss {d['"'"'loss_pct'"'"']:5.2f} %  shoal CPU {d['"'"'shoal_cpu_pct'"'"']:5.1f} % "
      f"(user {d['"'"'shoal_user_cpu_pct'"'"']:.1f}, system {d['"'"'shoal_system_cpu_pct'"'"']:.1f})  {per_packet:.2f} us/packet  {per_gbit:.2f} CPU-s/Gbit")' <<< "$out"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for rate in "${rates[@]}"; do
  for label in candidate baseline candidate baseline; do
    if [[ $label == candidate ]]; then run "$label" "$candidate" "$rate"; else run "$label" "$baseline" "$rate"; fi
  done
done

#!/usr/bin/env bash
# Installs the Debian 12 packages shoal needs; does nothing when they are already there.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libboost1.81-dev libssl-dev libsrtp2-dev
  erlang-dev erlang-base
  protobuf-compiler libprotobuf-dev
  nlohmann-json3-dev libspdlog-dev prometheus-cpp-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
)
# The dashboard is bundled at build time from npm packages: Node.js with npm, unless node is there.
command -v node > /dev/null || packages+=(nodejs npm)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev wrk)
  # ffprobe checks what the HLS component writes.
  packages+=(ffmpeg)
  # RTSP component tests: GStreamer's RTSP server (python3-gi) serving x264-encoded test video.
  packages+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
    gstreamer1.0-plugins-ugly)
  # TLS distribution tests: an Erlang node speaking inet_tls_dist, certificates made per run.
  packages+=(erlang-ssl openssl)
  # Browser end-to-end tests (tests/e2e): Chromium (Node.js and npm are in the list above).
  packages+=(chromium)
  # The Docker test (tests/docker): a daemon, Compose, and debootstrap for the base image when no
  # image registry is reachable; curl talks to the containers.
  packages+=(docker.io docker-compose debootstrap curl)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

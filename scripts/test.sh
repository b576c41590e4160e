#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, integration, integration
# against a sanitized build, fuzz, browser end-to-end) through CTest. Prints how long each stage
# before the tests took; CTest prints each test's time (sanitized.build and fuzz.build are builds)
# and its own total last.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() {
  local name=$1 started=$SECONDS
  shift
  "$@"
  echo "== stage '$name' took $((SECONDS - started)) s"
}
stage install scripts/install-deps.sh --test
stage build scripts/build.sh
stage e2e-setup tests/e2e/setup.sh
cd build
ctest --output-on-failure --timeout 600 -j"${SHOAL_TEST_JOBS:-2}"

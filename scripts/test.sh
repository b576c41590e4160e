#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (unit, integration, fuzz,
# browser end-to-end) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh
tests/e2e/setup.sh
cd build
ctest --output-on-failure --timeout 600 -j"${SHOAL_TEST_JOBS:-2}"

#!/usr/bin/env bash
# Installs what is missing, builds, and starts a development node on 127.0.0.1:5002
# (API token "development") with the dashboard at http://127.0.0.1:5002/dashboard/ (unless
# JF_DASHBOARD_ENABLED says otherwise). Extra arguments and JF_* variables are passed through.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target shoal
export JF_DASHBOARD_ENABLED=${JF_DASHBOARD_ENABLED:-true}
exec build/shoal --dev "$@"

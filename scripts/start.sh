#!/usr/bin/env bash
# First set-up command: install what is missing, then run the service with the demo data
# on http://127.0.0.1:8000 (embedded PostGIS unless DATABASE_URL is set). Extra arguments go to
# `flaechenpool serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/flaechenpool serve "$@"

#!/usr/bin/env bash
# Second set-up command: install what is missing, then run the whole test suite against real
# PostGIS (an embedded test cluster; set FLAECHENPOOL_TEST_DATABASE_URL to use another server).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh python3-qgis chromium fonts-dejavu-core   # QGIS and Chromium for the client tests
mkdir -p artifacts
exec .venv/bin/python -m pytest "$@"

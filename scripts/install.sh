#!/usr/bin/env bash
# Installs what Flächenpool needs and is missing on this machine (Debian 12):
#   Debian packages: PostgreSQL 15 with PostGIS 3, GDAL command-line tools (ALKIS NAS import), pango,
#   HarfBuzz and DejaVu fonts (WeasyPrint's PDF exposés);
#   a virtual environment .venv with the package and its test dependencies;
#   the public page's front-end packages (npm ci in web/), copied to flaechenpool/web/static/vendor.
# Idempotent: does nothing when everything is in place. Runs without standard input (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
base=(postgresql-15 postgresql-15-postgis-3 gdal-bin libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
      fonts-dejavu-core)
command -v npm >/dev/null || base+=(nodejs npm)   # Node.js for the front-end packages of the public page
for pkg in "${base[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
for pkg in "${@}"; do   # extra packages asked for by the caller (e.g. the test suite's browsers)
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "install.sh: installing Debian packages: ${need_apt[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: need root (or sudo) to install ${need_apt[*]}" >&2; exit 1; }
        SUDO="sudo -n"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq </dev/null
    $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" </dev/null >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "install.sh: creating the virtual environment .venv"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.flaechenpool-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ] || ! .venv/bin/python -c "import flaechenpool.cli" 2>/dev/null; then
    echo "install.sh: installing the Python package and its dependencies into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip </dev/null
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" </dev/null
    rm -f .venv/.flaechenpool-*
    touch "$stamp"
fi

# Front-end: MapLibre GL JS and Swagger UI from npm (web/package-lock.json), copied where the app serves it.
lock_hash="$(sha256sum web/package-lock.json | cut -c1-16)"
if [ ! -f "web/node_modules/.flaechenpool-$lock_hash" ]; then
    echo "install.sh: installing the front-end packages (npm ci in web/)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error </dev/null)
    touch "web/node_modules/.flaechenpool-$lock_hash"
fi
vendor=flaechenpool/web/static/vendor/maplibre-gl
if [ ! -f "$vendor/.flaechenpool-$lock_hash" ]; then
    rm -rf "$vendor" && mkdir -p "$vendor"
    dist=web/node_modules/maplibre-gl/dist
    cp "$dist/maplibre-gl.mjs" "$dist/maplibre-gl-worker.mjs" "$dist/maplibre-gl.css" \
       web/node_modules/maplibre-gl/LICENSE.txt "$vendor/"
    gzip -9 -k -n "$vendor"/*.mjs "$vendor"/*.css     # served to clients that accept gzip
    touch "$vendor/.flaechenpool-$lock_hash"
fi
# Swagger UI for /docs, served from here too (no CDN: visitors' addresses go to no third party)
vendor=flaechenpool/web/static/vendor/swagger-ui
if [ ! -f "$vendor/.flaechenpool-$lock_hash" ]; then
    rm -rf "$vendor" && mkdir -p "$vendor"
    dist=web/node_modules/swagger-ui-dist
    cp "$dist/swagger-ui-bundle.js" "$dist/swagger-ui.css" "$dist/LICENSE" "$dist/NOTICE" "$vendor/"
    gzip -9 -k -n "$vendor"/*.js "$vendor"/*.css
    touch "$vendor/.flaechenpool-$lock_hash"
fi

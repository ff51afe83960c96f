"""The public web page (German): its template, scripts and styles, and their content versions.

``static/`` holds the page's own ES modules and CSS; ``static/vendor/`` is build output of
``scripts/install.sh`` (MapLibre GL JS and Swagger UI copied from ``web/node_modules``, git-ignored). Every asset
is referenced with ``?v=<hash of its bytes>`` (module imports through an import map), so browsers
may cache it for good and a changed file is fetched at once.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_PREFIX = "/static"
MAPLIBRE = "vendor/maplibre-gl/maplibre-gl.mjs"
MAPLIBRE_CSS = "vendor/maplibre-gl/maplibre-gl.css"
FAVICON = f"{STATIC_PREFIX}/favicon.svg"   # unversioned, for pages built without Assets (revalidated)
SWAGGER_UI = "vendor/swagger-ui/swagger-ui-bundle.js"
SWAGGER_UI_CSS = "vendor/swagger-ui/swagger-ui.css"


class MissingAssets(RuntimeError):
    """The built assets (MapLibre) are missing: ``scripts/install.sh`` has not run."""


class Assets:
    """Content-versioned URLs of the files under ``static/`` (hashed once, on first use)."""

    def __init__(self, root: Path = STATIC_DIR, prefix: str = STATIC_PREFIX) -> None:
        self.root = root
        self.prefix = prefix

    @cached_property
    def versions(self) -> dict[str, str]:
        """{path relative to root: short hash of the bytes} for every served file."""
        out = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and path.suffix not in (".map", ".gz"):
                out[path.relative_to(self.root).as_posix()] = hashlib.blake2b(path.read_bytes(),
                                                                              digest_size=6).hexdigest()
        return out

    def url(self, name: str) -> str:
        """``/static/NAME?v=HASH``; a missing vendor file means the front-end build did not run."""
        version = self.versions.get(name)
        if version is None:
            raise MissingAssets(f"{self.root / name} is missing: run 'bash scripts/install.sh' (npm ci + copy)")
        return f"{self.prefix}/{name}?v={version}"

    def import_map(self) -> str:
        """JSON of an import map: ``maplibre-gl`` and each module under ``js/`` to its versioned URL."""
        imports = {"maplibre-gl": self.url(MAPLIBRE)}
        for name in self.versions:
            if name.startswith("js/") and name.endswith(".js"):
                imports[f"{self.prefix}/{name}"] = self.url(name)
        return json.dumps({"imports": imports}, indent=1)

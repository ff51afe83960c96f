"""A real desktop client: QGIS 3.22 (Debian ``python3-qgis``), headless, against the live server.

QGIS runs in its own interpreter (``/usr/bin/python3``) through ``qgis_probe.py``: its OAPIF provider
loads a layer with the token as Basic password and pages through ``next`` links to the full count, a
CRS84 rectangle is sent as bbox, and the combined vector tiles render to a non-blank image, with QGIS'
defaults and with the project's MapLibre style converted by QGIS."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import httpx
import morecantile
import pytest
import shapely
from sqlalchemy import create_engine, text

from flaechenpool.features.catalog import COLLECTIONS
from flaechenpool.features.registry import role_allows
from flaechenpool.settings import PROJECT_ROOT
from tests.live import LiveServer
from tests.ogc.conftest import reproject, stored_geometries

QGIS_PYTHON = "/usr/bin/python3"
BBOX = (11.575, 50.925, 11.595, 50.935)


def _qgis_available() -> bool:
    try:
        return subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = pytest.mark.skipif(not _qgis_available(),
                                reason="QGIS is not installed (scripts/test.sh installs python3-qgis)")


def _project_for(live_server: LiveServer, folder: Path) -> Path:
    """The shipped project with its server address and authentication pointed at the test server."""
    xml = (PROJECT_ROOT / "qgis" / "flaechenpool.qgs").read_text(encoding="utf-8")
    xml = xml.replace("http://127.0.0.1:8000", live_server.url)
    xml = xml.replace("authcfg='fpool01'", f"user='ogc-planner' password='{live_server.tokens['ogc-planner']}'")
    path = folder / "flaechenpool-test.qgs"
    path.write_text(xml, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def probe(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tms = morecantile.tms.get("WebMercatorQuad")
    town = tms.xy_bounds(tms.tile(11.59, 50.928, 14))
    sea = tms.xy_bounds(tms.tile(-30.0, 0.0, 14))
    images = PROJECT_ROOT / "artifacts" if (PROJECT_ROOT / "artifacts").is_dir() else tmp_path_factory.mktemp("qgis")
    job = {"url": live_server.url, "user": "ogc-planner", "token": live_server.tokens["ogc-planner"],
           "bbox": list(BBOX), "tile_extent_3857": [town.left, town.bottom, town.right, town.top],
           "empty_extent_3857": [sea.left, sea.bottom, sea.right, sea.top],
           "image": str(Path(images) / "qgis-tiles.png"),
           "style": httpx.get(live_server.url + "/ogc/styles/default", timeout=10).json(),
           "project": str(_project_for(live_server, Path(images)))}
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path_factory.mktemp("xdg")))
    env.pop("PYTHONPATH", None)
    done = subprocess.run([QGIS_PYTHON, str(Path(__file__).with_name("qgis_probe.py")), json.dumps(job)],
                          capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("QGIS-PROBE ")]
    assert lines, f"QGIS probe failed ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(lines[0].removeprefix("QGIS-PROBE "))  # type: ignore[no-any-return]


def test_layer_loads_and_pages_to_the_full_count(probe: dict[str, Any], live_server: LiveServer) -> None:
    engine = create_engine(live_server.database_url)
    with engine.connect() as conn:
        current = conn.execute(text("SELECT count(*) FROM core.sites WHERE retired_at IS NULL")).scalar_one()
    engine.dispose()
    assert probe["qgis"].startswith("3.")
    assert probe["sites_valid"] is True
    assert probe["sites_feature_count"] == current           # numberMatched
    assert probe["sites_iterated"] == current > 5            # pages of 5 followed through next links
    assert {"name", "kind", "status", "owner_contact"} <= set(probe["sites_fields"])   # the planner's fields
    assert probe["sites_crs"] == "EPSG:4326"


def test_crs84_rectangle(probe: dict[str, Any], live_server: LiveServer) -> None:
    engine = create_engine(live_server.database_url)
    with engine.connect() as conn:
        stored = stored_geometries(conn, "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                         "WHERE valid_to IS NULL AND ST_DWithin(geom, ST_SetSRID(ST_Point(681300, "
                                         "5644700), 25832), 2500)")
    engine.dispose()
    box = shapely.box(*BBOX)
    expected = sorted(k for k, g in stored.items() if reproject(g, 25832, 4326).intersects(box))
    assert probe["parcels_valid"] is True
    assert probe["bbox_keys"] == expected and len(expected) > 100


def test_vector_tiles_render(probe: dict[str, Any]) -> None:
    coloured, colours = probe["tile_default"]
    assert coloured > 1000 and colours > 20
    assert probe["tile_empty"] == [0, 1]                      # the control: nothing where there is no data
    assert probe["style_result"] == 0                         # QGIS converted the MapLibre style
    styled_coloured, styled_colours = probe["tile_styled"]
    assert styled_coloured > 1000 and styled_colours > 20


def test_shipped_project_loads(probe: dict[str, Any]) -> None:
    """qgis/flaechenpool.qgs: every layer valid, German aliases, sites styled by kind."""
    assert probe["project_read"] is True
    shipped = set(re.findall(r"typename='(\w+)'", (PROJECT_ROOT / "qgis" / "flaechenpool.qgs").read_text("utf-8")))
    # every collection a planner reads (built with a planner's token: pre-emption cases are for land managers)
    planners = {c.id for c in COLLECTIONS if role_allows("planner", c.min_role)}
    assert shipped == planners and "preemption_cases" not in shipped
    assert probe["project_layers"] == len(planners) + 1 and probe["project_invalid"] == []    # and the tiles
    assert probe["project_sites_alias"] == "Flächenart"
    assert probe["project_sites_renderer"] == "categorizedSymbol"

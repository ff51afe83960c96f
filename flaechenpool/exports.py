"""Writing result rows (dicts with a ``wkb`` geometry in EPSG:25832 or another CRS) as CSV or GeoPackage."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

FORMATS = {".csv": "csv", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson"}


def format_of(path: Path) -> str:
    """The export format named by a file suffix."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        from flaechenpool.errors import InputError

        raise InputError(f"{path.name}: unknown output format; use one of {', '.join(sorted(FORMATS))}") from None


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV (UTF-8, comma-separated) with the geometry as WKT in the last column."""
    buffer = io.StringIO()
    if not rows:
        return ""
    fields = [k for k in rows[0] if k != "wkb"] + ["wkt"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        out = {k: v for k, v in row.items() if k != "wkb"}
        out["wkt"] = shapely.from_wkb(row["wkb"]).wkt if row.get("wkb") else ""
        writer.writerow(out)
    return buffer.getvalue()


def to_geodataframe(rows: list[dict[str, Any]], srid: int) -> gpd.GeoDataFrame:
    geometries = shapely.from_wkb([r["wkb"] for r in rows]) if rows else []
    data = [{k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in r.items() if k != "wkb"} for r in rows]
    return gpd.GeoDataFrame(data, geometry=list(geometries), crs=f"EPSG:{srid}")


def write_file(rows: list[dict[str, Any]], path: Path, *, srid: int, layer: str) -> None:
    """Write rows to ``path`` in the format its suffix names."""
    kind = format_of(path)
    if kind == "csv":
        path.write_text(to_csv(rows), encoding="utf-8")
        return
    frame = to_geodataframe(rows, srid)
    if kind == "geojson":
        frame.to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio")
    else:
        frame.to_file(path, driver="GPKG", layer=layer, engine="pyogrio")


def to_geopackage(rows: list[dict[str, Any]], *, srid: int, layer: str) -> bytes:
    """A GeoPackage file's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        write_file(rows, path, srid=srid, layer=layer)
        return path.read_bytes()

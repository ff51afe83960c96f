"""Writing result rows (dicts with a ``wkb`` geometry in EPSG:25832 or another CRS) as CSV or GeoPackage.

The columns are named by the caller, not read from the first row, so an export without rows still has its
header (CSV) and its fields (GeoPackage, GeoJSON) and a spreadsheet or QGIS opens it like any other."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

FORMATS = {".csv": "csv", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson"}


def format_of(path: Path) -> str:
    """The export format named by a file suffix."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        from flaechenpool.errors import InputError

        raise InputError(f"{path.name}: unknown output format; use one of {', '.join(sorted(FORMATS))}") from None


def to_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV (UTF-8, comma-separated): ``columns`` and the geometry as WKT in the last column."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*columns, "wkt"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        out = {k: v for k, v in row.items() if k != "wkb"}
        out["wkt"] = shapely.from_wkb(row["wkb"]).wkt if row.get("wkb") else ""
        writer.writerow(out)
    return buffer.getvalue()


def to_geodataframe(rows: list[dict[str, Any]], srid: int, columns: Sequence[str]) -> gpd.GeoDataFrame:
    geometries = shapely.from_wkb([r["wkb"] for r in rows]) if rows else []
    data = [{k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in r.items() if k != "wkb"} for r in rows]
    frame = pd.DataFrame(data, columns=list(columns))
    if not rows:
        frame = frame.astype(object)    # no value to infer a type from: text fields rather than numbers
    return gpd.GeoDataFrame(frame, geometry=list(geometries), crs=f"EPSG:{srid}")


def write_file(rows: list[dict[str, Any]], path: Path, *, columns: Sequence[str], srid: int, layer: str) -> None:
    """Write rows to ``path`` in the format its suffix names."""
    kind = format_of(path)
    if kind == "csv":
        path.write_text(to_csv(rows, columns), encoding="utf-8")
        return
    frame = to_geodataframe(rows, srid, columns)
    if kind == "geojson":
        frame.to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio")
    else:
        frame.to_file(path, driver="GPKG", layer=layer, engine="pyogrio")


def to_geopackage(rows: list[dict[str, Any]], *, columns: Sequence[str], srid: int, layer: str) -> bytes:
    """A GeoPackage file's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.gpkg"
        write_file(rows, path, columns=columns, srid=srid, layer=layer)
        return path.read_bytes()

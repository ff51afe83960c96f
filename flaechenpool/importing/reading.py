"""Format-independent reading of vector files in batches, for the importers.

Formats: GeoPackage, Shapefile (also a ``.zip`` holding one), GeoJSON, FlatGeobuf and GML (WFS
answers such as ALKIS vereinfacht) through pyogrio's bundled GDAL; ALKIS NAS (``.xml``) through
Debian's ``/usr/bin/ogr2ogr`` (pyogrio's GDAL has no NAS driver), converted to a temporary
GeoPackage first. Circular arcs are linearised by GDAL, geometries come as 2D WKB.

Batches are read with ``max_features`` from the last FID on (GeoPackage) or ``skip_features``. Only GeoPackages and Shapefiles are read in
place: every other format (GML, GeoJSON, FlatGeobuf …), which GDAL cannot enter at a given position
cheaply, is first streamed through GDAL's Arrow interface into a temporary GeoPackage, so time stays
linear and memory flat however large the file is. Every problem with the file becomes an
``ImportFileError`` naming it.
"""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import tempfile
import warnings
import xml.parsers.expat
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.errors
import pyogrio.raw
import pyproj

from flaechenpool.errors import ImportFileError

log = logging.getLogger(__name__)

OGR2OGR = Path("/usr/bin/ogr2ogr")
NAS_MARKERS = (b"NAS-Operationen", b"AAA-Fachschema", b"aaa.xsd", b"aaa-suite",
               b"adv-online.de/namespaces/adv/gid")
GML_OPTIONS = {"DOWNLOAD_SCHEMA": "NO", "WRITE_GFS": "NO"}  # offline; never write .gfs beside the file
# Drivers that open in constant time and enter a layer at any position; the rest is spooled first
# (GeoJSON, for one, would be parsed anew for every batch).
SEEKABLE_DRIVERS = ("GPKG", "ESRI Shapefile")
VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".gml")
# GDAL warnings that say nothing about the data (a WFS answer repeats gml:identifier as a property).
_HARMLESS = ("Field with same name", "Normalized/laundered field name", "A geometry of type")
# Environment of pyogrio's own GDAL/PROJ that must not leak into Debian's ogr2ogr.
_FOREIGN_ENV = ("GDAL_DATA", "GDAL_DRIVER_PATH", "PROJ_DATA", "PROJ_LIB", "PROJ_NETWORK")


@dataclass(frozen=True)
class Batch:
    """Consecutive features: ``first_row`` is the 1-based number of the first one in the file."""

    first_row: int
    wkb: np.ndarray  # object array of WKB bytes, None where a feature has no geometry
    columns: dict[str, np.ndarray]  # by the file's field names

    def __len__(self) -> int:
        return len(self.wkb)


@dataclass
class VectorFile:
    """One layer of an opened file, ready to be read in batches."""

    name: str  # the file name, for messages
    source: str  # what GDAL opens (may be a /vsizip/ path or a temporary GeoPackage)
    layer: str
    fields: list[str]
    total: int | None  # number of features, None when unknown
    crs: str  # "EPSG:n", as declared by the file or given by the caller
    srid: int
    crs_given: bool
    options: dict[str, str] = field(default_factory=dict)
    fid_column: str | None = None  # a GeoPackage's integer primary key: batches by FID range

    def batches(self, size: int, columns: Sequence[str] | None = None) -> Iterator[Batch]:
        """Yield the features in batches of at most ``size``; only ``columns`` are read.

        A GeoPackage is read by ranges of its integer FID (``fid > last``: an index range in SQLite,
        the same time for every batch); others by position (``skip_features``), where GDAL's
        GeoPackage driver steps over all earlier rows again for each batch (a 1,000,000-feature file
        took ~18 s of reading instead of ~4 s)."""
        done, last_fid = 0, None
        while self.total is None or done < self.total:
            gc.collect(1)  # pyogrio's arrays sit in reference cycles: free the last batch before reading on
            where = {} if self.fid_column is None else {"where": f"{_quoted(self.fid_column)} > {last_fid or 0}",
                                                        "return_fids": True}
            skip = {} if self.fid_column is not None else {"skip_features": done}
            with gdal_errors(self.name):
                meta, fids, wkb, data = pyogrio.raw.read(
                    self.source, layer=self.layer, columns=columns, max_features=size,
                    force_2d=True, datetime_as_string=True, **skip, **where, **self.options)
            count = 0 if wkb is None else len(wkb)
            if count == 0:
                break
            if self.fid_column is not None:
                last_fid = int(fids[-1])
            yield Batch(done + 1, wkb, dict(zip(meta["fields"], data, strict=True)))
            done += count
            if count < size:
                break
        if self.total is not None and done != self.total:
            raise ImportFileError(
                f"GDAL counts {self.total} features but only {done} could be read; is the file truncated?",
                file=self.name)


def _quoted(identifier: str) -> str:
    """An SQLite identifier (a GeoPackage's FID column, named by the file) in double quotes."""
    return '"' + identifier.replace('"', '""') + '"'


@contextmanager
def gdal_errors(name: str) -> Iterator[None]:
    """Turn pyogrio's errors into ``ImportFileError``; log GDAL's warnings instead of raising them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                pyogrio.errors.FeatureError, pyogrio.errors.GeometryError, pyogrio.errors.CRSError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ImportFileError(f"cannot be read: {reason}", file=name) from exc
    messages = [m for m in dict.fromkeys(str(w.message) for w in caught) if not m.startswith(_HARMLESS)]
    for message in messages[:10]:
        log.warning("%s: GDAL: %s", name, message)


@contextmanager
def open_vector(
    path: Path | str,
    *,
    crs: str | None = None,
    layer: str | None = None,
    prefer: Sequence[str] = (),
    nas_layer: str | None = None,
) -> Iterator[VectorFile]:
    """Open ``path`` for batch reading; temporary files are removed when the block ends.

    ``crs`` overrides what the file declares (needed when it declares none). ``layer`` picks a layer;
    without it a file's only layer is taken, else the first of ``prefer`` (compared case-insensitively)
    that it holds. ``nas_layer`` is the layer ogr2ogr converts from a NAS file (all when None).
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ImportFileError("file not found", file=name)
    with tempfile.TemporaryDirectory(prefix="flaechenpool-import-") as tmp:
        source, options = _locate(path, Path(tmp), layer, nas_layer or layer)
        with gdal_errors(name):
            chosen = _choose_layer(source, options, layer, prefer, name)
            info = pyogrio.read_info(source, layer=chosen, **options)
        if info["geometry_type"] is None:
            raise ImportFileError(f"layer '{chosen}' has no geometry", file=name, field="geometry")
        declared_total = info["features"] if info["features"] >= 0 else None
        if info["driver"] not in SEEKABLE_DRIVERS or not info["capabilities"]["fast_set_next_by_index"]:
            source, chosen = _spool(source, chosen, options, Path(tmp) / "spool.gpkg", name), "features"
            options = {}
            with gdal_errors(name):
                info = pyogrio.read_info(source, layer=chosen)
            if declared_total is not None and info["features"] != declared_total:
                raise ImportFileError(
                    f"GDAL counts {declared_total} features but only {info['features']} could be read; "
                    "is the file truncated?", file=name)
        epsg = resolve_crs(crs or info["crs"], name)
        yield VectorFile(
            name=name, source=source, layer=chosen, fields=[str(f) for f in info["fields"]],
            total=info["features"] if info["features"] >= 0 else None, crs=f"EPSG:{epsg}", srid=epsg,
            crs_given=crs is not None, options=options,
            fid_column=(info.get("fid_column") or None) if info["driver"] == "GPKG" else None)


def resolve_crs(text: str | None, name: str) -> int:
    """The EPSG code of a CRS given as "EPSG:25832", "25832", a URN or WKT."""
    if text is None or not str(text).strip():
        raise ImportFileError("the file declares no coordinate reference system; "
                              "give one (e.g. --crs EPSG:25832)", file=name, field="crs")
    text = str(text).strip()
    try:
        crs = pyproj.CRS.from_user_input(f"EPSG:{text}" if text.isascii() and text.isdigit() else text)
    except pyproj.exceptions.CRSError:
        raise ImportFileError(f"unknown coordinate reference system {text[:80]!r}",
                              file=name, field="crs") from None
    epsg = crs.to_epsg(min_confidence=70)
    if epsg is None:
        raise ImportFileError(f"the coordinate reference system {crs.name!r} has no EPSG code; "
                              "give one with --crs", file=name, field="crs")
    return epsg


def _locate(path: Path, tmp: Path, layer: str | None, nas_layer: str | None) -> tuple[str, dict[str, str]]:
    """What GDAL should open for ``path``, and with which open options."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _zip_member(path, layer), {}
    if suffix in (".xml", ".gml"):
        with path.open("rb") as f:
            head = f.read(65536)
        _check_xml(path)
        if any(marker in head for marker in NAS_MARKERS):
            return str(_convert_nas(path, tmp, nas_layer)), {}
        return str(path), dict(GML_OPTIONS)
    return str(path), {}


def _zip_member(path: Path, layer: str | None) -> str:
    """The /vsizip/ path of the one vector file (normally a Shapefile) inside a zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(VECTOR_SUFFIXES)]
    except zipfile.BadZipFile:
        raise ImportFileError("is not a readable zip archive", file=path.name) from None
    shapes = [n for n in names if n.lower().endswith(".shp")] or names
    if layer is not None:
        shapes = [n for n in shapes if Path(n).stem.lower() == layer.lower()] or shapes
    if not shapes:
        raise ImportFileError("the zip archive holds no Shapefile (.shp)", file=path.name)
    if len(shapes) > 1:
        raise ImportFileError(f"the zip archive holds several files ({', '.join(shapes)}); "
                              "choose one with --layer", file=path.name, field="layer")
    return f"/vsizip/{path.resolve()}/{shapes[0]}"


def _check_xml(path: Path) -> None:
    """GDAL reads a truncated GML/NAS file silently as fewer features: check well-formedness first."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        with path.open("rb") as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as exc:
        raise ImportFileError(f"is not well-formed XML (truncated or broken?): {exc}",
                              file=path.name) from None


def _convert_nas(path: Path, tmp: Path, layer: str | None) -> Path:
    """Convert an ALKIS NAS file with Debian's ogr2ogr (NAS driver) to a temporary GeoPackage."""
    if not OGR2OGR.is_file():
        raise ImportFileError(
            f"reading ALKIS NAS needs GDAL's ogr2ogr with the NAS driver at {OGR2OGR}; "
            "install the Debian package gdal-bin (apt-get install gdal-bin)", file=path.name)
    link = tmp / f"nas-{path.name}"  # ogr2ogr writes its .gfs schema beside the input: keep it here
    link.symlink_to(path.resolve())
    out = tmp / "nas.gpkg"
    command = [str(OGR2OGR), "-f", "GPKG", "-nlt", "CONVERT_TO_LINEAR", "-gt", "65536",
               str(out), str(link), *([layer] if layer else [])]
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0 or not out.is_file():
        errors = [line for line in done.stderr.splitlines() if line.startswith(("ERROR", "FAILURE"))]
        reason = (errors or done.stderr.strip().splitlines() or ["ogr2ogr failed"])[-1]
        if layer and "requested layer" in reason:
            raise ImportFileError(f"the NAS file has no layer '{layer}'", file=path.name, field="layer")
        raise ImportFileError(f"cannot be read as ALKIS NAS: {reason.strip()}", file=path.name)
    return out


def _choose_layer(source: str, options: dict[str, str], layer: str | None, prefer: Sequence[str],
                  name: str) -> str:
    layers = _list_layers(source, options)
    names = [n for n, _ in layers]
    by_lower = {n.lower(): n for n in names}
    if layer is not None:
        if layer.lower() not in by_lower:
            raise ImportFileError(f"has no layer '{layer}'; its layers: {', '.join(names) or 'none'}",
                                  file=name, field="layer")
        return by_lower[layer.lower()]
    with_geometry = [n for n, g in layers if g is not None]
    if len(with_geometry) == 1:
        return with_geometry[0]
    for wanted in prefer:
        if wanted.lower() in by_lower:
            return by_lower[wanted.lower()]
    if not with_geometry:
        raise ImportFileError("holds no layer with geometries", file=name, field="layer")
    raise ImportFileError(f"holds several layers ({', '.join(names)}); choose one with --layer",
                          file=name, field="layer")


def _list_layers(source: str, options: dict[str, str]) -> list[tuple[str, str | None]]:
    """(name, geometry type) of each layer; open options reach GDAL only through read_info."""
    if not options:
        return [(str(n), g) for n, g in pyogrio.list_layers(source)]
    layers: list[tuple[str, str | None]] = []
    while True:
        try:
            info = pyogrio.read_info(source, layer=len(layers), **options)
        except pyogrio.errors.DataLayerError:
            return layers
        layers.append((str(info["layer_name"]), info["geometry_type"]))


def _spool(source: str, layer: str, options: dict[str, str], out: Path, name: str) -> str:
    """Stream a layer through GDAL's Arrow interface into a GeoPackage that can be read by position."""
    with gdal_errors(name), pyogrio.raw.open_arrow(source, layer=layer, **options) as (meta, stream):
        pyogrio.raw.write_arrow(stream, str(out), layer="features", driver="GPKG", geometry_type="Unknown",
                                crs=meta["crs"])  # the geometry column is found by its ogc.wkb annotation
    return str(out)

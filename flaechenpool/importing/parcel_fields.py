"""The fields of a parcel file: which of its fields holds what, and each batch's values checked and
converted in Python (keys, official areas, municipality keys, dates, land use) into rows for the COPY.

Every bad value raises ``ImportFileError`` naming the file, the feature (row) and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np

from flaechenpool.errors import ImportFileError
from flaechenpool.importing import copy_binary
from flaechenpool.importing.reading import Batch, VectorFile
from flaechenpool.importing.wkb import multipolygons
from flaechenpool.parcels import KEY_RE

PROVENANCES = ("official", "open_data", "illustrative", "user")
PARCEL_LAYERS = ("AX_Flurstueck", "Flurstueck", "flurstuecke", "flurstueck", "parcels")
# target → field names of the file (lower case, first match wins); a Shapefile cuts names to 10 chars
FIELDS: dict[str, tuple[str, ...]] = {
    "key": ("flstkennz", "flurstueckskennzeichen", "flurstkennz", "fsk"),
    "area": ("flaeche", "amtliche_flaeche_m2", "amtliche_flaeche", "amtlicheflaeche", "official_area_m2"),
    "municipality": ("gmdschl", "municipality_ags", "gemeindeschluessel", "ags"),
    "land_use_detail": ("tntxt", "land_use_detail"),
    "land_use": ("land_use",),
    "address": ("lagebeztxt", "address"),
    "alkis_id": ("idflurst", "alkis_id", "gml_id"),
    "updated": ("aktualit", "source_updated_at", "beginnt"),
}
LABELS = {"key": "Flurstückskennzeichen", "area": "official area (amtliche Fläche)",
          "municipality": "municipality key (Gemeindeschlüssel)"}
NAS_AGS = (("land", 2), ("regierungsbezirk", 1), ("kreis", 2), ("gemeinde", 3))  # NAS Gemeindekennzeichen
_BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Values:
    """The checked values of a batch, column by column (``first_row`` numbers the first feature)."""

    first_row: int
    keys: list[str]
    municipalities: list[str]
    areas: list[float]
    land_use: list[str | None]
    land_use_detail: list[str | None]
    address: list[str | None]
    alkis_id: list[str | None]
    updated: list[datetime | None]
    wkb: list[bytes | None]

    def encode(self, run: int, provenance: str, source: str) -> Encoded:
        """The batch as binary COPY data (``parcel_sql.COLUMNS`` and ``KEY_COLUMNS``)."""
        geometries, direct = multipolygons(self.wkb)
        rows = range(self.first_row, self.first_row + len(self.keys))
        keys = [copy_binary.text(k) for k in self.keys]
        columns = [keys, _map_unique(self.municipalities, copy_binary.text),
                   _map_unique(self.areas, _numeric), *(_map_unique(c, copy_binary.text) for c in (
                       self.land_use, self.land_use_detail, self.address, self.alkis_id)),
                   _map_unique(self.updated, copy_binary.timestamptz), [copy_binary.binary(g) for g in geometries]]
        constants = [copy_binary.int8(run), copy_binary.text(provenance), copy_binary.text(source)]
        return Encoded(self.first_row, len(self.keys), copy_binary.block([keys, [copy_binary.int8(r) for r in rows]]),
                       copy_binary.block(columns, constants), direct, frozenset(self.municipalities))


@dataclass(frozen=True)
class Encoded:
    """A batch as COPY data: its keys and feature numbers, and its rows; ``direct`` when every
    geometry is a non-empty (Multi)Polygon that core.parcels can take as it is."""

    first_row: int
    count: int
    keys: bytes
    rows: bytes
    direct: bool
    municipalities: frozenset[str]


class RowMaker:
    """Checks the values of one file's batches (``values``) and knows the file's fields."""

    def __init__(self, vf: VectorFile, municipality: str | None, known: set[str]) -> None:
        self.name, self.municipality, self.known = vf.name, municipality, known
        self.fields = map_fields(vf, need_municipality=municipality is None)
        self.seen: set[str] = set()  # municipality keys met in the file

    def fail(self, detail: str, row: int | None = None, field: str | None = None) -> ImportFileError:
        return ImportFileError(detail, file=self.name, row=row, field=field)

    def values(self, batch: Batch) -> Values:
        """The batch's values, checked; the first bad value raises (with its feature and field)."""
        f, n, first, cols = self.fields, len(batch), batch.first_row, batch.columns
        keys = [None if k is None else str(k).strip() for k in cols[f["key"]].tolist()]
        for i, key in enumerate(keys):
            if key is None or len(key) != 20 or not KEY_RE.fullmatch(key):
                raise self.fail(f"{key!r} is not a 20-character Flurstückskennzeichen "
                                "(e.g. 16011500200872______)", first + i, f["key"])
        areas = _areas(cols[f["area"]], lambda i, why: self.fail(why, first + i, f["area"]))
        ags = [self.municipality] * n if self.municipality else self.municipalities(cols, first)

        def column(target: str) -> list[str | None]:
            return _texts(cols[f[target]]) if target in f else [None] * n

        detail = column("land_use_detail")
        use = column("land_use") if "land_use" in f else _map_unique(detail, dominant_use)
        updated = _map_unique(column("updated"), _timestamp)
        bad = next((i for i, value in enumerate(updated) if value is ValueError), None)
        if bad is not None:
            raise self.fail("is not a date", first + bad, f["updated"])
        checked = cast(list[str], keys)     # the loop above raised on every None
        return Values(first, checked, ags, areas.tolist(), use, detail, column("address"), column("alkis_id"),
                      updated, batch.wkb.tolist())

    def municipalities(self, cols: dict[str, np.ndarray], first: int) -> list[str]:
        """Each feature's municipality key (AGS) from the file, checked against core.municipalities."""
        name = self.fields.get("municipality")
        if name is not None:
            values = _map_unique(_texts(cols[name]), lambda v: None if v is None else _digits(v, 8))
        else:  # NAS: land, regierungsbezirk, kreis, gemeinde
            parts = [_texts(cols[self.fields[p]]) for p, _ in NAS_AGS]
            values = ["".join(_digits(v or "", w) for v, (_, w) in zip(vs, NAS_AGS, strict=True))
                      for vs in zip(*parts, strict=True)]
            name = "gemeindezugehoerigkeit"
        for i, value in enumerate(values):
            if value not in self.known:
                why = "is missing" if not value else f"{value!r} is not in core.municipalities"
                raise self.fail(f"the municipality key {why}", first + i, name)
        self.seen.update(values)
        return values


def map_fields(vf: VectorFile, *, need_municipality: bool) -> dict[str, str]:
    """The file's field for each target, found case-insensitively (also as a 10-character Shapefile name)."""
    lower = {f.lower(): f for f in vf.fields}
    found: dict[str, str] = {}
    for target, candidates in FIELDS.items():
        for candidate in candidates:
            hit = lower.get(candidate) or next(
                (lower[f] for f in lower if len(f) == 10 and candidate.startswith(f)), None)
            if hit is not None:
                found[target] = hit
                break
    has_nas_ags = all(p in lower for p, _ in NAS_AGS)
    missing = [t for t in ("key", "area") if t not in found]
    if need_municipality and "municipality" not in found and not has_nas_ags:
        missing.append("municipality")
    if missing:
        target = missing[0]
        hint = "; give the municipality (AGS) instead" if target == "municipality" else ""
        raise ImportFileError(
            f"no {LABELS[target]} field (expected one of {', '.join(FIELDS[target])}){hint}; "
            f"the file has: {', '.join(vf.fields)}", file=vf.name, field=FIELDS[target][0])
    if need_municipality and "municipality" not in found:
        found.update({p: lower[p] for p, _ in NAS_AGS})
    return found


def dominant_use(tntxt: str | None) -> str | None:
    """The use with the largest share in ALKIS ``tntxt`` ("Art; m²|Art; m²")."""
    if not tntxt:
        return None
    shares: dict[str, float] = {}
    for part in tntxt.split("|"):
        kind, _, area = part.rpartition(";")
        if not kind:
            kind, area = area, ""
        try:
            value = float(area.strip().replace(",", "."))
        except ValueError:
            value = 0.0
        if kind.strip():
            shares[kind.strip()] = shares.get(kind.strip(), 0.0) + value
    return max(shares, key=shares.__getitem__) if shares else None


def _areas(values: np.ndarray, fail: Callable[[int, str], ImportFileError]) -> np.ndarray:
    """Official areas as floats; missing, non-numeric or non-positive values fail with their row."""
    if values.dtype.kind in "iuf":
        areas = values.astype(float)
    else:
        areas = np.array(_map_unique(_texts(values), _number), dtype=float)
    bad = np.flatnonzero(~((areas > 0) & (areas < 1e12)))
    if len(bad):
        i = int(bad[0])
        value = values[i].item() if isinstance(values[i], np.generic) else values[i]
        if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
            raise fail(i, "the official area (amtliche Fläche) is missing")
        if np.isnan(areas[i]):
            raise fail(i, f"the official area {value!r} is not a number")
        raise fail(i, f"the official area {value!r} must be a positive number of m² (below 10¹²)")
    return areas


def _number(value: str | None) -> float:
    try:
        return float(value.replace(",", ".")) if value is not None else float("nan")
    except ValueError:
        return float("nan")


def _timestamp(value: str | None) -> Any:
    """ISO date/time → aware datetime (local times are Europe/Berlin); the class ValueError if bad."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return ValueError
    return moment if moment.tzinfo else moment.replace(tzinfo=_BERLIN)


def _numeric(area: float) -> bytes:
    """An area as PostgreSQL turns a float8 into numeric (15 significant digits); numeric(14, 2) rounds it."""
    return copy_binary.numeric(Decimal(f"{area:.15g}"))


def _digits(value: str, width: int) -> str:
    value = value.strip()
    return value.zfill(width) if value.isascii() and value.isdigit() else value


def _texts(values: np.ndarray) -> list[str | None]:
    """A column as text; None, NaN and empty strings become None, whole floats lose their '.0'."""
    if values.dtype.kind == "f":
        return [None if v != v else str(int(v)) if v.is_integer() else str(v) for v in values.tolist()]
    if values.dtype.kind != "O":
        return values.astype(str).tolist()
    return [v if isinstance(v, str) and v else None if v is None or v == "" else str(v)
            for v in values.tolist()]


def _map_unique(values: list[Any], fn: Callable[[Any], Any]) -> list[Any]:
    """``fn`` applied once per distinct value (ALKIS repeats uses, dates and municipality keys)."""
    cache: dict[Any, Any] = {}
    return [cache[v] if v in cache else cache.setdefault(v, fn(v)) for v in values]

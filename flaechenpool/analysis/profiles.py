"""Profiles of the redevelopment-potential analysis: detection thresholds and criterion weights.

The profiles live in one file, ``profiles.toml`` beside this module (documented there). A profile
may ``extend`` another; :func:`get_profile` returns it resolved and checked, as the plain dict a run
stores and passes to the SQL (``CAST(:profile AS jsonb)``).
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from flaechenpool.errors import ConfigurationError, NotFound

# The kinds the analysis detects: core.sites.kind and the FLOO-Thüringen category they map to.
FLOO_CATEGORIES = {
    "infill_gap": "Baulücke",
    "brownfield": "Brachfläche",
    "old_farmstead": "Althofstelle",
    "vacant_building": "leerstehendes Gebäude",
    "partial_vacancy": "Leerstand in einem Gebäude",
    "underused": "untergenutzte Fläche",
    "residual_use": "Restnutzung",
}
KINDS = tuple(FLOO_CATEGORIES)


@dataclass(frozen=True)
class Criterion:
    """A scoring criterion: its German title, unit and what its value means."""

    title: str
    unit: str
    description: str
    categorical: bool = False


CRITERIA: dict[str, Criterion] = {
    "area": Criterion("Fläche", "m²", "usable area of the candidate"),
    "compactness": Criterion("Kompaktheit", "1", "4πA/P² (Polsby-Popper): 1 circle, 0.79 square, near 0 for strips"),
    "width": Criterion("Mindestbreite", "m", "diameter of the largest circle that fits inside"),
    "station_distance": Criterion("Entfernung Bahnhof", "m", "distance to the nearest railway station"),
    "centre_distance": Criterion("Entfernung Ortsmitte", "m",
                                 "distance to the town centre (analysis.town_centres, else the footprint-weighted "
                                 "centroid of the municipality's buildings)"),
    "flood_share": Criterion("Anteil Überschwemmungsgebiet", "1", "share of the area in flood zones"),
    "protected_share": Criterion("Anteil Schutzgebiet", "1", "share of the area in protected areas"),
    "zoning_plan": Criterion("Bebauungsplan", "", "legal status of the zoning plan at the candidate (none: no plan)",
                             categorical=True),
    "designation": Criterion("Festsetzung", "", "XPlanung land-use type set by that plan", categorical=True),
    "municipal_ownership": Criterion("Gemeindeeigentum", "1", "share of the area held by the municipal land pool"),
    "contamination": Criterion("Altlastenverdacht", "1", "1 when contamination is suspected (land use, brownfield, "
                                                         "or a site recording it)"),
    "vacancy_nearby": Criterion("Leerstand im Umfeld", "count", "vacancies (not ended) within vacancy_radius_m"),
}

_LISTS = ("building_land_uses", "infill_land_uses", "brownfield_land_uses", "brownfield_land_use_classes",
          "brownfield_recorded_classes", "farm_building_functions", "flood_zone_kinds", "contamination_land_uses",
          "contamination_land_use_classes")
_NUMBERS = ("building_min_overlap_m2", "grid_cell_m", "neighbour_distance_m", "infill_min_area_m2",
            "infill_max_area_m2", "infill_min_width_m", "infill_min_built_neighbours", "infill_min_surrounding_share",
            "underused_max_ratio", "underused_min_area_m2", "underused_min_surrounding_share",
            "brownfield_min_area_m2", "brownfield_min_width_m", "residual_min_vacant_share", "vacancy_radius_m",
            "zoning_min_share")
_POSITIVE = ("grid_cell_m", "infill_max_area_m2", "underused_max_ratio", "vacancy_radius_m")
_SHARES = ("infill_min_surrounding_share", "underused_max_ratio", "underused_min_surrounding_share",
           "residual_min_vacant_share", "zoning_min_share")


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files("flaechenpool.analysis").joinpath("profiles.toml").read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"flaechenpool/analysis/profiles.toml: {exc}") from exc


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _resolve(name: str, raw: dict[str, Any], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name not in raw:
        raise NotFound(f"no analysis profile {name!r}; known: {', '.join(sorted(raw))}")
    if name in seen:
        raise ConfigurationError(f"analysis profile {name!r} extends itself (via {' → '.join(seen)})")
    own = raw[name]
    parent = own.get("extends")
    base = _resolve(parent, raw, (*seen, name)) if parent else {}
    profile = _merge(base, {k: v for k, v in own.items() if k != "extends"})
    profile["name"] = name
    return profile


def _check(profile: dict[str, Any]) -> None:
    """Reject a profile that cannot be run: unknown or missing keys, empty ranges, weights not adding up."""
    name = profile["name"]
    where = f"analysis profile {name!r}"
    detection = profile.get("detection", {})
    missing = [k for k in (*_LISTS, *_NUMBERS) if k not in detection]
    unknown = [k for k in detection if k not in (*_LISTS, *_NUMBERS)]
    if missing or unknown:
        raise ConfigurationError(f"{where}: detection keys missing {missing} / unknown {unknown}")
    for key in _LISTS:
        if not isinstance(detection[key], list) or not all(isinstance(v, str) for v in detection[key]):
            raise ConfigurationError(f"{where}: detection.{key} must be a list of strings")
    for key in _NUMBERS:
        value = detection[key]
        if not isinstance(value, int | float) or value < 0 or (key in _POSITIVE and value <= 0):
            raise ConfigurationError(f"{where}: detection.{key} must be a {'positive' if key in _POSITIVE else 'non-negative'} number")
    too_large = [key for key in _SHARES if detection[key] > 1]
    if too_large:
        raise ConfigurationError(f"{where}: detection.{too_large[0]} is a share and must lie in 0…1")
    if detection["infill_min_area_m2"] > detection["infill_max_area_m2"]:
        raise ConfigurationError(f"{where}: infill_min_area_m2 exceeds infill_max_area_m2")
    criteria = profile.get("criteria", {})
    if set(criteria) != set(CRITERIA):
        raise ConfigurationError(f"{where}: criteria must be exactly {', '.join(CRITERIA)}")
    for key, spec in criteria.items():
        if not isinstance(spec.get("weight"), int | float):
            raise ConfigurationError(f"{where}: criteria.{key}.weight must be a number")
        if CRITERIA[key].categorical:
            if not isinstance(spec.get("map"), dict):
                raise ConfigurationError(f"{where}: criteria.{key} needs a map of values to 0…1")
            values = [*spec["map"].values(), spec.get("default", 0.0)]
            if not all(isinstance(v, int | float) and 0 <= v <= 1 for v in values):
                raise ConfigurationError(f"{where}: criteria.{key}: mapped values must lie in 0…1")
        elif not all(isinstance(spec.get(k), int | float) for k in ("low", "high")) or spec["low"] == spec["high"]:
            raise ConfigurationError(f"{where}: criteria.{key} needs numbers low and high that differ")
    positive = sum(spec["weight"] for spec in criteria.values() if spec["weight"] > 0)
    if abs(positive - 100) > 1e-6:
        raise ConfigurationError(f"{where}: the positive weights add up to {positive:g}, not 100")


def get_profile(name: str = "default") -> dict[str, Any]:
    """The resolved, checked profile ``name`` (a fresh copy)."""
    profile = _resolve(name, _raw())
    _check(profile)
    return profile


def list_profiles() -> list[dict[str, Any]]:
    """Every profile, resolved, with the criteria's titles and units (for GET /api/analysis/profiles)."""
    result = []
    for name in _raw():
        profile = get_profile(name)
        profile["criteria"] = {
            key: {"title": CRITERIA[key].title, "unit": CRITERIA[key].unit,
                  "description": CRITERIA[key].description, **spec}
            for key, spec in profile["criteria"].items()
        }
        result.append(profile)
    return result


def sql_lists(profile: dict[str, Any]) -> dict[str, list[str]]:
    """The detection lists keyed as the SQL compares them (see analysis.text_key)."""
    return {key: [text_key(v) for v in profile["detection"][key]] for key in _LISTS}


def text_key(value: str) -> str:
    """The comparison key of a land use or building function, as analysis.text_key() in SQL."""
    lowered = value.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        lowered = lowered.replace(umlaut, plain)
    return "".join(ch for ch in lowered if ch.isascii() and ch.isalnum())

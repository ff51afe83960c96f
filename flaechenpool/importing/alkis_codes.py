"""ALKIS code lists that real building data carry as numbers (AdV GeoInfoDok).

The TLBG's Hausumringe name a building's function (*Gebäudefunktion*) as ``GFK`` ``"31001_2721"`` (object
type AX_Gebaeude, value 2721), a NAS file as ``gebaeudefunktion`` ``2721``. The import stores the name
("Scheune"), which the analysis compares with the profile's lists (``farm_building_functions``) and the
map shows; a value not in the list stays as it came.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

_CODE = re.compile(r"(?:31001_)?(\d{4})")


@cache
def building_functions() -> dict[str, str]:
    """AX_Gebaeudefunktion: value → German name (``alkis_gebaeudefunktion.tsv``)."""
    table = {}
    for line in (Path(__file__).with_name("alkis_gebaeudefunktion.tsv")).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t")
            table[code] = name
    return table


def building_function(value: Any) -> Any:
    """The name of a building function given as its ALKIS value (``2721``, ``"31001_2721"``, ``2721.0``);
    names and unknown values are returned unchanged."""
    if value is None:
        return None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    match = _CODE.fullmatch(text)
    return building_functions().get(match.group(1), value) if match else value

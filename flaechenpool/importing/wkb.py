"""The WKB of a batch's geometries, in the form ``core.parcels`` takes (MultiPolygon), and whether
the batch can be copied into ``core.parcels`` as it is (the *direct* way of ``parcel_sql``).

Only the WKB header is read: byte order, type (2D Polygon or MultiPolygon, little-endian as GDAL
writes it) and the number of rings or parts. Everything else — validity, emptiness of the parts, the
extent — PostGIS tests: the CHECK of core.parcels, and the importer's extent check.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

POLYGON, MULTIPOLYGON = 3, 6
_HEADERS = {b"\x01" + struct.pack("<I", kind): kind for kind in (POLYGON, MULTIPOLYGON)}
_MULTI_OF_ONE = b"\x01" + struct.pack("<II", MULTIPOLYGON, 1)  # MultiPolygon header, one part
_NONE = b"\x00\x00\x00\x00"


def multipolygons(wkb: Sequence[bytes | None]) -> tuple[list[bytes | None], bool]:
    """Polygons wrapped as one-part MultiPolygons (what ``ST_Multi`` makes), everything else as it is;
    and True when every geometry is a non-empty (Multi)Polygon in 2D little-endian WKB."""
    out: list[bytes | None] = []
    direct = True
    for data in wkb:
        kind = None if data is None else _HEADERS.get(data[:5])
        if kind is None or data[5:9] == _NONE:  # type: ignore[index]
            direct = False
            out.append(data)
        else:
            out.append(_MULTI_OF_ONE + data if kind == POLYGON else data)  # type: ignore[operator]
    return out, direct

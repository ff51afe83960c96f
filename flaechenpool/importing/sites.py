"""Sites from a GIS file (a FLOO-Thüringen export, a Baulückenkataster): one site a feature, in one
transaction.

The kind comes from a field (``kind_field``, default ``kategorie``) holding a FLOO-Thüringen category —
Baulücke, Brachfläche, Althofstelle, leerstehendes Gebäude, Leerstand in einem Gebäude, untergenutzte
(or geringfügig genutzte) Fläche, Restnutzung — or one of the site kinds themselves (``infill_gap`` …);
compared without case, umlauts, spaces and punctuation, as the analysis compares land uses. The name
comes from ``name_field`` (default ``bezeichnung``); where a feature has none, its category and row stand
for it. Each feature is created through the site register (``sites.create_site``: its checks of
geometry, municipality and rights, its audit record), so an imported site is a site like any other.
Any bad feature stops the import with its row and field named, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import shapely
from shapely.geometry import mapping
from sqlalchemy import Connection

from flaechenpool import sites
from flaechenpool.analysis.profiles import FLOO_CATEGORIES, text_key
from flaechenpool.auth import Principal
from flaechenpool.errors import FlaechenpoolError, ImportFileError
from flaechenpool.importing.reading import open_vector

# every value is a site kind: FLOO_CATEGORIES is keyed by them (and SiteCreate checks the kind again)
KIND_OF_CATEGORY = cast(dict[str, sites.Kind], {
    **{text_key(name): kind for kind, name in FLOO_CATEGORIES.items()},
    **{text_key(kind): kind for kind in FLOO_CATEGORIES},
    text_key("geringfügig genutzte Fläche"): "underused",   # FLOO's other name for it
    text_key("Leerstand im Gebäude"): "partial_vacancy",
})


@dataclass
class SitesImport:
    file: str
    by_kind: dict[str, int] = field(default_factory=dict)    # sites created, by kind

    @property
    def created(self) -> int:
        return sum(self.by_kind.values())


def import_sites(conn: Connection, principal: Principal, path: Path, *, municipality: str,
                 kind_field: str = "kategorie", name_field: str = "bezeichnung", crs: str | None = None,
                 layer: str | None = None) -> SitesImport:
    """Create a site for every feature of ``path`` in ``municipality`` (see the module)."""
    name = path.name
    report = SitesImport(name)
    with conn.begin_nested() if conn.in_transaction() else conn.begin(), \
            open_vector(path, crs=crs, layer=layer) as vf:
        fields = {f.lower(): f for f in vf.fields}
        kind_column, name_column = fields.get(kind_field.lower()), fields.get(name_field.lower())
        if kind_column is None:
            raise ImportFileError(f"no field {kind_field!r} with the category; the file has: "
                                  f"{', '.join(vf.fields) or 'no fields'} (choose it with --kind-field)",
                                  file=name, field=kind_field)
        columns = [kind_column] + ([name_column] if name_column else [])
        for batch in vf.batches(1_000, columns=columns):
            for i in range(len(batch)):
                row = batch.first_row + i
                category = batch.columns[kind_column][i]
                kind = KIND_OF_CATEGORY.get(text_key(str(category or "")))
                if kind is None:
                    raise ImportFileError(f"unknown category {category!r}; known: "
                                          f"{', '.join(FLOO_CATEGORIES.values())}", file=name, row=row,
                                          field=kind_column)
                if batch.wkb[i] is None:
                    raise ImportFileError("feature has no geometry", file=name, row=row, field="geometry")
                title = batch.columns[name_column][i] if name_column else None
                title = str(title).strip() if title not in (None, "") else f"{FLOO_CATEGORIES[kind]} (Zeile {row})"
                try:
                    data = sites.SiteCreate(municipality_ags=municipality, name=title[:300], kind=kind,
                                            geometry=mapping(shapely.from_wkb(bytes(batch.wkb[i]))))
                    sites.create_site(conn, principal, data, srid=vf.srid, reason=f"import {name}",
                                      source=f"Import {name}")
                except FlaechenpoolError as exc:
                    raise ImportFileError(exc.detail, file=name, row=row,
                                          field="geometry" if "geometry" in exc.detail else None) from None
                except ValueError as exc:          # the model's checks (pydantic's ValidationError is one)
                    raise ImportFileError(" ".join(str(exc).split())[:300], file=name, row=row) from None
                report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
    return report

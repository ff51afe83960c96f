"""A candidate becomes a site (Potenzialfläche): through the site register, so its checks, the
mobilisation workflow and the audit log apply, with the link to the run and candidate kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool import sites
from flaechenpool.analysis.profiles import FLOO_CATEGORIES
from flaechenpool.auth import Principal
from flaechenpool.errors import Conflict, NotFound

PLANNING_LAW = {"in_force": "s30_zoning_plan", "partially_in_force": "s30_zoning_plan",
                "in_preparation": "s33_plan_in_preparation"}


def _candidate(conn: Connection, candidate_id: int) -> Any:
    row = conn.execute(text(
        "SELECT c.id, c.run_id, c.kind, c.municipality_ags, c.parcels, c.buildings, c.score, c.rank, c.criteria, "
        "r.profile, r.started_at, m.name AS municipality, d.name AS district, "
        "ST_AsGeoJSON(c.geom, 2)::json AS geometry, "
        "(SELECT s.id FROM core.sites s WHERE s.analysis_candidate_id = c.id) AS site_id "
        "FROM analysis.candidates c JOIN analysis.runs r ON r.id = c.run_id "
        "JOIN core.municipalities m ON m.ags = c.municipality_ags LEFT JOIN core.districts d ON d.id = c.district_id "
        "WHERE c.id = :i"), {"i": candidate_id}).first()
    if row is None:
        raise NotFound(f"no analysis candidate {candidate_id}")
    return row


def site_fields(row: Any, name: str | None = None) -> sites.SiteCreate:
    """The new site's fields: kind, shape (its parcels, else its outline), and what the criteria tell."""
    criteria = row.criteria
    value = {key: criteria[key]["value"] for key in criteria}
    where = row.district or row.municipality
    label = f"Flst. {row.parcels[0]}" if row.parcels else f"Gebäude {row.buildings[0]}" if row.buildings else ""
    obstacles = [o for o, hit in (("contamination", value["contamination"] == 1),
                                  ("flooding", (value["flood_share"] or 0) > 0),
                                  ("nature_protection", (value["protected_share"] or 0) > 0)) if hit]
    fields: dict[str, Any] = {
        "municipality_ags": row.municipality_ags,
        "name": name or f"{FLOO_CATEGORIES[row.kind]} {where} ({label})".replace(" ()", ""),
        "kind": row.kind,
        "planning_law": PLANNING_LAW.get(value["zoning_plan"], "unknown"),
        "land_use_type": value["designation"],
        "obstacles": obstacles,
        "description": f"Aus der Potenzialflächenanalyse: Lauf {row.run_id} (Profil {row.profile}, "
                       f"{row.started_at:%d.%m.%Y}), Kandidat {row.id}, Rang {row.rank}, {row.score:.1f} Punkte.",
    }
    if (value["municipal_ownership"] or 0) >= 0.999:
        fields["owner_contact"] = "municipal_property"
    if row.parcels:
        fields["parcels"] = list(row.parcels)
    else:
        fields["geometry"] = row.geometry
    return sites.SiteCreate(**fields)


def candidate_to_site(conn: Connection, principal: Principal, candidate_id: int, *, name: str | None = None,
                      reason: str | None = None) -> int:
    """Create a site from a candidate (once per candidate); returns the site's id."""
    row = _candidate(conn, candidate_id)
    if row.site_id is not None:
        raise Conflict(f"candidate {candidate_id} already became site {row.site_id}")
    return sites.create_site(conn, principal, site_fields(row, name), srid=25832,
                             reason=reason or f"aus Potenzialflächenanalyse, Lauf {row.run_id}, Kandidat {row.id}",
                             analysis_link=(row.run_id, row.id))

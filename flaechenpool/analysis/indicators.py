"""Indicators of the redevelopment potential per municipality and district (Kennzahlen).

From the candidates of one run (default: the newest run that covered the municipality): potential
area by kind, the share of that area in flood zones and in municipal ownership (area-weighted from
each candidate's criteria), and the vacancy rate of the shared vacancy register (vacant buildings /
current buildings, ``vacancies.summary``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool import vacancies
from flaechenpool.analysis.candidates import run_exists
from flaechenpool.analysis.profiles import KINDS
from flaechenpool.errors import NotFound

NO_DISTRICT = "(ohne Ortsteil)"
BY_KIND = ", ".join(f"coalesce(sum(c.area_m2) FILTER (WHERE c.kind = '{k}'), 0) AS \"{k}\"" for k in KINDS)
INDICATORS_SQL = f"""
WITH c AS (
    SELECT c.*, coalesce(d.name, '{NO_DISTRICT}') AS district,
           (c.criteria -> 'flood_share' ->> 'value')::double precision AS flood_share,
           (c.criteria -> 'municipal_ownership' ->> 'value')::double precision AS ownership
    FROM analysis.candidates c LEFT JOIN core.districts d ON d.id = c.district_id
    WHERE c.run_id = :run AND (CAST(:municipality AS text) IS NULL OR c.municipality_ags = :municipality)
)
SELECT c.municipality_ags, m.name AS municipality, CASE WHEN GROUPING(c.district) = 0 THEN c.district END AS district,
       count(*) AS candidates, sum(c.area_m2) AS area_m2, {BY_KIND},
       sum(c.area_m2 * c.flood_share) / nullif(sum(c.area_m2), 0) AS flood_share,
       sum(c.area_m2 * c.ownership) / nullif(sum(c.area_m2), 0) AS municipal_share
FROM c JOIN core.municipalities m ON m.ags = c.municipality_ags
GROUP BY GROUPING SETS ((c.municipality_ags, m.name), (c.municipality_ags, m.name, c.district))
ORDER BY m.name COLLATE "de-x-icu", GROUPING(c.district) DESC, c.district COLLATE "de-x-icu"
"""


def latest_run(conn: Connection, municipality: str | None) -> int:
    run = conn.execute(text(
        "SELECT id FROM analysis.runs WHERE finished_at IS NOT NULL AND (CAST(:m AS text) IS NULL "
        "OR municipalities IS NULL OR CAST(:m AS text) = ANY(municipalities)) ORDER BY id DESC LIMIT 1"),
        {"m": municipality}).scalar()
    if run is None:
        raise NotFound("no analysis run yet" + (f" for municipality {municipality}" if municipality else ""))
    return int(run)


def indicators(conn: Connection, *, run_id: int | None = None, municipality: str | None = None) -> dict[str, Any]:
    """Rows per municipality (district None) and per district: candidates, potential area (m²) in all
    and by kind, flood and municipal shares of that area (0–1) and the vacancy rate (%)."""
    if run_id is None:
        run_id = latest_run(conn, municipality)
    else:
        run_exists(conn, run_id)
    rows = [dict(r) for r in conn.execute(text(INDICATORS_SQL), {"run": run_id, "municipality": municipality})
            .mappings()]
    register = vacancies.summary(conn, municipality=municipality)
    rates = {(r["municipality_ags"], r.get("district")): r for r in register["municipalities"] + register["districts"]}
    result = []
    for row in rows:
        vacancy = rates.get((row["municipality_ags"], row["district"]), {})
        result.append({
            "municipality_ags": row["municipality_ags"], "municipality": row["municipality"],
            "district": row["district"], "candidates": row["candidates"], "area_m2": round(row["area_m2"], 1),
            "area_by_kind_m2": {k: round(row[k], 1) for k in KINDS},
            "flood_share": _share(row["flood_share"]), "municipal_share": _share(row["municipal_share"]),
            "buildings": vacancy.get("buildings"), "vacant_buildings": vacancy.get("vacant"),
            "vacancy_rate_pct": vacancy.get("rate_pct"),
        })
    return {"run_id": run_id, "as_of": register["as_of"], "rows": result}


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)

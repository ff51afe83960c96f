"""The data of bench/bench_analysis.py: the demo, replicated with offsets to a state-scale set.

The bench keeps its own embedded PostgreSQL cluster (``.flaechenpool/bench-analysis-pg``, never the
test database) with one database holding the demo (copy 0) and ``copies`` translated copies of it:
every municipality, district, parcel, building, vacancy, station, flood zone, protected area, zoning
plan, land-use polygon and land-pool transaction of the demo, moved by a whole multiple of the demo's
extent so copies never touch. Copy k gets Land prefix 20 + k in its keys (Flurstückskennzeichen
and AGS stay unique and well-formed). Built once and kept; later runs only add missing copies.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from flaechenpool import migrations
from flaechenpool.cluster import EmbeddedCluster
from flaechenpool.demo import demo_loaded, load_demo
from flaechenpool.settings import PROJECT_ROOT, ClusterSettings

DATABASE = "flaechenpool_analysis_bench"
PER_ROW = 8   # copies per row of the grid

# dx/dy of copy k: whole steps of the demo's extent plus 10 km
OFFSET = "((k % {per_row}) * :step_x)", "((k / {per_row}) * :step_y)"
COPIES = "generate_series(CAST(:first AS integer), CAST(:last AS integer)) k"
# a reference layer without municipality: copied whole (the copies themselves left out)
ZONES = """
        INSERT INTO {table} ({columns}, geom, provenance, source)
        SELECT {columns}, ST_Translate(geom, {{dx}}, {{dy}}), 'illustrative', 'bench copy ' || k
        FROM {table}, {{copies}}
        WHERE source NOT LIKE 'bench copy%'"""
COPY = {
    "municipalities": """
        INSERT INTO core.municipalities (ags, name, kind, county, geom, provenance, source)
        SELECT (20 + k)::text || substr(m.ags, 3), m.name || ' (Kopie ' || k || ')', m.kind, m.county,
               ST_Translate(m.geom, {dx}, {dy}), 'illustrative', 'bench copy of ' || m.ags
        FROM core.municipalities m, {copies}
        WHERE left(m.ags, 2) = '16'""",
    "districts": """
        INSERT INTO core.districts (municipality_ags, name, geom, provenance, source)
        SELECT (20 + k)::text || substr(d.municipality_ags, 3), d.name, ST_Translate(d.geom, {dx}, {dy}),
               'illustrative', 'bench copy'
        FROM core.districts d, {copies}
        WHERE left(d.municipality_ags, 2) = '16'""",
    "parcels": """
        INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, land_use,
                                  land_use_detail, address, geom, provenance, source)
        SELECT (20 + k)::text || substr(p.flurstueckskennzeichen, 3), (20 + k)::text || substr(p.municipality_ags, 3),
               p.official_area_m2, p.land_use, p.land_use_detail, p.address, ST_Translate(p.geom, {dx}, {dy}),
               'illustrative', 'bench copy'
        FROM core.parcels p, {copies}
        WHERE p.land = '16' AND p.valid_to IS NULL""",
    "buildings": """
        INSERT INTO core.buildings (municipality_ags, alkis_id, function, floors, geom, provenance, source)
        SELECT (20 + k)::text || substr(b.municipality_ags, 3), 'bench:' || k || ':' || b.id, b.function, b.floors,
               ST_Translate(b.geom, {dx}, {dy}), 'illustrative', 'bench copy'
        FROM core.buildings b, {copies}
        WHERE left(b.municipality_ags, 2) = '16' AND b.valid_to IS NULL""",
    "vacancies": """
        INSERT INTO core.vacancies (municipality_ags, building_id, address, building_type, scope, vacant_units,
                                    total_units, vacant_since, ended_on, source, geom, provenance, data_source)
        SELECT (20 + k)::text || substr(v.municipality_ags, 3), c.id, v.address, v.building_type, v.scope,
               v.vacant_units, v.total_units, v.vacant_since, v.ended_on, v.source, ST_Translate(v.geom, {dx}, {dy}),
               'illustrative', 'bench copy'
        FROM core.vacancies v CROSS JOIN {copies}
        LEFT JOIN core.buildings c ON c.alkis_id = 'bench:' || k || ':' || v.building_id
        WHERE left(v.municipality_ags, 2) = '16'""",
    "stations": """
        INSERT INTO ref.stations (eva_nr, name, ds100, traffic, geom, provenance, source)
        SELECT k || ':' || s.eva_nr, s.name, s.ds100, s.traffic, ST_Translate(s.geom, {dx}, {dy}), 'illustrative',
               'bench copy'
        FROM ref.stations s, {copies}
        WHERE s.eva_nr NOT LIKE '%:%'""",
    "flood_zones": ZONES.format(table="ref.flood_zones", columns="name, kind"),
    "protected_areas": ZONES.format(table="ref.protected_areas", columns="name, kind"),
    "zoning_plans": """
        INSERT INTO ref.zoning_plans (municipality_ags, plan_number, name, legal_status, in_force_since,
                                      land_use_type, geom, provenance, source)
        SELECT (20 + k)::text || substr(z.municipality_ags, 3), z.plan_number, z.name, z.legal_status,
               z.in_force_since, z.land_use_type, ST_Translate(z.geom, {dx}, {dy}), 'illustrative', 'bench copy'
        FROM ref.zoning_plans z, {copies}
        WHERE left(z.municipality_ags, 2) = '16'""",
    "land_use": ZONES.format(table="ref.land_use", columns="external_id, category, class, name"),
    "pool_transactions": """
        INSERT INTO core.pool_transactions (municipality_ags, kind, contract_date, effective_date, lease_end,
                                            price_eur, file_reference, provenance, source)
        SELECT (20 + k)::text || substr(t.municipality_ags, 3), t.kind, t.contract_date, t.effective_date,
               t.lease_end, t.price_eur, 'bench:' || k || ':' || t.id, 'illustrative', 'bench copy'
        FROM core.pool_transactions t, {copies}
        WHERE left(t.municipality_ags, 2) = '16'""",
    "pool_transaction_parcels": """
        INSERT INTO core.pool_transaction_parcels (transaction_id, flurstueckskennzeichen, direction, area_m2,
                                                   book_value_eur)
        SELECT c.id, (20 + k)::text || substr(tp.flurstueckskennzeichen, 3), tp.direction, tp.area_m2,
               tp.book_value_eur
        FROM core.pool_transaction_parcels tp
        JOIN core.pool_transactions t ON t.id = tp.transaction_id AND left(t.municipality_ags, 2) = '16'
        CROSS JOIN {copies}
        JOIN core.pool_transactions c ON c.file_reference = 'bench:' || k || ':' || t.id
        ORDER BY k, t.effective_date, t.id, tp.direction""",
}


def cluster_url(port: int = 54395) -> str:
    """The bench's own cluster (started if needed) and its database."""
    root = PROJECT_ROOT / ".flaechenpool" / "bench-analysis-pg"
    return EmbeddedCluster(ClusterSettings(root=root, port=port, database=DATABASE)).url()


def copies_present(conn: Connection) -> int:
    """How many copies (besides the demo itself) the database holds."""
    return int(conn.execute(text(
        "SELECT count(DISTINCT left(ags, 2)) FROM core.municipalities WHERE left(ags, 2) <> '16'")).scalar_one())


def municipalities_of(conn: Connection, copies: int) -> list[str]:
    """The AGS of the demo and of copies 1 … copies - 1 (copies = how many copies of the demo in all)."""
    prefixes = ["16", *(str(20 + k) for k in range(1, copies))]
    return list(conn.execute(text("SELECT ags FROM core.municipalities WHERE left(ags, 2) = ANY(:p) ORDER BY ags"),
                             {"p": prefixes}).scalars())


def prepare(engine: Engine, copies: int, echo: Callable[[str], None] = print) -> None:
    """Schema, demo and copies 1 … ``copies`` (those missing), then ANALYZE."""
    if migrations.upgrade(engine) != migrations.head_revision():
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")     # statistics for the indexes a migration added
    with engine.connect() as conn:
        if not demo_loaded(conn):
            echo("loading the demo data")
            load_demo(conn, PROJECT_ROOT / "data")
            conn.commit()
        present = copies_present(conn)
        if present >= copies:
            return
        step_x, step_y = conn.execute(text(
            "SELECT ST_XMax(e) - ST_XMin(e) + 10000, ST_YMax(e) - ST_YMin(e) + 10000 FROM "
            "(SELECT ST_Extent(geom)::geometry AS e FROM core.municipalities WHERE left(ags, 2) = '16') x")).one()
        conn.commit()
        dx, dy = (part.format(per_row=PER_ROW) for part in OFFSET)
        for first in range(present + 1, copies + 1, 10):
            last = min(first + 9, copies)
            started = time.perf_counter()
            with conn.begin():
                conn.execute(text("SELECT set_config('flaechenpool.bulk', 'on', true), "
                                  "set_config('flaechenpool.actor', 'bench', true), set_config('statement_timeout', '0', true)"))
                for sql in COPY.values():
                    conn.execute(text(sql.format(dx=dx, dy=dy, copies=COPIES)),
                                 {"first": first, "last": last, "step_x": step_x, "step_y": step_y})
            echo(f"copies {first}–{last} added in {time.perf_counter() - started:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")

"""The demo data set: real open data from ``data/`` plus reproducible illustrative records.

``load_demo`` runs in one transaction and is idempotent: each loaded part of the demo is recorded in
``core.import_runs`` (kind ``demo``, the part's key in ``counts``) and not loaded twice. A database
that holds an older demo gets the parts added since (``PARTS``), so ``demo load`` after an upgrade
brings it up to date.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, text

from flaechenpool.demo import landpool, parcels, public, reference

ERFURT_SOURCE = "© GeoBasis-DE / TLBG 2025, dl-de/by-2-0"
SEED = 20261123


@dataclass
class DemoReport:
    loaded: bool
    counts: dict[str, object] = field(default_factory=dict)


# The demo's parts in load order, each with the key its run writes into ``counts`` (an older demo
# run without a part's key did not load that part).
PARTS = {"base": "municipalities", "public": "public"}


def loaded_parts(conn: Connection) -> set[str]:
    """The parts of the demo that are in the database."""
    keys = set(conn.execute(text("SELECT DISTINCT jsonb_object_keys(counts) FROM core.import_runs "
                                 "WHERE kind = 'demo'")).scalars())
    return {part for part, key in PARTS.items() if key in keys}


def demo_loaded(conn: Connection) -> bool:
    """True when every part of the demo data set is in the database."""
    return loaded_parts(conn) == set(PARTS)


def database_empty(conn: Connection) -> bool:
    """True when no municipality is stored yet (a fresh database)."""
    return not conn.execute(text("SELECT EXISTS (SELECT 1 FROM core.municipalities)")).scalar()


def load_demo(conn: Connection, data_dir: Path, *, echo: Callable[[str], None] = lambda m: None) -> DemoReport:
    """Load the demo into the database in one transaction (nothing stays on error)."""
    with conn.begin_nested() if conn.in_transaction() else conn.begin():
        present = loaded_parts(conn)
        if present == set(PARTS):
            return DemoReport(loaded=False)
        conn.execute(text("SELECT set_config('flaechenpool.actor', 'demo', true), "
                          "set_config('flaechenpool.bulk', 'on', true)"))
        counts: dict[str, object] = {}
        if "base" not in present:
            _load_base(conn, data_dir, echo, counts)
        echo("illustrative public side: marketed land in Jena, construction projects, site reports, inquiries")
        counts["public"] = public.generate_public(conn)
        conn.execute(text("SELECT set_config('flaechenpool.bulk', 'off', true)"))
        conn.execute(
            text("INSERT INTO core.import_runs (kind, file_name, finished_at, source, counts) "
                 "VALUES ('demo', :f, clock_timestamp(), :s, CAST(:c AS jsonb))"),
            {"f": str(data_dir), "s": "data/README.md", "c": json.dumps(counts, default=str)},
        )
        conn.execute(
            text("INSERT INTO audit.log (actor, action, table_name, after, reason) "
                 "VALUES ('demo', 'import', 'demo', CAST(:c AS jsonb), :why)"),
            {"c": json.dumps(counts, default=str),
             "why": "demo data set loaded" if not present else "demo data set completed"},
        )
    return DemoReport(loaded=True, counts=counts)


def _load_base(conn: Connection, data_dir: Path, echo: Callable[[str], None], counts: dict[str, object]) -> None:
    """The first part: real open data, illustrative parcels, buildings, sites, owners, pool, vacancies."""
    rng = np.random.default_rng(SEED)
    echo("municipalities, counties and the Thüringer Becken association (BKG VG5000)")
    counts["municipalities"] = reference.load_municipalities(conn, data_dir)
    echo("railway stations (DB Station&Service)")
    counts["stations"] = reference.load_stations(conn, data_dir)
    echo("Gemarkungen of Thuringia")
    counts["gemarkungen"] = reference.load_gemarkungen(conn, data_dir)
    echo("Jena: land use, districts, nature reserves, water, tram (OpenStreetMap 2014)")
    counts.update(reference.load_jena_osm(conn, data_dir))
    echo("Erfurt: 10 real ALKIS parcels (TLBG)")
    counts["real_parcels"] = _import_erfurt(conn, data_dir)
    echo("illustrative parcels and buildings for Jena and Ilmenau")
    counts["jena"] = parcels.generate_jena(conn, rng)
    ilmenau = parcels.generate_ilmenau(conn, rng)
    counts["ilmenau"] = {k: v for k, v in ilmenau.items() if k != "areas"}
    becken = parcels.generate_becken_buildings(conn, rng)
    conn.execute(text("ANALYZE core.parcels, core.buildings, ref.land_use, core.districts"))
    echo("illustrative sites, estates, zoning plans, flood zone, owners, pool transactions, vacancies")
    landpool.generate_reference(conn)
    counts["ilmenau_sites"] = landpool.generate_ilmenau_sites(conn, ilmenau["areas"])
    counts["jena_sites"] = landpool.generate_jena_sites(conn, rng)
    counts["owners"] = landpool.generate_owners_and_pool(conn, rng, ilmenau["areas"])
    counts["vacancies"] = landpool.generate_vacancies(conn, rng, becken)


def _import_erfurt(conn: Connection, data_dir: Path) -> int:
    from flaechenpool.importing.parcels import import_parcels

    report = import_parcels(
        conn,
        data_dir / "parcels" / "erfurt_melchendorf_alkis_wfs.gml",
        municipality=reference.ERFURT,
        provenance="official",
        source=ERFURT_SOURCE,
        actor="demo",
    )
    return report.inserted

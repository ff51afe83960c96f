"""Migrations that change stored data, run up and down on a throw-away database of their own (real PostGIS)."""

from __future__ import annotations

import io

import pytest
from alembic import command
from PIL import Image
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from flaechenpool import migrations
from flaechenpool.db import create_engine_for
from flaechenpool.settings import Settings
from tests.databases import recreate_database


def test_0016_makes_the_thumbnails_of_photos_stored_before_and_goes_back(server_url: str) -> None:
    url = recreate_database(server_url, "flaechenpool_test_migration")
    engine = create_engine_for(url, Settings())
    try:
        migrations.upgrade(engine, "0015")
        photo = io.BytesIO()
        Image.new("RGB", (800, 600), (200, 40, 40)).save(photo, format="PNG")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO core.municipalities (ags, name, geom, source) VALUES ('16070029', 'Ilmenau', "
                "ST_Multi(ST_MakeEnvelope(0, 0, 1000, 1000, 25832)), 'test')"))
            site = conn.execute(text(
                "INSERT INTO core.sites (municipality_ags, name, kind, geom, provenance, source) VALUES "
                "('16070029', 'Werk', 'brownfield', ST_Multi(ST_MakeEnvelope(10, 10, 90, 90, 25832)), "
                "'illustrative', 'test') RETURNING id")).scalar_one()
            conn.execute(text(
                "INSERT INTO core.site_photos (site_id, caption, credit, media_type, width, height, content, sha256) "
                "VALUES (:s, 'Werkstor', 'Stadt', 'image/png', 800, 600, :c, repeat('a', 64))"),
                {"s": site, "c": photo.getvalue()})

        assert migrations.upgrade(engine, "0016") == "0015"
        with engine.connect() as conn:
            thumbnail = conn.execute(text("SELECT thumbnail FROM core.site_photos")).scalar_one()
            logged = conn.execute(text("SELECT after, reason FROM audit.log WHERE table_name = 'core.site_photos' "
                                       "AND action = 'update'")).one()
        with Image.open(io.BytesIO(thumbnail)) as image:
            assert (image.format, image.size) == ("JPEG", (320, 240))
        assert logged.reason.startswith("Vorschaubild") and "thumbnail" not in logged.after
        assert logged.after["thumbnail_bytes"] == len(thumbnail)
        with engine.connect() as conn, pytest.raises(IntegrityError, match="thumbnail"):    # now every photo has one
            conn.execute(text("UPDATE core.site_photos SET thumbnail = NULL"))

        config = migrations.alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0015")
        with engine.connect() as conn:
            columns = conn.execute(text("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                        "'core' AND table_name = 'public_site_photos'")).scalars().all()
            assert "thumbnail" not in columns and "content" in columns
            assert conn.execute(text("SELECT count(*) FROM core.site_photos")).scalar_one() == 1
    finally:
        engine.dispose()


def test_0020_to_0022_go_down_and_up_again(server_url: str) -> None:
    """The land-value choice, the pre-emption map and the pre-emption areas have a way back to 0019 and up again;
    the rule of personal data answers the same before and after 0021 wrote it once."""
    url = recreate_database(server_url, "flaechenpool_test_migration")
    engine = create_engine_for(url, Settings())

    def rule() -> list[bool]:
        """auth.may_read_personal_data for Jena and Ilmenau as an admin, Jena's land manager and a planner."""
        answers = []
        with engine.begin() as conn:      # the services call it inside their functions; here directly
            conn.execute(text("GRANT USAGE ON SCHEMA auth TO flaechenpool_planner; GRANT EXECUTE ON FUNCTION "
                              "auth.may_read_personal_data(text) TO flaechenpool_planner"))
            for role, actor in (("flaechenpool_admin", "adm"), ("flaechenpool_land_manager", "lm"),
                                ("flaechenpool_planner", "pl")):
                conn.execute(text(f"SET LOCAL ROLE {role}"))
                conn.execute(text("SELECT set_config('flaechenpool.actor', :a, true)"), {"a": actor})
                answers += [conn.execute(text("SELECT auth.may_read_personal_data(:m)"), {"m": m}).scalar_one()
                            for m in ("16053000", "16070029")]
                conn.execute(text("RESET ROLE"))
        return answers

    try:
        migrations.upgrade(engine, "0019")
        with engine.begin() as conn:
            for ags, name in (("16053000", "Jena"), ("16070029", "Ilmenau")):
                conn.execute(text("INSERT INTO core.municipalities (ags, name, geom, source) VALUES (:a, :n, "
                                  "ST_Multi(ST_MakeEnvelope(0, 0, 1000, 1000, 25832)), 'test')"), {"a": ags, "n": name})
            user = conn.execute(text("INSERT INTO auth.users (username, display_name, role) VALUES ('lm', 'LM', 'land_manager') "
                                     "RETURNING id")).scalar_one()
            conn.execute(text("INSERT INTO auth.user_municipalities (user_id, municipality_ags) VALUES (:u, '16053000')"),
                         {"u": user})
        before = rule()
        assert before == [True, True, True, False, False, False]
        assert migrations.upgrade(engine, "head") == "0019"
        assert rule() == before
        config = migrations.alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0019")
        assert rule() == before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT to_regclass('ref.preemption_areas')")).scalar_one() is None
            assert conn.execute(text("SELECT count(*) FROM ref.land_value_zones(ST_MakeEnvelope(0, 0, 1, 1, 25832))")
                                ).scalar_one() == 0          # 0019's function with one argument is back
        assert migrations.upgrade(engine, "head") == "0019"
        assert rule() == before
    finally:
        engine.dispose()


def test_0023_gives_the_special_types_of_use_xplanungs_codes_and_goes_back(server_url: str) -> None:
    url = recreate_database(server_url, "flaechenpool_test_migration")
    engine = create_engine_for(url, Settings())
    query = text("SELECT abbreviation, code FROM core.xp_land_use_types WHERE enumeration = "
                 "'XP_BesondereArtDerBaulNutzung' AND code >= 2000 ORDER BY code")
    try:
        migrations.upgrade(engine, "0022")
        with engine.connect() as conn:
            assert conn.execute(query).all() == [("SO_E", 2000), ("SO", 3000), ("SO_W", 4000), ("SO_B", 9999)]
        migrations.upgrade(engine, "0023")
        with engine.connect() as conn:     # XPlanung: 2100 SondergebietSonst, 3000 Wochenendhausgebiet, 4000 Sondergebiet
            assert conn.execute(query).all() == [("SO_E", 2000), ("SO", 2100), ("SO_W", 3000), ("SO_1968", 4000),
                                                 ("SO_B", 9999)]
        config = migrations.alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0022")
        with engine.connect() as conn:
            assert conn.execute(query).all() == [("SO_E", 2000), ("SO", 3000), ("SO_W", 4000), ("SO_B", 9999)]
    finally:
        engine.dispose()

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

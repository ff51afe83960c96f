"""Photos of sites: added by the land managers of the municipality (stored without metadata, audited
without their bytes), shown on the public side for published sites only: in the site's feature, as the
image, on the detail page and in the PDF exposé."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import Connection, text

from flaechenpool import site_photos

CAPTION = "Blick von der Ilmenauer Straße auf das Werksgelände"
CREDIT = "Stadt Ilmenau, CC BY 4.0"


def jpeg_with_camera(width: int = 64, height: int = 48) -> bytes:
    """A JPEG whose EXIF names a camera and its owner (what must not reach the public)."""
    exif = Image.Exif()
    exif[0x010F] = "GeheimKamera"          # Make
    exif[0x013B] = "Fotografin Privat"     # Artist
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 90)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def site_of(conn: Connection, name: str) -> int:
    return int(conn.execute(text("SELECT id FROM core.sites WHERE name = :n"), {"n": name}).scalar_one())


def unpublished_ilmenau(conn: Connection) -> int:
    return int(conn.execute(text(
        "SELECT min(s.id) FROM core.sites s WHERE s.municipality_ags = '16070029' AND s.retired_at IS NULL "
        "AND s.id NOT IN (SELECT id FROM core.public_sites)")).scalar_one())


def upload(client: TestClient, headers: dict[str, str], site_id: int, data: bytes, **fields: str) -> object:
    return client.post(f"/api/sites/{site_id}/photos", headers=headers,
                       data={"caption": CAPTION, "credit": CREDIT, **fields},
                       files={"photo": ("werk.jpg", data, "image/jpeg")})


def test_a_photo_is_stored_without_metadata_and_shown_with_the_published_site(
        client: TestClient, conn: Connection, auth: Callable) -> None:
    site_id = site_of(conn, "Ehemaliges Porzellanwerk Ilmenau")
    original = jpeg_with_camera()
    r = upload(client, auth("lm_ilmenau"), site_id, original)
    assert r.status_code == 201, r.text
    photo = r.json()
    assert (photo["width"], photo["height"], photo["media_type"], photo["caption"]) == (64, 48, "image/jpeg", CAPTION)

    feature = client.get(f"/api/public/sites/{site_id}").json()
    (shown,) = feature["properties"]["photos"]
    assert shown == {"id": photo["id"], "caption": CAPTION, "credit": CREDIT, "width": 64, "height": 48,
                     "url": f"/api/public/sites/{site_id}/photos/{photo['id']}"}
    image = client.get(shown["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert b"GeheimKamera" in original and b"GeheimKamera" not in image.content
    assert b"Fotografin" not in image.content and not Image.open(io.BytesIO(image.content)).getexif()
    again = client.get(shown["url"], headers={"If-None-Match": image.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    page = client.get(f"/flaechen/{site_id}").text
    assert f'<img src="{shown["url"]}" alt="{CAPTION}" width="64" height="48"' in page
    assert f"{CAPTION} · Foto: {CREDIT}" in page
    pdf = PdfReader(io.BytesIO(client.get(f"/flaechen/{site_id}/expose.pdf").content))
    assert sum(len(p.images) for p in pdf.pages) >= 1 and "Foto: Stadt Ilmenau" in "".join(
        p.extract_text() for p in pdf.pages)

    logged = conn.execute(text("SELECT actor, after FROM audit.log WHERE table_name = 'core.site_photos' "
                               "AND row_key = :k"), {"k": str(photo["id"])}).one()
    assert logged.actor == "lm-ilmenau" and "content" not in logged.after
    assert logged.after["bytes"] == len(image.content) and logged.after["caption"] == CAPTION
    assert "thumbnail" not in logged.after and logged.after["thumbnail_bytes"] > 0


def test_the_list_of_published_sites_shows_the_first_photos_thumbnail(
        client: TestClient, conn: Connection, auth: Callable) -> None:
    """A thumbnail (JPEG, at most 320 pixels on the long side, transparency on white) of the first photo
    by position goes with each published site in the list; a site without photos has none."""
    site_id = site_of(conn, "Ehemaliges Porzellanwerk Ilmenau")
    wide = io.BytesIO()
    Image.new("RGBA", (1600, 900), (0, 0, 0, 0)).save(wide, format="PNG")
    later = upload(client, auth("lm_ilmenau"), site_id, jpeg_with_camera(), position="2").json()
    first = client.post(f"/api/sites/{site_id}/photos", headers=auth("lm_ilmenau"),
                        data={"caption": "Luftbild des Werksgeländes", "credit": CREDIT, "position": "1"},
                        files={"photo": ("luft.png", wide.getvalue(), "image/png")}).json()
    listed = {f["id"]: f["properties"] for f in client.get("/api/public/sites?municipality=16070029").json()["features"]}
    url = f"/api/public/sites/{site_id}/photos/{first['id']}/thumbnail"
    assert listed[site_id]["thumbnail"] == {"url": url, "caption": "Luftbild des Werksgeländes"}
    assert any(p["thumbnail"] is None for i, p in listed.items() if i != site_id)
    start = client.get("/").text            # the page's list as the server renders it, before any script runs
    assert (f'<a class="site-item with-thumb" href="/flaechen/{site_id}" data-site-id="{site_id}">'
            f'<img class="site-thumb" src="{url}" alt=""') in start
    assert start.count('class="site-thumb"') == 1
    small = client.get(url)
    assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(small.content)) as image:
        assert (image.format, image.size) == ("JPEG", (320, 180))
        assert image.getpixel((10, 10)) == (255, 255, 255)        # transparency laid on white
    assert len(small.content) < len(client.get(f"/api/public/sites/{site_id}/photos/{first['id']}").content)
    assert small.headers["etag"] != client.get(f"/api/public/sites/{site_id}/photos/{first['id']}").headers["etag"]
    assert client.get(url, headers={"If-None-Match": small.headers["etag"]}).status_code == 304
    with Image.open(io.BytesIO(client.get(f"/api/public/sites/{site_id}/photos/{later['id']}/thumbnail").content)) as t:
        assert t.size == (64, 48)                                  # smaller than 320: kept as it is

    hidden = unpublished_ilmenau(conn)
    photo = upload(client, auth("lm_ilmenau"), hidden, jpeg_with_camera()).json()
    refused = client.get(f"/api/public/sites/{hidden}/photos/{photo['id']}/thumbnail")
    assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json"


def test_photos_of_unpublished_sites_stay_internal(client: TestClient, conn: Connection, auth: Callable) -> None:
    site_id = unpublished_ilmenau(conn)
    photo = upload(client, auth("lm_ilmenau"), site_id, jpeg_with_camera()).json()
    listed = client.get(f"/api/sites/{site_id}/photos", headers=auth("planner"))
    assert listed.status_code == 200 and [p["id"] for p in listed.json()] == [photo["id"]]
    assert "content" not in listed.json()[0]
    hidden = client.get(f"/api/public/sites/{site_id}/photos/{photo['id']}")
    assert hidden.status_code == 404 and hidden.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/sites/{site_id}/photos").status_code == 401


def test_bad_photos_and_callers_are_refused_and_nothing_is_stored(client: TestClient, conn: Connection,
                                                                   auth: Callable,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    site_id = site_of(conn, "Ehemaliges Porzellanwerk Ilmenau")
    good = jpeg_with_camera()
    refusals = [
        (auth("lm_ilmenau"), b"not an image at all", {}, 400),
        (auth("lm_ilmenau"), good[: len(good) // 2], {}, 400),            # truncated
        (auth("lm_ilmenau"), good, {"caption": "x"}, 400),                # too short for a text alternative
        (auth("lm_ilmenau"), good, {"credit": "Zeile\nzwei"}, 400),
        (auth("lm_jena"), good, {}, 403),
        (auth("planner"), good, {}, 403),
        ({}, good, {}, 401),
    ]
    for headers, data, fields, status in refusals:
        r = upload(client, headers, site_id, data, **fields)
        assert (r.status_code, r.headers["content-type"]) == (status, "application/problem+json"), (fields, r.text)
    assert upload(client, auth("lm_ilmenau"), 999_999, good).status_code == 404
    assert conn.execute(text("SELECT count(*) FROM core.site_photos")).scalar_one() == 0

    monkeypatch.setattr(site_photos, "MAX_PER_SITE", 1)
    assert upload(client, auth("lm_ilmenau"), site_id, good).status_code == 201
    assert upload(client, auth("lm_ilmenau"), site_id, good).status_code == 409


def test_a_removed_photo_is_gone_from_the_public_side(client: TestClient, conn: Connection, auth: Callable) -> None:
    site_id = site_of(conn, "Ehemaliges Porzellanwerk Ilmenau")
    photo = upload(client, auth("lm_ilmenau"), site_id, jpeg_with_camera()).json()
    path = f"/api/sites/{site_id}/photos/{photo['id']}"
    assert client.delete(path, headers=auth("lm_jena")).status_code == 403
    assert client.delete(path, headers=auth("lm_ilmenau")).status_code == 204
    assert client.delete(path, headers=auth("lm_ilmenau")).status_code == 404
    assert client.get(f"/api/public/sites/{site_id}/photos/{photo['id']}").status_code == 404
    assert client.get(f"/api/public/sites/{site_id}").json()["properties"]["photos"] == []
    assert client.get(f"/api/public/sites/{site_id}").json()["properties"]["thumbnail"] is None
    assert client.get(f"/api/public/sites/{site_id}/photos/{photo['id']}/thumbnail").status_code == 404
    assert conn.execute(text("SELECT action FROM audit.log WHERE table_name = 'core.site_photos' AND row_key = :k "
                             "ORDER BY id"), {"k": str(photo["id"])}).scalars().all() == ["insert", "delete"]

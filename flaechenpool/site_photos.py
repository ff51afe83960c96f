"""Photos of sites (*Fotos von Flächen*) for the exposé and the public page.

Land managers of the site's municipality add and remove them; a photo is checked and stored re-encoded
without metadata (``photos.check_photo``), with a caption that is also its text alternative and a credit
(*Bildnachweis*). Planners and up list them; anonymous callers see the photos of published sites only
(``core.public_site_photos``)."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, text

from flaechenpool import intake
from flaechenpool.auth import Principal
from flaechenpool.errors import Conflict, NotFound
from flaechenpool.photos import check_photo
from flaechenpool.settings import PublicSettings
from flaechenpool.sites import site_for_change

MAX_PER_SITE = 12
_COLUMNS = "id, site_id, position, caption, credit, media_type, width, height, sha256, provenance"


class PhotoIn(BaseModel):
    """The text of a photo: caption (shown under it and read out as its alternative) and credit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    caption: str = Field(min_length=3, max_length=300)
    credit: str = Field(min_length=2, max_length=200, description="Who took it, under which licence")
    position: int = Field(default=0, ge=0, le=100)

    _single = field_validator("caption", "credit")(intake.single_line)


def _writable_site(conn: Connection, principal: Principal, site_id: int) -> None:
    if site_for_change(conn, principal, site_id)[2] is not None:
        raise Conflict(f"site {site_id} is retired")


def add_photo(conn: Connection, principal: Principal, site_id: int, data: bytes, text_in: PhotoIn,
              limits: PublicSettings) -> dict[str, Any]:
    """Store a photo of the site (checked, without metadata); returns it without its bytes."""
    _writable_site(conn, principal, site_id)
    photo = check_photo(data, max_bytes=limits.max_photo_bytes, max_pixels=limits.max_photo_pixels, thumbnail=True)
    with conn.begin_nested() if conn.in_transaction() else conn.begin():
        count = conn.execute(text("SELECT count(*) FROM core.site_photos WHERE site_id = :s"),
                             {"s": site_id}).scalar_one()
        if count >= MAX_PER_SITE:
            raise Conflict(f"site {site_id} has {MAX_PER_SITE} photos already; remove one first")
        row = conn.execute(text(
            f"INSERT INTO core.site_photos (site_id, position, caption, credit, media_type, width, height, content, "
            f"thumbnail, sha256) VALUES (:s, :p, :c, :cr, :m, :w, :h, :b, :t, :sha) RETURNING {_COLUMNS}"),
            {"s": site_id, "p": text_in.position, "c": text_in.caption, "cr": text_in.credit, "m": photo.media_type,
             "w": photo.width, "h": photo.height, "b": photo.content, "t": photo.thumbnail,
             "sha": hashlib.sha256(photo.content).hexdigest()}).mappings().one()
    return dict(row)


def list_photos(conn: Connection, site_id: int) -> list[dict[str, Any]]:
    """The photos of a site in their order, without bytes (planners and up)."""
    if conn.execute(text("SELECT 1 FROM core.sites WHERE id = :i"), {"i": site_id}).first() is None:
        raise NotFound(f"no site {site_id}")
    return [dict(r) for r in conn.execute(text(
        f"SELECT {_COLUMNS}, created_at, created_by FROM core.site_photos WHERE site_id = :s ORDER BY position, id"),
        {"s": site_id}).mappings()]


def remove_photo(conn: Connection, principal: Principal, site_id: int, photo_id: int) -> None:
    """Delete a photo of the site (recorded in the audit log without its bytes)."""
    _writable_site(conn, principal, site_id)
    deleted = conn.execute(text("DELETE FROM core.site_photos WHERE id = :p AND site_id = :s"),
                           {"p": photo_id, "s": site_id}).rowcount
    if not deleted:
        raise NotFound(f"site {site_id} has no photo {photo_id}")


def public_photos(conn: Connection, site_id: int) -> list[dict[str, Any]]:
    """The photos of a published site as the public page shows them: URL, caption, credit, size."""
    return [{**dict(r), "url": f"/api/public/sites/{site_id}/photos/{r['id']}"} for r in conn.execute(text(
        "SELECT id, caption, credit, width, height FROM core.public_site_photos WHERE site_id = :s "
        "ORDER BY position, id"), {"s": site_id}).mappings()]


def public_photo(conn: Connection, site_id: int, photo_id: int, *,
                 thumbnail: bool = False) -> tuple[bytes, str, str]:
    """Bytes, media type and hash of a photo of a published site, or of its thumbnail (JPEG; the hash of
    the photo it was made from); 404 (German) otherwise."""
    image = "thumbnail AS image, 'image/jpeg' AS media_type" if thumbnail else "content AS image, media_type"
    row = conn.execute(text(f"SELECT {image}, sha256 FROM core.public_site_photos "     # one image, not both
                            "WHERE id = :p AND site_id = :s"), {"p": photo_id, "s": site_id}).first()
    if row is None:
        raise NotFound(f"Die Fläche {site_id} hat kein veröffentlichtes Foto {photo_id}.")
    return bytes(row.image), row.media_type, row.sha256

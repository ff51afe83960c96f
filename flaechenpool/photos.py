"""Photos sent with site reports: only JPEG, PNG or WebP that decode completely, within the size and
pixel limits; stored re-encoded without metadata (EXIF GPS positions, camera serials), upright."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from flaechenpool.errors import InputError, PayloadTooLarge

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
UNREADABLE = "Die Datei ist kein lesbares Foto (erlaubt sind JPEG, PNG und WebP)."


@dataclass(frozen=True)
class Photo:
    media_type: str
    width: int
    height: int
    content: bytes
    thumbnail: bytes | None = None      # ``check_photo(…, thumbnail=True)``: see ``thumbnail_of``


def check_photo(data: bytes, *, max_bytes: int, max_pixels: int, thumbnail: bool = False) -> Photo:
    """The photo as it will be stored (with ``thumbnail``: and its thumbnail, from the same decoded image),
    or a German error naming what is wrong."""
    if not data:
        raise InputError("Das Foto ist leer.")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Das Foto ist zu groß (höchstens {max_bytes / 1024 / 1024:.0f} MB).")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind not in MEDIA_TYPES:
                raise InputError("Nur Fotos im Format JPEG, PNG oder WebP sind möglich.")
            if image.width * image.height > max_pixels:
                raise InputError(f"Das Foto hat zu viele Bildpunkte (höchstens {max_pixels / 1e6:.0f} Megapixel).")
            image.load()    # decodes everything: truncated or corrupt files fail here
            upright = ImageOps.exif_transpose(image)
            if kind == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, format=kind, **({"quality": 90} if kind in ("JPEG", "WEBP") else {}))
            small = _thumbnail(upright) if thumbnail else None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise InputError(UNREADABLE) from None
    return Photo(MEDIA_TYPES[kind], upright.width, upright.height, out.getvalue(), small)


THUMBNAIL_SIZE = 320    # pixels on the long side, at most


def thumbnail_of(content: bytes) -> bytes:
    """A small JPEG of a stored photo (``check_photo``'s content) for lists: at most ``THUMBNAIL_SIZE``
    pixels on its long side, transparency laid on white."""
    with Image.open(io.BytesIO(content)) as image:
        return _thumbnail(image)


def _thumbnail(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if small.mode in ("RGBA", "LA", "P"):
        small = small.convert("RGBA")
        background = Image.new("RGB", small.size, (255, 255, 255))
        background.paste(small, mask=small.getchannel("A"))
        small = background
    elif small.mode != "RGB":
        small = small.convert("RGB")
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()

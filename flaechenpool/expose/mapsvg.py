"""The map extract of an exposé or a decision paper: an area, its parcels and surroundings as SVG, drawn from PostGIS
(ST_AsSVG in EPSG:25832, metres) with a scale bar and a north arrow. Works offline."""

from __future__ import annotations

from html import escape

from sqlalchemy import Connection, text

from flaechenpool.db import load_sql
from flaechenpool.errors import NotFound
from flaechenpool.public_sites import RENEWAL_KINDS

LAND_USE_FILL = {
    "industrial": "#e7d6e6", "commercial": "#f2dcdc", "retail": "#f2dcdc", "residential": "#ececec",
    "brownfield": "#d9d2b6", "greenfield": "#e3ecc9", "railway": "#dedede", "forest": "#cfe3c1",
    "meadow": "#e0efcf", "grass": "#e0efcf", "farmland": "#f1f0dc", "allotments": "#dcebc9", "cemetery": "#d5e4cf",
}
SCALE_STEPS = (20, 50, 100, 200, 250, 500, 1000, 2000, 5000)


def _scale_length(width: float) -> int:
    return max((s for s in SCALE_STEPS if s <= width / 4), default=SCALE_STEPS[0])


# the area a map is drawn around (bound :id), and the layers only staff documents add (whitelists)
SUBJECTS = {
    "site": "SELECT geom FROM core.public_sites WHERE id = :id",
    "preemption_case": "SELECT geom FROM core.preemption_cases WHERE id = :id AND geom IS NOT NULL",
}
# the edges of the areas of ref.preemption_areas within the frame, of the kinds ``kinds`` (an SQL condition)
_AREA_EDGES = """UNION ALL
SELECT 5, 'preemption_area', a.kind, a.name, ST_AsSVG(ST_Intersection(ST_Boundary(a.geom), f.frame), 0, 1),
       NULL, NULL, NULL, NULL
FROM ref.preemption_areas a, f WHERE {kinds} AND a.geom && f.frame AND ST_Intersects(ST_Boundary(a.geom), f.frame)"""
EXTRA_LAYERS = {
    # the land the municipality holds today (land pool), for the decision on a pre-emption case
    "pool": """UNION ALL
SELECT 5, 'pool', NULL, NULL, ST_AsSVG(ST_ClipByBox2D(q.geom, f.b), 0, 1), NULL, NULL, NULL, NULL
FROM f, core.preemption_cases c, core.pool_held(c.municipality_ags, current_date) h
JOIN core.parcels q ON q.flurstueckskennzeichen = h.flurstueckskennzeichen AND q.valid_to IS NULL
WHERE c.id = :id AND q.geom && f.frame""",
    # the areas of pre-emption rights (statutes, redevelopment areas …), outlined
    "preemption_areas": _AREA_EDGES.format(kinds="true"),
    # of those, the areas of special urban law investors weigh (public exposé)
    "renewal_areas": _AREA_EDGES.format(kinds="a.kind IN (" + ", ".join(f"'{k}'" for k in RENEWAL_KINDS) + ")"),
}


def _label(text_: str, x: float, y: float, size: float, frame: tuple[float, float, float, float], *,
           centred: bool) -> str:
    """An SVG text at (x, y), moved inside ``frame`` (x, top, width, height) where it would run over its edge. The
    width is estimated (DejaVu Sans: about 0.6 of the font size a character); one wider than the frame stays."""
    x0, top, w, h = frame
    width, margin = 0.6 * size * len(text_), 0.5 * size
    left = x - width / 2 if centred else x
    if width + 2 * margin <= w:
        left = min(max(left, x0 + margin), x0 + w - margin - width)
    y = min(max(y, top + size + margin), top + h - margin)
    anchor = f'x="{left + width / 2:.1f}" text-anchor="middle" fill-opacity="0.8"' if centred else f'x="{left:.1f}"'
    return f'<text {anchor} y="{y:.1f}" font-size="{size:.1f}" class="label">{escape(text_)}</text>'


def site_map_svg(conn: Connection, site_id: int, *, title: str) -> str:
    """SVG of the published site ``site_id`` and its surroundings (404 when not published)."""
    return area_map_svg(conn, "site", site_id, title=title, extra=("renewal_areas",),
                        missing=f"Die Fläche {site_id} ist nicht veröffentlicht oder existiert nicht.")


def area_map_svg(conn: Connection, subject: str, subject_id: int, *, title: str, missing: str,
                 extra: tuple[str, ...] = ()) -> str:
    """SVG of the area of ``subject`` (a key of ``SUBJECTS``) ``subject_id`` drawn in red, its surroundings and
    the ``extra`` layers (keys of ``EXTRA_LAYERS``); 404 with the text ``missing`` when there is no such area."""
    sql = load_sql("public/area_map").replace("{subject}", SUBJECTS[subject]).replace(
        "{extra_layers}", "\n".join(EXTRA_LAYERS[e] for e in extra))
    rows = conn.execute(text(sql), {"id": subject_id}).mappings().all()
    if not rows or rows[0]["layer"] != "frame":
        raise NotFound(missing)
    frame = rows[0]
    x0, top, w, h = frame["x"], -frame["y"], frame["width"], frame["height"]
    unit = w / 500                               # one "pixel" of a 500 px wide figure, in metres
    shapes: list[str] = []
    labels: list[str] = []
    for row in rows[1:]:
        layer, path = row["layer"], row["path"]
        if layer == "station":
            x, y = row["x"], -row["y"]
            shapes.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{5 * unit:.1f}" fill="#fff" stroke="#1d2a33" '
                          f'stroke-width="{2 * unit:.1f}"/>')
            labels.append(_label(row["label"] or "", x + 8 * unit, y + 4 * unit, 12 * unit,
                                 (x0, top, w, h), centred=False))
            continue
        if not path:
            continue
        style = {
            "land_use": f'fill="{LAND_USE_FILL.get(row["class"] or "", "#eef2e8")}" stroke="none"',
            "water": 'fill="#b9d7ef" stroke="none"',
            "waterway": f'fill="none" stroke="#7fb2de" stroke-width="{2 * unit:.1f}"',
            "parcel": f'fill="none" stroke="#8a8f94" stroke-width="{0.6 * unit:.2f}"',
            "boundary": f'fill="none" stroke="#5b4a7a" stroke-width="{2 * unit:.1f}" stroke-dasharray="{8 * unit:.1f} '
                        f'{4 * unit:.1f}"',
            "estate": f'fill="none" stroke="#2f7d46" stroke-width="{1.5 * unit:.1f}" stroke-dasharray="{5 * unit:.1f} '
                      f'{3 * unit:.1f}"',
            "preemption_area": f'fill="none" stroke="#b2182b" stroke-width="{2 * unit:.1f}" '
                               f'stroke-dasharray="{6 * unit:.1f} {3 * unit:.1f}"',
            "pool": f'fill="#ffd92f" fill-opacity="0.55" stroke="#b8860b" stroke-width="{unit:.1f}"',
            "site": f'fill="#d62f2f" fill-opacity="0.25" stroke="#b01e1e" stroke-width="{3 * unit:.1f}"',
        }[layer]
        shapes.append(f'<path d="{path}" {style} fill-rule="evenodd"/>')
        if layer == "estate" and row["label"]:
            labels.append(_label(row["label"], row["x"], -row["y"], 11 * unit, (x0, top, w, h), centred=True))
    bar = _scale_length(w)
    bx, by = x0 + 12 * unit, top + h - 14 * unit
    scale = (f'<rect x="{bx - 4 * unit:.1f}" y="{by - 16 * unit:.1f}" width="{bar + 8 * unit:.1f}" height="{24 * unit:.1f}" '
             f'fill="#fff" fill-opacity="0.8"/>'
             f'<path d="M {bx:.1f} {by:.1f} h {bar}" stroke="#1d2a33" stroke-width="{3 * unit:.1f}"/>'
             f'<text x="{bx:.1f}" y="{by - 5 * unit:.1f}" font-size="{11 * unit:.1f}" class="label">{bar} m</text>')
    nx, ny = x0 + w - 20 * unit, top + 14 * unit
    north = (f'<circle cx="{nx:.1f}" cy="{ny + 14 * unit:.1f}" r="{20 * unit:.1f}" fill="#fff" fill-opacity="0.8"/>'
             f'<path d="M {nx:.1f} {ny:.1f} l {-6 * unit:.1f} {18 * unit:.1f} l {6 * unit:.1f} {-5 * unit:.1f} '
             f'l {6 * unit:.1f} {5 * unit:.1f} z" fill="#1d2a33"/>'
             f'<text x="{nx - 4 * unit:.1f}" y="{ny + 32 * unit:.1f}" font-size="{12 * unit:.1f}" class="label">N</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.1f} {top:.1f} {w:.1f} {h:.1f}" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="map-title" class="site-map">'
            f'<title id="map-title">{escape(title)}</title>'
            f'<rect x="{x0:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#f7f7f2"/>'
            f'{"".join(shapes)}{"".join(labels)}{scale}{north}'
            '<style>.label{font-family:"DejaVu Sans",sans-serif;fill:#1d2a33}</style></svg>')

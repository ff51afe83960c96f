-- The map extract around an area: a published site (exposé, detail page) or the land of a pre-emption case
-- (decision paper), with what is around it, clipped to a frame around it, as SVG path data in EPSG:25832
-- (ST_AsSVG: metres, y negated). One row per shape: layer, class, label, path (points: x and y instead). The
-- first row (layer 'frame') is the frame. mapsvg fills in the statement of the area's geometry (one of its
-- SUBJECTS, bound :id) and the rows of more layers for staff documents (its EXTRA_LAYERS) or nothing: the
-- public map reads only what the public role may read.
WITH s AS (
    {subject}
), near AS (        -- the nearest station within 800 m is drawn too
    SELECT ST_Buffer(st.geom, 60) AS geom FROM ref.stations st, s WHERE ST_DWithin(st.geom, s.geom, 800)
    ORDER BY st.geom <-> s.geom LIMIT 1
), inner_box AS (
    SELECT s.geom, ST_Expand(ST_Envelope(ST_Collect(s.geom, coalesce((SELECT geom FROM near), s.geom))),
               greatest(200.0, 0.3 * greatest(ST_XMax(s.geom) - ST_XMin(s.geom), ST_YMax(s.geom) - ST_YMin(s.geom))))::box2d
           AS b
    FROM s
), site AS (        -- widened to a 3:2 frame
    SELECT geom, ST_MakeEnvelope(
               ST_XMin(b) - greatest(0, 1.5 * (ST_YMax(b) - ST_YMin(b)) - (ST_XMax(b) - ST_XMin(b))) / 2,
               ST_YMin(b) - greatest(0, (ST_XMax(b) - ST_XMin(b)) / 1.5 - (ST_YMax(b) - ST_YMin(b))) / 2,
               ST_XMax(b) + greatest(0, 1.5 * (ST_YMax(b) - ST_YMin(b)) - (ST_XMax(b) - ST_XMin(b))) / 2,
               ST_YMax(b) + greatest(0, (ST_XMax(b) - ST_XMin(b)) / 1.5 - (ST_YMax(b) - ST_YMin(b))) / 2,
               25832) AS frame
    FROM inner_box
), f AS (SELECT geom, frame, frame::box2d AS b FROM site)
SELECT 0 AS z, 'frame' AS layer, NULL AS class, NULL AS label, NULL AS path,
       ST_XMin(f.b) AS x, ST_YMax(f.b) AS y, ST_XMax(f.b) - ST_XMin(f.b) AS width, ST_YMax(f.b) - ST_YMin(f.b) AS height
FROM f
UNION ALL
SELECT 1, 'land_use', l.class, NULL, ST_AsSVG(ST_ClipByBox2D(l.geom, f.b), 0, 1), NULL, NULL, NULL, NULL
FROM ref.land_use l, f WHERE l.geom && f.frame
UNION ALL
SELECT 2, 'water', w.class, NULL, ST_AsSVG(ST_ClipByBox2D(w.geom, f.b), 0, 1), NULL, NULL, NULL, NULL
FROM ref.water_areas w, f WHERE w.geom && f.frame
UNION ALL
SELECT 3, 'waterway', w.class, NULL, ST_AsSVG(ST_Intersection(w.geom, f.frame), 0, 1), NULL, NULL, NULL, NULL
FROM ref.waterways w, f WHERE w.geom && f.frame AND ST_Intersects(w.geom, f.frame)
UNION ALL
SELECT 4, 'parcel', NULL, NULL, ST_AsSVG(ST_ClipByBox2D(p.geom, f.b), 0, 1), NULL, NULL, NULL, NULL
FROM core.parcels p, f WHERE p.valid_to IS NULL AND p.geom && f.frame
UNION ALL
SELECT 5, 'boundary', NULL, m.name, ST_AsSVG(ST_Intersection(ST_Boundary(m.geom), f.frame), 0, 1), NULL, NULL, NULL, NULL
FROM core.municipalities m, f WHERE m.geom && f.frame AND ST_Intersects(ST_Boundary(m.geom), f.frame)
UNION ALL
SELECT 5, 'estate', NULL, e.name, ST_AsSVG(c.part, 0, 1),      -- the label on the part within the frame
       ST_X(ST_PointOnSurface(c.part)), ST_Y(ST_PointOnSurface(c.part)), NULL, NULL
FROM core.estates e, f, LATERAL (SELECT ST_ClipByBox2D(e.geom, f.b) AS part) c
WHERE e.geom && f.frame AND NOT ST_IsEmpty(c.part)
UNION ALL
SELECT 6, 'site', NULL, NULL, ST_AsSVG(f.geom, 0, 1), NULL, NULL, NULL, NULL FROM f
UNION ALL
SELECT 7, 'station', NULL, st.name, NULL, ST_X(st.geom), ST_Y(st.geom), NULL, NULL
FROM ref.stations st, f WHERE st.geom && f.frame
{extra_layers}
ORDER BY z

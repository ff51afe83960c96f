-- Potential analysis, step 10: the nearest railway station of every candidate. Most have one within
-- 3 km: those are found by a join through the GiST index of ref.stations (parallel workers); the rest
-- by a nearest-neighbour search in the same index (ORDER BY <->, a few index pages per candidate).
CREATE UNLOGGED TABLE ap_stations AS
SELECT DISTINCT ON (f.id) f.id, s.name AS station, ST_Distance(s.geom, f.geom) AS distance
FROM ap_found f
JOIN ref.stations s ON ST_DWithin(s.geom, f.geom, 3000)
ORDER BY f.id, ST_Distance(s.geom, f.geom), s.name;

INSERT INTO ap_stations (id, station, distance)
SELECT f.id, st.name, st.distance
FROM ap_found f
CROSS JOIN LATERAL (
    SELECT s.name, ST_Distance(s.geom, f.geom) AS distance FROM ref.stations s ORDER BY s.geom <-> f.geom LIMIT 1
) st
WHERE NOT EXISTS (SELECT 1 FROM ap_stations a WHERE a.id = f.id)

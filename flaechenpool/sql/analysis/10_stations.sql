-- Potential analysis, step 10: the nearest railway station of every candidate (KNN search in the
-- GiST index of ref.stations: a few index pages per candidate, whatever the number of stations).
CREATE TEMP TABLE ap_stations AS
SELECT f.id, st.name AS station, st.distance
FROM analysis.work_found f
CROSS JOIN LATERAL (
    SELECT s.name, ST_Distance(s.geom, f.geom) AS distance FROM ref.stations s ORDER BY s.geom <-> f.geom LIMIT 1
) st

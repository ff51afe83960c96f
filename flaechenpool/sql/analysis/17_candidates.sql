-- Potential analysis, step 17: store the scored candidates under run :run_id.
INSERT INTO analysis.candidates (run_id, municipality_ags, district_id, kind, parcels, buildings, fingerprint, score,
                                 rank, criteria, detection, known_site_ids, geom)
SELECT :run_id, s.municipality_ags, s.district_id, s.kind, s.parcels, s.buildings, s.fingerprint, s.score, r.rank,
       s.criteria, s.detection, s.known_site_ids, s.geom
FROM ap_scored s JOIN ap_ranked r ON r.id = s.id

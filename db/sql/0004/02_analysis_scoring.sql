-- Scoring of a criterion: value → normalised (0…1) → contribution = weight × normalised.
-- Numeric criteria rise linearly from `low` (0) to `high` (1) and are clamped; `low` > `high` means
-- "less is better" (e.g. a distance). Categorical criteria look the value up in `map` (else
-- `default`). A missing value scores 0. The result is what the API shows for each criterion.
CREATE FUNCTION analysis.normalised(value double precision, spec jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN 0::double precision
                ELSE least(1, greatest(0, (value - (spec ->> 'low')::double precision)
                                          / ((spec ->> 'high')::double precision - (spec ->> 'low')::double precision)))
           END
$$;

-- Single expressions without FROM, so PostgreSQL inlines them: with the profile's spec a constant
-- of the query, the weight and bounds are read once per query, not once per candidate. STABLE, as
-- jsonb_build_object is (an IMMUTABLE function calling it would not be inlined). Values are rounded
-- to 3 decimals, contributions to 2, in double precision (a tenth of the cost of numeric).
CREATE FUNCTION analysis.criterion(value double precision, spec jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('value', round(value * 1000) / 1000,
                              'normalised', round(analysis.normalised(value, spec) * 1000) / 1000,
                              'weight', (spec ->> 'weight')::double precision,
                              'contribution', round((spec ->> 'weight')::double precision
                                                    * analysis.normalised(value, spec) * 100) / 100)
$$;

CREATE FUNCTION analysis.criterion(value text, spec jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('value', value,
                              'normalised', coalesce((spec -> 'map' ->> coalesce(value, 'none'))::double precision,
                                                     (spec ->> 'default')::double precision, 0),
                              'weight', (spec ->> 'weight')::double precision,
                              'contribution', round((spec ->> 'weight')::double precision
                                                    * coalesce((spec -> 'map' ->> coalesce(value, 'none'))::double precision,
                                                               (spec ->> 'default')::double precision, 0) * 100) / 100)
$$;

-- The total of a criteria object: the sum of the contributions.
CREATE FUNCTION analysis.total(criteria jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(coalesce(sum((c.value ->> 'contribution')::double precision), 0) * 100) / 100
    FROM jsonb_each(criteria) c
$$;

-- Width of a shape (Mindestbreite): the diameter of the largest circle that fits inside it, to 0.1 m.
-- A rectangle (equal to its minimum rotated rectangle) spans its shorter side. Any other shape is
-- measured by bisection on negative buffers between two bounds that always hold (the inradius r
-- satisfies area <= r * perimeter, and the circle fits in the rotated rectangle and has no more area
-- than the shape), three times cheaper than ST_MaximumInscribedCircle in GEOS 3.11. That GEOS returns
-- the negative buffer of some valid parcels empty although far larger circles fit, so the result is
-- verified: a point of the last non-empty buffer must lie as far inside as claimed, and that buffer
-- must be thin enough (area <= (hi - lo) * perimeter) for the next one to be truly empty. If not,
-- ST_MaximumInscribedCircle decides.
CREATE FUNCTION analysis.width(geom geometry) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 2000 AS $$
DECLARE
    area double precision := ST_Area(geom);
    rectangle geometry;
    ring geometry;
    lo double precision;
    hi double precision;
    mid double precision;
    shrunk geometry;
    kept geometry;
BEGIN
    IF ST_IsEmpty(geom) OR area <= 0 THEN
        RETURN 0;
    END IF;
    rectangle := ST_OrientedEnvelope(geom);
    IF GeometryType(rectangle) <> 'POLYGON' THEN
        RETURN 2 * (ST_MaximumInscribedCircle(geom)).radius;
    END IF;
    ring := ST_ExteriorRing(rectangle);
    hi := 0.5 * least(ST_Distance(ST_PointN(ring, 1), ST_PointN(ring, 2)),
                      ST_Distance(ST_PointN(ring, 2), ST_PointN(ring, 3)));
    IF area >= (1 - 1e-9) * ST_Area(rectangle) THEN
        RETURN 2 * hi;
    END IF;
    hi := least(hi, sqrt(area / pi()));
    lo := area / ST_Perimeter(geom);
    kept := geom;
    WHILE hi - lo > 0.03 LOOP
        mid := 0.5 * (lo + hi);
        shrunk := ST_Buffer(geom, -mid);
        IF ST_IsEmpty(shrunk) THEN
            hi := mid;
        ELSE
            lo := mid;
            kept := shrunk;
        END IF;
    END LOOP;
    IF ST_Distance(ST_PointOnSurface(kept), ST_Boundary(geom)) >= lo - 0.03
       AND ST_Area(kept) <= (hi - lo) * ST_Perimeter(kept) + 0.01 THEN
        RETURN lo + hi;
    END IF;
    RETURN 2 * (ST_MaximumInscribedCircle(geom)).radius;
END $$;

-- At least `min_width` wide, given the measured width (analysis.width): it reaches the minimum, or
-- else the shape shrunk by half of it is not empty (a negative buffer alone cannot be trusted with
-- a "no", the width decides all but a few cases).
CREATE FUNCTION analysis.fits_width(geom geometry, width double precision, min_width double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT width >= min_width OR NOT ST_IsEmpty(ST_Buffer(geom, -0.5 * min_width))
$$;

-- Building on parcel, the usual case told without GEOS: a single polygon whose outline keeps off the
-- outline of the other (no common point, ST_DWithin 0) and which has a vertex in it lies inside it
-- (being connected, it cannot cross the outline). Else NULL or false: ST_CoveredBy must decide.
-- An inlined SQL expression (no STRICT, which would prevent inlining).
CREATE FUNCTION analysis.lies_inside(inner_geom geometry, outer_geom geometry) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_NumGeometries(inner_geom) = 1
           AND NOT ST_DWithin(ST_Boundary(outer_geom), inner_geom, 0)
           AND ST_Intersects(ST_PointN(ST_ExteriorRing(ST_GeometryN(inner_geom, 1)), 1), outer_geom)
$$;

-- How many m² of a building lie on a parcel: its footprint when the parcel covers it (the usual
-- case: analysis.lies_inside, else ST_CoveredBy, only when the boxes allow it), else the area of the
-- intersection, measured only when the two touch at all (ST_DWithin 0: no GEOS, cheaper than
-- ST_Intersects; whether shapes that merely touch count makes no difference, their intersection has
-- no area). NULL when they do not touch.
CREATE FUNCTION analysis.overlap_m2(building geometry, footprint_m2 double precision, parcel geometry)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN building @ parcel AND (analysis.lies_inside(building, parcel) OR ST_CoveredBy(building, parcel))
                    THEN footprint_m2
                WHEN ST_DWithin(building, parcel, 0) THEN ST_Area(ST_Intersection(building, parcel))
           END
$$;

COMMENT ON FUNCTION analysis.width(geometry) IS 'Breite: Durchmesser des größten einbeschriebenen Kreises (m)';
COMMENT ON FUNCTION analysis.fits_width(geometry, double precision, double precision) IS 'Passt ein Kreis dieses Durchmessers hinein?';
COMMENT ON FUNCTION analysis.lies_inside(geometry, geometry) IS 'Liegt die erste Fläche sicher in der zweiten? (ohne GEOS; NULL/false: unbestimmt)';
COMMENT ON FUNCTION analysis.overlap_m2(geometry, double precision, geometry) IS 'Fläche eines Gebäudes auf einem Flurstück (m²)';

-- Land-use and building-function texts compared without case, umlauts, spaces and punctuation:
-- 'Industrie- und Gewerbefläche' and 'Industrie Und Gewerbeflaeche' (as some ALKIS exports write it)
-- give the same key 'industrieundgewerbeflaeche'.
CREATE FUNCTION analysis.text_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(replace(replace(replace(replace(lower(value), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'),
                          '[^a-z0-9]', '', 'g')
$$;

COMMENT ON FUNCTION analysis.normalised(double precision, jsonb) IS
    'Normierter Wert eines Kriteriums: linear zwischen low (0) und high (1), begrenzt auf 0–1';
COMMENT ON FUNCTION analysis.criterion(double precision, jsonb) IS
    'Bewertung eines Kriteriums: Wert, normiert (0–1, linear zwischen low und high), Gewicht, Beitrag';
COMMENT ON FUNCTION analysis.criterion(text, jsonb) IS
    'Bewertung eines kategorialen Kriteriums: Wert, normiert (aus map), Gewicht, Beitrag';
COMMENT ON FUNCTION analysis.total(jsonb) IS 'Punktzahl: Summe der Beiträge aller Kriterien';

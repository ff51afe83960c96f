-- Scoring of a criterion: value → normalised (0…1) → contribution = weight × normalised.
-- Numeric criteria rise linearly from `low` (0) to `high` (1) and are clamped; `low` > `high` means
-- "less is better" (e.g. a distance). Categorical criteria look the value up in `map` (else
-- `default`). A missing value scores 0. The result is what the API shows for each criterion.
CREATE FUNCTION analysis.criterion(value double precision, spec jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH n AS (
        SELECT CASE WHEN value IS NULL THEN 0::double precision
                    ELSE least(1, greatest(0, (value - (spec ->> 'low')::double precision)
                                              / ((spec ->> 'high')::double precision - (spec ->> 'low')::double precision)))
               END AS normalised,
               (spec ->> 'weight')::double precision AS weight
    )
    SELECT jsonb_build_object('value', round(value::numeric, 3), 'normalised', round(normalised::numeric, 3),
                              'weight', weight, 'contribution', round((weight * normalised)::numeric, 2))
    FROM n
$$;

CREATE FUNCTION analysis.criterion(value text, spec jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH n AS (
        SELECT coalesce((spec -> 'map' ->> coalesce(value, 'none'))::double precision,
                        (spec ->> 'default')::double precision, 0) AS normalised,
               (spec ->> 'weight')::double precision AS weight
    )
    SELECT jsonb_build_object('value', value, 'normalised', round(normalised::numeric, 3),
                              'weight', weight, 'contribution', round((weight * normalised)::numeric, 2))
    FROM n
$$;

-- The total of a criteria object: the sum of the contributions.
CREATE FUNCTION analysis.total(criteria jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round(coalesce(sum((c.value ->> 'contribution')::numeric), 0), 2)::double precision
    FROM jsonb_each(criteria) c
$$;

COMMENT ON FUNCTION analysis.criterion(double precision, jsonb) IS
    'Bewertung eines Kriteriums: Wert, normiert (0–1, linear zwischen low und high), Gewicht, Beitrag';
COMMENT ON FUNCTION analysis.criterion(text, jsonb) IS
    'Bewertung eines kategorialen Kriteriums: Wert, normiert (aus map), Gewicht, Beitrag';

-- Land-use and building-function texts compared without case, umlauts, spaces and punctuation:
-- 'Industrie- und Gewerbefläche' and 'Industrie Und Gewerbeflaeche' (as some ALKIS exports write it)
-- give the same key 'industrieundgewerbeflaeche'.
CREATE FUNCTION analysis.text_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(replace(replace(replace(replace(lower(value), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'),
                          '[^a-z0-9]', '', 'g')
$$;

-- A criterion's contribution to the score as a double precision (analysis.contribution), so that step 16
-- of a run sums the score from the same doubles it shows in the criteria, instead of reading the twelve
-- contributions back out of the criteria's jsonb (analysis.total: jsonb_each and a numeric → text →
-- double conversion each, a quarter of that step's time). Categorical criteria get their own
-- analysis.normalised; analysis.criterion shows what these functions compute, unchanged.

CREATE FUNCTION analysis.normalised(value text, spec jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce((spec -> 'map' ->> coalesce(value, 'none'))::double precision,
                    (spec ->> 'default')::double precision, 0)
$$;

CREATE FUNCTION analysis.contribution(value double precision, spec jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round((spec ->> 'weight')::double precision * analysis.normalised(value, spec) * 100) / 100
$$;

CREATE FUNCTION analysis.contribution(value text, spec jsonb) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT round((spec ->> 'weight')::double precision * analysis.normalised(value, spec) * 100) / 100
$$;

CREATE OR REPLACE FUNCTION analysis.criterion(value double precision, spec jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('value', round(value * 1000) / 1000,
                              'normalised', round(analysis.normalised(value, spec) * 1000) / 1000,
                              'weight', (spec ->> 'weight')::double precision,
                              'contribution', analysis.contribution(value, spec))
$$;

CREATE OR REPLACE FUNCTION analysis.criterion(value text, spec jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('value', value,
                              'normalised', analysis.normalised(value, spec),
                              'weight', (spec ->> 'weight')::double precision,
                              'contribution', analysis.contribution(value, spec))
$$;

COMMENT ON FUNCTION analysis.normalised(text, jsonb) IS
    'Normierter Wert eines kategorialen Kriteriums: aus map, sonst default, sonst 0';
COMMENT ON FUNCTION analysis.contribution(double precision, jsonb) IS
    'Beitrag eines Kriteriums zur Punktzahl: Gewicht × normierter Wert, auf 2 Stellen';
COMMENT ON FUNCTION analysis.contribution(text, jsonb) IS
    'Beitrag eines kategorialen Kriteriums zur Punktzahl: Gewicht × normierter Wert, auf 2 Stellen';

GRANT EXECUTE ON FUNCTION analysis.normalised(text, jsonb), analysis.contribution(double precision, jsonb),
    analysis.contribution(text, jsonb) TO flaechenpool_planner;

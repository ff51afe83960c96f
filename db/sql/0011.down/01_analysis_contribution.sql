-- Back to revision 0010: the criteria as before, without analysis.contribution.
CREATE OR REPLACE FUNCTION analysis.criterion(value double precision, spec jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('value', round(value * 1000) / 1000,
                              'normalised', round(analysis.normalised(value, spec) * 1000) / 1000,
                              'weight', (spec ->> 'weight')::double precision,
                              'contribution', round((spec ->> 'weight')::double precision
                                                    * analysis.normalised(value, spec) * 100) / 100)
$$;

CREATE OR REPLACE FUNCTION analysis.criterion(value text, spec jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('value', value,
                              'normalised', coalesce((spec -> 'map' ->> coalesce(value, 'none'))::double precision,
                                                     (spec ->> 'default')::double precision, 0),
                              'weight', (spec ->> 'weight')::double precision,
                              'contribution', round((spec ->> 'weight')::double precision
                                                    * coalesce((spec -> 'map' ->> coalesce(value, 'none'))::double precision,
                                                               (spec ->> 'default')::double precision, 0) * 100) / 100)
$$;

DROP FUNCTION analysis.contribution(double precision, jsonb), analysis.contribution(text, jsonb),
    analysis.normalised(text, jsonb);

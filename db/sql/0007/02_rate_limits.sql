-- Rate limits of what anonymous visitors send (inquiries, site reports), counted in the database so
-- every process of the service shares them and a restart does not reset them. A hit is stored under
-- the SHA-256 of its key (which holds the client address) and a secret salt of the installation, and
-- only for the length of the window: no client address is kept in clear or for long.
CREATE UNLOGGED TABLE core.rate_hits (
    bucket  bytea NOT NULL,
    at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX rate_hits_bucket_idx ON core.rate_hits (bucket, at);
CREATE INDEX rate_hits_at_idx ON core.rate_hits (at);
COMMENT ON TABLE core.rate_hits IS 'Zähler der Ratenbegrenzung (gehashte Schlüssel, nur für die Dauer des Fensters)';

CREATE TABLE core.rate_salt (
    salt  bytea NOT NULL CHECK (length(salt) = 32)
);
CREATE UNIQUE INDEX rate_salt_one_row ON core.rate_salt ((true));
INSERT INTO core.rate_salt VALUES (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

-- Record one hit for every key, or none when any key has reached its limit within the last
-- p_window_s seconds; returns 0 when recorded, else the seconds until a hit of the full key expires.
CREATE FUNCTION core.rate_acquire(p_keys text[], p_limits integer[], p_window_s integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    salt bytea := (SELECT s.salt FROM core.rate_salt s);
    buckets bytea[];
    since timestamptz := clock_timestamp() - make_interval(secs => p_window_s);
    wait float8 := 0;
    nth timestamptz;
BEGIN
    IF cardinality(p_keys) IS DISTINCT FROM cardinality(p_limits) OR p_window_s < 1
       OR EXISTS (SELECT 1 FROM unnest(p_limits) l WHERE l IS NULL OR l < 1) THEN
        RAISE EXCEPTION 'rate limit: a positive limit per key and a window of at least a second' USING ERRCODE = '22023';
    END IF;
    buckets := ARRAY(SELECT sha256(salt || convert_to(k, 'UTF8')) FROM unnest(p_keys) WITH ORDINALITY u (k, i)
                     ORDER BY i);
    -- one request at a time per key (locks taken in one order: no deadlocks)
    PERFORM pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(encode(b, 'hex'), 7) h
                                           FROM unnest(buckets) b ORDER BY 1) locks;
    IF random() < 0.01 THEN
        DELETE FROM core.rate_hits WHERE at <= since;
    ELSE
        DELETE FROM core.rate_hits WHERE bucket = ANY (buckets) AND at <= since;
    END IF;
    FOR i IN 1 .. cardinality(buckets) LOOP
        SELECT h.at INTO nth FROM core.rate_hits h WHERE h.bucket = buckets[i] AND h.at > since
        ORDER BY h.at DESC OFFSET p_limits[i] - 1 LIMIT 1;
        IF FOUND THEN
            wait := greatest(wait, extract(epoch FROM nth + make_interval(secs => p_window_s) - clock_timestamp()));
        END IF;
    END LOOP;
    IF wait > 0 THEN
        RETURN greatest(1, ceil(wait))::integer;
    END IF;
    INSERT INTO core.rate_hits (bucket) SELECT unnest(buckets);
    RETURN 0;
END $$;

REVOKE ALL ON core.rate_hits, core.rate_salt FROM PUBLIC;
REVOKE ALL ON FUNCTION core.rate_acquire(text[], integer[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.rate_acquire(text[], integer[], integer)
    TO flaechenpool_public, flaechenpool_planner, flaechenpool_land_manager, flaechenpool_admin;

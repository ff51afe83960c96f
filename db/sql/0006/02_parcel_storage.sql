-- Parcel geometries are stored uncompressed, inline up to a full page: coordinates do not compress
-- (PostgreSQL tried, and failed, to compress every geometry above 2 kB on each insert), and a
-- geometry moved out of line (TOAST) costs an extra table and index insert when written and a lookup
-- when read. Only rows above 8160 bytes (parcels of several hundred vertices) still go out of line.
ALTER TABLE core.parcels ALTER COLUMN geom SET STORAGE EXTERNAL;
ALTER TABLE core.parcels SET (toast_tuple_target = 8160);

-- The key-history index of core.parcels holds closed versions only. Current versions are found
-- through parcels_current_key_idx (unique, WHERE valid_to IS NULL), so the full index kept a second
-- entry of every current parcel: a first import wrote each key twice (about 1 s of server CPU per
-- million parcels, and 47 MB of index). Look-ups of every version of a key say
-- `(valid_to IS NULL OR valid_to IS NOT NULL)`: the planner then reads both indexes (BitmapOr).
DROP INDEX core.parcels_key_history_idx;
CREATE INDEX parcels_key_history_idx ON core.parcels (flurstueckskennzeichen, valid_from)
    WHERE valid_to IS NOT NULL;

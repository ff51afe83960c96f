-- Holding periods of the municipal land pool: each acquisition of a parcel, held from its effective
-- date until the next disposal of that parcel by the same municipality (open while still held).
-- On any date D the periods with held_from <= D < held_until are exactly core.pool_held(NULL, D).
-- The geometry is the parcel's current one (or its last one if it has since been retired).
SELECT t.id::text || '_' || tp.flurstueckskennzeichen AS holding_id,
       tp.flurstueckskennzeichen,
       t.municipality_ags,
       t.id AS transaction_id,
       t.kind AS acquired_by,
       t.effective_date AS held_from,
       d.effective_date AS held_until,
       tp.area_m2,
       tp.book_value_eur,
       p.land_use,
       p.geom
FROM core.pool_transaction_parcels tp
JOIN core.pool_transactions t ON t.id = tp.transaction_id
LEFT JOIN LATERAL (
    SELECT t2.effective_date
    FROM core.pool_transaction_parcels tp2
    JOIN core.pool_transactions t2 ON t2.id = tp2.transaction_id
    WHERE tp2.flurstueckskennzeichen = tp.flurstueckskennzeichen
      AND tp2.direction = 'dispose'
      AND t2.municipality_ags = t.municipality_ags
      AND (t2.effective_date, t2.id) > (t.effective_date, t.id)
    ORDER BY t2.effective_date, t2.id
    LIMIT 1
) d ON true
JOIN LATERAL (
    SELECT p.geom, p.land_use
    FROM core.parcels p
    WHERE p.flurstueckskennzeichen = tp.flurstueckskennzeichen
      AND (p.valid_to IS NULL OR p.valid_to IS NOT NULL)  -- current and closed versions: both indexes
    ORDER BY p.valid_to IS NULL DESC, p.valid_from DESC
    LIMIT 1
) p ON true
WHERE tp.direction = 'acquire'

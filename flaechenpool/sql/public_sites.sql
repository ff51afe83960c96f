-- Published sites with public fields only (no owner, no internal notes), for the public page.
SELECT s.id, s.name, m.name AS municipality, s.kind, s.status, round(s.area_m2) AS area_m2,
       s.asking_price_eur_m2, s.availability, s.intended_uses, s.public_description, s.contact_office,
       s.provenance
FROM core.sites s
JOIN core.municipalities m ON m.ags = s.municipality_ags
WHERE s.published AND s.retired_at IS NULL
ORDER BY m.name, s.name

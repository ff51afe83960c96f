-- Municipalities with published sites, for the public page's filter (names and keys are public).
SELECT m.ags, m.name, count(*) AS sites
FROM core.sites s
JOIN core.municipalities m ON m.ags = s.municipality_ags
WHERE s.published AND s.retired_at IS NULL
GROUP BY m.ags, m.name
ORDER BY m.name COLLATE "de-x-icu"

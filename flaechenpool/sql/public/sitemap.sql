-- The detail pages search engines may list: published sites that are real offers (the demo's invented
-- sites are marked illustrative and kept out of search results), with the day of their last change.
SELECT p.id, p.updated_at::date AS changed
FROM core.public_sites p
WHERE p.provenance IS DISTINCT FROM 'illustrative'
ORDER BY p.id

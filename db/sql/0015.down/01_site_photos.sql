-- Back to revision 0014: no photos of sites.
DROP VIEW core.public_site_photos;
DROP TABLE core.site_photos;
DROP FUNCTION core.site_photos_audit();

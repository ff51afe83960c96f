-- Row counts per table of the land pool (current rows where a table keeps history).
SELECT 'municipalities' AS name, count(*) AS n FROM core.municipalities
UNION ALL SELECT 'parcels', count(*) FROM core.parcels WHERE valid_to IS NULL
UNION ALL SELECT 'parcels_retired', count(*) FROM core.parcels WHERE valid_to IS NOT NULL
UNION ALL SELECT 'sites', count(*) FROM core.sites WHERE retired_at IS NULL
UNION ALL SELECT 'sites_published', count(*) FROM core.sites WHERE published AND retired_at IS NULL
UNION ALL SELECT 'estates', count(*) FROM core.estates
UNION ALL SELECT 'pool_transactions', count(*) FROM core.pool_transactions
UNION ALL SELECT 'buildings', count(*) FROM core.buildings WHERE valid_to IS NULL
UNION ALL SELECT 'vacancies', count(*) FROM core.vacancies WHERE ended_on IS NULL
UNION ALL SELECT 'districts', count(*) FROM core.districts
UNION ALL SELECT 'stations', count(*) FROM ref.stations
UNION ALL SELECT 'gemarkungen', count(*) FROM ref.gemarkungen
UNION ALL SELECT 'flood_zones', count(*) FROM ref.flood_zones
UNION ALL SELECT 'protected_areas', count(*) FROM ref.protected_areas
UNION ALL SELECT 'zoning_plans', count(*) FROM ref.zoning_plans
UNION ALL SELECT 'land_use', count(*) FROM ref.land_use
UNION ALL SELECT 'water_areas', count(*) FROM ref.water_areas
UNION ALL SELECT 'waterways', count(*) FROM ref.waterways
UNION ALL SELECT 'transit_stops', count(*) FROM ref.transit_stops
UNION ALL SELECT 'users', count(*) FROM auth.users
UNION ALL SELECT 'audit_log', count(*) FROM audit.log

-- Back to 0001's codes (refused while a site or plan refers to SO_1968).
DELETE FROM core.xp_land_use_types WHERE abbreviation = 'SO_1968';
UPDATE core.xp_land_use_types SET code = 4000 WHERE abbreviation = 'SO_W';
UPDATE core.xp_land_use_types SET code = 3000 WHERE abbreviation = 'SO';
UPDATE core.xp_land_use_types SET name_de = 'Sonstige bauliche Nutzung' WHERE abbreviation = 'SO_B';

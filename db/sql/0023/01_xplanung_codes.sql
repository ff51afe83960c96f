-- XP_BesondereArtDerBaulNutzung as XPlanung (5.x and 6.0) codes it. 0001 gave the sonstiges Sondergebiet 3000 and
-- the Wochenendhausgebiet 4000; XPlanung has 2100 and 3000, and 4000 for a Sondergebiet under the BauNVO of 1962 or
-- 1968. The abbreviations (the keys sites and plans refer to) stay.
UPDATE core.xp_land_use_types SET code = 2100 WHERE abbreviation = 'SO';
UPDATE core.xp_land_use_types SET code = 3000 WHERE abbreviation = 'SO_W';
INSERT INTO core.xp_land_use_types (abbreviation, enumeration, code, name_de)
VALUES ('SO_1968', 'XP_BesondereArtDerBaulNutzung', 4000, 'Sondergebiet (BauNVO 1962/1968)');
UPDATE core.xp_land_use_types SET name_de = 'Sonstiges Gebiet' WHERE abbreviation = 'SO_B';

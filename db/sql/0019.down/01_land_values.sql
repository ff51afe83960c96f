DROP FUNCTION ref.land_value_zones(geometry);
DROP TABLE ref.land_values;

DROP TABLE ref.land_values;

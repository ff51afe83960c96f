DROP FUNCTION ref.preemption_legal_basis(text);
DROP TABLE ref.preemption_areas;

DROP INDEX assessments_person_id_period_idx;
CREATE INDEX assessments_person_id_period_idx ON assessments (person_id, period);

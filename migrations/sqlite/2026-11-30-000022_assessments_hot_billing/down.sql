DROP INDEX assessments_unit_id_unpaid_idx;
DROP INDEX assessments_unit_id_person_id_insurance_period_key;
ALTER TABLE assessments DROP COLUMN unpaid;
ALTER TABLE assessments DROP COLUMN live;
CREATE UNIQUE INDEX assessments_unit_id_person_id_insurance_period_key
    ON assessments (unit_id, person_id, insurance, period) WHERE status <> 'cancelled';
CREATE INDEX assessments_unit_id_status_idx ON assessments (unit_id, status);

-- The same columns and indexes as on PostgreSQL (see its up.sql: billing
-- must not touch an index there). SQLite has no fill factor and rewrites the
-- row on any update; the derived columns are computed when read (VIRTUAL).
-- Not cancelled: the lines that count against "assessed once".
ALTER TABLE assessments ADD COLUMN live BOOLEAN NOT NULL
    GENERATED ALWAYS AS (status <> 'cancelled') VIRTUAL;
-- Pending or billed: what the unit still owes.
ALTER TABLE assessments ADD COLUMN unpaid BOOLEAN NOT NULL
    GENERATED ALWAYS AS (status IN ('pending', 'billed')) VIRTUAL;
DROP INDEX assessments_unit_id_person_id_insurance_period_key;
CREATE UNIQUE INDEX assessments_unit_id_person_id_insurance_period_key
    ON assessments (unit_id, person_id, insurance, period) WHERE live;
DROP INDEX assessments_unit_id_status_idx;
CREATE INDEX assessments_unit_id_unpaid_idx ON assessments (unit_id, unpaid);

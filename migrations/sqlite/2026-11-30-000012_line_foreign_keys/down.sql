-- Restores the foreign keys (see up.sql for how).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE order_lines_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id             BIGINT NOT NULL REFERENCES orders (id),
    assessment_id        BIGINT NOT NULL REFERENCES assessments (id),
    live                 BOOLEAN NOT NULL,
    interest_fen         BIGINT NOT NULL CHECK (interest_fen >= 0),
    interest_days        BIGINT NOT NULL CHECK (interest_days >= 0),
    interest_detail      TEXT NOT NULL,
    late_fee_fen         BIGINT NOT NULL CHECK (late_fee_fen >= 0),
    late_fee_days        BIGINT NOT NULL CHECK (late_fee_days >= 0),
    late_fee_rate_ppm    BIGINT NOT NULL,
    late_fee_from        DATE,
    late_fee_note        TEXT
);
INSERT INTO order_lines_new SELECT * FROM order_lines;
DELETE FROM sqlite_sequence WHERE name = 'order_lines_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'order_lines_new', seq FROM sqlite_sequence
    WHERE name = 'order_lines';
DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;
CREATE UNIQUE INDEX order_lines_assessment_id_key ON order_lines (assessment_id) WHERE live;
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id);
CREATE TABLE assessments_new (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id             BIGINT NOT NULL REFERENCES units (id),
    person_id           BIGINT NOT NULL REFERENCES persons (id),
    employment_id       BIGINT NOT NULL REFERENCES employments (id),
    insurance           TEXT NOT NULL CHECK (insurance IN ('110', '210', '410')),
    period              INTEGER NOT NULL
                        CHECK (period BETWEEN 199001 AND 299912 AND period % 100 BETWEEN 1 AND 12),
    kind                TEXT NOT NULL
                        CHECK (kind IN ('regular', 'back_pay', 'labour_contract', 'injury_only_transfer')),
    base_fen            BIGINT NOT NULL CHECK (base_fen >= 0),
    unit_rate_ppm       BIGINT NOT NULL CHECK (unit_rate_ppm BETWEEN 0 AND 1000000),
    individual_rate_ppm BIGINT NOT NULL CHECK (individual_rate_ppm BETWEEN 0 AND 1000000),
    unit_fen            BIGINT NOT NULL CHECK (unit_fen >= 0),
    individual_fen      BIGINT NOT NULL CHECK (individual_fen >= 0),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'billed', 'paid', 'cancelled')),
    source_item_id      BIGINT REFERENCES business_items (id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
INSERT INTO assessments_new SELECT * FROM assessments;
DELETE FROM sqlite_sequence WHERE name = 'assessments_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'assessments_new', seq FROM sqlite_sequence
    WHERE name = 'assessments';
DROP TABLE assessments;
ALTER TABLE assessments_new RENAME TO assessments;
CREATE UNIQUE INDEX assessments_unit_id_person_id_insurance_period_key
    ON assessments (unit_id, person_id, insurance, period) WHERE status <> 'cancelled';
CREATE INDEX assessments_person_id_period_idx ON assessments (person_id, period);
CREATE INDEX assessments_unit_id_status_idx ON assessments (unit_id, status);
CREATE INDEX assessments_employment_id_idx ON assessments (employment_id);
CREATE INDEX assessments_source_item_id_idx ON assessments (source_item_id);
COMMIT;
PRAGMA foreign_keys = ON;

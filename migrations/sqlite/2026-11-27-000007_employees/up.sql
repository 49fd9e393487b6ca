-- Employees (issue 4): assessment lines, dated person statuses, merges of one
-- person under several numbers, and the claim of an ID number by the person
-- created for it. Money: BIGINT fen; rates: BIGINT ppm; periods: YYYYMM.

-- One assessed line per unit x person x insurance x period (both sides).
-- kind: regular (the monthly declaration's line), back_pay (automatic
-- back-pay, R-EMP-3 / R-BACK-1), labour_contract (approved 劳动合同补缴),
-- injury_only_transfer (R-EMP-4, never refundable).
-- status: pending (assessed, not on a live order), billed (on a live order),
-- paid, cancelled (revoked or stopped).
CREATE TABLE assessments (
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
-- Nothing is ever assessed twice (concurrent requests included).
CREATE UNIQUE INDEX assessments_unit_id_person_id_insurance_period_key
    ON assessments (unit_id, person_id, insurance, period) WHERE status <> 'cancelled';
CREATE INDEX assessments_person_id_period_idx ON assessments (person_id, period);
CREATE INDEX assessments_unit_id_status_idx ON assessments (unit_id, status);
CREATE INDEX assessments_employment_id_idx ON assessments (employment_id);
CREATE INDEX assessments_source_item_id_idx ON assessments (source_item_id);

-- Dated statuses that decide assessment (R-EMP-6, R-EMP-7), kept by staff.
-- retirement: from_period = the approved retirement month (assessed through
-- it, not after); prison / bilateral_exemption: the months from..to.
CREATE TABLE person_statuses (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    kind        TEXT NOT NULL CHECK (kind IN ('retirement', 'prison', 'bilateral_exemption')),
    from_period INTEGER NOT NULL
                CHECK (from_period BETWEEN 199001 AND 299912 AND from_period % 100 BETWEEN 1 AND 12),
    to_period   INTEGER
                CHECK (to_period BETWEEN 199001 AND 299912 AND to_period % 100 BETWEEN 1 AND 12),
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    CHECK (to_period IS NULL OR from_period <= to_period)
);
CREATE INDEX person_statuses_person_id_idx ON person_statuses (person_id);

-- Staff decisions merging one person's second number into the first (R-EMP-8).
-- The merged person row stays (history); it is hidden from lookups.
CREATE TABLE person_merges (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    keep_person_id  BIGINT NOT NULL REFERENCES persons (id),
    merge_person_id BIGINT NOT NULL REFERENCES persons (id),
    reason          TEXT NOT NULL CHECK (reason <> ''),
    decided_by      TEXT NOT NULL,
    moved_json      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    CHECK (keep_person_id <> merge_person_id)
);
CREATE UNIQUE INDEX person_merges_merge_person_id_key ON person_merges (merge_person_id);
CREATE INDEX person_merges_keep_person_id_idx ON person_merges (keep_person_id);

-- The normalised ID number (15 -> 18 digits, x -> X) of every person created
-- from now on: two concurrent enrolments of one new person cannot create two
-- person numbers. Older duplicates are detected and merged by staff.
CREATE TABLE person_id_keys (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    id_key    TEXT NOT NULL CHECK (id_key <> ''),
    person_id BIGINT NOT NULL REFERENCES persons (id)
);
CREATE UNIQUE INDEX person_id_keys_id_key_key ON person_id_keys (id_key);
CREATE INDEX person_id_keys_person_id_idx ON person_id_keys (person_id);

-- Storage plan of docs/SCHEMA-PLAN.md (SQLite).
-- Money: BIGINT fen. Rates: BIGINT ppm. Periods: INTEGER YYYYMM, ranges
-- inclusive, to_period NULL = open-ended. Timestamps: UTC.
-- Unique constraints and indexes are named <table>_<columns>_key, the name
-- PostgreSQL gives them; qibao-db derives the same name from SQLite's error
-- message, so DbError::Conflict is the same on both backends.

CREATE TABLE regions (
    code     TEXT PRIMARY KEY NOT NULL
             CHECK (length(code) = 6 AND code NOT GLOB '*[^0-9]*'),
    name     TEXT NOT NULL CHECK (name <> ''),
    province TEXT NOT NULL CHECK (province <> '')
);

CREATE TABLE policy_base_bounds (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    si_year      INTEGER NOT NULL CHECK (si_year BETWEEN 1990 AND 2999),
    standard_fen BIGINT NOT NULL,
    floor_fen    BIGINT NOT NULL,
    ceiling_fen  BIGINT NOT NULL,
    source       TEXT NOT NULL CHECK (source <> ''),
    illustrative BOOLEAN NOT NULL CHECK (illustrative IN (0, 1)),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (0 < floor_fen AND floor_fen <= standard_fen AND standard_fen <= ceiling_fen)
);
CREATE UNIQUE INDEX policy_base_bounds_region_code_si_year_key
    ON policy_base_bounds (region_code, si_year);

CREATE TABLE policy_rates (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code         TEXT NOT NULL REFERENCES regions (code),
    insurance           TEXT NOT NULL CHECK (insurance IN ('110', '210')),
    from_period         INTEGER NOT NULL
                        CHECK (from_period BETWEEN 199001 AND 299912 AND from_period % 100 BETWEEN 1 AND 12),
    to_period           INTEGER
                        CHECK (to_period BETWEEN 199001 AND 299912 AND to_period % 100 BETWEEN 1 AND 12),
    unit_rate_ppm       BIGINT NOT NULL CHECK (unit_rate_ppm BETWEEN 0 AND 1000000),
    individual_rate_ppm BIGINT NOT NULL CHECK (individual_rate_ppm BETWEEN 0 AND 1000000),
    source              TEXT NOT NULL CHECK (source <> ''),
    illustrative        BOOLEAN NOT NULL CHECK (illustrative IN (0, 1)),
    created_at          TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (to_period IS NULL OR from_period <= to_period)
);
CREATE UNIQUE INDEX policy_rates_region_code_insurance_from_period_key
    ON policy_rates (region_code, insurance, from_period);

CREATE TABLE policy_injury_class_rates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    risk_class   SMALLINT NOT NULL CHECK (risk_class BETWEEN 1 AND 8),
    from_period  INTEGER NOT NULL
                 CHECK (from_period BETWEEN 199001 AND 299912 AND from_period % 100 BETWEEN 1 AND 12),
    to_period    INTEGER
                 CHECK (to_period BETWEEN 199001 AND 299912 AND to_period % 100 BETWEEN 1 AND 12),
    rate_ppm     BIGINT NOT NULL CHECK (rate_ppm BETWEEN 0 AND 1000000),
    source       TEXT NOT NULL CHECK (source <> ''),
    illustrative BOOLEAN NOT NULL CHECK (illustrative IN (0, 1)),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (to_period IS NULL OR from_period <= to_period)
);
-- Cut to 63 bytes, PostgreSQL's identifier limit (qibao-db cuts SQLite names alike).
CREATE UNIQUE INDEX policy_injury_class_rates_region_code_risk_class_from_period_ke
    ON policy_injury_class_rates (region_code, risk_class, from_period);

CREATE TABLE policy_late_fee_rules (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code           TEXT NOT NULL REFERENCES regions (code),
    from_period           INTEGER NOT NULL
                          CHECK (from_period BETWEEN 199001 AND 299912 AND from_period % 100 BETWEEN 1 AND 12),
    to_period             INTEGER
                          CHECK (to_period BETWEEN 199001 AND 299912 AND to_period % 100 BETWEEN 1 AND 12),
    daily_rate_ppm        BIGINT NOT NULL CHECK (daily_rate_ppm BETWEEN 0 AND 1000000),
    -- NULL: the legal due date is the last day of the contribution month.
    due_day_of_next_month SMALLINT CHECK (due_day_of_next_month BETWEEN 1 AND 31),
    cap                   TEXT NOT NULL CHECK (cap IN ('none', 'principal')),
    source                TEXT NOT NULL CHECK (source <> ''),
    illustrative          BOOLEAN NOT NULL CHECK (illustrative IN (0, 1)),
    created_at            TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (to_period IS NULL OR from_period <= to_period)
);
CREATE UNIQUE INDEX policy_late_fee_rules_region_code_from_period_key
    ON policy_late_fee_rules (region_code, from_period);

-- National bookkeeping rate of individual pension accounts (记账利率).
CREATE TABLE policy_interest_rates (
    year         INTEGER PRIMARY KEY NOT NULL CHECK (year BETWEEN 1990 AND 2999),
    rate_ppm     BIGINT NOT NULL CHECK (rate_ppm BETWEEN 0 AND 1000000),
    source       TEXT NOT NULL CHECK (source <> ''),
    illustrative BOOLEAN NOT NULL CHECK (illustrative IN (0, 1)),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE policy_deferrals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code  TEXT NOT NULL REFERENCES regions (code),
    from_period  INTEGER NOT NULL
                 CHECK (from_period BETWEEN 199001 AND 299912 AND from_period % 100 BETWEEN 1 AND 12),
    to_period    INTEGER NOT NULL
                 CHECK (to_period BETWEEN 199001 AND 299912 AND to_period % 100 BETWEEN 1 AND 12),
    repay_by     DATE NOT NULL,
    source       TEXT NOT NULL CHECK (source <> ''),
    illustrative BOOLEAN NOT NULL CHECK (illustrative IN (0, 1)),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (from_period <= to_period)
);
CREATE UNIQUE INDEX policy_deferrals_region_code_from_period_key
    ON policy_deferrals (region_code, from_period);

CREATE TABLE policy_windows (
    id                          INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code                 TEXT NOT NULL REFERENCES regions (code),
    from_period                 INTEGER NOT NULL
                                CHECK (from_period BETWEEN 199001 AND 299912 AND from_period % 100 BETWEEN 1 AND 12),
    to_period                   INTEGER
                                CHECK (to_period BETWEEN 199001 AND 299912 AND to_period % 100 BETWEEN 1 AND 12),
    back_pay_months             SMALLINT NOT NULL CHECK (back_pay_months BETWEEN 0 AND 120),
    refund_months               SMALLINT NOT NULL CHECK (refund_months BETWEEN 0 AND 120),
    order_validity_working_days SMALLINT NOT NULL CHECK (order_validity_working_days BETWEEN 1 AND 366),
    -- 'MM-DD'
    wage_window_start           TEXT NOT NULL
                                CHECK (wage_window_start GLOB '[01][0-9]-[0-3][0-9]'
                                       AND substr(wage_window_start, 1, 2) BETWEEN '01' AND '12'
                                       AND substr(wage_window_start, 4, 2) BETWEEN '01' AND '31'),
    wage_window_end             TEXT NOT NULL
                                CHECK (wage_window_end GLOB '[01][0-9]-[0-3][0-9]'
                                       AND substr(wage_window_end, 1, 2) BETWEEN '01' AND '12'
                                       AND substr(wage_window_end, 4, 2) BETWEEN '01' AND '31'),
    source                      TEXT NOT NULL CHECK (source <> ''),
    illustrative                BOOLEAN NOT NULL CHECK (illustrative IN (0, 1)),
    created_at                  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (to_period IS NULL OR from_period <= to_period),
    CHECK (wage_window_start <= wage_window_end)
);
CREATE UNIQUE INDEX policy_windows_region_code_from_period_key
    ON policy_windows (region_code, from_period);

-- Only the days that differ from Monday-Friday work: public holidays
-- (is_off_day) and adjusted working weekend days (调休, not is_off_day).
CREATE TABLE calendar_days (
    day        DATE PRIMARY KEY NOT NULL,
    is_off_day BOOLEAN NOT NULL CHECK (is_off_day IN (0, 1)),
    name       TEXT NOT NULL
);

CREATE TABLE units (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_no             TEXT NOT NULL CHECK (length(unit_no) = 9 AND unit_no NOT GLOB '*[^0-9]*'),
    uscc                TEXT NOT NULL CHECK (length(uscc) = 18),
    name                TEXT NOT NULL CHECK (name <> ''),
    region_code         TEXT NOT NULL REFERENCES regions (code),
    unit_type           TEXT NOT NULL,
    economic_type       TEXT NOT NULL,
    industry            TEXT NOT NULL,
    risk_class          SMALLINT NOT NULL CHECK (risk_class BETWEEN 1 AND 8),
    address             TEXT NOT NULL,
    postcode            TEXT,
    phone               TEXT NOT NULL,
    legal_rep_name      TEXT NOT NULL,
    legal_rep_id_type   TEXT NOT NULL CHECK (legal_rep_id_type IN ('resident', 'passport', 'residence_permit')),
    legal_rep_id_number TEXT NOT NULL,
    collection_method   TEXT NOT NULL DEFAULT 'tax' CHECK (collection_method IN ('tax', 'agency')),
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    created_at          TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at          TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX units_unit_no_key ON units (unit_no);
CREATE UNIQUE INDEX units_uscc_key ON units (uscc);
CREATE INDEX units_region_code_idx ON units (region_code);

CREATE TABLE unit_insurances (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id                 BIGINT NOT NULL REFERENCES units (id),
    insurance               TEXT NOT NULL CHECK (insurance IN ('110', '210', '310', '410', '510')),
    start_period            INTEGER NOT NULL
                            CHECK (start_period BETWEEN 199001 AND 299912 AND start_period % 100 BETWEEN 1 AND 12),
    status                  TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    latest_accounted_period INTEGER
                            CHECK (latest_accounted_period BETWEEN 199001 AND 299912 AND latest_accounted_period % 100 BETWEEN 1 AND 12),
    latest_paid_period      INTEGER
                            CHECK (latest_paid_period BETWEEN 199001 AND 299912 AND latest_paid_period % 100 BETWEEN 1 AND 12)
);
CREATE UNIQUE INDEX unit_insurances_unit_id_insurance_key ON unit_insurances (unit_id, insurance);

CREATE TABLE unit_injury_factors (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    from_period INTEGER NOT NULL
                CHECK (from_period BETWEEN 199001 AND 299912 AND from_period % 100 BETWEEN 1 AND 12),
    to_period   INTEGER
                CHECK (to_period BETWEEN 199001 AND 299912 AND to_period % 100 BETWEEN 1 AND 12),
    factor_pct  SMALLINT NOT NULL CHECK (factor_pct IN (50, 80, 100, 120, 150)),
    CHECK (to_period IS NULL OR from_period <= to_period)
);
CREATE UNIQUE INDEX unit_injury_factors_unit_id_from_period_key ON unit_injury_factors (unit_id, from_period);

CREATE TABLE persons (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    person_no       TEXT NOT NULL CHECK (length(person_no) = 11 AND person_no NOT GLOB '*[^0-9]*'),
    id_type         TEXT NOT NULL CHECK (id_type IN ('resident', 'passport', 'residence_permit')),
    id_number       TEXT NOT NULL CHECK (id_number <> ''),
    name            TEXT NOT NULL CHECK (name <> ''),
    gender          TEXT NOT NULL CHECK (gender IN ('M', 'F')),
    birth_date      DATE NOT NULL,
    nationality     TEXT NOT NULL,
    phone           TEXT,
    address         TEXT,
    first_work_date DATE,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX persons_person_no_key ON persons (person_no);
-- Not unique: one person under several numbers is detected, never merged (R-EMP-8).
CREATE INDEX persons_id_number_idx ON persons (id_number);

CREATE TABLE employments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    person_id        BIGINT NOT NULL REFERENCES persons (id),
    insurance        TEXT NOT NULL CHECK (insurance IN ('110', '210', '310', '410', '510')),
    start_date       DATE NOT NULL,
    stop_date        DATE,
    stop_reason      TEXT,
    status           TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    monthly_wage_fen BIGINT NOT NULL CHECK (monthly_wage_fen >= 0),
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- One ACTIVE relation per person and insurance (R-EMP-2), enforced here.
CREATE UNIQUE INDEX employments_person_id_insurance_key
    ON employments (person_id, insurance) WHERE status = 'active';
CREATE INDEX employments_unit_id_status_idx ON employments (unit_id, status);
CREATE INDEX employments_person_id_idx ON employments (person_id);

-- 办件: every state change of a unit, with who, when, channel, before/after.
CREATE TABLE business_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     BIGINT REFERENCES units (id),
    kind        TEXT NOT NULL CHECK (kind <> ''),
    status      TEXT NOT NULL CHECK (status <> ''),
    actor       TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('portal', 'counter', 'api', 'system')),
    before_json TEXT,
    after_json  TEXT,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX business_items_unit_id_created_at_idx ON business_items (unit_id, created_at);

-- unit_no / person_no allocation: next_value is the next number to hand out.
CREATE TABLE number_sequences (
    name       TEXT PRIMARY KEY NOT NULL,
    next_value BIGINT NOT NULL CHECK (next_value > 0)
);

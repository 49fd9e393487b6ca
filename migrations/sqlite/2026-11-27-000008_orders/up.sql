-- Contributions (issue 5): the yearly wage-base declaration (R-WAGE-1…4) and
-- the monthly declaration (R-DECL-1…3, 7). Money: BIGINT fen; periods YYYYMM.

-- One wage-base declaration of a unit for a social-insurance year; a
-- correction inside the window supersedes the current version (history kept:
-- superseded_at is set, the row stays).
CREATE TABLE wage_declarations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    si_year       INTEGER NOT NULL CHECK (si_year BETWEEN 1990 AND 2999),
    version       INTEGER NOT NULL CHECK (version >= 1),
    late          BOOLEAN NOT NULL,
    -- The commitment statement (申报承诺书): who confirmed it and when.
    committed_by  TEXT NOT NULL,
    committed_at  TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX wage_declarations_unit_id_si_year_key
    ON wage_declarations (unit_id, si_year) WHERE superseded_at IS NULL;
CREATE UNIQUE INDEX wage_declarations_unit_id_si_year_version_key
    ON wage_declarations (unit_id, si_year, version);

-- One person's declared wage in a wage-base declaration.
-- basis: previous_year (total + months), first_month, monthly.
CREATE TABLE wage_declaration_persons (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    declaration_id       BIGINT NOT NULL REFERENCES wage_declarations (id),
    person_id            BIGINT NOT NULL REFERENCES persons (id),
    basis                TEXT NOT NULL CHECK (basis IN ('previous_year', 'first_month', 'monthly')),
    previous_year_total_fen BIGINT CHECK (previous_year_total_fen >= 0),
    months_paid          INTEGER CHECK (months_paid BETWEEN 1 AND 12),
    wage_fen             BIGINT CHECK (wage_fen >= 0),
    declared_fen         BIGINT NOT NULL CHECK (declared_fen >= 0),
    base_fen             BIGINT NOT NULL CHECK (base_fen >= 0),
    adjustment           TEXT NOT NULL CHECK (adjustment IN ('none', 'raised_to_floor', 'lowered_to_ceiling'))
);
CREATE UNIQUE INDEX wage_declaration_persons_declaration_id_person_id_key
    ON wage_declaration_persons (declaration_id, person_id);
CREATE INDEX wage_declaration_persons_person_id_idx ON wage_declaration_persons (person_id);

-- A unit's monthly declaration (单位社会保险缴费申报) or unit back-pay
-- declaration (单位补缴申报) of one period. excluded_json: the non-accountable
-- persons with the reason (R-EMP-7).
CREATE TABLE declarations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    period        INTEGER NOT NULL
                  CHECK (period BETWEEN 199001 AND 299912 AND period % 100 BETWEEN 1 AND 12),
    kind          TEXT NOT NULL CHECK (kind IN ('regular', 'back_pay')),
    excluded_json TEXT NOT NULL,
    declared_by   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX declarations_unit_id_period_key ON declarations (unit_id, period);

-- Payment orders (应缴认定单, R-DECL-4…6). status: live (issued, unpaid,
-- not past its due date), paid, expired, revoked. Amounts are sums of the
-- order's lines.
CREATE TABLE orders (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    order_no       TEXT NOT NULL CHECK (length(order_no) = 16),
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    status         TEXT NOT NULL CHECK (status IN ('live', 'paid', 'expired', 'revoked')),
    agency         TEXT NOT NULL,
    issue_date     DATE NOT NULL,
    due_date       DATE NOT NULL,
    unit_fen       BIGINT NOT NULL,
    individual_fen BIGINT NOT NULL,
    interest_fen   BIGINT NOT NULL,
    late_fee_fen   BIGINT NOT NULL,
    total_fen      BIGINT NOT NULL,
    issued_by      TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    closed_at      TIMESTAMP
);
CREATE UNIQUE INDEX orders_order_no_key ON orders (order_no);
CREATE INDEX orders_unit_id_status_idx ON orders (unit_id, status);

-- One assessment line on an order, with the interest and late fee computed
-- on the issue date (days and rates kept so a unit can check them).
-- live: the order is live (or paid); a line is on at most one live order.
CREATE TABLE order_lines (
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
CREATE UNIQUE INDEX order_lines_assessment_id_key ON order_lines (assessment_id) WHERE live;
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id);

-- Idempotency-Key of an order issue: the same key returns the first response.
CREATE TABLE idempotency_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    key           TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response_json TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_unit_id_key_key ON idempotency_keys (unit_id, key);

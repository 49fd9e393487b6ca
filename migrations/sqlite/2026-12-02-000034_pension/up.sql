-- Retirement and the pension (issue 15; R-RET-1…4, R-PEN-1…3).
--
-- policy_pension_years: the pension parameters of a year, maintained by
-- staff with the policy role like the other parameters (R-POL-4): the
-- province's average monthly wage of on-post employees
-- (全省在岗职工月平均工资; the index's denominator and the basic part's
-- base) and the transitional coefficient (过渡系数). Province-wide, so not
-- per region.
CREATE TABLE policy_pension_years (
    year               INTEGER PRIMARY KEY NOT NULL CHECK (year BETWEEN 1990 AND 2999),
    average_wage_fen   BIGINT NOT NULL CHECK (average_wage_fen > 0),
    transitional_ppm   BIGINT NOT NULL CHECK (transitional_ppm BETWEEN 0 AND 100000),
    source             TEXT NOT NULL CHECK (source <> ''),
    illustrative       BOOLEAN NOT NULL,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- What staff recognised of a person's record before the system's own
-- data, each with the document it rests on: the individual account's
-- balance at the start of a year (it covers every month before that year)
-- and the deemed months (视同缴费).
CREATE TABLE person_pension_records (
    person_id           BIGINT PRIMARY KEY NOT NULL REFERENCES persons (id),
    opening_year        INTEGER CHECK (opening_year BETWEEN 1990 AND 2999),
    opening_balance_fen BIGINT CHECK (opening_balance_fen >= 0),
    opening_document    TEXT,
    deemed_months       INTEGER NOT NULL CHECK (deemed_months BETWEEN 0 AND 720),
    deemed_document     TEXT,
    updated_by          TEXT NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CHECK ((opening_year IS NULL) = (opening_balance_fen IS NULL)),
    CHECK ((opening_year IS NULL) = (opening_document IS NULL)),
    CHECK ((deemed_months = 0) = (deemed_document IS NULL))
);

-- Months of contribution history before the system's own data, entered by
-- staff from a document (one row a month, so the same month cannot be
-- entered twice).
CREATE TABLE person_contribution_history (
    person_id  BIGINT NOT NULL REFERENCES persons (id),
    period     INTEGER NOT NULL CHECK (period BETWEEN 195001 AND 299912),
    base_fen   BIGINT NOT NULL CHECK (base_fen > 0),
    place      TEXT NOT NULL CHECK (place <> ''),
    document   TEXT NOT NULL CHECK (document <> ''),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, period)
);

-- Retirement applications (职工正常退休(职)申请, 特殊工种/因病提前退休):
-- submitted by the unit, decided through the review queue (kind
-- 'retirement'). At most one application per person is pending or
-- approved (the partial unique index); a rejected one may be followed by a
-- new one (重新申请). The approval freezes the calculation it approved
-- (approved_json) and fixes the first pension month.
CREATE TABLE retirement_applications (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id              BIGINT NOT NULL REFERENCES units (id),
    person_id            BIGINT NOT NULL REFERENCES persons (id),
    business_item_id     BIGINT NOT NULL UNIQUE REFERENCES business_items (id),
    kind                 TEXT NOT NULL CHECK (kind IN ('normal', 'special_heavy', 'special_harmful', 'illness')),
    category             TEXT NOT NULL CHECK (category IN ('man', 'woman_cadre', 'woman_worker')),
    retirement_period    INTEGER NOT NULL CHECK (retirement_period BETWEEN 195001 AND 299912),
    special_months       INTEGER CHECK (special_months >= 0),
    status               TEXT NOT NULL CHECK (status IN ('pending_review', 'approved', 'rejected')),
    -- The calculation as submitted, for the reviewer.
    estimate_json        TEXT NOT NULL,
    -- The calculation approved, frozen.
    approved_json        TEXT,
    first_pension_period INTEGER,
    pension_fen          BIGINT,
    note                 TEXT,
    decision_note        TEXT,
    decided_by           TEXT,
    decided_at           TIMESTAMP,
    applied_by           TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    CHECK ((status = 'approved') = (approved_json IS NOT NULL)),
    CHECK ((status = 'approved') = (first_pension_period IS NOT NULL)),
    CHECK ((status = 'approved') = (pension_fen IS NOT NULL))
);
CREATE UNIQUE INDEX retirement_applications_person_id_key
    ON retirement_applications (person_id) WHERE status <> 'rejected';
CREATE INDEX retirement_applications_unit ON retirement_applications (unit_id, id);

-- The life of an approved pension (issue 15; R-PEN-4): the pension itself
-- (made by the retirement approval), where it is paid, its suspensions,
-- the yearly qualification checks (资格认证), death benefits through review,
-- and the monthly payroll (one per month; each month of a pension paid
-- once, which the primary key of pension_paid_months enforces).

-- The province's standards of the lump sums at death, from a year.
CREATE TABLE policy_death_benefits (
    from_year        INTEGER PRIMARY KEY NOT NULL CHECK (from_year BETWEEN 1990 AND 2999),
    funeral_grant_fen BIGINT NOT NULL CHECK (funeral_grant_fen >= 0),
    survivor_months  INTEGER NOT NULL CHECK (survivor_months BETWEEN 0 AND 60),
    source           TEXT NOT NULL CHECK (source <> ''),
    illustrative     BOOLEAN NOT NULL,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE pensions (
    person_id           BIGINT PRIMARY KEY NOT NULL REFERENCES persons (id),
    unit_id             BIGINT NOT NULL REFERENCES units (id),
    application_id      BIGINT NOT NULL UNIQUE REFERENCES retirement_applications (id),
    first_period        INTEGER NOT NULL,
    monthly_fen         BIGINT NOT NULL CHECK (monthly_fen >= 0),
    -- The 个人账户养老金 part and the account at retirement (inheritance).
    account_part_fen    BIGINT NOT NULL CHECK (account_part_fen >= 0),
    account_balance_fen BIGINT NOT NULL CHECK (account_balance_fen >= 0),
    -- Where it is paid (养老待遇发放账户): a bank account or the social
    -- security card's (启用社保卡发放); none until the unit sets it.
    payment_kind        TEXT CHECK (payment_kind IN ('bank', 'card')),
    bank_name           TEXT,
    account_name        TEXT,
    account_no          TEXT,
    death_period        INTEGER,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CHECK ((payment_kind IS NULL) = (account_no IS NULL))
);
CREATE INDEX pensions_unit ON pensions (unit_id, person_id);

CREATE TABLE pension_suspensions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   BIGINT NOT NULL REFERENCES pensions (person_id),
    from_period INTEGER NOT NULL,
    -- The last suspended month, set by the resumption; NULL while open.
    to_period   INTEGER,
    reason      TEXT NOT NULL CHECK (reason IN ('qualification_missing', 'imprisonment', 'other')),
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    resumed_by  TEXT,
    resumed_at  TIMESTAMP,
    CHECK (to_period IS NULL OR to_period >= from_period)
);
-- One open suspension a pension.
CREATE UNIQUE INDEX pension_suspensions_person_id_key
    ON pension_suspensions (person_id) WHERE to_period IS NULL;

-- 资格认证: one record a person and year.
CREATE TABLE pension_qualifications (
    person_id    BIGINT NOT NULL REFERENCES pensions (person_id),
    year         INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2999),
    certified_on DATE NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('face_recognition', 'counter', 'home_visit', 'data_comparison')),
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, year)
);

-- 丧葬补助金、抚恤金、个人账户余额继承 (retiree or death in service), through
-- review; one live application a person (the partial unique index).
CREATE TABLE death_benefit_applications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    person_id        BIGINT NOT NULL REFERENCES persons (id),
    business_item_id BIGINT NOT NULL UNIQUE REFERENCES business_items (id),
    in_service       BOOLEAN NOT NULL,
    death_date       DATE NOT NULL,
    death_period     INTEGER NOT NULL,
    heir_name        TEXT NOT NULL,
    heir_relation    TEXT NOT NULL,
    bank_name        TEXT NOT NULL,
    account_no       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending_review', 'approved', 'rejected')),
    calculation_json TEXT NOT NULL,
    approved_json    TEXT,
    payable_fen      BIGINT,
    paid_payroll_id  BIGINT,
    decision_note    TEXT,
    decided_by       TEXT,
    decided_at       TIMESTAMP,
    applied_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK ((status = 'approved') = (approved_json IS NOT NULL)),
    CHECK ((status = 'approved') = (payable_fen IS NOT NULL))
);
CREATE UNIQUE INDEX death_benefit_applications_person_id_key
    ON death_benefit_applications (person_id) WHERE status <> 'rejected';
CREATE INDEX death_benefit_applications_unit ON death_benefit_applications (unit_id, id);

-- The monthly payroll (养老金发放): one a month.
CREATE TABLE pension_payrolls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    period      INTEGER NOT NULL UNIQUE,
    lines       INTEGER NOT NULL,
    excluded    INTEGER NOT NULL,
    total_fen   BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- What a payroll pays, by person: the month, the arrears, death benefits.
CREATE TABLE pension_payroll_lines (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    payroll_id         BIGINT NOT NULL REFERENCES pension_payrolls (id),
    person_id          BIGINT NOT NULL REFERENCES persons (id),
    kind               TEXT NOT NULL CHECK (kind IN ('pension', 'arrears', 'death_benefit')),
    from_period        INTEGER,
    to_period          INTEGER,
    months             INTEGER NOT NULL CHECK (months >= 0),
    amount_fen         BIGINT NOT NULL CHECK (amount_fen >= 0),
    payment_kind       TEXT NOT NULL CHECK (payment_kind IN ('bank', 'card')),
    bank_name          TEXT NOT NULL,
    account_name       TEXT NOT NULL,
    account_no         TEXT NOT NULL
);
CREATE INDEX pension_payroll_lines_payroll ON pension_payroll_lines (payroll_id, id);

-- Each month of a pension is paid once, whatever runs.
CREATE TABLE pension_paid_months (
    person_id  BIGINT NOT NULL REFERENCES pensions (person_id),
    period     INTEGER NOT NULL,
    payroll_id BIGINT NOT NULL REFERENCES pension_payrolls (id),
    PRIMARY KEY (person_id, period)
);

-- Who a payroll left out, and why.
CREATE TABLE pension_payroll_exclusions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    payroll_id  BIGINT NOT NULL REFERENCES pension_payrolls (id),
    person_id   BIGINT NOT NULL REFERENCES persons (id),
    reason_code TEXT NOT NULL CHECK (reason_code IN ('suspended', 'ended', 'before_first_month', 'no_payment_account')),
    reason      TEXT NOT NULL
);
CREATE INDEX pension_payroll_exclusions_payroll ON pension_payroll_exclusions (payroll_id, id);

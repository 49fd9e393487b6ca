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

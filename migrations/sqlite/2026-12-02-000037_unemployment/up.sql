-- Unemployment benefit claims (issue 16; R-UNEMP-1, 2).
--
-- policy_unemployment_benefits: the benefit's parameters by region from a
-- year (R-POL-4): the minimum wage (最低工资标准), the percentage of it paid
-- and the subsistence allowance (城市居民最低生活保障标准), the floor.
CREATE TABLE policy_unemployment_benefits (
    region_code      TEXT NOT NULL REFERENCES regions (code),
    from_year        INTEGER NOT NULL CHECK (from_year BETWEEN 1990 AND 2999),
    minimum_wage_fen BIGINT NOT NULL CHECK (minimum_wage_fen > 0),
    percentage_ppm   BIGINT NOT NULL CHECK (percentage_ppm BETWEEN 1 AND 1000000),
    subsistence_fen  BIGINT NOT NULL CHECK (subsistence_fen >= 0),
    source           TEXT NOT NULL CHECK (source <> ''),
    illustrative     BOOLEAN NOT NULL,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (region_code, from_year)
);

-- 失业保险金申领（单位）: the unit submits the claim of a former employee,
-- decided through review. One pending claim a person (the partial unique
-- index); the figures as computed are kept, and frozen by the approval.
CREATE TABLE unemployment_claims (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    person_id        BIGINT NOT NULL REFERENCES persons (id),
    business_item_id BIGINT NOT NULL UNIQUE REFERENCES business_items (id),
    end_reason       TEXT NOT NULL CHECK (end_reason IN ('dismissal', 'not_renewed', 'unit_closed', 'forced_resignation')),
    end_date         DATE NOT NULL,
    registered_on    DATE NOT NULL,
    first_period     INTEGER NOT NULL,
    months           INTEGER NOT NULL CHECK (months BETWEEN 1 AND 24),
    monthly_fen      BIGINT NOT NULL CHECK (monthly_fen > 0),
    total_fen        BIGINT NOT NULL CHECK (total_fen > 0),
    status           TEXT NOT NULL CHECK (status IN ('pending_review', 'approved', 'rejected')),
    calculation_json TEXT NOT NULL,
    decision_note    TEXT,
    decided_by       TEXT,
    decided_at       TIMESTAMP,
    applied_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX unemployment_claims_person_id_key
    ON unemployment_claims (person_id) WHERE status = 'pending_review';
CREATE INDEX unemployment_claims_unit ON unemployment_claims (unit_id, id);
CREATE INDEX unemployment_claims_person ON unemployment_claims (person_id, id);

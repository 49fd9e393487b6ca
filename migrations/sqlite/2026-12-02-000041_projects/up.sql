-- Project-based work-injury insurance for construction and mining (按项目
-- 参保, issue 16; R-PROJ-1, 2).
--
-- policy_project_rates: the premium rate of a project type in a region from
-- a year (R-POL-4).
CREATE TABLE policy_project_rates (
    region_code  TEXT NOT NULL REFERENCES regions (code),
    kind         TEXT NOT NULL CHECK (kind IN ('construction', 'mining')),
    from_year    INTEGER NOT NULL CHECK (from_year BETWEEN 1990 AND 2999),
    rate_ppm     BIGINT NOT NULL CHECK (rate_ppm BETWEEN 1 AND 1000000),
    source       TEXT NOT NULL CHECK (source <> ''),
    illustrative BOOLEAN NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (region_code, kind, from_year)
);

-- A project registered by its general contractor (a unit). The project's
-- number is unique; registered_end_date is the end the registration
-- premium paid for (an extension bills pro rata to that term).
CREATE TABLE projects (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id             BIGINT NOT NULL REFERENCES units (id),
    project_no          TEXT NOT NULL UNIQUE CHECK (project_no <> ''),
    name                TEXT NOT NULL CHECK (name <> ''),
    kind                TEXT NOT NULL CHECK (kind IN ('construction', 'mining')),
    site                TEXT NOT NULL CHECK (site <> ''),
    region_code         TEXT NOT NULL REFERENCES regions (code),
    start_date          DATE NOT NULL,
    end_date            DATE NOT NULL,
    registered_end_date DATE NOT NULL,
    contract_value_fen  BIGINT NOT NULL CHECK (contract_value_fen > 0),
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date AND registered_end_date >= start_date AND end_date >= registered_end_date)
);
CREATE INDEX projects_unit ON projects (unit_id, id);

-- What a project owes: the registration premium and each change's
-- difference, with the figures it was computed from.
CREATE TABLE project_charges (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id         BIGINT NOT NULL REFERENCES projects (id),
    business_item_id   BIGINT NOT NULL UNIQUE REFERENCES business_items (id),
    reason             TEXT NOT NULL CHECK (reason IN ('registration', 'change')),
    contract_value_fen BIGINT NOT NULL CHECK (contract_value_fen > 0),
    end_date           DATE NOT NULL,
    rate_ppm           BIGINT NOT NULL CHECK (rate_ppm BETWEEN 1 AND 1000000),
    value_part_fen     BIGINT NOT NULL CHECK (value_part_fen >= 0),
    extension_part_fen BIGINT NOT NULL CHECK (extension_part_fen >= 0),
    amount_fen         BIGINT NOT NULL CHECK (amount_fen > 0 AND amount_fen = value_part_fen + extension_part_fen),
    calculation        TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX project_charges_project ON project_charges (project_id, id);

-- The payment orders (应缴认定单) that billed a charge: one at a time live
-- or paid (the app locks the project row before billing); an expired or
-- revoked one leaves the charge to be billed again.
CREATE TABLE project_charge_orders (
    order_id   BIGINT NOT NULL PRIMARY KEY REFERENCES orders (id),
    charge_id  BIGINT NOT NULL REFERENCES project_charges (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_charge_orders_charge ON project_charge_orders (charge_id);

-- The real-name roster (建筑工程项目职工参保名册): a worker is on a project's
-- roster once at a time (the partial unique index); person_id links the
-- worker to the insured person when there is one.
CREATE TABLE project_workers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL REFERENCES projects (id),
    person_id  BIGINT REFERENCES persons (id),
    id_type    TEXT NOT NULL CHECK (id_type IN ('resident', 'passport', 'residence_permit')),
    id_number  TEXT NOT NULL CHECK (id_number <> ''),
    name       TEXT NOT NULL CHECK (name <> ''),
    entered_on DATE NOT NULL,
    left_on    DATE,
    added_by   TEXT NOT NULL,
    removed_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (left_on IS NULL OR left_on >= entered_on)
);
CREATE UNIQUE INDEX project_workers_project_id_id_number_key
    ON project_workers (project_id, id_number) WHERE left_on IS NULL;
CREATE INDEX project_workers_project ON project_workers (project_id, id);
CREATE INDEX project_workers_id_number ON project_workers (id_number);

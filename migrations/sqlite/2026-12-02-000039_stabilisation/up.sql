-- The end of an employment and the job-stabilisation refund (issue 16;
-- R-UNEMP-1, R-STAB-1).
--
-- employments.end_reason: why the employment ended (R-UNEMP-1), given by
-- the unit when it stops the relation (停保); NULL where no reason was
-- given (stops before this migration, or a stop without one).
ALTER TABLE employments ADD COLUMN end_reason TEXT
    CHECK (end_reason IN ('dismissal', 'not_renewed', 'unit_closed', 'forced_resignation',
                          'resignation', 'other_voluntary'));

-- units.size_class: 大型企业 or 中小微企业 (R-STAB-1's share), kept by staff;
-- most insured units are small or medium, which is the default.
ALTER TABLE units ADD COLUMN size_class TEXT NOT NULL DEFAULT 'small_medium'
    CHECK (size_class IN ('large', 'small_medium'));

-- The refund's parameters by year (R-STAB-1, R-POL-4): the layoff-rate
-- thresholds and the shares refunded by size class.
CREATE TABLE policy_stabilisation_years (
    year                     INTEGER NOT NULL PRIMARY KEY CHECK (year BETWEEN 2000 AND 2999),
    layoff_threshold_ppm     BIGINT NOT NULL CHECK (layoff_threshold_ppm BETWEEN 1 AND 1000000),
    small_unit_threshold_ppm BIGINT NOT NULL CHECK (small_unit_threshold_ppm BETWEEN 1 AND 1000000),
    small_unit_headcount     INTEGER NOT NULL CHECK (small_unit_headcount >= 1),
    large_share_ppm          BIGINT NOT NULL CHECK (large_share_ppm BETWEEN 1 AND 1000000),
    small_medium_share_ppm   BIGINT NOT NULL CHECK (small_medium_share_ppm BETWEEN 1 AND 1000000),
    source                   TEXT NOT NULL CHECK (source <> ''),
    illustrative             BOOLEAN NOT NULL,
    created_at               TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- 稳岗返还（稳岗补贴）申领: one live application per unit and year (the
-- partial unique index; a rejected one may be made again), decided through
-- review and paid out by finance to the unit's refund account, whose
-- details are copied at application. The figures as computed are kept.
CREATE TABLE stabilisation_refunds (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    year             INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    business_item_id BIGINT NOT NULL UNIQUE REFERENCES business_items (id),
    amount_fen       BIGINT NOT NULL CHECK (amount_fen > 0),
    status           TEXT NOT NULL CHECK (status IN ('pending_review', 'approved', 'rejected', 'paid_out')),
    calculation_json TEXT NOT NULL,
    bank_name        TEXT NOT NULL CHECK (bank_name <> ''),
    account_name     TEXT NOT NULL CHECK (account_name <> ''),
    account_no       TEXT NOT NULL CHECK (account_no <> ''),
    decision_note    TEXT,
    decided_by       TEXT,
    decided_at       TIMESTAMP,
    paid_out_by      TEXT,
    paid_out_at      TIMESTAMP,
    payout_reference TEXT,
    applied_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (status <> 'paid_out' OR (paid_out_at IS NOT NULL AND payout_reference IS NOT NULL))
);
CREATE UNIQUE INDEX stabilisation_refunds_unit_id_year_key
    ON stabilisation_refunds (unit_id, year) WHERE status <> 'rejected';
CREATE INDEX stabilisation_refunds_unit ON stabilisation_refunds (unit_id, id);

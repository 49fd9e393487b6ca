-- Unit registration and unit information (issue 3): the legal
-- representative's phone and the unit's contact fields, the stop month of a
-- unit's insurance, audited USCC checksum exceptions and refund bank accounts.

ALTER TABLE units ADD COLUMN legal_rep_phone TEXT;
ALTER TABLE units ADD COLUMN contact_name TEXT;
ALTER TABLE units ADD COLUMN contact_phone TEXT;
ALTER TABLE units ADD COLUMN email TEXT;

-- The last insured month when the unit stopped the insurance (单位减少险种).
ALTER TABLE unit_insurances ADD COLUMN stop_period INTEGER
    CHECK (stop_period BETWEEN 199001 AND 299912 AND stop_period % 100 BETWEEN 1 AND 12);

-- R-ID-2: a USCC that fails the checksum but is real (early pilot regions),
-- registered by a reviewer; exactly that code may then be used.
CREATE TABLE uscc_exceptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uscc       TEXT NOT NULL CHECK (length(uscc) = 18),
    reason     TEXT NOT NULL CHECK (reason <> ''),
    created_by TEXT NOT NULL CHECK (created_by <> ''),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX uscc_exceptions_uscc_key ON uscc_exceptions (uscc);

-- 退收银行账户: where refunds are paid; at most one active account per
-- unit and purpose.
CREATE TABLE unit_bank_accounts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    purpose        TEXT NOT NULL CHECK (purpose IN ('refund')),
    bank_name      TEXT NOT NULL CHECK (bank_name <> ''),
    account_name   TEXT NOT NULL CHECK (account_name <> ''),
    account_number TEXT NOT NULL
                   CHECK (length(account_number) BETWEEN 8 AND 30 AND account_number NOT GLOB '*[^0-9]*'),
    status         TEXT NOT NULL CHECK (status IN ('active', 'removed')),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX unit_bank_accounts_unit_id_purpose_key
    ON unit_bank_accounts (unit_id, purpose) WHERE status = 'active';
CREATE INDEX unit_bank_accounts_unit_id_idx ON unit_bank_accounts (unit_id);

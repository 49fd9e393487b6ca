-- The inter-province platform (issue 16; R-TRANS-1) signs in with client
-- credentials like the tax bureau: clients get a role, sessions a kind.
-- SQLite cannot alter a CHECK, so auth_sessions is rebuilt with the same
-- rows and index.
PRAGMA foreign_keys = OFF;
BEGIN;
ALTER TABLE tax_clients ADD COLUMN role TEXT NOT NULL DEFAULT 'tax' CHECK (role IN ('tax', 'platform'));
CREATE TABLE auth_sessions_new (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('legal_rep', 'agent', 'staff', 'payroll', 'tax', 'platform')),
    subject        TEXT NOT NULL,
    name           TEXT NOT NULL,
    unit_id        BIGINT REFERENCES units (id),
    roles          TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL CHECK (channel IN ('portal', 'counter', 'api', 'system')),
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    read_after_lsn TEXT
);
INSERT INTO auth_sessions_new SELECT id, kind, subject, name, unit_id, roles, channel, created_at, expires_at, revoked_at, read_after_lsn FROM auth_sessions;
DROP TABLE auth_sessions;
ALTER TABLE auth_sessions_new RENAME TO auth_sessions;
CREATE INDEX auth_sessions_subject_idx ON auth_sessions (kind, subject);

-- Transfers of a pension relation across provinces (issue 16; R-TRANS-1,
-- 2). Two directions seen from this province:
-- - 'in' (转入): a unit applies for its employee who came from another
--   province; the request goes to the inter-province platform, the old
--   place accepts it and answers with the months paid there and the money
--   moved, which are recorded here (person_contribution_history rows with
--   the place, and the account as a sum arriving in its month);
-- - 'out' (转出): another province asks, through the platform, for a person
--   who left; staff transfer (the amounts of the 参保缴费凭证) or refuse.
-- The old place transfers within 15 working days of the request (due_on,
-- by the State Council calendar). At most one open transfer per person and
-- direction (the partial unique index); the number is unique per direction
-- (ours for 'in', the platform's request number for 'out', so a request
-- sent twice is one request).
CREATE TABLE pension_transfers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    direction          TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    transfer_no        TEXT NOT NULL CHECK (transfer_no <> ''),
    status             TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'completed', 'refused')),
    person_id          BIGINT NOT NULL REFERENCES persons (id),
    -- 'in': the applying unit; 'out': the unit of the last pension relation
    -- here (it sees the steps), if any.
    unit_id            BIGINT REFERENCES units (id),
    business_item_id   BIGINT UNIQUE REFERENCES business_items (id),
    -- The other province's place and agency (转出地 / 转入地).
    other_place        TEXT NOT NULL CHECK (other_place <> ''),
    other_agency       TEXT,
    -- The person as the request names them (an 'out' request's own words).
    id_number          TEXT NOT NULL,
    name               TEXT NOT NULL,
    requested_on       DATE NOT NULL,
    due_on             DATE NOT NULL,
    accepted_on        DATE,
    transferred_on     DATE,
    recorded_on        DATE,
    refused_on         DATE,
    refusal            TEXT,
    -- What moved (as received for 'in', as sent for 'out').
    months             INTEGER CHECK (months >= 0),
    account_fen        BIGINT CHECK (account_fen >= 0),
    pooled_fen         BIGINT CHECK (pooled_fen >= 0),
    answer_json        TEXT,
    -- 'in': the month the account sum was credited here.
    arrived_period     INTEGER CHECK (arrived_period BETWEEN 195001 AND 299912),
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    CHECK ((status = 'refused') = (refused_on IS NOT NULL AND refusal IS NOT NULL)),
    CHECK ((status = 'completed') = (transferred_on IS NOT NULL AND answer_json IS NOT NULL AND account_fen IS NOT NULL)),
    CHECK (direction = 'out' OR (status = 'completed') = (arrived_period IS NOT NULL))
);
CREATE UNIQUE INDEX pension_transfers_direction_transfer_no_key ON pension_transfers (direction, transfer_no);
CREATE UNIQUE INDEX pension_transfers_person_id_direction_key ON pension_transfers (person_id, direction)
    WHERE status <> 'completed' AND status <> 'refused';
CREATE INDEX pension_transfers_unit ON pension_transfers (unit_id, id);
CREATE INDEX pension_transfers_person ON pension_transfers (person_id);
CREATE INDEX pension_transfers_direction ON pension_transfers (direction, id);

-- History months that arrived with a transfer: they count, and credit the
-- account nothing of their own (the transferred balance holds them). No
-- foreign key: the answer writes the transfer and its months in one
-- transaction, and SQLite could not drop a referencing column on down.
ALTER TABLE person_contribution_history ADD COLUMN transfer_id BIGINT;
CREATE INDEX person_contribution_history_transfer ON person_contribution_history (transfer_id);
COMMIT;
PRAGMA foreign_keys = ON;

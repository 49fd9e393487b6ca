PRAGMA foreign_keys = OFF;
BEGIN;
DROP INDEX person_contribution_history_transfer;
ALTER TABLE person_contribution_history DROP COLUMN transfer_id;
DROP TABLE pension_transfers;
DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM auth_sessions WHERE kind = 'platform');
CREATE TABLE auth_sessions_new (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('legal_rep', 'agent', 'staff', 'payroll', 'tax')),
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
INSERT INTO auth_sessions_new SELECT id, kind, subject, name, unit_id, roles, channel, created_at, expires_at, revoked_at, read_after_lsn FROM auth_sessions WHERE kind <> 'platform';
DROP TABLE auth_sessions;
ALTER TABLE auth_sessions_new RENAME TO auth_sessions;
CREATE INDEX auth_sessions_subject_idx ON auth_sessions (kind, subject);
DELETE FROM tax_clients WHERE role = 'platform';
ALTER TABLE tax_clients DROP COLUMN role;
COMMIT;
PRAGMA foreign_keys = ON;

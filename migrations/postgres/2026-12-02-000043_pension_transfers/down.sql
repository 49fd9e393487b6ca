DROP INDEX person_contribution_history_transfer;
ALTER TABLE person_contribution_history DROP COLUMN transfer_id;
DROP TABLE pension_transfers;
DELETE FROM auth_sessions WHERE kind = 'platform';
ALTER TABLE auth_sessions DROP CONSTRAINT auth_sessions_kind_check;
ALTER TABLE auth_sessions ADD CONSTRAINT auth_sessions_kind_check
    CHECK (kind IN ('legal_rep', 'agent', 'staff', 'payroll', 'tax'));
DELETE FROM tax_clients WHERE role = 'platform';
ALTER TABLE tax_clients DROP COLUMN role;

DROP TABLE unit_bank_accounts;
DROP TABLE uscc_exceptions;
ALTER TABLE unit_insurances DROP COLUMN stop_period;
ALTER TABLE units DROP COLUMN email;
ALTER TABLE units DROP COLUMN contact_phone;
ALTER TABLE units DROP COLUMN contact_name;
ALTER TABLE units DROP COLUMN legal_rep_phone;

ALTER TABLE auth_sessions DROP COLUMN read_after_lsn;

-- Read-your-writes with a read replica (QIBAO_READ_DATABASE_URL, issue 14):
-- the primary's WAL position after the session's last successful write. A
-- replica that has not replayed up to it does not serve the session's
-- reads (they go to the primary). Kept only when a replica is configured;
-- NULL otherwise, and on SQLite, which has no replicas.
ALTER TABLE auth_sessions ADD COLUMN read_after_lsn TEXT;

-- One store for every Idempotency-Key (issue 14): the first answer of a
-- creating POST, kept for 24 hours and replayed to a retry with the same key.
-- Replaces the order issue's and the refund's table and the import's column.
CREATE TABLE idempotent_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Whose key: 'unit:<id>' for a unit's users and API keys,
    -- '<role>:<subject>' for staff and the tax bureau.
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    -- SHA-256 (hex) of the method, path, query and body: a key reused for
    -- another request is refused.
    fingerprint  TEXT NOT NULL CHECK (length(fingerprint) = 64),
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    -- NULL while the first request runs; then its status, headers (JSON)
    -- and body.
    status       INTEGER,
    headers      TEXT,
    body         BLOB,
    -- A request still running past this time was abandoned (its node
    -- stopped): the next retry runs it again.
    locked_until TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE UNIQUE INDEX idempotent_requests_scope_key ON idempotent_requests (scope, key);
CREATE INDEX idempotent_requests_created_at_idx ON idempotent_requests (created_at);

DROP TABLE idempotency_keys;
DROP INDEX imports_idempotency_key;
ALTER TABLE imports DROP COLUMN idempotency_key;

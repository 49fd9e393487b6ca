ALTER TABLE imports ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX imports_idempotency_key ON imports (unit_id, idempotency_key);
CREATE TABLE idempotency_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    key           TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response_json TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_unit_id_key_key ON idempotency_keys (unit_id, key);
DROP TABLE idempotent_requests;

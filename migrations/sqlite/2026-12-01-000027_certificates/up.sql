-- Certificates (参保证明, R-CERT-1…3, issue 13): the content frozen at issue
-- as canonical JSON, its Ed25519 signature by the agency's key (key_id
-- names the key), the authorisation code (normalised, unique), and until
-- when it can be verified publicly. Never updated.
CREATE TABLE certificates (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code             TEXT NOT NULL CHECK (length(code) = 20),
    kind             TEXT NOT NULL CHECK (kind IN ('unit', 'personal')),
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    person_id        BIGINT REFERENCES persons (id),
    content          TEXT NOT NULL,
    signature        TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    business_item_id BIGINT NOT NULL REFERENCES business_items (id),
    issued_at        TIMESTAMP NOT NULL,
    verifiable_until TIMESTAMP NOT NULL,
    CHECK ((kind = 'personal') = (person_id IS NOT NULL))
);
CREATE UNIQUE INDEX certificates_code_key ON certificates (code);
CREATE INDEX certificates_unit_id_issued_at_idx ON certificates (unit_id, issued_at);

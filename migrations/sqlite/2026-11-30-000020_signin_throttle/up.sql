-- Sign-in throttling (issue 11): failures per key, where a key is the
-- SHA-256 of a normalised account identifier (known or not) or of a client
-- address. Replaces the per-account lock-out columns, which stay unused.
CREATE TABLE signin_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL
);

-- Webhooks (issue 14): addresses a unit's legal representative registered
-- to receive the unit's events (unit_events) by HTTPS POST, signed with the
-- endpoint's secret.
--
-- Delivery is a transactional outbox read by the server's webhook workers:
-- a worker fans an endpoint's new events (seq > cursor_seq) out into
-- webhook_deliveries and advances cursor_seq in one transaction, so each
-- event gets exactly one delivery per endpoint (also UNIQUE below); a
-- delivery is then attempted, with back-off, until a 2xx answer or 24 hours
-- (then 'dead'); each attempt is logged in webhook_attempts. A worker leases
-- a delivery (locked_by, locked_until) while it sends it, so two nodes never
-- send it at once.
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    url         TEXT NOT NULL,
    -- Comma-separated event type codes; empty: every type.
    event_types TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The signing secret (shown to the unit once, at registration).
    secret      TEXT NOT NULL,
    -- The unit's last event seq already turned into deliveries.
    cursor_seq  BIGINT NOT NULL CHECK (cursor_seq >= 0),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    removed_at  TIMESTAMP
);
CREATE INDEX webhook_endpoints_unit ON webhook_endpoints (unit_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    unit_id         BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMP NOT NULL,
    give_up_at      TIMESTAMP NOT NULL,
    locked_by       TEXT,
    locked_until    TIMESTAMP,
    last_status     INTEGER,
    last_error      TEXT,
    last_attempt_at TIMESTAMP,
    delivered_at    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (endpoint_id, seq),
    FOREIGN KEY (unit_id, seq) REFERENCES unit_events (unit_id, seq),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    n           INTEGER NOT NULL CHECK (n >= 1),
    at          TIMESTAMP NOT NULL,
    node        TEXT NOT NULL,
    -- The HTTP status answered; NULL when none came (refused, timed out).
    status      INTEGER,
    -- Why it failed (NULL when delivered).
    error       TEXT,
    duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0),
    PRIMARY KEY (delivery_id, n)
);

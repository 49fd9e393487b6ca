-- The unit's event feed (issue 14): what happened to the unit's business
-- items, orders and jobs, in the order it was committed. Appended in the
-- transaction of the change itself (a transactional outbox, like the tax
-- feed): an event exists if and only if its change committed. `seq` counts
-- per unit from the unit's counter row, whose lock orders the unit's
-- writers, so a reader resuming after a seq never misses a later commit.
CREATE TABLE unit_event_counters (
    unit_id  BIGINT PRIMARY KEY REFERENCES units (id),
    last_seq BIGINT NOT NULL
);
CREATE TABLE unit_events (
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    seq        BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    -- The resource the event is about (its API path).
    subject    TEXT NOT NULL,
    -- JSON object: what changed (ids, kind, status).
    data       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, seq)
);

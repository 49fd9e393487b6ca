-- Per-unit deferral (缓缴, R-BACK-5 as amended; issue 11): the months a unit
-- confirmed it defers (2022年定向阶段缓缴期确认), with who confirmed, through
-- which channel and when, and the business item that recorded it. Only a
-- confirmed month of a scheme the region allows waives late fees. One row
-- per unit and month, enforced here, so two concurrent confirmations of a
-- month cannot both write one.
CREATE TABLE unit_deferrals (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    period           INTEGER NOT NULL
                     CHECK (period BETWEEN 199001 AND 299912 AND period % 100 BETWEEN 1 AND 12),
    business_item_id BIGINT NOT NULL REFERENCES business_items (id),
    confirmed_by     TEXT NOT NULL CHECK (confirmed_by <> ''),
    channel          TEXT NOT NULL CHECK (channel IN ('portal', 'counter', 'api')),
    confirmed_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX unit_deferrals_unit_id_period_key ON unit_deferrals (unit_id, period);

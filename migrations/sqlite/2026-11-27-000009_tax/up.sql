-- The tax bureau (issue 6): the feed of orders to collect, the events tax
-- sends (invoiced, paid, reversed) idempotent by serial, every message kept,
-- the tax statements for reconciliation, and the order's progress (R-PAY-1).

-- Progress of an order: 税务开票, 税务登账 (the bank's time), 社保登账,
-- 实收分配. Cleared again when tax reverses the payment.
ALTER TABLE orders ADD COLUMN invoiced_at TIMESTAMP;
ALTER TABLE orders ADD COLUMN invoice_no TEXT;
ALTER TABLE orders ADD COLUMN tax_booked_at TIMESTAMP;
ALTER TABLE orders ADD COLUMN booked_at TIMESTAMP;
ALTER TABLE orders ADD COLUMN allocated_at TIMESTAMP;
ALTER TABLE orders ADD COLUMN paid_serial TEXT;
-- The expiry sweep before every feed read.
CREATE INDEX orders_status_due_date_idx ON orders (status, due_date);

-- The 2-digit sequence of the order numbers issued in one second (the
-- number's first 14 digits): concurrent issues of the same second wait for
-- each other's row instead of colliding on the order number.
CREATE TABLE order_no_counters (
    prefix   TEXT PRIMARY KEY NOT NULL CHECK (length(prefix) = 14),
    last_seq BIGINT NOT NULL
);

-- The feed's cursor. Every append takes the next value by updating this one
-- row, which holds the row lock until the appending transaction commits: feed
-- entries become visible in cursor order, so a reader that resumes after the
-- last cursor it saw never misses one.
CREATE TABLE tax_feed_counter (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO tax_feed_counter (id, last_seq) VALUES (1, 0);

-- One entry per change of an order the tax bureau must know of.
CREATE TABLE tax_feed (
    seq        BIGINT PRIMARY KEY NOT NULL,
    order_id   BIGINT NOT NULL REFERENCES orders (id),
    event      TEXT NOT NULL CHECK (event IN ('issued', 'revoked', 'expired')),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tax_feed_order_id_event_key ON tax_feed (order_id, event);

-- The first delivery of each tax serial and the answer it got; a replay
-- answers the same. outcome: accepted or refused (refused ones are kept and
-- reported in reconciliation). business_date: the China date of the bank's
-- time (paid), or of the receipt.
CREATE TABLE tax_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    serial          TEXT NOT NULL CHECK (serial <> ''),
    kind            TEXT NOT NULL CHECK (kind IN ('invoiced', 'paid', 'reversed')),
    order_no        TEXT NOT NULL,
    order_id        BIGINT REFERENCES orders (id),
    amount_fen      BIGINT NOT NULL,
    invoice_no      TEXT,
    bank_time       TIMESTAMP,
    original_serial TEXT,
    business_date   DATE NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('accepted', 'refused')),
    code            TEXT,
    detail          TEXT,
    request_hash    TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_json   TEXT NOT NULL,
    client          TEXT NOT NULL,
    received_at     TIMESTAMP NOT NULL,
    reversed_by     TEXT
);
CREATE UNIQUE INDEX tax_events_serial_key ON tax_events (serial);
-- One booked payment per order, one accepted reversal per payment.
CREATE UNIQUE INDEX tax_events_order_paid_key ON tax_events (order_id)
    WHERE kind = 'paid' AND outcome = 'accepted' AND reversed_by IS NULL;
CREATE UNIQUE INDEX tax_events_reversal_key ON tax_events (original_serial)
    WHERE kind = 'reversed' AND outcome = 'accepted';
CREATE INDEX tax_events_business_date_idx ON tax_events (business_date, kind);
CREATE INDEX tax_events_order_id_idx ON tax_events (order_id);

-- Every message from the tax bureau, as received (replays and malformed
-- ones included), with the status it was answered with.
CREATE TABLE tax_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    client          TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    serial          TEXT,
    body            TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    replay          BOOLEAN NOT NULL,
    received_at     TIMESTAMP NOT NULL
);
CREATE INDEX tax_messages_serial_idx ON tax_messages (serial);

-- The tax bureau's own statement of a day (对账单): one row per payment it
-- collected. A new statement of the same day replaces the previous one.
CREATE TABLE tax_statement_lines (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    business_date DATE NOT NULL,
    serial        TEXT NOT NULL,
    order_no      TEXT NOT NULL,
    amount_fen    BIGINT NOT NULL,
    received_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tax_statement_lines_business_date_serial_key
    ON tax_statement_lines (business_date, serial);

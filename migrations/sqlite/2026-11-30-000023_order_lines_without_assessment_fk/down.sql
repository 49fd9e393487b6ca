PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE order_lines_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id             BIGINT NOT NULL,
    assessment_id        BIGINT NOT NULL REFERENCES assessments (id),
    live                 BOOLEAN NOT NULL,
    interest_fen         BIGINT NOT NULL CHECK (interest_fen >= 0),
    interest_days        BIGINT NOT NULL CHECK (interest_days >= 0),
    interest_detail      TEXT NOT NULL,
    late_fee_fen         BIGINT NOT NULL CHECK (late_fee_fen >= 0),
    late_fee_days        BIGINT NOT NULL CHECK (late_fee_days >= 0),
    late_fee_rate_ppm    BIGINT NOT NULL,
    late_fee_from        DATE,
    late_fee_note        TEXT
);
INSERT INTO order_lines_new SELECT * FROM order_lines;
DELETE FROM sqlite_sequence WHERE name = 'order_lines_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'order_lines_new', seq FROM sqlite_sequence
    WHERE name = 'order_lines';
DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;
CREATE UNIQUE INDEX order_lines_assessment_id_key ON order_lines (assessment_id) WHERE live;
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id, id);
COMMIT;
PRAGMA foreign_keys = ON;

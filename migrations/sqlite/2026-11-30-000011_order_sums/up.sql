-- The sums of each order's lines by insurance, kind and period (R-DECL-4),
-- written with the order in the issuing transaction: reading an order then
-- reads a few rows whatever its size (an order of 50,000 employees has
-- 150,000 lines a month). Orders issued before this migration get theirs
-- from their lines.
CREATE TABLE order_sums (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id       BIGINT NOT NULL REFERENCES orders (id),
    insurance      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    period         INTEGER NOT NULL,
    lines          BIGINT NOT NULL CHECK (lines > 0),
    unit_fen       BIGINT NOT NULL,
    individual_fen BIGINT NOT NULL,
    interest_fen   BIGINT NOT NULL,
    late_fee_fen   BIGINT NOT NULL
);
CREATE UNIQUE INDEX order_sums_order_id_key ON order_sums (order_id, insurance, kind, period);

INSERT INTO order_sums (order_id, insurance, kind, period, lines, unit_fen, individual_fen,
                        interest_fen, late_fee_fen)
SELECT l.order_id, a.insurance, a.kind, a.period, COUNT(*), SUM(a.unit_fen),
       SUM(a.individual_fen), SUM(l.interest_fen), SUM(l.late_fee_fen)
FROM order_lines l JOIN assessments a ON a.id = l.assessment_id
GROUP BY l.order_id, a.insurance, a.kind, a.period;

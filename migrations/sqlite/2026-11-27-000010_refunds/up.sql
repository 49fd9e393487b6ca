-- Refunds of over-payment (多缴退费, R-REF-1…5): the unit's applications
-- (退费单) and the lines they refund. Money: BIGINT fen; periods YYYYMM.

-- One application of a unit for one person. status: pending_review (waiting
-- for the reviewer), approved, rejected (the reviewer's reason in
-- review_note), paid_out (finance paid it to the bank account below).
-- The bank account is a snapshot of the unit's refund account (退收银行账户,
-- R-REF-3) when applying: a later change of the account does not redirect
-- money already applied for. document_type: the supporting document
-- uploaded (termination_notice 解除劳动合同通知书, staff_reduction_form 减员表).
CREATE TABLE refund_applications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    refund_no        TEXT NOT NULL CHECK (refund_no <> ''),
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    person_id        BIGINT NOT NULL REFERENCES persons (id),
    business_item_id BIGINT NOT NULL REFERENCES business_items (id),
    status           TEXT NOT NULL
                     CHECK (status IN ('pending_review', 'approved', 'rejected', 'paid_out')),
    total_fen        BIGINT NOT NULL CHECK (total_fen > 0),
    bank_name        TEXT NOT NULL,
    account_name     TEXT NOT NULL,
    account_no       TEXT NOT NULL,
    document_type    TEXT NOT NULL
                     CHECK (document_type IN ('termination_notice', 'staff_reduction_form')),
    reason           TEXT,
    applied_by       TEXT NOT NULL,
    applied_at       TIMESTAMP NOT NULL,
    reviewed_by      TEXT,
    reviewed_at      TIMESTAMP,
    review_note      TEXT,
    paid_out_by      TEXT,
    paid_out_at      TIMESTAMP,
    payout_reference TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (status <> 'paid_out' OR (paid_out_at IS NOT NULL AND payout_reference IS NOT NULL))
);
CREATE UNIQUE INDEX refund_applications_refund_no_key ON refund_applications (refund_no);
CREATE UNIQUE INDEX refund_applications_business_item_id_key
    ON refund_applications (business_item_id);
CREATE INDEX refund_applications_unit_id_idx ON refund_applications (unit_id, id);
CREATE INDEX refund_applications_status_idx ON refund_applications (status, id);
CREATE INDEX refund_applications_person_id_idx ON refund_applications (person_id);

-- One refunded assessment line: the unit part and individual part refunded
-- (principal only; interest and late fees are never refunded, R-LATE-3).
-- live: the application is not rejected. A line is under at most one live
-- refund: two applications, concurrent ones included, can never refund the
-- same line twice. A rejection frees its lines (live = false).
CREATE TABLE refund_lines (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES refund_applications (id),
    assessment_id  BIGINT NOT NULL REFERENCES assessments (id),
    insurance      TEXT NOT NULL CHECK (insurance IN ('110', '210', '410')),
    period         INTEGER NOT NULL
                   CHECK (period BETWEEN 199001 AND 299912 AND period % 100 BETWEEN 1 AND 12),
    unit_fen       BIGINT NOT NULL CHECK (unit_fen >= 0),
    individual_fen BIGINT NOT NULL CHECK (individual_fen >= 0),
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0 AND amount_fen = unit_fen + individual_fen),
    live           BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX refund_lines_assessment_id_key ON refund_lines (assessment_id) WHERE live;
CREATE INDEX refund_lines_application_id_idx ON refund_lines (application_id);
CREATE INDEX refund_lines_assessment_id_idx ON refund_lines (assessment_id);

-- Refund numbers (退费单号 TF + date + sequence).
INSERT INTO number_sequences (name, next_value) VALUES ('refund_no', 1);

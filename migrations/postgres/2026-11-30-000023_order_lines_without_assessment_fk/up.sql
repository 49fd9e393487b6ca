-- order_lines.assessment_id -> assessments: dropped. Its check cost the
-- order issue ~5 us a line (0.75 s of the 1.5 s INSERT ... SELECT of
-- 150,000 lines): each check locks the assessment row (FOR KEY SHARE), a
-- WAL record per line. What it guaranteed is kept otherwise:
-- - on insert: the issuing transaction bills exactly the lines it put on the
--   order (one UPDATE pending -> billed, its count checked against the
--   lines inserted), so every line exists, was pending and is locked until
--   commit; a line deleted meanwhile makes the counts differ and the issue
--   is retried;
-- - on delete: the only delete (undoing the enrolment that created the
--   lines) deletes pending lines that no order has ever held, in the
--   DELETE's own condition, and refuses unless every line went; a line
--   billed meanwhile fails that condition.
-- The index below serves that "ever held" check (the FK's check on delete
-- had none: the unique index covers live lines only, so it scanned the
-- whole table for each deleted line).
ALTER TABLE order_lines DROP CONSTRAINT order_lines_assessment_id_fkey;
CREATE INDEX order_lines_assessment_id_idx ON order_lines (assessment_id);

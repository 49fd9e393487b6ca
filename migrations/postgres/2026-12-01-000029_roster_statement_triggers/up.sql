-- The roster and its sizes follow inserted relations once per statement
-- (issue 12): a batch of enrolments inserts thousands of relations in one
-- statement, and the row-level triggers upserted the roster row per
-- relation and then updated the unit's single sizes row once per new
-- person. Updating one row thousands of times in one transaction leaves a
-- chain of versions that every later update walks: a 50,000-person import
-- spent most of its time there. Inserts now go through transition tables
-- (one roster upsert, one sizes upsert per statement); updates and deletes
-- of relations, rare and one at a time, keep their row-level triggers.
DROP TRIGGER employments_unit_roster ON employments;
CREATE TRIGGER employments_unit_roster
    AFTER DELETE OR UPDATE OF unit_id, person_id ON employments
    FOR EACH ROW EXECUTE FUNCTION unit_roster_follow_employment();

CREATE FUNCTION unit_roster_follow_employment_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- DO UPDATE (not DO NOTHING) takes the row's lock, so an insert waits
    -- for a concurrent removal of the same row to commit (see 000024).
    INSERT INTO unit_roster (unit_id, person_id, person_no)
    SELECT DISTINCT n.unit_id, n.person_id, p.person_no
    FROM new_relations n JOIN persons p ON p.id = n.person_id
    ON CONFLICT (unit_id, person_id) DO UPDATE SET person_no = EXCLUDED.person_no;
    RETURN NULL;
END
$$;
CREATE TRIGGER employments_unit_roster_inserts
    AFTER INSERT ON employments REFERENCING NEW TABLE AS new_relations
    FOR EACH STATEMENT EXECUTE FUNCTION unit_roster_follow_employment_inserts();

DROP TRIGGER unit_roster_sizes ON unit_roster;
CREATE FUNCTION unit_roster_sizes_follow_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unit_roster_sizes (unit_id, persons)
    SELECT unit_id, COUNT(*) FROM new_rows GROUP BY unit_id
    ON CONFLICT (unit_id) DO UPDATE SET persons = unit_roster_sizes.persons + EXCLUDED.persons;
    RETURN NULL;
END
$$;
CREATE TRIGGER unit_roster_sizes_inserts
    AFTER INSERT ON unit_roster REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION unit_roster_sizes_follow_inserts();
CREATE TRIGGER unit_roster_sizes
    AFTER DELETE ON unit_roster
    FOR EACH ROW EXECUTE FUNCTION unit_roster_sizes_follow();

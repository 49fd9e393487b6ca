-- The unit's roster: one row per person with any relation at the unit (any
-- insurance, any status), with the person number it is listed by. The
-- insured-persons list (参保人员查询) counts and pages this narrow table by
-- its (unit_id, person_no) index instead of probing every person, so a page
-- costs the same for a unit of 50 or 50,000. Maintained by triggers on
-- employments (insert, undo of an enrolment, a merge moving relations) and
-- on persons (a changed person number), so every writer keeps it exact,
-- bulk seeds included.
CREATE TABLE unit_roster (
    unit_id   BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    person_no TEXT NOT NULL,
    PRIMARY KEY (unit_id, person_id)
);
CREATE UNIQUE INDEX unit_roster_unit_id_person_no_key ON unit_roster (unit_id, person_no, person_id);

INSERT INTO unit_roster (unit_id, person_id, person_no)
SELECT DISTINCT e.unit_id, e.person_id, p.person_no
FROM employments e JOIN persons p ON p.id = e.person_id;

CREATE FUNCTION unit_roster_follow_employment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM unit_roster r
        WHERE r.unit_id = OLD.unit_id AND r.person_id = OLD.person_id
          AND NOT EXISTS (SELECT 1 FROM employments e
                          WHERE e.unit_id = OLD.unit_id AND e.person_id = OLD.person_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- DO UPDATE (not DO NOTHING) takes the row's lock, so an insert
        -- waits for a concurrent removal of the same row to commit.
        INSERT INTO unit_roster (unit_id, person_id, person_no)
        SELECT NEW.unit_id, NEW.person_id, p.person_no FROM persons p WHERE p.id = NEW.person_id
        ON CONFLICT (unit_id, person_id) DO UPDATE SET person_no = EXCLUDED.person_no;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER employments_unit_roster
    AFTER INSERT OR DELETE OR UPDATE OF unit_id, person_id ON employments
    FOR EACH ROW EXECUTE FUNCTION unit_roster_follow_employment();

CREATE FUNCTION unit_roster_follow_person_no() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE unit_roster SET person_no = NEW.person_no WHERE person_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER persons_unit_roster
    AFTER UPDATE OF person_no ON persons
    FOR EACH ROW EXECUTE FUNCTION unit_roster_follow_person_no();

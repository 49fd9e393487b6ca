-- How many persons each unit's roster holds, kept by triggers on
-- unit_roster: the insured-persons list shows its total on every page, and
-- counting 50,000 index entries per page would cost more than the page.
CREATE TABLE unit_roster_sizes (
    unit_id BIGINT PRIMARY KEY,
    persons BIGINT NOT NULL CHECK (persons >= 0)
);
INSERT INTO unit_roster_sizes (unit_id, persons)
SELECT unit_id, COUNT(*) FROM unit_roster GROUP BY unit_id;

CREATE FUNCTION unit_roster_sizes_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO unit_roster_sizes (unit_id, persons) VALUES (NEW.unit_id, 1)
        ON CONFLICT (unit_id) DO UPDATE SET persons = unit_roster_sizes.persons + 1;
    ELSE
        UPDATE unit_roster_sizes SET persons = persons - 1 WHERE unit_id = OLD.unit_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER unit_roster_sizes
    AFTER INSERT OR DELETE ON unit_roster
    FOR EACH ROW EXECUTE FUNCTION unit_roster_sizes_follow();

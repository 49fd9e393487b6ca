CREATE OR REPLACE FUNCTION unit_roster_follow_employment() RETURNS trigger LANGUAGE plpgsql AS $$
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

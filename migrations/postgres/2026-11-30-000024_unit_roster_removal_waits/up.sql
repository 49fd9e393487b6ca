-- The roster's removal of a person (the last relation at the unit undone)
-- raced with a concurrent new relation of the same person at the unit: the
-- removal's NOT EXISTS ran on a snapshot taken before it waited for the
-- insert's roster row, and then removed the row the insert had just kept,
-- leaving a person with a relation but no roster row. The removal now locks
-- the row first and looks for other relations afterwards.
CREATE OR REPLACE FUNCTION unit_roster_follow_employment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- Lock the roster row first, then look for other relations in a
        -- statement of its own: it sees every relation committed by the
        -- time the lock is ours (a concurrent insert's upsert holds that
        -- lock until it commits).
        PERFORM 1 FROM unit_roster r
        WHERE r.unit_id = OLD.unit_id AND r.person_id = OLD.person_id
        FOR UPDATE;
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

DROP TRIGGER unit_roster_sizes ON unit_roster;
DROP TRIGGER unit_roster_sizes_inserts ON unit_roster;
DROP FUNCTION unit_roster_sizes_follow_inserts();
CREATE TRIGGER unit_roster_sizes
    AFTER INSERT OR DELETE ON unit_roster
    FOR EACH ROW EXECUTE FUNCTION unit_roster_sizes_follow();
DROP TRIGGER employments_unit_roster_inserts ON employments;
DROP FUNCTION unit_roster_follow_employment_inserts();
DROP TRIGGER employments_unit_roster ON employments;
CREATE TRIGGER employments_unit_roster
    AFTER INSERT OR DELETE OR UPDATE OF unit_id, person_id ON employments
    FOR EACH ROW EXECUTE FUNCTION unit_roster_follow_employment();

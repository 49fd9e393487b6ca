DROP TRIGGER unit_roster_sizes ON unit_roster;
DROP FUNCTION unit_roster_sizes_follow();
DROP TABLE unit_roster_sizes;

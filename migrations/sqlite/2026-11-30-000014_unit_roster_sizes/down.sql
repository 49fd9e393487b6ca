DROP TRIGGER unit_roster_sizes_delete;
DROP TRIGGER unit_roster_sizes_insert;
DROP TABLE unit_roster_sizes;

DROP TRIGGER persons_unit_roster;
DROP TRIGGER employments_unit_roster_update;
DROP TRIGGER employments_unit_roster_delete;
DROP TRIGGER employments_unit_roster_insert;
DROP TABLE unit_roster;

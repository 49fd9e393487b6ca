DROP TRIGGER persons_unit_roster ON persons;
DROP FUNCTION unit_roster_follow_person_no();
DROP TRIGGER employments_unit_roster ON employments;
DROP FUNCTION unit_roster_follow_employment();
DROP TABLE unit_roster;

DROP TABLE unit_events;
DROP TABLE unit_event_counters;

DROP TABLE unit_deferrals;

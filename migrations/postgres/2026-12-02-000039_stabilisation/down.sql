DROP TABLE stabilisation_refunds;
DROP TABLE policy_stabilisation_years;
ALTER TABLE units DROP COLUMN size_class;
ALTER TABLE employments DROP COLUMN end_reason;

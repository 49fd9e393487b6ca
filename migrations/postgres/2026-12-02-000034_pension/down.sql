DROP TABLE retirement_applications;
DROP TABLE person_contribution_history;
DROP TABLE person_pension_records;
DROP TABLE policy_pension_years;

DROP TABLE project_workers;
DROP TABLE project_charge_orders;
DROP TABLE project_charges;
DROP TABLE projects;
DROP TABLE policy_project_rates;

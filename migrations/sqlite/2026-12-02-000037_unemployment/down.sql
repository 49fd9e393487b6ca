DROP TABLE unemployment_claims;
DROP TABLE policy_unemployment_benefits;

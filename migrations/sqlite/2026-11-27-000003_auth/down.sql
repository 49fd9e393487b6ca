DROP TABLE qr_sessions;
DROP TABLE refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE tax_clients;
DROP TABLE api_keys;
DROP TABLE agents;
DROP TABLE unit_accounts;
DROP TABLE staff_accounts;

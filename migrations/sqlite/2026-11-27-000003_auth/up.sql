-- Accounts, sessions and credentials (issue 3). Timestamps: UTC.

-- Back-office staff (综合柜员 / 经办 / 审核 / 财务 / 政策管理).
-- roles: comma-separated subset of acceptor,handler,reviewer,finance,policy_admin.
CREATE TABLE staff_accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL CHECK (length(username) BETWEEN 3 AND 64),
    name          TEXT NOT NULL CHECK (name <> ''),
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL CHECK (roles <> ''),
    region_code   TEXT REFERENCES regions (code),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX staff_accounts_username_key ON staff_accounts (username);

-- The legal-representative login of a unit (法人账号): USCC + password.
CREATE TABLE unit_accounts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id              BIGINT NOT NULL REFERENCES units (id),
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts      INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until         TIMESTAMP,
    password_changed_at  TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX unit_accounts_unit_id_key ON unit_accounts (unit_id);

-- Authorised agents (经办人, 登录授权信息采集表).
CREATE TABLE agents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL CHECK (name <> ''),
    department  TEXT,
    phone       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'removed')),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX agents_unit_id_id_number_key ON agents (unit_id, id_number) WHERE status = 'active';
CREATE INDEX agents_id_number_idx ON agents (id_number);

-- API credentials of payroll software, scoped to one unit. The secret is
-- shown once; only its SHA-256 is kept. key_prefix identifies the key.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id      BIGINT NOT NULL REFERENCES units (id),
    name         TEXT NOT NULL CHECK (name <> ''),
    key_prefix   TEXT NOT NULL,
    key_hash     TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE UNIQUE INDEX api_keys_key_prefix_key ON api_keys (key_prefix);

-- The tax bureau's client credentials (client id + secret → token).
CREATE TABLE tax_clients (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tax_clients_client_id_key ON tax_clients (client_id);

-- A sign-in session; access tokens carry its id and die with it.
-- kind: legal_rep | agent | staff | payroll | tax. subject: the account
-- (staff username, agent id number, api key prefix, …).
CREATE TABLE auth_sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('legal_rep', 'agent', 'staff', 'payroll', 'tax')),
    subject     TEXT NOT NULL,
    name        TEXT NOT NULL,
    unit_id     BIGINT REFERENCES units (id),
    roles       TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL CHECK (channel IN ('portal', 'counter', 'api', 'system')),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE INDEX auth_sessions_subject_idx ON auth_sessions (kind, subject);

-- Rotating refresh tokens (stored hashed). A used token presented again
-- revokes its session (reuse detection).
CREATE TABLE refresh_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL REFERENCES auth_sessions (id),
    token_hash  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);

-- E-social-card QR sign-in tickets (电子社保卡扫码登录). Kept in the database
-- so that several API instances share them.
CREATE TABLE qr_sessions (
    id                TEXT PRIMARY KEY NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'consumed')),
    created_at        TIMESTAMP NOT NULL,
    expires_at        TIMESTAMP NOT NULL,
    holder_id_number  TEXT,
    holder_name       TEXT,
    confirmation_id   TEXT,
    confirmed_at      TIMESTAMP,
    consumed_at       TIMESTAMP
);
CREATE UNIQUE INDEX qr_sessions_confirmation_id_key ON qr_sessions (confirmation_id);

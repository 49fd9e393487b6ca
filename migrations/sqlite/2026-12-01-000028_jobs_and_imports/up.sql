-- Background jobs (issue 12): long work (an import's validation or commit,
-- a large unit's monthly declaration; subject_id: the import's id or the
-- YYYYMM period; actor and channel: who asked, for the job's business items)
-- runs as a row here, claimed by one worker of any server node (PostgreSQL:
-- FOR UPDATE SKIP LOCKED; SQLite: one writer). A job's work and its
-- terminal state commit in one transaction, so a crash leaves it 'running'
-- with a stale heartbeat and nothing of its work stored; it is then queued
-- again (attempts < max) or failed.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('import_validate', 'import_commit', 'import_revoke', 'declaration', 'back_pay_declaration', 'export')),
    unit_id       BIGINT REFERENCES units (id),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    subject_id    BIGINT NOT NULL,
    actor         TEXT,
    channel       TEXT,
    input         TEXT,
    done          BIGINT NOT NULL DEFAULT 0 CHECK (done >= 0),
    total         BIGINT NOT NULL DEFAULT 0 CHECK (total >= 0),
    result        TEXT,
    error_code    TEXT,
    error_detail  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 3,
    claimed_by    TEXT,
    heartbeat_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX jobs_queued_idx ON jobs (id) WHERE state = 'queued';
CREATE INDEX jobs_running_idx ON jobs (heartbeat_at) WHERE state = 'running';
CREATE INDEX jobs_unit_id_idx ON jobs (unit_id, id);

-- The file a job made (an export), kept with the job for its unit to fetch.
CREATE TABLE job_files (
    job_id       BIGINT PRIMARY KEY REFERENCES jobs (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content      BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- Batch imports (导盘, R-IMP-1): the file's rows as read (normalised text
-- per column, JSON), its SHA-256, the validation report, and what the
-- commit created. One commit per import: committed_at is set once.
CREATE TABLE imports (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    kind             TEXT NOT NULL CHECK (kind IN ('enrolment', 'suspension', 'wage_declaration', 'insurance_change')),
    state            TEXT NOT NULL CHECK (state IN ('validating', 'invalid', 'valid', 'committing', 'committed', 'failed', 'revoking', 'revoked')),
    format           TEXT NOT NULL CHECK (format IN ('xlsx', 'csv', 'json')),
    file_name        TEXT,
    file_sha256      TEXT NOT NULL CHECK (length(file_sha256) = 64),
    byte_size        BIGINT NOT NULL,
    template_version INTEGER,
    options          TEXT NOT NULL,
    rows             TEXT NOT NULL,
    row_count        INTEGER NOT NULL,
    problem_count    INTEGER NOT NULL DEFAULT 0,
    problem_rows     INTEGER NOT NULL DEFAULT 0,
    notices          TEXT NOT NULL,
    report           TEXT,
    result           TEXT,
    item_ids         TEXT,
    created_by       TEXT NOT NULL,
    channel          TEXT NOT NULL,
    idempotency_key  TEXT,
    created_at       TIMESTAMP NOT NULL,
    validated_at     TIMESTAMP,
    commit_requested_at TIMESTAMP,
    committed_by     TEXT,
    commit_channel   TEXT,
    committed_at     TIMESTAMP,
    revoked_at       TIMESTAMP,
    revoked_by       TEXT,
    revoke_channel   TEXT,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX imports_unit_id_idx ON imports (unit_id, id);
-- A repeated upload under the same Idempotency-Key answers the first import.
CREATE UNIQUE INDEX imports_idempotency_key ON imports (unit_id, idempotency_key);

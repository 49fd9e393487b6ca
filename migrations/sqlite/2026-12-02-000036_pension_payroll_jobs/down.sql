-- Back to the kinds before: pension payroll jobs go.
PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM job_files WHERE job_id IN (SELECT id FROM jobs WHERE kind = 'pension_payroll');
DELETE FROM jobs WHERE kind = 'pension_payroll';
CREATE TABLE jobs_new (
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
INSERT INTO jobs_new SELECT * FROM jobs;
DELETE FROM sqlite_sequence WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs_new', seq FROM sqlite_sequence
    WHERE name = 'jobs';
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_queued_idx ON jobs (id) WHERE state = 'queued';
CREATE INDEX jobs_running_idx ON jobs (heartbeat_at) WHERE state = 'running';
CREATE INDEX jobs_unit_id_idx ON jobs (unit_id, id);
COMMIT;
PRAGMA foreign_keys = ON;

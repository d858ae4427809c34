-- Timestamps are INTEGER microseconds since the Unix epoch (UTC); ids are UUID text.
CREATE TABLE jobs (
    id                  TEXT PRIMARY KEY NOT NULL,
    type                TEXT NOT NULL,
    source_type         TEXT,
    source_uri          TEXT,
    file_name           TEXT,
    file_size           INTEGER,
    mime_type           TEXT,
    mode                TEXT,
    priority            INTEGER NOT NULL DEFAULT 0,
    metadata            TEXT NOT NULL DEFAULT '{}',
    session_id          TEXT,
    dataset             TEXT,
    status              TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempt             INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL DEFAULT 3,
    scheduled_at        INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    started_at          INTEGER,
    completed_at        INTEGER,
    updated_at          INTEGER NOT NULL,
    records_processed   INTEGER NOT NULL DEFAULT 0,
    records_failed      INTEGER NOT NULL DEFAULT 0,
    records_total       INTEGER,
    error               TEXT,
    error_ref           TEXT,
    cancel_requested_at INTEGER,
    lease_owner         TEXT,
    lease_expires_at    INTEGER,
    retry_of            TEXT REFERENCES jobs (id),
    idempotency_key     TEXT,
    request_hash        TEXT,
    created_by          TEXT NOT NULL,
    synthetic           INTEGER NOT NULL DEFAULT 0
);

-- The claim: due queued jobs by priority, then scheduled_at, then age.
CREATE INDEX jobs_claim_idx ON jobs (priority DESC, scheduled_at, created_at) WHERE status = 'queued';
-- The sweeper: running jobs by lease expiry.
CREATE INDEX jobs_lease_idx ON jobs (lease_expires_at) WHERE status = 'running';
-- List filters and sorts (keyset on (sort key, id)).
CREATE INDEX jobs_created_idx ON jobs (created_at, id);
CREATE INDEX jobs_status_created_idx ON jobs (status, created_at, id);
CREATE INDEX jobs_type_created_idx ON jobs (type, created_at, id);
CREATE INDEX jobs_session_idx ON jobs (session_id) WHERE session_id IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency_key_idx ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Retry-as-new makes at most one new job per original.
CREATE UNIQUE INDEX jobs_retry_of_idx ON jobs (retry_of) WHERE retry_of IS NOT NULL;

CREATE TABLE job_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    audit_id    TEXT,
    data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX job_events_job_idx ON job_events (job_id, id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'submitter', 'operator', 'admin')),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER
);

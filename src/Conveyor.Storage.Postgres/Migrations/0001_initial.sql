CREATE TABLE jobs (
    id                  uuid PRIMARY KEY,
    type                text NOT NULL,
    source_type         text,
    source_uri          text,
    file_name           text,
    file_size           bigint,
    mime_type           text,
    mode                text,
    priority            integer NOT NULL DEFAULT 0,
    metadata            jsonb NOT NULL DEFAULT '{}',
    session_id          uuid,
    dataset             text,
    status              text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempt             integer NOT NULL DEFAULT 0,
    max_attempts        integer NOT NULL DEFAULT 3,
    scheduled_at        timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    started_at          timestamptz,
    completed_at        timestamptz,
    updated_at          timestamptz NOT NULL,
    records_processed   bigint NOT NULL DEFAULT 0,
    records_failed      bigint NOT NULL DEFAULT 0,
    records_total       bigint,
    error               text,
    error_ref           text,
    cancel_requested_at timestamptz,
    lease_owner         text,
    lease_expires_at    timestamptz,
    retry_of            uuid REFERENCES jobs (id),
    idempotency_key     text,
    request_hash        text,
    created_by          text NOT NULL,
    synthetic           boolean NOT NULL DEFAULT false
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
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    type        text NOT NULL,
    from_status text,
    to_status   text,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    audit_id    uuid,
    data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX job_events_job_idx ON job_events (job_id, id);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    prefix       text NOT NULL UNIQUE,
    hash         text NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('viewer', 'submitter', 'operator', 'admin')),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);

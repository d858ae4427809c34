-- The dashboard (issue 14): search, the filters' indexes, the finished-jobs index of the charts, each job's own log,
-- and the node registry.

-- Search over a job's id (and so an id prefix), file name and metadata text: a trigram index (pg_trgm, a trusted
-- extension since PostgreSQL 13) serves ILIKE '%…%'. The text lives in a table of its own, written once when the job
-- is inserted (a statement trigger, so every insert path is covered), and not in an index on jobs: a job's row is
-- rewritten at every status change, and each rewrite would insert all its trigrams into the index again.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE job_search (
    job_id   uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    document text NOT NULL
);
CREATE INDEX job_search_trgm_idx ON job_search USING gin (document gin_trgm_ops);

CREATE FUNCTION job_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_search (job_id, document)
    SELECT id, id::text || E'\n' || coalesce(file_name, '') || E'\n' || metadata::text FROM inserted;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_search_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION job_search_insert();

INSERT INTO job_search (job_id, document)
SELECT id, id::text || E'\n' || coalesce(file_name, '') || E'\n' || metadata::text FROM jobs;

-- Filters the list offers that had no index (the first page and its capped count stay index scans at a million jobs).
CREATE INDEX jobs_source_created_idx ON jobs (source_type, created_at, id) WHERE source_type IS NOT NULL;
CREATE INDEX jobs_dataset_created_idx ON jobs (dataset, created_at, id) WHERE dataset IS NOT NULL;
-- The charts: jobs finished in the last 24 hours.
CREATE INDEX jobs_completed_idx ON jobs (completed_at) WHERE completed_at IS NOT NULL;

-- The lines a handler logged for its job, numbered per job; the writer keeps only the newest (JobLog.MaxLinesPerJob).
CREATE TABLE job_log (
    job_id  uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq     bigint NOT NULL,
    at      timestamptz NOT NULL,
    attempt integer NOT NULL,
    level   text NOT NULL,
    message text NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- Every API and worker process, as it last reported itself. UNLOGGED like leader: heartbeats are not worth the WAL,
-- and after a crash of the database the nodes report again within one interval.
CREATE UNLOGGED TABLE nodes (
    id           text PRIMARY KEY CHECK (char_length(id) BETWEEN 1 AND 255),
    kind         text NOT NULL,
    version      text NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    workers      integer NOT NULL,
    workers_busy integer NOT NULL,
    jobs_held    integer NOT NULL,
    is_leader    boolean NOT NULL
);

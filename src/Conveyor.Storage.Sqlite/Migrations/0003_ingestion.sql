-- Loaded rows. No foreign key to jobs: a per-row key check would cost the bulk load more than it guards
-- (rows are only written by a job's own fenced load, and removed with their job).
-- Key (job_id, row_number): a row can exist once per job, whatever happens to the load.
CREATE TABLE records (
    job_id     TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    dataset    TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (job_id, row_number)
) WITHOUT ROWID;

-- Rows that failed to parse: the first 1,000 of a job, by line number.
CREATE TABLE record_failures (
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    line_number INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (job_id, line_number)
) WITHOUT ROWID;

-- What content detection found in a job's input (the full result as JSON).
CREATE TABLE detection_results (
    job_id       TEXT PRIMARY KEY NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    result       TEXT NOT NULL,
    detected_at  INTEGER NOT NULL
);

-- A file stored under the storage root for a job, written in the transaction that creates the job.
CREATE TABLE stored_files (
    job_id        TEXT PRIMARY KEY NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    original_name TEXT,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    stored_at     INTEGER NOT NULL
);

CREATE INDEX jobs_dataset_idx ON jobs (dataset, id) WHERE dataset IS NOT NULL;

-- Loaded rows. data is json, not jsonb: it keeps the key order of the input (CSV columns read back in
-- order) and costs the COPY no conversion. No foreign key to jobs: a per-row trigger would cost the bulk
-- load more than it guards (rows are only written by a job's own fenced load, and removed with their job).
-- Primary key (job_id, row_number): a row can exist once per job, whatever happens to the load.
CREATE TABLE records (
    job_id     uuid NOT NULL,
    row_number bigint NOT NULL,
    dataset    text NOT NULL,
    data       json NOT NULL,
    PRIMARY KEY (job_id, row_number)
);

-- Rows that failed to parse: the first 1,000 of a job, by line number.
CREATE TABLE record_failures (
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    line_number bigint NOT NULL,
    reason      text NOT NULL,
    PRIMARY KEY (job_id, line_number)
);

-- What content detection found in a job's input (the full result as JSON).
CREATE TABLE detection_results (
    job_id       uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    content_type text NOT NULL,
    result       jsonb NOT NULL,
    detected_at  timestamptz NOT NULL
);

-- A file stored under the storage root for a job, written in the transaction that creates the job.
CREATE TABLE stored_files (
    job_id        uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    path          text NOT NULL,
    original_name text,
    size          bigint NOT NULL,
    sha256        text NOT NULL,
    content_type  text NOT NULL,
    stored_at     timestamptz NOT NULL
);

CREATE INDEX jobs_dataset_idx ON jobs (dataset, id) WHERE dataset IS NOT NULL;

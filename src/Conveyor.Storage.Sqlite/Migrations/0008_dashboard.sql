-- The dashboard (issue 14): search, the filters' indexes, the finished-jobs index of the charts, each job's own log,
-- and the node registry.

-- Search over a job's id (and so an id prefix), file name and metadata text: an FTS5 table with the trigram tokenizer
-- answers substring queries of three characters or more from its index. Written when a job is inserted (triggers),
-- never when its status changes; job_id joins it back to jobs (the rowid only finds the entry to delete).
CREATE VIRTUAL TABLE job_search USING fts5(job_id UNINDEXED, document, tokenize = 'trigram');

CREATE TRIGGER jobs_search_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_search (rowid, job_id, document)
    VALUES (new.rowid, new.id, new.id || char(10) || coalesce(new.file_name, '') || char(10) || new.metadata);
END;
CREATE TRIGGER jobs_search_delete AFTER DELETE ON jobs BEGIN
    DELETE FROM job_search WHERE rowid = old.rowid;
END;

INSERT INTO job_search (rowid, job_id, document)
SELECT rowid, id, id || char(10) || coalesce(file_name, '') || char(10) || metadata FROM jobs;

CREATE INDEX jobs_source_created_idx ON jobs (source_type, created_at, id) WHERE source_type IS NOT NULL;
CREATE INDEX jobs_dataset_created_idx ON jobs (dataset, created_at, id) WHERE dataset IS NOT NULL;
CREATE INDEX jobs_completed_idx ON jobs (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE job_log (
    job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    level   TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

CREATE TABLE nodes (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    version      TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    workers      INTEGER NOT NULL,
    workers_busy INTEGER NOT NULL,
    jobs_held    INTEGER NOT NULL,
    is_leader    INTEGER NOT NULL
);

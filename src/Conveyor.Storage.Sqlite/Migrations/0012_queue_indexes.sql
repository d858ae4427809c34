-- /admin/queue at a million jobs (issue 14's benchmark): every count the page shows stops at 10,000 (a LIMIT under
-- count(*)), but a count stops early only when an index holds both of its columns. The status chips count each status
-- under the one filter in view, the counts by type each type under it: without these, "succeeded and source url" walked
-- the source's 200,000 entries reading rows to test the status, and a pair that matches nothing (csv jobs from urls)
-- walked them all. With these, each count reads at most 10,001 entries of an index that holds both columns. (A session
-- has a few jobs: its index already answers; a search is read by id, see QueueLoader.)
CREATE INDEX jobs_status_type_idx ON jobs (status, type);
CREATE INDEX jobs_source_status_idx ON jobs (source_type, status) WHERE source_type IS NOT NULL;
CREATE INDEX jobs_source_type_idx ON jobs (source_type, type) WHERE source_type IS NOT NULL;
CREATE INDEX jobs_dataset_status_idx ON jobs (dataset, status) WHERE dataset IS NOT NULL;
CREATE INDEX jobs_dataset_type_idx ON jobs (dataset, type) WHERE dataset IS NOT NULL;

-- PostgreSQL drops 0008's jobs_completed_idx here (0010's jobs_finished_idx holds the same rows); SQLite keeps it: its
-- planner uses a partial index only when the statement repeats the index's WHERE, and the run-time chart's statement
-- names only succeeded and failed.

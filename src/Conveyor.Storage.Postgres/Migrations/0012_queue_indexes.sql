-- /admin/queue at a million jobs (issue 14's benchmark): every count the page shows stops at 10,000 (a LIMIT under
-- count(*)), but a count stops early only when an index holds both of its columns. The status chips count each status
-- under the one filter in view, the counts by type each type under it: without these, "succeeded and source url" walked
-- the source's 200,000 entries reading rows to test the status, and a pair that matches nothing (csv jobs from urls)
-- walked them all. With these, each count is an index-only scan of at most 10,001 entries. (A session has a few jobs: its
-- index already answers; a search is read by id, see QueueLoader.)
CREATE INDEX jobs_status_type_idx ON jobs (status, type);
CREATE INDEX jobs_source_status_idx ON jobs (source_type, status) WHERE source_type IS NOT NULL;
CREATE INDEX jobs_source_type_idx ON jobs (source_type, type) WHERE source_type IS NOT NULL;
CREATE INDEX jobs_dataset_status_idx ON jobs (dataset, status) WHERE dataset IS NOT NULL;
CREATE INDEX jobs_dataset_type_idx ON jobs (dataset, type) WHERE dataset IS NOT NULL;

-- 0008's index of finished jobs for the charts and 0010's for retention hold the same rows (completed_at is set exactly
-- when a job ends) in the same order; the charts' statements name the finished statuses, so they use 0010's, and each
-- write of a job no longer updates two.
DROP INDEX jobs_completed_idx;

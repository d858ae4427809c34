-- Periodic jobs (issue 16): where each schedule of Conveyor:Schedules stands (times in Unix microseconds). The job of
-- each tick is made with the idempotency key schedule:{name}:{tick}, so a tick is enqueued once; this row says which
-- tick was dealt with last.
CREATE TABLE schedule_runs (
    name             TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    last_tick        INTEGER NOT NULL,
    last_job_id      TEXT,
    last_enqueued_at INTEGER
);

-- Retention: the leader prunes finished jobs by age, oldest first, in small batches.
CREATE INDEX jobs_finished_idx ON jobs (completed_at) WHERE status IN ('succeeded', 'failed', 'cancelled');

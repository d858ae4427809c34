-- Periodic jobs (issue 16): where each schedule of Conveyor:Schedules stands. The job of each tick is made with the
-- idempotency key schedule:{name}:{tick}, so a tick is enqueued once however many leaders try; this row says which tick
-- was dealt with last, so that a new leader goes on from there.
CREATE TABLE schedule_runs (
    name             text PRIMARY KEY CHECK (char_length(name) BETWEEN 1 AND 64),
    last_tick        timestamptz NOT NULL,
    last_job_id      uuid,
    last_enqueued_at timestamptz
);

-- Retention: the leader prunes finished jobs by age, oldest first, in small batches.
CREATE INDEX jobs_finished_idx ON jobs (completed_at) WHERE status IN ('succeeded', 'failed', 'cancelled');

-- The sessions pipeline (SPEC §5, issue 13). A session is a course's recording or transcript: its row holds only
-- what a person gave; its state is its jobs' (jobs.session_id, the badge), its transcript and summary are the
-- results of its succeeded transcription and summarization jobs.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    course_id  TEXT NOT NULL CHECK (length(course_id) BETWEEN 1 AND 200),
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    synthetic  INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- A course's sessions, newest first (keyset on (created_at, id)).
CREATE INDEX sessions_course_created_idx ON sessions (course_id, created_at, id);
CREATE INDEX sessions_created_idx ON sessions (created_at, id);

-- What a job produced (a transcript, a summary), written in the transaction that records its success. Beside jobs,
-- not in them: a transcript can be large, and the queue's rows stay narrow.
CREATE TABLE job_results (
    job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    result TEXT NOT NULL
);

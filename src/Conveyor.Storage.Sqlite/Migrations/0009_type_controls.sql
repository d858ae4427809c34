-- Per-type controls (issue 16). A paused type starts nothing until it is resumed: the claim skips its jobs.
CREATE TABLE type_pauses (
    type      TEXT PRIMARY KEY CHECK (length(type) BETWEEN 1 AND 64),
    paused_at INTEGER NOT NULL,
    paused_by TEXT NOT NULL
);

-- The starts of rate-limited types in the last minute (Unix microseconds): the claim counts them against
-- Conveyor:Types:{type}:RatePerMinute, adds its own and forgets those older than a minute.
CREATE TABLE type_starts (
    type TEXT NOT NULL,
    at   INTEGER NOT NULL
);
CREATE INDEX type_starts_type_at_idx ON type_starts (type, at);

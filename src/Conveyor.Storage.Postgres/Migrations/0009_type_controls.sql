-- Per-type controls (issue 16). A paused type starts nothing on any node until it is resumed: the claim skips its jobs.
CREATE TABLE type_pauses (
    type      text PRIMARY KEY CHECK (char_length(type) BETWEEN 1 AND 64),
    paused_at timestamptz NOT NULL,
    paused_by text NOT NULL
);

-- The starts of rate-limited types in the last minute: the claim counts them against Conveyor:Types:{type}:RatePerMinute,
-- adds its own and forgets those older than a minute. UNLOGGED: after a crash of the database the window starts empty,
-- which lets at most one minute's worth through early.
CREATE UNLOGGED TABLE type_starts (
    type text NOT NULL,
    at   timestamptz NOT NULL
);
CREATE INDEX type_starts_type_at_idx ON type_starts (type, at);

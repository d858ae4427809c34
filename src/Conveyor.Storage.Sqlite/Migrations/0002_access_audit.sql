-- The append-only audit log (SPEC §6). seq orders the hash chain; hash = SHA-256 over the canonical
-- serialization of the row and prev_hash (AuditChain). details is JSON text, hashed exactly as stored.
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY NOT NULL,
    id         TEXT NOT NULL UNIQUE,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL CHECK (outcome IN ('applied', 'no_op', 'rejected', 'denied')),
    request_id TEXT,
    remote_ip  TEXT,
    details    TEXT NOT NULL DEFAULT '{}',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_events_action_idx ON audit_events (action, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, seq);
CREATE INDEX audit_events_target_idx ON audit_events (target, seq);
CREATE INDEX audit_events_at_idx ON audit_events (at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE INDEX job_events_audit_idx ON job_events (audit_id) WHERE audit_id IS NOT NULL;

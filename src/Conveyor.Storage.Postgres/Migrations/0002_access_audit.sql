-- The append-only audit log (SPEC §6). seq orders the hash chain; hash = SHA-256 over the canonical
-- serialization of the row and prev_hash (AuditChain). details is JSON kept as text (jsonb would reorder
-- its keys, and the hash covers the text exactly as stored).
CREATE TABLE audit_events (
    seq        bigint PRIMARY KEY,
    id         uuid NOT NULL UNIQUE,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    role       text NOT NULL,
    action     text NOT NULL,
    target     text,
    outcome    text NOT NULL CHECK (outcome IN ('applied', 'no_op', 'rejected', 'denied')),
    request_id text,
    remote_ip  text,
    details    text NOT NULL DEFAULT '{}',
    prev_hash  text NOT NULL,
    hash       text NOT NULL
);
CREATE INDEX audit_events_action_idx ON audit_events (action, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, seq);
CREATE INDEX audit_events_target_idx ON audit_events (target, seq);
CREATE INDEX audit_events_at_idx ON audit_events (at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE INDEX job_events_audit_idx ON job_events (audit_id) WHERE audit_id IS NOT NULL;

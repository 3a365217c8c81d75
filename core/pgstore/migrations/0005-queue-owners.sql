-- 5: which instance keeps each pending auto-relay and bounce. An instance holds a session-level advisory lock on a
--    key of its own (PgWriter::ownerKey) for as long as its writer is connected, and marks the queue rows it makes
--    with that key. At start an instance takes up its own rows (none, being new), rows nobody owns (made before this
--    migration) and rows whose owner's lock is free, that is whose instance is no longer running
--    (pg_try_advisory_xact_lock succeeds on a key no session holds), marking them as its own in the same statement;
--    so a retry or a bounce is taken up by one instance, never by every instance that starts.
ALTER TABLE relay_queue ADD COLUMN owner bigint;
ALTER TABLE bounce_queue ADD COLUMN owner bigint;

-- 4: documents every instance on the database shares (CONTRACT "Team store, API access and remote attach": rules and
--    mailboxes are "shared (kept in the database)"): the rules' JSON and the mailboxes' JSON, by name, each with a
--    revision that every write increases, so that an editor who read revision N replaces it only if nobody wrote
--    since (PgSharedDocument). After each change the trigger notifies letterbox_documents with "REVISION NAME",
--    delivered when the writing transaction commits, whoever wrote (an instance, or psql), so every instance
--    follows.
CREATE TABLE documents (
    name text PRIMARY KEY,
    body text NOT NULL,
    revision bigint NOT NULL CHECK (revision > 0)
);
CREATE FUNCTION documents_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('letterbox_documents', NEW.revision || ' ' || NEW.name);
    RETURN NULL;
END;
$$;
CREATE TRIGGER documents_changed AFTER INSERT OR UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION documents_notify();

-- 9: a bounce (CONTRACT "Failure scenarios (rules)") names the uid of the message it reports on in bounce_of, and the
--    rule that made it in bounce_rule ('' for every other message). The original finds its bounces through the partial
--    index, which holds bounces only.
ALTER TABLE messages ADD COLUMN bounce_of TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN bounce_rule TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_bounce_of ON messages (bounce_of) WHERE bounce_of != '';
-- The bounces still to be made, one row per bounced recipient, written with their message in its transaction and
-- deleted with the bounce in its own, so that a bounce waiting when Letterbox quits is made after the next start.
-- They belong to the message's row: deleting the message deletes them (SqliteWriter::deleteMessages()).
CREATE TABLE bounce_queue (
    message_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    recipient BLOB NOT NULL,
    code INTEGER NOT NULL,
    enhanced BLOB NOT NULL,
    text BLOB NOT NULL,
    rule BLOB NOT NULL,
    after_ms INTEGER NOT NULL,
    PRIMARY KEY (message_id, seq)
) WITHOUT ROWID;

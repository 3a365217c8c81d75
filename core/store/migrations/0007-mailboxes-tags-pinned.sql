-- 7: mailboxes, tags and pinned messages (CONTRACT "Mailboxes"). Every message lives in exactly one mailbox; Inbox
--    (id 1) always exists and takes every message of earlier stores. A mailbox keeps its messages' total and unread
--    counts, kept right by the triggers below in the transaction that changes a message, so that the mailbox list
--    (Inbox first, then in the order the mailboxes were made: by id) is one read of a small table however many
--    messages there are. Tags are Mailpit's: names unique without regard to case (the first spelling stays), a
--    message has a set of them (message_tags, clustered by message; message_tags_tag finds a tag's messages).
--    pinned = 1 keeps a message from retention, delete-all and delete-by-search.
CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    total INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0
);
INSERT INTO mailboxes (id, name, total, unread)
VALUES (1, 'Inbox', (SELECT count(*) FROM messages), (SELECT count(*) FROM messages WHERE is_read = 0));
ALTER TABLE messages ADD COLUMN mailbox_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
-- Page 1 of a mailbox, newest first, and its unread ones, without reading the wide rows.
CREATE INDEX messages_mailbox ON messages (mailbox_id, id, is_read);
CREATE INDEX messages_pinned ON messages (id) WHERE pinned = 1;
-- The facts index answers the conditions of a search (sqlitesearchcompiler): it now holds the mailbox too.
DROP INDEX messages_facts;
CREATE INDEX messages_facts ON messages (id, is_read, received, size, attachments, inlines, message_id, mailbox_id);
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
CREATE TABLE message_tags (
    message_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    PRIMARY KEY (message_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX message_tags_tag ON message_tags (tag_id, message_id);
CREATE TRIGGER messages_inserted AFTER INSERT ON messages BEGIN
    UPDATE mailboxes SET total = total + 1, unread = unread + (NEW.is_read = 0) WHERE id = NEW.mailbox_id;
END;
CREATE TRIGGER messages_deleted AFTER DELETE ON messages BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - (OLD.is_read = 0) WHERE id = OLD.mailbox_id;
    DELETE FROM message_tags WHERE message_id = OLD.id;
END;
CREATE TRIGGER messages_moved AFTER UPDATE OF is_read, mailbox_id ON messages BEGIN
    UPDATE mailboxes SET total = total - 1, unread = unread - (OLD.is_read = 0) WHERE id = OLD.mailbox_id;
    UPDATE mailboxes SET total = total + 1, unread = unread + (NEW.is_read = 0) WHERE id = NEW.mailbox_id;
END;

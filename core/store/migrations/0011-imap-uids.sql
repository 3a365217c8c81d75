-- 11: what an IMAP client caches a mailbox by (RFC 3501 §2.3.1.1). A message's UID is its row id, which must then
--     ascend and never be used again, also after the newest message is deleted (SQLite would give its id to the
--     next row): each mailbox keeps uid_next, one past the highest id ever stored in it, and the writer gives a new
--     message the id after the highest of every mailbox's uid_next - 1 and of the table. uid_validity is fixed
--     when the mailbox is made (seconds since the epoch, so that a new store made in the same data directory is
--     told apart from the old one by its clients).
ALTER TABLE mailboxes ADD COLUMN uid_validity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN uid_next INTEGER NOT NULL DEFAULT 1;
-- The writer's max(uid_next) on every insert reads this index's last entry, not every mailbox (with
-- --mailbox-per-user there may be thousands).
CREATE INDEX mailboxes_uid_next ON mailboxes (uid_next);
UPDATE mailboxes SET uid_validity = CAST(strftime('%s', 'now') AS INTEGER),
    uid_next = ifnull((SELECT max(id) FROM messages), 0) + 1;
CREATE TRIGGER mailboxes_uid_validity AFTER INSERT ON mailboxes WHEN NEW.uid_validity = 0 BEGIN
    UPDATE mailboxes SET uid_validity = CAST(strftime('%s', 'now') AS INTEGER) WHERE id = NEW.id;
END;
DROP TRIGGER messages_inserted;
CREATE TRIGGER messages_inserted AFTER INSERT ON messages BEGIN
    UPDATE mailboxes SET total = total + 1, unread = unread + (NEW.is_read = 0),
        uid_next = max(uid_next, NEW.id + 1) WHERE id = NEW.mailbox_id;
END;

-- 8: a message routed to several mailboxes is stored once per mailbox (CONTRACT "Mailboxes"); each copy after the
--    first names the first's uid in copy_of ('' for a message that is no such copy). The copies were relayed once, as
--    one message: the relay log is kept with the first copy, and every copy shows it through copy_of.
ALTER TABLE messages ADD COLUMN copy_of TEXT NOT NULL DEFAULT '';

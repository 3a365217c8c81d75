-- 2: the parsed model's summary (GMime, core/mime) and a trigram full-text index for Mailpit's substring search.
--    Both are made off the SMTP reply path, between deliveries (SqliteIndexer): parsed = 0 means the summary
--    columns are not filled yet (readers parse such a row themselves), indexed = 0 that the message is not in
--    message_search yet. Messages of schema 1 start with both 0.
ALTER TABLE messages ADD COLUMN addresses TEXT NOT NULL DEFAULT '{}';
ALTER TABLE messages ADD COLUMN snippet TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN inlines INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN parsed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_unparsed ON messages (id) WHERE parsed = 0;
CREATE INDEX messages_unindexed ON messages (id) WHERE indexed = 0;
CREATE INDEX messages_facts ON messages (id, is_read, received, size, attachments, inlines, message_id);
CREATE VIRTUAL TABLE message_search USING fts5(
    subject, from_text, to_text, cc_text, bcc_text, reply_to_text, body, tokenize = 'trigram'
);

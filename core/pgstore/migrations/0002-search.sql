-- 2: search. Mailpit's words are case-insensitive substrings, so the texts a search looks in are kept apart from the
--    summaries (message_search, one row per message, filled by the store's indexer off the SMTP reply path, as the
--    SQLite store's message_search is) and found with ILIKE, which pg_trgm's GIN indexes answer for terms of three
--    characters or more. indexed = false: the message's row in message_search is not made yet.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE messages ADD COLUMN indexed boolean NOT NULL DEFAULT false;
CREATE INDEX messages_unindexed ON messages (id) WHERE NOT indexed;
-- The texts, lower-cased by the indexer as SQLite's trigram tokenizer folds case: subject, the address headers'
-- text (names and addresses), the text body and the attachments' names.
CREATE TABLE message_search (
    id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    subject text NOT NULL,
    from_text text NOT NULL,
    to_text text NOT NULL,
    cc_text text NOT NULL,
    bcc_text text NOT NULL,
    reply_to_text text NOT NULL,
    body text NOT NULL
);
CREATE INDEX message_search_subject ON message_search USING gin (subject gin_trgm_ops);
CREATE INDEX message_search_from ON message_search USING gin (from_text gin_trgm_ops);
CREATE INDEX message_search_to ON message_search USING gin (to_text gin_trgm_ops);
CREATE INDEX message_search_cc ON message_search USING gin (cc_text gin_trgm_ops);
CREATE INDEX message_search_bcc ON message_search USING gin (bcc_text gin_trgm_ops);
CREATE INDEX message_search_reply_to ON message_search USING gin (reply_to_text gin_trgm_ops);
CREATE INDEX message_search_body ON message_search USING gin (body gin_trgm_ops);

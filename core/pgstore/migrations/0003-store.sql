-- 3: what the store's writer looks rows up by when several instances share the database: a session's messages and
--    transcript chunks (the chunks go once no instance has a message of that session left; deleteMessages()).
CREATE INDEX messages_session ON messages (session_id);
CREATE INDEX transcript_chunks_session ON transcript_chunks (session_id);

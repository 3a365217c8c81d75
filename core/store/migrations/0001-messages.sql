-- 1: messages (summary + envelope); their sources in a table of their own, so that listing never reads a source's
--    pages; SMTP transcripts in chunks: each message's chunk holds the entries since its session's previous message
--    and links to that message's chunk, so a message's transcript (the whole session up to its final reply) is its
--    chain of chunks. A session's chunks live as long as any of its messages (counted in memory, rebuilt on open);
--    chunk ids are only reused once nothing can point at them. Every insert lands at the end of its table: one page
--    each per commit.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    received INTEGER NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_to TEXT NOT NULL,
    client_address TEXT NOT NULL,
    client_port INTEGER NOT NULL,
    helo TEXT NOT NULL,
    auth_user TEXT NOT NULL,
    tls INTEGER NOT NULL,
    from_header TEXT NOT NULL,
    to_header TEXT NOT NULL,
    cc_header TEXT NOT NULL,
    subject TEXT NOT NULL,
    date INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    has_attachments INTEGER NOT NULL,
    is_read INTEGER NOT NULL DEFAULT 0,
    session_id INTEGER NOT NULL,
    chunk_id INTEGER NOT NULL
);
CREATE TABLE message_data (id INTEGER PRIMARY KEY, raw BLOB NOT NULL);
CREATE TABLE transcript_chunks (
    id INTEGER PRIMARY KEY,
    previous_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    entries TEXT NOT NULL
);

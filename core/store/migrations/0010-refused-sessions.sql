-- 10: SMTP sessions in which a rule refused something (docs/architecture.md "Refused sessions"), kept apart from
--     the messages: their own retention count, untouched by deleting messages. started/ended in UTC milliseconds;
--     session_id is the SMTP session's key (as transcript_chunks.session_id); rules and messages are JSON arrays of
--     strings (the refusing rules in order; the API IDs of the messages the session delivered); data is the message
--     data refused at the end of DATA or BDAT, NULL when none. The entries are the whole transcript (direction 0 =
--     from the client, 1 = from the server), those stored with the session's messages copied in when it was kept.
CREATE TABLE refused_sessions (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    session_id INTEGER NOT NULL,
    started INTEGER NOT NULL,
    ended INTEGER NOT NULL,
    client_address TEXT NOT NULL,
    client_port INTEGER NOT NULL,
    helo TEXT NOT NULL,
    rules TEXT NOT NULL,
    messages TEXT NOT NULL,
    data_size INTEGER NOT NULL,
    data BLOB
);
CREATE TABLE refused_session_entries (
    session_row INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    direction INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (session_row, seq)
) WITHOUT ROWID;
-- Newest first (the API's order) and oldest first (retention) without a sort.
CREATE INDEX refused_sessions_started ON refused_sessions (started, id);

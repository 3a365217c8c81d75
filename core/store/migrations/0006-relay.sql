-- 6: relaying (CONTRACT "Relay, auto-relay and the SMTP client"): each message's relay log, one row per attempt
--    (release, auto-relay, retry) in the order made, and the auto-relays still to be tried, with when. Both belong
--    to the message's row: deleting the message deletes them (SqliteWriter::deleteMessages()). A queue row is
--    marked in flight before its message is sent, so that one found so at start was perhaps sent and is not sent
--    again (docs/architecture.md "Relay": at most once).
CREATE TABLE relay_log (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    recipients TEXT NOT NULL,
    ok INTEGER NOT NULL,
    reply BLOB NOT NULL
);
CREATE INDEX relay_log_message ON relay_log (message_id, id);
CREATE TABLE relay_queue (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    recipients TEXT NOT NULL,
    due INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    in_flight INTEGER NOT NULL
);
CREATE INDEX relay_queue_message ON relay_queue (message_id);

-- 4: transcripts as rows: each chunk's entries in transcript_entries (time in UTC milliseconds, direction 0 = from
--    the client, 1 = from the server, the text), in order within their chunk; Mailpit's JSON is made from them by
--    the API (core/api). The clustered key puts a chunk's entries together and every insert at the end. Chunks of
--    schema 3 held their entries as comma-separated JSON objects ({"Time": RFC 3339 UTC ms, "Direction": "in" or
--    "out", "Text": …}): converted here, in place.
CREATE TABLE transcript_entries (
    chunk_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    time INTEGER NOT NULL,
    direction INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (chunk_id, seq)
) WITHOUT ROWID;
INSERT INTO transcript_entries (chunk_id, seq, time, direction, text)
SELECT c.id, e.key,
    CAST(strftime('%s', substr(json_extract(e.value, '$.Time'), 1, 19)) AS INTEGER) * 1000
        + CAST(substr(json_extract(e.value, '$.Time'), 21, 3) AS INTEGER),
    CASE json_extract(e.value, '$.Direction') WHEN 'in' THEN 0 ELSE 1 END,
    json_extract(e.value, '$.Text')
FROM transcript_chunks c, json_each('[' || c.entries || ']') e
WHERE c.entries != '';
ALTER TABLE transcript_chunks DROP COLUMN entries;

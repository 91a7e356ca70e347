-- Bytes per unchanged re-observation (issue 3), second step: a record's CDXJ line is mostly its
-- own columns again (key, timestamp, URL, mime, status, digests, length, offset, file). A row
-- whose line is exactly what the expression below rebuilds from its columns now stores '' in
-- `cdxj` (the store checks this when it writes the row); any other line (POST keys, escaped
-- characters, a mime or status cdxj-indexer reads differently) is still stored whole, and NULL
-- still means "no line". Existing rows keep their stored lines: nothing to copy.
--
-- Two more compact forms need no schema change, only writers and readers that know them (the
-- store's code; older rows stay as they are and read the same):
-- - `ledger_leaves.leaf_hash` is written as its 32 bytes (a BLOB) instead of 64 hex digits;
--   readers turn a BLOB back into lowercase hex.
-- - `observations.metrics` and `observations.content_hash` hold '' when the value repeats the
--   item's latest earlier observation (by id) that stores one; readers resolve it. '' is never
--   a value of its own (metrics are a JSON object, content hashes `sha256:…`).
DROP VIEW captures;
CREATE VIEW captures AS
    SELECT c.id AS id, c.record_id AS record_id, c.record_type AS record_type,
        f.name AS warc_file, c.warc_offset AS warc_offset, c.warc_length AS warc_length,
        t.url AS url, t.urlkey AS urlkey, c.date AS date, c.unix_time AS unix_time,
        c.status AS status, c.mime AS mime, c.payload_digest AS payload_digest,
        c.block_digest AS block_digest, c.record_digest AS record_digest,
        c.refers_to AS refers_to, c.concurrent_to AS concurrent_to,
        CASE WHEN c.cdxj = '' THEN
            t.urlkey || ' ' || replace(replace(replace(substr(c.date, 1, 19), '-', ''), 'T', ''), ':', '')
            || ' {"url": "' || t.url || '"'
            || COALESCE(', "mime": "' || (CASE WHEN c.record_type = 'revisit' THEN 'warc/revisit' ELSE c.mime END) || '"', '')
            || COALESCE(', "status": "' || c.status || '"', '')
            || COALESCE(', "digest": "' || c.payload_digest || '"', '')
            || ', "length": "' || c.warc_length || '", "offset": "' || c.warc_offset
            || '", "filename": "' || f.name || '", "recordDigest": "sha256:' || lower(hex(c.record_digest)) || '"}'
        ELSE c.cdxj END AS cdxj
    FROM capture_rows c
    JOIN warc_files f ON f.id = c.file_id
    JOIN targets t ON t.id = c.target_id;

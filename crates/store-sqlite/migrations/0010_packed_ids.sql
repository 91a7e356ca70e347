-- Bytes per unchanged re-observation (issue 3), third step: record ids as 16 bytes.
-- A `WARC-Record-ID` in the form annals writes, `<urn:uuid:…>` with the UUID in canonical
-- lowercase (a GLOB below checks every character), is kept as its 16 bytes (a BLOB) instead of
-- 47 characters of text, in `capture_rows.record_id`, `refers_to`, `concurrent_to` and
-- `observations.record_id`, and in the `record_id` index. Any other id stays text. The
-- `captures` view renders a BLOB back into exactly the text it came from; the store's code binds
-- the packed form when it looks an id up (crates/store-sqlite/src/ids.rs).
-- Existing rows are packed here, so an id and every reference to it have one form.
-- (New record ids are also time-ordered UUIDs, version 7, so the `record_id` index grows at its
-- end with full pages; that needs no schema change.)

UPDATE capture_rows SET record_id = unhex(replace(substr(record_id, 11, 36), '-', '')) WHERE record_id GLOB '<urn:uuid:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]>';
UPDATE capture_rows SET refers_to = unhex(replace(substr(refers_to, 11, 36), '-', '')) WHERE refers_to GLOB '<urn:uuid:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]>';
UPDATE capture_rows SET concurrent_to = unhex(replace(substr(concurrent_to, 11, 36), '-', '')) WHERE concurrent_to GLOB '<urn:uuid:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]>';
UPDATE observations SET record_id = unhex(replace(substr(record_id, 11, 36), '-', '')) WHERE record_id GLOB '<urn:uuid:[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]>';

DROP VIEW captures;
CREATE VIEW captures AS
    SELECT c.id AS id,
        CASE WHEN typeof(c.record_id) = 'blob' THEN '<urn:uuid:' || substr(lower(hex(c.record_id)), 1, 8) || '-' || substr(lower(hex(c.record_id)), 9, 4) || '-' || substr(lower(hex(c.record_id)), 13, 4) || '-' || substr(lower(hex(c.record_id)), 17, 4) || '-' || substr(lower(hex(c.record_id)), 21, 12) || '>' ELSE c.record_id END AS record_id,
        c.record_type AS record_type,
        f.name AS warc_file, c.warc_offset AS warc_offset, c.warc_length AS warc_length,
        t.url AS url, t.urlkey AS urlkey, c.date AS date, c.unix_time AS unix_time,
        c.status AS status, c.mime AS mime, c.payload_digest AS payload_digest,
        c.block_digest AS block_digest, c.record_digest AS record_digest,
        CASE WHEN typeof(c.refers_to) = 'blob' THEN '<urn:uuid:' || substr(lower(hex(c.refers_to)), 1, 8) || '-' || substr(lower(hex(c.refers_to)), 9, 4) || '-' || substr(lower(hex(c.refers_to)), 13, 4) || '-' || substr(lower(hex(c.refers_to)), 17, 4) || '-' || substr(lower(hex(c.refers_to)), 21, 12) || '>' ELSE c.refers_to END AS refers_to,
        CASE WHEN typeof(c.concurrent_to) = 'blob' THEN '<urn:uuid:' || substr(lower(hex(c.concurrent_to)), 1, 8) || '-' || substr(lower(hex(c.concurrent_to)), 9, 4) || '-' || substr(lower(hex(c.concurrent_to)), 13, 4) || '-' || substr(lower(hex(c.concurrent_to)), 17, 4) || '-' || substr(lower(hex(c.concurrent_to)), 21, 12) || '>' ELSE c.concurrent_to END AS concurrent_to,
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

-- Slimmer capture rows (bytes per unchanged re-observation, issue 3). A re-observation adds a
-- revisit and a request record, each with a row here and a ledger leaf; what repeats from one
-- observation of a URL to the next is now stored once:
-- - each WARC file name once (`warc_files.id`), each (URL, SURT key) pair once (`targets`);
-- - the SHA-256 digests we compute (block, record) as 32 bytes instead of 71 characters of text
--   (a value not in our own `sha256:<hex>` spelling is kept as its text; see `digest_blob`);
-- - the payload-digest index only over the rows revisits point at (responses and resources).
-- `captures` stays the name readers use: a view with the same columns as before.
-- Rows are copied over, so existing data directories keep their index.

CREATE TABLE warc_files_v2 (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    indexed_size BIGINT NOT NULL
);
INSERT INTO warc_files_v2 (name, indexed_size) SELECT name, indexed_size FROM warc_files ORDER BY name;

CREATE TABLE targets (
    id     INTEGER PRIMARY KEY,
    url    TEXT,
    urlkey TEXT NOT NULL
);
INSERT INTO targets (url, urlkey)
    SELECT url, urlkey FROM captures GROUP BY url, urlkey ORDER BY min(id);
CREATE INDEX targets_urlkey ON targets (urlkey, url);
CREATE INDEX targets_url ON targets (url);

CREATE TABLE capture_rows (
    id             INTEGER PRIMARY KEY,
    record_id      TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    file_id        BIGINT NOT NULL REFERENCES warc_files_v2 (id),
    warc_offset    BIGINT NOT NULL,
    warc_length    BIGINT NOT NULL,
    target_id      BIGINT NOT NULL REFERENCES targets (id),
    date           TEXT NOT NULL,
    unix_time      BIGINT NOT NULL,
    status         INTEGER,
    mime           TEXT,
    payload_digest TEXT,
    block_digest   BLOB NOT NULL,
    record_digest  BLOB NOT NULL,
    refers_to      TEXT,
    concurrent_to  TEXT,
    cdxj           TEXT
);

-- Digests in the old text form move over as text (plus a 0xFF marker byte that UTF-8 never
-- holds); the store converts them on read like any value not in the canonical spelling.
INSERT INTO capture_rows (id, record_id, record_type, file_id, warc_offset, warc_length, target_id,
        date, unix_time, status, mime, payload_digest, block_digest, record_digest, refers_to,
        concurrent_to, cdxj)
    SELECT c.id, c.record_id, c.record_type, f.id, c.warc_offset, c.warc_length, t.id, c.date,
        c.unix_time, c.status, c.mime, c.payload_digest,
        CAST(c.block_digest AS BLOB) || x'ff', CAST(c.record_digest AS BLOB) || x'ff',
        c.refers_to, c.concurrent_to, c.cdxj
    FROM captures c
    JOIN warc_files_v2 f ON f.name = c.warc_file
    JOIN targets t ON t.urlkey = c.urlkey AND (t.url = c.url OR (t.url IS NULL AND c.url IS NULL));

CREATE UNIQUE INDEX capture_rows_location ON capture_rows (file_id, warc_offset);
CREATE INDEX capture_rows_target ON capture_rows (target_id, unix_time);
CREATE INDEX capture_rows_record_id ON capture_rows (record_id);
CREATE INDEX capture_rows_payload ON capture_rows (payload_digest)
    WHERE record_type IN ('response', 'resource');

CREATE TABLE ledger_leaves_v2 (
    leaf_index  INTEGER PRIMARY KEY,
    file_id     BIGINT NOT NULL REFERENCES warc_files_v2 (id),
    warc_offset BIGINT NOT NULL,
    leaf_hash   TEXT NOT NULL
);
INSERT INTO ledger_leaves_v2 (leaf_index, file_id, warc_offset, leaf_hash)
    SELECT l.leaf_index, f.id, l.warc_offset, l.leaf_hash
    FROM ledger_leaves l JOIN warc_files_v2 f ON f.name = l.warc_file;

DROP TABLE ledger_leaves;
DROP TABLE captures;
DROP TABLE warc_files;
ALTER TABLE warc_files_v2 RENAME TO warc_files;
ALTER TABLE ledger_leaves_v2 RENAME TO ledger_leaves;

CREATE VIEW captures AS
    SELECT c.id AS id, c.record_id AS record_id, c.record_type AS record_type,
        f.name AS warc_file, c.warc_offset AS warc_offset, c.warc_length AS warc_length,
        t.url AS url, t.urlkey AS urlkey, c.date AS date, c.unix_time AS unix_time,
        c.status AS status, c.mime AS mime, c.payload_digest AS payload_digest,
        c.block_digest AS block_digest, c.record_digest AS record_digest,
        c.refers_to AS refers_to, c.concurrent_to AS concurrent_to, c.cdxj AS cdxj
    FROM capture_rows c
    JOIN warc_files f ON f.id = c.file_id
    JOIN targets t ON t.id = c.target_id;

-- The index of the archive. Derived data: `annals reindex` rebuilds every row from the WARC files.
-- Keep it portable SQL; the PostgreSQL backend carries the same tables.

CREATE TABLE warc_files (
    name         TEXT PRIMARY KEY,
    indexed_size BIGINT NOT NULL
);

-- Things watched. Observations and events (observer issue) refer to items and captures.
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    native_id     TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    UNIQUE (platform, native_id)
);

-- One row per WARC record.
CREATE TABLE captures (
    id             INTEGER PRIMARY KEY,
    record_id      TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    warc_file      TEXT NOT NULL REFERENCES warc_files (name),
    warc_offset    BIGINT NOT NULL,
    warc_length    BIGINT NOT NULL,
    url            TEXT,
    urlkey         TEXT NOT NULL,
    date           TEXT NOT NULL,
    unix_time      BIGINT NOT NULL,
    status         INTEGER,
    mime           TEXT,
    payload_digest TEXT,
    block_digest   TEXT NOT NULL,
    record_digest  TEXT NOT NULL,
    refers_to      TEXT,
    concurrent_to  TEXT,
    cdxj           TEXT,
    item_id        BIGINT REFERENCES items (id)
);

CREATE UNIQUE INDEX captures_location ON captures (warc_file, warc_offset);
CREATE INDEX captures_url ON captures (url, unix_time);
CREATE INDEX captures_urlkey ON captures (urlkey, date);
CREATE INDEX captures_record_id ON captures (record_id);
CREATE INDEX captures_payload ON captures (payload_digest);

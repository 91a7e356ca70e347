-- The observer's tables. Derived like everything else: watch requests are WARC resource records
-- (urn:annals:watch:…) and observations are parsed from archived responses, so `annals reindex`
-- rebuilds every row here. The scheduling columns (next_due, priority, claimed_until) are the
-- persistent queue: a due-time column and a claim query that PostgreSQL runs with
-- FOR UPDATE SKIP LOCKED.

CREATE TABLE watch (
    item_id        BIGINT PRIMARY KEY REFERENCES items (id),
    kind           TEXT NOT NULL,
    list           TEXT NOT NULL,
    policy         TEXT NOT NULL,
    host           TEXT NOT NULL,
    seed           INTEGER NOT NULL DEFAULT 0,
    parent_id      BIGINT,
    added_at       BIGINT NOT NULL,
    state          TEXT,
    last_observed  BIGINT,
    last_seen_live BIGINT,
    observations   BIGINT NOT NULL DEFAULT 0,
    failures       INTEGER NOT NULL DEFAULT 0,
    next_due       BIGINT NOT NULL,
    priority       INTEGER NOT NULL,
    claimed_until  BIGINT,
    paused         INTEGER NOT NULL DEFAULT 0,
    timeline       TEXT
);

CREATE INDEX watch_queue ON watch (priority, next_due);
CREATE INDEX watch_list ON watch (list);
CREATE INDEX watch_host ON watch (host, next_due);

-- One row per observation: compact (metrics as a small JSON object, content only by hash).
CREATE TABLE observations (
    id           INTEGER PRIMARY KEY,
    item_id      BIGINT NOT NULL,
    observed_at  BIGINT NOT NULL,
    state        TEXT NOT NULL,
    code         TEXT,
    message      TEXT,
    http_status  INTEGER,
    metrics      TEXT,
    content_hash TEXT,
    record_id    TEXT NOT NULL
);

CREATE INDEX observations_item ON observations (item_id, observed_at);

-- Every content version of an item, once.
CREATE TABLE contents (
    item_id      BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen   BIGINT NOT NULL,
    title        TEXT,
    body         TEXT,
    author       TEXT,
    published_at TEXT,
    PRIMARY KEY (item_id, content_hash)
);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    item_id         BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    at              BIGINT NOT NULL,
    state           TEXT,
    last_seen_live  BIGINT,
    first_seen_gone BIGINT,
    detail          TEXT NOT NULL
);

CREATE INDEX events_at ON events (at);
CREATE INDEX events_item ON events (item_id, at);

-- Hosts that refused us (blocked): their items wait until blocked_until.
CREATE TABLE hosts (
    name          TEXT PRIMARY KEY,
    blocked_until BIGINT NOT NULL,
    strikes       INTEGER NOT NULL
);

-- How far the observer has derived observations from the captures table (captures.id).
CREATE TABLE observer_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    derived_to BIGINT NOT NULL
);

-- The ledger: one leaf per archived record, in archive order, appended in the same transaction
-- that indexes the record. Derived like everything else here: reindexing the WARC files
-- rebuilds the same leaves, so signed checkpoints stay verifiable.

CREATE TABLE ledger_leaves (
    leaf_index  BIGINT PRIMARY KEY,
    warc_file   TEXT NOT NULL,
    warc_offset BIGINT NOT NULL,
    leaf_hash   TEXT NOT NULL
);

-- The Merkle tree's frontier after the last commit (one row).
CREATE TABLE ledger_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    size     BIGINT NOT NULL,
    frontier TEXT NOT NULL
);

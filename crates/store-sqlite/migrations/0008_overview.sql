-- Browsing a million items: the overview's figures from small indexes and a counts table instead
-- of scans of `watch`; a list's items in id order from an index.

-- Due items counted, and the next due time found, in due order; claims by their lease.
CREATE INDEX watch_due ON watch (paused, next_due, claimed_until);
CREATE INDEX watch_claimed ON watch (claimed_until);

-- A list's items page by page, in id order (with `watch_list` alone, SQLite sorted the whole list).
CREATE INDEX watch_list_item ON watch (list, item_id);

-- Items per (list, state), kept by triggers ('' is an item never observed yet).
CREATE TABLE watch_counts (
    list  TEXT NOT NULL,
    state TEXT NOT NULL,
    items BIGINT NOT NULL,
    PRIMARY KEY (list, state)
);

INSERT INTO watch_counts (list, state, items)
SELECT list, coalesce(state, ''), count(*) FROM watch GROUP BY list, coalesce(state, '');

CREATE TRIGGER watch_counts_insert AFTER INSERT ON watch
BEGIN
    INSERT INTO watch_counts (list, state, items) VALUES (NEW.list, coalesce(NEW.state, ''), 1)
    ON CONFLICT (list, state) DO UPDATE SET items = items + 1;
END;

CREATE TRIGGER watch_counts_delete AFTER DELETE ON watch
BEGIN
    UPDATE watch_counts SET items = items - 1
    WHERE list = OLD.list AND state = coalesce(OLD.state, '');
END;

CREATE TRIGGER watch_counts_update AFTER UPDATE OF list, state ON watch
WHEN OLD.list IS NOT NEW.list OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE watch_counts SET items = items - 1
    WHERE list = OLD.list AND state = coalesce(OLD.state, '');
    INSERT INTO watch_counts (list, state, items) VALUES (NEW.list, coalesce(NEW.state, ''), 1)
    ON CONFLICT (list, state) DO UPDATE SET items = items + 1;
END;

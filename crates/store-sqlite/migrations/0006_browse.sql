-- The web UI's overview counts items per (list, state) from this index alone, and pages through
-- the newest events of a kind.
CREATE INDEX watch_list_state ON watch (list, state);
CREATE INDEX events_kind_at ON events (kind, at);

-- Finding an item by its URL or platform id (`annals item`, `watch add` of a known item,
-- catch-up joining observations to items) must not scan the table.
CREATE INDEX items_canonical_url ON items (canonical_url);
CREATE INDEX items_native_id ON items (native_id);

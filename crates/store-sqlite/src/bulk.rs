//! Lookups of many items in a few statements (`import-table` derives a chunk of rows at once).
//! Read-only over the observer's tables of migrations 0003 and 0004: no schema of its own.

use std::collections::HashMap;

use annals_store::{Due, StoreError};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use crate::observer::{DUE_COLUMNS, due_row};
use crate::q;

/// Bound parameters per statement (SQLite allows 32,766; fewer keep statements small).
const PER_STATEMENT: usize = 500;

pub(crate) async fn due_items(pool: &SqlitePool, item_ids: &[i64]) -> Result<Vec<Due>, StoreError> {
    let mut out = Vec::with_capacity(item_ids.len());
    for chunk in item_ids.chunks(PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {DUE_COLUMNS} FROM watch w JOIN items i ON i.id = w.item_id WHERE w.item_id IN ("
        ));
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(")");
        let rows = qb.build().fetch_all(pool).await.map_err(q)?;
        for r in &rows {
            out.push(due_row(r).map_err(q)?);
        }
    }
    Ok(out)
}

/// Which column a key is matched against, in `watch_find`'s order.
#[derive(Clone, Copy)]
enum By {
    ItemId,
    CanonicalUrl,
    NativeId,
}

pub(crate) async fn watch_find_ids(
    pool: &SqlitePool,
    keys: &[String],
) -> Result<Vec<Option<i64>>, StoreError> {
    let mut out: Vec<Option<i64>> = vec![None; keys.len()];
    for by in [By::ItemId, By::CanonicalUrl, By::NativeId] {
        // Keys still unresolved (and, for row ids, numeric).
        let pending: Vec<(usize, &str)> = keys
            .iter()
            .enumerate()
            .filter(|(i, k)| {
                out[*i].is_none() && (!matches!(by, By::ItemId) || k.parse::<i64>().is_ok())
            })
            .map(|(i, k)| (i, k.as_str()))
            .collect();
        for chunk in pending.chunks(PER_STATEMENT) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(match by {
                By::ItemId => {
                    "SELECT CAST(w.item_id AS TEXT), w.item_id FROM watch w WHERE w.item_id IN ("
                }
                By::CanonicalUrl => {
                    "SELECT i.canonical_url, min(w.item_id) FROM watch w JOIN items i ON i.id = w.item_id \
                     WHERE i.canonical_url IN ("
                }
                By::NativeId => {
                    "SELECT i.native_id, min(w.item_id) FROM watch w JOIN items i ON i.id = w.item_id \
                     WHERE i.native_id IN ("
                }
            });
            let mut sep = qb.separated(", ");
            for (_, k) in chunk {
                match by {
                    By::ItemId => sep.push_bind(k.parse::<i64>().unwrap_or(-1)),
                    _ => sep.push_bind(*k),
                };
            }
            qb.push(")");
            if !matches!(by, By::ItemId) {
                qb.push(" GROUP BY 1");
            }
            let rows = qb.build().fetch_all(pool).await.map_err(q)?;
            let mut found: HashMap<String, i64> = HashMap::with_capacity(rows.len());
            for r in &rows {
                found.insert(r.try_get(0).map_err(q)?, r.try_get(1).map_err(q)?);
            }
            for (i, k) in chunk {
                let hit = match by {
                    // "007" names row 7, as `watch_find` binds the parsed number.
                    By::ItemId => k
                        .parse::<i64>()
                        .ok()
                        .and_then(|n| found.get(&n.to_string())),
                    _ => found.get(*k),
                };
                if let Some(id) = hit {
                    out[*i] = Some(*id);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use annals_store::{Store, WatchRow};

    use crate::SqliteStore;

    fn row(platform: &str, native_id: &str, url: &str) -> WatchRow {
        WatchRow {
            platform: platform.into(),
            native_id: native_id.into(),
            canonical_url: url.into(),
            kind: "row".into(),
            list: "l".into(),
            policy: "imported".into(),
            host: "table".into(),
            seed: false,
            parent_id: None,
            added_at: 1,
        }
    }

    /// The bulk lookups answer as the one-at-a-time ones do, for every kind of key.
    #[tokio::test]
    async fn bulk_lookups_agree_with_single_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("index.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let mut rows: Vec<WatchRow> = (0..1200)
            .map(|i| row("t", &format!("n{i}"), &format!("urn:t:{i}")))
            .collect();
        // A platform id that is another item's URL: the URL wins, as in `watch_find`.
        rows.push(row("u", "urn:t:5", "urn:u:5"));
        store.watch_add(&rows, 100).await.unwrap();
        let mut keys: Vec<String> = vec![
            "1".into(),
            "0007".into(),
            "999999".into(),
            "urn:t:5".into(),
            "n17".into(),
            "urn:u:5".into(),
            "missing".into(),
            String::new(),
        ];
        keys.extend((0..1200).step_by(7).map(|i| format!("urn:t:{i}")));
        let bulk = store.watch_find_ids(&keys).await.unwrap();
        assert_eq!(bulk.len(), keys.len());
        for (k, id) in keys.iter().zip(&bulk) {
            let single = store.watch_find(k).await.unwrap().map(|w| w.item_id);
            assert_eq!(*id, single, "{k:?}");
        }
        assert!(bulk[0].is_some() && bulk[6].is_none());
        let ids: Vec<i64> = bulk
            .iter()
            .flatten()
            .copied()
            .chain([-5, 424_242])
            .collect();
        let mut dues = store.due_items(&ids).await.unwrap();
        dues.sort_by_key(|d| d.item_id);
        let mut singles = Vec::new();
        for id in &ids {
            if let Some(d) = store.due_item(*id).await.unwrap() {
                singles.push(d);
            }
        }
        singles.sort_by_key(|d| d.item_id);
        singles.dedup_by_key(|d| d.item_id);
        dues.dedup_by_key(|d| d.item_id);
        assert_eq!(dues, singles);
        assert!(dues.len() > 150);
    }
}

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
            .filter(|(i, k)| out[*i].is_none() && (!matches!(by, By::ItemId) || k.parse::<i64>().is_ok()))
            .map(|(i, k)| (i, k.as_str()))
            .collect();
        for chunk in pending.chunks(PER_STATEMENT) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(match by {
                By::ItemId => "SELECT CAST(w.item_id AS TEXT), w.item_id FROM watch w WHERE w.item_id IN (",
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
                    By::ItemId => k.parse::<i64>().ok().and_then(|n| found.get(&n.to_string())),
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

//! SQL of the observer's tables (migration 0003): the persistent queue and derived rows.

use annals_store::{
    Capture, ContentRow, Due, EventFilter, EventInfo, EventRow, ItemUpdate, LifeRow,
    ObservationRow, ObserverBatch, QueueStats, StateCount, StoreError, WatchInfo, WatchRow,
};
use std::collections::HashMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{COLUMNS, from_row, q};

pub(crate) const DUE_COLUMNS: &str = "w.item_id, i.platform, i.native_id, i.canonical_url, w.kind, w.list, \
     w.policy, w.host, w.seed, w.added_at, w.next_due, w.priority, w.failures, w.timeline";

const INFO_COLUMNS: &str = "w.item_id, i.platform, i.native_id, i.canonical_url, w.kind, w.list, \
     w.policy, w.seed, w.added_at, w.state, w.last_observed, w.last_seen_live, w.observations, \
     w.next_due, w.paused";

pub(crate) fn due_row(r: &SqliteRow) -> Result<Due, sqlx::Error> {
    Ok(Due {
        item_id: r.try_get("item_id")?,
        platform: r.try_get("platform")?,
        native_id: r.try_get("native_id")?,
        canonical_url: r.try_get("canonical_url")?,
        kind: r.try_get("kind")?,
        list: r.try_get("list")?,
        policy: r.try_get("policy")?,
        host: r.try_get("host")?,
        seed: r.try_get::<i64, _>("seed")? != 0,
        added_at: r.try_get("added_at")?,
        next_due: r.try_get("next_due")?,
        priority: r.try_get("priority")?,
        failures: r.try_get("failures")?,
        timeline: r.try_get("timeline")?,
    })
}

fn info_row(r: &SqliteRow) -> Result<WatchInfo, sqlx::Error> {
    Ok(WatchInfo {
        item_id: r.try_get("item_id")?,
        platform: r.try_get("platform")?,
        native_id: r.try_get("native_id")?,
        url: r.try_get("canonical_url")?,
        kind: r.try_get("kind")?,
        list: r.try_get("list")?,
        policy: r.try_get("policy")?,
        seed: r.try_get::<i64, _>("seed")? != 0,
        added_at: r.try_get("added_at")?,
        state: r.try_get("state")?,
        last_observed: r.try_get("last_observed")?,
        last_seen_live: r.try_get("last_seen_live")?,
        observations: r.try_get("observations")?,
        next_due: r.try_get("next_due")?,
        paused: r.try_get::<i64, _>("paused")? != 0,
    })
}

pub(crate) async fn watch_add(
    pool: &SqlitePool,
    rows: &[WatchRow],
    due: i64,
) -> Result<Vec<(i64, bool)>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    let mut tx = pool.begin().await.map_err(q)?;
    // A few statements per 100 rows: every statement is a round trip to SQLite's thread.
    for chunk in rows.chunks(100) {
        let mut ids: std::collections::HashMap<(&str, &str), i64> =
            std::collections::HashMap::with_capacity(chunk.len());
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO items (platform, native_id, canonical_url) ");
        qb.push_values(chunk, |mut b, w| {
            b.push_bind(w.platform.as_str())
                .push_bind(w.native_id.as_str())
                .push_bind(w.canonical_url.as_str());
        });
        qb.push(" ON CONFLICT (platform, native_id) DO NOTHING");
        qb.build().execute(&mut *tx).await.map_err(q)?;
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT id, platform, native_id FROM items WHERE (platform, native_id) IN (VALUES ",
        );
        let mut sep = qb.separated(", ");
        for w in chunk {
            sep.push("(")
                .push_bind_unseparated(w.platform.as_str())
                .push_unseparated(", ")
                .push_bind_unseparated(w.native_id.as_str())
                .push_unseparated(")");
        }
        qb.push(")");
        let found = qb.build().fetch_all(&mut *tx).await.map_err(q)?;
        let mut found_ids: Vec<(i64, String, String)> = Vec::with_capacity(found.len());
        for r in &found {
            found_ids.push((
                r.try_get(0).map_err(q)?,
                r.try_get(1).map_err(q)?,
                r.try_get(2).map_err(q)?,
            ));
        }
        for (id, p, n) in &found_ids {
            if let Some(w) = chunk.iter().find(|w| &w.platform == p && &w.native_id == n) {
                ids.insert((w.platform.as_str(), w.native_id.as_str()), *id);
            }
        }
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO watch (item_id, kind, list, policy, host, seed, parent_id, added_at, \
             next_due, priority) ",
        );
        let mut missing = None;
        qb.push_values(chunk, |mut b, w| {
            let id = ids
                .get(&(w.platform.as_str(), w.native_id.as_str()))
                .copied();
            if id.is_none() {
                missing = Some(w.canonical_url.clone());
            }
            b.push_bind(id.unwrap_or(-1))
                .push_bind(w.kind.as_str())
                .push_bind(w.list.as_str())
                .push_bind(w.policy.as_str())
                .push_bind(w.host.as_str())
                .push_bind(i64::from(w.seed))
                .push_bind(w.parent_id)
                .push_bind(w.added_at)
                .push_bind(due)
                .push_bind(250i64);
        });
        if let Some(url) = missing {
            return Err(StoreError::Corrupt(format!("item {url} was not stored")));
        }
        qb.push(" ON CONFLICT (item_id) DO NOTHING RETURNING item_id");
        let inserted = qb.build().fetch_all(&mut *tx).await.map_err(q)?;
        let mut new_ids = std::collections::HashSet::with_capacity(inserted.len());
        for r in &inserted {
            new_ids.insert(r.try_get::<i64, _>(0).map_err(q)?);
        }
        let mut seen = std::collections::HashSet::new();
        for w in chunk {
            let id = ids[&(w.platform.as_str(), w.native_id.as_str())];
            // A row repeated within the batch: only its first occurrence is new.
            let added = new_ids.contains(&id) && seen.insert(id);
            if !new_ids.contains(&id) && w.seed {
                sqlx::query("UPDATE watch SET seed = 1 WHERE item_id = ?")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(q)?;
            }
            out.push((id, added));
        }
    }
    tx.commit().await.map_err(q)?;
    Ok(out)
}

pub(crate) async fn claim_due(
    pool: &SqlitePool,
    now: i64,
    lease_until: i64,
    priorities: &[i64],
    limit: u64,
) -> Result<Vec<Due>, StoreError> {
    // One writer at a time in SQLite: the transaction is the lock. PostgreSQL runs the same
    // select with FOR UPDATE SKIP LOCKED so that several workers never claim the same row.
    let mut tx = pool.begin().await.map_err(q)?;
    let mut out: Vec<Due> = Vec::new();
    for &p in priorities {
        let want = limit.saturating_sub(out.len() as u64);
        if want == 0 {
            break;
        }
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DUE_COLUMNS} FROM watch w JOIN items i ON i.id = w.item_id \
             WHERE w.priority = ? AND w.next_due <= ? AND w.paused = 0 \
             AND (w.claimed_until IS NULL OR w.claimed_until < ?) \
             ORDER BY w.next_due LIMIT ?"
        )))
        .bind(p)
        .bind(now)
        .bind(now)
        .bind(want.min(i64::MAX as u64) as i64)
        .fetch_all(&mut *tx)
        .await
        .map_err(q)?;
        for r in &rows {
            out.push(due_row(r).map_err(q)?);
        }
    }
    for chunk in out.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE watch SET claimed_until = ");
        qb.push_bind(lease_until).push(" WHERE item_id IN (");
        let mut sep = qb.separated(", ");
        for d in chunk {
            sep.push_bind(d.item_id);
        }
        qb.push(")");
        qb.build().execute(&mut *tx).await.map_err(q)?;
    }
    tx.commit().await.map_err(q)?;
    Ok(out)
}

pub(crate) async fn release(
    pool: &SqlitePool,
    items: Option<&[(i64, Option<i64>)]>,
) -> Result<(), StoreError> {
    match items {
        None => {
            sqlx::query("UPDATE watch SET claimed_until = NULL WHERE claimed_until IS NOT NULL")
                .execute(pool)
                .await
                .map_err(q)?;
        }
        Some(items) => {
            let mut tx = pool.begin().await.map_err(q)?;
            for (id, due) in items {
                sqlx::query(
                    "UPDATE watch SET claimed_until = NULL, next_due = coalesce(?, next_due) \
                     WHERE item_id = ?",
                )
                .bind(*due)
                .bind(*id)
                .execute(&mut *tx)
                .await
                .map_err(q)?;
            }
            tx.commit().await.map_err(q)?;
        }
    }
    Ok(())
}

pub(crate) async fn block_host(
    pool: &SqlitePool,
    host: &str,
    until: i64,
    strikes: i64,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(q)?;
    sqlx::query(
        "INSERT INTO hosts (name, blocked_until, strikes) VALUES (?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET blocked_until = excluded.blocked_until, \
         strikes = excluded.strikes",
    )
    .bind(host)
    .bind(until)
    .bind(strikes)
    .execute(&mut *tx)
    .await
    .map_err(q)?;
    if until > 0 {
        sqlx::query(
            "UPDATE watch SET next_due = ? WHERE host = ? AND next_due < ? AND claimed_until IS NULL",
        )
        .bind(until)
        .bind(host)
        .bind(until)
        .execute(&mut *tx)
        .await
        .map_err(q)?;
    }
    tx.commit().await.map_err(q)
}

pub(crate) async fn blocked_hosts(
    pool: &SqlitePool,
    now: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT name, blocked_until, strikes FROM hosts WHERE blocked_until > ? ORDER BY name",
    )
    .bind(now)
    .fetch_all(pool)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

/// An observation's `metrics` resolved: '' stands for the value of the item's latest earlier
/// observation (by id) that stores one (see `commit_observed`).
const METRICS_EXPR: &str = "CASE WHEN o.metrics = '' THEN (SELECT p.metrics FROM observations p \
     WHERE p.item_id = o.item_id AND p.id < o.id AND p.metrics IS NOT '' ORDER BY p.id DESC LIMIT 1) \
     ELSE o.metrics END";

/// An observation's `content_hash` resolved, as [`METRICS_EXPR`].
const CONTENT_HASH_EXPR: &str = "CASE WHEN o.content_hash = '' THEN (SELECT p.content_hash \
     FROM observations p WHERE p.item_id = o.item_id AND p.id < o.id AND p.content_hash IS NOT '' \
     ORDER BY p.id DESC LIMIT 1) ELSE o.content_hash END";

/// The latest stored (non-'') value of `column` for each item of the batch's observations.
async fn previous_values(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    batch: &ObserverBatch,
    column: &str,
) -> Result<HashMap<i64, Option<String>>, StoreError> {
    let mut items: Vec<i64> = batch.observations.iter().map(|o| o.item_id).collect();
    items.sort_unstable();
    items.dedup();
    let mut out = HashMap::with_capacity(items.len());
    for chunk in items.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT o.item_id, o.{column} FROM observations o WHERE o.id IN \
             (SELECT max(p.id) FROM observations p WHERE p.{column} IS NOT '' AND p.item_id IN ("
        ));
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        qb.push(") GROUP BY p.item_id)");
        let rows = qb.build().fetch_all(&mut **tx).await.map_err(q)?;
        for r in rows {
            let item: i64 = r.try_get(0).map_err(q)?;
            let value: Option<String> = r.try_get(1).map_err(q)?;
            out.insert(item, value);
        }
    }
    Ok(out)
}

/// What to store for `value` given the item's last stored value: '' when it repeats it.
fn repeat_or_value<'v>(
    last: &mut HashMap<i64, Option<String>>,
    item_id: i64,
    value: Option<&'v str>,
) -> Option<&'v str> {
    let Some(v) = value else {
        last.insert(item_id, None);
        return None;
    };
    if v.is_empty() {
        // Never a real value; stored as NULL would change it, so keep it (cannot be told apart
        // from a repeat, which is why the writers never produce it).
        return Some(v);
    }
    if last.get(&item_id).is_some_and(|l| l.as_deref() == Some(v)) {
        return Some("");
    }
    last.insert(item_id, Some(v.to_string()));
    Some(v)
}

pub(crate) async fn commit_observed(
    pool: &SqlitePool,
    batch: &ObserverBatch,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(q)?;
    // Metrics and content hash repeat from one observation of an item to the next while
    // nothing changes: such a value is stored as '' ("as the item's previous observation that
    // stores one", by id), and readers resolve it (`METRICS_EXPR`, `CONTENT_HASH_EXPR`).
    let mut last_metrics = previous_values(&mut tx, batch, "metrics").await?;
    let mut last_hash = previous_values(&mut tx, batch, "content_hash").await?;
    let mut stored: Vec<(Option<&str>, Option<&str>)> =
        Vec::with_capacity(batch.observations.len());
    for o in &batch.observations {
        let metrics = repeat_or_value(&mut last_metrics, o.item_id, o.metrics.as_deref());
        let hash = repeat_or_value(&mut last_hash, o.item_id, o.content_hash.as_deref());
        stored.push((metrics, hash));
    }
    let mut stored = stored.into_iter();
    for chunk in batch.observations.chunks(900) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO observations (item_id, observed_at, state, code, message, http_status, \
             metrics, content_hash, record_id) ",
        );
        qb.push_values(chunk, |mut b, o| {
            let (metrics, hash) = stored.next().unwrap_or((None, None));
            b.push_bind(o.item_id)
                .push_bind(o.observed_at)
                .push_bind(o.state.as_str())
                .push_bind(o.code.as_deref())
                .push_bind(o.message.as_deref())
                .push_bind(i64::from(o.http_status))
                .push_bind(metrics)
                .push_bind(hash)
                .push_bind(crate::ids::stored_id(&o.record_id));
        });
        qb.build().execute(&mut *tx).await.map_err(q)?;
    }
    for chunk in batch.contents.chunks(1000) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO contents (item_id, content_hash, first_seen, title, body, author, \
             published_at) ",
        );
        qb.push_values(chunk, |mut b, c| {
            b.push_bind(c.item_id)
                .push_bind(c.content_hash.as_str())
                .push_bind(c.first_seen)
                .push_bind(c.title.as_deref())
                .push_bind(c.body.as_deref())
                .push_bind(c.author.as_deref())
                .push_bind(c.published_at.as_deref());
        });
        qb.push(" ON CONFLICT DO NOTHING");
        qb.build().execute(&mut *tx).await.map_err(q)?;
    }
    for chunk in batch.events.chunks(1000) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO events (item_id, kind, at, state, last_seen_live, first_seen_gone, detail) ",
        );
        qb.push_values(chunk, |mut b, e| {
            b.push_bind(e.item_id)
                .push_bind(e.kind.as_str())
                .push_bind(e.at)
                .push_bind(e.state.as_deref())
                .push_bind(e.last_seen_live)
                .push_bind(e.first_seen_gone)
                .push_bind(e.detail.as_str());
        });
        qb.build().execute(&mut *tx).await.map_err(q)?;
    }
    // One row per item (a batch may observe an item more than once), then one UPDATE … FROM
    // per 1,000 items.
    let mut merged: Vec<ItemUpdate> = Vec::with_capacity(batch.updates.len());
    let mut at: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for u in &batch.updates {
        match at.get(&u.item_id) {
            Some(&k) => {
                let m = &mut merged[k];
                m.state = u.state.clone().or(m.state.take());
                m.last_observed = u.last_observed;
                m.last_seen_live = u.last_seen_live.or(m.last_seen_live);
                m.observations += u.observations;
                m.failures = u.failures;
                m.next_due = u.next_due;
                m.priority = u.priority;
                m.timeline = u.timeline.clone();
            }
            None => {
                at.insert(u.item_id, merged.len());
                merged.push(u.clone());
            }
        }
    }
    for chunk in merged.chunks(1000) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "WITH u (item_id, state, last_observed, last_seen_live, n, failures, next_due, \
             priority, timeline) AS (VALUES ",
        );
        let mut sep = qb.separated(", ");
        for u in chunk {
            sep.push("(")
                .push_bind_unseparated(u.item_id)
                .push_unseparated(", ")
                .push_bind_unseparated(u.state.as_deref())
                .push_unseparated(", ")
                .push_bind_unseparated(u.last_observed)
                .push_unseparated(", ")
                .push_bind_unseparated(u.last_seen_live)
                .push_unseparated(", ")
                .push_bind_unseparated(u.observations)
                .push_unseparated(", ")
                .push_bind_unseparated(u.failures)
                .push_unseparated(", ")
                .push_bind_unseparated(u.next_due)
                .push_unseparated(", ")
                .push_bind_unseparated(u.priority)
                .push_unseparated(", ")
                .push_bind_unseparated(u.timeline.as_str())
                .push_unseparated(")");
        }
        qb.push(
            ") UPDATE watch SET state = coalesce(u.state, watch.state), \
             last_observed = u.last_observed, \
             last_seen_live = coalesce(u.last_seen_live, watch.last_seen_live), \
             observations = watch.observations + u.n, failures = u.failures, \
             next_due = u.next_due, priority = u.priority, timeline = u.timeline, \
             claimed_until = NULL FROM u WHERE watch.item_id = u.item_id",
        );
        qb.build().execute(&mut *tx).await.map_err(q)?;
    }
    if let Some(to) = batch.derived_to {
        sqlx::query(
            "INSERT INTO observer_state (id, derived_to) VALUES (1, ?) \
             ON CONFLICT (id) DO UPDATE SET derived_to = max(observer_state.derived_to, excluded.derived_to)",
        )
        .bind(to)
        .execute(&mut *tx)
        .await
        .map_err(q)?;
    }
    tx.commit().await.map_err(q)
}

pub(crate) async fn derived_to(pool: &SqlitePool) -> Result<i64, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT derived_to FROM observer_state WHERE id = 1")
        .fetch_optional(pool)
        .await
        .map_err(q)?;
    Ok(v.unwrap_or(0))
}

pub(crate) async fn captures_after(
    pool: &SqlitePool,
    after: i64,
    limit: u64,
) -> Result<Vec<(i64, Capture)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT id, {COLUMNS} FROM captures WHERE id > ? ORDER BY id LIMIT ?"
    )))
    .bind(after)
    .bind(limit.min(i64::MAX as u64) as i64)
    .fetch_all(pool)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, from_row(r)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

pub(crate) async fn max_capture_id(pool: &SqlitePool) -> Result<i64, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM capture_rows")
        .fetch_one(pool)
        .await
        .map_err(q)?;
    Ok(v.unwrap_or(0))
}

pub(crate) async fn due_item(pool: &SqlitePool, item_id: i64) -> Result<Option<Due>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {DUE_COLUMNS} FROM watch w JOIN items i ON i.id = w.item_id WHERE w.item_id = ?"
    )))
    .bind(item_id)
    .fetch_optional(pool)
    .await
    .map_err(q)?;
    row.as_ref().map(due_row).transpose().map_err(q)
}

pub(crate) async fn watch_list(
    pool: &SqlitePool,
    list: Option<&str>,
    limit: Option<u64>,
) -> Result<Vec<WatchInfo>, StoreError> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {INFO_COLUMNS} FROM watch w JOIN items i ON i.id = w.item_id WHERE 1=1"
    ));
    if let Some(list) = list {
        qb.push(" AND w.list = ").push_bind(list);
    }
    qb.push(" ORDER BY w.item_id");
    if let Some(limit) = limit {
        qb.push(" LIMIT ")
            .push_bind(limit.min(i64::MAX as u64) as i64);
    }
    let rows = qb.build().fetch_all(pool).await.map_err(q)?;
    rows.iter()
        .map(info_row)
        .collect::<Result<_, _>>()
        .map_err(q)
}

pub(crate) async fn watch_find(
    pool: &SqlitePool,
    key: &str,
) -> Result<Option<WatchInfo>, StoreError> {
    // One indexed lookup at a time: an OR across columns would scan the table.
    let mut lookups: Vec<(&str, Option<i64>)> = Vec::new();
    if let Ok(id) = key.parse::<i64>() {
        lookups.push(("w.item_id = ?", Some(id)));
    }
    lookups.push(("i.canonical_url = ?", None));
    lookups.push(("i.native_id = ?", None));
    for (clause, id) in lookups {
        let query = sqlx::query(AssertSqlSafe(format!(
            "SELECT {INFO_COLUMNS} FROM watch w JOIN items i ON i.id = w.item_id \
             WHERE {clause} ORDER BY w.item_id LIMIT 1"
        )));
        let query = match id {
            Some(id) => query.bind(id),
            None => query.bind(key),
        };
        if let Some(row) = query.fetch_optional(pool).await.map_err(q)? {
            return info_row(&row).map(Some).map_err(q);
        }
    }
    Ok(None)
}

pub(crate) async fn observations(
    pool: &SqlitePool,
    item_id: i64,
) -> Result<Vec<ObservationRow>, StoreError> {
    let rows = sqlx::query(
        AssertSqlSafe(format!("SELECT o.item_id AS item_id, o.observed_at AS observed_at, o.state AS state, \
         o.code AS code, o.message AS message, o.http_status AS http_status, {METRICS_EXPR} AS metrics, \
         {CONTENT_HASH_EXPR} AS content_hash, {record_id} AS record_id FROM observations o \
         WHERE o.item_id = ? ORDER BY o.observed_at, o.id", record_id = crate::ids::id_sql("o.record_id"))),
    )
    .bind(item_id)
    .fetch_all(pool)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| {
            Ok(ObservationRow {
                item_id: r.try_get("item_id")?,
                observed_at: r.try_get("observed_at")?,
                state: r.try_get("state")?,
                code: r.try_get("code")?,
                message: r.try_get("message")?,
                http_status: u16::try_from(r.try_get::<i64, _>("http_status")?).unwrap_or(0),
                metrics: r.try_get("metrics")?,
                content_hash: r.try_get("content_hash")?,
                record_id: r.try_get("record_id")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

pub(crate) async fn contents(
    pool: &SqlitePool,
    item_id: i64,
) -> Result<Vec<ContentRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT item_id, content_hash, first_seen, title, body, author, published_at \
         FROM contents WHERE item_id = ? ORDER BY first_seen",
    )
    .bind(item_id)
    .fetch_all(pool)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| {
            Ok(ContentRow {
                item_id: r.try_get("item_id")?,
                content_hash: r.try_get("content_hash")?,
                first_seen: r.try_get("first_seen")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                author: r.try_get("author")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

pub(crate) async fn events(
    pool: &SqlitePool,
    filter: &EventFilter,
) -> Result<Vec<EventInfo>, StoreError> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT e.item_id, e.kind, e.at, e.state, e.last_seen_live, e.first_seen_gone, e.detail, \
         i.canonical_url, i.platform FROM events e JOIN items i ON i.id = e.item_id WHERE 1=1",
    );
    if let Some(since) = filter.since {
        qb.push(" AND e.at >= ").push_bind(since);
    }
    if let Some(id) = filter.item_id {
        qb.push(" AND e.item_id = ").push_bind(id);
    }
    if !filter.kinds.is_empty() {
        qb.push(" AND e.kind IN (");
        let mut sep = qb.separated(", ");
        for k in &filter.kinds {
            sep.push_bind(k.as_str());
        }
        qb.push(")");
    }
    qb.push(" ORDER BY e.at, e.id");
    if let Some(limit) = filter.limit {
        qb.push(" LIMIT ")
            .push_bind(limit.min(i64::MAX as u64) as i64);
    }
    let rows = qb.build().fetch_all(pool).await.map_err(q)?;
    rows.iter()
        .map(|r| {
            Ok(EventInfo {
                event: EventRow {
                    item_id: r.try_get("item_id")?,
                    kind: r.try_get("kind")?,
                    at: r.try_get("at")?,
                    state: r.try_get("state")?,
                    last_seen_live: r.try_get("last_seen_live")?,
                    first_seen_gone: r.try_get("first_seen_gone")?,
                    detail: r.try_get("detail")?,
                },
                url: r.try_get("canonical_url")?,
                platform: r.try_get("platform")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

/// Where [`queue_stats`]' counts stop.
const QUEUE_COUNT_CAP: i64 = 20_000;

pub(crate) async fn queue_stats(pool: &SqlitePool, now: i64) -> Result<QueueStats, StoreError> {
    // Each figure from an index or the counts table (migration 0008): no scan of `watch`.
    let items: i64 = sqlx::query_scalar("SELECT coalesce(sum(items), 0) FROM watch_counts")
        .fetch_one(pool)
        .await
        .map_err(q)?;
    // Counting a range of an index costs its length (70 ms for a million due items), so each
    // count stops past QUEUE_COUNT_CAP: the due items are counted, or else the others (all
    // but the due are paused or due later), and only when both sides are that large is the
    // figure a lower bound.
    let capped = |sql: &'static str| {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(now)
            .bind(QUEUE_COUNT_CAP + 1)
            .fetch_one(pool)
    };
    let mut due = capped(
        "SELECT count(*) FROM (SELECT 1 FROM watch WHERE paused = 0 AND next_due <= ?1 LIMIT ?2)",
    )
    .await
    .map_err(q)?;
    let mut due_at_least = false;
    if due > QUEUE_COUNT_CAP {
        let later = capped(
            "SELECT count(*) FROM (SELECT 1 FROM watch WHERE paused = 0 AND next_due > ?1 LIMIT ?2)",
        )
        .await
        .map_err(q)?;
        let paused = capped(
            "SELECT count(*) FROM (SELECT 1 FROM watch WHERE paused = 1 AND ?1 = ?1 LIMIT ?2)",
        )
        .await
        .map_err(q)?;
        if later <= QUEUE_COUNT_CAP && paused <= QUEUE_COUNT_CAP {
            due = items - later - paused;
        } else {
            due_at_least = true;
        }
    }
    let claimed: i64 = sqlx::query_scalar("SELECT count(*) FROM watch WHERE claimed_until >= ?")
        .bind(now)
        .fetch_one(pool)
        .await
        .map_err(q)?;
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT next_due FROM watch WHERE paused = 0 AND next_due < 9223372036854775807 \
         AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_due LIMIT 1",
    )
    .bind(now)
    .fetch_optional(pool)
    .await
    .map_err(q)?;
    Ok(QueueStats {
        items: items.max(0) as u64,
        due: due.max(0) as u64,
        due_at_least,
        claimed: claimed.max(0) as u64,
        next_due: next,
    })
}

pub(crate) async fn set_paused(
    pool: &SqlitePool,
    item_ids: &[i64],
    paused: bool,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(q)?;
    for id in item_ids {
        sqlx::query("UPDATE watch SET paused = ? WHERE item_id = ?")
            .bind(i64::from(paused))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(q)?;
    }
    tx.commit().await.map_err(q)
}

pub(crate) async fn set_list_policy(
    pool: &SqlitePool,
    list: &str,
    policy: &str,
) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await.map_err(q)?;
    let r = sqlx::query("UPDATE watch SET policy = ? WHERE list = ?")
        .bind(policy)
        .bind(list)
        .execute(&mut *tx)
        .await
        .map_err(q)?;
    sqlx::query(
        "INSERT INTO list_policies (list, policy) VALUES (?, ?) \
         ON CONFLICT (list) DO UPDATE SET policy = excluded.policy",
    )
    .bind(list)
    .bind(policy)
    .execute(&mut *tx)
    .await
    .map_err(q)?;
    tx.commit().await.map_err(q)?;
    Ok(r.rows_affected())
}

pub(crate) async fn contents_after(
    pool: &SqlitePool,
    after: i64,
    limit: u64,
) -> Result<Vec<(i64, ContentRow)>, StoreError> {
    let rows = sqlx::query(
        "SELECT rowid AS n, item_id, content_hash, first_seen, title, body, author, published_at \
         FROM contents WHERE rowid > ? ORDER BY rowid LIMIT ?",
    )
    .bind(after)
    .bind(limit.min(i64::MAX as u64) as i64)
    .fetch_all(pool)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("n")?,
                ContentRow {
                    item_id: r.try_get("item_id")?,
                    content_hash: r.try_get("content_hash")?,
                    first_seen: r.try_get("first_seen")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    author: r.try_get("author")?,
                    published_at: r.try_get("published_at")?,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

pub(crate) async fn events_after(
    pool: &SqlitePool,
    after: i64,
    limit: u64,
) -> Result<Vec<(i64, EventInfo)>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.id, e.item_id, e.kind, e.at, e.state, e.last_seen_live, e.first_seen_gone, \
         e.detail, i.canonical_url, i.platform FROM events e JOIN items i ON i.id = e.item_id \
         WHERE e.id > ? ORDER BY e.id LIMIT ?",
    )
    .bind(after)
    .bind(limit.min(i64::MAX as u64) as i64)
    .fetch_all(pool)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                EventInfo {
                    event: EventRow {
                        item_id: r.try_get("item_id")?,
                        kind: r.try_get("kind")?,
                        at: r.try_get("at")?,
                        state: r.try_get("state")?,
                        last_seen_live: r.try_get("last_seen_live")?,
                        first_seen_gone: r.try_get("first_seen_gone")?,
                        detail: r.try_get("detail")?,
                    },
                    url: r.try_get("canonical_url")?,
                    platform: r.try_get("platform")?,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

/// Items read per statement by [`item_lives`].
const LIVES_CHUNK: i64 = 4096;

/// One item's life as [`item_lives`] reads it from a chunk's JSON array: id, url, platform,
/// list, added, state, last seen live, last observed, first observed, published, title, and its
/// first disappearance's last seen live, first seen gone and state.
type LifeTuple = (
    i64,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

pub(crate) async fn item_lives(
    pool: &SqlitePool,
    list: Option<&str>,
) -> Result<Vec<LifeRow>, StoreError> {
    // `lives` is kept by triggers (migration 0009): one scan, a primary-key lookup per item and
    // one per gone item's first disappearance. Read a few thousand items per statement as one
    // JSON array: row by row, sqlx copies every value and hands each row across threads, which
    // took 10 s at a million items (the statement alone takes 1.5 s).
    let mut out: Vec<LifeRow> = Vec::new();
    let mut after = i64::MIN;
    loop {
        let (json, last): (Option<String>, Option<i64>) = sqlx::query_as(
            "SELECT json_group_array(json_array(item_id, canonical_url, platform, list, added_at, \
             state, last_seen_live, last_observed, first_observed, published_at, title, \
             gone_live, gone_first, gone_state)), max(item_id) FROM ( \
             SELECT w.item_id, i.canonical_url, i.platform, w.list, w.added_at, w.state, \
             w.last_seen_live, w.last_observed, l.first_observed, l.published_at, l.title, \
             e.last_seen_live AS gone_live, e.first_seen_gone AS gone_first, e.state AS gone_state \
             FROM watch w JOIN items i ON i.id = w.item_id \
             LEFT JOIN lives l ON l.item_id = w.item_id \
             LEFT JOIN events e ON e.id = l.gone_event \
             WHERE w.item_id > ?2 AND (?1 IS NULL OR w.list = ?1) ORDER BY w.item_id LIMIT ?3)",
        )
        .bind(list)
        .bind(after)
        .bind(LIVES_CHUNK)
        .fetch_one(pool)
        .await
        .map_err(q)?;
        let Some(last) = last else { break };
        let chunk: Vec<LifeTuple> = serde_json::from_str(json.as_deref().unwrap_or("[]"))
            .map_err(|e| StoreError::Corrupt(format!("item lives after item {after}: {e}")))?;
        out.extend(chunk.into_iter().map(|t| LifeRow {
            item_id: t.0,
            url: t.1,
            platform: t.2,
            list: t.3,
            added_at: t.4,
            state: t.5,
            last_seen_live: t.6,
            last_observed: t.7,
            first_observed: t.8,
            published_at: t.9,
            title: t.10,
            first_gone: match (t.11, t.12) {
                (Some(l), Some(f)) => Some((l, f, t.13.unwrap_or_default())),
                _ => None,
            },
        }));
        after = last;
    }
    // In item order whatever order the aggregate kept (already sorted: linear).
    out.sort_by_key(|l| l.item_id);
    Ok(out)
}

pub(crate) async fn for_each_metrics(
    pool: &SqlitePool,
    list: Option<&str>,
    item_id: Option<i64>,
    each: &mut (dyn FnMut(i64, i64, &str) + Send),
) -> Result<(), StoreError> {
    use futures_util::TryStreamExt;
    let query = sqlx::query(AssertSqlSafe(format!(
        "SELECT o.item_id AS item_id, o.observed_at AS observed_at, {METRICS_EXPR} AS metrics \
         FROM observations o JOIN watch w ON w.item_id = o.item_id \
         WHERE o.metrics IS NOT NULL AND (?1 IS NULL OR w.list = ?1) \
         AND (?2 IS NULL OR o.item_id = ?2) ORDER BY o.item_id, o.observed_at, o.id"
    )))
    .bind(list)
    .bind(item_id);
    let mut rows = query.fetch(pool);
    while let Some(r) = rows.try_next().await.map_err(q)? {
        let metrics: String = r.try_get("metrics").map_err(q)?;
        each(
            r.try_get("item_id").map_err(q)?,
            r.try_get("observed_at").map_err(q)?,
            &metrics,
        );
    }
    Ok(())
}

pub(crate) async fn state_counts(pool: &SqlitePool) -> Result<Vec<StateCount>, StoreError> {
    // Kept by triggers (migration 0008): no count over the items.
    let rows = sqlx::query(
        "SELECT list, nullif(state, '') AS state, items AS n FROM watch_counts \
         WHERE items > 0 ORDER BY list, state",
    )
    .fetch_all(pool)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("n")?;
            Ok(StateCount {
                list: r.try_get("list")?,
                state: r.try_get("state")?,
                items: n.max(0) as u64,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

pub(crate) async fn watch_page(
    pool: &SqlitePool,
    list: Option<&str>,
    after: i64,
    limit: u64,
) -> Result<Vec<WatchInfo>, StoreError> {
    // The page's ids first, from an index alone (the item id index, or `watch_list_item` for a
    // list): joined in one statement, SQLite's planner sometimes read the whole table and sorted
    // it (seconds at a million items).
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {INFO_COLUMNS} FROM watch w JOIN items i ON i.id = w.item_id WHERE w.item_id IN \
         (SELECT item_id FROM watch WHERE item_id > "
    ));
    qb.push_bind(after);
    if let Some(list) = list {
        qb.push(" AND list = ").push_bind(list);
    }
    qb.push(" ORDER BY item_id LIMIT ")
        .push_bind(limit.min(i64::MAX as u64) as i64)
        .push(") ORDER BY w.item_id");
    let rows = qb.build().fetch_all(pool).await.map_err(q)?;
    rows.iter()
        .map(info_row)
        .collect::<Result<_, _>>()
        .map_err(q)
}

pub(crate) async fn recent_events(
    pool: &SqlitePool,
    kinds: &[String],
    offset: u64,
    limit: u64,
) -> Result<Vec<EventInfo>, StoreError> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT e.item_id, e.kind, e.at, e.state, e.last_seen_live, e.first_seen_gone, e.detail, \
         i.canonical_url, i.platform FROM events e JOIN items i ON i.id = e.item_id WHERE 1=1",
    );
    if !kinds.is_empty() {
        qb.push(" AND e.kind IN (");
        let mut sep = qb.separated(", ");
        for k in kinds {
            sep.push_bind(k.as_str());
        }
        qb.push(")");
    }
    qb.push(" ORDER BY e.at DESC, e.id DESC LIMIT ")
        .push_bind(limit.min(i64::MAX as u64) as i64)
        .push(" OFFSET ")
        .push_bind(offset.min(i64::MAX as u64) as i64);
    let rows = qb.build().fetch_all(pool).await.map_err(q)?;
    rows.iter()
        .map(|r| {
            Ok(EventInfo {
                event: EventRow {
                    item_id: r.try_get("item_id")?,
                    kind: r.try_get("kind")?,
                    at: r.try_get("at")?,
                    state: r.try_get("state")?,
                    last_seen_live: r.try_get("last_seen_live")?,
                    first_seen_gone: r.try_get("first_seen_gone")?,
                    detail: r.try_get("detail")?,
                },
                url: r.try_get("canonical_url")?,
                platform: r.try_get("platform")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(q)
}

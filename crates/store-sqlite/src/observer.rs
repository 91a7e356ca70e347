//! SQL of the observer's tables (migration 0003): the persistent queue and derived rows.

use annals_store::{
    Capture, ContentRow, Due, EventFilter, EventInfo, EventRow, ObservationRow, ObserverBatch,
    QueueStats, StoreError, WatchInfo, WatchRow,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqlitePool};

use crate::{COLUMNS, from_row, q};

const DUE_COLUMNS: &str = "w.item_id, i.platform, i.native_id, i.canonical_url, w.kind, w.list, \
     w.policy, w.host, w.seed, w.added_at, w.next_due, w.priority, w.failures, w.timeline";

const INFO_COLUMNS: &str = "w.item_id, i.platform, i.native_id, i.canonical_url, w.kind, w.list, \
     w.policy, w.seed, w.added_at, w.state, w.last_observed, w.last_seen_live, w.observations, \
     w.next_due, w.paused";

fn due_row(r: &SqliteRow) -> Result<Due, sqlx::Error> {
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
    for w in rows {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM items WHERE platform = ? AND native_id = ?")
                .bind(&w.platform)
                .bind(&w.native_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(q)?;
        let id = match existing {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO items (platform, native_id, canonical_url) VALUES (?, ?, ?) RETURNING id",
            )
            .bind(&w.platform)
            .bind(&w.native_id)
            .bind(&w.canonical_url)
            .fetch_one(&mut *tx)
            .await
            .map_err(q)?,
        };
        let watched: Option<i64> =
            sqlx::query_scalar("SELECT item_id FROM watch WHERE item_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(q)?;
        if watched.is_some() {
            sqlx::query("UPDATE watch SET seed = max(seed, ?) WHERE item_id = ?")
                .bind(i64::from(w.seed))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(q)?;
            out.push((id, false));
        } else {
            sqlx::query(
                "INSERT INTO watch (item_id, kind, list, policy, host, seed, parent_id, added_at, \
                 next_due, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 250)",
            )
            .bind(id)
            .bind(&w.kind)
            .bind(&w.list)
            .bind(&w.policy)
            .bind(&w.host)
            .bind(i64::from(w.seed))
            .bind(w.parent_id)
            .bind(w.added_at)
            .bind(due)
            .execute(&mut *tx)
            .await
            .map_err(q)?;
            out.push((id, true));
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

pub(crate) async fn commit_observed(
    pool: &SqlitePool,
    batch: &ObserverBatch,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(q)?;
    for chunk in batch.observations.chunks(90) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO observations (item_id, observed_at, state, code, message, http_status, \
             metrics, content_hash, record_id) ",
        );
        qb.push_values(chunk, |mut b, o| {
            b.push_bind(o.item_id)
                .push_bind(o.observed_at)
                .push_bind(o.state.as_str())
                .push_bind(o.code.as_deref())
                .push_bind(o.message.as_deref())
                .push_bind(i64::from(o.http_status))
                .push_bind(o.metrics.as_deref())
                .push_bind(o.content_hash.as_deref())
                .push_bind(o.record_id.as_str());
        });
        qb.build().execute(&mut *tx).await.map_err(q)?;
    }
    for c in &batch.contents {
        sqlx::query(
            "INSERT INTO contents (item_id, content_hash, first_seen, title, body, author, \
             published_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(c.item_id)
        .bind(&c.content_hash)
        .bind(c.first_seen)
        .bind(&c.title)
        .bind(&c.body)
        .bind(&c.author)
        .bind(&c.published_at)
        .execute(&mut *tx)
        .await
        .map_err(q)?;
    }
    for e in &batch.events {
        sqlx::query(
            "INSERT INTO events (item_id, kind, at, state, last_seen_live, first_seen_gone, detail) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(e.item_id)
        .bind(&e.kind)
        .bind(e.at)
        .bind(&e.state)
        .bind(e.last_seen_live)
        .bind(e.first_seen_gone)
        .bind(&e.detail)
        .execute(&mut *tx)
        .await
        .map_err(q)?;
    }
    for u in &batch.updates {
        sqlx::query(
            "UPDATE watch SET state = coalesce(?, state), last_observed = ?, \
             last_seen_live = coalesce(?, last_seen_live), observations = observations + ?, \
             failures = ?, next_due = ?, priority = ?, timeline = ?, claimed_until = NULL \
             WHERE item_id = ?",
        )
        .bind(&u.state)
        .bind(u.last_observed)
        .bind(u.last_seen_live)
        .bind(u.observations)
        .bind(u.failures)
        .bind(u.next_due)
        .bind(u.priority)
        .bind(&u.timeline)
        .bind(u.item_id)
        .execute(&mut *tx)
        .await
        .map_err(q)?;
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
    let v: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM captures")
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
    let by_id: Option<i64> = key.parse().ok();
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {INFO_COLUMNS} FROM watch w JOIN items i ON i.id = w.item_id \
         WHERE w.item_id = ? OR i.canonical_url = ? OR i.native_id = ? ORDER BY w.item_id LIMIT 1"
    )))
    .bind(by_id)
    .bind(key)
    .bind(key)
    .fetch_optional(pool)
    .await
    .map_err(q)?;
    row.as_ref().map(info_row).transpose().map_err(q)
}

pub(crate) async fn observations(
    pool: &SqlitePool,
    item_id: i64,
) -> Result<Vec<ObservationRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT item_id, observed_at, state, code, message, http_status, metrics, content_hash, \
         record_id FROM observations WHERE item_id = ? ORDER BY observed_at, id",
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

pub(crate) async fn queue_stats(pool: &SqlitePool, now: i64) -> Result<QueueStats, StoreError> {
    let row = sqlx::query(
        "SELECT count(*) AS items, \
         coalesce(sum(CASE WHEN paused = 0 AND next_due <= ? THEN 1 ELSE 0 END), 0) AS due, \
         coalesce(sum(CASE WHEN claimed_until IS NOT NULL AND claimed_until >= ? THEN 1 ELSE 0 END), 0) AS claimed \
         FROM watch",
    )
    .bind(now)
    .bind(now)
    .fetch_one(pool)
    .await
    .map_err(q)?;
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT min(next_due) FROM watch WHERE paused = 0 AND (claimed_until IS NULL OR claimed_until < ?)",
    )
    .bind(now)
    .fetch_one(pool)
    .await
    .map_err(q)?;
    let items: i64 = row.try_get("items").map_err(q)?;
    let due: i64 = row.try_get("due").map_err(q)?;
    let claimed: i64 = row.try_get("claimed").map_err(q)?;
    Ok(QueueStats {
        items: items.max(0) as u64,
        due: due.max(0) as u64,
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

//! Synthetic rows for benchmarks (`annals bench web`): items, watch rows, observations with
//! metrics, content versions and events in realistic proportions, generated inside SQLite by
//! `INSERT … SELECT` over a counter (millions of rows a minute). They are not archived data:
//! no WARC record stands behind them, and `annals reindex` would drop them.

use sqlx::SqlitePool;

use annals_store::StoreError;

use crate::{SqliteStore, q, to_i64};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticSpec {
    /// Items (watched; 40 % Weibo, 30 % Bilibili, 20 % Zhihu, 10 % web pages; five lists).
    pub items: u64,
    /// Observations, spread evenly over the items, hourly (at least one per item).
    pub observations: u64,
    /// Unix time of the first observation.
    pub t0: i64,
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyntheticReport {
    /// Items (and watch rows).
    pub items: u64,
    /// Observations.
    pub observations: u64,
    /// Content versions.
    pub contents: u64,
    /// Events, disappearances included.
    pub events: u64,
    /// `disappeared` events.
    pub disappearances: u64,
    /// Row number of the last content version (`contents.rowid`).
    pub last_content: i64,
    /// Id of the last event before the state changes (appeared and edited come first).
    pub last_event_before_states: i64,
}

/// A counter 1..=n for `INSERT … SELECT` (a recursive CTE: SQLite has no generate_series
/// built in).
fn counter(n: i64) -> String {
    format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})")
}

/// A deterministic hash of an integer expression into 0..m (SQLite integers wrap: keep it
/// positive and small).
fn h(expr: &str, salt: u64, m: u64) -> String {
    format!("((({expr}) * 2654435761 + {salt}) % 4294967296 % {m})")
}

/// The state of item `i` (as SQL): 90 % live, 6 % gone (three reasons), 2 % behind a login wall, 1 %
/// blocked, 1 % error.
fn state_of(i: &str) -> String {
    let r = h(i, 17, 100);
    format!(
        "CASE WHEN {r} < 90 THEN 'live' WHEN {r} < 93 THEN 'gone:platform_removed' \
         WHEN {r} < 95 THEN 'gone:author_deleted' WHEN {r} < 96 THEN 'gone:unknown' \
         WHEN {r} < 98 THEN 'login_required' WHEN {r} < 99 THEN 'blocked' ELSE 'error' END"
    )
}

async fn exec(pool: &SqlitePool, sql: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .map_err(q)?
        .rows_affected())
}

impl SqliteStore {
    /// The counts of a store [`SqliteStore::fill_synthetic`] filled (to time it again).
    pub async fn synthetic_report(&self) -> Result<SyntheticReport, StoreError> {
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&self.pool)
                .await
                .map_err(q)
        };
        Ok(SyntheticReport {
            items: count("SELECT count(*) FROM items").await?.max(0) as u64,
            observations: count("SELECT count(*) FROM observations").await?.max(0) as u64,
            contents: count("SELECT count(*) FROM contents").await?.max(0) as u64,
            events: count("SELECT count(*) FROM events").await?.max(0) as u64,
            disappearances: count("SELECT count(*) FROM events WHERE kind = 'disappeared'")
                .await?
                .max(0) as u64,
            last_content: count("SELECT coalesce(max(rowid), 0) FROM contents").await?,
            last_event_before_states: count(
                "SELECT coalesce(max(id), 0) FROM events WHERE kind IN ('appeared', 'edited')",
            )
            .await?,
        })
    }

    /// Fills an empty data directory's index with synthetic rows (see the module). Refuses a
    /// store that already has items.
    pub async fn fill_synthetic(
        &self,
        spec: &SyntheticSpec,
    ) -> Result<SyntheticReport, StoreError> {
        let pool = &self.pool;
        let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM items")
            .fetch_one(pool)
            .await
            .map_err(q)?;
        if existing > 0 {
            return Err(StoreError::Query(
                "synthetic rows go into an empty store only".into(),
            ));
        }
        let n = to_i64(spec.items.max(1), "items")?;
        let per = to_i64(
            (spec.observations / spec.items.max(1)).max(1),
            "observations",
        )?;
        let t0 = spec.t0;
        let mut r = SyntheticReport::default();
        for pragma in ["PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"] {
            exec(pool, pragma).await?;
        }
        let platform = |i: &str| {
            let p = h(i, 3, 10);
            format!(
                "CASE WHEN {p} < 4 THEN 'weibo' WHEN {p} < 7 THEN 'bilibili' WHEN {p} < 9 THEN 'zhihu' ELSE 'web' END"
            )
        };
        let c = counter(n);
        r.items = exec(
            pool,
            &format!(
                "{c} INSERT INTO items (id, platform, native_id, canonical_url) \
                 SELECT i, {p}, 'n' || i, 'https://example.' || {p} || '/item/' || i FROM n",
                p = platform("i")
            ),
        )
        .await?;
        // Items were added one a second before t0; each is observed `per` times, hourly, the
        // last observation its current state.
        let state = state_of("i");
        let list = h("i", 5, 5);
        exec(
            pool,
            &format!(
                "{c} INSERT INTO watch (item_id, kind, list, policy, host, added_at, state, \
                 last_observed, last_seen_live, observations, next_due, priority) \
                 SELECT i, 'post', \
                   CASE {list} WHEN 0 THEN 'default' WHEN 1 THEN 'hot' WHEN 2 THEN 'news' \
                     WHEN 3 THEN 'health' ELSE 'tech' END, \
                   'default', {p}, {t0} - {n} + i, {state}, \
                   {t0} + i % 3600 + ({per} - 1) * 3600, \
                   CASE WHEN {state} = 'live' THEN {t0} + i % 3600 + ({per} - 1) * 3600 \
                     ELSE {t0} + i % 3600 + max({per} - 2, 0) * 3600 END, \
                   {per}, {t0} + i % 3600 + {per} * 3600, 100 FROM n",
                p = platform("i")
            ),
        )
        .await?;
        // Observations: the last one has the item's state, earlier ones are live; metrics grow.
        let total = n * per;
        let item = format!("((i - 1) / {per} + 1)");
        let k = format!("((i - 1) % {per})");
        let item_state = state_of(&item);
        let item_edited = format!("{} < 2", h(&item, 13, 10));
        r.observations = exec(
            pool,
            &format!(
                "{c} INSERT INTO observations (item_id, observed_at, state, http_status, \
                 metrics, content_hash, record_id) \
                 SELECT {item}, {t0} + {item} % 3600 + {k} * 3600, \
                   CASE WHEN {k} = {per} - 1 THEN {item_state} ELSE 'live' END, 200, \
                   '{{\"views\":{{\"exact\":' || ({k} + 1) * (10 + {hv}) || \
                   '}},\"likes\":{{\"exact\":' || ({k} + 1) * {hl} || '}}}}', \
                   'sha256:' || {item} || CASE WHEN {k} * 5 >= {per} * 4 AND {edited} THEN 'b' ELSE 'a' END, \
                   'urn:uuid:synthetic-' || i FROM n",
                c = counter(total),
                hv = h(&item, 7, 1000),
                hl = h(&item, 11, 50),
                edited = item_edited,
            ),
        )
        .await?;
        // Content versions: one per item, a second one for the 20 % edited.
        let words = [
            "台风登陆广东",
            "暴雨预警",
            "疫苗接种",
            "人工智能大模型",
            "高考改革",
        ];
        let topic = h("i", 19, words.len() as u64);
        let title = format!(
            "CASE {topic} {} END",
            words
                .iter()
                .enumerate()
                .map(|(j, w)| format!("WHEN {j} THEN '{w}'"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        r.contents = exec(
            pool,
            &format!(
                "{c} INSERT INTO contents (item_id, content_hash, first_seen, title, body, author) \
                 SELECT i, 'sha256:' || i || 'a', {t0} + i % 3600, {title} || ' ' || i, \
                   {title} || '：第 ' || i || ' 条，关于' || {title} || '的报道和评论。', 'author' || (i % 5000) FROM n"
            ),
        )
        .await?;
        let edited = format!("{} < 2", h("i", 13, 10));
        r.contents += exec(
            pool,
            &format!(
                "{c} INSERT INTO contents (item_id, content_hash, first_seen, title, body, author) \
                 SELECT i, 'sha256:' || i || 'b', {t0} + i % 3600 + ({per} * 4 / 5) * 3600, \
                   {title} || ' ' || i || '（更新）', \
                   {title} || '：第 ' || i || ' 条，关于' || {title} || '的报道，已修改。', 'author' || (i % 5000) \
                 FROM n WHERE {edited} AND {per} >= 2"
            ),
        )
        .await?;
        // Events, in time order: appeared, edited, then the state change of the last
        // observation (disappeared, restricted; blocked and error are no events).
        r.events = exec(
            pool,
            &format!(
                "{c} INSERT INTO events (item_id, kind, at, state, detail) \
                 SELECT i, 'appeared', {t0} + i % 3600, 'live', '{{}}' FROM n"
            ),
        )
        .await?;
        r.events += exec(
            pool,
            &format!(
                "{c} INSERT INTO events (item_id, kind, at, state, detail) \
                 SELECT i, 'edited', {t0} + i % 3600 + ({per} * 4 / 5) * 3600, 'live', '{{}}' \
                 FROM n WHERE {edited} AND {per} >= 2"
            ),
        )
        .await?;
        r.last_event_before_states = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM events")
            .fetch_one(pool)
            .await
            .map_err(q)?;
        r.disappearances = exec(
            pool,
            &format!(
                "{c} INSERT INTO events (item_id, kind, at, state, last_seen_live, first_seen_gone, detail) \
                 SELECT i, 'disappeared', {t0} + i % 3600 + ({per} - 1) * 3600, {state}, \
                   {t0} + i % 3600 + max({per} - 2, 0) * 3600, {t0} + i % 3600 + ({per} - 1) * 3600, \
                   '{{\"confirmations\":2}}' FROM n WHERE {state} LIKE 'gone:%'"
            ),
        )
        .await?;
        r.events += r.disappearances;
        r.events += exec(
            pool,
            &format!(
                "{c} INSERT INTO events (item_id, kind, at, state, detail) \
                 SELECT i, 'restricted', {t0} + i % 3600 + ({per} - 1) * 3600, {state}, '{{}}' \
                 FROM n WHERE {state} = 'login_required'"
            ),
        )
        .await?;
        r.last_content = sqlx::query_scalar("SELECT coalesce(max(rowid), 0) FROM contents")
            .fetch_one(pool)
            .await
            .map_err(q)?;
        exec(pool, "PRAGMA synchronous = NORMAL").await?;
        exec(pool, "ANALYZE").await?;
        Ok(r)
    }
}

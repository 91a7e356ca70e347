//! The embedded SQLite backend of [`annals_store::Store`], through sqlx.
//!
//! The database lives in the data directory as `index.db`, in WAL mode. Durability comes from the
//! archive, not from here: WARC bytes are fsynced before a commit refers to them, and the archive
//! re-indexes any complete records past the last committed size on open, so `synchronous=NORMAL`
//! loses nothing that matters.
//!
//! # Example
//! ```no_run
//! # async fn f() -> Result<(), annals_store::StoreError> {
//! use annals_store::Store;
//! let store = annals_store_sqlite::SqliteStore::open(std::path::Path::new("index.db")).await?;
//! store.migrate().await?;
//! println!("{} captures", store.count().await?);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

use std::path::Path;
use std::str::FromStr;

use annals_store::{
    BoxFuture, Capture, CaptureFilter, CaptureOrder, ContentRow, Due, EventFilter, EventInfo,
    LedgerBatch, LifeRow, ObservationRow, ObserverBatch, QueueStats, StateCount, Store, StoreError,
    WarcFileEntry, WatchInfo, WatchRow,
};
use futures_util::TryStreamExt;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqlitePool};

use crate::ids::{id_sql, stored_id, stored_opt};

mod bulk;
mod ids;
mod observer;
mod synthetic;

pub use synthetic::{SyntheticReport, SyntheticSpec};

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn q(e: sqlx::Error) -> StoreError {
    StoreError::Query(e.to_string())
}

/// The columns of `capture_rows` a commit writes (the `captures` view turns the ids back into
/// the file name, URL and SURT key).
const ROW_COLUMNS: &str = "record_id, record_type, file_id, warc_offset, warc_length, target_id, date, unix_time, status, mime, payload_digest, block_digest, record_digest, refers_to, concurrent_to, cdxj";

/// The `captures` view's `cdxj` (migration 0007) over `capture_rows c`, `warc_files f` and
/// `targets t`: the stored line, or when '' the line rebuilt from the columns.
const CDXJ_EXPR: &str = "CASE WHEN c.cdxj = '' THEN \
    t.urlkey || ' ' || replace(replace(replace(substr(c.date, 1, 19), '-', ''), 'T', ''), ':', '') \
    || ' {\"url\": \"' || t.url || '\"' \
    || COALESCE(', \"mime\": \"' || (CASE WHEN c.record_type = 'revisit' THEN 'warc/revisit' ELSE c.mime END) || '\"', '') \
    || COALESCE(', \"status\": \"' || c.status || '\"', '') \
    || COALESCE(', \"digest\": \"' || c.payload_digest || '\"', '') \
    || ', \"length\": \"' || c.warc_length || '\", \"offset\": \"' || c.warc_offset \
    || '\", \"filename\": \"' || f.name || '\", \"recordDigest\": \"sha256:' || lower(hex(c.record_digest)) || '\"}' \
    ELSE c.cdxj END";

const COLUMNS: &str = "record_id, record_type, warc_file, warc_offset, warc_length, url, urlkey, date, unix_time, status, mime, payload_digest, block_digest, record_digest, refers_to, concurrent_to, cdxj";

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| StoreError::Open {
                location: path.display().to_string(),
                reason: e.to_string(),
            })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // The bundled SQLite keeps temporary data (sorts too big for the cache: a package's
            // index in byte order) in memory by default; on disk, memory stays flat.
            .pragma("temp_store", "file")
            .busy_timeout(std::time::Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Open {
                location: path.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(SqliteStore { pool })
    }

    /// A second pool on an existing, migrated database whose connections are opened on first
    /// use (a reader beside the process's writer: in WAL mode, its reads never wait on writes).
    /// Never creates the file; an unusable path shows at the first query.
    pub fn open_lazy(path: &Path) -> Self {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .pragma("temp_store", "file")
            .busy_timeout(std::time::Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_lazy_with(opts);
        SqliteStore { pool }
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v} is out of range")))
}

/// The stored form of a block or record digest: the 32 bytes of a SHA-256 in our own spelling
/// (`sha256:` and 64 lowercase hex digits, what the archive computes), otherwise the text itself
/// followed by 0xFF (never in UTF-8; twice when that would make 32 bytes), so nothing is lost.
fn digest_blob(text: &str) -> Vec<u8> {
    if let Some(hex) = text.strip_prefix("sha256:")
        && hex.len() == 64
        && let Some(bytes) = hex_decode(hex)
    {
        return bytes;
    }
    let mut out = Vec::with_capacity(text.len() + 2);
    out.extend_from_slice(text.as_bytes());
    out.push(0xFF);
    if out.len() == 32 {
        out.push(0xFF);
    }
    out
}

/// The text of a stored digest (see [`digest_blob`]).
fn digest_text(blob: &[u8]) -> Result<String, sqlx::Error> {
    if blob.len() == 32 {
        let mut out = String::with_capacity(71);
        out.push_str("sha256:");
        for b in blob {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        return Ok(out);
    }
    let end = blob.iter().rposition(|&b| b != 0xFF).map_or(0, |i| i + 1);
    String::from_utf8(blob[..end].to_vec()).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The CDXJ line the `captures` view rebuilds from a row's columns when `cdxj` holds ''
/// (migration 0007): the same concatenation, in Rust. `None` when a column cannot give it (no
/// URL, a record digest not in our spelling, a date that is not ASCII).
fn derived_cdxj(c: &Capture) -> Option<String> {
    let url = c.url.as_deref()?;
    if !c.date.is_ascii() || c.date.len() < 19 || digest_blob(&c.record_digest).len() != 32 {
        return None;
    }
    let timestamp: String = c.date[..19]
        .chars()
        .filter(|ch| !matches!(ch, '-' | 'T' | ':'))
        .collect();
    let mut out = String::with_capacity(320);
    out.push_str(&c.urlkey);
    out.push(' ');
    out.push_str(&timestamp);
    out.push_str(" {\"url\": \"");
    out.push_str(url);
    out.push('"');
    let mime = if c.record_type == "revisit" {
        Some("warc/revisit")
    } else {
        c.mime.as_deref()
    };
    let status = c.status.map(|s| s.to_string());
    for (name, value) in [
        ("mime", mime),
        ("status", status.as_deref()),
        ("digest", c.payload_digest.as_deref()),
    ] {
        if let Some(v) = value {
            out.push_str(", \"");
            out.push_str(name);
            out.push_str("\": \"");
            out.push_str(v);
            out.push('"');
        }
    }
    out.push_str(&format!(
        ", \"length\": \"{}\", \"offset\": \"{}\", \"filename\": \"{}\", \"recordDigest\": \"{}\"}}",
        c.length, c.offset, c.warc_file, c.record_digest
    ));
    Some(out)
}

/// What a row stores in `cdxj`: '' when the view rebuilds the line exactly, else the line.
fn stored_cdxj(c: &Capture) -> Option<&str> {
    match c.cdxj.as_deref() {
        Some(line) if derived_cdxj(c).as_deref() == Some(line) => Some(""),
        other => other,
    }
}

/// Lowercase hex only (the canonical spelling round-trips exactly).
fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| HEX.iter().position(|&h| h == c).map(|v| v as u8);
    hex.as_bytes()
        .chunks(2)
        .map(|p| match p {
            [a, b] => Some(digit(*a)? << 4 | digit(*b)?),
            _ => None,
        })
        .collect()
}

/// The ids of WARC files by name (every capture and leaf of a commit is in a known file: the
/// commit's own, upserted first).
async fn file_ids<'n>(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    mut names: Vec<&'n str>,
) -> Result<std::collections::HashMap<&'n str, i64>, StoreError> {
    names.sort_unstable();
    names.dedup();
    let mut ids = std::collections::HashMap::with_capacity(names.len());
    for name in names {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM warc_files WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut **tx)
            .await
            .map_err(q)?;
        let id = id.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "a record of this commit is in {name}, a WARC file the index does not know"
            ))
        })?;
        ids.insert(name, id);
    }
    Ok(ids)
}

/// A capture's target: (URL, SURT key).
type TargetKey<'a> = (Option<&'a str>, &'a str);

/// The ids of the captures' (URL, SURT key) pairs in `targets`, adding the new ones.
async fn target_ids<'c>(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    captures: &'c [Capture],
) -> Result<std::collections::HashMap<TargetKey<'c>, i64>, StoreError> {
    let mut keys: Vec<TargetKey<'c>> = captures
        .iter()
        .map(|c| (c.url.as_deref(), c.urlkey.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut ids = std::collections::HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(400) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT id, url, urlkey FROM targets WHERE urlkey IN (");
        let mut sep = qb.separated(", ");
        for (_, key) in chunk {
            sep.push_bind(*key);
        }
        qb.push(")");
        let rows = qb.build().fetch_all(&mut **tx).await.map_err(q)?;
        for r in rows {
            let id: i64 = r.try_get(0).map_err(q)?;
            let url: Option<String> = r.try_get(1).map_err(q)?;
            let key: String = r.try_get(2).map_err(q)?;
            if let Some(k) = chunk
                .iter()
                .find(|(u, k)| *u == url.as_deref() && *k == key)
            {
                ids.insert(*k, id);
            }
        }
    }
    // The new pairs in multi-row inserts (a table import adds one per row): each returned id is
    // matched to its pair by value, not by the order of the returned rows.
    let new: Vec<TargetKey<'c>> = keys.into_iter().filter(|k| !ids.contains_key(k)).collect();
    for chunk in new.chunks(400) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO targets (url, urlkey) ");
        qb.push_values(chunk, |mut b, (url, key)| {
            b.push_bind(*url).push_bind(*key);
        });
        qb.push(" RETURNING id, url, urlkey");
        let at: std::collections::HashMap<(Option<&str>, &str), usize> =
            chunk.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let rows = qb.build().fetch_all(&mut **tx).await.map_err(q)?;
        if rows.len() != chunk.len() {
            return Err(StoreError::Corrupt(format!(
                "{} targets inserted but {} ids returned",
                chunk.len(),
                rows.len()
            )));
        }
        for r in rows {
            let id: i64 = r.try_get(0).map_err(q)?;
            let url: Option<String> = r.try_get(1).map_err(q)?;
            let key: String = r.try_get(2).map_err(q)?;
            let Some(&i) = at.get(&(url.as_deref(), key.as_str())) else {
                return Err(StoreError::Corrupt(format!(
                    "an inserted target came back as {url:?} {key:?}"
                )));
            };
            ids.insert(chunk[i], id);
        }
    }
    Ok(ids)
}

fn from_row(row: &SqliteRow) -> Result<Capture, sqlx::Error> {
    let offset: i64 = row.try_get("warc_offset")?;
    let length: i64 = row.try_get("warc_length")?;
    let status: Option<i64> = row.try_get("status")?;
    Ok(Capture {
        record_id: row.try_get("record_id")?,
        record_type: row.try_get("record_type")?,
        warc_file: row.try_get("warc_file")?,
        offset: offset.max(0) as u64,
        length: length.max(0) as u64,
        url: row.try_get("url")?,
        urlkey: row.try_get("urlkey")?,
        date: row.try_get("date")?,
        unix_time: row.try_get("unix_time")?,
        status: status.and_then(|s| u16::try_from(s).ok()),
        mime: row.try_get("mime")?,
        payload_digest: row.try_get("payload_digest")?,
        block_digest: digest_text(&row.try_get::<Vec<u8>, _>("block_digest")?)?,
        record_digest: digest_text(&row.try_get::<Vec<u8>, _>("record_digest")?)?,
        refers_to: row.try_get("refers_to")?,
        concurrent_to: row.try_get("concurrent_to")?,
        cdxj: row.try_get("cdxj")?,
    })
}

/// The columns of `captures` the exports read ([`Store::for_each_capture_slim`],
/// [`Store::for_each_page_candidate`]), in the order [`slim_from_row`] decodes them.
const SLIM_COLUMNS: &str = "record_id, record_type, warc_file, warc_offset, warc_length, url, date, \
     unix_time, status, mime, record_digest";

/// A row of [`SLIM_COLUMNS`] as a capture (the columns it leaves out empty).
fn slim_from_row(row: &SqliteRow) -> Result<Capture, sqlx::Error> {
    let offset: i64 = row.try_get(3)?;
    let length: i64 = row.try_get(4)?;
    let status: Option<i64> = row.try_get(8)?;
    Ok(Capture {
        record_id: row.try_get(0)?,
        record_type: row.try_get(1)?,
        warc_file: row.try_get(2)?,
        offset: offset.max(0) as u64,
        length: length.max(0) as u64,
        url: row.try_get(5)?,
        urlkey: String::new(),
        date: row.try_get(6)?,
        unix_time: row.try_get(7)?,
        status: status.and_then(|s| u16::try_from(s).ok()),
        mime: row.try_get(9)?,
        payload_digest: None,
        block_digest: String::new(),
        record_digest: digest_text(&row.try_get::<Vec<u8>, _>(10)?)?,
        refers_to: None,
        concurrent_to: None,
        cdxj: None,
    })
}

/// Runs `qb` and calls `each` on every row, decoded by `decode`, as it arrives (streaming).
async fn stream_captures(
    pool: &SqlitePool,
    mut qb: QueryBuilder<Sqlite>,
    decode: fn(&SqliteRow) -> Result<Capture, sqlx::Error>,
    each: &mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
) -> Result<(), StoreError> {
    let mut rows = qb.build().fetch(pool);
    while let Some(row) = rows.try_next().await.map_err(q)? {
        each(decode(&row).map_err(q)?)?;
    }
    Ok(())
}

fn select(filter: &CaptureFilter, order: CaptureOrder, limit: Option<u64>) -> QueryBuilder<Sqlite> {
    let mut qb = QueryBuilder::new(format!("SELECT {COLUMNS} FROM captures WHERE 1=1"));
    push_filter(&mut qb, filter);
    qb.push(" ORDER BY ").push(order_by(order));
    if let Some(limit) = limit {
        qb.push(" LIMIT ")
            .push_bind(limit.min(i64::MAX as u64) as i64);
    }
    qb
}

fn order_by(order: CaptureOrder) -> &'static str {
    match order {
        CaptureOrder::UrlKey => "urlkey, date, warc_file, warc_offset",
        CaptureOrder::Archive => "warc_file, warc_offset",
        CaptureOrder::Time => "unix_time, url, warc_file, warc_offset",
    }
}

fn push_filter(qb: &mut QueryBuilder<Sqlite>, filter: &CaptureFilter) {
    if let Some(url) = &filter.url {
        qb.push(" AND url = ").push_bind(url.as_str());
    }
    if let Some(prefix) = &filter.url_prefix {
        // substr comparison instead of LIKE: URLs contain % and _.
        qb.push(" AND substr(url, 1, ")
            .push_bind(prefix.chars().count() as i64)
            .push(") = ")
            .push_bind(prefix.as_str());
    }
    if let Some(key) = &filter.urlkey {
        qb.push(" AND urlkey = ").push_bind(key.as_str());
    }
    if let Some(since) = filter.since {
        qb.push(" AND unix_time >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        qb.push(" AND unix_time <= ").push_bind(until);
    }
    if !filter.record_types.is_empty() {
        qb.push(" AND record_type IN (");
        let mut sep = qb.separated(", ");
        for t in &filter.record_types {
            sep.push_bind(t.as_str());
        }
        qb.push(")");
    }
}

impl Store for SqliteStore {
    fn migrate(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            // One migration at a time, the write-ahead log folded into the database and emptied
            // after each: a migration rewrites pages through the log, and run together they left
            // a new index.db with 590 KB of log for 200 KB of tables (a full disk can refuse
            // that), an existing one with a log as large as every table they rewrote.
            let all = sqlx::migrate!("./migrations");
            let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
                .fetch_all(&self.pool)
                .await
                .unwrap_or_default();
            for k in 0..all.migrations.len() {
                if applied.contains(&all.migrations[k].version) {
                    continue;
                }
                sqlx::migrate::Migrator {
                    migrations: std::borrow::Cow::Owned(all.migrations[..=k].to_vec()),
                    ..sqlx::migrate::Migrator::DEFAULT
                }
                .run(&self.pool)
                .await
                .map_err(|e| StoreError::Migrate(e.to_string()))?;
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.pool)
                    .await
                    .map_err(q)?;
            }
            // The whole set once more: applies nothing, but checks every applied migration
            // against its file (sqlx refuses one that was changed), on every open as before.
            all.run(&self.pool)
                .await
                .map_err(|e| StoreError::Migrate(e.to_string()))?;
            Ok(())
        })
    }

    fn warc_files(&self) -> BoxFuture<'_, Result<Vec<WarcFileEntry>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT name, indexed_size FROM warc_files ORDER BY name")
                .fetch_all(&self.pool)
                .await
                .map_err(q)?;
            rows.iter()
                .map(|r| {
                    let size: i64 = r.try_get("indexed_size").map_err(q)?;
                    Ok(WarcFileEntry {
                        name: r.try_get("name").map_err(q)?,
                        indexed_size: size.max(0) as u64,
                    })
                })
                .collect()
        })
    }

    fn commit<'a>(
        &'a self,
        file: &'a str,
        indexed_size: u64,
        captures: &'a [Capture],
        ledger: &'a LedgerBatch,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let size = to_i64(indexed_size, "file size")?;
            let mut tx = self.pool.begin().await.map_err(q)?;
            sqlx::query(
                "INSERT INTO warc_files (name, indexed_size) VALUES (?, ?) \
                 ON CONFLICT (name) DO UPDATE SET indexed_size = excluded.indexed_size",
            )
            .bind(file)
            .bind(size)
            .execute(&mut *tx)
            .await
            .map_err(q)?;
            let mut names: Vec<&str> = captures.iter().map(|c| c.warc_file.as_str()).collect();
            names.extend(ledger.leaves.iter().map(|(_, f, _, _)| f.as_str()));
            let files = file_ids(&mut tx, names).await?;
            let targets = target_ids(&mut tx, captures).await?;
            // Multi-row inserts: 16 columns, 500 rows stays under the bundled SQLite's limit of
            // 32,766 variables (fewer statements: a table import commits thousands of rows).
            for chunk in captures.chunks(500) {
                let mut qb: QueryBuilder<Sqlite> =
                    QueryBuilder::new(format!("INSERT INTO capture_rows ({ROW_COLUMNS}) "));
                let mut err = None;
                qb.push_values(chunk, |mut b, c| {
                    let (off, len) = match (to_i64(c.offset, "offset"), to_i64(c.length, "length"))
                    {
                        (Ok(o), Ok(l)) => (o, l),
                        (Err(e), _) | (_, Err(e)) => {
                            err = Some(e);
                            (0, 0)
                        }
                    };
                    let file_id = files.get(c.warc_file.as_str()).copied().unwrap_or(0);
                    let target_id = targets
                        .get(&(c.url.as_deref(), c.urlkey.as_str()))
                        .copied()
                        .unwrap_or(0);
                    b.push_bind(stored_id(&c.record_id))
                        .push_bind(c.record_type.as_str())
                        .push_bind(file_id)
                        .push_bind(off)
                        .push_bind(len)
                        .push_bind(target_id)
                        .push_bind(c.date.as_str())
                        .push_bind(c.unix_time)
                        .push_bind(c.status.map(i64::from))
                        .push_bind(c.mime.as_deref())
                        .push_bind(c.payload_digest.as_deref())
                        .push_bind(digest_blob(&c.block_digest))
                        .push_bind(digest_blob(&c.record_digest))
                        .push_bind(stored_opt(c.refers_to.as_deref()))
                        .push_bind(stored_opt(c.concurrent_to.as_deref()))
                        .push_bind(stored_cdxj(c));
                });
                if let Some(e) = err {
                    return Err(e);
                }
                qb.build().execute(&mut *tx).await.map_err(q)?;
            }
            for chunk in ledger.leaves.chunks(2000) {
                let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                    "INSERT INTO ledger_leaves (leaf_index, file_id, warc_offset, leaf_hash) ",
                );
                // Leaf hashes as their 32 bytes (migration 0007; older rows keep hex text).
                let mut hashes = Vec::with_capacity(chunk.len());
                for (_, _, _, hash) in chunk {
                    hashes.push(hex_decode(hash).filter(|b| b.len() == 32).ok_or_else(|| {
                        StoreError::Corrupt(format!("leaf hash {hash:?} is not 64 hex digits"))
                    })?);
                }
                let mut hashes = hashes.into_iter();
                qb.push_values(chunk, |mut b, (idx, file, off, _)| {
                    b.push_bind(*idx as i64)
                        .push_bind(files.get(file.as_str()).copied().unwrap_or(0))
                        .push_bind(*off as i64)
                        .push_bind(hashes.next().unwrap_or_default());
                });
                qb.build().execute(&mut *tx).await.map_err(q)?;
            }
            if !ledger.leaves.is_empty() {
                sqlx::query(
                    "INSERT INTO ledger_state (id, size, frontier) VALUES (1, ?, ?) \
                     ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
                )
                .bind(to_i64(ledger.size, "ledger size")?)
                .bind(ledger.frontier.as_str())
                .execute(&mut *tx)
                .await
                .map_err(q)?;
            }
            tx.commit().await.map_err(q)
        })
    }

    fn ledger_state(&self) -> BoxFuture<'_, Result<Option<(u64, String)>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query("SELECT size, frontier FROM ledger_state WHERE id = 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(q)?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let size: i64 = r.try_get("size").map_err(q)?;
                    Ok(Some((
                        size.max(0) as u64,
                        r.try_get("frontier").map_err(q)?,
                    )))
                }
            }
        })
    }

    fn ledger_leaves(&self) -> BoxFuture<'_, Result<Vec<annals_store::LeafRow>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT f.name AS warc_file, l.warc_offset AS warc_offset, \
                 CASE WHEN typeof(l.leaf_hash) = 'blob' THEN lower(hex(l.leaf_hash)) ELSE l.leaf_hash END AS leaf_hash \
                 FROM ledger_leaves l JOIN warc_files f ON f.id = l.file_id ORDER BY l.leaf_index",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(q)?;
            rows.iter()
                .map(|r| {
                    let off: i64 = r.try_get("warc_offset").map_err(q)?;
                    Ok((
                        r.try_get("warc_file").map_err(q)?,
                        off.max(0) as u64,
                        r.try_get("leaf_hash").map_err(q)?,
                    ))
                })
                .collect()
        })
    }

    fn for_each_ledger_entry<'a>(
        &'a self,
        start: u64,
        each: &'a mut (dyn FnMut(annals_store::LedgerEntryRow) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // The base tables, not the `captures` view: a view of joins on the right of a LEFT
            // JOIN is not flattened.
            let sql = format!(
                "SELECT l.leaf_index AS leaf_index, \
                 CASE WHEN typeof(l.leaf_hash) = 'blob' THEN lower(hex(l.leaf_hash)) ELSE l.leaf_hash END AS leaf_hash, \
                 {record_id} AS record_id, c.record_type AS record_type, f.name AS warc_file, \
                 c.warc_offset AS warc_offset, c.warc_length AS warc_length, t.url AS url, \
                 t.urlkey AS urlkey, c.date AS date, c.unix_time AS unix_time, c.status AS status, \
                 c.mime AS mime, c.payload_digest AS payload_digest, \
                 c.block_digest AS block_digest, c.record_digest AS record_digest, \
                 {refers_to} AS refers_to, {concurrent_to} AS concurrent_to, {CDXJ_EXPR} AS cdxj \
                 FROM ledger_leaves l \
                 LEFT JOIN capture_rows c ON c.file_id = l.file_id AND c.warc_offset = l.warc_offset \
                 LEFT JOIN warc_files f ON f.id = c.file_id \
                 LEFT JOIN targets t ON t.id = c.target_id \
                 WHERE l.leaf_index >= ? ORDER BY l.leaf_index",
                record_id = id_sql("c.record_id"),
                refers_to = id_sql("c.refers_to"),
                concurrent_to = id_sql("c.concurrent_to"),
            );
            let query = sqlx::query(AssertSqlSafe(sql)).bind(to_i64(start, "leaf index")?);
            let mut rows = query.fetch(&self.pool);
            while let Some(row) = rows.try_next().await.map_err(q)? {
                let index: i64 = row.try_get("leaf_index").map_err(q)?;
                let hash: String = row.try_get("leaf_hash").map_err(q)?;
                let id: Option<String> = row.try_get("record_id").map_err(q)?;
                let capture = match id {
                    Some(_) => Some(from_row(&row).map_err(q)?),
                    None => None,
                };
                each((index.max(0) as u64, hash, capture))?;
            }
            Ok(())
        })
    }

    fn existing<'a>(
        &'a self,
        ids: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, StoreError>> {
        Box::pin(async move {
            let mut found = Vec::new();
            for chunk in ids.chunks(400) {
                let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
                    "SELECT {} AS record_id, block_digest FROM capture_rows WHERE record_id IN (",
                    id_sql("record_id")
                ));
                let mut sep = qb.separated(", ");
                for (id, _) in chunk {
                    sep.push_bind(stored_id(id));
                }
                qb.push(")");
                let rows = qb.build().fetch_all(&self.pool).await.map_err(q)?;
                for r in rows {
                    let digest: Vec<u8> = r.try_get(1).map_err(q)?;
                    let pair: (String, String) =
                        (r.try_get(0).map_err(q)?, digest_text(&digest).map_err(q)?);
                    if chunk.contains(&pair) {
                        found.push(pair);
                    }
                }
            }
            Ok(found)
        })
    }

    fn captures<'a>(
        &'a self,
        filter: &'a CaptureFilter,
        order: CaptureOrder,
        limit: Option<u64>,
    ) -> BoxFuture<'a, Result<Vec<Capture>, StoreError>> {
        Box::pin(async move {
            let mut qb = select(filter, order, limit);
            let rows = qb.build().fetch_all(&self.pool).await.map_err(q)?;
            rows.iter().map(|r| from_row(r).map_err(q)).collect()
        })
    }

    fn for_each_capture<'a>(
        &'a self,
        filter: &'a CaptureFilter,
        order: CaptureOrder,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            stream_captures(&self.pool, select(filter, order, None), from_row, each).await
        })
    }

    fn for_each_capture_slim<'a>(
        &'a self,
        filter: &'a CaptureFilter,
        order: CaptureOrder,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // Only the columns exports read: the view rebuilds no CDXJ line and no digest but
            // the record's is copied. (Batching the rows as JSON arrays, one message per 512
            // rows, took as much CPU and more time and memory: the window that numbers the
            // rows sorts them all before the first batch.)
            let mut qb =
                QueryBuilder::new(format!("SELECT {SLIM_COLUMNS} FROM captures WHERE 1=1"));
            push_filter(&mut qb, filter);
            qb.push(" ORDER BY ").push(order_by(order));
            stream_captures(&self.pool, qb, slim_from_row, each).await
        })
    }

    fn for_each_page_candidate<'a>(
        &'a self,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // Only HTML 2xx responses leave SQLite: a third of the responses of a web crawl,
            // and fewer rows to sort. LIKE ignores ASCII case; neither pattern holds `_`.
            let qb = QueryBuilder::new(format!(
                "SELECT {SLIM_COLUMNS} FROM captures \
                 WHERE record_type = 'response' AND status BETWEEN 200 AND 299 \
                 AND (mime LIKE '%text/html%' OR mime LIKE '%application/xhtml+xml%') \
                 ORDER BY unix_time, url, warc_file, warc_offset"
            ));
            stream_captures(&self.pool, qb, slim_from_row, each).await
        })
    }

    fn for_each_cdxj_line<'a>(
        &'a self,
        each: &'a mut (dyn FnMut(String) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // In batches of 1,024 lines, one message each from SQLite's worker thread instead of
            // one per line (a channel hand-off and often a wake-up each); lines hold no newline.
            let mut rows = sqlx::query(
                "SELECT string_agg(cdxj, char(10) ORDER BY cdxj) FROM \
                 (SELECT cdxj, (row_number() OVER (ORDER BY cdxj) - 1) / 1024 AS batch \
                 FROM captures WHERE cdxj IS NOT NULL) GROUP BY batch ORDER BY batch",
            )
            .fetch(&self.pool);
            while let Some(row) = rows.try_next().await.map_err(q)? {
                let batch: String = row.try_get(0).map_err(q)?;
                for line in batch.split('\n') {
                    each(line.to_owned())?;
                }
            }
            Ok(())
        })
    }

    fn for_each_leaf_hash<'a>(
        &'a self,
        limit: u64,
        each: &'a mut (dyn FnMut(String) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            // In batches of 4,096 leaves, one message each; hashes are hex.
            let mut rows = sqlx::query(
                "SELECT string_agg(CASE WHEN typeof(leaf_hash) = 'blob' THEN lower(hex(leaf_hash)) \
                 ELSE leaf_hash END, ',' ORDER BY leaf_index) FROM ledger_leaves \
                 WHERE leaf_index < ? GROUP BY leaf_index / 4096 ORDER BY leaf_index / 4096",
            )
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch(&self.pool);
            while let Some(row) = rows.try_next().await.map_err(q)? {
                let batch: String = row.try_get(0).map_err(q)?;
                for hash in batch.split(',') {
                    each(hash.to_owned())?;
                }
            }
            Ok(())
        })
    }

    fn for_each_leaf<'a>(
        &'a self,
        limit: u64,
        each: &'a mut (dyn FnMut(annals_store::LeafRow) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut rows = sqlx::query(
                "SELECT f.name AS warc_file, l.warc_offset AS warc_offset, \
                 CASE WHEN typeof(l.leaf_hash) = 'blob' THEN lower(hex(l.leaf_hash)) ELSE l.leaf_hash END AS leaf_hash \
                 FROM ledger_leaves l JOIN warc_files f ON f.id = l.file_id \
                 WHERE l.leaf_index < ? ORDER BY l.leaf_index",
            )
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch(&self.pool);
            while let Some(r) = rows.try_next().await.map_err(q)? {
                let off: i64 = r.try_get("warc_offset").map_err(q)?;
                each((
                    r.try_get("warc_file").map_err(q)?,
                    off.max(0) as u64,
                    r.try_get("leaf_hash").map_err(q)?,
                ))?;
            }
            Ok(())
        })
    }

    fn for_each_capture_since<'a>(
        &'a self,
        since: i64,
        order: CaptureOrder,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {COLUMNS} FROM captures WHERE (unix_time >= ?1 AND record_type <> 'warcinfo') \
                 OR id IN (SELECT (SELECT o.id FROM capture_rows o JOIN warc_files of ON of.id = o.file_id \
                 WHERE o.record_id = r.refers_to ORDER BY of.name, o.warc_offset LIMIT 1) FROM capture_rows r \
                 WHERE r.record_type = 'revisit' AND r.unix_time >= ?1 AND r.refers_to IS NOT NULL) \
                 ORDER BY {}",
                order_by(order)
            );
            let mut rows = sqlx::query(AssertSqlSafe(sql))
                .bind(since)
                .fetch(&self.pool);
            while let Some(row) = rows.try_next().await.map_err(q)? {
                each(from_row(&row).map_err(q)?)?;
            }
            Ok(())
        })
    }

    fn capture_by_record_id<'a>(
        &'a self,
        record_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Capture>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM captures WHERE id = (SELECT c.id FROM capture_rows c \
                 JOIN warc_files f ON f.id = c.file_id WHERE c.record_id = ? \
                 ORDER BY f.name, c.warc_offset LIMIT 1)"
            )))
            .bind(stored_id(record_id))
            .fetch_optional(&self.pool)
            .await
            .map_err(q)?;
            row.as_ref().map(from_row).transpose().map_err(q)
        })
    }

    fn original_for<'a>(
        &'a self,
        url: &'a str,
        digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<Capture>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM captures WHERE payload_digest = ? AND record_type IN ('response', 'resource') \
                 ORDER BY (url = ?) DESC, unix_time, warc_file, warc_offset LIMIT 1"
            )))
            .bind(digest)
            .bind(url)
            .fetch_optional(&self.pool)
            .await
            .map_err(q)?;
            row.as_ref().map(from_row).transpose().map_err(q)
        })
    }

    fn originals<'a>(
        &'a self,
        pairs: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Vec<Capture>, StoreError>> {
        Box::pin(async move {
            let mut out: Vec<Capture> = Vec::new();
            for chunk in pairs.chunks(200) {
                let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
                    "SELECT {COLUMNS} FROM captures WHERE record_type IN ('response', 'resource') \
                     AND (url, payload_digest) IN (VALUES "
                ));
                let mut sep = qb.separated(", ");
                for (url, digest) in chunk {
                    sep.push("(")
                        .push_bind_unseparated(url.as_str())
                        .push_unseparated(", ")
                        .push_bind_unseparated(digest.as_str())
                        .push_unseparated(")");
                }
                qb.push(") ORDER BY unix_time, warc_file, warc_offset");
                let rows = qb.build().fetch_all(&self.pool).await.map_err(q)?;
                for r in &rows {
                    let c = from_row(r).map_err(q)?;
                    if !out
                        .iter()
                        .any(|o| o.url == c.url && o.payload_digest == c.payload_digest)
                    {
                        out.push(c);
                    }
                }
            }
            Ok(out)
        })
    }

    fn count(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM capture_rows")
                .fetch_one(&self.pool)
                .await
                .map_err(q)?;
            Ok(n.max(0) as u64)
        })
    }

    fn compact(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await
                .map_err(q)?;
            Ok(())
        })
    }

    fn watch_add<'a>(
        &'a self,
        rows: &'a [WatchRow],
        due: i64,
    ) -> BoxFuture<'a, Result<Vec<(i64, bool)>, StoreError>> {
        Box::pin(observer::watch_add(&self.pool, rows, due))
    }

    fn claim_due<'a>(
        &'a self,
        now: i64,
        lease_until: i64,
        priorities: &'a [i64],
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<Due>, StoreError>> {
        Box::pin(observer::claim_due(
            &self.pool,
            now,
            lease_until,
            priorities,
            limit,
        ))
    }

    fn release<'a>(
        &'a self,
        items: Option<&'a [(i64, Option<i64>)]>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(observer::release(&self.pool, items))
    }

    fn block_host<'a>(
        &'a self,
        host: &'a str,
        until: i64,
        strikes: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(observer::block_host(&self.pool, host, until, strikes))
    }

    fn blocked_hosts(
        &self,
        now: i64,
    ) -> BoxFuture<'_, Result<Vec<annals_store::BlockedHost>, StoreError>> {
        Box::pin(observer::blocked_hosts(&self.pool, now))
    }

    fn commit_observed<'a>(
        &'a self,
        batch: &'a ObserverBatch,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(observer::commit_observed(&self.pool, batch))
    }

    fn derived_to(&self) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(observer::derived_to(&self.pool))
    }

    fn captures_after(
        &self,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'_, Result<Vec<(i64, Capture)>, StoreError>> {
        Box::pin(observer::captures_after(&self.pool, after, limit))
    }

    fn max_capture_id(&self) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(observer::max_capture_id(&self.pool))
    }

    fn due_item(&self, item_id: i64) -> BoxFuture<'_, Result<Option<Due>, StoreError>> {
        Box::pin(observer::due_item(&self.pool, item_id))
    }

    fn due_items<'a>(&'a self, item_ids: &'a [i64]) -> BoxFuture<'a, Result<Vec<Due>, StoreError>> {
        Box::pin(bulk::due_items(&self.pool, item_ids))
    }

    fn watch_find_ids<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<i64>>, StoreError>> {
        Box::pin(bulk::watch_find_ids(&self.pool, keys))
    }

    fn watch_list<'a>(
        &'a self,
        list: Option<&'a str>,
        limit: Option<u64>,
    ) -> BoxFuture<'a, Result<Vec<WatchInfo>, StoreError>> {
        Box::pin(observer::watch_list(&self.pool, list, limit))
    }

    fn watch_urls<'a>(
        &'a self,
        list: &'a str,
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, StoreError>> {
        Box::pin(async move {
            // Streamed: a row at a time becomes a pair, no row set is collected.
            let mut rows = sqlx::query(
                "SELECT w.item_id, i.canonical_url FROM watch w JOIN items i ON i.id = w.item_id \
                 WHERE w.list = ? ORDER BY w.item_id",
            )
            .bind(list)
            .fetch(&self.pool);
            let mut out = Vec::new();
            while let Some(row) = rows.try_next().await.map_err(q)? {
                out.push((row.try_get(0).map_err(q)?, row.try_get(1).map_err(q)?));
            }
            Ok(out)
        })
    }

    fn watch_find<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<WatchInfo>, StoreError>> {
        Box::pin(observer::watch_find(&self.pool, key))
    }

    fn observations(&self, item_id: i64) -> BoxFuture<'_, Result<Vec<ObservationRow>, StoreError>> {
        Box::pin(observer::observations(&self.pool, item_id))
    }

    fn contents(&self, item_id: i64) -> BoxFuture<'_, Result<Vec<ContentRow>, StoreError>> {
        Box::pin(observer::contents(&self.pool, item_id))
    }

    fn events<'a>(
        &'a self,
        filter: &'a EventFilter,
    ) -> BoxFuture<'a, Result<Vec<EventInfo>, StoreError>> {
        Box::pin(observer::events(&self.pool, filter))
    }

    fn contents_after(
        &self,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'_, Result<Vec<(i64, ContentRow)>, StoreError>> {
        Box::pin(observer::contents_after(&self.pool, after, limit))
    }

    fn events_after(
        &self,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'_, Result<Vec<(i64, EventInfo)>, StoreError>> {
        Box::pin(observer::events_after(&self.pool, after, limit))
    }

    fn item_lives<'a>(
        &'a self,
        list: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<LifeRow>, StoreError>> {
        Box::pin(observer::item_lives(&self.pool, list))
    }

    fn for_each_metrics<'a>(
        &'a self,
        list: Option<&'a str>,
        item_id: Option<i64>,
        each: &'a mut (dyn FnMut(i64, i64, &str) + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(observer::for_each_metrics(&self.pool, list, item_id, each))
    }

    fn queue_stats(&self, now: i64) -> BoxFuture<'_, Result<QueueStats, StoreError>> {
        Box::pin(observer::queue_stats(&self.pool, now))
    }

    fn set_paused<'a>(
        &'a self,
        item_ids: &'a [i64],
        paused: bool,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(observer::set_paused(&self.pool, item_ids, paused))
    }

    fn set_list_policy<'a>(
        &'a self,
        list: &'a str,
        policy: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(observer::set_list_policy(&self.pool, list, policy))
    }

    fn list_policy<'a>(
        &'a self,
        list: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT policy FROM list_policies WHERE list = ?")
                .bind(list)
                .fetch_optional(&self.pool)
                .await
                .map_err(q)
        })
    }

    fn state_counts(&self) -> BoxFuture<'_, Result<Vec<StateCount>, StoreError>> {
        Box::pin(observer::state_counts(&self.pool))
    }

    fn watch_page<'a>(
        &'a self,
        list: Option<&'a str>,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<WatchInfo>, StoreError>> {
        Box::pin(observer::watch_page(&self.pool, list, after, limit))
    }

    fn recent_events<'a>(
        &'a self,
        kinds: &'a [String],
        offset: u64,
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<EventInfo>, StoreError>> {
        Box::pin(observer::recent_events(&self.pool, kinds, offset, limit))
    }
}

//! What annals' derived index must do, whatever the backend.
//!
//! # Brief overview
//! [`Store`] is the storage trait: SQLite (`annals-store-sqlite`) is the embedded default, and a
//! PostgreSQL backend implements the same trait. The index is **derived**: every row can be rebuilt
//! from the WARC files, so a backend never holds anything the archive does not.
//!
//! **Invariant:** only backend crates know SQL. Callers speak in [`Capture`]s and [`CaptureFilter`]s.
//!
//! # Example
//! ```
//! use annals_store::CaptureFilter;
//! let f = CaptureFilter { url: Some("https://example.com/".into()), ..CaptureFilter::default() };
//! assert!(f.url_prefix.is_none());
//! ```
#![deny(missing_docs)]

use std::future::Future;
use std::pin::Pin;

pub use annals_model::{Capture, WarcFileEntry};
pub use observer::{
    ContentRow, Due, EventFilter, EventInfo, EventRow, ItemUpdate, LifeRow, ObservationRow,
    ObserverBatch, QueueStats, StateCount, WatchInfo, WatchRow,
};

mod observer;

/// A host that refused us: (name, blocked until, consecutive strikes).
pub type BlockedHost = (String, i64, i64);

/// A boxed future, so the trait stays object-safe (`Box<dyn Store>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What went wrong in a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open the index {location}: {reason}")]
    Open {
        /// Path or URL of the database.
        location: String,
        /// The backend's reason.
        reason: String,
    },
    /// A schema migration failed.
    #[error("cannot update the index schema: {0}")]
    Migrate(String),
    /// A query failed.
    #[error("index query failed: {0}")]
    Query(String),
    /// The index holds a value that cannot be right (negative offset, unknown file).
    #[error("the index is inconsistent: {0}; run `annals reindex`")]
    Corrupt(String),
}

/// Which captures to list. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureFilter {
    /// Exactly this target URL.
    pub url: Option<String>,
    /// Target URLs starting with this.
    pub url_prefix: Option<String>,
    /// Exactly this URL key (SURT).
    pub urlkey: Option<String>,
    /// `WARC-Date` at or after (seconds since the epoch).
    pub since: Option<i64>,
    /// `WARC-Date` at or before (seconds since the epoch).
    pub until: Option<i64>,
    /// Only these record types.
    pub record_types: Vec<String>,
}

/// The ledger's part of a commit: the leaves of the committed records and the tree state after
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerBatch {
    /// New leaves: (leaf index, WARC file, offset, leaf hash in hex).
    pub leaves: Vec<(u64, String, u64, String)>,
    /// Tree size after the batch.
    pub size: u64,
    /// The tree's frontier after the batch, hex of the concatenated hashes.
    pub frontier: String,
}

/// A stored ledger leaf: (WARC file, offset, leaf hash in hex).
pub type LeafRow = (String, u64, String);

/// A stored ledger leaf with its record: (leaf index, leaf hash in hex, the capture at the leaf's
/// WARC file and offset, `None` if the index holds no capture there).
pub type LedgerEntryRow = (u64, String, Option<Capture>);

/// Order of listed captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureOrder {
    /// By URL key, then timestamp, file and offset: the order of `annals records`.
    UrlKey,
    /// By file and offset: the order of the archive itself.
    Archive,
    /// By capture time (`unix_time`), then URL, file and offset: a package's pages.
    Time,
}

/// The storage trait. Methods take `&self`; backends handle their own pooling and locking.
pub trait Store: Send + Sync {
    /// Creates or updates the schema.
    fn migrate(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Every WARC file the index knows, in name order.
    fn warc_files(&self) -> BoxFuture<'_, Result<Vec<WarcFileEntry>, StoreError>>;

    /// Atomically: records `file` (creating it if new) as indexed up to `indexed_size`, adds
    /// `captures` and the ledger leaves of them. Either all of it is committed or none.
    fn commit<'a>(
        &'a self,
        file: &'a str,
        indexed_size: u64,
        captures: &'a [Capture],
        ledger: &'a LedgerBatch,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The ledger tree state of the last commit: (size, frontier hex).
    fn ledger_state(&self) -> BoxFuture<'_, Result<Option<(u64, String)>, StoreError>>;

    /// Every leaf, in order: (WARC file, offset, leaf hash hex).
    fn ledger_leaves(&self) -> BoxFuture<'_, Result<Vec<LeafRow>, StoreError>>;

    /// Calls `each` on every leaf from index `start` on, in order, with the capture stored at the
    /// leaf's file and offset (streaming: what the log's tiles and entry bundles are written from).
    fn for_each_ledger_entry<'a>(
        &'a self,
        start: u64,
        each: &'a mut (dyn FnMut(LedgerEntryRow) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Which of these record ids the index already holds with the given block digest.
    fn existing<'a>(
        &'a self,
        ids: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, StoreError>>;

    /// Captures matching `filter`, in `order`, `limit` at most.
    fn captures<'a>(
        &'a self,
        filter: &'a CaptureFilter,
        order: CaptureOrder,
        limit: Option<u64>,
    ) -> BoxFuture<'a, Result<Vec<Capture>, StoreError>>;

    /// Calls `each` on every matching capture in `order`, streaming (for listings of millions).
    fn for_each_capture<'a>(
        &'a self,
        filter: &'a CaptureFilter,
        order: CaptureOrder,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// [`Store::for_each_capture`] for exports: the same captures in the same order, carrying
    /// only `record_id`, `record_type`, `warc_file`, `offset`, `length`, `url`, `date`,
    /// `unix_time`, `status`, `mime` and `record_digest` (the other fields are empty: `urlkey`
    /// and `block_digest` `""`, the options `None`): a backend need not read or rebuild the rest.
    fn for_each_capture_slim<'a>(
        &'a self,
        filter: &'a CaptureFilter,
        order: CaptureOrder,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.for_each_capture(filter, order, each)
    }

    /// The captures that may be a package's pages, for [`Store::for_each_capture_slim`]'s
    /// fields in [`CaptureOrder::Time`]: at least every `response` with a 2xx status whose
    /// `mime` contains `text/html` or `application/xhtml+xml` (a backend may pass more; the
    /// caller applies its own test).
    fn for_each_page_candidate<'a>(
        &'a self,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let filter = CaptureFilter {
                record_types: vec!["response".into()],
                ..CaptureFilter::default()
            };
            self.for_each_capture_slim(&filter, CaptureOrder::Time, each)
                .await
        })
    }

    /// Calls `each` on every stored CDXJ line in byte order (what `sort` gives), streaming: a
    /// package's index written without holding it.
    fn for_each_cdxj_line<'a>(
        &'a self,
        each: &'a mut (dyn FnMut(String) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Calls `each` on the hash (hex) of each of the first `limit` ledger leaves, in leaf order,
    /// streaming.
    fn for_each_leaf_hash<'a>(
        &'a self,
        limit: u64,
        each: &'a mut (dyn FnMut(String) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Calls `each` on each of the first `limit` ledger leaves in leaf order, streaming: (WARC
    /// file, offset, leaf hash hex).
    fn for_each_leaf<'a>(
        &'a self,
        limit: u64,
        each: &'a mut (dyn FnMut(LeafRow) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Calls `each` in `order` on every capture at or after `since` (`warcinfo` records left
    /// out) and on the original each of their revisits refers to (`WARC-Refers-To`, the first
    /// capture with that record id in archive order), streaming: what `--since` exports.
    fn for_each_capture_since<'a>(
        &'a self,
        since: i64,
        order: CaptureOrder,
        each: &'a mut (dyn FnMut(Capture) -> Result<(), StoreError> + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The capture with this `WARC-Record-ID`.
    fn capture_by_record_id<'a>(
        &'a self,
        record_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Capture>, StoreError>>;

    /// The earliest response record of `url` whose payload digest is `digest` (the original a
    /// revisit refers to).
    fn original_for<'a>(
        &'a self,
        url: &'a str,
        digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<Capture>, StoreError>>;

    /// For each (URL, payload digest), the earliest response or resource record of that URL
    /// with that digest, if any: [`Store::original_for`] for many at once, URL required.
    fn originals<'a>(
        &'a self,
        pairs: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Vec<Capture>, StoreError>>;

    /// Number of captures indexed.
    fn count(&self) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Folds any write-ahead log into the main database file (SQLite), so file sizes say what
    /// the index really holds. A no-op where there is nothing to fold.
    fn compact(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }

    // ---- The observer: watched items, the persistent queue, observations and events. ----

    /// Adds items to watch; a known item keeps its list, policy and history (only a seed flag
    /// is added). New items are due at `due`. Returns each item's row id and whether it was new.
    fn watch_add<'a>(
        &'a self,
        rows: &'a [WatchRow],
        due: i64,
    ) -> BoxFuture<'a, Result<Vec<(i64, bool)>, StoreError>>;

    /// Claims up to `limit` unclaimed, unpaused items due at `now`, highest priority first
    /// (trying each of `priorities` in turn, then earliest due), leasing them until
    /// `lease_until`. Backends with several workers use row locks that skip claimed rows.
    fn claim_due<'a>(
        &'a self,
        now: i64,
        lease_until: i64,
        priorities: &'a [i64],
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<Due>, StoreError>>;

    /// Releases every claim (at start-up of the only worker) or the given items' claims,
    /// setting their next due time when given.
    fn release<'a>(
        &'a self,
        items: Option<&'a [(i64, Option<i64>)]>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Records that `host` refused us until `until`: its unclaimed items are pushed back to then.
    fn block_host<'a>(
        &'a self,
        host: &'a str,
        until: i64,
        strikes: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Hosts blocked at `now`.
    fn blocked_hosts(&self, now: i64) -> BoxFuture<'_, Result<Vec<BlockedHost>, StoreError>>;

    /// Commits a batch of derived observer rows atomically.
    fn commit_observed<'a>(
        &'a self,
        batch: &'a ObserverBatch,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The captures id up to which observations are derived (0: none).
    fn derived_to(&self) -> BoxFuture<'_, Result<i64, StoreError>>;

    /// Captures with an id above `after`, in id (= archive) order, `limit` at most.
    fn captures_after(
        &self,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'_, Result<Vec<(i64, Capture)>, StoreError>>;

    /// The highest captures id (0 when empty).
    fn max_capture_id(&self) -> BoxFuture<'_, Result<i64, StoreError>>;

    /// Queue state for a scheduling item: the serialised timeline and counters of one item.
    fn due_item(&self, item_id: i64) -> BoxFuture<'_, Result<Option<Due>, StoreError>>;

    /// Queue state of many items at once, in no particular order (items without a watch row
    /// are left out): `import-table` reads a chunk's items in a few statements, not one each.
    fn due_items<'a>(&'a self, item_ids: &'a [i64]) -> BoxFuture<'a, Result<Vec<Due>, StoreError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(item_ids.len());
            for id in item_ids {
                if let Some(d) = self.due_item(*id).await? {
                    out.push(d);
                }
            }
            Ok(out)
        })
    }

    /// Watched items, optionally of one list, in id order.
    fn watch_list<'a>(
        &'a self,
        list: Option<&'a str>,
        limit: Option<u64>,
    ) -> BoxFuture<'a, Result<Vec<WatchInfo>, StoreError>>;

    /// (item id, canonical URL) of the items watched in `list`, in id order: what an export of
    /// a list reads, without the rest of [`WatchInfo`] (about 2.7 KB per item while
    /// [`Store::watch_list`] collects its rows).
    fn watch_urls<'a>(
        &'a self,
        list: &'a str,
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, StoreError>> {
        Box::pin(async move {
            Ok(self
                .watch_list(Some(list), None)
                .await?
                .into_iter()
                .map(|i| (i.item_id, i.url))
                .collect())
        })
    }

    /// One watched item by row id, canonical URL or platform id.
    fn watch_find<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<WatchInfo>, StoreError>>;

    /// The row id of the watched item each key names, as [`Store::watch_find`] finds it (row
    /// id, then canonical URL, then platform id; the lowest id when several match), for many
    /// keys at once; `None` for a key that names no watched item.
    fn watch_find_ids<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<i64>>, StoreError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                out.push(self.watch_find(k).await?.map(|w| w.item_id));
            }
            Ok(out)
        })
    }

    /// An item's observations, oldest first.
    fn observations(&self, item_id: i64) -> BoxFuture<'_, Result<Vec<ObservationRow>, StoreError>>;

    /// An item's content versions, oldest first.
    fn contents(&self, item_id: i64) -> BoxFuture<'_, Result<Vec<ContentRow>, StoreError>>;

    /// Events matching `filter`, oldest first.
    fn events<'a>(
        &'a self,
        filter: &'a EventFilter,
    ) -> BoxFuture<'a, Result<Vec<EventInfo>, StoreError>>;

    /// The queue at `now`.
    fn queue_stats(&self, now: i64) -> BoxFuture<'_, Result<QueueStats, StoreError>>;

    /// Content versions with a row number above `after`, in that order, `limit` at most: the
    /// search index catches up with them.
    fn contents_after(
        &self,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'_, Result<Vec<(i64, ContentRow)>, StoreError>>;

    /// Events with an id above `after`, in id order, `limit` at most.
    fn events_after(
        &self,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'_, Result<Vec<(i64, EventInfo)>, StoreError>>;

    /// Every watched item's life (optionally of one list), in id order: the analyses' input.
    fn item_lives<'a>(
        &'a self,
        list: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<LifeRow>, StoreError>>;

    /// Calls `each(item_id, observed_at, metrics_json)` on every observation with metrics, of
    /// one list or one item (or all), in (item, time) order, streaming.
    fn for_each_metrics<'a>(
        &'a self,
        list: Option<&'a str>,
        item_id: Option<i64>,
        each: &'a mut (dyn FnMut(i64, i64, &str) + Send),
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Pauses or resumes items.
    fn set_paused<'a>(
        &'a self,
        item_ids: &'a [i64],
        paused: bool,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Sets the policy of every item of a watchlist, and of items added to it later; returns
    /// how many items it covers now.
    fn set_list_policy<'a>(
        &'a self,
        list: &'a str,
        policy: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// The policy last set for a watchlist with [`Store::set_list_policy`], if any.
    fn list_policy<'a>(
        &'a self,
        list: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    // ---- Browsing (the web UI): pages of rows, never whole tables. ----

    /// Items per (list, state), from an index on those columns (the overview's counts).
    fn state_counts(&self) -> BoxFuture<'_, Result<Vec<StateCount>, StoreError>>;

    /// A page of watched items (optionally of one list) with a row id above `after`, in id
    /// order, `limit` at most: keyset pagination that stays fast at any depth.
    fn watch_page<'a>(
        &'a self,
        list: Option<&'a str>,
        after: i64,
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<WatchInfo>, StoreError>>;

    /// Events of these kinds (all kinds when empty), newest first, skipping `offset`, `limit`
    /// at most.
    fn recent_events<'a>(
        &'a self,
        kinds: &'a [String],
        offset: u64,
        limit: u64,
    ) -> BoxFuture<'a, Result<Vec<EventInfo>, StoreError>>;
}

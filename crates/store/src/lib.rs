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

/// Order of listed captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureOrder {
    /// By URL key, then timestamp, file and offset: the order of `annals records`.
    UrlKey,
    /// By file and offset: the order of the archive itself.
    Archive,
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

    /// Number of captures indexed.
    fn count(&self) -> BoxFuture<'_, Result<u64, StoreError>>;
}

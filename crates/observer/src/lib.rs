//! The observer shell: watchlists, the persistent queue, `annals run`, and the observations
//! and events derived from archived responses.
//!
//! # Brief overview
//! - [`Observer::watch`] turns URLs and ids into items (through `annals_platforms::ItemRef`),
//!   writes a WARC `resource` record per watch request (so the archive stays the truth) and
//!   queues them.
//! - [`Observer::run`] is the daemon: it claims due items from the store's queue (highest
//!   priority first, within a global and a per-host token bucket on the injected [`Clock`]),
//!   fetches the platform's requests with `annals_capture`, archives every exchange (unchanged
//!   payloads as revisits), parses them with `annals_platforms`, feeds each item's
//!   `annals_timeline::Timeline` and commits observations, content versions, events and the
//!   next due time ([`derive::apply`], with `annals_schedule`'s policy and back-off).
//!   Requests marked WBI-signed are signed with keys from Bilibili's `nav` (fetched and
//!   archived like any request, cached for a few clock hours, dropped when a signed call is
//!   refused) and `wts` from the clock.
//! - [`Observer::catch_up`] derives the same rows from archived records alone: `annals
//!   reindex` is a catch-up from zero, and a crash between archiving and deriving is healed at
//!   the next start.
//!
//! **Invariants:** every observation comes from archived records (`Annals-Item` names the item
//! on its response records); `blocked` and `error` never count towards a disappearance; a
//! claimed item is released or updated, and at start-up every stale claim is released.
#![deny(missing_docs)]

pub use clock::{Clock, ScaledClock, SystemClock};
pub use config::{FileConfig, ListConfig, ObserverConfig, PlatformConfig, parse_rate};
pub use desk::{WatchCommand, WatchDesk, WatchQueue};
pub use observer::{CatchUpReport, Observer, RowImport, WatchOutcome, seed_input};
pub use records::{ITEM_FIELD, OwnedResponse, WATCH_URN, WatchControl, WatchRecord};
pub use run::{RunOptions, RunReport, RunStatus, peak_rss_mb};
pub use table::{Mapping, ROW_URN, RowContext, TableRow, row_urn};

pub mod derive;
pub mod table;

mod clock;
mod config;
mod desk;
mod observer;
mod records;
mod run;
mod wbi;

/// What went wrong in the observer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObserverError {
    /// `annals.toml` or an option is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The archive failed.
    #[error(transparent)]
    Archive(#[from] annals_archive::ArchiveError),
    /// The index failed.
    #[error(transparent)]
    Store(#[from] annals_store::StoreError),
    /// The HTTP client could not be set up.
    #[error(transparent)]
    Capture(#[from] annals_capture::CaptureError),
    /// Something else, said plainly.
    #[error("{0}")]
    Other(String),
}

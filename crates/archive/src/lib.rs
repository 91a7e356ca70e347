//! The data directory: annals' own WARC files, their index, and every operation on them.
//!
//! # Brief overview
//! - [`Archive::init`] / [`Archive::open`] take an exclusive lock on a data directory, bring the
//!   index up to date with the WARC files, and cut off a torn tail left by a crash.
//! - [`Archive::import`] copies WARC, ARC and WACZ inputs into the archive's own rolling
//!   `warcs/annals-<timestamp>-<serial>.warc.gz` files, one gzip member per record, imported
//!   members verbatim; [`Archive::capture`] fetches and archives; [`Archive::get`],
//!   [`Archive::export_warc`] and [`Archive::cdxj_lines`] read back; [`Archive::reindex`]
//!   rebuilds the index from the files alone.
//!
//! **Invariants** (tested in `tests/`):
//! 1. The archive is the truth: `index.db` is derived; reindexing gives the same listing.
//! 2. Self-contained: imported records are copied, never referenced.
//! 3. Crash-safe: bytes are fsynced before the index refers to them; a torn tail is cut on open.
//! 4. Deduplicated: an unchanged capture is a revisit record.
//! 5. No secrets archived: captured request records have `Cookie`/`Authorization` redacted.
//!
//! # Example
//! ```no_run
//! # async fn f() -> Result<(), annals_archive::ArchiveError> {
//! use annals_archive::{Archive, ArchiveOptions};
//! let mut archive = Archive::init("data".as_ref(), ArchiveOptions::default()).await?;
//! let report = archive.import("in.warc.gz".as_ref(), &|_done, _total| {}).await?;
//! println!("{} records added", report.added);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub use archive::{
    Archive, ArchiveOptions, INDEX_DB, ImportReport, Progress, capture_date, new_record_id,
};
pub use capture::{
    CaptureReport, ExchangeContext, ExchangeReport, exchange_records, exchange_records_with_id,
};
pub use config::{ArchiveConfig, CONFIG_FILE, LedgerConfig};
pub use error::ArchiveError;
pub use ledger::{
    CheckpointReport, Finding, LEDGER_DIR, LedgerStatus, TimestampSummary, VerifyReport,
    batch_for as ledger_batch, entry_for, leaf_for,
};
pub use prepare::{Prepared, capture_row, prepare};
pub use proof::{PROOF_FORMAT, ProofBundle, ProofSummary, verify_bundle};
pub use replay::{Payload, index_file, parse_time, record_line};
pub use segment::WARC_DIR;
pub use wacz_export::{
    PLAIN_INDEX_MAX_LINES, WACZ_PROOF_FORMAT, WACZ_SIGNING_KEY, WaczExportOptions, WaczProof,
    WaczReport, wacz_signer,
};

mod archive;
mod capture;
mod config;
mod error;
mod ledger;
mod prepare;
mod proof;
mod replay;
mod segment;
mod spill;
mod wacz_export;
mod wacz_stream;
mod wacz_subset;

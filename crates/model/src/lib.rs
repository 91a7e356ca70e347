//! annals' domain types, shared by every crate. No IO.
//!
//! # Brief overview
//! - [`Item`]: a thing watched: a platform, its native id there, and a canonical URL.
//! - [`Capture`]: one record in the archive's WARC files (an HTTP response, request, revisit,
//!   metadata, resource or warcinfo record) with its exact location and digests. The index of
//!   captures is derived data: every field here is read back from the WARC record itself.
//! - Observations (what a platform said about an Item at a time: state, metrics, content) and
//!   Events (appeared, edited, disappeared, reappeared) arrive with the observer; they refer to
//!   the Capture they were derived from.
//!
//! # Example
//! ```
//! use annals_model::Capture;
//! let c = Capture { record_type: "response".into(), ..Capture::default() };
//! assert!(c.is_replayable());
//! ```
#![deny(missing_docs)]

pub use observation::{
    ChildRef, Content, GoneReason, Metric, Observation, Signal, State, UnknownState,
};

use serde::{Deserialize, Serialize};

pub mod civil;
mod observation;

/// A thing watched: one video, answer, post, page or feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Item {
    /// Row id in the index (absent before it is stored).
    pub id: Option<i64>,
    /// Platform name: `bilibili`, `zhihu`, `weibo`, `web`, `feed`.
    pub platform: String,
    /// The platform's own id (BV id, answer id, …); the URL for `web`.
    pub native_id: String,
    /// The canonical URL a person would open.
    pub canonical_url: String,
}

/// One record in the archive: where it is and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Capture {
    /// `WARC-Record-ID` as written (`<urn:uuid:…>`), or `<urn:sha256:…>` of the record for the
    /// rare imported record that has none.
    pub record_id: String,
    /// `WARC-Type`: `response`, `request`, `revisit`, `resource`, `metadata`, `warcinfo`, ….
    pub record_type: String,
    /// Name of the WARC file under the data directory's `warcs/`.
    pub warc_file: String,
    /// Byte offset of the record's gzip member in that file.
    pub offset: u64,
    /// Length of the gzip member.
    pub length: u64,
    /// `WARC-Target-URI`, if the record has one.
    pub url: Option<String>,
    /// Searchable URL key (SURT, as cdxj-indexer computes it), or `-` without a URL.
    pub urlkey: String,
    /// `WARC-Date`, RFC 3339 as written.
    pub date: String,
    /// `WARC-Date` as seconds since the epoch.
    pub unix_time: i64,
    /// HTTP status of a response or revisit.
    pub status: Option<u16>,
    /// Media type of the payload (HTTP `Content-Type` without parameters, or the record's).
    pub mime: Option<String>,
    /// `WARC-Payload-Digest` as written.
    pub payload_digest: Option<String>,
    /// `sha256:<hex>` of the record block (what `WARC-Block-Digest` annals writes says).
    pub block_digest: String,
    /// `sha256:<hex>` of the stored gzip member: what reading it back must reproduce.
    pub record_digest: String,
    /// `WARC-Refers-To` (revisits, metadata).
    pub refers_to: Option<String>,
    /// `WARC-Concurrent-To` (the first one).
    pub concurrent_to: Option<String>,
    /// The CDXJ line cdxj-indexer would print for this record in this file; `None` for records it
    /// does not index (requests, warcinfo, `application/warc-fields` metadata).
    pub cdxj: Option<String>,
}

impl Capture {
    /// Whether `annals get` can serve it: a response, revisit or resource record.
    pub fn is_replayable(&self) -> bool {
        matches!(
            self.record_type.as_str(),
            "response" | "revisit" | "resource"
        )
    }
}

/// A WARC file of the archive, as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarcFileEntry {
    /// File name under `warcs/`.
    pub name: String,
    /// How many leading bytes of the file are indexed (every record before this offset is).
    pub indexed_size: u64,
}

//! WARC 1.1 and ARC, read and written, with exact per-record offsets.
//!
//! # Brief overview
//! - [`WarcReader`] walks the records of any `BufRead`: plain WARC, one gzip member per record,
//!   one gzip stream for the whole file, WARC/1.0 or 1.1, or ARC. Each [`ReadRecord`] carries its
//!   [`Span`] in the source and, on request, the source bytes themselves, so an importer can copy a
//!   record without rewriting it.
//! - [`RecordBuilder`] writes WARC/1.1 records with `WARC-Block-Digest: sha256:` and
//!   [`writer::gzip_member`] compresses each into its own member.
//! - [`http`] parses the HTTP messages inside blocks and removes transfer encodings;
//!   [`digest`] reads every digest spelling found in the wild.
//!
//! **Invariant:** this crate does no IO beyond the `Read`/`BufRead` it is given, reads no clock
//! and generates no random ids: callers pass dates and record ids in.
//!
//! # Example
//! ```
//! use annals_warc::{RecordBuilder, WarcDate, WarcReader, writer};
//!
//! let date = WarcDate::parse("2024-01-01T12:00:00Z").unwrap();
//! let record = RecordBuilder::new("resource", "urn:uuid:6f0c1a2e-0000-4000-8000-000000000001", &date)
//!     .target_uri("urn:text:https://example.com/")
//!     .content_type("text/plain")
//!     .build(b"hello");
//! let file = writer::gzip_member(&record, 6);
//! let read: Vec<_> = WarcReader::new(&file[..]).collect::<Result<_, _>>().unwrap();
//! assert_eq!(read[0].record.block, b"hello");
//! assert_eq!(read[0].span.length, file.len() as u64);
//! ```
#![deny(missing_docs)]

pub use date::WarcDate;
pub use error::Error;
pub use header::{Header, RecordType};
pub use reader::{Format, ReadRecord, Record, Span, WarcReader};
pub use writer::RecordBuilder;

mod date;
pub mod digest;
mod error;
mod header;
pub mod http;
mod reader;
pub mod writer;

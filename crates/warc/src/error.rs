//! The one error type of this crate. Every variant names the byte offset of the record (or gzip
//! member) at fault, so callers can say "FILE at byte N: …".

use std::io;

/// What went wrong while reading a WARC or ARC file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The underlying reader failed.
    #[error("at byte {offset}: read failed: {source}")]
    Io {
        /// Offset of the record being read.
        offset: u64,
        /// The IO error.
        source: io::Error,
    },
    /// A gzip member could not be decompressed (corrupt or cut off).
    #[error("at byte {offset}: corrupt or truncated gzip member: {source}")]
    Gzip {
        /// Offset of the gzip member.
        offset: u64,
        /// The decompressor's error.
        source: io::Error,
    },
    /// A gzip-compressed file continues with bytes that are not a gzip member.
    #[error("at byte {offset}: expected another gzip member, found other bytes")]
    NotGzipMember {
        /// Where the unexpected bytes start.
        offset: u64,
    },
    /// The bytes are neither a WARC nor an ARC record.
    #[error("at byte {offset}: not a WARC or ARC record (starts with {start:?})")]
    UnknownFormat {
        /// Where the unrecognised line starts.
        offset: u64,
        /// The first characters of that line.
        start: String,
    },
    /// A header line has no `name: value` form.
    #[error("at byte {offset}: malformed header line {line:?}")]
    BadHeader {
        /// Offset of the record.
        offset: u64,
        /// The offending line (shortened).
        line: String,
    },
    /// The record has no `Content-Length`, so its end cannot be found.
    #[error("at byte {offset}: record has no Content-Length")]
    MissingContentLength {
        /// Offset of the record.
        offset: u64,
    },
    /// `Content-Length` is not a non-negative integer.
    #[error("at byte {offset}: Content-Length {value:?} is not a number")]
    BadContentLength {
        /// Offset of the record.
        offset: u64,
        /// The value as written.
        value: String,
    },
    /// The header block ends before its blank line.
    #[error("at byte {offset}: record header is cut off by the end of the data")]
    HeaderTruncated {
        /// Offset of the record.
        offset: u64,
    },
    /// The block is shorter than `Content-Length` says.
    #[error(
        "at byte {offset}: record is truncated: block should be {expected} bytes, data ends after {got}"
    )]
    Truncated {
        /// Offset of the record.
        offset: u64,
        /// `Content-Length`.
        expected: u64,
        /// Bytes actually present.
        got: u64,
    },
}

impl Error {
    pub(crate) fn io(offset: u64, source: io::Error) -> Self {
        Error::Io { offset, source }
    }

    pub(crate) fn gzip(offset: u64, source: io::Error) -> Self {
        Error::Gzip { offset, source }
    }

    /// Read errors inside a gzip member come from the decompressor.
    pub(crate) fn in_gzip_member(self, member: u64) -> Self {
        match self {
            Error::Io { source, .. } => Error::Gzip {
                offset: member,
                source,
            },
            other => other,
        }
    }

    /// The byte offset the error refers to.
    pub fn offset(&self) -> u64 {
        match self {
            Error::Io { offset, .. }
            | Error::Gzip { offset, .. }
            | Error::NotGzipMember { offset }
            | Error::UnknownFormat { offset, .. }
            | Error::BadHeader { offset, .. }
            | Error::MissingContentLength { offset }
            | Error::BadContentLength { offset, .. }
            | Error::HeaderTruncated { offset }
            | Error::Truncated { offset, .. } => *offset,
        }
    }
}

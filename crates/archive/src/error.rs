//! The archive's error type: every variant says what and where, in one line.

use std::path::PathBuf;

/// What went wrong in the archive.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// No data directory where one was expected.
    #[error("no annals data directory at {0}: run `annals init` (or pass --data DIR)")]
    NotInitialised(PathBuf),
    /// Another annals process holds the data directory.
    #[error("the data directory {0} is in use by another annals process")]
    Locked(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A WARC/ARC input is malformed at a byte offset.
    #[error("{path}: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The located format error.
        source: annals_warc::Error,
    },
    /// A WACZ input could not be opened or is unsafe.
    #[error(transparent)]
    Wacz(#[from] annals_wacz::WaczError),
    /// The index failed.
    #[error(transparent)]
    Store(#[from] annals_store::StoreError),
    /// Fetching failed.
    #[error(transparent)]
    Capture(#[from] annals_capture::CaptureError),
    /// A stored record does not read back as indexed.
    #[error("{file} at byte {offset}: stored record is damaged: {reason}")]
    Damaged {
        /// WARC file name.
        file: String,
        /// Offset of the record.
        offset: u64,
        /// What does not match.
        reason: String,
    },
    /// Nothing archived matches.
    #[error("nothing archived for {0}")]
    NotFound(String),
    /// An argument is not usable.
    #[error("{0}")]
    Invalid(String),
}

impl ArchiveError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ArchiveError::Io {
            path: path.into(),
            source,
        }
    }
}

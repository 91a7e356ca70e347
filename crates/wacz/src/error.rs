//! The one error type of this crate.
//!
//! Errors stop the caller: the package cannot be opened, or an entry cannot be read. Things
//! that merely make a package invalid (a hash that does not match, a missing file) are not
//! errors but [`Problem`](crate::Problem)s in a [`VerifyReport`](crate::VerifyReport).

use std::io;

/// Why a WACZ could not be opened, or an entry in it could not be read.
///
/// Every variant names the WACZ (`wacz`, its display name: the path given to
/// [`Wacz::open`](crate::Wacz::open) or the name given to
/// [`Wacz::from_reader`](crate::Wacz::from_reader)) and, where one is involved, the ZIP entry.
/// `Display` is one line that says what is wrong, suitable for a CLI.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaczError {
    /// The underlying file or reader failed (not found, permission denied, a disk error).
    #[error("{wacz}{}: {error}", entry_suffix(.entry))]
    Io {
        /// The WACZ.
        wacz: String,
        /// The entry being read, if any.
        entry: Option<String>,
        /// What the operating system said.
        error: io::Error,
    },

    /// The file is not a readable ZIP archive: truncated, corrupt, or not a ZIP at all.
    #[error("{wacz}: not a readable ZIP archive: {detail}")]
    NotZip {
        /// The WACZ.
        wacz: String,
        /// What the ZIP reader found wrong.
        detail: String,
    },

    /// An entry's name could escape an extraction directory or alias another file: it is
    /// absolute, has a `..` component, a backslash, a drive letter or a NUL byte, or is empty;
    /// or the entry is a symbolic link. Refused when the package is opened, before anything
    /// is read from it.
    #[error("{wacz}: unsafe entry {entry:?} ({reason}); refusing to open this WACZ")]
    UnsafePath {
        /// The WACZ.
        wacz: String,
        /// The entry name, as stored (lossily decoded).
        entry: String,
        /// Which rule the name breaks.
        reason: &'static str,
    },

    /// The ZIP central directory holds several entries with the same name, so different
    /// readers could see different contents under one name.
    #[error("{wacz}: the ZIP holds several entries with the same name; refusing to open this WACZ")]
    DuplicateNames {
        /// The WACZ.
        wacz: String,
    },

    /// A required entry (`datapackage.json`) is missing, or [`Wacz::open_entry`](crate::Wacz::open_entry)
    /// was asked for a name the ZIP does not hold.
    #[error("{wacz}: no entry {entry:?} in the ZIP")]
    EntryNotFound {
        /// The WACZ.
        wacz: String,
        /// The name that was looked for.
        entry: String,
    },

    /// `datapackage.json` is not a JSON object of the WACZ shape.
    #[error("{wacz}: {entry} is malformed: {detail}")]
    Datapackage {
        /// The WACZ.
        wacz: String,
        /// The entry (`datapackage.json`).
        entry: String,
        /// What is wrong with it.
        detail: String,
    },

    /// An entry's data is corrupt: it does not inflate, its CRC-32 does not match, or it ends early.
    #[error("{wacz}: entry {entry:?} is corrupt: {detail}")]
    CorruptEntry {
        /// The WACZ.
        wacz: String,
        /// The entry.
        entry: String,
        /// What the ZIP reader found wrong.
        detail: String,
    },

    /// An entry inflates to more than its declared size plus a margin (a ZIP bomb or a lying
    /// central directory); reading stopped at `limit` bytes.
    #[error("{wacz}: entry {entry:?} inflates past its declared size; stopped at {limit} bytes")]
    TooLarge {
        /// The WACZ.
        wacz: String,
        /// The entry.
        entry: String,
        /// How many bytes were allowed.
        limit: u64,
    },

    /// An entry is encrypted or uses a compression method other than STORE or DEFLATE.
    #[error("{wacz}: entry {entry:?} cannot be read: {detail}")]
    Unsupported {
        /// The WACZ.
        wacz: String,
        /// The entry.
        entry: String,
        /// The unsupported feature.
        detail: String,
    },
}

fn entry_suffix(entry: &Option<String>) -> String {
    match entry {
        Some(entry) => format!(": entry {entry:?}"),
        None => String::new(),
    }
}

impl WaczError {
    /// The display name of the WACZ this error is about.
    pub fn wacz(&self) -> &str {
        match self {
            WaczError::Io { wacz, .. }
            | WaczError::NotZip { wacz, .. }
            | WaczError::UnsafePath { wacz, .. }
            | WaczError::DuplicateNames { wacz, .. }
            | WaczError::EntryNotFound { wacz, .. }
            | WaczError::Datapackage { wacz, .. }
            | WaczError::CorruptEntry { wacz, .. }
            | WaczError::TooLarge { wacz, .. }
            | WaczError::Unsupported { wacz, .. } => wacz,
        }
    }

    /// The ZIP entry this error is about, if any.
    pub fn entry(&self) -> Option<&str> {
        match self {
            WaczError::Io { entry, .. } => entry.as_deref(),
            WaczError::NotZip { .. } | WaczError::DuplicateNames { .. } => None,
            WaczError::UnsafePath { entry, .. }
            | WaczError::EntryNotFound { entry, .. }
            | WaczError::Datapackage { entry, .. }
            | WaczError::CorruptEntry { entry, .. }
            | WaczError::TooLarge { entry, .. }
            | WaczError::Unsupported { entry, .. } => Some(entry),
        }
    }

    /// Converts an error met while reading an entry's bytes.
    ///
    /// [`EntryReader`](crate::EntryReader) reports [`WaczError`]s wrapped in `io::Error`; those are
    /// unwrapped. Data errors (`InvalidData`, `UnexpectedEof`) become [`WaczError::CorruptEntry`]
    /// and everything else [`WaczError::Io`].
    pub(crate) fn from_entry_io(wacz: &str, entry: &str, error: io::Error) -> WaczError {
        let error = match error.downcast::<WaczError>() {
            Ok(inner) => return inner,
            Err(error) => error,
        };
        match error.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => WaczError::CorruptEntry {
                wacz: wacz.to_owned(),
                entry: entry.to_owned(),
                detail: error.to_string(),
            },
            _ => WaczError::Io {
                wacz: wacz.to_owned(),
                entry: Some(entry.to_owned()),
                error,
            },
        }
    }

    /// Converts a `zip` error met while opening the archive or an entry.
    pub(crate) fn from_zip(
        wacz: &str,
        entry: Option<&str>,
        error: zip::result::ZipError,
    ) -> WaczError {
        use zip::result::ZipError;
        let wacz = wacz.to_owned();
        match (error, entry) {
            (ZipError::Io(error), Some(entry)) => WaczError::from_entry_io(&wacz, entry, error),
            (ZipError::Io(error), None)
                if !matches!(
                    error.kind(),
                    io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
                ) =>
            {
                WaczError::Io {
                    wacz,
                    entry: None,
                    error,
                }
            }
            (ZipError::UnsupportedArchive(detail), Some(entry)) => WaczError::Unsupported {
                wacz,
                entry: entry.to_owned(),
                detail: detail.to_owned(),
            },
            (ZipError::CompressionMethodNotSupported(method), Some(entry)) => {
                WaczError::Unsupported {
                    wacz,
                    entry: entry.to_owned(),
                    detail: format!("compression method {method} (only STORE and DEFLATE)"),
                }
            }
            (ZipError::InvalidPassword, Some(entry)) => WaczError::Unsupported {
                wacz,
                entry: entry.to_owned(),
                detail: "the entry is encrypted".to_owned(),
            },
            (ZipError::FileNotFound, Some(entry)) => WaczError::EntryNotFound {
                wacz,
                entry: entry.to_owned(),
            },
            (error, Some(entry)) => WaczError::CorruptEntry {
                wacz,
                entry: entry.to_owned(),
                detail: error.to_string(),
            },
            (error, None) => WaczError::NotZip {
                wacz,
                detail: error.to_string(),
            },
        }
    }
}

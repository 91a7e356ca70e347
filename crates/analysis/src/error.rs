//! The crate's error type: only options can be wrong; data never is (odd records are skipped
//! and counted in each report's `excluded` table).

/// Invalid options given to an analysis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A UTC offset that is not `±hh[:mm]` within ±24 h.
    #[error("invalid UTC offset {0:?} (expected e.g. +08:00)")]
    InvalidOffset(String),
    /// A bucket period other than `day`, `week`, `month`.
    #[error("invalid period {0:?} (expected day, week or month)")]
    InvalidPeriod(String),
    /// A grouping other than `reason`, `platform`, `term`.
    #[error("invalid grouping {0:?} (expected reason, platform or term)")]
    InvalidGrouping(String),
    /// An option out of its range (the message names it).
    #[error("invalid option: {0}")]
    InvalidOption(String),
}

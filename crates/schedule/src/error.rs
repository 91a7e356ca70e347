//! The crate's error type.

/// What can go wrong configuring a schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A policy name that is not `default`, `hot` or `daily`.
    #[error("unknown policy {0:?} (expected default, hot or daily)")]
    UnknownPolicy(String),
    /// A policy whose tiers or delays make no sense.
    #[error("invalid policy: {0}")]
    InvalidPolicy(String),
    /// More policies than a [`PolicyId`](crate::PolicyId) can name (256).
    #[error("too many policies (at most 256)")]
    TooManyPolicies,
    /// A budget of zero requests.
    #[error("invalid budget: {0}")]
    InvalidBudget(String),
}

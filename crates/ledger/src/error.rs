//! The one error type of this crate.

use thiserror::Error;

/// Everything that can go wrong in the ledger core: malformed input, a proof or signature that
/// does not verify, or a hash the caller's storage could not provide.
///
/// Verification failures and malformed input are both errors: a caller that only wants a yes/no
/// answer can use `is_ok()`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A leaf index is not inside the tree.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size it was checked against.
        size: u64,
    },
    /// A tree size is not valid here: an old size larger than the new one, a size larger than
    /// the leaves available, or a size beyond what RFC 6962 trees can index.
    #[error("tree size {size} is out of range (limit {limit})")]
    SizeOutOfRange {
        /// The size given.
        size: u64,
        /// The largest size accepted in this context.
        limit: u64,
    },
    /// An inclusion or consistency proof does not verify: wrong length, or the recomputed root
    /// differs from the expected one.
    #[error("proof does not verify: {reason}")]
    InvalidProof {
        /// What check failed.
        reason: &'static str,
    },
    /// A [`HashReader`](crate::HashReader) could not provide the hash of a complete subtree.
    #[error("hash of subtree at level {level}, index {index} is unavailable")]
    HashUnavailable {
        /// The subtree level (0 = leaf).
        level: u8,
        /// The subtree index within its level.
        index: u64,
    },
    /// A saved [`Tree`](crate::Tree) state is inconsistent (frontier length does not match the
    /// size).
    #[error("invalid tree state: size {size} needs {expected} frontier hashes, got {actual}")]
    InvalidTreeState {
        /// The claimed size.
        size: u64,
        /// Frontier hashes a tree of that size has.
        expected: usize,
        /// Frontier hashes given.
        actual: usize,
    },
    /// An encoded ledger entry would exceed the 65,535-byte limit imposed by entry bundles.
    #[error("ledger entry of {len} bytes exceeds the 65535-byte limit")]
    EntryTooLarge {
        /// The length the entry would have.
        len: usize,
    },
    /// A ledger entry could not be decoded (or a field cannot be encoded).
    #[error("malformed ledger entry: {reason}")]
    MalformedEntry {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A ledger entry has a version byte this crate does not know.
    #[error("unsupported ledger entry version {0}")]
    UnsupportedEntryVersion(u8),
    /// A checkpoint body does not follow C2SP tlog-checkpoint.
    #[error("malformed checkpoint: {reason}")]
    MalformedCheckpoint {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A signed note does not follow C2SP signed-note (layout, UTF-8, control characters,
    /// signature lines).
    #[error("malformed note: {reason}")]
    MalformedNote {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A note carries more signature lines than this crate accepts (100).
    #[error("note has more than {limit} signatures")]
    TooManySignatures {
        /// The limit.
        limit: usize,
    },
    /// A signer or verifier key text could not be parsed, or its key ID does not match.
    #[error("malformed key: {reason}")]
    MalformedKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key name is empty, contains a Unicode space or a `+`, or is not valid UTF-8.
    #[error("invalid key name {0:?}")]
    InvalidKeyName(String),
    /// A signature from a known key (matching name and key ID) does not verify.
    #[error("invalid signature by {name} (key ID {key_id:08x})")]
    BadSignature {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// No signature on the note is from a known key and verifies.
    #[error("note has no verified signature from a known key")]
    NoVerifiedSignature,
    /// An RFC 3161 time-stamp reply or token is malformed.
    #[error("malformed time-stamp reply: {reason}")]
    MalformedTimestamp {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A tile, tile path or entry bundle is malformed, or does not fit the tree it is used for.
    #[error("malformed tile: {reason}")]
    MalformedTile {
        /// What is wrong with it.
        reason: &'static str,
    },
}

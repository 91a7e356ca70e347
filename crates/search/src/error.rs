//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in annals-search.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The user dictionary could not be read or has a malformed line (`line` 0: the whole file).
    #[error("user dictionary {}: line {line}: {message}", path.display())]
    UserDict {
        /// The dictionary file.
        path: PathBuf,
        /// 1-based line number, 0 when the file itself could not be read.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The index directory could not be created or opened.
    #[error("search index {}: {message}", path.display())]
    Open {
        /// The index directory.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The index was built with another schema (an older annals): rebuild it (`annals reindex`).
    #[error(
        "search index {}: built by another version of annals ({message}); rebuild it with `annals reindex`",
        path.display()
    )]
    Incompatible {
        /// The index directory.
        path: PathBuf,
        /// What differs.
        message: String,
    },
    /// The user's query could not be understood. `message` is meant for the user.
    #[error("search query {query:?}: {message}")]
    Query {
        /// The query text as given.
        query: String,
        /// What is wrong with it.
        message: String,
    },
    /// A time given to the index or a query is not a time annals understands.
    #[error(
        "invalid time {0:?}: expected RFC 3339 (2020-01-30T09:40:55Z), a date (2020-01-30) or unix seconds"
    )]
    Time(String),
    /// The index's stored commit data (watermarks, analyser fingerprint) is unreadable.
    #[error("search index {}: unreadable commit data: {message}", path.display())]
    CommitData {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// tantivy failed while reading, writing or searching (IO, a full disk, a lock held by another
    /// writer).
    #[error("search index {}: {source}", path.display())]
    Tantivy {
        /// The index directory (`<memory>` for an index in RAM).
        path: PathBuf,
        /// tantivy's error.
        #[source]
        source: tantivy::TantivyError,
    },
    /// The store the index is derived from failed while the index caught up.
    #[error("while updating the search index: {0}")]
    Store(String),
}

//! The crate's error type.

use std::path::PathBuf;

/// Everything that can fail in the simulator. Requests never fail: bad input gets an HTTP answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The configuration is inconsistent.
    #[error("invalid simulator config: {0}")]
    InvalidConfig(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Binding the listening socket failed.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The server stopped with an IO error.
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
}

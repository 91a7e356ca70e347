//! Fetch a URL over HTTP(S) and return every exchange as transferred, ready to archive.
//!
//! # Brief overview
//!
//! * [`Fetcher`] is built once from [`FetchOptions`] and fetches URLs with `GET`.
//! * [`Fetcher::fetch`] returns a [`Fetch`]: one [`Exchange`] per request, redirects included
//!   (this crate follows them itself, so every hop is recorded).
//! * An [`Exchange`] holds the request as sent and the response as received, both as
//!   HTTP/1.1-style message bytes, plus what a WARC writer needs around them: the target URL,
//!   the start instant, the peer IP, the protocol, and a [`Truncation`] reason when the body is
//!   incomplete.
//! * [`CaptureError`] says why no response was obtained; redirect failures keep the exchanges
//!   already made ([`CaptureError::partial`]).
//!
//! # What "as transferred" means here
//!
//! * **No decompression.** `Accept-Encoding: gzip, deflate` is sent and a compressed body is kept
//!   compressed, with its `Content-Encoding` header.
//! * **Truthful framing.** The HTTP stack removes chunked framing; a body that came chunked is
//!   stored framed again as one chunk plus the last chunk, so it still matches its
//!   `Transfer-Encoding: chunked` header. [`Exchange::payload`] locates the de-chunked body.
//! * **HTTP/2** responses are written as HTTP/1.1 messages; [`Exchange::protocol`] says `h2`.
//! * Header names are written in title case (`Content-Type`). For requests that is exactly what
//!   goes on an HTTP/1.1 wire; response header names are case-normalised (the stack does not
//!   keep their original case) and values of repeated headers are grouped by name.
//! * **Redaction.** By default `Cookie`, `Authorization` and `Proxy-Authorization` values read
//!   `REDACTED` in the stored request; the real values are sent.
//!
//! # For the archive writer
//!
//! * `request` and `response` of an [`Exchange`] are the blocks of the WARC `request` and
//!   `response` records; both records take [`Exchange::started_at`] as `WARC-Date` and
//!   [`Exchange::url`] as `WARC-Target-URI`. The block digest covers those bytes as stored.
//! * The payload digest covers [`Exchange::payload_bytes`] (transfer coding removed, content
//!   coding kept). A request has no body, so its payload is empty.
//! * `WARC-Truncated` comes from [`Truncation::as_warc`]. A truncated chunked body is still
//!   stored with a closing last chunk, so that it parses; the flag is what says it is partial.
//! * `WARC-IP-Address` comes from [`Exchange::remote_ip`] (absent through a proxy) and
//!   `WARC-Protocol` from [`Exchange::protocol`].
//! * Through a proxy, the stored request is the one meant for the origin (origin-form target);
//!   proxy-hop details (absolute-form target, proxy credentials) are not part of it.
//!
//! # Example
//!
//! ```no_run
//! use annals_capture::{FetchOptions, Fetcher};
//!
//! # async fn run() -> Result<(), annals_capture::CaptureError> {
//! let fetcher = Fetcher::new(FetchOptions::default())?;
//! let fetch = fetcher.fetch("https://example.com/").await?;
//! for hop in &fetch.hops {
//!     println!(
//!         "{} {} {} bytes of payload, {:?}",
//!         hop.status,
//!         hop.url,
//!         hop.payload_bytes().len(),
//!         hop.truncated
//!     );
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub use crate::error::CaptureError;
pub use crate::exchange::{Exchange, Fetch, Truncation};
pub use crate::fetcher::Fetcher;
pub use crate::options::{DEFAULT_USER_AGENT, FetchOptions};

mod error;
mod exchange;
mod fetcher;
mod message;
mod options;

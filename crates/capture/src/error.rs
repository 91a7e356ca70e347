//! The crate's one error type.

use std::time::Duration;

use crate::Fetch;

/// Why a fetch (or building a [`Fetcher`](crate::Fetcher)) failed.
///
/// Every message is one line and names the URL (or proxy) and the cause. The redirect variants
/// keep the exchanges that were completed before the chain stopped; get them with
/// [`CaptureError::partial`] or [`CaptureError::into_partial`] so they can still be archived.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The URL does not parse (or has no host).
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL's scheme is not `http` or `https`.
    #[error("unsupported URL scheme {scheme:?} in {url}: only http and https are captured")]
    UnsupportedScheme {
        /// The URL as given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// A [`FetchOptions`](crate::FetchOptions) value is unusable (a header name or value, the
    /// user agent).
    #[error("invalid fetch options: {reason}")]
    InvalidOptions {
        /// What is wrong.
        reason: String,
    },
    /// The proxy URL is unusable (bad syntax or a scheme other than http, https, socks5,
    /// socks5h). Credentials in it are not shown.
    #[error("invalid proxy {proxy}: {reason}")]
    InvalidProxy {
        /// The proxy URL, user info removed.
        proxy: String,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client could not be built (for example the TLS backend failed to start).
    #[error("could not build the HTTP client: {cause}")]
    Client {
        /// The underlying error.
        cause: String,
    },
    /// The host name did not resolve.
    #[error("DNS lookup failed for {url}: {cause}")]
    Dns {
        /// The URL being fetched.
        url: String,
        /// The resolver's error.
        cause: String,
    },
    /// The server refused the TCP connection.
    #[error("connection refused for {url}: {cause}")]
    ConnectionRefused {
        /// The URL being fetched.
        url: String,
        /// The underlying error.
        cause: String,
    },
    /// The connection could not be established for another reason (unreachable network, reset
    /// during connect, ...).
    #[error("could not connect for {url}: {cause}")]
    Connect {
        /// The URL being fetched.
        url: String,
        /// The underlying error.
        cause: String,
    },
    /// The TLS handshake failed (certificate not trusted, name mismatch, not a TLS server, ...).
    #[error("TLS handshake failed for {url}: {cause}")]
    Tls {
        /// The URL being fetched.
        url: String,
        /// The underlying error.
        cause: String,
    },
    /// The proxy could not be reached or would not open the connection to the origin.
    #[error("proxy {proxy} failed for {url}: {cause}")]
    Proxy {
        /// The URL being fetched.
        url: String,
        /// The proxy URL, user info removed.
        proxy: String,
        /// The underlying error.
        cause: String,
    },
    /// No response (status line and headers) arrived in time. A timeout while the body is being
    /// read is not an error: the exchange is kept with [`Truncation::Time`](crate::Truncation).
    #[error("timed out after {after:?} waiting for a response from {url}")]
    Timeout {
        /// The URL being fetched.
        url: String,
        /// The limit that expired (connect or overall timeout).
        after: Duration,
    },
    /// The request failed at the HTTP level before a response arrived (malformed response,
    /// connection closed before the status line, ...).
    #[error("HTTP request to {url} failed: {cause}")]
    Http {
        /// The URL being fetched.
        url: String,
        /// The underlying error.
        cause: String,
    },
    /// The chain had more redirects than [`FetchOptions::max_redirects`](crate::FetchOptions).
    #[error("too many redirects from {url}: more than {limit} (last hop {last})")]
    TooManyRedirects {
        /// The URL the fetch started from.
        url: String,
        /// The limit.
        limit: usize,
        /// The URL of the last exchange made.
        last: String,
        /// The exchanges made, ending with the redirect that was not followed.
        partial: Box<Fetch>,
    },
    /// A redirect pointed back at a URL already fetched in this chain.
    #[error("redirect loop from {url}: {target} was already fetched in this chain")]
    RedirectLoop {
        /// The URL the fetch started from.
        url: String,
        /// The repeated URL.
        target: String,
        /// The exchanges made, ending with the redirect that closes the loop.
        partial: Box<Fetch>,
    },
    /// A redirect's `Location` could not be followed: it does not parse or is not http(s).
    #[error("cannot follow redirect from {url} to {location:?}: {reason}")]
    BadRedirect {
        /// The URL whose response carried the `Location`.
        url: String,
        /// The `Location` value as received (lossily decoded).
        location: String,
        /// Why it was not followed.
        reason: String,
        /// The exchanges made, ending with that redirect.
        partial: Box<Fetch>,
    },
    /// A request made to follow a redirect failed; `cause` names the redirect target.
    #[error("{cause} (while following a redirect from {url})")]
    RedirectFailed {
        /// The URL the fetch started from.
        url: String,
        /// The failure of the follow-up request.
        #[source]
        cause: Box<CaptureError>,
        /// The exchanges made before the failing one.
        partial: Box<Fetch>,
    },
}

impl CaptureError {
    /// The exchanges completed before a redirect chain stopped, if this error has any. They are
    /// genuine captures and may be archived.
    pub fn partial(&self) -> Option<&Fetch> {
        match self {
            CaptureError::TooManyRedirects { partial, .. }
            | CaptureError::RedirectLoop { partial, .. }
            | CaptureError::BadRedirect { partial, .. }
            | CaptureError::RedirectFailed { partial, .. } => Some(partial),
            _ => None,
        }
    }

    /// Like [`CaptureError::partial`], taking ownership.
    pub fn into_partial(self) -> Option<Fetch> {
        match self {
            CaptureError::TooManyRedirects { partial, .. }
            | CaptureError::RedirectLoop { partial, .. }
            | CaptureError::BadRedirect { partial, .. }
            | CaptureError::RedirectFailed { partial, .. } => Some(*partial),
            _ => None,
        }
    }

    /// Whether this is (or, for [`CaptureError::RedirectFailed`], wraps) a timeout.
    pub fn is_timeout(&self) -> bool {
        match self {
            CaptureError::Timeout { .. } => true,
            CaptureError::RedirectFailed { cause, .. } => cause.is_timeout(),
            _ => false,
        }
    }
}

//! Settings for a [`Fetcher`](crate::Fetcher).

use std::time::Duration;

/// The `User-Agent` sent unless [`FetchOptions::user_agent`] says otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "annals/",
    env!("CARGO_PKG_VERSION"),
    " (+https://example.invalid/annals)"
);

/// How a [`Fetcher`](crate::Fetcher) fetches.
///
/// Start from [`FetchOptions::default`] and change fields:
///
/// ```
/// use std::time::Duration;
/// let mut options = annals_capture::FetchOptions::default();
/// options.timeout = Duration::from_secs(10);
/// options.proxy = Some("socks5h://127.0.0.1:9050".to_owned());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchOptions {
    /// The `User-Agent` header. Default: [`DEFAULT_USER_AGENT`].
    pub user_agent: String,
    /// Limit for one exchange, from the start of the request until the last body byte. Each
    /// redirect hop gets its own. Default: 30 s.
    pub timeout: Duration,
    /// Limit for establishing a connection (TCP, proxy handshake and TLS). Default: 10 s.
    pub connect_timeout: Duration,
    /// The most body bytes kept per response; a longer body is cut to exactly this many bytes
    /// and marked [`Truncation::Length`](crate::Truncation::Length). Default: 100 MiB.
    pub max_body_bytes: u64,
    /// How many redirects are followed; meeting one more is
    /// [`CaptureError::TooManyRedirects`](crate::CaptureError::TooManyRedirects). Default: 10.
    pub max_redirects: usize,
    /// Proxy for all requests: `http://`, `https://`, `socks5://` (DNS resolved locally) or
    /// `socks5h://` (DNS resolved by the proxy), optionally with `user:password@`. Default: none;
    /// proxy environment variables are ignored either way.
    pub proxy: Option<String>,
    /// Replace the values of `Cookie`, `Authorization` and `Proxy-Authorization` with `REDACTED`
    /// in the stored request (they are still sent). Default: `true`.
    pub redact_secrets: bool,
    /// Extra request headers, sent in this order after the defaults. A name that matches a
    /// default header (`User-Agent`, `Accept`, `Accept-Encoding`) replaces it; a name given more
    /// than once is sent once per value. `Host`, `Content-Length`, `Transfer-Encoding` and
    /// `Connection` are refused.
    pub extra_headers: Vec<(String, String)>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 100 * 1024 * 1024,
            max_redirects: 10,
            proxy: None,
            redact_secrets: true,
            extra_headers: Vec::new(),
        }
    }
}

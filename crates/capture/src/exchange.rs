//! The result types: one [`Exchange`] per HTTP request, collected in a [`Fetch`].

use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::time::Duration;

use time::OffsetDateTime;

/// Why a stored response body is shorter than what the server meant to send.
///
/// The names match the values of the WARC `WARC-Truncated` field; see [`Truncation::as_warc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Truncation {
    /// The body reached [`FetchOptions::max_body_bytes`](crate::FetchOptions::max_body_bytes);
    /// exactly that many bytes were kept.
    Length,
    /// The overall timeout expired while the body was being read.
    Time,
    /// The connection failed or closed before the body was complete.
    Disconnect,
}

impl Truncation {
    /// The value for the WARC `WARC-Truncated` field: `length`, `time` or `disconnect`.
    pub fn as_warc(self) -> &'static str {
        match self {
            Truncation::Length => "length",
            Truncation::Time => "time",
            Truncation::Disconnect => "disconnect",
        }
    }
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_warc())
    }
}

/// One HTTP request and its response, as transferred.
///
/// `request` and `response` are complete HTTP/1.1-style messages, ready to become the blocks of
/// a WARC `request` and `response` record. Both records of one exchange should use
/// [`started_at`](Exchange::started_at) as `WARC-Date` and [`url`](Exchange::url) as
/// `WARC-Target-URI`.
#[derive(Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The URL requested: WHATWG-serialised, so non-ASCII is percent-encoded (host in punycode),
    /// no spaces, no fragment, no user info.
    pub url: String,
    /// The UTC instant just before the request was handed to the network stack.
    pub started_at: OffsetDateTime,
    /// The request as sent: request line in origin form (`GET /path?q HTTP/1.1`), `Host` and the
    /// other headers in wire order, the empty line. There is no body. With
    /// [`FetchOptions::redact_secrets`](crate::FetchOptions::redact_secrets) the values of
    /// `Cookie`, `Authorization` and `Proxy-Authorization` read `REDACTED`.
    pub request: Vec<u8>,
    /// The response: status line, headers, empty line, body bytes as transferred (content coding
    /// such as gzip kept; a chunked body framed as one chunk plus the last chunk).
    pub response: Vec<u8>,
    /// Where the payload (the body without transfer coding, content coding kept) sits inside
    /// [`response`](Exchange::response). This is what `WARC-Payload-Digest` covers.
    pub payload: Range<usize>,
    /// The response status code.
    pub status: u16,
    /// Set when the stored body is incomplete.
    pub truncated: Option<Truncation>,
    /// The peer the response came from. `None` when a proxy was used (the peer would be the
    /// proxy, not the origin) or when the stack did not report it.
    pub remote_ip: Option<IpAddr>,
    /// From [`started_at`](Exchange::started_at) until the body was read (or given up on).
    pub duration: Duration,
    /// The protocol the response came over: `http/1.0`, `http/1.1`, `h2` or `h3`.
    pub protocol: String,
    /// For a redirect status with a `Location` header, the target resolved against
    /// [`url`](Exchange::url). `None` for other responses and when `Location` does not resolve.
    pub location: Option<String>,
}

impl Exchange {
    /// The payload bytes: the body with transfer coding removed and content coding kept.
    pub fn payload_bytes(&self) -> &[u8] {
        self.response.get(self.payload.clone()).unwrap_or(&[])
    }

    /// The response status line and headers, including the empty line that ends them.
    pub fn response_head(&self) -> &[u8] {
        let end = self.head_len().min(self.response.len());
        &self.response[..end]
    }

    fn head_len(&self) -> usize {
        self.response
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .map_or(self.response.len(), |at| at + 4)
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange")
            .field("url", &self.url)
            .field("started_at", &self.started_at)
            .field("request", &format_args!("<{} bytes>", self.request.len()))
            .field("response", &format_args!("<{} bytes>", self.response.len()))
            .field("payload", &self.payload)
            .field("status", &self.status)
            .field("truncated", &self.truncated)
            .field("remote_ip", &self.remote_ip)
            .field("duration", &self.duration)
            .field("protocol", &self.protocol)
            .field("location", &self.location)
            .finish()
    }
}

/// Everything one [`Fetcher::fetch`](crate::Fetcher::fetch) call transferred.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetch {
    /// One exchange per request, in order: the first is for the URL asked for, each later one
    /// follows the previous one's redirect.
    pub hops: Vec<Exchange>,
    /// The URL of every hop, in order (the same as `hops[i].url`): first the URL asked for, last
    /// the URL whose response ended the chain.
    pub redirect_chain: Vec<String>,
}

impl Fetch {
    /// The last exchange: the final response, or the last redirect if the chain was cut short.
    pub fn final_exchange(&self) -> Option<&Exchange> {
        self.hops.last()
    }

    pub(crate) fn push(&mut self, exchange: Exchange) {
        self.redirect_chain.push(exchange.url.clone());
        self.hops.push(exchange);
    }
}

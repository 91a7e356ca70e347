//! Pure serialisation of HTTP exchanges into HTTP/1.1-style message bytes.
//!
//! Nothing here does IO or reads a clock: the fetcher hands over the parts it got from reqwest and
//! receives the bytes to store.

use std::ops::Range;

use reqwest::Url;
use reqwest::Version;
use reqwest::header::{HeaderMap, HeaderName, TRANSFER_ENCODING};

/// Request header names whose values are replaced by [`REDACTED`] in stored requests.
const SECRET_HEADERS: [&str; 3] = ["cookie", "authorization", "proxy-authorization"];

/// What a redacted header value is replaced with.
pub(crate) const REDACTED: &str = "REDACTED";

/// Writes a header name the way hyper does with `title_case_headers`: the first letter and every
/// letter after a `-` upper-cased, the rest as stored (lower case).
fn push_title_case(out: &mut Vec<u8>, name: &HeaderName) {
    let mut upper = true;
    for &byte in name.as_str().as_bytes() {
        out.push(if upper {
            byte.to_ascii_uppercase()
        } else {
            byte
        });
        upper = byte == b'-';
    }
}

/// Appends `Name: value\r\n` for every header value, in `HeaderMap` iteration order (which is what
/// hyper writes on the wire).
fn push_headers(out: &mut Vec<u8>, headers: &HeaderMap, redact: bool) {
    for (name, value) in headers {
        push_title_case(out, name);
        out.extend_from_slice(b": ");
        if redact && SECRET_HEADERS.contains(&name.as_str()) {
            out.extend_from_slice(REDACTED.as_bytes());
        } else {
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// The request target in origin form: path plus query, never the fragment.
pub(crate) fn origin_form(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{}", url.path(), query),
        None => url.path().to_owned(),
    }
}

/// The value of the `Host` header for `url`: host, plus the port when it is not the scheme's
/// default (the same rule hyper uses when it adds `Host` itself).
pub(crate) fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Serialises a body-less `GET` request as sent: request line, headers (with `Host` among them),
/// empty line.
pub(crate) fn request_bytes(url: &Url, headers: &HeaderMap, redact: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"GET ");
    out.extend_from_slice(origin_form(url).as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    push_headers(&mut out, headers, redact);
    out.extend_from_slice(b"\r\n");
    out
}

/// Whether the response headers declare chunked transfer coding as the final coding, which is
/// when hyper removes the chunk framing before handing the body over.
pub(crate) fn is_chunked(headers: &HeaderMap) -> bool {
    let Some(last_value) = headers.get_all(TRANSFER_ENCODING).iter().next_back() else {
        return false;
    };
    let Ok(value) = last_value.to_str() else {
        return false;
    };
    value
        .rsplit(',')
        .next()
        .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"))
}

/// Everything needed to write a response message.
pub(crate) struct ResponseParts<'a> {
    /// The protocol version the response came over.
    pub version: Version,
    /// Status code.
    pub status: u16,
    /// The reason phrase as received (HTTP/1 only); `None` means "use the canonical one".
    pub reason: Option<&'a [u8]>,
    /// Response headers as reqwest reports them.
    pub headers: &'a HeaderMap,
    /// The body with transfer coding removed, content coding kept.
    pub body: &'a [u8],
}

/// Serialises a response as an HTTP/1.1-style message. Returns the bytes and the range of the
/// payload (body with transfer coding removed) inside them.
///
/// If the headers say the body was chunked, the body is framed again as one chunk plus the last
/// chunk (`0\r\n\r\n`), so the stored headers stay true to the stored body.
pub(crate) fn response_bytes(parts: &ResponseParts<'_>) -> (Vec<u8>, Range<usize>) {
    let mut out = Vec::with_capacity(parts.body.len() + 512);
    out.extend_from_slice(match parts.version {
        Version::HTTP_09 | Version::HTTP_10 => b"HTTP/1.0 ",
        _ => b"HTTP/1.1 ",
    });
    out.extend_from_slice(format!("{:03}", parts.status).as_bytes());
    let canonical = reqwest::StatusCode::from_u16(parts.status)
        .ok()
        .and_then(|status| status.canonical_reason())
        .map(str::as_bytes);
    match parts.reason.or(canonical) {
        Some(reason) => {
            out.push(b' ');
            out.extend_from_slice(reason);
        }
        // No reason known: keep the separating space, as RFC 9112 requires it even before an
        // empty reason phrase.
        None => out.push(b' '),
    }
    out.extend_from_slice(b"\r\n");
    push_headers(&mut out, parts.headers, false);
    out.extend_from_slice(b"\r\n");

    let payload = if is_chunked(parts.headers) {
        if !parts.body.is_empty() {
            out.extend_from_slice(format!("{:x}\r\n", parts.body.len()).as_bytes());
        }
        let start = out.len();
        out.extend_from_slice(parts.body);
        let end = out.len();
        if !parts.body.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        start..end
    } else {
        let start = out.len();
        out.extend_from_slice(parts.body);
        start..out.len()
    };
    (out, payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn check_response(
        version: Version,
        status: u16,
        reason: Option<&[u8]>,
        hdrs: &[(&'static str, &'static str)],
        body: &[u8],
        expected: &str,
    ) {
        let headers = headers(hdrs);
        let (bytes, payload) = response_bytes(&ResponseParts {
            version,
            status,
            reason,
            headers: &headers,
            body,
        });
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        assert_eq!(&bytes[payload], body);
    }

    #[test]
    fn plain_response() {
        check_response(
            Version::HTTP_11,
            200,
            None,
            &[("content-type", "text/plain"), ("content-length", "2")],
            b"hi",
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
        );
    }

    #[test]
    fn h2_is_written_as_http11_with_canonical_reason() {
        check_response(
            Version::HTTP_2,
            404,
            None,
            &[("x-thing", "1")],
            b"",
            "HTTP/1.1 404 Not Found\r\nX-Thing: 1\r\n\r\n",
        );
    }

    #[test]
    fn http10_keeps_its_version() {
        check_response(
            Version::HTTP_10,
            200,
            None,
            &[],
            b"x",
            "HTTP/1.0 200 OK\r\n\r\nx",
        );
    }

    #[test]
    fn received_reason_wins_even_when_empty() {
        check_response(
            Version::HTTP_11,
            200,
            Some(b"Alright"),
            &[],
            b"",
            "HTTP/1.1 200 Alright\r\n\r\n",
        );
        check_response(
            Version::HTTP_11,
            200,
            Some(b""),
            &[],
            b"",
            "HTTP/1.1 200 \r\n\r\n",
        );
        check_response(
            Version::HTTP_11,
            599,
            None,
            &[],
            b"",
            "HTTP/1.1 599 \r\n\r\n",
        );
    }

    #[test]
    fn chunked_body_is_reframed() {
        check_response(
            Version::HTTP_11,
            200,
            None,
            &[("transfer-encoding", "chunked")],
            b"hello world, 26 bytes long",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nhello world, 26 bytes long\r\n0\r\n\r\n",
        );
        check_response(
            Version::HTTP_11,
            200,
            None,
            &[("transfer-encoding", "gzip, Chunked")],
            b"",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n0\r\n\r\n",
        );
    }

    #[test]
    fn chunked_detection_uses_the_final_coding() {
        assert!(is_chunked(&headers(&[("transfer-encoding", "chunked")])));
        assert!(is_chunked(&headers(&[
            ("transfer-encoding", "gzip"),
            ("transfer-encoding", "chunked")
        ])));
        assert!(!is_chunked(&headers(&[(
            "transfer-encoding",
            "chunked, gzip"
        )])));
        assert!(!is_chunked(&headers(&[("content-length", "5")])));
    }

    #[test]
    fn request_line_headers_and_redaction() {
        let url = Url::parse("http://example.com:8080/a%20b?q=1#frag").unwrap();
        let map = headers(&[
            ("host", "example.com:8080"),
            ("user-agent", "annals/0"),
            ("cookie", "sid=secret"),
            ("authorization", "Bearer t"),
            ("proxy-authorization", "Basic x"),
            ("x-multi", "1"),
            ("x-multi", "2"),
        ]);
        let redacted = String::from_utf8(request_bytes(&url, &map, true)).unwrap();
        assert_eq!(
            redacted,
            "GET /a%20b?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: annals/0\r\n\
             Cookie: REDACTED\r\nAuthorization: REDACTED\r\nProxy-Authorization: REDACTED\r\n\
             X-Multi: 1\r\nX-Multi: 2\r\n\r\n"
        );
        let verbatim = String::from_utf8(request_bytes(&url, &map, false)).unwrap();
        assert!(verbatim.contains("Cookie: sid=secret\r\n"));
    }

    #[test]
    fn host_header_omits_default_port() {
        let url = Url::parse("https://Example.COM:443/").unwrap();
        assert_eq!(host_header(&url).as_deref(), Some("example.com"));
        let url = Url::parse("http://[::1]:8080/").unwrap();
        assert_eq!(host_header(&url).as_deref(), Some("[::1]:8080"));
    }
}

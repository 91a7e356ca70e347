//! HTTP messages stored in WARC blocks: the head (start line and headers) and the payload, with
//! transfer encodings removed as WARC 1.1 §6.3 defines it. Lenient, as real archives require.

use std::borrow::Cow;

/// The parsed head of an HTTP request or response message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHead<'a> {
    /// The start line without its line ending.
    pub start_line: &'a [u8],
    /// The status code of a response (`None` for a request or an unreadable status).
    pub status: Option<u16>,
    /// The method of a request (`None` for a response).
    pub method: Option<&'a str>,
    /// The request target of a request.
    pub target: Option<&'a str>,
    /// Header names and values, in order, values trimmed.
    pub headers: Vec<(&'a [u8], &'a [u8])>,
    /// Where the body starts in the block.
    pub body_offset: usize,
}

impl<'a> HttpHead<'a> {
    /// The first value of a header, by case-insensitive name, as text (lossy).
    pub fn header(&self, name: &str) -> Option<Cow<'a, str>> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| String::from_utf8_lossy(v))
    }

    /// Whether `Transfer-Encoding` includes `chunked`.
    pub fn is_chunked(&self) -> bool {
        self.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case(b"transfer-encoding")
                && String::from_utf8_lossy(v)
                    .to_ascii_lowercase()
                    .contains("chunked")
        })
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest
        } else {
            break;
        }
    }
    s
}

/// Parses an HTTP message head at the start of `block`. Accepts LF or CRLF line ends, a missing
/// reason phrase, and a head that runs to the end of the block (no body). `None` if the start line
/// is neither `HTTP/x status …` nor `METHOD target HTTP/x`.
pub fn parse_head(block: &[u8]) -> Option<HttpHead<'_>> {
    let mut lines = LineIter {
        data: block,
        pos: 0,
    };
    let start_line = lines.next()?;
    let (status, method, target) = parse_start_line(start_line)?;
    let mut headers: Vec<(&[u8], &[u8])> = Vec::new();
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            continue; // obsolete folding: keep the first line's value
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            headers.push((trim(&line[..colon]), trim(&line[colon + 1..])));
        }
    }
    Some(HttpHead {
        start_line,
        status,
        method,
        target,
        headers,
        body_offset: lines.pos,
    })
}

type StartLine<'a> = (Option<u16>, Option<&'a str>, Option<&'a str>);

fn parse_start_line(line: &[u8]) -> Option<StartLine<'_>> {
    let text = std::str::from_utf8(line).ok()?;
    if text.len() >= 5 && text[..5].eq_ignore_ascii_case("HTTP/") {
        let mut parts = text.splitn(3, ' ');
        parts.next();
        let status = parts.next().and_then(|s| s.trim().parse::<u16>().ok());
        return Some((status, None, None));
    }
    let mut parts = text.split(' ').filter(|p| !p.is_empty());
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next_back()?;
    if method.bytes().all(|b| b.is_ascii_alphabetic()) && version.starts_with("HTTP/") {
        Some((None, Some(method), Some(target)))
    } else {
        None
    }
}

struct LineIter<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for LineIter<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        let (line, used) = match rest.iter().position(|&b| b == b'\n') {
            Some(n) => (&rest[..n], n + 1),
            None => (rest, rest.len()),
        };
        self.pos += used;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// Removes chunked transfer-coding. Returns `None` when the framing is broken (the caller then
/// keeps the body as stored, as warcio does).
pub fn dechunk(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut pos = 0;
    loop {
        let rest = body.get(pos..)?;
        let eol = rest.iter().position(|&b| b == b'\n')?;
        let size_line = std::str::from_utf8(&rest[..eol]).ok()?;
        let size_text = size_line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        pos += eol + 1;
        if size == 0 {
            return Some(out);
        }
        let end = pos.checked_add(size)?;
        out.extend_from_slice(body.get(pos..end)?);
        pos = end;
        // the CRLF after the chunk data
        match body.get(pos..) {
            Some([b'\r', b'\n', ..]) => pos += 2,
            Some([b'\n', ..]) => pos += 1,
            Some([]) => return Some(out),
            _ => return None,
        }
    }
}

/// The payload of an HTTP block: the entity body with chunked framing removed when the headers
/// say so and the framing is sound, content-encoding kept (WARC 1.1 §6.3).
pub fn payload<'a>(block: &'a [u8], head: &HttpHead<'_>) -> Cow<'a, [u8]> {
    let body = &block[head.body_offset.min(block.len())..];
    if head.is_chunked()
        && let Some(plain) = dechunk(body)
    {
        return Cow::Owned(plain);
    }
    Cow::Borrowed(body)
}

/// Replaces the values of the named request headers with `REDACTED`; the rest of the message is
/// kept byte for byte. Used for annals' own captures (never for imported records).
pub fn redact_headers(message: &[u8], names: &[&str]) -> Vec<u8> {
    let Some(head) = parse_head(message) else {
        return message.to_vec();
    };
    let mut out = Vec::with_capacity(message.len());
    let mut pos = 0;
    while pos < head.body_offset {
        let rest = &message[pos..head.body_offset];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |n| n + 1);
        let line = &rest[..n];
        let colon = line.iter().position(|&b| b == b':');
        match colon {
            Some(c)
                if names
                    .iter()
                    .any(|name| trim(&line[..c]).eq_ignore_ascii_case(name.as_bytes())) =>
            {
                out.extend_from_slice(&line[..=c]);
                out.extend_from_slice(b" REDACTED");
                out.extend_from_slice(if line.ends_with(b"\r\n") {
                    b"\r\n"
                } else {
                    b"\n"
                });
            }
            _ => out.extend_from_slice(line),
        }
        pos += n;
    }
    out.extend_from_slice(&message[head.body_offset..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_head_without_reason() {
        let block = b"HTTP/1.0 302 \r\nLocation: /x\r\n\r\nbody";
        let head = parse_head(block).unwrap();
        assert_eq!(head.status, Some(302));
        assert_eq!(head.header("location").unwrap(), "/x");
        assert_eq!(&block[head.body_offset..], b"body");
    }

    #[test]
    fn request_head_lf_only() {
        let block = b"POST /post HTTP/1.1\nHost: a\nContent-Type: x\n\nfoo=bar";
        let head = parse_head(block).unwrap();
        assert_eq!(head.method, Some("POST"));
        assert_eq!(head.target, Some("/post"));
        assert_eq!(&block[head.body_offset..], b"foo=bar");
    }

    #[test]
    fn chunked_payload() {
        let block = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n";
        let head = parse_head(block).unwrap();
        assert_eq!(&*payload(block, &head), b"Wikipedia");
        let broken = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot chunks";
        let head = parse_head(broken).unwrap();
        assert_eq!(&*payload(broken, &head), b"not chunks");
    }

    #[test]
    fn not_http() {
        assert!(parse_head(b"<!doctype html>").is_none());
        assert!(parse_head(b"").is_none());
    }

    #[test]
    fn redaction_keeps_everything_else() {
        let msg = b"GET / HTTP/1.1\r\nHost: a\r\nCookie: SESSDATA=secret\r\nauthorization: Bearer x\r\n\r\nbody";
        let out = redact_headers(msg, &["Cookie", "Authorization"]);
        assert_eq!(
            out,
            b"GET / HTTP/1.1\r\nHost: a\r\nCookie: REDACTED\r\nauthorization: REDACTED\r\n\r\nbody"
                .to_vec()
        );
    }
}

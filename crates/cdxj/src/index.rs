//! From WARC records to CDXJ lines, split in two so an archive can compute what a line says
//! before it knows where the record will be stored: [`CdxjFacts`] (key, timestamp, url, mime,
//! status, digest, POST fields) from the record, then [`CdxjFacts::line`] with the location.
//!
//! Every rule here mirrors what `cdxj-indexer -s -p -d` 1.5.0 does on top of warcio 1.8.1, quirks
//! included, so the lines can be diffed byte for byte against the reference.

use std::io::Read;

use annals_warc::Record;

use crate::{append_method_query, post_key, push_json_object, surt};

/// The digest cdxj-indexer prints for a record without `WARC-Payload-Digest`: with `-p` it has
/// already consumed the payload when warcio computes the digest, so it hashes nothing.
const EMPTY_SHA1: &str = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ";

/// What a record's CDXJ line says, apart from where the record is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdxjFacts {
    /// The searchable key (SURT, with the POST query appended for POST/PUT exchanges).
    pub key: String,
    /// 14-digit timestamp.
    pub timestamp: String,
    /// The record URL, as cdxj-indexer writes it.
    pub url: String,
    /// `mime`, when present.
    pub mime: Option<String>,
    /// `status`, when present.
    pub status: Option<String>,
    /// `digest`, when present.
    pub digest: Option<String>,
    /// `requestBody` for POST/PUT (`Some(None)` writes JSON `null`).
    pub request_body: Option<Option<String>>,
    /// `method` for POST/PUT.
    pub method: Option<String>,
}

impl CdxjFacts {
    /// The facts of `record`, pairing it only with the record that follows it. Prefer
    /// [`CdxjFacts::from_record_paired`], which also pairs a request written before its response.
    pub fn from_record(record: &Record, next: Option<&Record>) -> Option<CdxjFacts> {
        Self::from_record_paired(record, None, next)
    }

    /// The facts of `record`, or `None` for records cdxj-indexer does not index (requests,
    /// warcinfo, resources and metadata whose `Content-Type` is `application/warc-fields`).
    ///
    /// cdxj-indexer pairs adjacent records left to right ([`is_pair`]); a paired request
    /// supplies its response's POST body. `prev` is the record before `record`, to be passed
    /// only when it was not itself paired with the one before it; `next` is the record after.
    pub fn from_record_paired(
        record: &Record,
        prev: Option<&Record>,
        next: Option<&Record>,
    ) -> Option<CdxjFacts> {
        let h = &record.header;
        let rtype = h.get("WARC-Type").unwrap_or("");
        if !matches!(rtype, "response" | "revisit" | "resource" | "metadata") {
            return None;
        }
        if matches!(rtype, "resource" | "metadata")
            && h.get("Content-Type") == Some("application/warc-fields")
        {
            return None;
        }
        let url = target_uri(record)?;
        let timestamp = h.date()?.timestamp14();
        let head = http_head(record, rtype, &url);
        let truthy = head.as_ref().filter(|hd| hd.truthy());
        let mime = match rtype {
            "revisit" => Some("warc/revisit".to_string()),
            "response" => truthy
                .and_then(|hd| hd.header("content-type"))
                .map(cut_mime),
            _ => h.get("Content-Type").map(cut_mime),
        };
        let status = truthy.map(|hd| hd.status_code().to_string());
        let digest = match h.get("WARC-Payload-Digest") {
            Some(d) => Some(d.to_string()),
            None if rtype == "revisit" => None,
            None => Some(EMPTY_SHA1.to_string()),
        };
        let mut key = surt(&url);
        let (mut request_body, mut method) = (None, None);
        let partner = match (prev, next) {
            (Some(p), _) if is_pair(p, record) => Some(p),
            (_, Some(n)) if is_pair(record, n) => Some(n),
            _ => None,
        };
        if let Some(req) = partner.filter(|r| r.header.get("WARC-Type") == Some("request")) {
            let req_url = target_uri(req).unwrap_or_default();
            if let Some(rh) = http_head(req, "request", &req_url) {
                let body = content_stream(&req.block, Some(&rh));
                if let Some(post) = append_method_query(
                    &rh.protocol,
                    rh.header("content-type"),
                    rh.header("content-length"),
                    &body,
                    &req_url,
                ) {
                    key = post_key(&req_url, &post);
                    request_body = Some(post.request_body.clone());
                    method = Some(post.method.clone());
                }
            }
        }
        Some(CdxjFacts {
            key,
            timestamp,
            url,
            mime,
            status,
            digest,
            request_body,
            method,
        })
    }

    /// The full CDXJ line (no newline) for the record stored at `offset`/`length` in `filename`,
    /// with `recordDigest` when given.
    pub fn line(
        &self,
        length: u64,
        offset: u64,
        filename: &str,
        record_digest: Option<&str>,
    ) -> String {
        let (length, offset) = (length.to_string(), offset.to_string());
        let mut pairs: Vec<(&str, Option<&str>)> = vec![("url", Some(&self.url))];
        if let Some(m) = &self.mime {
            pairs.push(("mime", Some(m)));
        }
        if let Some(s) = &self.status {
            pairs.push(("status", Some(s)));
        }
        if let Some(d) = &self.digest {
            pairs.push(("digest", Some(d)));
        }
        pairs.push(("length", Some(&length)));
        pairs.push(("offset", Some(&offset)));
        pairs.push(("filename", Some(filename)));
        if let Some(rd) = record_digest {
            pairs.push(("recordDigest", Some(rd)));
        }
        if let Some(body) = &self.request_body {
            pairs.push(("requestBody", body.as_deref()));
        }
        if let Some(m) = &self.method {
            pairs.push(("method", Some(m)));
        }
        let mut out = String::with_capacity(256);
        out.push_str(&self.key);
        out.push(' ');
        out.push_str(&self.timestamp);
        out.push(' ');
        push_json_object(&mut out, pairs);
        out
    }
}

/// cdxj-indexer's `concur_req_resp`: two adjacent records form a request/response exchange when
/// they have the same target URI, `second`'s `WARC-Concurrent-To` equals `first`'s
/// `WARC-Record-ID`, and one is a `response` and the other a `request` (either order). Pairing
/// runs left to right, and a record paired with its predecessor is not paired again.
pub fn is_pair(first: &Record, second: &Record) -> bool {
    let (a, b) = (&first.header, &second.header);
    let types = (a.get("WARC-Type"), b.get("WARC-Type"));
    matches!(
        types,
        (Some("response"), Some("request")) | (Some("request"), Some("response"))
    ) && target_uri(first) == target_uri(second)
        && b.get("WARC-Concurrent-To") == a.get("WARC-Record-ID")
}

/// `WARC-Target-URI` as warcio presents it: one pair of surrounding `<>` removed, spaces
/// replaced by `%20`.
fn target_uri(record: &Record) -> Option<String> {
    let uri = record.header.get("WARC-Target-URI")?;
    let uri = match uri.strip_prefix('<').and_then(|u| u.strip_suffix('>')) {
        Some(inner) => inner,
        None => uri,
    };
    Some(uri.replace(' ', "%20"))
}

/// The `mime` value: cut at the first `;` or whitespace (cdxj-indexer's `[;\s]`).
fn cut_mime(value: &str) -> String {
    let end = value
        .find(|c: char| c == ';' || py_space(c))
        .unwrap_or(value.len());
    value[..end].trim_matches(py_space).to_string()
}

/// Python's `str.isspace` for one character.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// An HTTP head as warcio's `StatusAndHeadersParser` (without verification) reads it.
#[derive(Debug)]
struct PyHead {
    /// First word of the start line (`HTTP/1.1`, or the method of a request).
    protocol: String,
    /// The rest of the start line, stripped.
    statusline: String,
    headers: Vec<(String, String)>,
    /// Where the payload starts in the block.
    body_offset: usize,
}

impl PyHead {
    /// Python truthiness of `StatusAndHeaders`.
    fn truthy(&self) -> bool {
        !self.statusline.is_empty() || !self.headers.is_empty()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.to_lowercase() == name)
            .map(|(_, v)| v.as_str())
    }

    fn status_code(&self) -> &str {
        self.statusline.split(' ').next().unwrap_or("")
    }
}

/// One line (through `\n`, or to the end) starting at `pos`, decoded as UTF-8 or else Latin-1.
fn read_line(block: &[u8], pos: usize) -> (String, usize) {
    let rest = block.get(pos..).unwrap_or(&[]);
    let n = rest
        .iter()
        .position(|&b| b == b'\n')
        .map_or(rest.len(), |n| n + 1);
    let raw = &rest[..n];
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t.to_string(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect(),
    };
    (text, pos + n)
}

/// warcio's `load_http_headers`: only for response, request and revisit records with a
/// non-empty block and an `http:`/`https:` target. `None` where warcio has no headers object.
fn http_head(record: &Record, rtype: &str, uri: &str) -> Option<PyHead> {
    if record.declared_length == 0
        || !matches!(rtype, "response" | "request" | "revisit")
        || !(uri.starts_with("http:") || uri.starts_with("https:"))
    {
        return None;
    }
    parse_py_head(&record.block)
}

fn parse_py_head(block: &[u8]) -> Option<PyHead> {
    let (first, mut pos) = read_line(block, 0);
    if first.is_empty() {
        return None; // EOFError
    }
    let status = first.trim_end_matches(py_space);
    if status.is_empty() {
        return Some(PyHead {
            protocol: String::new(),
            statusline: String::new(),
            headers: Vec::new(),
            body_offset: pos,
        });
    }
    let (protocol, rest) = match status.split_once(' ') {
        Some((p, r)) => (p.to_string(), Some(r)),
        None => (status.to_string(), None),
    };
    let mut headers = Vec::new();
    let (l, p) = read_line(block, pos);
    pos = p;
    let mut line = l.trim_end_matches(py_space).to_string();
    while !line.is_empty() {
        let mut entry = line.split_once(':').map(|(n, v)| {
            (
                n.trim_end_matches([' ', '\t']).to_string(),
                v.trim_start_matches(py_space).to_string(),
            )
        });
        let (l, p) = read_line(block, pos);
        pos = p;
        let mut next = l.trim_end_matches(py_space).to_string();
        while next.starts_with([' ', '\t']) {
            if let Some((_, v)) = entry.as_mut() {
                v.push_str(&next);
            }
            let (l, p) = read_line(block, pos);
            pos = p;
            next = l.trim_end_matches(py_space).to_string();
        }
        if let Some(e) = entry {
            headers.push(e);
        }
        line = next;
    }
    Some(PyHead {
        protocol,
        statusline: rest
            .map(|r| r.trim_matches(py_space).to_string())
            .unwrap_or_default(),
        headers,
        body_offset: pos,
    })
}

/// warcio's `content_stream()`: the payload with chunked framing removed (when
/// `Transfer-Encoding` is exactly `chunked`) and `gzip`/`deflate` content encoding undone.
fn content_stream(block: &[u8], head: Option<&PyHead>) -> Vec<u8> {
    let body = block
        .get(head.map_or(0, |h| h.body_offset)..)
        .unwrap_or(&[]);
    let Some(head) = head.filter(|h| h.truthy()) else {
        return body.to_vec();
    };
    let encoding = head
        .header("content-encoding")
        .map(str::to_lowercase)
        .filter(|e| e == "gzip" || e == "deflate");
    let data = if head.header("transfer-encoding") == Some("chunked") {
        dechunk(body)
    } else {
        body.to_vec()
    };
    match encoding.as_deref() {
        Some(enc) => decompress(data, enc),
        None => data,
    }
}

/// warcio's `ChunkedDataReader` without exceptions: chunks are decoded until the framing breaks;
/// from there on the data is taken as is (the unreadable size line included).
fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut pos = 0;
    while pos < body.len() {
        let rest = &body[pos..];
        // readline(64)
        let limit = rest.len().min(64);
        let n = rest[..limit]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(limit, |n| n + 1);
        let size_line = &rest[..n];
        let size = size_line
            .strip_suffix(b"\r\n")
            .and_then(|s| s.split(|&b| b == b';').next())
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| i64::from_str_radix(s.trim(), 16).ok())
            .filter(|&s| (0..=1 << 31).contains(&s));
        let Some(size) = size else {
            out.extend_from_slice(rest);
            return out;
        };
        pos += n;
        if size == 0 {
            if body.get(pos..pos + 2) != Some(b"\r\n") {
                out.extend_from_slice(&body[pos.min(body.len())..]);
            }
            return out;
        }
        let size = size as usize;
        let end = pos.saturating_add(size).min(body.len());
        let data = &body[pos..end];
        pos = end;
        if end - (pos - data.len()) < size {
            out.extend_from_slice(data); // ran out of data: the file was cut off
            return out;
        }
        if body.get(pos..pos + 2) != Some(b"\r\n") {
            out.extend_from_slice(data);
            out.extend_from_slice(&body[pos..]);
            return out;
        }
        pos += 2;
        out.extend_from_slice(data);
    }
    out
}

/// warcio's decompressing reader: data that fails to decompress from the start is taken as is.
fn decompress(data: Vec<u8>, encoding: &str) -> Vec<u8> {
    fn run<R: Read>(mut r: R) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let ok = r.read_to_end(&mut out).is_ok();
        (out, ok)
    }
    let (out, ok) = if encoding == "gzip" {
        run(flate2::read::GzDecoder::new(&data[..]))
    } else {
        match run(flate2::read::ZlibDecoder::new(&data[..])) {
            (out, false) if out.is_empty() => run(flate2::read::DeflateDecoder::new(&data[..])),
            other => other,
        }
    };
    if !ok && out.is_empty() { data } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use annals_warc::WarcReader;

    fn read(file: &[u8]) -> Vec<Record> {
        WarcReader::new(file).map(|r| r.unwrap().record).collect()
    }

    fn warc(fields: &[(&str, &str)], block: &str) -> String {
        let mut s = String::from("WARC/1.0\r\n");
        for (k, v) in fields {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
        s.push_str(&format!(
            "Content-Length: {}\r\n\r\n{block}\r\n\r\n",
            block.len()
        ));
        s
    }

    const RESP: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/html ; charset=utf-8\r\n\r\nhi";

    #[test]
    fn mime_cut_at_whitespace_and_missing_digest_is_empty_sha1() {
        let f = warc(
            &[
                ("WARC-Type", "response"),
                ("WARC-Record-ID", "<urn:uuid:1>"),
                ("WARC-Date", "2014-01-01T00:00:00Z"),
                ("WARC-Target-URI", "http://example.com/a b"),
            ],
            RESP,
        );
        let r = read(f.as_bytes());
        let facts = CdxjFacts::from_record(&r[0], None).unwrap();
        assert_eq!(facts.mime.as_deref(), Some("text/html"));
        assert_eq!(facts.status.as_deref(), Some("200"));
        assert_eq!(facts.digest.as_deref(), Some(EMPTY_SHA1));
        assert_eq!(facts.url, "http://example.com/a%20b");
    }

    #[test]
    fn empty_content_type_is_kept_and_revisit_without_digest_has_none() {
        let f = warc(
            &[
                ("WARC-Type", "revisit"),
                ("WARC-Date", "2014-01-01T00:00:00Z"),
                ("WARC-Target-URI", "http://example.com/"),
            ],
            "",
        ) + &warc(
            &[
                ("WARC-Type", "resource"),
                ("WARC-Date", "2014-01-01T00:00:00Z"),
                ("WARC-Target-URI", "urn:x"),
                ("Content-Type", ""),
            ],
            "x",
        );
        let r = read(f.as_bytes());
        let rev = CdxjFacts::from_record(&r[0], None).unwrap();
        assert_eq!(rev.digest, None);
        assert_eq!(rev.status, None);
        assert_eq!(rev.mime.as_deref(), Some("warc/revisit"));
        let res = CdxjFacts::from_record(&r[1], None).unwrap();
        assert_eq!(res.mime.as_deref(), Some(""));
        assert_eq!(res.status, None);
    }

    #[test]
    fn request_before_response_is_paired() {
        let req = "POST /post HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nfoo=bar\r\n0\r\n\r\n";
        let f = warc(
            &[
                ("WARC-Type", "request"),
                ("WARC-Record-ID", "<urn:uuid:req>"),
                ("WARC-Date", "2014-01-01T00:00:00Z"),
                ("WARC-Target-URI", "http://httpbin.org/post"),
            ],
            req,
        ) + &warc(
            &[
                ("WARC-Type", "response"),
                ("WARC-Record-ID", "<urn:uuid:resp>"),
                ("WARC-Date", "2014-01-01T00:00:01Z"),
                ("WARC-Target-URI", "http://httpbin.org/post"),
                ("WARC-Concurrent-To", "<urn:uuid:req>"),
            ],
            RESP,
        );
        let r = read(f.as_bytes());
        assert!(is_pair(&r[0], &r[1]));
        assert!(!is_pair(&r[1], &r[0]));
        let facts = CdxjFacts::from_record_paired(&r[1], Some(&r[0]), None).unwrap();
        assert_eq!(facts.key, "org,httpbin)/post?__wb_method=post&foo=bar");
        assert_eq!(facts.method.as_deref(), Some("POST"));
        // Without the predecessor there is no pair.
        let alone = CdxjFacts::from_record(&r[1], None).unwrap();
        assert_eq!(alone.key, "org,httpbin)/post");
    }

    #[test]
    fn warcio_dechunk_falls_back_to_raw() {
        assert_eq!(dechunk(b"3\r\nabc\r\n0\r\n\r\n"), b"abc");
        assert_eq!(dechunk(b"3\r\nabc\r\nzz\r\nrest"), b"abczz\r\nrest");
        assert_eq!(dechunk(b"not chunked"), b"not chunked");
        assert_eq!(dechunk(b"5\r\nab"), b"ab");
    }

    #[test]
    fn gzip_body_is_decoded_and_bad_gzip_kept() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut e, b"a=1").unwrap();
        let gz = e.finish().unwrap();
        assert_eq!(decompress(gz, "gzip"), b"a=1");
        assert_eq!(decompress(b"plain".to_vec(), "gzip"), b"plain");
    }

    #[test]
    fn head_parse_is_lenient_like_warcio() {
        let h =
            parse_py_head(b"HTTP/1.0 302\r\nLocation : /x\r\nbad line\r\nX: a\r\n b\r\n\r\nbody")
                .unwrap();
        assert_eq!(h.status_code(), "302");
        assert_eq!(h.header("location"), Some("/x"));
        assert_eq!(h.header("x"), Some("a b"));
        assert!(!parse_py_head(b"\r\nrest").unwrap().truthy());
    }
}

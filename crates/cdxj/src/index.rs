//! From WARC records to CDXJ lines, split in two so an archive can compute what a line says
//! before it knows where the record will be stored: [`CdxjFacts`] (key, timestamp, url, mime,
//! status, digest, POST fields) from the record, then [`CdxjFacts::line`] with the location.

use annals_warc::{Format, Record, RecordType, digest, http};

use crate::{append_method_query, post_key, push_json_object, surt};

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
    /// The facts of `record`, or `None` for records cdxj-indexer does not index (requests,
    /// warcinfo, `application/warc-fields` metadata and resources). `next` is the record that
    /// follows in the file: a request concurrent to a response supplies its POST body.
    pub fn from_record(record: &Record, next: Option<&Record>) -> Option<CdxjFacts> {
        let h = &record.header;
        let rtype = h.record_type();
        match rtype {
            RecordType::Response
            | RecordType::Revisit
            | RecordType::Resource
            | RecordType::Metadata => {}
            RecordType::Warcinfo if record.format == Format::Arc => return None,
            _ => return None,
        }
        if matches!(rtype, RecordType::Metadata | RecordType::Resource)
            && h.get("Content-Type")
                .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/warc-fields"))
        {
            return None;
        }
        let url = h.target_uri()?.to_string();
        let timestamp = h.date()?.timestamp14();
        let is_http = h.is_http_block(&record.block);
        let head = if is_http {
            http::parse_head(&record.block)
        } else {
            None
        };
        let mime = if rtype == RecordType::Revisit {
            Some("warc/revisit".to_string())
        } else if let Some(head) = head.as_ref().filter(|h| h.status.is_some()) {
            head.header("content-type")
                .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
        } else {
            h.get("Content-Type")
                .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
        };
        let status = head.as_ref().and_then(|h| h.status).map(|s| s.to_string());
        let digest = match record.format {
            // warcio computes ARC digests after the payload stream is consumed: the empty digest.
            Format::Arc => Some(digest::sha1_base32(b"")),
            Format::Warc => h.get("WARC-Payload-Digest").map(str::to_string),
        };
        let mut key = surt(&url);
        let (mut request_body, mut method) = (None, None);
        if let Some(req) = next.filter(|n| is_pair(record, n)) {
            if let Some(rh) = http::parse_head(&req.block) {
                if let Some(m) = rh.method {
                    let payload = http::payload(&req.block, &rh);
                    let ct = rh.header("content-type");
                    let cl = rh.header("content-length");
                    let req_url = req.header.target_uri().unwrap_or(&url).to_string();
                    if let Some(post) =
                        append_method_query(m, ct.as_deref(), cl.as_deref(), &payload, &req_url)
                    {
                        key = post_key(&url, &post);
                        request_body = Some(post.request_body.clone());
                        method = Some(post.method.clone());
                    }
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

/// cdxj-indexer pairs a response with the request right after it when both have the same
/// `WARC-Date` and target URI and the request is concurrent to the response.
fn is_pair(resp: &Record, req: &Record) -> bool {
    let (a, b) = (&resp.header, &req.header);
    b.record_type() == RecordType::Request
        && a.record_type() != RecordType::Request
        && a.target_uri() == b.target_uri()
        && a.get("WARC-Date") == b.get("WARC-Date")
}

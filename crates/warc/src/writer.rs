//! Writing WARC/1.1 records: the mandatory fields, both digests, and one gzip member per record.

use std::io::Write;

use flate2::Compression;

use crate::digest::{sha1_base32, sha256_hex};
use crate::{Record, WarcDate, http};

/// The 1.1 identical-payload-digest revisit profile.
pub const PROFILE_IDENTICAL_PAYLOAD: &str =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";
/// The 1.1 server-not-modified revisit profile.
pub const PROFILE_SERVER_NOT_MODIFIED: &str =
    "http://netpreserve.org/warc/1.1/revisit/server-not-modified";
/// `Content-Type` of a response record's block.
pub const HTTP_RESPONSE: &str = "application/http;msgtype=response";
/// `Content-Type` of a request record's block.
pub const HTTP_REQUEST: &str = "application/http;msgtype=request";

/// Builds one WARC/1.1 record. `WARC-Type`, `WARC-Record-ID` and `WARC-Date` come first, then the
/// fields added, then `WARC-Block-Digest` (SHA-256) and `Content-Length`, computed from the block.
#[derive(Debug, Clone)]
pub struct RecordBuilder {
    fields: Vec<(String, String)>,
}

impl RecordBuilder {
    /// Starts a record. `record_id` is a URI such as `urn:uuid:…` (brackets are added);
    /// all records of one capture event should share `date`.
    pub fn new(record_type: &str, record_id: &str, date: &WarcDate) -> Self {
        let id = crate::header::strip_brackets(record_id);
        RecordBuilder {
            fields: vec![
                ("WARC-Type".into(), record_type.into()),
                ("WARC-Record-ID".into(), format!("<{id}>")),
                ("WARC-Date".into(), date.to_rfc3339()),
            ],
        }
    }

    /// Adds a field. Values must be one line; line breaks are replaced by spaces so a caller can
    /// never produce a folded or forged header.
    pub fn field(mut self, name: &str, value: &str) -> Self {
        let clean: String = value
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        self.fields
            .push((name.to_string(), clean.trim().to_string()));
        self
    }

    /// Adds `WARC-Target-URI`.
    pub fn target_uri(self, uri: &str) -> Self {
        self.field("WARC-Target-URI", uri)
    }

    /// Adds `Content-Type` (of the block).
    pub fn content_type(self, content_type: &str) -> Self {
        self.field("Content-Type", content_type)
    }

    /// Serialises the record with `block`, adding `WARC-Block-Digest` and `Content-Length`.
    pub fn build(self, block: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(block.len() + 512);
        out.extend_from_slice(b"WARC/1.1\r\n");
        for (k, v) in &self.fields {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let _ = write!(
            out,
            "WARC-Block-Digest: {}\r\nContent-Length: {}\r\n\r\n",
            sha256_hex(block),
            block.len()
        );
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }
}

/// `sha1:<BASE32>` of the payload of an HTTP block (body with chunked framing removed), or of the
/// whole block when it is not an HTTP message (`resource` records).
pub fn payload_digest(block: &[u8], is_http: bool) -> String {
    if is_http && let Some(head) = http::parse_head(block) {
        return sha1_base32(&http::payload(block, &head));
    }
    sha1_base32(block)
}

/// Compresses one record into its own gzip member (WARC 1.1 Annex D).
pub fn gzip_member(record: &[u8], level: u32) -> Vec<u8> {
    use flate2::{Compress, Crc, FlushCompress, Status};
    use std::cell::RefCell;

    // One deflate state per thread, reset between members: allocating a fresh one (a few
    // hundred KB) per record costs time and fragments the heap of a long-running observer.
    thread_local! {
        static DEFLATE: RefCell<Option<(u32, Compress)>> = const { RefCell::new(None) };
    }
    let level = level.min(9);
    let mut out = Vec::with_capacity(record.len() / 2 + 64);
    // The header GzEncoder writes: no name, mtime 0, XFL by level, OS unknown (255).
    let xfl = match level {
        9 => 2,
        0 | 1 => 4,
        _ => 0,
    };
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
    DEFLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compress = match slot.as_mut() {
            Some((l, c)) if *l == level => {
                c.reset();
                c
            }
            _ => {
                *slot = Some((level, Compress::new(Compression::new(level), false)));
                &mut slot.as_mut().expect("just set").1
            }
        };
        let mut input = record;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.len().max(256));
            }
            let before_in = compress.total_in();
            // Compressing into a Vec with spare room cannot fail.
            let status = compress
                .compress_vec(input, &mut out, FlushCompress::Finish)
                .unwrap_or(Status::StreamEnd);
            let used = (compress.total_in() - before_in) as usize;
            input = &input[used.min(input.len())..];
            if status == Status::StreamEnd {
                break;
            }
        }
    });
    let mut crc = Crc::new();
    crc.update(record);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(record.len() as u32).to_le_bytes());
    out
}

/// The `application/warc-fields` block of a `warcinfo` record.
pub fn warc_fields(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        let v: String = v
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        let _ = write!(out, "{k}: {v}\r\n");
    }
    out
}

/// Converts an ARC record to a WARC/1.1 record carrying the same block unchanged: `response` for
/// HTTP captures, `metadata` for the `filedesc://` header and anything else. The ARC header line
/// is kept verbatim in `WARC-ARC-Header`, so nothing of the original is lost.
pub fn arc_to_warc(record: &Record, record_id: &str) -> Vec<u8> {
    let h = &record.header;
    let uri = h.get("WARC-Target-URI").unwrap_or("");
    let date = h.date().unwrap_or(WarcDate {
        unix: 0,
        nanos: 0,
        fraction_digits: 0,
    });
    let is_http = http::parse_head(&record.block).is_some_and(|head| head.status.is_some());
    let arc_line = String::from_utf8_lossy(&record.raw_head);
    let mut b = RecordBuilder::new(
        if is_http { "response" } else { "metadata" },
        record_id,
        &date,
    )
    .target_uri(&uri.replace(' ', "%20"));
    if let Some(ip) = h
        .get("WARC-IP-Address")
        .filter(|ip| !ip.is_empty() && *ip != "-")
    {
        b = b.field("WARC-IP-Address", ip);
    }
    b = if is_http {
        b.content_type(HTTP_RESPONSE)
            .field("WARC-Payload-Digest", &payload_digest(&record.block, true))
    } else {
        b.content_type(h.get("Content-Type").unwrap_or("application/octet-stream"))
    };
    b.field("WARC-ARC-Header", arc_line.trim_end())
        .build(&record.block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WarcReader;

    #[test]
    fn worked_example_from_formats_reference() {
        // formats.md §1.8: the digests of this exact block are known.
        let block = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 50\r\n\r\n{\"code\":62002,\"message\":\"稿件不可见\",\"ttl\":1}";
        let date = WarcDate::parse("2026-11-24T01:15:34.123456Z").unwrap();
        let rec = RecordBuilder::new(
            "response",
            "urn:uuid:0b1f3a52-6c2e-4f7e-9a51-3d2b8c4e7f10",
            &date,
        )
        .target_uri("https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1")
        .content_type(HTTP_RESPONSE)
        .field(
            "WARC-Payload-Digest",
            &payload_digest(block.as_bytes(), true),
        )
        .build(block.as_bytes());
        let text = String::from_utf8(rec.clone()).unwrap();
        assert!(text.contains("WARC-Payload-Digest: sha1:T3RPMX7TF6VI7K7FM3P3BCZ67PTDYQJC\r\n"));
        assert!(text.contains("WARC-Block-Digest: sha256:a89fd371c209e8282f6b09bef65d0b255122a592d880e38ac4bdbac99f4547ff\r\n"));
        assert!(text.contains("Content-Length: 136\r\n"));
        let back: Vec<_> = WarcReader::new(&gzip_member(&rec, 6)[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back[0].record.to_bytes(), rec);
    }

    #[test]
    fn fields_cannot_inject_lines() {
        let date = WarcDate::from_unix(0, 0);
        let rec = RecordBuilder::new("resource", "urn:x", &date)
            .field("X", "a\r\nWARC-Type: evil")
            .build(b"");
        let back: Vec<_> = WarcReader::new(&rec[..]).collect::<Result<_, _>>().unwrap();
        assert_eq!(back[0].record.header.get_all("WARC-Type").count(), 1);
    }
}

#[cfg(test)]
mod gzip_member_tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_decode_and_the_state_is_reused() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let inputs: [&[u8]; 4] = [b"", b"WARC/1.1\r\n\r\n", &big, b"again, after a big one"];
        for level in [1, 6, 9, 6, 0] {
            for input in inputs {
                let member = gzip_member(input, level);
                assert_eq!(&member[..4], &[0x1f, 0x8b, 8, 0]);
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&member[..])
                    .read_to_end(&mut out)
                    .unwrap();
                assert!(
                    out == input,
                    "level {level}: {} bytes round trip",
                    input.len()
                );
                // One member, nothing after it.
                let mut d = flate2::read::GzDecoder::new(&member[..]);
                std::io::copy(&mut d, &mut std::io::sink()).unwrap();
                assert!(d.into_inner().is_empty(), "trailing bytes after the member");
            }
        }
    }
}

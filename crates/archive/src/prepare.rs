//! Turning records read from any source into what the archive appends: the gzip member to write
//! (the source member itself when possible, so imported bytes are never rewritten), and the index
//! row that will describe it. Pure: no IO, no clock.

use annals_model::Capture;
use annals_warc::{Format, ReadRecord, Record, WarcDate, digest, http, writer};
use sha2::{Digest, Sha256};

/// A record ready to append.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The gzip member to write.
    pub member: Vec<u8>,
    /// The index row; `warc_file`, `offset` and `length` are filled in when written, and the
    /// CDXJ line then too (from `cdxj`).
    pub capture: Capture,
    /// What the CDXJ line of this record says apart from its location.
    pub cdxj: Option<annals_cdxj::CdxjFacts>,
}

/// Deterministic record id for records that carry none (ARC input, malformed WARC).
fn derived_id(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let u = uuid::Builder::from_sha1_bytes(<[u8; 16]>::try_from(&hash[..16]).unwrap_or([0; 16]))
        .into_uuid();
    format!("urn:uuid:{u}")
}

/// Prepares one record read from an input file. `next` is the record that follows it in the
/// source (for pairing a POST request with its response, as cdxj-indexer does).
pub fn prepare(read: &ReadRecord, next: Option<&Record>, level: u32) -> Prepared {
    prepare_paired(read, None, next, level)
}

/// [`prepare`], also pairing with the record before it: `prev` is that record when it was not
/// itself paired with its own predecessor (see `annals_cdxj::CdxjFacts::from_record_paired`).
pub fn prepare_paired(
    read: &ReadRecord,
    prev: Option<&Record>,
    next: Option<&Record>,
    level: u32,
) -> Prepared {
    let rec = &read.record;
    let converted;
    let (record, member) = match rec.format {
        Format::Arc => {
            let id = derived_id(&[rec.raw_head.as_slice(), rec.block.as_slice()].concat());
            let warc = writer::arc_to_warc(rec, &id);
            converted = annals_warc::WarcReader::new(&warc[..])
                .next()
                .and_then(Result::ok)
                .map(|r| r.record);
            match &converted {
                Some(r) => (r, writer::gzip_member(&warc, level)),
                None => (rec, writer::gzip_member(&warc, level)),
            }
        }
        Format::Warc => {
            let member = match (&read.source_bytes, read.own_member) {
                (Some(bytes), true) => bytes.clone(),
                _ => writer::gzip_member(&rec.to_bytes(), level),
            };
            (rec, member)
        }
    };
    let capture = capture_row(record, &member);
    let cdxj = annals_cdxj::CdxjFacts::from_record_paired(record, prev, next);
    Prepared {
        member,
        capture,
        cdxj,
    }
}

/// The index row of a WARC record stored as `member` (location left empty).
pub fn capture_row(record: &Record, member: &[u8]) -> Capture {
    let h = &record.header;
    let url = h.target_uri().map(str::to_string);
    let date = h.date();
    let is_http = h.is_http_block(&record.block);
    let head = if is_http {
        http::parse_head(&record.block)
    } else {
        None
    };
    let mime = match &head {
        Some(head) if head.status.is_some() => head.header("content-type").map(|v| mime_only(&v)),
        _ => h.get("Content-Type").map(mime_only),
    };
    let record_id = h
        .record_id()
        .map(str::to_string)
        .unwrap_or_else(|| format!("<{}>", derived_id(&record.to_bytes())));
    Capture {
        record_id,
        record_type: h.record_type().as_str().to_string(),
        warc_file: String::new(),
        offset: 0,
        length: member.len() as u64,
        urlkey: url
            .as_deref()
            .map(annals_cdxj::surt)
            .unwrap_or_else(|| "-".to_string()),
        url,
        date: date
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| h.get("WARC-Date").unwrap_or("").to_string()),
        unix_time: date.map_or(0, |d| d.unix),
        status: head.as_ref().and_then(|h| h.status),
        mime,
        payload_digest: h.get("WARC-Payload-Digest").map(str::to_string),
        block_digest: digest::sha256_hex(&record.block),
        record_digest: digest::sha256_hex(member),
        refers_to: h.get("WARC-Refers-To").map(str::to_string),
        concurrent_to: h.get("WARC-Concurrent-To").map(str::to_string),
        cdxj: None,
    }
}

fn mime_only(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Today's date for records annals writes, from the caller's clock reading.
pub fn date_from_system(t: std::time::SystemTime) -> WarcDate {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    WarcDate::from_unix(d.as_secs() as i64, d.subsec_micros() * 1000)
}

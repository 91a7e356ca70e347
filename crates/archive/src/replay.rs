//! Getting payloads back out, exporting WARC and CDXJ, and the `annals records` listing.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use annals_model::Capture;
use annals_store::{CaptureFilter, CaptureOrder};
use annals_warc::{RecordBuilder, WarcDate, WarcReader, http, writer};

use crate::prepare::date_from_system;
use crate::{Archive, ArchiveError};

/// A payload served by `annals get`.
#[derive(Debug, Clone)]
pub struct Payload {
    /// The capture chosen.
    pub capture: Capture,
    /// For a revisit, the original capture the body comes from.
    pub original: Option<Capture>,
    /// The HTTP status line and headers (the revisit's own when it kept them).
    pub headers: Option<Vec<u8>>,
    /// The body with transfer and content encodings undone.
    pub body: Vec<u8>,
    /// Set when the body is returned still encoded (an encoding annals cannot undo).
    pub still_encoded: Option<String>,
}

impl Archive {
    /// The replayable capture of `url` closest in time to `at` (seconds since the epoch; the
    /// newest when `None`). Exact URL first; else any URL with the same SURT key.
    pub async fn closest(&self, url: &str, at: Option<i64>) -> Result<Capture, ArchiveError> {
        let types = vec![
            "response".to_string(),
            "revisit".to_string(),
            "resource".to_string(),
        ];
        let mut found = self
            .captures(
                &CaptureFilter {
                    url: Some(url.to_string()),
                    record_types: types.clone(),
                    ..Default::default()
                },
                CaptureOrder::Archive,
                None,
            )
            .await?;
        if found.is_empty() {
            let key = annals_cdxj::surt(url);
            found = self
                .captures(
                    &CaptureFilter {
                        urlkey: Some(key),
                        record_types: types,
                        ..Default::default()
                    },
                    CaptureOrder::Archive,
                    None,
                )
                .await?;
        }
        let best = match at {
            Some(t) => found
                .into_iter()
                .min_by_key(|c| ((c.unix_time - t).unsigned_abs(), -c.unix_time)),
            None => found.into_iter().max_by_key(|c| c.unix_time),
        };
        best.ok_or_else(|| ArchiveError::NotFound(url.to_string()))
    }

    /// The payload of the capture closest to `at`, following a revisit to its original.
    pub async fn get(&self, url: &str, at: Option<i64>) -> Result<Payload, ArchiveError> {
        let capture = self.closest(url, at).await?;
        self.payload(capture).await
    }

    /// The payload of one capture, following a revisit to its original.
    pub async fn payload(&self, capture: Capture) -> Result<Payload, ArchiveError> {
        let url = capture.url.clone().unwrap_or_default();
        let url = url.as_str();
        let record = self.read_record(&capture)?;
        let mut original = None;
        let mut headers = None;
        let (body_record, own_head) = if capture.record_type == "revisit" {
            let orig = match &capture.refers_to {
                Some(id) => self.store.capture_by_record_id(id).await?,
                None => None,
            };
            let orig = match orig {
                Some(o) => Some(o),
                None => {
                    let target = record
                        .header
                        .get("WARC-Refers-To-Target-URI")
                        .unwrap_or(url)
                        .to_string();
                    match &capture.payload_digest {
                        Some(d) => self.store.original_for(&target, d).await?,
                        None => None,
                    }
                }
            };
            let orig = orig.ok_or_else(|| {
                ArchiveError::NotFound(format!(
                    "{url} (the revisit's original record is not in the archive)"
                ))
            })?;
            let orig_record = self.read_record(&orig)?;
            original = Some(orig);
            if let Some(h) = http::parse_head(&record.block) {
                headers = Some(record.block[..h.body_offset.min(record.block.len())].to_vec());
            }
            (orig_record, headers.is_some())
        } else {
            (record, false)
        };
        let is_http = body_record.header.is_http_block(&body_record.block);
        let (body, encoding) = match http::parse_head(&body_record.block).filter(|_| is_http) {
            Some(head) => {
                if !own_head {
                    headers = Some(
                        body_record.block[..head.body_offset.min(body_record.block.len())].to_vec(),
                    );
                }
                let payload = http::payload(&body_record.block, &head).into_owned();
                let enc = head
                    .header("content-encoding")
                    .map(|e| e.trim().to_ascii_lowercase());
                (payload, enc)
            }
            None => (body_record.block.clone(), None),
        };
        let (body, still_encoded) = decode(body, encoding.as_deref());
        Ok(Payload {
            capture,
            original,
            headers,
            body,
            still_encoded,
        })
    }

    /// Writes a WARC of the matching records (gzip members copied verbatim) to `out`, with a
    /// new `warcinfo` first. A revisit's original comes along even when the filter excludes it.
    /// Written to a temporary file and renamed, so a failure leaves no partial output.
    pub async fn export_warc(
        &self,
        out: &Path,
        filter: &CaptureFilter,
    ) -> Result<u64, ArchiveError> {
        let mut list = self.captures(filter, CaptureOrder::Archive, None).await?;
        list.retain(|c| c.record_type != "warcinfo");
        let mut extra = Vec::new();
        for c in list.iter().filter(|c| c.record_type == "revisit") {
            if let Some(id) = &c.refers_to
                && !list.iter().any(|o| &o.record_id == id)
                && !extra.iter().any(|o: &Capture| &o.record_id == id)
                && let Some(o) = self.store.capture_by_record_id(id).await?
            {
                extra.push(o);
            }
        }
        list.extend(extra);
        list.sort_by(|a, b| (&a.warc_file, a.offset).cmp(&(&b.warc_file, b.offset)));
        let gzip = out.extension().is_some_and(|e| e == "gz");
        let tmp = out.with_extension("partial");
        let file = File::create(&tmp).map_err(|e| ArchiveError::io(&tmp, e))?;
        let mut w = BufWriter::new(file);
        let result = (|| -> Result<u64, ArchiveError> {
            let now = date_from_system(std::time::SystemTime::now());
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let info = export_warcinfo(&name, list.len() as u64, &now);
            let write = |w: &mut BufWriter<File>, member: &[u8]| -> Result<(), ArchiveError> {
                if gzip {
                    w.write_all(member)
                } else {
                    let mut plain = Vec::new();
                    flate2::read::GzDecoder::new(member)
                        .read_to_end(&mut plain)
                        .map_err(|e| ArchiveError::io(&tmp, e))?;
                    w.write_all(&plain)
                }
                .map_err(|e| ArchiveError::io(&tmp, e))
            };
            write(&mut w, &writer::gzip_member(&info, 6))?;
            for c in &list {
                write(&mut w, &self.read_member(c)?)?;
            }
            w.flush().map_err(|e| ArchiveError::io(&tmp, e))?;
            w.get_ref()
                .sync_all()
                .map_err(|e| ArchiveError::io(&tmp, e))?;
            Ok(list.len() as u64)
        })();
        match result {
            Ok(n) => {
                fs::rename(&tmp, out).map_err(|e| ArchiveError::io(out, e))?;
                Ok(n)
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// The CDXJ index of the whole archive (what `cdxj-indexer -s -p -d` prints for its files),
    /// sorted by bytes.
    pub async fn cdxj_lines(&self) -> Result<Vec<String>, ArchiveError> {
        let mut lines = Vec::new();
        let mut each = |c: Capture| {
            if let Some(l) = c.cdxj {
                lines.push(l);
            }
            Ok(())
        };
        self.store
            .for_each_capture(&CaptureFilter::default(), CaptureOrder::UrlKey, &mut each)
            .await?;
        lines.sort_unstable();
        Ok(lines)
    }
}

/// Undoes `gzip`/`x-gzip`/`deflate` content encoding; other encodings are returned as is.
fn decode(body: Vec<u8>, encoding: Option<&str>) -> (Vec<u8>, Option<String>) {
    let mut out = Vec::new();
    match encoding {
        None | Some("" | "identity") => (body, None),
        Some("gzip" | "x-gzip") => {
            match flate2::read::MultiGzDecoder::new(&body[..]).read_to_end(&mut out) {
                Ok(_) => (out, None),
                Err(_) => (body, Some("gzip (undecodable)".into())),
            }
        }
        Some("deflate") => {
            if flate2::read::ZlibDecoder::new(&body[..])
                .read_to_end(&mut out)
                .is_ok()
            {
                return (out, None);
            }
            out.clear();
            match flate2::read::DeflateDecoder::new(&body[..]).read_to_end(&mut out) {
                Ok(_) => (out, None),
                Err(_) => (body, Some("deflate (undecodable)".into())),
            }
        }
        Some(other) => (body, Some(other.to_string())),
    }
}

/// One line of `annals records`: `<urlkey> <timestamp> <json>`, the JSON in cdxj-indexer's style
/// with the record's type and id added.
pub fn record_line(c: &Capture) -> String {
    let ts = WarcDate::parse(&c.date)
        .map(|d| d.timestamp14())
        .unwrap_or_else(|| "-".into());
    let (length, offset, status) = (
        c.length.to_string(),
        c.offset.to_string(),
        c.status.map(|s| s.to_string()),
    );
    let mut pairs: Vec<(&str, Option<&str>)> = Vec::with_capacity(12);
    if let Some(u) = &c.url {
        pairs.push(("url", Some(u)));
    }
    pairs.push(("type", Some(&c.record_type)));
    if let Some(m) = &c.mime {
        pairs.push(("mime", Some(m)));
    }
    if let Some(s) = &status {
        pairs.push(("status", Some(s)));
    }
    if let Some(d) = &c.payload_digest {
        pairs.push(("digest", Some(d)));
    }
    pairs.push(("length", Some(&length)));
    pairs.push(("offset", Some(&offset)));
    pairs.push(("filename", Some(&c.warc_file)));
    pairs.push(("recordDigest", Some(&c.record_digest)));
    pairs.push(("id", Some(&c.record_id)));
    let mut out = format!("{} {ts} ", c.urlkey);
    annals_cdxj::push_json_object(&mut out, pairs);
    out
}

/// Reads every record of a WARC/ARC file and returns its CDXJ lines (`annals cdxj FILE`),
/// unsorted. `filename` is what the lines name. Offsets, lengths and `recordDigest` are those
/// warcio reports ([`annals_warc::ReadRecord::index_span`]), and requests pair with adjacent
/// responses in either order, left to right, as in cdxj-indexer.
///
/// Two threads: one decompresses and parses, the other hashes records and builds lines.
pub fn index_file<R: std::io::BufRead + Send>(
    input: R,
    filename: &str,
) -> (Vec<String>, Option<annals_warc::Error>) {
    let mut lines = Vec::new();
    let error = index_file_each(input, filename, &mut |line| lines.push(line));
    (lines, error)
}

/// [`index_file`], handing each line to `each` as it is made instead of collecting them.
pub fn index_file_each<R: std::io::BufRead + Send>(
    input: R,
    filename: &str,
    each: &mut dyn FnMut(String),
) -> Option<annals_warc::Error> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<
            Vec<Result<annals_warc::ReadRecord, annals_warc::Error>>,
        >(8);
        scope.spawn(move || {
            let mut chunk = Vec::with_capacity(256);
            for item in WarcReader::new(input).keep_source_bytes(true) {
                chunk.push(item);
                if chunk.len() == 256
                    && tx
                        .send(std::mem::replace(&mut chunk, Vec::with_capacity(256)))
                        .is_err()
                {
                    return;
                }
            }
            let _ = tx.send(chunk);
        });
        index_records(rx.into_iter().flatten(), filename, each)
    })
}

fn index_records(
    records: impl Iterator<Item = Result<annals_warc::ReadRecord, annals_warc::Error>>,
    filename: &str,
    lines: &mut dyn FnMut(String),
) -> Option<annals_warc::Error> {
    let mut pairing = Pairing::default();
    let mut cur: Option<annals_warc::ReadRecord> = None;
    let emit = |p: &annals_warc::ReadRecord,
                before: Option<&annals_warc::Record>,
                next: Option<&annals_warc::Record>,
                lines: &mut dyn FnMut(String)| {
        if let Some(f) = annals_cdxj::CdxjFacts::from_record_paired(&p.record, before, next) {
            let span = p.index_span;
            let rd = p.source_bytes.as_deref().map(|b| {
                let n = usize::try_from(span.length)
                    .unwrap_or(usize::MAX)
                    .min(b.len());
                annals_warc::digest::sha256_hex(&b[..n])
            });
            lines(f.line(span.length, span.offset, filename, rd.as_deref()));
        }
    };
    for item in records {
        match item {
            Ok(r) => {
                if let Some(p) = cur.take() {
                    emit(&p, pairing.before(), Some(&r.record), &mut *lines);
                    pairing.advance(p.record);
                }
                cur = Some(r);
            }
            Err(e) => {
                if let Some(p) = cur.take() {
                    emit(&p, pairing.before(), None, &mut *lines);
                }
                return Some(e);
            }
        }
    }
    if let Some(p) = cur.take() {
        emit(&p, pairing.before(), None, &mut *lines);
    }
    None
}

/// cdxj-indexer's left-to-right pairing state: the previous record, kept only while it is still
/// free to pair with the next one (a record paired with its predecessor is not paired again).
#[derive(Debug, Default)]
pub(crate) struct Pairing {
    before: Option<annals_warc::Record>,
}

impl Pairing {
    /// The record to pass as `prev` to `CdxjFacts::from_record_paired` for the current record.
    pub(crate) fn before(&self) -> Option<&annals_warc::Record> {
        self.before.as_ref()
    }

    /// Moves past `current`.
    pub(crate) fn advance(&mut self, current: annals_warc::Record) {
        let paired = self
            .before
            .as_ref()
            .is_some_and(|b| annals_cdxj::is_pair(b, &current));
        self.before = if paired { None } else { Some(current) };
    }
}

/// Parses `--at`/`--since` forms: `20240101T1200`, `20240101120000`, `2024-01-01`,
/// `2024-01-01T12:00:00Z`.
pub fn parse_time(text: &str) -> Option<WarcDate> {
    let t = text.trim();
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if let Some(d) = WarcDate::parse(t) {
        return Some(d);
    }
    if t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') {
        return WarcDate::parse_digits(&digits);
    }
    if t.chars()
        .all(|c| c.is_ascii_digit() || c == 'T' || c == 't')
        && digits.len() >= 4
    {
        return WarcDate::parse_digits(&digits);
    }
    None
}

/// The `warcinfo` record that opens a WARC annals exports (`annals export warc`, and the new
/// WARC of a `--since`/`--list` WACZ): its file name, the software and how many records follow.
pub(crate) fn export_warcinfo(name: &str, records: u64, now: &WarcDate) -> Vec<u8> {
    RecordBuilder::new(
        "warcinfo",
        &format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        now,
    )
    .field("WARC-Filename", name)
    .content_type("application/warc-fields")
    .build(&writer::warc_fields(&[
        ("software", concat!("annals/", env!("CARGO_PKG_VERSION"))),
        ("format", "WARC File Format 1.1"),
        (
            "description",
            &format!("annals export of {records} records"),
        ),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_forms() {
        assert_eq!(
            parse_time("20240101T1200").unwrap().timestamp14(),
            "20240101120000"
        );
        assert_eq!(
            parse_time("2024-01-01").unwrap().timestamp14(),
            "20240101000000"
        );
        assert_eq!(
            parse_time("2024-01-01T12:00:00Z").unwrap().timestamp14(),
            "20240101120000"
        );
        assert!(parse_time("soon").is_none());
    }

    #[test]
    fn decodes_gzip_bodies() {
        let gz = writer::gzip_member(b"hello", 6);
        assert_eq!(decode(gz, Some("gzip")).0, b"hello");
        assert_eq!(decode(b"raw".to_vec(), Some("br")).1.as_deref(), Some("br"));
    }
}

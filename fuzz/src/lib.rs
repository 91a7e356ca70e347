//! Shared harness code for the `annals` fuzz targets: one function per target that runs the
//! library on arbitrary input and asserts the invariants the reader promises. A panic here (or in
//! the library) is a finding; `Err` values from the library are fine.

use std::io::Write;

use annals_cdxj::{CdxjFacts, surt};
use annals_warc::{Format, ReadRecord, Record, WarcDate, WarcReader, digest, http};

/// What the input looked like to the harness; decides which span invariants hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Uncompressed bytes (or bytes of unknown shape): every record's `source_bytes` is exactly
    /// its span of the input.
    Plain,
    /// Gzip, one or more members: `source_bytes`, when present, is exactly its span of the input.
    Gzip,
}

/// Feeds `data` to [`WarcReader`] and to everything downstream that the importer and indexer run
/// on a record, checking invariants along the way.
pub fn check_reader(data: &[u8], layout: Layout) {
    // The reader sniffs gzip itself: arbitrary bytes that start with the gzip magic take the gzip
    // path whatever the caller meant.
    let layout = if data.starts_with(&[0x1f, 0x8b]) { Layout::Gzip } else { layout };
    let mut reader = WarcReader::new(data).keep_source_bytes(true);
    let mut records: Vec<ReadRecord> = Vec::new();
    let mut last_end = 0u64;
    loop {
        match reader.next() {
            None => break,
            Some(Ok(r)) => {
                check_span(data, &r, &mut last_end, layout);
                check_record(&r.record);
                records.push(r);
                if layout == Layout::Plain {
                    // every record consumes at least one input byte
                    assert!(records.len() <= data.len(), "more records than input bytes");
                }
            }
            Some(Err(e)) => {
                let _ = e.offset();
                let _ = e.to_string();
                // after an error the iterator ends
                assert!(reader.next().is_none(), "reader continued after an error");
                break;
            }
        }
    }
    if let Some(gz) = reader.is_gzip() {
        assert!(!gz || data.starts_with(&[0x1f, 0x8b]));
    }
    for (i, r) in records.iter().enumerate() {
        let next = records.get(i + 1).map(|n| &n.record);
        if let Some(facts) = CdxjFacts::from_record(&r.record, next) {
            let line = facts.line(r.span.length, r.span.offset, "f.warc.gz", Some("sha256:00"));
            assert!(!line.contains('\n'), "CDXJ line with a newline: {line:?}");
        }
    }
}

fn check_span(data: &[u8], r: &ReadRecord, last_end: &mut u64, layout: Layout) {
    let end = r
        .span
        .offset
        .checked_add(r.span.length)
        .expect("span overflows");
    assert!(end <= data.len() as u64, "span {:?} past the input", r.span);
    assert!(
        r.span.offset >= *last_end || r.span.length == 0,
        "spans overlap"
    );
    if r.span.length > 0 {
        *last_end = end;
    }
    if let Some(bytes) = &r.source_bytes {
        let want = &data[r.span.offset as usize..end as usize];
        assert!(
            bytes == want,
            "source_bytes differ from the span ({layout:?})"
        );
    }
    if r.own_member {
        assert!(r.source_bytes.is_some(), "own member without its bytes");
    }
    if layout == Layout::Plain {
        // junk is counted in decompressed bytes, so only plain input bounds it by the span
        assert!(r.junk <= r.span.length as usize, "junk outside the span");
    }
}

fn check_record(rec: &Record) {
    assert!(rec.block.len() as u64 <= rec.declared_length || rec.format == Format::Arc);
    let _ = rec.is_complete();
    let bytes = rec.to_bytes();
    assert_eq!(bytes.len(), rec.raw_head.len() + rec.block.len() + 4);
    let h = &rec.header;
    let _ = h.record_type().as_str().len();
    let _ = h.record_id();
    let _ = h
        .date()
        .map(|d| (d.timestamp14(), d.to_rfc3339(), d.as_f64()));
    if let Some(d) = h.get("WARC-Date") {
        check_date(d);
    }
    for name in ["WARC-Block-Digest", "WARC-Payload-Digest"] {
        if let Some(field) = h.get(name) {
            let _ = digest::parse_digest(field);
            let _ = digest::digest_matches(field, &rec.block);
        }
    }
    if let Some(uri) = h.target_uri() {
        let _ = surt(uri);
    }
    let _ = h.is_http_block(&rec.block);
    if let Some(head) = http::parse_head(&rec.block) {
        assert!(head.body_offset <= rec.block.len());
        let _ = head.header("content-type");
        let body = http::payload(&rec.block, &head);
        assert!(body.len() <= rec.block.len());
        let _ = http::dechunk(&rec.block[head.body_offset..]);
        let _ = http::redact_headers(&rec.block, &["cookie", "authorization"]);
    }
    let _ = http::dechunk(&rec.block);
}

fn check_date(text: &str) {
    if let Some(d) = WarcDate::parse(text) {
        let ts = d.timestamp14();
        assert_eq!(ts.len(), 14, "timestamp14 of {text:?} is {ts:?}");
        // the RFC 3339 form must parse back to the same instant
        let again = WarcDate::parse(&d.to_rfc3339()).expect("to_rfc3339 does not parse back");
        assert_eq!(again.timestamp14(), ts, "round trip of {text:?}");
    }
    let _ = WarcDate::parse_digits(text);
}

/// The `surt` target: arbitrary text to the SURT and date parsers.
pub fn check_text(text: &str) {
    let key = surt(text);
    assert!(!key.contains('\n') || text.contains('\n'));
    check_date(text);
    let _ = digest::parse_digest(text);
}

/// Gzip-compresses `data` as one member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The `warc_reader_gzip` target. The first byte picks how the rest becomes gzip input:
/// as is (already gzip, or garbage after a gzip magic), one member for the whole input
/// (whole-file gzip), one member per `WARC/` record (per-record gzip, the common layout), or
/// members cut at input-chosen places, with optional junk between members.
pub fn check_gzip(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input = match mode % 5 {
        0 => rest.to_vec(),
        1 => [&[0x1f, 0x8b][..], rest].concat(),
        2 => gzip(rest),
        3 => split_at_records(rest)
            .iter()
            .flat_map(|r| gzip(r))
            .collect(),
        _ => {
            // members cut every `step` bytes, with blank padding between some of them
            let step = (mode as usize >> 3).max(1) * 7;
            let mut out = Vec::new();
            for (i, chunk) in rest.chunks(step).enumerate() {
                out.extend(gzip(chunk));
                if mode & 4 != 0 && i % 2 == 1 {
                    out.extend_from_slice(b"\r\n\0");
                }
            }
            out
        }
    };
    check_reader(&input, Layout::Gzip);
}

fn split_at_records(data: &[u8]) -> Vec<&[u8]> {
    let mut starts: Vec<usize> = data
        .windows(5)
        .enumerate()
        .filter(|(i, w)| *w == b"WARC/" && (*i == 0 || data[i - 1] == b'\n'))
        .map(|(i, _)| i)
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.push(data.len());
    starts.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

//! Reading WARC and ARC files from any `BufRead`: plain, gzip with one member per record, or one
//! gzip stream for the whole file. Every record comes with its exact span in the source, and for
//! per-record gzip the compressed member itself, so it can be copied without being rewritten.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::GzDecoder;

use crate::{Error, Header};

/// Longest header line accepted; longer means the input is not a WARC header.
const MAX_LINE: usize = 1 << 20;
/// Largest header block accepted.
const MAX_HEAD: usize = 8 << 20;

/// Which syntax a record was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A WARC record (any `WARC/x.y` version line).
    Warc,
    /// An ARC record, presented with WARC-style header fields (see [`Record::header`]).
    Arc,
}

/// Where a record lies in the file it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the record (or of its gzip member) in the source file.
    pub offset: u64,
    /// Length in bytes in the source (the compressed member for gzip input).
    pub length: u64,
}

/// One record as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Syntax the record was read from.
    pub format: Format,
    /// The header. For ARC records the fields are synthesised the way warcio presents them:
    /// `WARC-Type` (`response`, or `warcinfo` for `filedesc://`), `WARC-Target-URI`, `WARC-Date`,
    /// `WARC-IP-Address`, `Content-Type` (the ARC mime field) and `Content-Length`.
    pub header: Header,
    /// The header bytes exactly as read: version line through the blank line (for ARC: the
    /// ARC header line).
    pub raw_head: Vec<u8>,
    /// The record block: `Content-Length` bytes, or fewer when the data ended first (see
    /// [`Record::is_complete`]).
    pub block: Vec<u8>,
    /// The block length the header declared.
    pub declared_length: u64,
}

impl Record {
    /// False when the data ended before the declared block length: the record is cut short.
    /// Readers such as warcio still index such a record; an importer must not take it as whole.
    pub fn is_complete(&self) -> bool {
        self.block.len() as u64 == self.declared_length
    }

    /// The record's bytes in WARC record form: header as read, block, and the two closing CRLFs.
    /// For WARC input this is the record verbatim; ARC records have no such form (see
    /// `writer::arc_to_warc`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.raw_head.len() + self.block.len() + 4);
        out.extend_from_slice(&self.raw_head);
        out.extend_from_slice(&self.block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }
}

/// A record with its place in the source.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    /// The record.
    pub record: Record,
    /// Its span in the source.
    pub span: Span,
    /// The exact source bytes of the span when the reader was asked to keep them: the gzip member
    /// for per-record gzip input, the raw record bytes for plain input. `None` when the record
    /// shares a gzip member with others (whole-file gzip), which has no per-record bytes.
    pub source_bytes: Option<Vec<u8>>,
    /// True when the span is a gzip member holding this record alone.
    pub own_member: bool,
    /// Bytes of non-record data skipped after this record to find the next one (0 in a
    /// well-formed file); they belong to this record's span. Counted in decompressed bytes for
    /// gzip input.
    pub junk: usize,
    /// The record's place as warcio's `ArchiveIterator` (and so cdxj-indexer) reports it, which
    /// is what a CDXJ line about the source file must say. For gzip input it is [`Self::span`].
    /// For plain input it covers the header and the block bytes present, but not the blank lines
    /// or junk after the block: warcio counts those as between records.
    pub index_span: Span,
}

impl ReadRecord {
    /// `Err(Error::Truncated)` when the record is cut short by the end of the data.
    pub fn check_complete(&self) -> Result<(), Error> {
        if self.record.is_complete() {
            Ok(())
        } else {
            Err(Error::Truncated {
                offset: self.span.offset,
                expected: self.record.declared_length,
                got: self.record.block.len() as u64,
            })
        }
    }
}

/// Counts consumed bytes and optionally records them.
struct Source<R> {
    inner: R,
    pos: u64,
    capture: Option<Vec<u8>>,
    /// Bytes taken out of `inner` to look further ahead than its buffer reached (a gzip magic
    /// split across two fills); they are read before `inner` again.
    ahead: Vec<u8>,
}

impl<R: BufRead> Source<R> {
    /// Makes the next [`fill_buf`](BufRead::fill_buf) hold at least `n` bytes, unless the input
    /// ends first. An inner buffer can hold a single byte of the next gzip member's header.
    fn fill_at_least(&mut self, n: usize) -> io::Result<&[u8]> {
        if self.ahead.is_empty() {
            let have = self.inner.fill_buf()?.len();
            if have >= n || have == 0 {
                return self.inner.fill_buf();
            }
        }
        while self.ahead.len() < n {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min(n - self.ahead.len());
            self.ahead.extend_from_slice(&buf[..take]);
            self.inner.consume(take);
        }
        Ok(&self.ahead)
    }
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.ahead.is_empty() {
            return Ok(&self.ahead);
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if !self.ahead.is_empty() {
            let amt = amt.min(self.ahead.len());
            if let Some(cap) = &mut self.capture {
                cap.extend_from_slice(&self.ahead[..amt]);
            }
            self.ahead.drain(..amt);
            self.pos += amt as u64;
            return;
        }
        if let Some(cap) = &mut self.capture
            && let Ok(buf) = self.inner.fill_buf()
        {
            cap.extend_from_slice(&buf[..amt.min(buf.len())]);
        }
        self.inner.consume(amt);
        self.pos += amt as u64;
    }
}

#[allow(clippy::large_enum_variant)] // one per reader, moved rarely
enum State<R> {
    Start(Source<R>),
    Plain(Source<R>),
    GzBetween(Source<R>),
    GzMember {
        dec: BufReader<GzDecoder<Source<R>>>,
        offset: u64,
        records: u32,
    },
    Done,
}

/// Iterates over the records of a WARC or ARC file. Errors carry the byte offset of the record
/// (or gzip member) at fault; after an error the iterator ends, and every record yielded before
/// it stays valid.
pub struct WarcReader<R> {
    state: State<R>,
    keep_bytes: bool,
    arc_fields: usize,
    gzip: Option<bool>,
}

impl<R: BufRead> WarcReader<R> {
    /// Reads from `inner`, which may be plain, per-record gzip or whole-file gzip: the format is
    /// sniffed from the first bytes, never taken from a file name.
    pub fn new(inner: R) -> Self {
        WarcReader {
            state: State::Start(Source {
                inner,
                pos: 0,
                capture: None,
                ahead: Vec::new(),
            }),
            keep_bytes: false,
            arc_fields: 0,
            gzip: None,
        }
    }

    /// Keep each record's exact source bytes in [`ReadRecord::source_bytes`].
    pub fn keep_source_bytes(mut self, keep: bool) -> Self {
        self.keep_bytes = keep;
        self
    }

    /// Whether the input is gzip-compressed (known after the first call to `next`).
    pub fn is_gzip(&self) -> Option<bool> {
        self.gzip
    }

    fn step(&mut self) -> Result<Option<ReadRecord>, Error> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Ok(None),
                State::Start(mut src) => {
                    let head = src.fill_at_least(2).map_err(|e| Error::io(0, e))?;
                    let gz = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
                    self.gzip = Some(gz);
                    self.state = if gz {
                        State::GzBetween(src)
                    } else {
                        State::Plain(src)
                    };
                }
                State::Plain(mut src) => {
                    let offset = src.pos;
                    if self.keep_bytes {
                        src.capture = Some(Vec::new());
                    }
                    let record = read_record(&mut src, offset, &mut self.arc_fields)?;
                    let Some(record) = record else {
                        return Ok(None);
                    };
                    let block_end = src.pos;
                    let junk =
                        skip_trailer(&mut src, record.format).map_err(|e| Error::io(src.pos, e))?;
                    let span = Span {
                        offset,
                        length: src.pos - offset,
                    };
                    let source_bytes = src.capture.take();
                    self.state = State::Plain(src);
                    let index_span = Span {
                        offset,
                        length: block_end - offset,
                    };
                    return Ok(Some(ReadRecord {
                        record,
                        span,
                        source_bytes,
                        own_member: false,
                        junk,
                        index_span,
                    }));
                }
                State::GzBetween(mut src) => {
                    let offset = src.pos;
                    // Two bytes for the gzip magic, even when a fill ends between them.
                    let head = src.fill_at_least(2).map_err(|e| Error::io(offset, e))?;
                    if head.is_empty() {
                        return Ok(None);
                    }
                    if head.iter().all(|&b| b == 0 || b.is_ascii_whitespace()) {
                        let n = head.len();
                        src.consume(n);
                        self.state = State::GzBetween(src);
                        continue;
                    }
                    if head.len() < 2 || head[0] != 0x1f || head[1] != 0x8b {
                        return Err(Error::NotGzipMember { offset });
                    }
                    if self.keep_bytes {
                        src.capture = Some(Vec::new());
                    }
                    let dec = BufReader::with_capacity(64 * 1024, GzDecoder::new(src));
                    self.state = State::GzMember {
                        dec,
                        offset,
                        records: 0,
                    };
                }
                State::GzMember {
                    mut dec,
                    offset,
                    records,
                } => {
                    let record = read_record(&mut dec, offset, &mut self.arc_fields)
                        .map_err(|e| e.in_gzip_member(offset))?;
                    let Some(record) = record else {
                        // an empty member, or trailing blanks at the end of one
                        let src = dec.into_inner().into_inner();
                        self.state = State::GzBetween(src);
                        continue;
                    };
                    let junk = skip_trailer(&mut dec, record.format)
                        .map_err(|e| Error::gzip(offset, e))?;
                    let member_done = dec
                        .fill_buf()
                        .map_err(|e| Error::gzip(offset, e))?
                        .is_empty();
                    if member_done {
                        let mut src = dec.into_inner().into_inner();
                        let own = records == 0;
                        let bytes = src.capture.take();
                        let span = Span {
                            offset,
                            length: src.pos - offset,
                        };
                        self.state = State::GzBetween(src);
                        return Ok(Some(ReadRecord {
                            record,
                            span,
                            source_bytes: if own { bytes } else { None },
                            own_member: own,
                            junk,
                            index_span: span,
                        }));
                    }
                    // More records in this member: a whole-file (or multi-record) gzip stream.
                    dec.get_mut().get_mut().capture = None;
                    self.state = State::GzMember {
                        dec,
                        offset,
                        records: records + 1,
                    };
                    return Ok(Some(ReadRecord {
                        record,
                        span: Span { offset, length: 0 },
                        source_bytes: None,
                        own_member: false,
                        junk,
                        index_span: Span { offset, length: 0 },
                    }));
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for WarcReader<R> {
    type Item = Result<ReadRecord, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => None,
            Err(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
        }
    }
}

/// Reads one line including its `\n` (or up to EOF). Empty vector at EOF.
fn read_line<B: BufRead>(b: &mut B, out: &mut Vec<u8>) -> io::Result<usize> {
    out.clear();
    (&mut *b).take(MAX_LINE as u64 + 1).read_until(b'\n', out)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter()
        .all(|&c| c == b'\r' || c == b'\n' || c == b' ' || c == b'\t')
}

/// Bytes of junk skipped after a WARC record while looking for the next `WARC/` line (real files
/// have records whose `Content-Length` is a few bytes short; warcio resynchronises the same way).
const MAX_JUNK: usize = 4096;

/// Consumes what follows a record: blank lines, and after a WARC record up to [`MAX_JUNK`] bytes
/// of lines that do not start a record. Returns the number of junk bytes skipped.
fn skip_trailer<B: BufRead>(b: &mut B, format: Format) -> io::Result<usize> {
    let mut junk = 0;
    loop {
        skip_blank_lines(b)?;
        let buf = b.fill_buf()?;
        if buf.is_empty() || format != Format::Warc || buf.starts_with(b"WARC/") || buf.len() < 5 {
            return Ok(junk);
        }
        let line_end = buf.iter().position(|&c| c == b'\n').map(|n| n + 1);
        match line_end {
            Some(n) if junk + n <= MAX_JUNK => {
                b.consume(n);
                junk += n;
            }
            _ => return Ok(junk),
        }
    }
}

/// Consumes whitespace-only lines (and stray NULs) before the next record.
fn skip_blank_lines<B: BufRead>(b: &mut B) -> io::Result<()> {
    loop {
        let buf = b.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let n = buf
            .iter()
            .take_while(|&&c| matches!(c, b'\r' | b'\n' | b' ' | b'\t' | 0))
            .count();
        if n == 0 {
            return Ok(());
        }
        b.consume(n);
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let mut line = line.strip_suffix(b"\n").unwrap_or(line);
    while let Some(rest) = line.strip_suffix(b"\r") {
        line = rest;
    }
    line
}

fn read_record<B: BufRead>(
    b: &mut B,
    offset: u64,
    arc_fields: &mut usize,
) -> Result<Option<Record>, Error> {
    let mut line = Vec::with_capacity(128);
    // Leading blank lines (files that do not end records with exactly two CRLFs).
    loop {
        let n = read_line(b, &mut line).map_err(|e| Error::io(offset, e))?;
        if n == 0 {
            return Ok(None);
        }
        if !is_blank(&line) {
            break;
        }
    }
    if line.len() > MAX_LINE {
        return Err(Error::UnknownFormat {
            offset,
            start: preview(&line),
        });
    }
    if line.starts_with(b"WARC/") {
        read_warc(b, offset, line).map(Some)
    } else if let Some(arc) = parse_arc_line(&line, *arc_fields) {
        read_arc(b, offset, line, arc, arc_fields).map(Some)
    } else {
        Err(Error::UnknownFormat {
            offset,
            start: preview(&line),
        })
    }
}

fn preview(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(60)]);
    text.trim_end()
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Reads up to `len` bytes; fewer only when the data ends (the record is then incomplete).
fn read_block<B: BufRead>(b: &mut B, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
    let mut block = Vec::with_capacity(len.min(16 << 20) as usize);
    (&mut *b)
        .take(len)
        .read_to_end(&mut block)
        .map_err(|e| Error::io(offset, e))?;
    Ok(block)
}

fn read_warc<B: BufRead>(b: &mut B, offset: u64, first: Vec<u8>) -> Result<Record, Error> {
    let version = String::from_utf8_lossy(trim_eol(&first)).trim().to_string();
    let mut raw_head = first;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut line = Vec::with_capacity(128);
    loop {
        let n = read_line(b, &mut line).map_err(|e| Error::io(offset, e))?;
        if n == 0 {
            return Err(Error::HeaderTruncated { offset });
        }
        raw_head.extend_from_slice(&line);
        if raw_head.len() > MAX_HEAD || line.len() > MAX_LINE {
            return Err(Error::BadHeader {
                offset,
                line: "header block too long".into(),
            });
        }
        let content = trim_eol(&line);
        if content.is_empty() {
            break;
        }
        let text = String::from_utf8_lossy(content);
        if matches!(content[0], b' ' | b'\t') {
            if let Some((_, v)) = fields.last_mut() {
                v.push(' ');
                v.push_str(text.trim());
            }
            continue;
        }
        match text.split_once(':') {
            Some((k, v)) => fields.push((k.trim().to_string(), v.trim().to_string())),
            None => {
                return Err(Error::BadHeader {
                    offset,
                    line: preview(content),
                });
            }
        }
    }
    let header = Header { version, fields };
    let len_text = header
        .get("Content-Length")
        .ok_or(Error::MissingContentLength { offset })?;
    let len: u64 = len_text
        .trim()
        .parse()
        .map_err(|_| Error::BadContentLength {
            offset,
            value: len_text.to_string(),
        })?;
    let block = read_block(b, offset, len)?;
    Ok(Record {
        format: crate::Format::Warc,
        header,
        raw_head,
        block,
        declared_length: len,
    })
}

/// The fields of an ARC header line.
struct ArcLine {
    url: String,
    ip: String,
    date: String,
    mime: String,
    length: u64,
}

/// Parses an ARC v1 (`URL IP date mime length`) or v2 (10 fields) header line. URLs with spaces
/// (seen in real files) are rejoined, since the other fields have fixed positions.
fn parse_arc_line(line: &[u8], fields_hint: usize) -> Option<ArcLine> {
    let text = std::str::from_utf8(trim_eol(line)).ok()?;
    let parts: Vec<&str> = text.split(' ').filter(|p| !p.is_empty()).collect();
    if parts.len() < 5 {
        return None;
    }
    let per_record = if fields_hint == 10 && parts.len() >= 10 {
        10
    } else {
        5
    };
    let url_parts = parts.len() - (per_record - 1);
    let url = parts[..url_parts].join(" ");
    let rest = &parts[url_parts..];
    if !(url.contains("://") || url.starts_with("dns:") || url.starts_with("filedesc:")) {
        return None;
    }
    let date = rest[1];
    if date.len() < 8 || !date.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Real files carry `-1` or garbage lengths; they mean "no block", as warcio reads them.
    let length = rest[per_record - 2]
        .parse::<i64>()
        .map_or(0, |n| n.max(0) as u64);
    Some(ArcLine {
        url,
        ip: rest[0].to_string(),
        date: date.to_string(),
        mime: rest[2].to_string(),
        length,
    })
}

fn read_arc<B: BufRead>(
    b: &mut B,
    offset: u64,
    first: Vec<u8>,
    arc: ArcLine,
    arc_fields: &mut usize,
) -> Result<Record, Error> {
    let filedesc = arc.url.starts_with("filedesc:");
    let mut block = read_block(b, offset, arc.length)?;
    let mut declared_length = arc.length;
    if filedesc && arc.length == 0 {
        // A filedesc header with an unusable length (`-1` in real files): its version block
        // runs to the first blank line.
        let mut line = Vec::new();
        while read_line(b, &mut line).map_err(|e| Error::io(offset, e))? > 0 && !is_blank(&line) {
            block.extend_from_slice(&line);
        }
        declared_length = block.len() as u64;
    }
    if filedesc {
        // The version block says which header layout the rest of the file uses.
        *arc_fields = if block.starts_with(b"2 ") { 10 } else { 5 };
    }
    let date = crate::WarcDate::parse_digits(&arc.date)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default();
    let fields = vec![
        (
            "WARC-Type".to_string(),
            if filedesc { "warcinfo" } else { "response" }.to_string(),
        ),
        ("WARC-Target-URI".to_string(), arc.url),
        ("WARC-Date".to_string(), date),
        ("WARC-IP-Address".to_string(), arc.ip),
        ("Content-Type".to_string(), arc.mime),
        ("Content-Length".to_string(), arc.length.to_string()),
    ];
    Ok(Record {
        format: crate::Format::Arc,
        header: Header {
            version: "ARC".to_string(),
            fields,
        },
        raw_head: first,
        block,
        declared_length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn rec(id: &str, body: &str) -> Vec<u8> {
        format!(
            "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:{id}>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Target-URI: urn:x:{id}\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
            body.len()
        )
        .into_bytes()
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn plain_spans_are_exact() {
        let (a, b) = (rec("a", "hello"), rec("b", ""));
        let file = [a.clone(), b.clone()].concat();
        let got: Vec<_> = WarcReader::new(&file[..])
            .keep_source_bytes(true)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].span,
            Span {
                offset: 0,
                length: a.len() as u64
            }
        );
        assert_eq!(got[1].span.offset, a.len() as u64);
        assert_eq!(got[0].record.block, b"hello");
        assert_eq!(got[0].source_bytes.as_deref(), Some(&a[..]));
        assert_eq!(got[1].record.to_bytes(), b);
    }

    /// A buffer can end one byte into the next member's gzip magic (a 1 MB buffer over a large
    /// per-record gzip WARC does, now and then): every split must read the same records.
    #[test]
    fn gzip_magic_split_between_fills() {
        let members: Vec<Vec<u8>> = (0..4)
            .map(|i| gz(&rec(&format!("m{i}"), &"z".repeat(i * 7))))
            .collect();
        let file = members.concat();
        for capacity in 1..=64 {
            let input = std::io::BufReader::with_capacity(capacity, &file[..]);
            let got: Vec<_> = WarcReader::new(input)
                .keep_source_bytes(true)
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("buffer of {capacity} bytes: {e}"));
            assert_eq!(got.len(), members.len(), "buffer of {capacity} bytes");
            let mut offset = 0u64;
            for (r, m) in got.iter().zip(&members) {
                assert_eq!(
                    r.span,
                    Span {
                        offset,
                        length: m.len() as u64
                    }
                );
                assert_eq!(r.source_bytes.as_deref(), Some(&m[..]));
                offset += m.len() as u64;
            }
        }
    }

    #[test]
    fn per_record_gzip_keeps_members() {
        let (a, b) = (gz(&rec("a", "x")), gz(&rec("b", "yy")));
        let file = [a.clone(), b.clone()].concat();
        let got: Vec<_> = WarcReader::new(&file[..])
            .keep_source_bytes(true)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            got[1].span,
            Span {
                offset: a.len() as u64,
                length: b.len() as u64
            }
        );
        assert!(got[0].own_member && got[1].own_member);
        assert_eq!(got[1].source_bytes.as_deref(), Some(&b[..]));
    }

    #[test]
    fn whole_file_gzip_is_readable() {
        let file = gz(&[rec("a", "x"), rec("b", "yy"), rec("c", "zzz")].concat());
        let got: Vec<_> = WarcReader::new(&file[..])
            .keep_source_bytes(true)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 3);
        assert!(
            got.iter()
                .all(|r| r.source_bytes.is_none() && !r.own_member)
        );
        assert_eq!(got[2].record.block, b"zzz");
    }

    #[test]
    fn truncated_block_keeps_earlier_records() {
        let mut file = [rec("a", "x"), rec("b", "0123456789")].concat();
        file.truncate(file.len() - 9);
        let mut it = WarcReader::new(&file[..]);
        assert!(it.next().unwrap().unwrap().check_complete().is_ok());
        let cut = it.next().unwrap().unwrap();
        assert_eq!(cut.record.block, b"01234");
        let err = cut.check_complete().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Truncated {
                    expected: 10,
                    got: 5,
                    ..
                }
            ),
            "{err}"
        );
        assert!(it.next().is_none());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            &b"<!doctype html>"[..],
            b"\x1f\x8b\x08garbage",
            b"WARC/1.0\r\nContent-Length: x\r\n\r\n",
            b"WARC/1.0\r\nA: b\r\n",
        ] {
            let results: Vec<_> = WarcReader::new(input).collect();
            assert!(results.iter().any(|r| r.is_err()), "{input:?}");
        }
        assert_eq!(WarcReader::new(&b""[..]).count(), 0);
    }

    #[test]
    fn plain_index_span_leaves_out_trailing_blank_lines() {
        let (a, b) = (rec("a", "hello"), rec("b", ""));
        let file = [a.clone(), b"\r\n".to_vec(), b.clone()].concat();
        let got: Vec<_> = WarcReader::new(&file[..])
            .collect::<Result<_, _>>()
            .unwrap();
        // warcio: the record is header + block; the CRLFs after it lie between records
        assert_eq!(
            got[0].index_span,
            Span {
                offset: 0,
                length: a.len() as u64 - 4
            }
        );
        assert_eq!(got[0].span.length, a.len() as u64 + 2);
        assert_eq!(got[1].index_span.offset, a.len() as u64 + 2);
        assert_eq!(got[1].index_span.length, b.len() as u64 - 4);
    }

    #[test]
    fn plain_index_span_leaves_out_junk_after_a_short_content_length() {
        // Content-Length says 3 but the block line is 5 bytes: "lo" is junk warcio skips.
        let a = b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: urn:a\r\nContent-Length: 3\r\n\r\nhello\r\n\r\n\r\n";
        let file = [&a[..], &rec("b", "x")].concat();
        let got: Vec<_> = WarcReader::new(&file[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].record.block, b"hel");
        assert_eq!(got[0].index_span.length, a.len() as u64 - 8);
        assert_eq!(got[0].junk, 4);
        assert_eq!(got[1].index_span.offset, a.len() as u64);
    }

    #[test]
    fn bad_arc_lengths_give_warcio_offsets() {
        // pywb's bad.arc: `-1` and `abc` lengths mean an empty block; `1` takes the newline.
        let file = b"filedesc://bad.arc.gz 127.0.0.1 20140301000000 text/plain -1\n1 0 Bad Capture\nURL IP-address Archive-date Content-type Archive-length\n\nhttp://example.com/ 93.184.216.119 201404010000000000 text/html -1\n\nhttp://example.com/ 127.0.0.1 20140102000000 text/plain 1\n\n\nhttp://example.com/ 93.184.216.119 201404010000000000 text/html abc\n\n\n";
        let got: Vec<_> = WarcReader::new(&file[..])
            .collect::<Result<_, _>>()
            .unwrap();
        let spans: Vec<(u64, u64)> = got[1..]
            .iter()
            .map(|r| (r.index_span.offset, r.index_span.length))
            .collect();
        assert_eq!(spans, vec![(134, 67), (202, 59), (262, 68)]);
        assert!(got.iter().all(|r| r.record.is_complete()));
    }

    #[test]
    fn arc_record_longer_than_the_file_is_yielded_incomplete() {
        let file = b"http://example.com/ 1.2.3.4 20140216050221 text/html 100\nHTTP/1.0 200 OK\r\n\r\nshort";
        let got: Vec<_> = WarcReader::new(&file[..])
            .keep_source_bytes(true)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 1);
        assert!(!got[0].record.is_complete());
        assert!(matches!(
            got[0].check_complete(),
            Err(Error::Truncated { expected: 100, .. })
        ));
        // warcio still indexes it, spanning to the end of the data
        assert_eq!(got[0].index_span.length, file.len() as u64);
    }

    #[test]
    fn arc_records() {
        let file = b"filedesc://x.arc 0.0.0.0 20140216050221 text/plain 75\n1 0 LiveWeb Capture\nURL IP-address Archive-date Content-type Archive-length\n\nhttp://example.com/a b 1.2.3.4 20140216050221 text/html 4\nbody\n";
        let got: Vec<_> = WarcReader::new(&file[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 2);
        let r = &got[1].record;
        assert_eq!(r.format, Format::Arc);
        assert_eq!(r.header.target_uri(), Some("http://example.com/a b"));
        assert_eq!(r.header.get("WARC-Date"), Some("2014-02-16T05:02:21Z"));
        assert_eq!(r.block, b"body");
    }
}

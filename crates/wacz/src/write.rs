//! Writing a WACZ 1.1.1 package, streamed into any `Write + Seek`.
//!
//! [`WaczWriter`] writes entries one after the other, hashing each as it goes, so nothing is
//! held in memory but the current block of bytes; [`WaczWriter::finish`] then writes
//! `datapackage.json` (listing every entry with its SHA-256 and length), hashes its exact bytes
//! into `datapackage-digest.json` and, given an [`AnonymousSigner`], signs that hash.
//!
//! Helpers produce the other standard files: [`pages_header`] and [`Page`] for
//! `pages/pages.jsonl`, [`write_cdxj_gzip`] for a compressed `index.cdx.gz` with its `index.idx`.
//! No clock and no randomness: `created` is passed in, and signatures are deterministic
//! (RFC 6979).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Seek, Write};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::error::WaczError;
use crate::path::unsafe_name_reason;
use crate::signature::AnonymousSigner;

/// The WACZ version written in `datapackage.json`.
pub const WACZ_VERSION: &str = "1.1.1";

/// How an entry is stored in the ZIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryCompression {
    /// Stored as is: required for WARCs and `.cdx.gz` indexes, which replayers range-read.
    Stored,
    /// DEFLATEd: allowed for pages, plain indexes and JSON.
    Deflated,
}

/// The descriptive keys of `datapackage.json`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct WaczMetadata {
    /// `created`, RFC 3339 (e.g. `2024-01-01T12:00:00Z`); also `signedData.created` when signed,
    /// as py-wacz's validator requires them equal.
    pub created: String,
    /// `software`, e.g. `annals 0.1.0`.
    pub software: String,
    /// `title`.
    pub title: Option<String>,
    /// `description` (Markdown).
    pub description: Option<String>,
    /// `mainPageUrl`.
    pub main_page_url: Option<String>,
    /// `mainPageDate`, RFC 3339.
    pub main_page_date: Option<String>,
    /// Further top-level keys (custom keys are allowed by the spec). Keys the writer sets
    /// itself (`profile`, `wacz_version`, `resources`, and the fields above) are ignored here.
    pub extra: Map<String, Value>,
}

impl WaczMetadata {
    /// Metadata with the two keys every package should have.
    pub fn new(created: impl Into<String>, software: impl Into<String>) -> WaczMetadata {
        WaczMetadata {
            created: created.into(),
            software: software.into(),
            ..WaczMetadata::default()
        }
    }
}

/// One file written into the package, as listed in `datapackage.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WrittenResource {
    /// The file name (the last path component).
    pub name: String,
    /// The path inside the ZIP.
    pub path: String,
    /// `sha256:<hex>` of the stored bytes.
    pub hash: String,
    /// Length of the stored bytes.
    pub bytes: u64,
}

/// What [`WaczWriter::finish`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteSummary {
    /// Every resource, in writing order.
    pub resources: Vec<WrittenResource>,
    /// `sha256:<hex>` of the stored `datapackage.json`.
    pub datapackage_hash: String,
    /// For a signed package, the signer's key fingerprint (`sha256:<hex>` of its DER public key).
    pub signer_fingerprint: Option<String>,
}

struct Current {
    path: String,
    hasher: Sha256,
    bytes: u64,
}

/// Writes a WACZ entry by entry. See the [module documentation](self).
///
/// ```
/// use std::io::{Cursor, Write};
/// use annals_wacz::{EntryCompression, WaczMetadata, WaczWriter, Wacz, pages_header};
///
/// let mut w = WaczWriter::new(Cursor::new(Vec::new()), "out.wacz",
///     WaczMetadata::new("2024-01-01T00:00:00Z", "example 1.0"));
/// w.start_entry("archive/data.warc", EntryCompression::Stored, false)?;
/// w.write_all(b"WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 0\r\n\r\n\r\n\r\n")?;
/// w.add_entry("pages/pages.jsonl", EntryCompression::Deflated, pages_header(false).as_bytes())?;
/// let (out, _summary) = w.finish(None)?;
/// let mut wacz = Wacz::from_reader(Cursor::new(out.into_inner()), "out.wacz")?;
/// assert!(wacz.verify()?.is_valid());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WaczWriter<W: Write + Seek> {
    name: String,
    zip: ZipWriter<W>,
    metadata: WaczMetadata,
    mtime: zip::DateTime,
    resources: Vec<WrittenResource>,
    paths: HashSet<String>,
    current: Option<Current>,
}

impl<W: Write + Seek> WaczWriter<W> {
    /// Starts a package on `out`. `display_name` names it in errors.
    pub fn new(out: W, display_name: &str, metadata: WaczMetadata) -> WaczWriter<W> {
        let mtime = zip_time(&metadata.created).unwrap_or_default();
        WaczWriter {
            name: display_name.to_owned(),
            zip: ZipWriter::new(out),
            metadata,
            mtime,
            resources: Vec::new(),
            paths: HashSet::new(),
            current: None,
        }
    }

    /// Ends the current entry (if any) and starts `path`; its bytes follow through
    /// [`Write`]. `large` allows the entry to exceed 4 GiB (a ZIP64 header).
    ///
    /// Refuses unsafe paths (absolute, `..`, backslashes…), a path already written, and the
    /// two names [`finish`](Self::finish) writes.
    pub fn start_entry(
        &mut self,
        path: &str,
        compression: EntryCompression,
        large: bool,
    ) -> Result<(), WaczError> {
        self.end_entry()?;
        if let Some(reason) = unsafe_name_reason(path.as_bytes()) {
            return Err(WaczError::UnsafePath {
                wacz: self.name.clone(),
                entry: path.to_owned(),
                reason,
            });
        }
        if path.ends_with('/')
            || path == "datapackage.json"
            || path == "datapackage-digest.json"
            || !self.paths.insert(path.to_owned())
        {
            return Err(WaczError::Unsupported {
                wacz: self.name.clone(),
                entry: path.to_owned(),
                detail: "a directory, a reserved name, or a name already written".to_owned(),
            });
        }
        let method = match compression {
            EntryCompression::Stored => CompressionMethod::Stored,
            EntryCompression::Deflated => CompressionMethod::Deflated,
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .compression_level(deflate_level(method))
            .last_modified_time(self.mtime)
            .unix_permissions(0o644)
            .large_file(large);
        self.zip
            .start_file(path, options)
            .map_err(|error| WaczError::from_zip(&self.name, Some(path), error))?;
        self.current = Some(Current {
            path: path.to_owned(),
            hasher: Sha256::new(),
            bytes: 0,
        });
        Ok(())
    }

    /// Writes a whole entry from memory.
    pub fn add_entry(
        &mut self,
        path: &str,
        compression: EntryCompression,
        bytes: &[u8],
    ) -> Result<(), WaczError> {
        self.start_entry(path, compression, false)?;
        self.write_all(bytes)
            .map_err(|error| self.io_error(error))?;
        self.end_entry()
    }

    /// The resources written so far (the current entry is added when it ends).
    pub fn resources(&self) -> &[WrittenResource] {
        &self.resources
    }

    fn io_error(&self, error: io::Error) -> WaczError {
        WaczError::Io {
            wacz: self.name.clone(),
            entry: self.current.as_ref().map(|c| c.path.clone()),
            error,
        }
    }

    /// Ends the current entry, recording its hash and length.
    pub fn end_entry(&mut self) -> Result<(), WaczError> {
        if let Some(current) = self.current.take() {
            let name = current
                .path
                .rsplit('/')
                .next()
                .unwrap_or(&current.path)
                .to_owned();
            self.resources.push(WrittenResource {
                name,
                path: current.path,
                hash: format!("sha256:{}", hex(&current.hasher.finalize())),
                bytes: current.bytes,
            });
        }
        Ok(())
    }

    /// Writes `datapackage.json` and `datapackage-digest.json` (signed when `signer` is given)
    /// and the ZIP central directory. Returns the output and what was written.
    pub fn finish(
        mut self,
        signer: Option<&AnonymousSigner>,
    ) -> Result<(W, WriteSummary), WaczError> {
        self.end_entry()?;
        let datapackage = datapackage_json(&self.metadata, &self.resources);
        let datapackage_hash = format!("sha256:{}", hex(&Sha256::digest(&datapackage)));
        self.write_reserved("datapackage.json", &datapackage)?;

        let mut digest = Map::new();
        digest.insert("path".into(), json!("datapackage.json"));
        digest.insert("hash".into(), json!(datapackage_hash));
        if let Some(signer) = signer {
            let mut signed = Map::new();
            signed.insert("hash".into(), json!(datapackage_hash));
            signed.insert("created".into(), json!(self.metadata.created));
            signed.insert("software".into(), json!(self.metadata.software));
            signed.insert(
                "signature".into(),
                json!(signer.sign_hash_string(&datapackage_hash)),
            );
            signed.insert("publicKey".into(), json!(signer.public_key_base64()));
            digest.insert("signedData".into(), Value::Object(signed));
        }
        let digest_bytes = to_pretty(&Value::Object(digest));
        self.write_reserved("datapackage-digest.json", &digest_bytes)?;
        let out = self
            .zip
            .finish()
            .map_err(|error| WaczError::from_zip(&self.name, None, error))?;
        Ok((
            out,
            WriteSummary {
                resources: self.resources,
                datapackage_hash,
                signer_fingerprint: signer.map(AnonymousSigner::fingerprint),
            },
        ))
    }

    /// Ends a *part*: a ZIP of some entries written on another thread (or into a temporary
    /// file) while the main package is busy, without the manifest. Returns the output and the
    /// resources written, for [`merge_part`](Self::merge_part).
    pub fn finish_part(mut self) -> Result<(W, Vec<WrittenResource>), WaczError> {
        self.end_entry()?;
        let out = self
            .zip
            .finish()
            .map_err(|error| WaczError::from_zip(&self.name, None, error))?;
        Ok((out, self.resources))
    }

    /// Copies the entries of a part made by [`finish_part`](Self::finish_part) into this
    /// package as they are (compressed bytes, CRC and sizes copied, nothing recompressed), and
    /// lists `resources` (their hashes, computed as the part was written) in the manifest.
    pub fn merge_part<R: io::Read + Seek>(
        &mut self,
        part: R,
        resources: Vec<WrittenResource>,
    ) -> Result<(), WaczError> {
        self.end_entry()?;
        let archive = zip::ZipArchive::new(part)
            .map_err(|error| WaczError::from_zip(&self.name, None, error))?;
        for name in archive.file_names() {
            let name = name.map_err(|error| WaczError::from_zip(&self.name, None, error))?;
            if !self.paths.insert(name.to_string()) {
                return Err(WaczError::Unsupported {
                    wacz: self.name.clone(),
                    entry: name.to_string(),
                    detail: "a name already written".to_owned(),
                });
            }
        }
        self.zip
            .merge_archive(archive)
            .map_err(|error| WaczError::from_zip(&self.name, None, error))?;
        self.resources.extend(resources);
        Ok(())
    }

    fn write_reserved(&mut self, path: &str, bytes: &[u8]) -> Result<(), WaczError> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(self.mtime)
            .unix_permissions(0o644);
        self.zip
            .start_file(path, options)
            .map_err(|error| WaczError::from_zip(&self.name, Some(path), error))?;
        self.zip.write_all(bytes).map_err(|error| WaczError::Io {
            wacz: self.name.clone(),
            entry: Some(path.to_owned()),
            error,
        })
    }
}

/// Deflate level of compressed entries: 1. The large ones (pages, proofs, small indexes) are
/// repetitive JSON or CDXJ, where level 1 is within a few percent of the default's size at
/// several times its speed.
const DEFLATE_LEVEL: i64 = 1;

fn deflate_level(method: CompressionMethod) -> Option<i64> {
    (method == CompressionMethod::Deflated).then_some(DEFLATE_LEVEL)
}

impl<W: Write + Seek> Write for WaczWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(current) = self.current.as_mut() else {
            return Err(io::Error::other("no WACZ entry started"));
        };
        let n = self.zip.write(buf)?;
        current.hasher.update(&buf[..n]);
        current.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.zip.flush()
    }
}

/// The bytes of `datapackage.json`.
fn datapackage_json(metadata: &WaczMetadata, resources: &[WrittenResource]) -> Vec<u8> {
    let mut object = Map::new();
    for (key, value) in &metadata.extra {
        object.insert(key.clone(), value.clone());
    }
    object.insert("profile".into(), json!("data-package"));
    object.insert("wacz_version".into(), json!(WACZ_VERSION));
    object.insert("created".into(), json!(metadata.created));
    object.insert("software".into(), json!(metadata.software));
    let optional = [
        ("title", &metadata.title),
        ("description", &metadata.description),
        ("mainPageUrl", &metadata.main_page_url),
        ("mainPageDate", &metadata.main_page_date),
    ];
    for (key, value) in optional {
        match value {
            Some(value) => object.insert(key.into(), json!(value)),
            None => object.remove(key),
        };
    }
    let resources: Vec<Value> = resources
        .iter()
        .map(|r| json!({"name": r.name, "path": r.path, "hash": r.hash, "bytes": r.bytes}))
        .collect();
    object.insert("resources".into(), Value::Array(resources));
    to_pretty(&Value::Object(object))
}

fn to_pretty(value: &Value) -> Vec<u8> {
    // Serializing a `Value` cannot fail.
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The first line of `pages/pages.jsonl` (with its newline); `has_text` when rows carry `text`.
pub fn pages_header(has_text: bool) -> String {
    let has_text = if has_text { ", \"hasText\": true" } else { "" };
    format!(
        "{{\"format\": \"json-pages-1.0\", \"id\": \"pages\", \"title\": \"All Pages\"{has_text}}}\n"
    )
}

/// One row of `pages/pages.jsonl`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// `id`, unique in the file.
    pub id: Option<String>,
    /// `url` (required).
    pub url: String,
    /// `ts`, RFC 3339 (required).
    pub ts: String,
    /// `title`.
    pub title: Option<String>,
    /// `text`: the page's readable text.
    pub text: Option<String>,
    /// `size`: bytes of the page.
    pub size: Option<u64>,
}

impl Page {
    /// A page with the two required keys.
    pub fn new(url: impl Into<String>, ts: impl Into<String>) -> Page {
        Page {
            url: url.into(),
            ts: ts.into(),
            ..Page::default()
        }
    }

    /// The JSON line, with its newline.
    pub fn to_json_line(&self) -> String {
        let mut object = Map::new();
        if let Some(id) = &self.id {
            object.insert("id".into(), json!(id));
        }
        object.insert("url".into(), json!(self.url));
        object.insert("ts".into(), json!(self.ts));
        if let Some(title) = &self.title {
            object.insert("title".into(), json!(title));
        }
        if let Some(text) = &self.text {
            object.insert("text".into(), json!(text));
        }
        if let Some(size) = self.size {
            object.insert("size".into(), json!(size));
        }
        format!("{}\n", Value::Object(object))
    }
}

/// Lines per gzip block of a compressed index, as py-wacz writes them.
pub const CDX_BLOCK_LINES: usize = 1024;

/// Writes sorted CDXJ `lines` to `out` as `index.cdx.gz` (`cdxj-gzip-1.0`: blocks of
/// `block_lines` lines, each its own gzip member) and returns the text of the matching
/// `index.idx`, whose `!meta` line names `cdx_name`. Each idx line carries the block's first
/// key and timestamp, its offset, length and `sha256:` digest.
pub fn write_cdxj_gzip<'a>(
    out: &mut impl Write,
    lines: impl IntoIterator<Item = &'a str>,
    block_lines: usize,
    cdx_name: &str,
) -> io::Result<String> {
    let mut writer = CdxjGzipWriter::new(out, block_lines, cdx_name);
    for line in lines {
        writer.push(line)?;
    }
    writer.finish()
}

/// [`write_cdxj_gzip`] a line at a time, for lines that arrive from a stream: holds one block.
pub struct CdxjGzipWriter<W: Write> {
    out: W,
    block_lines: usize,
    idx: String,
    offset: u64,
    block: Vec<u8>,
    first_key: Option<String>,
    count: usize,
    lines: u64,
}

impl<W: Write> CdxjGzipWriter<W> {
    /// Starts an index on `out`; see [`write_cdxj_gzip`].
    pub fn new(out: W, block_lines: usize, cdx_name: &str) -> CdxjGzipWriter<W> {
        CdxjGzipWriter {
            out,
            block_lines: block_lines.max(1),
            idx: format!(
                "!meta 0 {{\"format\": \"cdxj-gzip-1.0\", \"filename\": {}}}\n",
                Value::from(cdx_name)
            ),
            offset: 0,
            block: Vec::new(),
            first_key: None,
            count: 0,
            lines: 0,
        }
    }

    /// Adds the next line (in sorted order).
    pub fn push(&mut self, line: &str) -> io::Result<()> {
        if self.first_key.is_none() {
            let mut fields = line.splitn(3, ' ');
            let key = fields.next().unwrap_or_default();
            let ts = fields.next().unwrap_or_default();
            self.first_key = Some(format!("{key} {ts}"));
        }
        self.block
            .extend_from_slice(line.trim_end_matches('\n').as_bytes());
        self.block.push(b'\n');
        self.count += 1;
        self.lines += 1;
        if self.count == self.block_lines {
            self.flush_block()?;
            self.count = 0;
        }
        Ok(())
    }

    /// Lines pushed so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    fn flush_block(&mut self) -> io::Result<()> {
        let Some(key) = self.first_key.take() else {
            return Ok(());
        };
        // Level 1, as for the other text entries (CDXJ is repetitive: a few percent bigger than
        // level 6, at a fraction of its time).
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(self.block.len() / 4),
            flate2::Compression::new(DEFLATE_LEVEL as u32),
        );
        encoder.write_all(&self.block)?;
        let member = encoder.finish()?;
        self.out.write_all(&member)?;
        let _ = writeln!(
            self.idx,
            "{key} {{\"offset\": {}, \"length\": {}, \"digest\": \"sha256:{}\"}}",
            self.offset,
            member.len(),
            hex(&Sha256::digest(&member))
        );
        self.offset += member.len() as u64;
        self.block.clear();
        Ok(())
    }

    /// Writes the last block; returns the text of `index.idx`.
    pub fn finish(self) -> io::Result<String> {
        self.finish_into().map(|(_, idx)| idx)
    }

    /// Writes the last block; returns the output and the text of `index.idx`.
    pub fn finish_into(mut self) -> io::Result<(W, String)> {
        self.flush_block()?;
        Ok((self.out, self.idx))
    }
}

/// The ZIP timestamp of an RFC 3339 `created` (UTC), if it parses and fits.
fn zip_time(created: &str) -> Option<zip::DateTime> {
    let b = created.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u16> {
        std::str::from_utf8(b.get(range)?).ok()?.parse().ok()
    };
    let year = num(0..4)?;
    let month = u8::try_from(num(5..7)?).ok()?;
    let day = u8::try_from(num(8..10)?).ok()?;
    let hour = u8::try_from(num(11..13)?).ok()?;
    let minute = u8::try_from(num(14..16)?).ok()?;
    let second = u8::try_from(num(17..19)?).ok()?;
    zip::DateTime::from_date_and_time(year, month, day, hour, minute, second).ok()
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idx_lines_point_at_gzip_members() {
        let lines = [
            "a,b)/ 20240101000000 {}",
            "a,c)/ 20240102000000 {}",
            "a,d)/ 2 {}",
        ];
        let mut out = Vec::new();
        let idx = write_cdxj_gzip(&mut out, lines, 2, "index.cdx.gz").unwrap();
        let rows: Vec<&str> = idx.lines().collect();
        assert_eq!(
            rows[0],
            r#"!meta 0 {"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}"#
        );
        assert!(rows[1].starts_with("a,b)/ 20240101000000 {\"offset\": 0, \"length\": "));
        assert!(rows[2].starts_with("a,d)/ 2 {\"offset\": "));
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(&out[..]), &mut text)
            .unwrap();
        assert_eq!(text, lines.join("\n") + "\n");
    }

    #[test]
    fn zip_time_parses_rfc3339() {
        assert!(zip_time("2024-02-03T04:05:06Z").is_some());
        assert!(zip_time("2024-02-03T04:05:06.123Z").is_some());
        assert!(zip_time("soon").is_none());
    }

    #[test]
    fn pages_lines() {
        let header: Value = serde_json::from_str(&pages_header(true)).unwrap();
        assert_eq!(
            header,
            json!({"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": true})
        );
        let mut page = Page::new("https://example.com/", "2024-01-01T00:00:00Z");
        page.title = Some("Example".into());
        let line = page.to_json_line();
        assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
        let row: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            row,
            json!({"url": "https://example.com/", "ts": "2024-01-01T00:00:00Z", "title": "Example"})
        );
    }
}

//! `annals export wacz`: the archive (or the records since a time, or a watchlist's records) as
//! a WACZ 1.1.1 package that carries its own evidence.
//!
//! Layout written:
//! - `archive/<name>.warc.gz`: without a filter, the archive's own WARC files copied byte for
//!   byte; with `--since` or `--list`, one new WARC holding a `warcinfo` record and the selected records'
//!   stored gzip members, verbatim (a revisit's original comes along). STOREd, never
//!   recompressed.
//! - `indexes/index.cdxj` (small packages), or `indexes/index.cdx.gz` + `indexes/index.idx`
//!   (blocks of 1,024 lines, as py-wacz writes them) above [`PLAIN_INDEX_MAX_LINES`] lines.
//! - `pages/pages.jsonl`: one page per URL with an HTML 2xx response, at its first capture, with
//!   the title and readable text when they can be extracted; with `--list`, one page per
//!   observed item (the URL its first observation fetched, then, titled from its content).
//! - `annals/checkpoint` (the log's signed C2SP checkpoint), `annals/log.pub` (its verifier key)
//!   and `annals/proofs.jsonl`: for every exported record covered by the checkpoint, its ledger
//!   entry, where it lies in this WACZ, and its RFC 9162 inclusion proof. Anyone can hash the
//!   record's bytes at that place, compare with the entry, hash the entry into a leaf and walk
//!   the proof up to the signed root.
//! - `datapackage.json` and `datapackage-digest.json`, the latter with an anonymous ECDSA P-384
//!   `signedData` when signing; the key is `ledger/wacz-signing.pem` (created on first use, mode
//!   0600) and its fingerprint is reported, so it can be published.
//!
//! The ZIP is streamed to `OUT.partial` and renamed at the end. The whole-archive export
//! (`wacz_stream`) holds nothing per record: the WARCs are copied on one thread while the index,
//! the proofs and the pages are written from streaming queries into parts merged at the end. A
//! `--since` or `--list` export holds the index rows and pages of the selected records (not the
//! records; proofs are streamed).

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use annals_ledger::{Hash, HashReader, LedgerError, node_hash};
use annals_model::Capture;
use annals_wacz::{AnonymousSigner, Page, WaczMetadata};
use annals_warc::{WarcDate, http};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::ledger::LEDGER_DIR;
use crate::wacz_subset::Subset;
use crate::{Archive, ArchiveError, Progress};

/// The WACZ signing key in the data directory (PKCS#8 PEM, mode 0600).
pub const WACZ_SIGNING_KEY: &str = "wacz-signing.pem";
/// Above this many index lines the index is written compressed (`index.cdx.gz` + `index.idx`).
pub const PLAIN_INDEX_MAX_LINES: usize = 1000;
/// Format identifier of each line of `annals/proofs.jsonl`.
pub const WACZ_PROOF_FORMAT: &str = "annals-wacz-proof/1";
/// The largest HTML body read for a page's title and text.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// How much of an HTML body is scanned for its `<title>` when text is not wanted.
const TITLE_SCAN_BYTES: usize = 256 * 1024;

/// What to export, and how.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WaczExportOptions {
    /// Only records captured at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Only the records of this watchlist's items (their observations' responses and revisits,
    /// requests and revisit originals), with a page per item.
    pub list: Option<String>,
    /// Only the records of this one item (its watch row id), selected as `list` selects a
    /// list's: the web UI's "WACZ of this item".
    pub item: Option<i64>,
    /// Do not sign a new checkpoint first; include the latest one (a read-only server).
    pub keep_checkpoint: bool,
    /// Sign `datapackage-digest.json` with the data directory's anonymous P-384 key.
    pub sign: bool,
    /// Also extract each page's readable text (readability) into `pages.jsonl`: a full HTML
    /// parse per page, many times slower than the rest of the export. Titles are always read.
    pub text: bool,
    /// `title` of the package.
    pub title: Option<String>,
}

/// What `annals export wacz` wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[non_exhaustive]
pub struct WaczReport {
    /// The output file.
    pub out: String,
    /// Records in the package's WARCs (including `warcinfo` records).
    pub records: u64,
    /// WARC files in `archive/`.
    pub warc_files: u64,
    /// Bytes of WARC in `archive/`.
    pub warc_bytes: u64,
    /// Rows of the CDXJ index.
    pub index_lines: u64,
    /// The index entry (`indexes/index.cdxj` or `indexes/index.cdx.gz`).
    pub index: String,
    /// Rows of `pages/pages.jsonl` after its header.
    pub pages: u64,
    /// Tree size of the checkpoint included (`None` if the log has none).
    pub checkpoint_size: Option<u64>,
    /// Records with an inclusion proof in `annals/proofs.jsonl`.
    pub proofs: u64,
    /// Exported records without a proof (added after the checkpoint, or not in the log).
    pub unproven: u64,
    /// `sha256:` of the stored `datapackage.json`.
    pub datapackage_hash: String,
    /// With `--sign`: the fingerprint (`sha256:` of the DER public key) of the signing key.
    pub signer_fingerprint: Option<String>,
    /// Bytes of the WACZ.
    pub bytes: u64,
    /// Things that did not stop the export but should be known.
    pub warnings: Vec<String>,
}

/// One line of `annals/proofs.jsonl`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct WaczProof {
    /// Always [`WACZ_PROOF_FORMAT`].
    pub format: String,
    /// `WARC-Record-ID`.
    pub record_id: String,
    /// `WARC-Target-URI`, if any.
    pub url: Option<String>,
    /// The record's WARC in this WACZ (`archive/<name>`).
    pub path: String,
    /// Offset of the record's gzip member in that WARC.
    pub offset: u64,
    /// Length of the gzip member.
    pub length: u64,
    /// The ledger entry (binary, version 1), base64; it names the record's place in the
    /// archive it came from and the SHA-256 of the member's bytes.
    pub entry: String,
    /// The leaf's index in the log.
    pub leaf_index: u64,
    /// The tree size of `annals/checkpoint`, which the proof leads to.
    pub tree_size: u64,
    /// The inclusion proof, base64 hashes, leaf to root.
    pub inclusion_proof: Vec<String>,
}

/// Every level of the tree's complete subtrees, computed once: proofs then cost O(log n) each.
pub(crate) struct Levels(pub(crate) Vec<Vec<Hash>>);

impl Levels {
    pub(crate) fn new(leaves: Vec<Hash>) -> Levels {
        let mut levels = vec![leaves];
        while let Some(last) = levels.last().filter(|l| l.len() > 1) {
            let next: Vec<Hash> = last
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(next);
        }
        Levels(levels)
    }
}

impl HashReader for Levels {
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.0.get(usize::from(level))?.get(i).copied())
            .ok_or(LedgerError::HashUnavailable { level, index })
    }
}

impl Archive {
    /// Writes a WACZ of the archive to `out`; see the [module documentation](self).
    pub async fn export_wacz(
        &self,
        out: &Path,
        opts: WaczExportOptions,
    ) -> Result<WaczReport, ArchiveError> {
        self.export_wacz_with_progress(out, opts, &|_, _| {}).await
    }

    /// [`export_wacz`](Self::export_wacz), reporting bytes of WARC written out of the total.
    pub async fn export_wacz_with_progress(
        &self,
        out: &Path,
        opts: WaczExportOptions,
        progress: Progress<'_>,
    ) -> Result<WaczReport, ArchiveError> {
        let signer = if opts.sign {
            Some(wacz_signer(self.root())?)
        } else {
            None
        };
        let mut report = WaczReport {
            out: out.display().to_string(),
            ..WaczReport::default()
        };

        let started = std::time::Instant::now();
        // Evidence first: a checkpoint covering everything exported, if the log allows one.
        if opts.keep_checkpoint {
            // The latest checkpoint as it is: records after it are reported unproven.
        } else if let Err(e) = self.checkpoint().await {
            report.warnings.push(format!(
                "could not sign a new checkpoint ({e}); the last one is included"
            ));
        }
        let checkpoint = self.latest_checkpoint()?;
        tracing::debug!(
            "export wacz: checkpoint in {:.3}s",
            started.elapsed().as_secs_f64()
        );
        if checkpoint.is_none() {
            report
                .warnings
                .push("the log has no checkpoint: no inclusion proofs included".into());
        }

        // What goes in: the whole archive, or a subset streamed into one new WARC.
        let (subset, what): (Option<Subset>, String) = if let Some(id) = opts.item {
            let item = self
                .store
                .watch_find(&id.to_string())
                .await?
                .filter(|i| i.item_id == id)
                .ok_or_else(|| ArchiveError::NotFound(format!("a watched item {id}")))?;
            let what = format!("item {}", item.url);
            let sel = self
                .items_selection(vec![(item.item_id, item.url)], &what, opts.since, opts.text)
                .await?;
            (Some(Subset::Items(sel)), format!("{what}:"))
        } else if let Some(list) = &opts.list {
            let items = self.store.watch_urls(list).await?;
            if items.is_empty() {
                return Err(ArchiveError::NotFound(format!(
                    "an item watched in list {list} (see `annals watch list`)"
                )));
            }
            let what = format!("watchlist {list}'s {} items", items.len());
            let sel = self
                .items_selection(items, &what, opts.since, opts.text)
                .await?;
            let what = format!("watchlist {list}: {} items,", sel.observed_items());
            (Some(Subset::Items(sel)), what)
        } else if let Some(since) = opts.since {
            (Some(Subset::Since(since)), String::new())
        } else {
            // Every record is a leaf of the log: its size is the number of records.
            let n = self.tree.size();
            if n == 0 {
                return Err(ArchiveError::NotFound(
                    "anything: the archive is empty".into(),
                ));
            }
            (
                None,
                format!("annals export of the whole archive ({n} records)"),
            )
        };
        let since_text = opts
            .since
            .map(|t| format!(" captured since {}", rfc3339(t)))
            .unwrap_or_default();
        let describe = |records: u64| -> String {
            if what.is_empty() {
                format!("annals export of {records} records{since_text}")
            } else {
                format!("annals export of {what} {records} records{since_text}")
            }
        };

        let created = rfc3339(now_unix());
        let mut metadata = WaczMetadata::new(
            created.clone(),
            concat!("annals ", env!("CARGO_PKG_VERSION")),
        );
        metadata.title = opts.title.clone();

        let tmp = partial_path(out);
        let warc_tmp = tmp.with_extension("warc.partial");
        let result = match subset {
            None => {
                metadata.description = Some(what);
                self.write_whole_wacz(
                    &tmp,
                    metadata,
                    checkpoint,
                    signer.as_ref(),
                    &opts,
                    &mut report,
                    progress,
                )
                .await
            }
            Some(subset) => {
                self.write_subset_wacz(
                    &tmp,
                    &warc_tmp,
                    metadata,
                    subset,
                    &describe,
                    checkpoint,
                    signer.as_ref(),
                    &opts,
                    &mut report,
                    progress,
                )
                .await
            }
        };
        let _ = fs::remove_file(&warc_tmp);
        match result {
            Ok(()) => {
                fs::rename(&tmp, out).map_err(|e| ArchiveError::io(out, e))?;
                report.bytes = fs::metadata(out).map(|m| m.len()).unwrap_or(0);
                Ok(report)
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// The page of capture `c`, `p{i}`: title (and text) when the record reads.
    pub(crate) fn page(&self, i: usize, c: &Capture, with_text: bool) -> Page {
        let url = c.url.clone().unwrap_or_default();
        let ts = WarcDate::parse(&c.date)
            .map(|d| rfc3339(d.unix))
            .unwrap_or_else(|| c.date.clone());
        let mut page = Page::new(url.clone(), ts);
        page.id = Some(format!("p{i}"));
        if !with_text && let Some(prefix) = self.title_prefix(c) {
            // Plain bodies: only the record's start is inflated and decoded.
            page.size = Some(prefix.payload_len);
            if let Some(end) = title_end(&prefix.body) {
                let (html, _) = annals_platforms::web::decode_html(
                    &prefix.body[..end],
                    prefix.content_type.as_deref(),
                    &url,
                );
                page.title = html_title(&html);
            }
            return page;
        }
        let Ok(record) = self.read_record(c) else {
            return page;
        };
        let Some(head) = http::parse_head(&record.block) else {
            return page;
        };
        let body = http::payload(&record.block, &head);
        let encoding = head.header("content-encoding").map(|e| e.to_string());
        let content_type = head.header("content-type").map(|t| t.to_string());
        if !with_text && let Some((prefix, size)) = gzip_title_prefix(&body, encoding.as_deref()) {
            // A gzip body: inflated only up to its title; its size is the gzip trailer's.
            page.size = Some(size);
            if let Some(end) = title_end(&prefix) {
                let (html, _) = annals_platforms::web::decode_html(
                    &prefix[..end],
                    content_type.as_deref(),
                    &url,
                );
                page.title = html_title(&html);
            }
            return page;
        }
        let body = decode_body(&body, encoding.as_deref());
        page.size = Some(body.len() as u64);
        if with_text {
            let body = &body[..body.len().min(MAX_PAGE_BYTES)];
            let (html, _) = annals_platforms::web::decode_html(body, content_type.as_deref(), &url);
            let extracted = annals_platforms::web::extract(&html, &url);
            page.title = extracted.title;
            if !extracted.text.is_empty() {
                page.text = Some(extracted.text);
            }
        } else {
            // Only the bytes up to the end of the title are decoded.
            let scan = &body[..body.len().min(TITLE_SCAN_BYTES)];
            if let Some(end) = title_end(scan) {
                let (html, _) =
                    annals_platforms::web::decode_html(&scan[..end], content_type.as_deref(), &url);
                page.title = html_title(&html);
            }
        }
        page
    }
}

/// What one line of `annals/proofs.jsonl` says.
pub(crate) struct ProofLine<'a> {
    pub(crate) c: &'a Capture,
    pub(crate) path: &'a str,
    pub(crate) offset: u64,
    pub(crate) entry: &'a [u8],
    pub(crate) leaf_index: u64,
    pub(crate) tree_size: u64,
    pub(crate) proof: &'a [Hash],
}

/// Appends the JSON line of `p` to `out`: the serialisation of [`WaczProof`] (same keys, same
/// order), written without building one.
pub(crate) fn push_proof_line(out: &mut Vec<u8>, p: ProofLine<'_>) {
    fn base64_into(out: &mut Vec<u8>, bytes: &[u8]) {
        let start = out.len();
        out.resize(start + bytes.len().div_ceil(3) * 4, 0);
        let n = STANDARD
            .encode_slice(bytes, &mut out[start..])
            .unwrap_or_default();
        out.truncate(start + n);
    }
    let json_str = |out: &mut Vec<u8>, s: &str| {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    };
    out.extend_from_slice(b"{\"format\":\"");
    out.extend_from_slice(WACZ_PROOF_FORMAT.as_bytes());
    out.extend_from_slice(b"\",\"record_id\":");
    json_str(out, &p.c.record_id);
    out.extend_from_slice(b",\"url\":");
    match &p.c.url {
        Some(url) => json_str(out, url),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"path\":");
    json_str(out, p.path);
    let _ = write!(
        out,
        ",\"offset\":{},\"length\":{},\"entry\":\"",
        p.offset, p.c.length
    );
    base64_into(out, p.entry);
    let _ = write!(
        out,
        "\",\"leaf_index\":{},\"tree_size\":{},\"inclusion_proof\":[",
        p.leaf_index, p.tree_size
    );
    for (i, h) in p.proof.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'"');
        base64_into(out, h);
        out.push(b'"');
    }
    out.extend_from_slice(b"]}\n");
}

/// The start of a response's payload, read without inflating the whole record.
struct TitlePrefix {
    /// The payload up to the end of its `</title>` (or [`TITLE_SCAN_BYTES`], or all of it).
    body: Vec<u8>,
    /// The payload's length.
    payload_len: u64,
    /// The HTTP `Content-Type`.
    content_type: Option<String>,
}

impl Archive {
    /// The start of `c`'s HTTP payload when it is plain (neither chunked nor content-encoded)
    /// and the record reads; `None` sends the caller to the full path.
    fn title_prefix(&self, c: &Capture) -> Option<TitlePrefix> {
        let member = self.read_member(c).ok()?;
        // A slice is its own buffer: no copy through a reader's.
        let mut inflate = flate2::bufread::GzDecoder::new(&member[..]);
        let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
        // Small steps: titles are usually in the first kilobytes.
        let mut chunk = [0u8; 2 * 1024];
        let mut eof = false;
        let mut more = |buf: &mut Vec<u8>, eof: &mut bool| -> Option<()> {
            if *eof {
                return None;
            }
            match inflate.read(&mut chunk) {
                Ok(0) => {
                    *eof = true;
                    None
                }
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    Some(())
                }
                Err(_) => None,
            }
        };
        let find = |buf: &[u8], from: usize| {
            buf.get(from..)?
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|p| from + p + 4)
        };
        // The WARC header, and its Content-Length.
        let block_start = loop {
            if let Some(end) = find(&buf, 0) {
                break end;
            }
            if buf.len() > 64 * 1024 {
                return None;
            }
            more(&mut buf, &mut eof)?;
        };
        let header = std::str::from_utf8(&buf[..block_start]).ok()?;
        let block_len: u64 = header.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })?;
        // The HTTP head.
        let body_start = loop {
            if let Some(end) = find(&buf, block_start) {
                break end;
            }
            if buf.len() - block_start > 64 * 1024 {
                return None;
            }
            more(&mut buf, &mut eof)?;
        };
        let head = http::parse_head(&buf[block_start..body_start])?;
        if head.is_chunked()
            || head
                .header("content-encoding")
                .is_some_and(|e| !matches!(e.trim(), "" | "identity"))
            || block_start + head.body_offset != body_start
        {
            return None;
        }
        let content_type = head.header("content-type").map(|t| t.to_string());
        let payload_len = block_len.checked_sub((body_start - block_start) as u64)?;
        let want = usize::try_from(payload_len)
            .unwrap_or(usize::MAX)
            .min(TITLE_SCAN_BYTES);
        // The payload, until its title ends (each step scans only the new bytes and a few
        // before them; the caller scans the whole prefix again for the title).
        let mut scanned = 0usize;
        loop {
            let have = buf.len() - body_start;
            let body = &buf[body_start..body_start + have.min(want)];
            let from = scanned.saturating_sub(16);
            if have >= want || title_end(&body[from..]).is_some() {
                break;
            }
            scanned = body.len();
            if more(&mut buf, &mut eof).is_none() {
                if eof {
                    break;
                }
                return None;
            }
        }
        let end = (body_start + want).min(buf.len());
        Some(TitlePrefix {
            body: buf[body_start..end].to_vec(),
            payload_len,
            content_type,
        })
    }
}

/// Whether a MIME type is HTML (`text/html`, `application/xhtml+xml`, parameters allowed).
pub(crate) fn is_html(mime: Option<&str>) -> bool {
    mime.is_some_and(|m| {
        let m = m.trim_start().as_bytes();
        let starts = |p: &[u8]| m.len() >= p.len() && m[..p.len()].eq_ignore_ascii_case(p);
        starts(b"text/html") || starts(b"application/xhtml+xml")
    })
}

/// A page title from a post's text: its first 60 characters, whitespace collapsed, with an
/// ellipsis when cut; `None` for blank text.
pub(crate) fn title_from_text(text: &str) -> Option<String> {
    const MAX_CHARS: usize = 60;
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return None;
    }
    let mut title: String = words.chars().take(MAX_CHARS).collect();
    if words.chars().nth(MAX_CHARS).is_some() {
        title.push('…');
    }
    Some(title)
}

/// The offset just past the first `</title>` (case-insensitive) in `bytes`, if any.
fn title_end(bytes: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = bytes[from..].iter().position(|&b| b == b'<') {
        let at = from + at;
        let rest = &bytes[at..];
        if rest.len() >= 8 && rest[..7].eq_ignore_ascii_case(b"</title") {
            let close = rest.iter().position(|&b| b == b'>')?;
            return Some(at + close + 1);
        }
        from = at + 1;
    }
    None
}

/// The `<title>` of an HTML document by a plain scan (no DOM): whitespace collapsed, the
/// common character references decoded. `None` if absent or empty.
fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    let start = loop {
        let at = from + lower[from..].find("<title")?;
        let after = lower.as_bytes().get(at + 6).copied();
        if matches!(after, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')) {
            break at + lower[at..].find('>')? + 1;
        }
        from = at + 6;
    };
    let end = start + lower[start..].find("</title")?;
    let raw = html.get(start..end)?;
    let mut title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    for (entity, ch) in [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&apos;", "'"),
        ("&nbsp;", " "),
        ("&mdash;", "\u{2014}"),
        ("&ndash;", "\u{2013}"),
        ("&amp;", "&"),
    ] {
        if title.contains(entity) {
            title = title.replace(entity, ch);
        }
    }
    let title = title.trim().to_string();
    (!title.is_empty()).then_some(title)
}

/// The start of a gzip-encoded body, inflated until its `</title>` ends (or [`TITLE_SCAN_BYTES`]),
/// and the decoded length its gzip trailer gives (`ISIZE`), for a body that is one whole gzip
/// member. `None` (the caller then inflates it all) for any other encoding, a body of several
/// members, or one that does not inflate.
fn gzip_title_prefix(body: &[u8], encoding: Option<&str>) -> Option<(Vec<u8>, u64)> {
    if !encoding
        .is_some_and(|e| matches!(e.trim().to_ascii_lowercase().as_str(), "gzip" | "x-gzip"))
    {
        return None;
    }
    // A gzip member is at least a 10-byte header and an 8-byte trailer.
    if body.len() < 18 || body[..2] != [0x1f, 0x8b] {
        return None;
    }
    let trailer = &body[body.len() - 4..];
    let size = u64::from(u32::from_le_bytes([
        trailer[0], trailer[1], trailer[2], trailer[3],
    ]));
    let mut inflate = flate2::bufread::GzDecoder::new(body);
    let mut out: Vec<u8> = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 2 * 1024];
    let mut scanned = 0usize;
    loop {
        let n = match inflate.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        if n == 0 {
            // Inflated to its end: the member must fill the body and match its trailer, else
            // the body holds more than one member (whose sizes the last trailer does not give).
            let rest = inflate.into_inner();
            return (rest.is_empty() && out.len() as u64 == size).then_some((out, size));
        }
        out.extend_from_slice(&chunk[..n]);
        if title_end(&out[scanned.saturating_sub(16)..]).is_some() {
            break;
        }
        scanned = out.len();
        if out.len() >= TITLE_SCAN_BYTES {
            out.truncate(TITLE_SCAN_BYTES);
            break;
        }
    }
    // Stopped early: the trailer's size stands for the body when it is one member (a body of
    // several, which servers do not send, would be given its last member's size).
    (size >= out.len() as u64).then_some((out, size))
}

/// Undoes gzip/deflate content encoding for text extraction; anything else is returned as is.
fn decode_body(body: &[u8], encoding: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    let limit = MAX_PAGE_BYTES as u64;
    let ok = match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        Some("gzip" | "x-gzip") => flate2::read::MultiGzDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out)
            .is_ok(),
        Some("deflate") => flate2::read::ZlibDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out)
            .is_ok(),
        _ => return body.to_vec(),
    };
    if ok { out } else { body.to_vec() }
}

/// Copies `input` to `out`, adding the bytes copied to `done`.
pub(crate) fn copy_counting(
    input: &mut impl Read,
    out: &mut impl Write,
    done: &std::sync::atomic::AtomicU64,
) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        out.write_all(&buf[..n])?;
        done.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// `YYYY-MM-DDThh:mm:ssZ`: RFC 3339 without a fraction, as py-wacz parses it.
pub(crate) fn rfc3339(unix: i64) -> String {
    let t = WarcDate::from_unix(unix, 0).timestamp14();
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &t[0..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12],
        &t[12..14]
    )
}

pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The data directory's WACZ signing key (`ledger/wacz-signing.pem`), created on first use with
/// mode 0600.
pub fn wacz_signer(root: &Path) -> Result<AnonymousSigner, ArchiveError> {
    let path = root.join(LEDGER_DIR).join(WACZ_SIGNING_KEY);
    match fs::read_to_string(&path) {
        Ok(text) => {
            return AnonymousSigner::from_pkcs8_pem(&text)
                .map_err(|e| ArchiveError::Invalid(format!("{}: {e}", path.display())));
        }
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(ArchiveError::io(&path, e)),
        Err(_) => {}
    }
    let mut signer = None;
    for _ in 0..16 {
        let mut secret = [0u8; 48];
        getrandom::getrandom(&mut secret).map_err(|e| {
            ArchiveError::Invalid(format!("no OS randomness for the WACZ signing key: {e}"))
        })?;
        if let Ok(s) = AnonymousSigner::from_secret_bytes(&secret) {
            signer = Some(s);
            break;
        }
    }
    let signer =
        signer.ok_or_else(|| ArchiveError::Invalid("could not draw a P-384 signing key".into()))?;
    let pem = signer
        .to_pkcs8_pem()
        .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| ArchiveError::io(dir, e))?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(&path)
        .map_err(|e| ArchiveError::io(&path, e))?;
    f.write_all(pem.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| ArchiveError::io(&path, e))?;
    tracing::info!(
        "created the WACZ signing key {} (fingerprint {})",
        path.display(),
        signer.fingerprint()
    );
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_give_the_same_proofs_as_the_leaves() {
        let leaves: Vec<Hash> = (0u8..13).map(|i| [i; 32]).collect();
        let levels = Levels::new(leaves.clone());
        for size in 1..=13u64 {
            for index in 0..size {
                assert_eq!(
                    annals_ledger::inclusion_proof(&levels, index, size).unwrap(),
                    annals_ledger::inclusion_proof(&leaves, index, size).unwrap(),
                    "{index} of {size}"
                );
            }
        }
    }

    #[test]
    fn posts_are_titled_by_their_text() {
        assert_eq!(title_from_text("  \n "), None);
        assert_eq!(
            title_from_text("台风\n  登陆 today").as_deref(),
            Some("台风 登陆 today")
        );
        let long = "字".repeat(61);
        let t = title_from_text(&long).unwrap();
        assert_eq!(t.chars().count(), 61);
        assert!(t.ends_with("字…"));
        assert_eq!(title_from_text(&"字".repeat(60)).unwrap(), "字".repeat(60));
    }

    #[test]
    fn titles_by_scanning() {
        assert_eq!(
            html_title("<html><head><TITLE lang=en>\n  IANA &mdash; A &amp; B </title>").as_deref(),
            Some("IANA \u{2014} A & B")
        );
        assert_eq!(
            html_title("<titles>x</titles><title>y</title>").as_deref(),
            Some("y")
        );
        assert_eq!(html_title("<title></title>"), None);
        assert_eq!(html_title("<title>never closed"), None);
        assert_eq!(html_title("no title"), None);
    }

    #[test]
    fn title_ends() {
        let html = b"<html><TITLE>x</Title >rest";
        assert_eq!(title_end(html), Some(html.len() - 4));
        assert_eq!(title_end(b"<title>x</titl"), None);
        assert_eq!(title_end(b"<title>x</title"), None, "no closing >");
        assert_eq!(title_end(b"no title"), None);
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_bodies_are_inflated_up_to_their_title() {
        let mut html = b"<html><head><title>Gzipped &amp; titled</title></head><body>".to_vec();
        for i in 0..20_000 {
            html.extend_from_slice(format!("<p>paragraph {i}</p>").as_bytes());
        }
        let body = gzip(&html);
        let (prefix, size) = gzip_title_prefix(&body, Some("gzip")).unwrap();
        assert_eq!(size, html.len() as u64, "the trailer's size");
        assert!(prefix.len() < html.len(), "stopped after the title");
        assert_eq!(
            title_end(&prefix).map(|e| &prefix[..e]),
            Some(&b"<html><head><title>Gzipped &amp; titled</title>"[..])
        );
        // A short body inflated to its end: the same answer.
        let small = b"<title>x</title>".to_vec();
        let (prefix, size) = gzip_title_prefix(&gzip(&small), Some(" X-GZIP ")).unwrap();
        assert_eq!((prefix, size), (small.clone(), small.len() as u64));
        // Two members, both read: the last trailer does not give the size, so no answer.
        let mut two = gzip(b"<p>no title here</p>");
        two.extend_from_slice(&gzip(b"<p>nor here</p>"));
        assert_eq!(gzip_title_prefix(&two, Some("gzip")), None);
        // Other encodings, and bodies that are not gzip, go the full way.
        assert_eq!(gzip_title_prefix(&body, Some("deflate")), None);
        assert_eq!(gzip_title_prefix(&body, None), None);
        assert_eq!(
            gzip_title_prefix(b"<title>plain</title> ........", Some("gzip")),
            None
        );
        let mut broken = body.clone();
        broken[20] ^= 0xff;
        broken.truncate(40);
        assert_eq!(gzip_title_prefix(&broken, Some("gzip")), None);
    }

    #[test]
    fn partial_names() {
        assert_eq!(
            partial_path(Path::new("/x/out.wacz")),
            Path::new("/x/out.wacz.partial")
        );
    }
}

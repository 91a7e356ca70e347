//! `annals export wacz`: the archive (or the records since a time) as a WACZ 1.1.1 package that
//! carries its own evidence.
//!
//! Layout written:
//! - `archive/<name>.warc.gz`: without a filter, the archive's own WARC files copied byte for
//!   byte; with `--since`, one new WARC holding a `warcinfo` record and the selected records'
//!   stored gzip members, verbatim (a revisit's original comes along). STOREd, never
//!   recompressed.
//! - `indexes/index.cdxj` (small packages), or `indexes/index.cdx.gz` + `indexes/index.idx`
//!   (blocks of 1,024 lines, as py-wacz writes them) above [`PLAIN_INDEX_MAX_LINES`] lines.
//! - `pages/pages.jsonl`: one page per URL with an HTML 2xx response, at its first capture, with
//!   the title and readable text when they can be extracted.
//! - `annals/checkpoint` (the log's signed C2SP checkpoint), `annals/log.pub` (its verifier key)
//!   and `annals/proofs.jsonl`: for every exported record covered by the checkpoint, its ledger
//!   entry, where it lies in this WACZ, and its RFC 9162 inclusion proof. Anyone can hash the
//!   record's bytes at that place, compare with the entry, hash the entry into a leaf and walk
//!   the proof up to the signed root.
//! - `datapackage.json` and `datapackage-digest.json`, the latter with an anonymous ECDSA P-384
//!   `signedData` when signing; the key is `ledger/wacz-signing.pem` (created on first use, mode
//!   0600) and its fingerprint is reported, so it can be published.
//!
//! The ZIP is streamed to `OUT.partial` and renamed at the end: memory stays flat in the WARC
//! sizes (the index lines, pages and proofs of the selected records are held, not the records).

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use annals_ledger::{Entry, Hash, HashReader, LedgerError, node_hash};
use annals_model::Capture;
use annals_store::{CaptureFilter, CaptureOrder};
use annals_wacz::{
    AnonymousSigner, CDX_BLOCK_LINES, EntryCompression, Page, WaczMetadata, WaczWriter,
    pages_header, write_cdxj_gzip,
};
use annals_warc::{RecordBuilder, WarcDate, http, writer};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::ledger::LEDGER_DIR;
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
    /// Only the items of this watchlist (not supported yet: an error).
    pub list: Option<String>,
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
struct Levels(Vec<Vec<Hash>>);

impl Levels {
    fn new(leaves: Vec<Hash>) -> Levels {
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
        if let Some(list) = &opts.list {
            return Err(ArchiveError::Invalid(format!(
                "--list {list}: watchlists are not supported yet; export everything or use --since"
            )));
        }
        let signer = if opts.sign {
            Some(wacz_signer(self.root())?)
        } else {
            None
        };
        let mut report = WaczReport {
            out: out.display().to_string(),
            ..WaczReport::default()
        };

        // Evidence first: a checkpoint covering everything exported, if the log allows one.
        if let Err(e) = self.checkpoint().await {
            report.warnings.push(format!(
                "could not sign a new checkpoint ({e}); the last one is included"
            ));
        }
        let checkpoint = self.latest_checkpoint()?;
        if checkpoint.is_none() {
            report
                .warnings
                .push("the log has no checkpoint: no inclusion proofs included".into());
        }

        // What goes in.
        let all_files = opts.since.is_none();
        let mut selected = if all_files {
            self.captures(&CaptureFilter::default(), CaptureOrder::Archive, None)
                .await?
        } else {
            let filter = CaptureFilter {
                since: opts.since,
                ..CaptureFilter::default()
            };
            let mut list = self.captures(&filter, CaptureOrder::Archive, None).await?;
            list.retain(|c| c.record_type != "warcinfo");
            let ids: HashSet<String> = list.iter().map(|c| c.record_id.clone()).collect();
            let mut extra: Vec<Capture> = Vec::new();
            for c in list.iter().filter(|c| c.record_type == "revisit") {
                if let Some(id) = &c.refers_to
                    && !ids.contains(id)
                    && !extra.iter().any(|o| &o.record_id == id)
                    && let Some(o) = self.store.capture_by_record_id(id).await?
                {
                    extra.push(o);
                }
            }
            list.extend(extra);
            list.sort_by(|a, b| (&a.warc_file, a.offset).cmp(&(&b.warc_file, b.offset)));
            list
        };
        if selected.is_empty() {
            return Err(ArchiveError::NotFound(match opts.since {
                Some(_) => "anything captured since that time".into(),
                None => "anything: the archive is empty".into(),
            }));
        }

        let created = rfc3339(now_unix());
        let mut metadata = WaczMetadata::new(
            created.clone(),
            concat!("annals ", env!("CARGO_PKG_VERSION")),
        );
        metadata.title = opts.title.clone();
        metadata.description = Some(match opts.since {
            Some(t) => format!(
                "annals export of {} records captured since {}",
                selected.len(),
                rfc3339(t)
            ),
            None => format!(
                "annals export of the whole archive ({} records)",
                selected.len()
            ),
        });

        let tmp = partial_path(out);
        let warc_tmp = tmp.with_extension("warc.partial");
        let result = self
            .write_wacz(
                &tmp,
                &warc_tmp,
                metadata,
                &mut selected,
                all_files,
                checkpoint,
                signer.as_ref(),
                &opts,
                &mut report,
                progress,
            )
            .await;
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

    #[allow(clippy::too_many_arguments)]
    async fn write_wacz(
        &self,
        tmp: &Path,
        warc_tmp: &Path,
        metadata: WaczMetadata,
        selected: &mut [Capture],
        all_files: bool,
        checkpoint: Option<(u64, String)>,
        signer: Option<&AnonymousSigner>,
        opts: &WaczExportOptions,
        report: &mut WaczReport,
        progress: Progress<'_>,
    ) -> Result<(), ArchiveError> {
        let file = File::create(tmp).map_err(|e| ArchiveError::io(tmp, e))?;
        let display = tmp.display().to_string();
        let mut w = WaczWriter::new(BufWriter::with_capacity(1 << 20, file), &display, metadata);
        let wacz_err = |e: annals_wacz::WaczError| ArchiveError::Invalid(e.to_string());
        let io_err = |e: io::Error| ArchiveError::io(tmp, e);

        // archive/: where each selected record now lies (WACZ path, offset).
        let mut placed: HashMap<(String, u64), (String, u64)> = HashMap::new();
        let index_lines: Vec<String>;
        if all_files {
            let files = self.warc_files()?;
            let sizes: Vec<u64> = files
                .iter()
                .map(|n| {
                    let p = self.warc_dir().join(n);
                    fs::metadata(&p)
                        .map(|m| m.len())
                        .map_err(|e| ArchiveError::io(&p, e))
                })
                .collect::<Result<_, _>>()?;
            let total: u64 = sizes.iter().sum();
            let mut done = 0u64;
            for (name, size) in files.iter().zip(&sizes) {
                let path = self.warc_dir().join(name);
                let mut input = File::open(&path).map_err(|e| ArchiveError::io(&path, e))?;
                w.start_entry(
                    &format!("archive/{name}"),
                    EntryCompression::Stored,
                    *size >= u64::from(u32::MAX),
                )
                .map_err(wacz_err)?;
                copy_with_progress(&mut input, &mut w, &mut done, total, progress)
                    .map_err(|e| ArchiveError::io(&path, e))?;
                report.warc_bytes += size;
            }
            report.warc_files = files.len() as u64;
            for c in selected.iter() {
                placed.insert(
                    (c.warc_file.clone(), c.offset),
                    (format!("archive/{}", c.warc_file), c.offset),
                );
            }
            index_lines = self.cdxj_lines().await?;
        } else {
            // One new WARC of the selected members, indexed from its own bytes.
            let name = format!(
                "annals-export-{}.warc.gz",
                WarcDate::from_unix(now_unix(), 0).timestamp14()
            );
            let total: u64 = selected.iter().map(|c| c.length).sum();
            let mut done = 0u64;
            {
                let f = File::create(warc_tmp).map_err(|e| ArchiveError::io(warc_tmp, e))?;
                let mut out = BufWriter::with_capacity(1 << 20, f);
                let now = WarcDate::from_unix(now_unix(), 0);
                let info = RecordBuilder::new(
                    "warcinfo",
                    &format!("urn:uuid:{}", uuid::Uuid::new_v4()),
                    &now,
                )
                .field("WARC-Filename", &name)
                .content_type("application/warc-fields")
                .build(&writer::warc_fields(&[
                    ("software", concat!("annals/", env!("CARGO_PKG_VERSION"))),
                    ("format", "WARC File Format 1.1"),
                    (
                        "description",
                        &format!("annals export of {} records", selected.len()),
                    ),
                ]));
                let member = writer::gzip_member(&info, 6);
                out.write_all(&member)
                    .map_err(|e| ArchiveError::io(warc_tmp, e))?;
                let mut offset = member.len() as u64;
                for c in selected.iter() {
                    let member = self.read_member(c)?;
                    out.write_all(&member)
                        .map_err(|e| ArchiveError::io(warc_tmp, e))?;
                    placed.insert(
                        (c.warc_file.clone(), c.offset),
                        (format!("archive/{name}"), offset),
                    );
                    offset += member.len() as u64;
                    done += c.length;
                    progress(done / 2, total);
                }
                out.flush().map_err(|e| ArchiveError::io(warc_tmp, e))?;
                report.warc_bytes = offset;
            }
            report.warc_files = 1;
            let f = File::open(warc_tmp).map_err(|e| ArchiveError::io(warc_tmp, e))?;
            let (mut lines, error) =
                crate::replay::index_file(BufReader::with_capacity(1 << 20, f), &name);
            if let Some(e) = error {
                return Err(ArchiveError::Invalid(format!(
                    "the exported WARC does not read back: {e}"
                )));
            }
            lines.sort_unstable();
            lines.dedup();
            index_lines = lines;
            let mut input = File::open(warc_tmp).map_err(|e| ArchiveError::io(warc_tmp, e))?;
            w.start_entry(
                &format!("archive/{name}"),
                EntryCompression::Stored,
                report.warc_bytes >= u64::from(u32::MAX),
            )
            .map_err(wacz_err)?;
            let mut copied = 0u64;
            copy_with_progress(
                &mut input,
                &mut w,
                &mut copied,
                report.warc_bytes * 2,
                &|d, t| progress(total / 2 + d * total / t.max(1) / 2, total),
            )
            .map_err(|e| ArchiveError::io(warc_tmp, e))?;
        }
        report.records = selected.len() as u64;
        if !all_files {
            report.records += 1; // the new warcinfo record
        }

        // indexes/
        report.index_lines = index_lines.len() as u64;
        if index_lines.len() <= PLAIN_INDEX_MAX_LINES {
            report.index = "indexes/index.cdxj".into();
            w.start_entry(&report.index, EntryCompression::Deflated, false)
                .map_err(wacz_err)?;
            for line in &index_lines {
                w.write_all(line.as_bytes()).map_err(io_err)?;
                w.write_all(b"\n").map_err(io_err)?;
            }
        } else {
            report.index = "indexes/index.cdx.gz".into();
            w.start_entry(&report.index, EntryCompression::Stored, false)
                .map_err(wacz_err)?;
            let idx = write_cdxj_gzip(
                &mut w,
                index_lines.iter().map(String::as_str),
                CDX_BLOCK_LINES,
                "index.cdx.gz",
            )
            .map_err(io_err)?;
            w.add_entry(
                "indexes/index.idx",
                EntryCompression::Deflated,
                idx.as_bytes(),
            )
            .map_err(wacz_err)?;
        }
        drop(index_lines);

        // pages/
        let pages = self.pages(selected, opts.text);
        report.pages = pages.len() as u64;
        w.start_entry("pages/pages.jsonl", EntryCompression::Deflated, false)
            .map_err(wacz_err)?;
        let has_text = pages.iter().any(|p| p.text.is_some());
        w.write_all(pages_header(has_text).as_bytes())
            .map_err(io_err)?;
        for page in &pages {
            w.write_all(page.to_json_line().as_bytes())
                .map_err(io_err)?;
        }
        drop(pages);

        // annals/: the evidence.
        if let Some((size, note)) = &checkpoint {
            let status = self.ledger_status().await?;
            w.add_entry(
                "annals/checkpoint",
                EntryCompression::Deflated,
                note.as_bytes(),
            )
            .map_err(wacz_err)?;
            w.add_entry(
                "annals/log.pub",
                EntryCompression::Deflated,
                format!("{}\n", status.verifier_key).as_bytes(),
            )
            .map_err(wacz_err)?;
            let leaves = self.store.ledger_leaves().await?;
            let n = usize::try_from(*size)
                .unwrap_or(usize::MAX)
                .min(leaves.len());
            let mut at: HashMap<(&str, u64), u64> = HashMap::with_capacity(n);
            let mut hashes = Vec::with_capacity(n);
            for (i, (file, offset, hash)) in leaves.iter().take(n).enumerate() {
                at.insert((file.as_str(), *offset), i as u64);
                hashes.push(
                    annals_warc::digest::hex_decode(hash)
                        .and_then(|b| <[u8; 32]>::try_from(b).ok())
                        .unwrap_or([0; 32]),
                );
            }
            let levels = Levels::new(hashes);
            let actual = annals_ledger::tree_hash(&levels, *size).ok();
            let expected = note
                .split_once("\n\n")
                .and_then(|(body, _)| annals_ledger::Checkpoint::parse(&format!("{body}\n")).ok())
                .map(|cp| cp.root);
            if expected.is_none() || expected != actual {
                report.warnings.push(
                    "the index's ledger leaves do not match the checkpoint: run `annals verify`; no proofs included".into(),
                );
            } else {
                w.start_entry("annals/proofs.jsonl", EntryCompression::Deflated, false)
                    .map_err(wacz_err)?;
                for c in selected.iter() {
                    let Some(&index) = at.get(&(c.warc_file.as_str(), c.offset)) else {
                        report.unproven += 1;
                        continue;
                    };
                    let proof = annals_ledger::inclusion_proof(&levels, index, *size)
                        .map_err(|e| ArchiveError::Invalid(format!("ledger: {e}")))?;
                    let entry: Entry = crate::ledger::entry_for(c)?;
                    let entry = entry
                        .encode()
                        .map_err(|e| ArchiveError::Invalid(format!("ledger entry: {e}")))?;
                    let (path, offset) = placed
                        .get(&(c.warc_file.clone(), c.offset))
                        .cloned()
                        .unwrap_or_else(|| (format!("archive/{}", c.warc_file), c.offset));
                    let line = WaczProof {
                        format: WACZ_PROOF_FORMAT.into(),
                        record_id: c.record_id.clone(),
                        url: c.url.clone(),
                        path,
                        offset,
                        length: c.length,
                        entry: STANDARD.encode(&entry),
                        leaf_index: index,
                        tree_size: *size,
                        inclusion_proof: proof.iter().map(|h| STANDARD.encode(h)).collect(),
                    };
                    let mut text = serde_json::to_string(&line)
                        .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
                    text.push('\n');
                    w.write_all(text.as_bytes()).map_err(io_err)?;
                    report.proofs += 1;
                }
            }
            report.checkpoint_size = Some(*size);
        } else {
            report.unproven = selected.len() as u64;
        }
        if report.unproven > 0 {
            report.warnings.push(format!(
                "{} exported records have no inclusion proof (archived after the checkpoint or not in the log)",
                report.unproven
            ));
        }

        let (out, summary) = w.finish(signer).map_err(wacz_err)?;
        let file = out
            .into_inner()
            .map_err(|e| ArchiveError::io(tmp, e.into_error()))?;
        file.sync_all().map_err(|e| ArchiveError::io(tmp, e))?;
        report.datapackage_hash = summary.datapackage_hash;
        report.signer_fingerprint = summary.signer_fingerprint;
        Ok(())
    }

    /// One page per URL with an HTML 2xx response among `selected`, at its first capture.
    fn pages(&self, selected: &[Capture], with_text: bool) -> Vec<Page> {
        let mut firsts: HashMap<&str, &Capture> = HashMap::new();
        for c in selected {
            let (Some(url), Some(status)) = (c.url.as_deref(), c.status) else {
                continue;
            };
            let html = c.mime.as_deref().is_some_and(|m| {
                let m = m.to_ascii_lowercase();
                m.starts_with("text/html") || m.starts_with("application/xhtml+xml")
            });
            if c.record_type != "response" || !(200..300).contains(&status) || !html {
                continue;
            }
            firsts
                .entry(url)
                .and_modify(|f| {
                    if c.unix_time < f.unix_time {
                        *f = c;
                    }
                })
                .or_insert(c);
        }
        let mut chosen: Vec<&Capture> = firsts.into_values().collect();
        chosen.sort_by(|a, b| (a.unix_time, &a.url).cmp(&(b.unix_time, &b.url)));
        chosen
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let url = c.url.clone().unwrap_or_default();
                let ts = WarcDate::parse(&c.date)
                    .map(|d| rfc3339(d.unix))
                    .unwrap_or_else(|| c.date.clone());
                let mut page = Page::new(url.clone(), ts);
                page.id = Some(format!("p{i}"));
                if let Ok(record) = self.read_record(c)
                    && let Some(head) = http::parse_head(&record.block)
                {
                    let body = http::payload(&record.block, &head);
                    let encoding = head.header("content-encoding").map(|e| e.to_string());
                    let body = decode_body(&body, encoding.as_deref());
                    page.size = Some(body.len() as u64);
                    let content_type = head.header("content-type").map(|t| t.to_string());
                    let limit = if with_text {
                        MAX_PAGE_BYTES
                    } else {
                        TITLE_SCAN_BYTES
                    };
                    let body = &body[..body.len().min(limit)];
                    let (html, _) =
                        annals_platforms::web::decode_html(body, content_type.as_deref(), &url);
                    if with_text {
                        let extracted = annals_platforms::web::extract(&html, &url);
                        page.title = extracted.title;
                        if !extracted.text.is_empty() {
                            page.text = Some(extracted.text);
                        }
                    } else {
                        page.title = html_title(&html);
                    }
                }
                page
            })
            .collect()
    }
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

fn copy_with_progress(
    input: &mut impl Read,
    out: &mut impl Write,
    done: &mut u64,
    total: u64,
    progress: Progress<'_>,
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
        *done += n as u64;
        progress(*done, total);
    }
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// `YYYY-MM-DDThh:mm:ssZ`: RFC 3339 without a fraction, as py-wacz parses it.
fn rfc3339(unix: i64) -> String {
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

fn now_unix() -> i64 {
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
    fn partial_names() {
        assert_eq!(
            partial_path(Path::new("/x/out.wacz")),
            Path::new("/x/out.wacz.partial")
        );
    }
}

//! The `--since`, `--list` and one-item `annals export wacz`, streamed: memory stays capped
//! whatever the selection's size.
//!
//! The selection is never held. It is a streaming query (`--since`: the records captured since
//! then and their revisits' originals, chosen by SQL) or, for watched items, a filter over the
//! archive's rows in archive order built from 16-byte keys of the chosen record ids (what the
//! items' observations name, found as before). It is streamed three times: once to count it
//! (the new WARC's `warcinfo` record names the count), once to copy its records' gzip members
//! into one new WARC, and, for `--since`, once in capture-time order for the pages.
//!
//! - the new WARC is written to a temporary file, then indexed from its own bytes: the CDXJ
//!   lines are sorted externally (runs of a few MB spilled to temporary files, then merged) and
//!   compressed in blocks as they come out of the merge;
//! - the proofs: one pass over the log's leaves keeps the root of every complete 256-leaf chunk
//!   and the last partial chunk, checks them against the signed root, writes the leaf hashes to
//!   a temporary file (32 bytes each, read back a chunk at a time) and sorts the leaves'
//!   locations externally; the records copied are then matched to their leaves by a merge in
//!   archive order, checked against the stored leaf, and proved;
//! - the pages: `--since`, the first HTML 2xx capture per URL (a 16-byte key per page URL);
//!   watched items, one page per item, made as they are written.
//!
//! Index, proofs and pages are written into parts merged into the package as they are, as the
//! whole-archive export does.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};

use annals_ledger::{Hash, HashReader};
use annals_model::Capture;
use annals_store::{CaptureFilter, CaptureOrder, StoreError};
use annals_wacz::{
    AnonymousSigner, CDX_BLOCK_LINES, CdxjGzipWriter, EntryCompression, Page, WaczMetadata,
    WaczWriter, WrittenResource, pages_header,
};
use annals_warc::{WarcDate, writer};

use crate::spill::{ExternalSort, RUN_BYTES};
use crate::wacz_export::{
    Levels, PLAIN_INDEX_MAX_LINES, ProofLine, WaczExportOptions, WaczReport, now_unix,
    push_proof_line, rfc3339, title_from_text,
};
use crate::wacz_stream::{
    CHUNK, ChunkedTree, Evidence, Failure, Part, blocking, chunk_root, end_part, new_part, sibling,
};
use crate::{Archive, ArchiveError, Progress};

/// Selected records handed from the copy to the proofs at a time.
const BATCH: usize = 256;

/// 128-bit keys of strings (two independently seeded SipHashes): collisions are out of reach,
/// and no string is held.
pub(crate) struct Keys(
    std::collections::hash_map::RandomState,
    std::collections::hash_map::RandomState,
);

impl Keys {
    pub(crate) fn new() -> Keys {
        Keys(
            std::collections::hash_map::RandomState::new(),
            std::collections::hash_map::RandomState::new(),
        )
    }

    pub(crate) fn key(&self, s: &str) -> u128 {
        let (mut a, mut b) = (self.0.build_hasher(), self.1.build_hasher());
        a.write(s.as_bytes());
        b.write(s.as_bytes());
        (u128::from(a.finish()) << 64) | u128::from(b.finish())
    }
}

/// A record id without its angle brackets.
fn bare(id: &str) -> &str {
    id.trim().trim_matches(['<', '>'])
}

/// What a subset export selects.
pub(crate) enum Subset {
    /// Records captured at or after this time, and the originals of their revisits.
    Since(i64),
    /// The records of watched items, and a page per observed item.
    Items(ItemsSelection),
}

/// The records of some watched items: their observations' responses and revisits (by key of the
/// bare record id), the requests concurrent to those, and the revisits' originals (by key of
/// the exact id). Per item: its first observation, for its page.
/// A watched item as an export reads it: (item id, canonical URL).
pub(crate) type WatchedItem = (i64, String);

pub(crate) struct ItemsSelection {
    keys: Keys,
    chosen: HashSet<u128>,
    originals: HashSet<u128>,
    /// (item id, canonical URL)
    items: Vec<WatchedItem>,
    /// (item, first observation time, the URL its first response fetched, if known)
    observed: Vec<(usize, i64, Option<String>)>,
    with_text: bool,
}

impl ItemsSelection {
    /// Items observed (each has a page).
    pub(crate) fn observed_items(&self) -> usize {
        self.observed.len()
    }
}

/// The leaves' locations, sorted, as a merge in archive order reads them.
struct LeafFinder {
    sorted: std::iter::Peekable<crate::spill::Sorted>,
}

/// A location key: the file name, a NUL (never in a name), offset and leaf index big-endian,
/// so byte order is (file, offset) order, SQLite's `ORDER BY warc_file, warc_offset`.
fn location_key(file: &str, offset: u64, index: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(file.len() + 17);
    key.extend_from_slice(file.as_bytes());
    key.push(0);
    key.extend_from_slice(&offset.to_be_bytes());
    key.extend_from_slice(&index.to_be_bytes());
    key
}

fn split_location(key: &[u8]) -> Option<(&[u8], u64, u64)> {
    let (file, rest) = key.split_at_checked(key.len().checked_sub(17)?)?;
    let offset = u64::from_be_bytes(rest.get(1..9)?.try_into().ok()?);
    let index = u64::from_be_bytes(rest.get(9..17)?.try_into().ok()?);
    (rest[0] == 0).then_some((file, offset, index))
}

impl LeafFinder {
    /// The leaf at `c`'s file and offset; records must come in archive order.
    fn leaf_of(&mut self, c: &Capture) -> io::Result<Option<u64>> {
        let want = (c.warc_file.as_bytes(), c.offset);
        loop {
            let Some(next) = self.sorted.peek() else {
                return Ok(None);
            };
            let key = match next {
                Ok(key) => key,
                Err(_) => {
                    return Err(self
                        .sorted
                        .next()
                        .and_then(Result::err)
                        .unwrap_or_else(|| io::Error::other("leaf locations")));
                }
            };
            let Some((file, offset, index)) = split_location(key) else {
                self.sorted.next();
                continue;
            };
            match (file, offset).cmp(&want) {
                std::cmp::Ordering::Less => {
                    self.sorted.next();
                }
                std::cmp::Ordering::Equal => return Ok(Some(index)),
                std::cmp::Ordering::Greater => return Ok(None),
            }
        }
    }
}

impl Archive {
    /// The records of `items` (each observation's responses and revisits, their requests and
    /// revisit originals) and a page per observed item: what `--list` exports, for any set of
    /// items. One pass over the archive's rows; `what` names the items when none was observed.
    pub(crate) async fn items_selection(
        &self,
        items: Vec<WatchedItem>,
        what: &str,
        since: Option<i64>,
        with_text: bool,
    ) -> Result<ItemsSelection, ArchiveError> {
        let keys = Keys::new();
        let urls: HashSet<&str> = items.iter().map(|(_, url)| url.as_str()).collect();

        // Each observation's first response, per item.
        let mut responses: HashSet<u128> = HashSet::new();
        // (item, first observation time, its first response's record id)
        let mut firsts: Vec<(usize, i64, String)> = Vec::new();
        for (n, (item_id, _)) in items.iter().enumerate() {
            let observations = self.store.observations(*item_id).await?;
            let mut first = None;
            for o in observations {
                if since.is_some_and(|t| o.observed_at < t) || o.record_id.is_empty() {
                    continue;
                }
                let id = bare(&o.record_id);
                first.get_or_insert_with(|| (o.observed_at, id.to_string()));
                responses.insert(keys.key(id));
            }
            if let Some((t, id)) = first {
                firsts.push((n, t, id));
            }
        }
        // Where each item's first observation was captured: its page's URL, replayable.
        let first_of: HashMap<&str, usize> = firsts
            .iter()
            .enumerate()
            .map(|(i, (_, _, id))| (id.as_str(), i))
            .collect();
        let mut first_url: Vec<Option<String>> = vec![None; firsts.len()];

        // Later responses of those observations by WARC-Concurrent-To, in archive order, each
        // checked for its Annals-Item in the record itself.
        let mut chosen: HashSet<u128> = HashSet::new();
        let mut originals: HashSet<u128> = HashSet::new();
        let mut failure = Failure(None);
        let mut each = |c: Capture| -> Result<(), StoreError> {
            let id = bare(&c.record_id);
            if let Some(&i) = first_of.get(id)
                && first_url[i].is_none()
            {
                first_url[i] = c.url.clone();
            }
            if !matches!(c.record_type.as_str(), "response" | "revisit") {
                return Ok(());
            }
            let key = keys.key(id);
            if let Some(to) = &c.concurrent_to
                && responses.contains(&keys.key(bare(to)))
            {
                responses.insert(key);
            }
            if !responses.contains(&key) {
                return Ok(());
            }
            let record = self.read_record(&c).map_err(|e| failure.stop(e))?;
            if record
                .header
                .get("Annals-Item")
                .is_some_and(|item| urls.contains(item.trim()))
            {
                chosen.insert(key);
                if c.record_type == "revisit"
                    && let Some(original) = &c.refers_to
                {
                    originals.insert(keys.key(original));
                }
            }
            Ok(())
        };
        self.store
            .for_each_capture(&CaptureFilter::default(), CaptureOrder::Archive, &mut each)
            .await
            .map_err(|e| std::mem::replace(&mut failure, Failure(None)).or(e))?;
        if chosen.is_empty() {
            return Err(ArchiveError::NotFound(format!(
                "any observation of {what}{}",
                if since.is_some() {
                    " since that time"
                } else {
                    ""
                }
            )));
        }
        drop(first_of);
        let mut observed: Vec<(usize, i64, Option<String>)> = firsts
            .into_iter()
            .zip(first_url)
            .map(|((n, t, _), url)| (n, t, url))
            .collect();
        observed.sort_by_key(|(n, t, _)| (*t, *n));
        Ok(ItemsSelection {
            keys,
            chosen,
            originals,
            items,
            observed,
            with_text,
        })
    }

    /// Calls `each` on every selected record, in archive order.
    fn for_each_selected(
        &self,
        handle: &tokio::runtime::Handle,
        subset: &Subset,
        each: &mut (dyn FnMut(Capture) -> Result<(), ArchiveError> + Send),
    ) -> Result<(), ArchiveError> {
        let mut failure = Failure(None);
        let result = match subset {
            Subset::Since(since) => {
                let mut pass = |c: Capture| each(c).map_err(|e| failure.stop(e));
                handle.block_on(self.store.for_each_capture_since(
                    *since,
                    CaptureOrder::Archive,
                    &mut pass,
                ))
            }
            Subset::Items(sel) => {
                // An original is exported once, at its first capture.
                let mut taken: HashSet<u128> = HashSet::new();
                let mut pass = |c: Capture| {
                    let id = sel.keys.key(bare(&c.record_id));
                    let mut wanted = sel.chosen.contains(&id)
                        || (c.record_type == "request"
                            && c.concurrent_to
                                .as_deref()
                                .is_some_and(|to| sel.chosen.contains(&sel.keys.key(bare(to)))));
                    if !sel.originals.is_empty() {
                        let exact = sel.keys.key(&c.record_id);
                        if sel.originals.contains(&exact) && taken.insert(exact) {
                            wanted = true;
                        }
                    }
                    if wanted {
                        each(c).map_err(|e| failure.stop(e))
                    } else {
                        Ok(())
                    }
                };
                handle.block_on(self.store.for_each_capture(
                    &CaptureFilter::default(),
                    CaptureOrder::Archive,
                    &mut pass,
                ))
            }
        };
        result.map_err(|e| failure.or(e))
    }

    /// Writes the selected records as a WACZ to `tmp` (the new WARC is made in `warc_tmp`); see
    /// the [module documentation](self). `describe` gives the package's description from the
    /// number of records selected.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_subset_wacz(
        &self,
        tmp: &Path,
        warc_tmp: &Path,
        mut metadata: WaczMetadata,
        subset: Subset,
        describe: &(dyn Fn(u64) -> String + Sync),
        checkpoint: Option<(u64, String)>,
        signer: Option<&AnonymousSigner>,
        opts: &WaczExportOptions,
        report: &mut WaczReport,
        progress: Progress<'_>,
    ) -> Result<(), ArchiveError> {
        let verifier_key = match &checkpoint {
            Some(_) => Some(self.ledger_status().await?.verifier_key),
            None => None,
        };
        let handle = tokio::runtime::Handle::current();
        let started = std::time::Instant::now();
        let phase = |what: &str| {
            tracing::debug!(
                "export wacz: {what} at {:.3}s",
                started.elapsed().as_secs_f64()
            );
        };
        let evidence_path = sibling(tmp, ".evidence");
        let pages_path = sibling(tmp, ".pages");
        let index_path = sibling(tmp, ".index");

        let result = blocking(|| -> Result<(), ArchiveError> {
            // The count, for the warcinfo record and the description.
            let (mut selected, mut total) = (0u64, 0u64);
            self.for_each_selected(&handle, &subset, &mut |c| {
                selected += 1;
                total += c.length;
                Ok(())
            })?;
            if selected == 0 {
                return Err(ArchiveError::NotFound(
                    "anything captured since that time".into(),
                ));
            }
            phase("selection counted");
            metadata.description = Some(describe(selected));
            let file = File::create(tmp).map_err(|e| ArchiveError::io(tmp, e))?;
            let mut w = WaczWriter::new(
                BufWriter::with_capacity(1 << 20, file),
                &tmp.display().to_string(),
                metadata.clone(),
            );
            let name = format!(
                "annals-export-{}.warc.gz",
                WarcDate::from_unix(now_unix(), 0).timestamp14()
            );
            let in_package = format!("archive/{name}");

            let (parts, facts) = std::thread::scope(|scope| {
                let (send, batches) = sync_channel::<Vec<(Capture, u64)>>(8);
                let evidence = scope.spawn(|| {
                    self.subset_evidence(
                        &handle,
                        &evidence_path,
                        &metadata,
                        checkpoint.as_ref(),
                        verifier_key.as_deref(),
                        &in_package,
                        batches,
                    )
                });
                let pages = scope.spawn(|| match &subset {
                    Subset::Since(since) => {
                        self.pages_part(&handle, &pages_path, &metadata, opts, Some(*since))
                    }
                    Subset::Items(sel) => {
                        self.items_pages_part(&handle, &pages_path, &metadata, sel)
                    }
                });

                // archive/: one new WARC of the selected members.
                let copied = (|| -> Result<u64, ArchiveError> {
                    let f = File::create(warc_tmp).map_err(|e| ArchiveError::io(warc_tmp, e))?;
                    let mut out = BufWriter::with_capacity(1 << 20, f);
                    let now = WarcDate::from_unix(now_unix(), 0);
                    let info = crate::replay::export_warcinfo(&name, selected, &now);
                    let member = writer::gzip_member(&info, 6);
                    out.write_all(&member)
                        .map_err(|e| ArchiveError::io(warc_tmp, e))?;
                    let mut offset = member.len() as u64;
                    let mut done = 0u64;
                    let mut batch: Vec<(Capture, u64)> = Vec::with_capacity(BATCH);
                    let mut written = 0u64;
                    let mut proofs_gone = false;
                    self.for_each_selected(&handle, &subset, &mut |c| {
                        let member = self.read_member(&c)?;
                        out.write_all(&member)
                            .map_err(|e| ArchiveError::io(warc_tmp, e))?;
                        done += c.length;
                        written += 1;
                        progress(done / 2, total);
                        let at = offset;
                        offset += member.len() as u64;
                        if !proofs_gone {
                            batch.push((c, at));
                            if batch.len() == BATCH {
                                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                                // The proofs failed: they report why.
                                proofs_gone = send.send(full).is_err();
                            }
                        }
                        Ok(())
                    })?;
                    if !batch.is_empty() {
                        let _ = send.send(batch);
                    }
                    drop(send);
                    out.flush().map_err(|e| ArchiveError::io(warc_tmp, e))?;
                    if written != selected {
                        return Err(ArchiveError::Invalid(format!(
                            "the selection changed during the export ({selected} records, then {written})"
                        )));
                    }
                    report.warc_bytes = offset;
                    Ok(written)
                })();
                let written = match copied {
                    Ok(n) => n,
                    Err(e) => {
                        // Let the other threads end before reporting.
                        let _ = evidence.join();
                        let _ = pages.join();
                        return Err(e);
                    }
                };
                phase("new WARC written");
                report.warc_files = 1;
                report.records = written + 1; // and the new warcinfo record

                // indexes/, from the new WARC's own bytes, while they are copied into the package.
                let index =
                    scope.spawn(|| self.subset_index_part(&index_path, &metadata, warc_tmp, &name));
                let mut input = File::open(warc_tmp).map_err(|e| ArchiveError::io(warc_tmp, e))?;
                w.start_entry(
                    &in_package,
                    EntryCompression::Stored,
                    report.warc_bytes >= u64::from(u32::MAX),
                )
                .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
                let bytes = report.warc_bytes.max(1);
                let done = std::sync::atomic::AtomicU64::new(0);
                crate::wacz_export::copy_counting(&mut input, &mut w, &done)
                    .map_err(|e| ArchiveError::io(warc_tmp, e))?;
                progress(total / 2 + done.into_inner() * (total / 2) / bytes, total);
                phase("new WARC copied");

                let index = index
                    .join()
                    .map_err(|_| ArchiveError::Invalid("writing the index panicked".into()))?;
                let evidence = evidence
                    .join()
                    .map_err(|_| ArchiveError::Invalid("writing the proofs panicked".into()))?;
                let pages = pages
                    .join()
                    .map_err(|_| ArchiveError::Invalid("reading the pages panicked".into()))?;
                let (index_resources, index_name, index_lines) = index?;
                let (evidence_resources, evidence) = evidence?;
                let (pages_resources, n_pages) = pages?;
                phase("parts written");
                Ok((
                    [
                        (&index_path, index_resources),
                        (&evidence_path, evidence_resources),
                        (&pages_path, pages_resources),
                    ],
                    (index_name, index_lines, evidence, n_pages),
                ))
            })?;
            crate::wacz_stream::finish_package(w, parts, facts, signer, tmp, report, &phase)
        });
        let _ = fs::remove_file(&evidence_path);
        let _ = fs::remove_file(&pages_path);
        let _ = fs::remove_file(&index_path);
        result
    }

    /// The index part of a subset export: the new WARC indexed from its bytes, the lines sorted
    /// externally. Returns the resources, the index entry and its lines.
    fn subset_index_part(
        &self,
        path: &Path,
        metadata: &WaczMetadata,
        warc: &Path,
        name: &str,
    ) -> Result<(Vec<WrittenResource>, String, u64), ArchiveError> {
        let wacz_err = |e: annals_wacz::WaczError| ArchiveError::Invalid(e.to_string());
        let io_err = |e: io::Error| ArchiveError::io(path, e);
        let f = File::open(warc).map_err(|e| ArchiveError::io(warc, e))?;
        let mut sort = ExternalSort::new(&sibling(path, ".lines"), RUN_BYTES, true);
        let mut spilled: io::Result<()> = Ok(());
        let error = crate::replay::index_file_each(
            BufReader::with_capacity(1 << 20, f),
            name,
            &mut |line| {
                if spilled.is_ok() {
                    spilled = sort.push(line.into_bytes());
                }
            },
        );
        if let Some(e) = error {
            return Err(ArchiveError::Invalid(format!(
                "the exported WARC does not read back: {e}"
            )));
        }
        spilled.map_err(io_err)?;
        let sorted = sort.finish().map_err(io_err)?;
        // Plain up to PLAIN_INDEX_MAX_LINES lines, else compressed in blocks: the first lines
        // are held until the choice is made.
        let mut head: Vec<String> = Vec::new();
        let mut gz: Option<CdxjGzipWriter<Part>> = None;
        let mut part = Some(new_part(path, metadata)?);
        for line in sorted {
            let line = line.map_err(io_err)?;
            let line = String::from_utf8(line)
                .map_err(|_| ArchiveError::Invalid("an index line is not UTF-8".into()))?;
            match &mut gz {
                Some(gz) => gz.push(&line).map_err(io_err)?,
                None if head.len() < PLAIN_INDEX_MAX_LINES => head.push(line),
                None => {
                    let mut p = part
                        .take()
                        .ok_or_else(|| ArchiveError::Invalid("writing the index failed".into()))?;
                    p.start_entry("indexes/index.cdx.gz", EntryCompression::Stored, false)
                        .map_err(wacz_err)?;
                    let mut g = CdxjGzipWriter::new(p, CDX_BLOCK_LINES, "index.cdx.gz");
                    for l in head.drain(..) {
                        g.push(&l).map_err(io_err)?;
                    }
                    g.push(&line).map_err(io_err)?;
                    gz = Some(g);
                }
            }
        }
        let (part, index, lines) = match gz {
            Some(g) => {
                let lines = g.lines();
                let (mut p, idx) = g.finish_into().map_err(io_err)?;
                p.add_entry(
                    "indexes/index.idx",
                    EntryCompression::Deflated,
                    idx.as_bytes(),
                )
                .map_err(wacz_err)?;
                (p, "indexes/index.cdx.gz".to_owned(), lines)
            }
            None => {
                let mut p = part
                    .take()
                    .ok_or_else(|| ArchiveError::Invalid("writing the index failed".into()))?;
                let index = "indexes/index.cdxj".to_owned();
                p.start_entry(&index, EntryCompression::Deflated, false)
                    .map_err(wacz_err)?;
                for l in &head {
                    p.write_all(l.as_bytes()).map_err(io_err)?;
                    p.write_all(b"\n").map_err(io_err)?;
                }
                (p, index, head.len() as u64)
            }
        };
        Ok((end_part(part, path)?, index, lines))
    }

    /// The pages part of a watched items' export: a page per observed item, titled by its latest
    /// content version, at the URL its first observation fetched (what the package can replay;
    /// the item's canonical URL when that record is unknown).
    fn items_pages_part(
        &self,
        handle: &tokio::runtime::Handle,
        path: &Path,
        metadata: &WaczMetadata,
        sel: &ItemsSelection,
    ) -> Result<(Vec<WrittenResource>, u64), ArchiveError> {
        let io_err = |e: io::Error| ArchiveError::io(path, e);
        let mut part = new_part(path, metadata)?;
        part.start_entry("pages/pages.jsonl", EntryCompression::Deflated, false)
            .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
        part.write_all(pages_header(sel.with_text).as_bytes())
            .map_err(io_err)?;
        for (i, (n, t, url)) in sel.observed.iter().enumerate() {
            let (item_id, item_url) = &sel.items[*n];
            let url = url.clone().unwrap_or_else(|| item_url.clone());
            let mut page = Page::new(url, rfc3339(*t));
            page.id = Some(format!("p{i}"));
            let contents = handle.block_on(self.store.contents(*item_id))?;
            // Posts have no title (a Weibo status is its text): their text's opening stands in.
            page.title = contents
                .iter()
                .rev()
                .find_map(|c| c.title.clone().filter(|t| !t.trim().is_empty()))
                .or_else(|| {
                    contents
                        .iter()
                        .rev()
                        .find_map(|c| c.body.as_deref().and_then(title_from_text))
                });
            if sel.with_text
                && let Some(body) = contents.iter().rev().find_map(|c| c.body.clone())
                && !body.is_empty()
            {
                page.text = Some(body);
            }
            part.write_all(page.to_json_line().as_bytes())
                .map_err(io_err)?;
        }
        Ok((end_part(part, path)?, sel.observed.len() as u64))
    }

    /// The evidence part of a subset export: the checkpoint, the log's key and a proof for each
    /// record the copy hands over (with its offset in the new WARC, `path` in the package).
    #[allow(clippy::too_many_arguments)]
    fn subset_evidence(
        &self,
        handle: &tokio::runtime::Handle,
        path: &Path,
        metadata: &WaczMetadata,
        checkpoint: Option<&(u64, String)>,
        verifier_key: Option<&str>,
        in_package: &str,
        batches: Receiver<Vec<(Capture, u64)>>,
    ) -> Result<(Vec<WrittenResource>, Evidence), ArchiveError> {
        let wacz_err = |e: annals_wacz::WaczError| ArchiveError::Invalid(e.to_string());
        let io_err = |e: io::Error| ArchiveError::io(path, e);
        let mut found = Evidence::default();
        let mut part = new_part(path, metadata)?;
        let unproven = |found: &mut Evidence, batches: Receiver<Vec<(Capture, u64)>>| {
            for batch in batches {
                found.unproven += batch.len() as u64;
            }
        };
        let Some((size, note)) = checkpoint else {
            unproven(&mut found, batches);
            return Ok((end_part(part, path)?, found));
        };
        let size = *size;
        found.checkpoint_size = Some(size);
        part.add_entry(
            "annals/checkpoint",
            EntryCompression::Deflated,
            note.as_bytes(),
        )
        .map_err(wacz_err)?;
        part.add_entry(
            "annals/log.pub",
            EntryCompression::Deflated,
            format!("{}\n", verifier_key.unwrap_or_default()).as_bytes(),
        )
        .map_err(wacz_err)?;

        // The leaves: chunk roots and the tail kept, hashes to a file, locations sorted.
        let hashes_path = sibling(path, ".leaves");
        let outcome = (|| -> Result<(), ArchiveError> {
            let expected = note
                .split_once("\n\n")
                .and_then(|(body, _)| annals_ledger::Checkpoint::parse(&format!("{body}\n")).ok())
                .map(|cp| cp.root);
            let mut hashes = BufWriter::with_capacity(
                1 << 16,
                File::create(&hashes_path).map_err(|e| ArchiveError::io(&hashes_path, e))?,
            );
            let mut locations = ExternalSort::new(&sibling(path, ".where"), RUN_BYTES, false);
            let mut tops: Vec<Hash> = Vec::new();
            let mut chunk: Vec<Hash> = Vec::with_capacity(CHUNK);
            let mut leaves = 0u64;
            let mut failure = Failure(None);
            let mut each = |(file, offset, hex): annals_store::LeafRow| -> Result<(), StoreError> {
                let hash = annals_warc::digest::hex_decode(&hex)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .unwrap_or([0; 32]);
                let step = |locations: &mut ExternalSort,
                            hashes: &mut BufWriter<File>|
                 -> io::Result<()> {
                    hashes.write_all(&hash)?;
                    locations.push(location_key(&file, offset, leaves))
                };
                step(&mut locations, &mut hashes)
                    .map_err(|e| failure.stop(ArchiveError::io(&hashes_path, e)))?;
                chunk.push(hash);
                leaves += 1;
                if chunk.len() == CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    tops.extend(chunk_root(full));
                }
                Ok(())
            };
            handle
                .block_on(self.store.for_each_leaf(size, &mut each))
                .map_err(|e| std::mem::replace(&mut failure, Failure(None)).or(e))?;
            hashes
                .flush()
                .map_err(|e| ArchiveError::io(&hashes_path, e))?;
            drop(hashes);
            let mut tree = ChunkedTree {
                upper: Levels::new(tops),
                tail_chunk: leaves / CHUNK as u64,
                tail: Levels::new(chunk),
                current: None,
            };
            let root_ok = leaves == size
                && expected.is_some()
                && annals_ledger::tree_hash(&tree, size).ok() == expected;
            if !root_ok {
                found.warnings.push(
                    "the index's ledger leaves do not match the checkpoint: run `annals verify`; no proofs included".into(),
                );
                return Ok(());
            }
            let mut finder = LeafFinder {
                sorted: locations.finish().map_err(io_err)?.peekable(),
            };
            let mut stored =
                File::open(&hashes_path).map_err(|e| ArchiveError::io(&hashes_path, e))?;

            part.start_entry("annals/proofs.jsonl", EntryCompression::Deflated, false)
                .map_err(wacz_err)?;
            let mut text: Vec<u8> = Vec::with_capacity(1 << 20);
            let mut mismatched = 0u64;
            let mut raw = vec![0u8; CHUNK * 32];
            while let Ok(batch) = batches.recv() {
                for (c, offset) in &batch {
                    let Some(index) = finder.leaf_of(c).map_err(io_err)? else {
                        found.unproven += 1;
                        continue;
                    };
                    let chunk_index = index / CHUNK as u64;
                    if chunk_index != tree.tail_chunk
                        && tree.current.as_ref().map(|(k, _)| *k) != Some(chunk_index)
                    {
                        stored
                            .seek(SeekFrom::Start(chunk_index * (CHUNK as u64) * 32))
                            .and_then(|_| stored.read_exact(&mut raw))
                            .map_err(|e| ArchiveError::io(&hashes_path, e))?;
                        let leaves: Vec<Hash> = raw
                            .chunks_exact(32)
                            .map(|h| <[u8; 32]>::try_from(h).unwrap_or([0; 32]))
                            .collect();
                        tree.current = Some((chunk_index, Levels::new(leaves)));
                    }
                    let entry = crate::ledger::entry_for(c, index, self.entry_v2_from)?
                        .encode()
                        .map_err(|e| ArchiveError::Invalid(format!("ledger entry: {e}")))?;
                    if tree.subtree_hash(0, index).ok() != Some(annals_ledger::leaf_hash(&entry)) {
                        found.unproven += 1;
                        mismatched += 1;
                        continue;
                    }
                    let proof = annals_ledger::inclusion_proof(&tree, index, size)
                        .map_err(|e| ArchiveError::Invalid(format!("ledger: {e}")))?;
                    push_proof_line(
                        &mut text,
                        ProofLine {
                            c,
                            path: in_package,
                            offset: *offset,
                            entry: &entry,
                            leaf_index: index,
                            tree_size: size,
                            proof: &proof,
                        },
                    );
                    found.proofs += 1;
                }
                if text.len() >= 1 << 20 {
                    part.write_all(&text).map_err(io_err)?;
                    text.clear();
                }
            }
            part.write_all(&text).map_err(io_err)?;
            if mismatched > 0 {
                found.warnings.push(format!(
                    "{mismatched} records do not match their ledger leaves: run `annals verify`; they have no proof"
                ));
            }
            Ok(())
        })();
        let _ = fs::remove_file(&hashes_path);
        // Whatever happened, the copy is not left waiting.
        unproven(&mut found, batches);
        outcome?;
        Ok((end_part(part, path)?, found))
    }
}

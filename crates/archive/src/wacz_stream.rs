//! The whole-archive `annals export wacz`, streamed: memory stays flat whatever the archive's
//! size.
//!
//! Nothing per record is held. The WARC files are copied into the package on one thread; on three
//! others, *parts* (small ZIPs in temporary files next to the output) are written from streaming
//! index queries and later merged into the package as they are (compressed bytes copied):
//!
//! - the index part: the CDXJ lines in byte order (`ORDER BY cdxj`: SQLite's sorter spills to
//!   disk), compressed in blocks as they come;
//! - the evidence part: the checkpoint, the log's key and `annals/proofs.jsonl`. The proofs take two passes
//!   in leaf order: the first keeps only the root of every complete 256-leaf chunk (32 bytes per
//!   256 records) and the leaves of the last, partial one, and checks them against the signed
//!   root; the second rebuilds each chunk from the records themselves (their ledger entries),
//!   checks it against the first pass, and proves each of its records.
//! - the pages part: HTML 2xx responses in capture-time order; the first capture of each URL
//!   is a page (a 16-byte hash per page URL is the only state), titled from the record.

use std::collections::HashSet;
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use annals_ledger::{Hash, HashReader, LedgerError};
use annals_model::Capture;
use annals_store::{CaptureFilter, CaptureOrder, StoreError};
use annals_wacz::{
    AnonymousSigner, CDX_BLOCK_LINES, CdxjGzipWriter, EntryCompression, WaczMetadata, WaczWriter,
    WrittenResource, pages_header,
};

use crate::wacz_export::{
    Levels, PLAIN_INDEX_MAX_LINES, ProofLine, WaczExportOptions, WaczReport, push_proof_line,
};
use crate::{Archive, ArchiveError, Progress};

/// Leaves per chunk: the proofs' second pass holds one chunk's tree.
pub(crate) const CHUNK_LEVEL: u8 = 8;
pub(crate) const CHUNK: usize = 1 << CHUNK_LEVEL;

pub(crate) type Part = WaczWriter<BufWriter<File>>;

/// A part being written to a temporary file.
pub(crate) fn new_part(path: &Path, metadata: &WaczMetadata) -> Result<Part, ArchiveError> {
    let file = File::create(path).map_err(|e| ArchiveError::io(path, e))?;
    Ok(WaczWriter::new(
        BufWriter::with_capacity(1 << 20, file),
        &path.display().to_string(),
        metadata.clone(),
    ))
}

/// Ends a part: its file and the resources it holds.
pub(crate) fn end_part(part: Part, path: &Path) -> Result<Vec<WrittenResource>, ArchiveError> {
    let (out, resources) = part
        .finish_part()
        .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
    out.into_inner()
        .map_err(|e| ArchiveError::io(path, e.into_error()))?;
    Ok(resources)
}

pub(crate) fn sibling(tmp: &Path, suffix: &str) -> PathBuf {
    let mut name = tmp.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    tmp.with_file_name(name)
}

/// A streaming callback's failure, kept aside so the query can be stopped with a `StoreError`
/// and the real reason reported.
pub(crate) struct Failure(pub(crate) Option<ArchiveError>);

impl Failure {
    pub(crate) fn stop(&mut self, error: ArchiveError) -> StoreError {
        let text = error.to_string();
        self.0.get_or_insert(error);
        StoreError::Query(text)
    }

    pub(crate) fn or(self, error: StoreError) -> ArchiveError {
        self.0.unwrap_or_else(|| error.into())
    }
}

/// The log's tree as the proofs' second pass needs it: every complete chunk's root (and the
/// levels above), the last partial chunk's leaves, and the chunk being proved.
pub(crate) struct ChunkedTree {
    pub(crate) upper: Levels,
    pub(crate) tail: Levels,
    pub(crate) tail_chunk: u64,
    pub(crate) current: Option<(u64, Levels)>,
}

impl ChunkedTree {
    fn levels_for(&self, chunk: u64) -> Option<&Levels> {
        match &self.current {
            Some((c, levels)) if *c == chunk => Some(levels),
            _ if chunk == self.tail_chunk => Some(&self.tail),
            _ => None,
        }
    }
}

impl HashReader for ChunkedTree {
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        let missing = LedgerError::HashUnavailable { level, index };
        if level >= CHUNK_LEVEL {
            return self.upper.subtree_hash(level - CHUNK_LEVEL, index);
        }
        let chunk = index >> (CHUNK_LEVEL - level);
        let levels = self.levels_for(chunk).ok_or(missing)?;
        let within = index - (chunk << (CHUNK_LEVEL - level));
        levels.subtree_hash(level, within)
    }
}

/// The root of a complete chunk's leaves.
pub(crate) fn chunk_root(leaves: Vec<Hash>) -> Option<Hash> {
    Levels::new(leaves)
        .0
        .get(usize::from(CHUNK_LEVEL))
        .and_then(|l| l.first().copied())
}

/// Runs `f`, which blocks on queries from other threads, without starving the runtime.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// The end of an export both exporters share: the parts (index, proofs, pages; each a finished
/// temporary ZIP at its path) merged into the package without recompressing, the report filled
/// in, the package finished (signed when asked) and synced.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_package(
    mut w: Part,
    parts: [(&PathBuf, Vec<WrittenResource>); 3],
    (index_name, index_lines, evidence, n_pages): (String, u64, Evidence, u64),
    signer: Option<&AnonymousSigner>,
    tmp: &Path,
    report: &mut WaczReport,
    phase: &dyn Fn(&str),
) -> Result<(), ArchiveError> {
    for (path, resources) in parts {
        let part = File::open(path).map_err(|e| ArchiveError::io(path, e))?;
        w.merge_part(io::BufReader::with_capacity(1 << 20, part), resources)
            .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
    }
    phase("parts merged");
    report.index = index_name;
    report.index_lines = index_lines;
    report.checkpoint_size = evidence.checkpoint_size;
    report.proofs = evidence.proofs;
    report.unproven = evidence.unproven;
    report.warnings.extend(evidence.warnings);
    report.pages = n_pages;
    if report.unproven > 0 {
        report.warnings.push(format!(
            "{} exported records have no inclusion proof (archived after the checkpoint or not in the log)",
            report.unproven
        ));
    }
    let (out, summary) = w
        .finish(signer)
        .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
    let file = out
        .into_inner()
        .map_err(|e| ArchiveError::io(tmp, e.into_error()))?;
    file.sync_all().map_err(|e| ArchiveError::io(tmp, e))?;
    phase("synced");
    report.datapackage_hash = summary.datapackage_hash;
    report.signer_fingerprint = summary.signer_fingerprint;
    Ok(())
}

/// What the evidence part found.
#[derive(Default)]
pub(crate) struct Evidence {
    pub(crate) checkpoint_size: Option<u64>,
    pub(crate) proofs: u64,
    pub(crate) unproven: u64,
    pub(crate) warnings: Vec<String>,
}

impl Archive {
    /// Writes the whole archive as a WACZ to `tmp`; see the [module documentation](self).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_whole_wacz(
        &self,
        tmp: &Path,
        metadata: WaczMetadata,
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
        report.records = self.store.count().await?;
        let files = self.warc_files()?;
        let mut inputs = Vec::with_capacity(files.len());
        for name in &files {
            let p = self.warc_dir().join(name);
            let size = fs::metadata(&p)
                .map(|m| m.len())
                .map_err(|e| ArchiveError::io(&p, e))?;
            inputs.push((name.clone(), p, size));
        }
        let total: u64 = inputs.iter().map(|i| i.2).sum();
        report.warc_bytes = total;
        report.warc_files = files.len() as u64;

        let file = File::create(tmp).map_err(|e| ArchiveError::io(tmp, e))?;
        let early_sync = file.try_clone().map_err(|e| ArchiveError::io(tmp, e))?;
        let display = tmp.display().to_string();
        let evidence_path = sibling(tmp, ".evidence");
        let pages_path = sibling(tmp, ".pages");
        let index_path = sibling(tmp, ".index");
        let w = WaczWriter::new(
            BufWriter::with_capacity(1 << 20, file),
            &display,
            metadata.clone(),
        );
        let handle = tokio::runtime::Handle::current();
        let done = AtomicU64::new(0);
        let started = std::time::Instant::now();
        let phase = |what: &str| {
            tracing::debug!(
                "export wacz: {what} at {:.3}s",
                started.elapsed().as_secs_f64()
            );
        };

        let result = blocking(|| {
            std::thread::scope(|scope| -> Result<_, ArchiveError> {
                let copy = scope.spawn(|| -> Result<_, ArchiveError> {
                    let mut w = w;
                    for (name, path, size) in &inputs {
                        let mut input = File::open(path).map_err(|e| ArchiveError::io(path, e))?;
                        w.start_entry(
                            &format!("archive/{name}"),
                            EntryCompression::Stored,
                            *size >= u64::from(u32::MAX),
                        )
                        .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
                        crate::wacz_export::copy_counting(&mut input, &mut w, &done)
                            .map_err(|e| ArchiveError::io(path, e))?;
                    }
                    Ok(w)
                });
                let evidence = scope.spawn(|| {
                    self.evidence_part(
                        &handle,
                        &evidence_path,
                        &metadata,
                        checkpoint.as_ref(),
                        verifier_key.as_deref(),
                    )
                });
                let index = scope.spawn(|| self.index_part(&handle, &index_path, &metadata));
                let pages =
                    scope.spawn(|| self.pages_part(&handle, &pages_path, &metadata, opts, None));
                while !copy.is_finished() {
                    progress(done.load(Ordering::Relaxed), total);
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                progress(total, total);
                let w = copy
                    .join()
                    .map_err(|_| ArchiveError::Invalid("the WARC copy panicked".into()))??;
                phase("warc files copied");
                // The copied WARCs are synced while the parts finish.
                let syncing = scope.spawn(move || early_sync.sync_data());
                let evidence = evidence
                    .join()
                    .map_err(|_| ArchiveError::Invalid("writing the proofs panicked".into()))?;
                phase("proofs written");
                let index = index
                    .join()
                    .map_err(|_| ArchiveError::Invalid("writing the index panicked".into()))?;
                phase("index written");
                let pages = pages
                    .join()
                    .map_err(|_| ArchiveError::Invalid("reading the pages panicked".into()))?;
                phase("pages written");
                let synced = syncing
                    .join()
                    .map_err(|_| ArchiveError::Invalid("syncing the WACZ panicked".into()))?;
                Ok((w, index, evidence, pages, synced))
            })
        });
        let finish = || -> Result<(), ArchiveError> {
            let (w, index, evidence, pages, synced) = result?;
            synced.map_err(|e| ArchiveError::io(tmp, e))?;
            let (index_resources, index_name, index_lines) = index?;
            let (evidence_resources, evidence) = evidence?;
            let (pages_resources, n_pages) = pages?;
            finish_package(
                w,
                [
                    (&index_path, index_resources),
                    (&evidence_path, evidence_resources),
                    (&pages_path, pages_resources),
                ],
                (index_name, index_lines, evidence, n_pages),
                signer,
                tmp,
                report,
                &phase,
            )
        };
        let outcome = finish();
        let _ = fs::remove_file(&evidence_path);
        let _ = fs::remove_file(&pages_path);
        let _ = fs::remove_file(&index_path);
        outcome
    }

    /// The index part: `indexes/`. Returns the resources, the index entry and its lines.
    fn index_part(
        &self,
        handle: &tokio::runtime::Handle,
        path: &Path,
        metadata: &WaczMetadata,
    ) -> Result<(Vec<WrittenResource>, String, u64), ArchiveError> {
        let wacz_err = |e: annals_wacz::WaczError| ArchiveError::Invalid(e.to_string());
        let io_err = |e: io::Error| ArchiveError::io(path, e);
        let (index, index_lines);

        // indexes/: plain up to PLAIN_INDEX_MAX_LINES lines, else compressed in blocks.
        enum Index {
            Small(Vec<String>, Part),
            Big(CdxjGzipWriter<Part>),
            Gone,
        }
        let mut state = Index::Small(Vec::new(), new_part(path, metadata)?);
        let mut failure = Failure(None);
        let mut each = |line: String| -> Result<(), StoreError> {
            let step = |state: &mut Index| -> Result<(), ArchiveError> {
                match std::mem::replace(state, Index::Gone) {
                    Index::Small(mut lines, part) if lines.len() < PLAIN_INDEX_MAX_LINES => {
                        lines.push(line);
                        *state = Index::Small(lines, part);
                    }
                    Index::Small(lines, mut part) => {
                        part.start_entry("indexes/index.cdx.gz", EntryCompression::Stored, false)
                            .map_err(wacz_err)?;
                        let mut gz = CdxjGzipWriter::new(part, CDX_BLOCK_LINES, "index.cdx.gz");
                        for l in lines.iter().chain(std::iter::once(&line)) {
                            gz.push(l).map_err(io_err)?;
                        }
                        *state = Index::Big(gz);
                    }
                    Index::Big(mut gz) => {
                        gz.push(&line).map_err(io_err)?;
                        *state = Index::Big(gz);
                    }
                    Index::Gone => {}
                }
                Ok(())
            };
            step(&mut state).map_err(|e| failure.stop(e))
        };
        handle
            .block_on(self.store.for_each_cdxj_line(&mut each))
            .map_err(|e| std::mem::replace(&mut failure, Failure(None)).or(e))?;
        let part = match state {
            Index::Small(lines, mut part) => {
                index = "indexes/index.cdxj".to_owned();
                index_lines = lines.len() as u64;
                part.start_entry(&index, EntryCompression::Deflated, false)
                    .map_err(wacz_err)?;
                for line in &lines {
                    part.write_all(line.as_bytes()).map_err(io_err)?;
                    part.write_all(b"\n").map_err(io_err)?;
                }
                part
            }
            Index::Big(gz) => {
                index = "indexes/index.cdx.gz".to_owned();
                index_lines = gz.lines();
                let (mut part, idx) = gz.finish_into().map_err(io_err)?;
                part.add_entry(
                    "indexes/index.idx",
                    EntryCompression::Deflated,
                    idx.as_bytes(),
                )
                .map_err(wacz_err)?;
                part
            }
            Index::Gone => return Err(ArchiveError::Invalid("writing the index failed".into())),
        };

        Ok((end_part(part, path)?, index, index_lines))
    }

    /// The evidence part: the checkpoint, the log's key and the proofs.
    fn evidence_part(
        &self,
        handle: &tokio::runtime::Handle,
        path: &Path,
        metadata: &WaczMetadata,
        checkpoint: Option<&(u64, String)>,
        verifier_key: Option<&str>,
    ) -> Result<(Vec<WrittenResource>, Evidence), ArchiveError> {
        let wacz_err = |e: annals_wacz::WaczError| ArchiveError::Invalid(e.to_string());
        let io_err = |e: io::Error| ArchiveError::io(path, e);
        let mut found = Evidence::default();
        let mut part = new_part(path, metadata)?;

        // annals/: the evidence.
        let Some((size, note)) = checkpoint else {
            found.unproven = self.record_count(handle)?;
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

        // Pass 1: the chunk roots and the tail, from the stored leaves.
        let expected = note
            .split_once("\n\n")
            .and_then(|(body, _)| annals_ledger::Checkpoint::parse(&format!("{body}\n")).ok())
            .map(|cp| cp.root);
        let mut tops: Vec<Hash> = Vec::new();
        let mut chunk: Vec<Hash> = Vec::with_capacity(CHUNK);
        let mut leaves = 0u64;
        let mut each = |hex: String| -> Result<(), StoreError> {
            let hash = annals_warc::digest::hex_decode(&hex)
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .unwrap_or([0; 32]);
            chunk.push(hash);
            leaves += 1;
            if chunk.len() == CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                tops.extend(chunk_root(full));
            }
            Ok(())
        };
        handle.block_on(self.store.for_each_leaf_hash(size, &mut each))?;
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
            found.unproven = self.record_count(handle)?;
            return Ok((end_part(part, path)?, found));
        }

        // Pass 2: each chunk rebuilt from its records' ledger entries, then proved. The proofs'
        // text is deflated and hashed on a thread of its own, a block of 1 MiB at a time
        // (two blocks in flight; their buffers come back to be reused).
        part.start_entry("annals/proofs.jsonl", EntryCompression::Deflated, false)
            .map_err(wacz_err)?;
        const BLOCK: usize = 1 << 20;
        let (blocks, to_write) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<u8>>();
        let (streamed, written) = std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> Result<Part, ArchiveError> {
                for mut block in to_write {
                    part.write_all(&block).map_err(io_err)?;
                    block.clear();
                    let _ = recycle.send(block);
                }
                Ok(part)
            });
            let sender = &blocks;
            let streamed = self.prove_records(
                handle,
                size,
                &mut tree,
                &mut found,
                &mut move |text: &mut Vec<u8>| {
                    let next = recycled
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(BLOCK + BLOCK / 4));
                    let full = std::mem::replace(text, next);
                    sender.send(full).map_err(|_| {
                        ArchiveError::Invalid("writing annals/proofs.jsonl stopped".into())
                    })
                },
                BLOCK,
            );
            drop(blocks);
            let written = writer
                .join()
                .map_err(|_| ArchiveError::Invalid("writing annals/proofs.jsonl panicked".into()));
            (streamed, written)
        });
        // The writer's own failure explains a stopped stream best.
        let part = written??;
        streamed?;
        Ok((end_part(part, path)?, found))
    }

    /// Proves every record of the checkpoint's tree (pass 2 of the evidence part), in leaf
    /// order: each 256-leaf chunk rebuilt from its records' ledger entries, checked against
    /// `tree`'s first pass, and each of its records proved. The proofs' JSON lines go to
    /// `flush` a block of at least `block` bytes at a time (it swaps in an empty buffer).
    fn prove_records(
        &self,
        handle: &tokio::runtime::Handle,
        size: u64,
        tree: &mut ChunkedTree,
        found: &mut Evidence,
        flush: &mut (dyn FnMut(&mut Vec<u8>) -> Result<(), ArchiveError> + Send),
        block: usize,
    ) -> Result<(), ArchiveError> {
        let mut text: Vec<u8> = Vec::with_capacity(block + block / 4);
        let mut batch: Vec<(Capture, Vec<u8>)> = Vec::with_capacity(CHUNK);
        let mut leaves: Vec<Hash> = Vec::with_capacity(CHUNK);
        let mut position = 0u64;
        let mut mismatched = 0u64;
        let mut prove = |batch: &mut Vec<(Capture, Vec<u8>)>,
                         tree: &mut ChunkedTree,
                         text: &mut Vec<u8>,
                         found: &mut Evidence,
                         mismatched: &mut u64,
                         first: u64|
         -> Result<(), ArchiveError> {
            if batch.is_empty() {
                return Ok(());
            }
            let chunk_index = first / CHUNK as u64;
            leaves.clear();
            leaves.extend(batch.iter().map(|(_, e)| annals_ledger::leaf_hash(e)));
            let levels = Levels::new(std::mem::take(&mut leaves));
            let matches = if levels.0[0].len() == CHUNK {
                tree.upper.subtree_hash(0, chunk_index).ok()
                    == levels
                        .0
                        .get(usize::from(CHUNK_LEVEL))
                        .and_then(|l| l.first().copied())
            } else {
                chunk_index == tree.tail_chunk && tree.tail.0.first() == levels.0.first()
            };
            if !matches {
                found.unproven += batch.len() as u64;
                *mismatched += batch.len() as u64;
                batch.clear();
                leaves = levels.0.into_iter().next().unwrap_or_default();
                return Ok(());
            }
            tree.current = Some((chunk_index, levels));
            let mut path_of: (String, String) = Default::default();
            for (i, (c, entry)) in batch.iter().enumerate() {
                let index = first + i as u64;
                let proof = annals_ledger::inclusion_proof(&*tree, index, size)
                    .map_err(|e| ArchiveError::Invalid(format!("ledger: {e}")))?;
                if path_of.0 != c.warc_file {
                    path_of = (c.warc_file.clone(), format!("archive/{}", c.warc_file));
                }
                push_proof_line(
                    text,
                    ProofLine {
                        c,
                        path: &path_of.1,
                        offset: c.offset,
                        entry,
                        leaf_index: index,
                        tree_size: size,
                        proof: &proof,
                    },
                );
                found.proofs += 1;
            }
            if text.len() >= block {
                flush(text)?;
            }
            batch.clear();
            Ok(())
        };
        let mut failure = Failure(None);
        let mut each = |c: Capture| -> Result<(), StoreError> {
            let at = position;
            position += 1;
            if at >= size {
                found.unproven += 1;
                return Ok(());
            }
            let step = || -> Result<(), ArchiveError> {
                let entry = crate::ledger::entry_for(&c, at, self.entry_v2_from)?
                    .encode()
                    .map_err(|e| ArchiveError::Invalid(format!("ledger entry: {e}")))?;
                batch.push((c, entry));
                if batch.len() == CHUNK || at + 1 == size {
                    let first = at + 1 - batch.len() as u64;
                    prove(&mut batch, tree, &mut text, found, &mut mismatched, first)?;
                }
                Ok(())
            };
            step().map_err(|e| failure.stop(e))
        };
        handle
            .block_on(self.store.for_each_capture_slim(
                &CaptureFilter::default(),
                CaptureOrder::Archive,
                &mut each,
            ))
            .map_err(|e| std::mem::replace(&mut failure, Failure(None)).or(e))?;
        if !batch.is_empty() {
            // Fewer records than leaves: these cannot be placed in the tree.
            found.unproven += batch.len() as u64;
            mismatched += batch.len() as u64;
        }
        if !text.is_empty() {
            flush(&mut text)?;
        }
        if mismatched > 0 {
            found.warnings.push(format!(
                "{mismatched} records do not match their ledger leaves: run `annals verify`; they have no proof"
            ));
        }
        Ok(())
    }

    /// Records in the archive (all of them unproven when there is no usable checkpoint).
    fn record_count(&self, handle: &tokio::runtime::Handle) -> Result<u64, ArchiveError> {
        Ok(handle.block_on(self.store.count())?)
    }

    /// The pages part: `pages/pages.jsonl`, one page per URL with an HTML 2xx response, at its
    /// first capture, in capture-time order. Returns the resources and the number of pages.
    pub(crate) fn pages_part(
        &self,
        handle: &tokio::runtime::Handle,
        path: &Path,
        metadata: &WaczMetadata,
        opts: &WaczExportOptions,
        since: Option<i64>,
    ) -> Result<(Vec<WrittenResource>, u64), ArchiveError> {
        let mut part = new_part(path, metadata)?;
        part.start_entry("pages/pages.jsonl", EntryCompression::Deflated, false)
            .map_err(|e| ArchiveError::Invalid(e.to_string()))?;
        // With --text the header announces text (pages whose text could not be read have none).
        part.write_all(pages_header(opts.text).as_bytes())
            .map_err(|e| ArchiveError::io(path, e))?;
        // 128 bits of the URL: collisions are out of reach, and no URL is held.
        let keys = (
            std::collections::hash_map::RandomState::new(),
            std::collections::hash_map::RandomState::new(),
        );
        let key = |url: &str| -> u128 {
            let (mut a, mut b) = (keys.0.build_hasher(), keys.1.build_hasher());
            a.write(url.as_bytes());
            b.write(url.as_bytes());
            (u128::from(a.finish()) << 64) | u128::from(b.finish())
        };
        let mut seen: HashSet<u128> = HashSet::new();
        let mut n_pages = 0u64;
        let mut failure = Failure(None);
        let mut each = |c: Capture| -> Result<(), StoreError> {
            let (Some(url), Some(status)) = (c.url.as_deref(), c.status) else {
                return Ok(());
            };
            if c.record_type != "response" {
                return Ok(());
            }
            if !(200..300).contains(&status) || !crate::wacz_export::is_html(c.mime.as_deref()) {
                return Ok(());
            }
            if !seen.insert(key(url)) {
                return Ok(());
            }
            let page = self.page(n_pages as usize, &c, opts.text);
            n_pages += 1;
            part.write_all(page.to_json_line().as_bytes())
                .map_err(|e| failure.stop(ArchiveError::io(path, e)))
        };
        let listed = match since {
            // A `--since` export's selection (its revisits' originals too).
            Some(since) => handle.block_on(self.store.for_each_capture_since(
                since,
                CaptureOrder::Time,
                &mut each,
            )),
            None => handle.block_on(self.store.for_each_page_candidate(&mut each)),
        };
        listed.map_err(|e| std::mem::replace(&mut failure, Failure(None)).or(e))?;
        Ok((end_part(part, path)?, n_pages))
    }
}

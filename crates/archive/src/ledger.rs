//! The archive's ledger: one RFC 6962 leaf per record, committed with the record, and signed C2SP
//! checkpoints under `ledger/`.
//!
//! Leaves are in archive order (file name, then offset), so they are derived from the WARC files
//! like the rest of the index: `annals reindex` rebuilds the same tree, and checkpoints signed
//! before it still verify after it.

use std::fs;
use std::path::{Path, PathBuf};

use annals_ledger::{Checkpoint, Entry, Hash, Signer, Tree, Verifier, leaf_hash};
use annals_model::Capture;
use annals_store::{CaptureFilter, CaptureOrder, LedgerBatch};
use annals_warc::digest::{hex_decode, hex_encode};
use base64::Engine as _;

use crate::{Archive, ArchiveError};

/// Folder of the ledger in the data directory.
pub const LEDGER_DIR: &str = "ledger";
const SIGNER_FILE: &str = "annals.key";
const VERIFIER_FILE: &str = "annals.pub";
const LATEST: &str = "checkpoint";
const HISTORY: &str = "checkpoints";

/// The ledger leaf entry of a stored record.
pub fn entry_for(c: &Capture) -> Result<Entry, ArchiveError> {
    let digest = c
        .record_digest
        .strip_prefix("sha256:")
        .unwrap_or(&c.record_digest);
    let bytes = hex_decode(digest)
        .filter(|b| b.len() == 32)
        .ok_or_else(|| ArchiveError::Damaged {
            file: c.warc_file.clone(),
            offset: c.offset,
            reason: format!("record digest {:?} is not a SHA-256", c.record_digest),
        })?;
    let mut record_sha256 = [0u8; 32];
    record_sha256.copy_from_slice(&bytes);
    let nonempty = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.chars().filter(|c| !c.is_control()).collect()
        }
    };
    Ok(Entry {
        record_sha256,
        file: c.warc_file.clone(),
        offset: c.offset,
        length: c.length,
        record_id: nonempty(&c.record_id),
        date: nonempty(&c.date),
    })
}

/// The leaf hash of a stored record.
pub fn leaf_for(c: &Capture) -> Result<Hash, ArchiveError> {
    let entry = entry_for(c)?;
    let bytes = entry
        .encode()
        .map_err(|e| ArchiveError::Invalid(format!("ledger entry: {e}")))?;
    Ok(leaf_hash(&bytes))
}

fn ledger_err(e: annals_ledger::LedgerError) -> ArchiveError {
    ArchiveError::Invalid(format!("ledger: {e}"))
}

/// Appends the leaves of `rows` to a copy of `tree` and returns the batch to commit with them.
pub(crate) fn batch_for(
    tree: &Tree,
    rows: &[Capture],
) -> Result<(Tree, LedgerBatch), ArchiveError> {
    let mut next = tree.clone();
    let mut leaves = Vec::with_capacity(rows.len());
    for c in rows {
        let h = leaf_for(c)?;
        let idx = next.append(h).map_err(ledger_err)?;
        leaves.push((idx, c.warc_file.clone(), c.offset, hex_encode(&h)));
    }
    let frontier: String = next.frontier().iter().map(|h| hex_encode(h)).collect();
    let size = next.size();
    Ok((
        next,
        LedgerBatch {
            leaves,
            size,
            frontier,
        },
    ))
}

/// Loads the tree from the stored state.
pub(crate) fn tree_from_state(state: Option<(u64, String)>) -> Result<Tree, ArchiveError> {
    let Some((size, hex)) = state else {
        return Ok(Tree::new());
    };
    let bytes =
        hex_decode(&hex).ok_or_else(|| ArchiveError::Invalid("ledger state is not hex".into()))?;
    let frontier: Vec<Hash> = bytes
        .chunks(32)
        .map(|c| {
            <[u8; 32]>::try_from(c)
                .map_err(|_| ArchiveError::Invalid("ledger frontier is damaged".into()))
        })
        .collect::<Result<_, _>>()?;
    Tree::from_frontier(size, frontier).map_err(ledger_err)
}

/// The signing key of a data directory, created on first use (private key file mode 0600).
pub(crate) fn signer(root: &Path) -> Result<Signer, ArchiveError> {
    let dir = root.join(LEDGER_DIR);
    let key_path = dir.join(SIGNER_FILE);
    if let Ok(text) = fs::read_to_string(&key_path) {
        return Signer::from_key_text(text.trim()).map_err(ledger_err);
    }
    fs::create_dir_all(dir.join(HISTORY)).map_err(|e| ArchiveError::io(&dir, e))?;
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| ArchiveError::Invalid(format!("no OS randomness for the ledger key: {e}")))?;
    let mut id = [0u8; 8];
    getrandom::getrandom(&mut id)
        .map_err(|e| ArchiveError::Invalid(format!("no OS randomness: {e}")))?;
    // The log's identity: schema-less, no spaces or '+', not revealing the machine.
    let origin = format!("annals.invalid/log/{}", hex_encode(&id));
    let signer = Signer::new(&origin, seed).map_err(ledger_err)?;
    write_private(&key_path, &(signer.key_text() + "\n"))?;
    let pub_path = dir.join(VERIFIER_FILE);
    fs::write(&pub_path, signer.verifier().key_text() + "\n")
        .map_err(|e| ArchiveError::io(&pub_path, e))?;
    Ok(signer)
}

fn write_private(path: &Path, text: &str) -> Result<(), ArchiveError> {
    use std::io::Write;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| ArchiveError::io(path, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| ArchiveError::io(path, e))
}

/// What `annals ledger status` shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LedgerStatus {
    /// Leaves in the log (= records in the archive).
    pub size: u64,
    /// Root hash, base64 (as in checkpoints).
    pub root: String,
    /// The log's origin (= key name).
    pub origin: String,
    /// The verifier key (`name+id+base64`), to publish.
    pub verifier_key: String,
    /// Tree size of the last signed checkpoint, if any.
    pub last_checkpoint_size: Option<u64>,
}

/// One finding of `annals verify`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// `record`, `log`, `checkpoint` or `file`.
    pub kind: String,
    /// What is wrong and where.
    pub message: String,
}

/// What `annals verify` found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    /// Records read back and checked.
    pub records: u64,
    /// Bytes of WARC read.
    pub bytes: u64,
    /// Checkpoints whose signature and root were checked.
    pub checkpoints: u64,
    /// Problems, empty when everything verifies.
    pub findings: Vec<Finding>,
}

fn b64(h: &Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(h)
}

impl Archive {
    fn ledger_dir(&self) -> PathBuf {
        self.root().join(LEDGER_DIR)
    }

    fn checkpoints(&self) -> Result<Vec<(u64, PathBuf)>, ArchiveError> {
        let dir = self.ledger_dir().join(HISTORY);
        let mut out = Vec::new();
        if let Ok(rd) = fs::read_dir(&dir) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if let Ok(size) = name.parse::<u64>() {
                    out.push((size, e.path()));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The newest signed checkpoint: (tree size, note text).
    pub(crate) fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, ArchiveError> {
        match self.checkpoints()?.last() {
            None => Ok(None),
            Some((size, path)) => {
                let text = fs::read_to_string(path).map_err(|e| ArchiveError::io(path, e))?;
                Ok(Some((*size, text)))
            }
        }
    }

    /// Tree size, root, key and last checkpoint.
    pub async fn ledger_status(&self) -> Result<LedgerStatus, ArchiveError> {
        let signer = signer(self.root())?;
        Ok(LedgerStatus {
            size: self.tree.size(),
            root: b64(&self.tree.root()),
            origin: signer.name().to_string(),
            verifier_key: signer.verifier().key_text(),
            last_checkpoint_size: self.checkpoints()?.last().map(|(s, _)| *s),
        })
    }

    /// Signs a checkpoint of the current tree (unless the last one already covers it), after
    /// proving the log is consistent with the last signed checkpoint. Returns the note text.
    pub async fn checkpoint(&self) -> Result<String, ArchiveError> {
        let signer = signer(self.root())?;
        let verifier = signer.verifier();
        let leaves = self.leaf_hashes().await?;
        if leaves.len() as u64 != self.tree.size() {
            return Err(ArchiveError::Invalid(format!(
                "ledger has {} leaves but the tree says {}: run `annals verify`",
                leaves.len(),
                self.tree.size()
            )));
        }
        if let Some((size, path)) = self.checkpoints()?.last() {
            let text = fs::read(path).map_err(|e| ArchiveError::io(path, e))?;
            let old =
                Checkpoint::open(&text, std::slice::from_ref(&verifier)).map_err(ledger_err)?;
            let old_root = annals_ledger::tree_hash(&leaves, *size).ok();
            if old_root != Some(old.root) {
                return Err(ArchiveError::Invalid(format!(
                    "refusing to sign: the log is not consistent with checkpoint {size} (it was rewritten); run `annals verify`"
                )));
            }
            if *size == self.tree.size() {
                return Ok(String::from_utf8_lossy(&text).to_string());
            }
        }
        let cp = Checkpoint::new(signer.name(), self.tree.size(), self.tree.root());
        let note = cp.sign(&signer).map_err(ledger_err)?;
        let dir = self.ledger_dir();
        let hist = dir.join(HISTORY).join(self.tree.size().to_string());
        fs::write(&hist, &note).map_err(|e| ArchiveError::io(&hist, e))?;
        let latest = dir.join(LATEST);
        let tmp = dir.join("checkpoint.partial");
        fs::write(&tmp, &note)
            .and_then(|()| fs::rename(&tmp, &latest))
            .map_err(|e| ArchiveError::io(&latest, e))?;
        Ok(note)
    }

    async fn leaf_hashes(&self) -> Result<Vec<Hash>, ArchiveError> {
        let rows = self.store.ledger_leaves().await?;
        rows.iter()
            .map(|(file, off, hex)| {
                hex_decode(hex)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| ArchiveError::Damaged {
                        file: file.clone(),
                        offset: *off,
                        reason: "ledger leaf is not a hash".into(),
                    })
            })
            .collect()
    }

    /// Checks every record against its stored digest and its ledger leaf, every checkpoint's
    /// signature, and that the log still has every checkpoint's root. With `full`, also re-reads
    /// the WARC files from disk to find records inserted or deleted behind the index's back.
    pub async fn verify(
        &self,
        full: bool,
        progress: crate::Progress<'_>,
    ) -> Result<VerifyReport, ArchiveError> {
        let mut report = VerifyReport::default();
        let leaves = self.store.ledger_leaves().await?;
        let total: u64 = self
            .warc_files()?
            .iter()
            .filter_map(|n| fs::metadata(self.root().join(crate::WARC_DIR).join(n)).ok())
            .map(|m| m.len())
            .sum();
        let mut findings: Vec<Finding> = Vec::new();
        let mut offsets: std::collections::HashMap<String, std::collections::HashSet<u64>> =
            Default::default();
        let (mut i, mut done, mut bytes) = (0usize, 0u64, 0u64);
        {
            // Streamed in archive order: memory does not grow with the number of records.
            let mut each = |c: Capture| {
                match self.read_member(&c) {
                    Ok(member) => bytes += member.len() as u64,
                    Err(e) => findings.push(Finding {
                        kind: "record".into(),
                        message: format!("{} ({})", e, c.record_id),
                    }),
                }
                match (leaf_for(&c), leaves.get(i)) {
                    (Ok(h), Some((file, off, stored))) => {
                        if (file, *off) != (&c.warc_file, c.offset) || hex_encode(&h) != *stored {
                            findings.push(Finding {
                                kind: "log".into(),
                                message: format!(
                                    "leaf {i} does not match the record at {} byte {} ({})",
                                    c.warc_file, c.offset, c.record_id
                                ),
                            });
                        }
                    }
                    (Err(e), _) => findings.push(Finding {
                        kind: "record".into(),
                        message: e.to_string(),
                    }),
                    (Ok(_), None) => {}
                }
                if full {
                    offsets
                        .entry(c.warc_file.clone())
                        .or_default()
                        .insert(c.offset);
                }
                i += 1;
                done += c.length;
                if i % 1000 == 0 {
                    progress(done, total);
                }
                Ok(())
            };
            self.store
                .for_each_capture(&CaptureFilter::default(), CaptureOrder::Archive, &mut each)
                .await?;
        }
        report.records = i as u64;
        report.bytes = bytes;
        if leaves.len() != i {
            findings.push(Finding {
                kind: "log".into(),
                message: format!(
                    "{i} records are indexed but the log has {} leaves",
                    leaves.len()
                ),
            });
        }
        let mut find = |kind: &str, message: String| {
            findings.push(Finding {
                kind: kind.into(),
                message,
            })
        };
        if full {
            for name in self.warc_files()? {
                let path = self.root().join(crate::WARC_DIR).join(&name);
                let file = fs::File::open(&path).map_err(|e| ArchiveError::io(&path, e))?;
                let reader =
                    annals_warc::WarcReader::new(std::io::BufReader::with_capacity(1 << 20, file));
                let indexed = offsets.remove(&name).unwrap_or_default();
                let mut seen = 0usize;
                for item in reader {
                    match item {
                        Ok(r) => {
                            seen += 1;
                            if !indexed.contains(&r.span.offset) {
                                find(
                                    "file",
                                    format!(
                                        "{name} byte {}: a record the index and log do not know (inserted?)",
                                        r.span.offset
                                    ),
                                );
                            }
                        }
                        Err(e) => {
                            find("file", format!("{name}: {e}"));
                            break;
                        }
                    }
                }
                if seen < indexed.len() {
                    find(
                        "file",
                        format!(
                            "{name}: {} records indexed but {seen} in the file (deleted?)",
                            indexed.len()
                        ),
                    );
                }
            }
        }
        let hashes: Vec<Hash> = leaves
            .iter()
            .filter_map(|(_, _, h)| hex_decode(h).and_then(|b| <[u8; 32]>::try_from(b).ok()))
            .collect();
        let verifier: Option<Verifier> = fs::read_to_string(self.ledger_dir().join(VERIFIER_FILE))
            .ok()
            .and_then(|t| Verifier::from_key_text(t.trim()).ok());
        let mut prev: Option<Checkpoint> = None;
        for (size, path) in self.checkpoints()? {
            report.checkpoints += 1;
            let text = fs::read(&path).map_err(|e| ArchiveError::io(&path, e))?;
            let Some(v) = &verifier else {
                find("checkpoint", "no verifier key in ledger/annals.pub".into());
                break;
            };
            let cp = match Checkpoint::open(&text, std::slice::from_ref(v)) {
                Ok(cp) => cp,
                Err(e) => {
                    find(
                        "checkpoint",
                        format!("checkpoint {size}: bad signature or format: {e}"),
                    );
                    continue;
                }
            };
            match annals_ledger::tree_hash(&hashes, cp.size) {
                Ok(root) if root == cp.root => {}
                Ok(_) => find(
                    "log",
                    format!(
                        "the log was rewritten after checkpoint {}: its first {} leaves no longer hash to the signed root",
                        cp.size, cp.size
                    ),
                ),
                Err(_) => find(
                    "log",
                    format!(
                        "the log was rewritten after checkpoint {}: it now has only {} leaves (records were deleted)",
                        cp.size,
                        hashes.len()
                    ),
                ),
            }
            if let Some(p) = &prev {
                let ok = annals_ledger::consistency_proof(&hashes, p.size, cp.size)
                    .ok()
                    .is_some_and(|proof| {
                        annals_ledger::verify_consistency(
                            p.size, cp.size, &p.root, &cp.root, &proof,
                        )
                        .is_ok()
                    });
                if !ok {
                    find(
                        "checkpoint",
                        format!("checkpoints {} and {} are not consistent", p.size, cp.size),
                    );
                }
            }
            prev = Some(cp);
        }
        progress(total, total);
        report.findings = findings;
        Ok(report)
    }
}

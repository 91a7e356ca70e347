//! The archive's ledger: one RFC 6962 leaf per record, committed with the record, and signed C2SP
//! checkpoints under `ledger/`.
//!
//! Leaves are in archive order (file name, then offset), so they are derived from the WARC files
//! like the rest of the index: `annals reindex` rebuilds the same tree, and checkpoints signed
//! before it still verify after it.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use annals_ledger::{
    Checkpoint, Entry, Hash, Signer, Tile, TileHashReader, Tree, Verifier, encode_bundle,
    grow_start, grow_tiles, leaf_hash, parse_timestamp_reply, timestamp_request,
};
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
/// Staging folder for entry bundles, moved into `tile/` once the new tree is proven consistent.
const STAGING: &str = "tile.new";
/// Largest TSA reply accepted.
const MAX_TSR: usize = 1 << 20;

/// The file in the ledger directory that says from which leaf on entries are in format 2
/// (see [`annals_ledger::Entry`]). Logs begun before format 2 keep format 1 below that leaf, so
/// that `annals reindex`, `annals verify` and proofs recompute exactly the leaves that were
/// signed. Written once: at the first open of a data directory by a version that writes format
/// 2 (after the open has indexed every record already on disk, in format 1).
const ENTRY_FORMAT_FILE: &str = "entry-format";

/// From which leaf on this data directory's entries are in format 2; `None` when the file is
/// absent (a log written before format 2: every leaf so far is in format 1).
pub(crate) fn read_v2_from(root: &Path) -> Result<Option<u64>, ArchiveError> {
    let path = root.join(LEDGER_DIR).join(ENTRY_FORMAT_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ArchiveError::io(&path, e)),
    };
    text.trim()
        .strip_prefix("entry format 2 from leaf ")
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ArchiveError::Invalid(format!(
                "{}: expected \"entry format 2 from leaf N\", found {:?}; nothing was changed. \
                 Restore the file from a backup, or write it again with N the index of the first \
                 entry whose first byte is 2 in ledger/tile/entries (entries are a 2-byte length \
                 and the entry, 256 to a bundle)",
                path.display(),
                text.trim()
            ))
        })
}

/// Records that entries are in format 2 from leaf `from` on (see [`read_v2_from`]).
pub(crate) fn write_v2_from(root: &Path, from: u64) -> Result<(), ArchiveError> {
    let dir = root.join(LEDGER_DIR);
    fs::create_dir_all(&dir).map_err(|e| ArchiveError::io(&dir, e))?;
    write_atomic(
        &dir.join(ENTRY_FORMAT_FILE),
        format!("entry format 2 from leaf {from}\n").as_bytes(),
    )
}

/// The ledger leaf entry of a stored record that is leaf `index` of a log whose entries are in
/// format 2 from leaf `v2_from` on (`None`: all in format 1).
pub fn entry_for(c: &Capture, index: u64, v2_from: Option<u64>) -> Result<Entry, ArchiveError> {
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
    let v2 = v2_from.is_some_and(|from| index >= from);
    Ok(Entry {
        record_sha256,
        file: c.warc_file.clone(),
        offset: c.offset,
        length: c.length,
        v1: (!v2).then(|| (nonempty(&c.record_id), nonempty(&c.date))),
    })
}

/// The leaf hash of a stored record that is leaf `index` (see [`entry_for`]).
pub fn leaf_for(c: &Capture, index: u64, v2_from: Option<u64>) -> Result<Hash, ArchiveError> {
    let entry = entry_for(c, index, v2_from)?;
    let bytes = entry
        .encode()
        .map_err(|e| ArchiveError::Invalid(format!("ledger entry: {e}")))?;
    Ok(leaf_hash(&bytes))
}

fn ledger_err(e: annals_ledger::LedgerError) -> ArchiveError {
    ArchiveError::Invalid(format!("ledger: {e}"))
}

/// Appends the leaves of `rows` to a copy of `tree` and returns the batch to commit with them:
/// the archive's append path (entry encoding, leaf hashing, tree), minus the store commit.
/// `v2_from` as for [`entry_for`].
pub fn batch_for(
    tree: &Tree,
    rows: &[Capture],
    v2_from: Option<u64>,
) -> Result<(Tree, LedgerBatch), ArchiveError> {
    let mut next = tree.clone();
    let mut leaves = Vec::with_capacity(rows.len());
    for c in rows {
        let h = leaf_for(c, next.size(), v2_from)?;
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

/// Writes `data` to `path` through a temporary file and a rename, creating the folder.
fn write_atomic(path: &Path, data: &[u8]) -> Result<(), ArchiveError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| ArchiveError::io(parent, e))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, data)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| ArchiveError::io(path, e))
}

/// Writes a file, creating its folder.
fn write_new(path: &Path, data: &[u8]) -> Result<(), ArchiveError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| ArchiveError::io(parent, e))?;
    }
    fs::write(path, data).map_err(|e| ArchiveError::io(path, e))
}

/// Checks a stored TSA reply against the checkpoint note it stamps: granted, SHA-256 imprint of
/// the note. Returns (genTime as RFC 3339, policy OID).
fn check_timestamp(der: &[u8], note: &[u8]) -> Result<(String, String), String> {
    use sha2::Digest as _;
    let reply = parse_timestamp_reply(der).map_err(|e| e.to_string())?;
    let token = match reply.token {
        Some(t) if reply.status <= 1 => t,
        _ => return Err(format!("the TSA refused (status {})", reply.status)),
    };
    let hash: Hash = sha2::Sha256::digest(note).into();
    if !token.imprints_sha256(&hash) {
        return Err("its message imprint is not the SHA-256 of the checkpoint".into());
    }
    Ok((token.gen_time_rfc3339(), token.policy))
}

/// Reads stored records in archive order through one open handle per file and checks each
/// against its indexed record digest (what [`Archive::read_member`] does, without reopening the
/// file for every record).
#[derive(Default)]
struct MemberReader {
    file: Option<(String, fs::File)>,
    buf: Vec<u8>,
}

impl MemberReader {
    /// Reads and checks the record of `c`; returns its length.
    fn check(&mut self, dir: &Path, c: &Capture) -> Result<u64, ArchiveError> {
        use std::io::{Read, Seek, SeekFrom};
        let damaged = |reason: String| ArchiveError::Damaged {
            file: c.warc_file.clone(),
            offset: c.offset,
            reason,
        };
        let file = match &mut self.file {
            Some((name, f)) if *name == c.warc_file => f,
            slot => {
                let path = dir.join(&c.warc_file);
                let f = fs::File::open(&path).map_err(|e| ArchiveError::io(&path, e))?;
                &mut slot.insert((c.warc_file.clone(), f)).1
            }
        };
        let len = usize::try_from(c.length)
            .map_err(|_| ArchiveError::Invalid("record too large".into()))?;
        self.buf.resize(len, 0);
        file.seek(SeekFrom::Start(c.offset))
            .and_then(|_| file.read_exact(&mut self.buf))
            .map_err(|e| damaged(e.to_string()))?;
        let digest = annals_warc::digest::sha256_hex(&self.buf);
        if digest != c.record_digest {
            return Err(damaged(format!(
                "record digest is {digest}, the index says {}",
                c.record_digest
            )));
        }
        Ok(c.length)
    }
}

/// Index rows handed to the checker thread of `annals verify` at a time.
const CHECK_BATCH: usize = 512;

/// What the checker thread of `annals verify` found.
#[derive(Default)]
struct Checked {
    records: usize,
    bytes: u64,
    findings: Vec<Finding>,
    /// With `full`: each file's indexed records, (offset, length, record id), in file order.
    offsets: HashMap<String, Vec<(u64, u64, String)>>,
    damaged_files: HashSet<String>,
    /// The log's first leaf in entry format 2 (see [`entry_for`]).
    v2_from: Option<u64>,
}

impl Checked {
    /// Checks record `i` (index row `c`) against its digest and its leaf `leaf`.
    fn check(
        &mut self,
        reader: &mut MemberReader,
        warc_dir: &Path,
        c: &Capture,
        i: usize,
        leaf: Option<&annals_store::LeafRow>,
        full: bool,
    ) {
        match reader.check(warc_dir, c) {
            Ok(len) => self.bytes += len,
            Err(e) => {
                self.damaged_files.insert(c.warc_file.clone());
                self.findings.push(Finding {
                    kind: "record".into(),
                    message: format!("{} ({})", e, c.record_id),
                })
            }
        }
        match (leaf_for(c, i as u64, self.v2_from), leaf) {
            (Ok(h), Some((file, off, stored))) => {
                if (file, *off) != (&c.warc_file, c.offset) || hex_encode(&h) != *stored {
                    self.findings.push(Finding {
                        kind: "log".into(),
                        message: format!(
                            "leaf {i} does not match the record at {} byte {} ({})",
                            c.warc_file, c.offset, c.record_id
                        ),
                    });
                }
            }
            (Err(e), _) => self.findings.push(Finding {
                kind: "record".into(),
                message: e.to_string(),
            }),
            (Ok(_), None) => {}
        }
        if full {
            self.offsets.entry(c.warc_file.clone()).or_default().push((
                c.offset,
                c.length,
                c.record_id.clone(),
            ));
        }
    }
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
    /// RFC 3161 time-stamps found with the checkpoints, each checked against its checkpoint.
    pub timestamps: Vec<TimestampSummary>,
    /// Problems, empty when everything verifies.
    pub findings: Vec<Finding>,
}

/// An RFC 3161 time-stamp stored with a checkpoint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimestampSummary {
    /// Tree size of the checkpoint it stamps.
    pub size: u64,
    /// The stored reply, relative to the data directory (`ledger/checkpoints/<size>.tsr`).
    pub file: String,
    /// The TSA's `genTime`, RFC 3339.
    pub gen_time: String,
    /// The TSA policy the token was issued under (dotted OID).
    pub policy: String,
}

/// What [`Archive::checkpoint_report`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckpointReport {
    /// Tree size of the latest checkpoint (= the log's size).
    pub size: u64,
    /// Whether a checkpoint was signed now (false: the last one already covered the log).
    pub signed: bool,
    /// The latest checkpoint's signed note.
    pub note: String,
    /// Tile files (hash tiles and entry bundles) written under `ledger/tile/`.
    pub tiles_written: u64,
    /// The checkpoint's time-stamp, when a TSA is configured and answered (now or earlier).
    pub timestamp: Option<TimestampSummary>,
    /// Why the configured TSA gave no time-stamp (the checkpoint is signed all the same; the
    /// next `checkpoint` call tries again).
    pub timestamp_error: Option<String>,
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
        // A reader's tree is the one at its making: the store has the current one.
        let current;
        let tree = if self.is_reader() {
            current = tree_from_state(self.store.ledger_state().await?)?;
            &current
        } else {
            &self.tree
        };
        Ok(LedgerStatus {
            size: tree.size(),
            root: b64(&tree.root()),
            origin: signer.name().to_string(),
            verifier_key: signer.verifier().key_text(),
            last_checkpoint_size: self.checkpoints()?.last().map(|(s, _)| *s),
        })
    }

    /// Signs a checkpoint of the current tree, unless the last one already covers it, and
    /// returns the latest checkpoint's note text. See [`Archive::checkpoint_report`].
    pub async fn checkpoint(&self) -> Result<String, ArchiveError> {
        Ok(self.checkpoint_report().await?.note)
    }

    /// Publishes the log: writes the C2SP tlog-tiles of the current tree under `ledger/tile/`
    /// (hash tiles and entry bundles, only the new full tiles and the right-edge partial tiles),
    /// signs a checkpoint into `ledger/checkpoints/<size>` and `ledger/checkpoint`, and, with a
    /// TSA in `annals.toml`, stores its RFC 3161 time-stamp as `ledger/checkpoints/<size>.tsr`.
    ///
    /// Refuses to sign a log that is not consistent with the last checkpoint. Cheap when nothing
    /// changed: if the last checkpoint already has the tree's size and root, nothing is signed or
    /// read from the index (tiles are only written if missing, a missing time-stamp is retried),
    /// so it can be called as often as wanted (`annals run` calls it periodically).
    pub async fn checkpoint_report(&self) -> Result<CheckpointReport, ArchiveError> {
        self.refuse_if_reader()?;
        let signer = signer(self.root())?;
        let verifier = signer.verifier();
        let config = crate::config::ArchiveConfig::load(self.root())?;
        let size = self.tree.size();
        let last = match self.checkpoints()?.last() {
            None => None,
            Some((n, path)) => {
                let text = fs::read(path).map_err(|e| ArchiveError::io(path, e))?;
                let cp = Checkpoint::open(&text, std::slice::from_ref(&verifier)).map_err(|e| {
                    ArchiveError::Invalid(format!(
                        "checkpoint {n} does not verify with ledger/annals.pub ({e}); run `annals verify`"
                    ))
                })?;
                Some((cp, text))
            }
        };
        let refuse = |n: u64| {
            ArchiveError::Invalid(format!(
                "refusing to sign: the log is not consistent with checkpoint {n} (it was rewritten); run `annals verify`"
            ))
        };
        let (note, signed, tiles_written) = match last {
            Some((cp, text)) if cp.size == size => {
                if cp.root != self.tree.root() {
                    return Err(refuse(cp.size));
                }
                let tiles = if size > 0 && !self.tiles_present(size) {
                    self.publish_tiles(Some(&cp), true).await?
                } else {
                    0
                };
                (String::from_utf8_lossy(&text).into_owned(), false, tiles)
            }
            Some((cp, _)) if cp.size > size => return Err(refuse(cp.size)),
            last => {
                let old = last.as_ref().map(|(cp, _)| cp);
                let tiles = self.publish_tiles(old, false).await?;
                let cp = Checkpoint::new(signer.name(), size, self.tree.root());
                let note = cp.sign(&signer).map_err(ledger_err)?;
                let dir = self.ledger_dir();
                let hist = dir.join(HISTORY).join(size.to_string());
                write_atomic(&hist, note.as_bytes())?;
                write_atomic(&dir.join(LATEST), note.as_bytes())?;
                (note, true, tiles)
            }
        };
        let mut report = CheckpointReport {
            size,
            signed,
            note,
            tiles_written,
            timestamp: None,
            timestamp_error: None,
        };
        if let Some(url) = &config.ledger.tsa_url {
            let tsr = self.tsr_path(size);
            let existing = fs::read(&tsr)
                .ok()
                .and_then(|der| check_timestamp(&der, report.note.as_bytes()).ok());
            match existing {
                Some((gen_time, policy)) if !signed => {
                    report.timestamp = Some(self.timestamp_summary(size, gen_time, policy));
                }
                _ => match self
                    .request_timestamp(url, config.ledger.tsa_timeout, report.note.as_bytes())
                    .await
                {
                    Ok(der) => {
                        write_atomic(&tsr, &der)?;
                        let (gen_time, policy) = check_timestamp(&der, report.note.as_bytes())
                            .map_err(ArchiveError::Invalid)?;
                        report.timestamp = Some(self.timestamp_summary(size, gen_time, policy));
                    }
                    Err(e) => {
                        tracing::warn!("checkpoint {size}: no time-stamp: {e}");
                        report.timestamp_error = Some(e);
                    }
                },
            }
        }
        Ok(report)
    }

    fn tsr_path(&self, size: u64) -> PathBuf {
        self.ledger_dir().join(HISTORY).join(format!("{size}.tsr"))
    }

    fn timestamp_summary(&self, size: u64, gen_time: String, policy: String) -> TimestampSummary {
        TimestampSummary {
            size,
            file: format!("{LEDGER_DIR}/{HISTORY}/{size}.tsr"),
            gen_time,
            policy,
        }
    }

    /// Sends a `TimeStampReq` for `note` to the TSA and returns its (checked) DER reply.
    async fn request_timestamp(
        &self,
        url: &str,
        timeout: u64,
        note: &[u8],
    ) -> Result<Vec<u8>, String> {
        use sha2::Digest as _;
        let hash: Hash = sha2::Sha256::digest(note).into();
        let mut nonce = [0u8; 8];
        getrandom::getrandom(&mut nonce).map_err(|e| format!("no OS randomness: {e}"))?;
        let nonce = u64::from_be_bytes(nonce) >> 1;
        let mut builder =
            reqwest::Client::builder().timeout(std::time::Duration::from_secs(timeout));
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        if matches!(host.as_deref(), Some("127.0.0.1" | "localhost" | "[::1]")) {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| format!("TSA client: {e}"))?;
        let resp = client
            .post(url)
            .header("content-type", "application/timestamp-query")
            .header("accept", "application/timestamp-reply")
            .body(timestamp_request(&hash, nonce))
            .send()
            .await
            .map_err(|e| format!("TSA {url}: {e}"))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("TSA {url} answered HTTP {status}"));
        }
        let body = resp.bytes().await.map_err(|e| format!("TSA {url}: {e}"))?;
        if body.len() > MAX_TSR {
            return Err(format!(
                "TSA {url}: reply of {} bytes is too large",
                body.len()
            ));
        }
        let reply = parse_timestamp_reply(&body).map_err(|e| format!("TSA {url}: {e}"))?;
        match &reply.token {
            Some(t) if reply.status <= 1 => {
                if !t.imprints_sha256(&hash) {
                    return Err(format!("TSA {url} stamped another message"));
                }
                if !t.has_nonce(nonce) {
                    return Err(format!("TSA {url} did not echo the request's nonce"));
                }
            }
            _ => {
                return Err(format!(
                    "TSA {url} refused (status {}{})",
                    reply.status,
                    if reply.status_text.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", reply.status_text.join("; "))
                    }
                ));
            }
        }
        Ok(body.to_vec())
    }

    fn read_tile(&self, tile: &Tile) -> Option<Vec<u8>> {
        fs::read(self.ledger_dir().join(tile.path()))
            .ok()
            .filter(|d| d.len() == usize::from(tile.width) * 32)
    }

    /// Whether the right-edge level-0 tile and entry bundle of a tree of `size` are on disk.
    fn tiles_present(&self, size: u64) -> bool {
        let Some(last) = annals_ledger::new_tiles(size - 1, size).first().copied() else {
            return false;
        };
        let dir = self.ledger_dir();
        dir.join(last.path()).is_file()
            && last.entries_path().is_some_and(|p| dir.join(p).is_file())
    }

    /// Writes the tiles of the current tree. Starts from `old`'s tiles when they are on disk and
    /// hash to its signed root (only new tiles are written); otherwise rebuilds them all from the
    /// stored leaves. Either way the new tree is proven to extend `old` first, and its tiles to
    /// hash to the tree's root. With `all`, rebuilds from scratch.
    async fn publish_tiles(
        &self,
        old: Option<&Checkpoint>,
        all: bool,
    ) -> Result<u64, ArchiveError> {
        if !all
            && let Some(cp) = old
            && cp.size > 0
        {
            let reader = TileHashReader::new(cp.size, |t: &Tile| self.read_tile(t));
            if annals_ledger::tree_hash(&reader, cp.size).ok() == Some(cp.root) {
                match self.write_tiles(cp.size, old).await {
                    Ok(n) => return Ok(n),
                    Err(e) => tracing::warn!("rebuilding the log's tiles: {e}"),
                }
            }
        }
        self.write_tiles(0, old).await
    }

    /// Grows the tiles on disk from a tree of `from` leaves to the current tree.
    async fn write_tiles(&self, from: u64, old: Option<&Checkpoint>) -> Result<u64, ArchiveError> {
        let size = self.tree.size();
        let start = grow_start(from);
        let dir = self.ledger_dir();
        let staging = dir.join(STAGING);
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| ArchiveError::io(&staging, e))?;
        }
        // Stream the leaves with their records: leaf hashes kept (32 bytes each), entries
        // checked against them and written as bundles to the staging folder.
        let mut leaves: Vec<Hash> = Vec::with_capacity((size.saturating_sub(start)) as usize);
        let mut bundle: Vec<Vec<u8>> = Vec::with_capacity(256);
        let mut staged: Vec<String> = Vec::new();
        let mut failure: Option<ArchiveError> = None;
        let stage = |bundle: &[Vec<u8>], index: u64, staged: &mut Vec<String>| {
            let tile = Tile {
                level: 0,
                index,
                width: bundle.len() as u16,
            };
            let rel = tile.entries_path().unwrap_or_default();
            let data = encode_bundle(bundle).map_err(ledger_err)?;
            write_new(&staging.join(&rel), &data)?;
            staged.push(rel);
            Ok::<(), ArchiveError>(())
        };
        {
            let mut each = |(index, hex, capture): annals_store::LedgerEntryRow| {
                if failure.is_some() {
                    return Ok(());
                }
                let result = (|| {
                    let expected = start + leaves.len() as u64;
                    if index != expected || index >= size {
                        return Err(ArchiveError::Invalid(format!(
                            "the log's leaves are not numbered 0..{size} (leaf {index} where {expected} was expected); run `annals verify`"
                        )));
                    }
                    let c = capture.ok_or_else(|| {
                        ArchiveError::Invalid(format!(
                            "leaf {index} refers to a record the index does not hold; run `annals verify`"
                        ))
                    })?;
                    let entry = entry_for(&c, index, self.entry_v2_from)?
                        .encode()
                        .map_err(ledger_err)?;
                    let stored = hex_decode(&hex).and_then(|b| <[u8; 32]>::try_from(b).ok());
                    if stored != Some(leaf_hash(&entry)) {
                        return Err(ArchiveError::Invalid(format!(
                            "leaf {index} does not match the record at {} byte {}; run `annals verify`",
                            c.warc_file, c.offset
                        )));
                    }
                    leaves.push(leaf_hash(&entry));
                    bundle.push(entry);
                    if bundle.len() == 256 {
                        stage(&bundle, index / 256, &mut staged)?;
                        bundle.clear();
                    }
                    Ok(())
                })();
                if let Err(e) = result {
                    failure = Some(e);
                }
                Ok(())
            };
            self.store.for_each_ledger_entry(start, &mut each).await?;
        }
        if let Some(e) = failure {
            return Err(e);
        }
        if !bundle.is_empty() {
            stage(&bundle, (size - 1) / 256, &mut staged)?;
        }
        if start + leaves.len() as u64 != size {
            return Err(ArchiveError::Invalid(format!(
                "the log has {} leaves but the tree says {size}; run `annals verify`",
                start + leaves.len() as u64
            )));
        }
        // The new tree must extend the last checkpoint: from the stored leaves when rebuilding,
        // from the stored tiles (checked against the signed root by the caller) otherwise.
        if from == 0
            && let Some(cp) = old
            && annals_ledger::tree_hash(leaves.as_slice(), cp.size).ok() != Some(cp.root)
        {
            return Err(ArchiveError::Invalid(format!(
                "refusing to sign: the log is not consistent with checkpoint {} (it was rewritten); run `annals verify`",
                cp.size
            )));
        }
        let tiles = grow_tiles(from, size, &leaves, |t: &Tile| self.read_tile(t))
            .map_err(|e| ArchiveError::Invalid(format!("ledger tiles: {e}")))?;
        let new: std::collections::HashMap<Tile, &Vec<u8>> =
            tiles.iter().map(|(t, d)| (*t, d)).collect();
        let reader = TileHashReader::new(size, |t: &Tile| {
            new.get(t).map(|d| d.to_vec()).or_else(|| self.read_tile(t))
        });
        if annals_ledger::tree_hash(&reader, size).ok() != Some(self.tree.root()) {
            return Err(ArchiveError::Invalid(
                "the log's leaves do not hash to the tree's root; run `annals verify`".into(),
            ));
        }
        for (tile, data) in &tiles {
            write_atomic(&dir.join(tile.path()), data)?;
        }
        for rel in &staged {
            let to = dir.join(rel);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| ArchiveError::io(parent, e))?;
            }
            fs::rename(staging.join(rel), &to).map_err(|e| ArchiveError::io(&to, e))?;
        }
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| ArchiveError::io(&staging, e))?;
        }
        Ok((tiles.len() + staged.len()) as u64)
    }

    /// Re-reads one WARC file and compares its records with the indexed ones (by record id, in
    /// order): records in the file the index does not know were inserted, indexed records the
    /// file lacks were deleted. A record whose bytes changed in place is not reported here (the
    /// digest check names it).
    fn scan_file(
        &self,
        name: &str,
        indexed: &[(u64, String)],
    ) -> Result<Vec<(&'static str, String)>, ArchiveError> {
        let path = self.root().join(crate::WARC_DIR).join(name);
        let file = fs::File::open(&path).map_err(|e| ArchiveError::io(&path, e))?;
        let reader = annals_warc::WarcReader::new(std::io::BufReader::with_capacity(1 << 20, file));
        let mut out = Vec::new();
        let mut wanted: std::collections::HashMap<&str, std::collections::VecDeque<u64>> =
            Default::default();
        for (off, id) in indexed {
            wanted.entry(id.as_str()).or_default().push_back(*off);
        }
        let mut unknown: Vec<(u64, String)> = Vec::new();
        // Where reading stopped on a record that does not parse: nothing after it is known.
        let mut read_to = u64::MAX;
        let mut last_end = 0u64;
        for item in reader {
            match item {
                Ok(r) => {
                    last_end = r.span.offset + r.span.length;
                    let id = r.record.header.record_id().unwrap_or("").to_string();
                    let found = wanted.get_mut(id.as_str()).and_then(|offs| {
                        // The copy at this offset if indexed so, else the first one.
                        match offs.iter().position(|o| *o == r.span.offset) {
                            Some(at) => offs.remove(at),
                            None => offs.pop_front(),
                        }
                    });
                    if found.is_none() {
                        unknown.push((r.span.offset, id));
                    }
                }
                Err(e) => {
                    out.push(("file", format!("{name}: {e}")));
                    read_to = last_end;
                    break;
                }
            }
        }
        let mut missing: Vec<(u64, &str)> = wanted
            .iter()
            .flat_map(|(id, offs)| offs.iter().map(move |o| (*o, *id)))
            .filter(|(o, _)| *o < read_to)
            .collect();
        missing.sort();
        // An unknown record where a missing one was indexed: changed in place, not moved.
        let replaced: std::collections::HashSet<u64> = unknown
            .iter()
            .map(|(o, _)| *o)
            .filter(|o| missing.binary_search_by(|(m, _)| m.cmp(o)).is_ok())
            .collect();
        for (off, id) in unknown {
            if !replaced.contains(&off) {
                out.push((
                    "file",
                    format!(
                        "{name} byte {off}: a record the index and log do not know (inserted?): {}",
                        if id.is_empty() {
                            "no WARC-Record-ID"
                        } else {
                            &id
                        }
                    ),
                ));
            }
        }
        for (off, id) in missing {
            if !replaced.contains(&off) {
                out.push((
                    "file",
                    format!(
                        "{name}: record {id}, indexed at byte {off}, is not in the file (deleted?)"
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// Compares the tile files of a tree of `size` leaves with the tiles of `leaves`.
    fn check_tiles(&self, leaves: &[Hash], size: u64) -> Vec<String> {
        let dir = self.ledger_dir();
        let expected = match grow_tiles(0, size, leaves, |_: &Tile| None) {
            Ok(t) => t,
            Err(e) => return vec![format!("cannot compute the log's tiles: {e}")],
        };
        let (mut missing, mut differing) = (Vec::new(), Vec::new());
        for (tile, data) in &expected {
            let path = tile.path();
            match fs::read(dir.join(&path)) {
                Ok(d) if d == *data => {}
                Ok(_) => differing.push(path),
                Err(_) => missing.push(path),
            }
            if let Some(path) = tile.entries_path() {
                match fs::read(dir.join(&path)) {
                    Ok(bundle) => {
                        let ok = annals_ledger::decode_bundle(&bundle).is_ok_and(|entries| {
                            entries.len() == usize::from(tile.width)
                                && entries
                                    .iter()
                                    .zip(data.chunks_exact(32))
                                    .all(|(e, h)| leaf_hash(e)[..] == *h)
                        });
                        if !ok {
                            differing.push(path);
                        }
                    }
                    Err(_) => missing.push(path),
                }
            }
        }
        let mut out = Vec::new();
        let list = |paths: &[String]| {
            let shown: Vec<String> = paths
                .iter()
                .take(5)
                .map(|p| format!("{LEDGER_DIR}/{p}"))
                .collect();
            let more = paths.len().saturating_sub(5);
            if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        if !differing.is_empty() {
            out.push(format!(
                "{} does not match the log at checkpoint {size}: the published tiles were altered",
                list(&differing)
            ));
        }
        if !missing.is_empty() {
            out.push(format!(
                "{} missing for checkpoint {size}: run `annals ledger checkpoint`",
                list(&missing)
            ));
        }
        out
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
        let warc_dir = self.root().join(crate::WARC_DIR);
        // Streamed in archive order: memory does not grow with the number of records, and each
        // file is read front to back through one handle. The index rows arrive on this thread
        // and are handed in batches to a checker thread, which reads and hashes the records and
        // compares them with the log's leaves, so the two overlap.
        let (batches, inbox) = std::sync::mpsc::sync_channel::<Vec<Capture>>(8);
        let v2_from = self.entry_v2_from;
        let checker = std::thread::spawn(move || {
            let mut out = Checked {
                v2_from,
                ..Checked::default()
            };
            let mut reader = MemberReader::default();
            let mut i = 0usize;
            for batch in inbox {
                for c in batch {
                    out.check(&mut reader, &warc_dir, &c, i, leaves.get(i), full);
                    i += 1;
                }
            }
            out.records = i;
            (out, leaves)
        });
        let mut done = 0u64;
        let mut batch: Vec<Capture> = Vec::with_capacity(CHECK_BATCH);
        let mut sent = 0usize;
        let streamed = {
            let mut each = |c: Capture| {
                done += c.length;
                batch.push(c);
                if batch.len() == CHECK_BATCH {
                    let full_batch = std::mem::replace(&mut batch, Vec::with_capacity(CHECK_BATCH));
                    sent += full_batch.len();
                    // A closed channel means the checker died: its join below says why.
                    let _ = batches.send(full_batch);
                    progress(done, total);
                }
                Ok(())
            };
            self.store
                .for_each_capture(&CaptureFilter::default(), CaptureOrder::Archive, &mut each)
                .await
        };
        if !batch.is_empty() {
            sent += batch.len();
            let _ = batches.send(batch);
        }
        drop(batches);
        let (checked, leaves) = checker
            .join()
            .map_err(|_| ArchiveError::Invalid("the record checker panicked".into()))?;
        streamed?;
        debug_assert_eq!(sent, checked.records);
        let Checked {
            records: i,
            bytes,
            findings: mut found,
            mut offsets,
            damaged_files,
            ..
        } = checked;
        findings.append(&mut found);
        let warc_dir = self.root().join(crate::WARC_DIR);
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
            // Every byte of a file is accounted for when its indexed records, each checked
            // against its digest above, tile it exactly. Only a file where they do not is
            // re-read record by record, to name what was inserted or deleted.
            for name in self.warc_files()? {
                let indexed = offsets.remove(&name).unwrap_or_default();
                let path = warc_dir.join(&name);
                let size = fs::metadata(&path)
                    .map_err(|e| ArchiveError::io(&path, e))?
                    .len();
                let mut end = 0u64;
                let mut tiled = true;
                for (off, len, _) in &indexed {
                    tiled &= *off == end;
                    end = off.saturating_add(*len);
                }
                tiled &= end == size;
                if tiled && !damaged_files.contains(&name) {
                    continue;
                }
                let ids: Vec<(u64, String)> =
                    indexed.into_iter().map(|(o, _, id)| (o, id)).collect();
                for (kind, message) in self.scan_file(&name, &ids)? {
                    find(kind, message);
                }
            }
            for (name, _) in offsets {
                find(
                    "file",
                    format!("{name}: indexed, but missing from {}/", crate::WARC_DIR),
                );
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
            let tsr = self.tsr_path(size);
            if let Ok(der) = fs::read(&tsr) {
                match check_timestamp(&der, &text) {
                    Ok((gen_time, policy)) => report
                        .timestamps
                        .push(self.timestamp_summary(size, gen_time, policy)),
                    Err(e) => find(
                        "timestamp",
                        format!("{LEDGER_DIR}/{HISTORY}/{size}.tsr: {e}"),
                    ),
                }
            }
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
        // The published tiles must be the log's: every hash tile and entry bundle of the last
        // good checkpoint (when the log itself still matches it).
        if let Some(cp) = &prev
            && cp.size > 0
            && self.ledger_dir().join("tile").is_dir()
            && annals_ledger::tree_hash(hashes.as_slice(), cp.size).ok() == Some(cp.root)
        {
            for message in self.check_tiles(&hashes[..cp.size as usize], cp.size) {
                find("tiles", message);
            }
        }
        progress(total, total);
        report.findings = findings;
        Ok(report)
    }
}

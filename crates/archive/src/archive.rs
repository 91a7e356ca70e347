//! The `Archive`: a data directory opened for use.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use annals_model::Capture;
use annals_store::{CaptureFilter, CaptureOrder, Store};
use annals_store_sqlite::SqliteStore;
use annals_warc::{ReadRecord, Record, WarcDate, WarcReader};

use crate::ArchiveError;
use crate::prepare::{Prepared, date_from_system, prepare, prepare_paired};
use crate::replay::Pairing;
use crate::segment::{self, Segment, WARC_DIR};

/// Name of the index database in the data directory.
pub const INDEX_DB: &str = "index.db";
/// Name of the lock file in the data directory.
const LOCK_FILE: &str = "lock";
/// Marker written by `init`, so a typo'd `--data` is not silently turned into a new archive.
const MARKER: &str = "annals.toml";

/// Tunables of an archive.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    /// Roll over to a new WARC file past this size (bytes). Default 1 GB (WARC 1.1 Annex C).
    pub max_file_size: u64,
    /// gzip level for records annals compresses itself (imported gzip members are copied as is).
    pub gzip_level: u32,
    /// Records per index commit during import.
    pub batch_records: usize,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions {
            max_file_size: 1_000_000_000,
            gzip_level: 6,
            batch_records: 1000,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    /// The input.
    pub source: String,
    /// Records read from it.
    pub read: u64,
    /// Records added to the archive.
    pub added: u64,
    /// Records already in the archive (same record id and block digest), skipped.
    pub skipped: u64,
    /// Records converted from ARC.
    pub converted_from_arc: u64,
    /// Bytes of junk between records that readers skip (a sign of a sloppy writer).
    pub junk_bytes: u64,
    /// The error that stopped reading, if any (every record before it was imported).
    pub error: Option<String>,
    /// For a WACZ: what checking it found (hashes, and the signature: who signed, or which
    /// anonymous key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wacz: Option<String>,
}

/// Progress of a long operation: bytes done out of a total (0 when unknown).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// An open data directory. Holds an exclusive lock on it until dropped.
pub struct Archive {
    root: PathBuf,
    pub(crate) store: Box<dyn Store>,
    _lock: Arc<File>,
    /// A reader ([`Archive::reader`]): a second index connection that refuses to write.
    read_only: bool,
    pub(crate) options: ArchiveOptions,
    pub(crate) tree: annals_ledger::Tree,
    /// The log's first leaf in entry format 2 (`None`: all in format 1); see
    /// [`crate::entry_for`].
    pub(crate) entry_v2_from: Option<u64>,
    current: Option<Segment>,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// A new `WARC-Record-ID` (without angle brackets): a time-ordered UUID (version 7), so that
/// consecutive records' ids sort together and the index's `record_id` B-tree grows at its end
/// (full pages, no random page splits) instead of at random places as with version 4 ids. Its 74
/// random bits keep ids unique; the millisecond it carries is already in the record's
/// `WARC-Date`.
pub fn new_record_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::now_v7())
}

impl Archive {
    /// Creates a data directory (or checks an existing one) and opens it.
    pub async fn init(root: &Path, options: ArchiveOptions) -> Result<Archive, ArchiveError> {
        fs::create_dir_all(root.join(WARC_DIR)).map_err(|e| ArchiveError::io(root, e))?;
        let marker = root.join(MARKER);
        if !marker.exists() {
            let text = "# annals data directory. Everything annals knows is in warcs/; index.db is derived\n# and can be rebuilt with `annals reindex`.\nlayout = 1\n";
            fs::write(&marker, text).map_err(|e| ArchiveError::io(&marker, e))?;
        }
        crate::ledger::signer(root)?;
        Self::open(root, options).await
    }

    /// Opens an existing data directory: takes the lock, brings the index up to date with the
    /// WARC files (indexing complete records past the last commit, cutting off a torn tail).
    pub async fn open(root: &Path, options: ArchiveOptions) -> Result<Archive, ArchiveError> {
        if !root.join(MARKER).is_file() || !root.join(WARC_DIR).is_dir() {
            return Err(ArchiveError::NotInitialised(root.to_path_buf()));
        }
        let lock = take_lock(root)?;
        Self::attach(root, options, lock, None).await
    }

    /// Opens the index under `lock` and brings it up to date with the WARC files.
    async fn attach(
        root: &Path,
        options: ArchiveOptions,
        lock: File,
        progress: Option<Progress<'_>>,
    ) -> Result<Archive, ArchiveError> {
        let store = SqliteStore::open(&root.join(INDEX_DB)).await?;
        store.migrate().await?;
        let tree = crate::ledger::tree_from_state(store.ledger_state().await?)?;
        let entry_v2_from = crate::ledger::read_v2_from(root)?;
        let mut archive = Archive {
            root: root.to_path_buf(),
            store: Box::new(store),
            _lock: Arc::new(lock),
            read_only: false,
            options,
            current: None,
            tree,
            entry_v2_from,
        };
        archive.recover(progress).await?;
        if archive.entry_v2_from.is_none() {
            // Every record on disk is indexed, with the entries it was written with (format 1
            // for a log begun before format 2, none at all for a new one): new leaves from here on
            // are in format 2.
            let from = archive.tree.size();
            crate::ledger::write_v2_from(root, from)?;
            archive.entry_v2_from = Some(from);
        }
        Ok(archive)
    }

    /// A reader of this archive for another task of the same process (the web UI beside a
    /// running observer): its own index connections (opened on first use, so reads never wait
    /// on the writer's connection; SQLite's WAL lets them read while it writes), sharing the
    /// data directory's lock. It sees every committed row; it refuses to write (appends,
    /// imports, checkpoints fail with [`ArchiveError::Invalid`]).
    pub fn reader(&self) -> Archive {
        Archive {
            root: self.root.clone(),
            store: Box::new(SqliteStore::open_lazy(&self.root.join(INDEX_DB))),
            _lock: self._lock.clone(),
            read_only: true,
            options: self.options.clone(),
            tree: self.tree.clone(),
            entry_v2_from: self.entry_v2_from,
            current: None,
        }
    }

    /// Whether this is a [`Archive::reader`].
    pub fn is_reader(&self) -> bool {
        self.read_only
    }

    pub(crate) fn refuse_if_reader(&self) -> Result<(), ArchiveError> {
        if self.read_only {
            return Err(ArchiveError::Invalid(
                "this is a reader of the archive: only its owner writes".into(),
            ));
        }
        Ok(())
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The index.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub(crate) fn warc_dir(&self) -> PathBuf {
        self.root.join(WARC_DIR)
    }

    /// The archive's WARC files on disk, in name (= creation) order.
    pub fn warc_files(&self) -> Result<Vec<String>, ArchiveError> {
        let dir = self.warc_dir();
        let mut names: Vec<String> = fs::read_dir(&dir)
            .map_err(|e| ArchiveError::io(&dir, e))?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
            .filter(|n| segment::is_segment_name(n))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Brings the index up to date with the files: every complete record past a file's indexed
    /// size is indexed, and an incomplete tail (a write cut short by a crash) is cut off.
    async fn recover(&mut self, progress: Option<Progress<'_>>) -> Result<(), ArchiveError> {
        let indexed = self.store.warc_files().await?;
        let on_disk = self.warc_files()?;
        for entry in &indexed {
            if !on_disk.contains(&entry.name) {
                return Err(ArchiveError::Damaged {
                    file: entry.name.clone(),
                    offset: 0,
                    reason: "the index refers to this WARC file but it is missing from warcs/"
                        .into(),
                });
            }
        }
        let total: u64 = on_disk
            .iter()
            .filter_map(|n| fs::metadata(self.warc_dir().join(n)).ok())
            .map(|m| m.len())
            .sum();
        let mut done = 0u64;
        for name in &on_disk {
            let path = self.warc_dir().join(name);
            let disk = fs::metadata(&path)
                .map_err(|e| ArchiveError::io(&path, e))?
                .len();
            let known = indexed
                .iter()
                .find(|e| &e.name == name)
                .map_or(0, |e| e.indexed_size);
            if disk < known {
                return Err(ArchiveError::Damaged {
                    file: name.clone(),
                    offset: disk,
                    reason: format!(
                        "the file is {disk} bytes but the index covers {known}: it was cut after indexing"
                    ),
                });
            }
            if disk > known {
                self.index_tail(name, known, done, total, progress).await?;
            }
            done += disk;
        }
        // Continue appending to the newest file if it has room.
        if let Some(name) = on_disk.last() {
            let path = self.warc_dir().join(name);
            let size = fs::metadata(&path)
                .map_err(|e| ArchiveError::io(&path, e))?
                .len();
            if size < self.options.max_file_size {
                self.current = Some(Segment::reopen(&self.warc_dir(), name, size)?);
            }
        }
        Ok(())
    }

    /// Indexes the records of `name` from byte `from` on; cuts the file at the first record that
    /// does not read back whole.
    async fn index_tail(
        &mut self,
        name: &str,
        from: u64,
        done: u64,
        total: u64,
        progress: Option<Progress<'_>>,
    ) -> Result<(), ArchiveError> {
        let path = self.warc_dir().join(name);
        let mut file = File::open(&path).map_err(|e| ArchiveError::io(&path, e))?;
        file.seek(SeekFrom::Start(from))
            .map_err(|e| ArchiveError::io(&path, e))?;
        let reader =
            WarcReader::new(BufReader::with_capacity(1 << 20, file)).keep_source_bytes(true);
        let mut good_end = from;
        let mut batch: Vec<Capture> = Vec::new();
        let mut prev: Option<ReadRecord> = None;
        let mut cut: Option<(u64, String)> = None;
        let level = self.options.gzip_level;
        let mut pairing = Pairing::default();
        let push = |p: ReadRecord,
                    pairing: &mut Pairing,
                    next: Option<&Record>,
                    batch: &mut Vec<Capture>| {
            let prepared = prepare_paired(&p, pairing.before(), next, level);
            let mut c = prepared.capture;
            c.warc_file = name.to_string();
            c.offset = from + p.span.offset;
            c.length = p.span.length;
            c.cdxj = prepared
                .cdxj
                .map(|f| f.line(c.length, c.offset, name, Some(&c.record_digest)));
            batch.push(c);
            pairing.advance(p.record);
        };
        for item in reader {
            let read = match item {
                Ok(r) if r.own_member && r.record.is_complete() => r,
                Ok(r) => {
                    cut = Some((
                        from + r.span.offset,
                        "record is incomplete or not in its own gzip member".into(),
                    ));
                    break;
                }
                Err(e) => {
                    cut = Some((from + e.offset(), e.to_string()));
                    break;
                }
            };
            if let Some(p) = prev.take() {
                good_end = from + p.span.offset + p.span.length;
                push(p, &mut pairing, Some(&read.record), &mut batch);
            }
            prev = Some(read);
            if batch.len() >= 5000 {
                self.commit_rows(name, good_end, &batch).await?;
                batch.clear();
                if let Some(p) = progress {
                    p(done + good_end, total);
                }
            }
        }
        if let Some(p) = prev.take() {
            good_end = from + p.span.offset + p.span.length;
            push(p, &mut pairing, None, &mut batch);
        }
        if let Some((at, why)) = cut {
            let len = fs::metadata(&path)
                .map_err(|e| ArchiveError::io(&path, e))?
                .len();
            tracing::warn!(
                "{name}: cut off a torn tail of {} bytes at byte {at} ({why})",
                len - good_end
            );
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| ArchiveError::io(&path, e))?;
            f.set_len(good_end)
                .map_err(|e| ArchiveError::io(&path, e))?;
            f.sync_all().map_err(|e| ArchiveError::io(&path, e))?;
        }
        self.commit_rows(name, good_end, &batch).await?;
        Ok(())
    }

    /// Rebuilds the index from the WARC files alone: removes `index.db` and indexes every file.
    pub async fn reindex(
        root: &Path,
        options: ArchiveOptions,
        progress: Progress<'_>,
    ) -> Result<Archive, ArchiveError> {
        if !root.join(MARKER).is_file() {
            return Err(ArchiveError::NotInitialised(root.to_path_buf()));
        }
        // The lock is held from before the index is removed until the rebuilt one is open.
        let lock = take_lock(root)?;
        for suffix in ["", "-wal", "-shm"] {
            let p = root.join(format!("{INDEX_DB}{suffix}"));
            if p.exists() {
                fs::remove_file(&p).map_err(|e| ArchiveError::io(&p, e))?;
            }
        }
        Self::attach(root, options, lock, Some(progress)).await
    }

    /// Commits index rows together with their ledger leaves, in one transaction.
    async fn commit_rows(
        &mut self,
        file: &str,
        indexed_size: u64,
        rows: &[Capture],
    ) -> Result<(), ArchiveError> {
        self.refuse_if_reader()?;
        let (tree, batch) = crate::ledger::batch_for(&self.tree, rows, self.entry_v2_from)?;
        self.store.commit(file, indexed_size, rows, &batch).await?;
        self.tree = tree;
        Ok(())
    }

    fn next_serial(&self) -> Result<u64, ArchiveError> {
        Ok(self
            .warc_files()?
            .iter()
            .filter_map(|n| segment::serial_of(n))
            .max()
            .map_or(1, |s| s + 1))
    }

    async fn new_segment(&mut self) -> Result<(), ArchiveError> {
        let now = date_from_system(std::time::SystemTime::now());
        let serial = self.next_serial()?;
        let id = new_record_id();
        let (seg, member) = Segment::create(&self.warc_dir(), &now, serial, &id)?;
        let read = WarcReader::new(&member[..]).keep_source_bytes(true).next();
        let mut rows = Vec::new();
        if let Some(Ok(r)) = read {
            let mut c = prepare(&r, None, self.options.gzip_level).capture;
            c.warc_file = seg.name.clone();
            c.offset = 0;
            rows.push(c);
        }
        self.commit_rows(&seg.name, seg.size, &rows).await?;
        self.current = Some(seg);
        Ok(())
    }

    /// Appends prepared records: written, fsynced, then committed to the index. Returns the
    /// index rows as stored.
    pub(crate) async fn append(
        &mut self,
        batch: Vec<Prepared>,
    ) -> Result<Vec<Capture>, ArchiveError> {
        self.refuse_if_reader()?;
        let mut out = Vec::with_capacity(batch.len());
        let mut rows: Vec<Capture> = Vec::with_capacity(batch.len());
        for p in batch {
            let needs_new = match &self.current {
                None => true,
                Some(seg) => {
                    seg.size + p.member.len() as u64 > self.options.max_file_size && seg.size > 4096
                }
            };
            if needs_new {
                if !rows.is_empty() {
                    self.flush(&mut rows, &mut out).await?;
                }
                self.new_segment().await?;
            }
            let seg = self
                .current
                .as_mut()
                .ok_or_else(|| ArchiveError::Invalid("no open WARC file".into()))?;
            let offset = match seg.write(&p.member) {
                Ok(o) => o,
                Err(e) => {
                    // Roll back this batch's unsynced bytes in the file; nothing indexed changes.
                    let start = rows.first().map_or(seg.size, |c| c.offset);
                    seg.rollback(start);
                    return Err(e);
                }
            };
            let mut c = p.capture;
            c.warc_file = seg.name.clone();
            c.offset = offset;
            c.length = p.member.len() as u64;
            c.cdxj = p
                .cdxj
                .map(|f| f.line(c.length, offset, &seg.name, Some(&c.record_digest)));
            rows.push(c);
        }
        self.flush(&mut rows, &mut out).await?;
        Ok(out)
    }

    async fn flush(
        &mut self,
        rows: &mut Vec<Capture>,
        out: &mut Vec<Capture>,
    ) -> Result<(), ArchiveError> {
        let Some(seg) = self.current.as_mut() else {
            return Ok(());
        };
        if let Err(e) = seg.sync() {
            let start = rows.first().map_or(seg.size, |c| c.offset);
            seg.rollback(start);
            return Err(e);
        }
        let (name, size) = (seg.name.clone(), seg.size);
        self.commit_rows(&name, size, rows).await?;
        out.append(rows);
        Ok(())
    }

    /// Imports a WARC, ARC or WACZ file: every record is copied into the archive's own WARC
    /// files (gzip members verbatim, other records compressed unchanged; ARC converted), skipping
    /// records already present. Reading stops at the first malformed record, keeping everything
    /// before it; the error is in the report.
    pub async fn import(
        &mut self,
        path: &Path,
        progress: Progress<'_>,
    ) -> Result<ImportReport, ArchiveError> {
        let mut magic = [0u8; 4];
        let mut f = File::open(path).map_err(|e| ArchiveError::io(path, e))?;
        let n = f.read(&mut magic).map_err(|e| ArchiveError::io(path, e))?;
        if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(ArchiveError::Invalid(format!(
                "{}: is a directory",
                path.display()
            )));
        }
        if n == 4 && &magic == b"PK\x03\x04" {
            return self.import_wacz(path, progress).await;
        }
        let total = f.metadata().map_err(|e| ArchiveError::io(path, e))?.len();
        drop(f);
        let path_buf = path.to_path_buf();
        self.import_stream(
            path.display().to_string(),
            total,
            progress,
            Box::new(move |counter, body| {
                let file = File::open(&path_buf).map_err(|e| ArchiveError::io(&path_buf, e))?;
                body(&mut CountingRead {
                    inner: file,
                    counter,
                });
                Ok(())
            }),
        )
        .await
    }

    async fn import_wacz(
        &mut self,
        path: &Path,
        progress: Progress<'_>,
    ) -> Result<ImportReport, ArchiveError> {
        let mut wacz = annals_wacz::Wacz::open(path)?;
        let report = wacz.verify()?;
        if !report.is_valid() {
            return Err(ArchiveError::Invalid(format!(
                "{}: not imported: {}",
                path.display(),
                report
            )));
        }
        let entries = wacz.warc_entries();
        let mut total = ImportReport {
            source: path.display().to_string(),
            wacz: Some(report.to_string()),
            ..ImportReport::default()
        };
        drop(wacz);
        for entry in entries {
            let p = path.to_path_buf();
            let name = entry.name.clone();
            let r = self
                .import_stream(
                    format!("{}!{}", path.display(), entry.name),
                    entry.size,
                    progress,
                    Box::new(move |counter, body| {
                        let mut wacz = annals_wacz::Wacz::open(&p)?;
                        let entry = wacz.open_entry(&name)?;
                        body(&mut CountingRead {
                            inner: entry,
                            counter,
                        });
                        Ok(())
                    }),
                )
                .await?;
            total.read += r.read;
            total.added += r.added;
            total.skipped += r.skipped;
            total.converted_from_arc += r.converted_from_arc;
            total.junk_bytes += r.junk_bytes;
            if r.error.is_some() {
                total.error = r.error;
                break;
            }
        }
        Ok(total)
    }

    async fn import_stream(
        &mut self,
        source: String,
        total: u64,
        progress: Progress<'_>,
        open: Opener,
    ) -> Result<ImportReport, ArchiveError> {
        let counter = Arc::new(AtomicU64::new(0));
        // One batch in the channel, one being read, one being written: memory stays bounded by
        // about three batches whatever the input size.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<BatchMsg>(1);
        let level = self.options.gzip_level;
        let batch_records = self.options.batch_records;
        let src_name = PathBuf::from(&source);
        let c2 = counter.clone();
        let producer = tokio::task::spawn_blocking(move || {
            let tx2 = tx.clone();
            let mut body =
                |input: &mut dyn Read| produce(input, &tx, &src_name, level, batch_records);
            if let Err(e) = open(c2, &mut body) {
                let _ = tx2.blocking_send(Err(e));
            }
        });
        let mut report = ImportReport {
            source,
            ..ImportReport::default()
        };
        while let Some(msg) = rx.recv().await {
            let (batch, arc, junk) = match msg {
                Ok(b) => b,
                Err(e) => {
                    report.error = Some(e.to_string());
                    break;
                }
            };
            report.read += batch.len() as u64;
            report.converted_from_arc += arc;
            report.junk_bytes += junk;
            let keys: Vec<(String, String)> = batch
                .iter()
                .map(|p| (p.capture.record_id.clone(), p.capture.block_digest.clone()))
                .collect();
            let existing: HashSet<(String, String)> =
                self.store.existing(&keys).await?.into_iter().collect();
            let mut seen = HashSet::new();
            let fresh: Vec<Prepared> = batch
                .into_iter()
                .filter(|p| {
                    let k = (p.capture.record_id.clone(), p.capture.block_digest.clone());
                    !existing.contains(&k) && seen.insert(k)
                })
                .collect();
            report.skipped += keys.len() as u64 - fresh.len() as u64;
            report.added += fresh.len() as u64;
            if !fresh.is_empty() {
                self.append(fresh).await?;
            }
            progress(counter.load(Ordering::Relaxed), total);
        }
        let _ = producer.await;
        Ok(report)
    }

    /// Lists captures.
    pub async fn captures(
        &self,
        filter: &CaptureFilter,
        order: CaptureOrder,
        limit: Option<u64>,
    ) -> Result<Vec<Capture>, ArchiveError> {
        Ok(self.store.captures(filter, order, limit).await?)
    }

    /// Reads a capture's stored gzip member and checks it against the index.
    pub fn read_member(&self, c: &Capture) -> Result<Vec<u8>, ArchiveError> {
        let path = self.warc_dir().join(&c.warc_file);
        let mut f = File::open(&path).map_err(|e| ArchiveError::io(&path, e))?;
        f.seek(SeekFrom::Start(c.offset))
            .map_err(|e| ArchiveError::io(&path, e))?;
        let mut buf = vec![
            0;
            usize::try_from(c.length)
                .map_err(|_| ArchiveError::Invalid("record too large".into()))?
        ];
        f.read_exact(&mut buf).map_err(|e| ArchiveError::Damaged {
            file: c.warc_file.clone(),
            offset: c.offset,
            reason: e.to_string(),
        })?;
        let digest = annals_warc::digest::sha256_hex(&buf);
        if digest != c.record_digest {
            return Err(ArchiveError::Damaged {
                file: c.warc_file.clone(),
                offset: c.offset,
                reason: format!(
                    "record digest is {digest}, the index says {}",
                    c.record_digest
                ),
            });
        }
        Ok(buf)
    }

    /// Reads and parses a capture's record, verifying it.
    pub fn read_record(&self, c: &Capture) -> Result<Record, ArchiveError> {
        let member = self.read_member(c)?;
        match WarcReader::new(&member[..]).next() {
            Some(Ok(r)) => Ok(r.record),
            Some(Err(e)) => Err(ArchiveError::Damaged {
                file: c.warc_file.clone(),
                offset: c.offset,
                reason: e.to_string(),
            }),
            None => Err(ArchiveError::Damaged {
                file: c.warc_file.clone(),
                offset: c.offset,
                reason: "empty record".into(),
            }),
        }
    }

    /// Checks every indexed record reads back with its digest. Returns how many were checked and
    /// the problems found.
    pub async fn check(&self) -> Result<(u64, Vec<String>), ArchiveError> {
        let filter = CaptureFilter::default();
        let all = self
            .store
            .captures(&filter, CaptureOrder::Archive, None)
            .await?;
        let mut problems = Vec::new();
        for c in &all {
            if let Err(e) = self.read_record(c) {
                problems.push(e.to_string());
            }
        }
        Ok((all.len() as u64, problems))
    }
}

/// Bytes of gzip members per import batch (with [`ArchiveOptions::batch_records`], the bound on
/// what one batch holds in memory).
const MAX_BATCH_BYTES: usize = 8 << 20;

/// Opens an import source in the reading thread and hands it to the record loop.
type Opener = Box<
    dyn FnOnce(Arc<AtomicU64>, &mut dyn FnMut(&mut dyn Read)) -> Result<(), ArchiveError> + Send,
>;

type BatchMsg = Result<(Vec<Prepared>, u64, u64), ArchiveError>;

/// The reading side of an import: reads records, prepares them, sends batches.
fn produce(
    input: &mut dyn Read,
    tx: &tokio::sync::mpsc::Sender<BatchMsg>,
    src_name: &Path,
    level: u32,
    batch_records: usize,
) {
    let reader = WarcReader::new(BufReader::with_capacity(1 << 20, input)).keep_source_bytes(true);
    let mut batch = Vec::with_capacity(batch_records);
    let mut bytes = 0usize;
    let (mut arc, mut junk) = (0u64, 0u64);
    let mut prev: Option<ReadRecord> = None;
    let mut pairing = Pairing::default();
    let mut failure = None;
    for item in reader {
        let read = match item.and_then(|r| r.check_complete().map(|()| r)) {
            Ok(r) => r,
            Err(e) => {
                failure = Some(ArchiveError::Format {
                    path: src_name.to_path_buf(),
                    source: e,
                });
                break;
            }
        };
        junk += read.junk as u64;
        if read.record.format == annals_warc::Format::Arc {
            arc += 1;
        }
        if let Some(p) = prev.take() {
            let prepared = prepare_paired(&p, pairing.before(), Some(&read.record), level);
            bytes += prepared.member.len();
            batch.push(prepared);
            pairing.advance(p.record);
        }
        prev = Some(read);
        if batch.len() >= batch_records || bytes >= MAX_BATCH_BYTES {
            bytes = 0;
            if tx
                .blocking_send(Ok((std::mem::take(&mut batch), arc, junk)))
                .is_err()
            {
                return;
            }
            (arc, junk) = (0, 0);
        }
    }
    if let Some(p) = prev.take() {
        batch.push(prepare_paired(&p, pairing.before(), None, level));
    }
    let _ = tx.blocking_send(Ok((batch, arc, junk)));
    if let Some(e) = failure {
        let _ = tx.blocking_send(Err(e));
    }
}

/// Takes the data directory's exclusive lock (released when the file is closed, even by a crash).
fn take_lock(root: &Path) -> Result<File, ArchiveError> {
    let lock_path = root.join(LOCK_FILE);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| ArchiveError::io(&lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(fs::TryLockError::WouldBlock) => Err(ArchiveError::Locked(root.to_path_buf())),
        Err(fs::TryLockError::Error(e)) => Err(ArchiveError::io(&lock_path, e)),
    }
}

/// Counts bytes read, for progress.
struct CountingRead<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The date of a capture as `WarcDate`.
pub fn capture_date(c: &Capture) -> Option<WarcDate> {
    WarcDate::parse(&c.date)
}

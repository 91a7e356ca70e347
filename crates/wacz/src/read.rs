//! Opening a WACZ, reading its entries and checking it against its manifest.
//!
//! Everything happens through the ZIP central directory and bounded readers: nothing is
//! extracted to disk, no entry is inflated past its declared size plus [`SIZE_MARGIN`], and
//! the whole package is refused at open time if any entry name is unsafe.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

use md5::Md5;
use sha2::{Digest, Sha256};
use zip::read::ZipFile;
use zip::{CompressionMethod, ZipArchive};

use crate::datapackage::{
    DataPackage, DigestFile, HashAlgorithm, ResourceHash, SignatureInfo, parse_datapackage,
    parse_digest_file,
};
use crate::error::WaczError;
use crate::path::unsafe_name_reason;
use crate::report::{Problem, VerifyReport};
use crate::signature::{SignatureCheck, check_signed_data};

/// The manifest entry.
const DATAPACKAGE: &str = "datapackage.json";
/// The entry holding the manifest's digest and, optionally, its signature.
const DATAPACKAGE_DIGEST: &str = "datapackage-digest.json";
/// The required pages list.
const PAGES: &str = "pages/pages.jsonl";
/// The folder holding the WARCs.
const ARCHIVE_DIR: &str = "archive/";
/// The largest `datapackage.json` accepted (a crawl of many thousand WARCs stays far below).
const MAX_DATAPACKAGE_BYTES: u64 = 64 * 1024 * 1024;
/// The largest `datapackage-digest.json` accepted (a domain signature with its chains is ~14 KB).
const MAX_DIGEST_BYTES: u64 = 1024 * 1024;
/// How far past its declared uncompressed size an entry may inflate before reading stops
/// with [`WaczError::TooLarge`].
pub const SIZE_MARGIN: u64 = 64 * 1024;

/// An open WACZ package.
///
/// Opening reads the ZIP central directory, refuses unsafe entry names, duplicates and
/// symlinks, parses `datapackage.json` (and `datapackage-digest.json` when present) and sniffs
/// the first bytes of each entry under `archive/`. It does not read the WARCs through: call
/// [`verify`](Self::verify) for that.
///
/// Methods: getters ([`name`](Self::name), [`datapackage`](Self::datapackage),
/// [`signature`](Self::signature), [`entry_names`](Self::entry_names),
/// [`warc_entries`](Self::warc_entries)), then readers ([`open_entry`](Self::open_entry),
/// [`verify`](Self::verify)), which need `&mut self` because they seek the underlying reader.
pub struct Wacz<R: Read + Seek> {
    name: String,
    archive: ZipArchive<R>,
    /// Every file entry in central-directory order (directory entries are left out).
    entries: Vec<Entry>,
    /// Entry name → position in `entries`.
    positions: HashMap<String, usize>,
    datapackage: DataPackage,
    /// The stored bytes of `datapackage.json`, which `datapackage-digest.json` hashes.
    datapackage_bytes: Vec<u8>,
    /// What parsing `datapackage.json` found wrong without failing.
    datapackage_problems: Vec<Problem>,
    /// `None` if absent, `Some(Err(why))` if unreadable or malformed.
    digest_file: Option<Result<DigestFile, String>>,
}

/// What the central directory (and, for `archive/`, a sniff) says about one entry.
#[derive(Debug)]
struct Entry {
    name: String,
    zip_index: usize,
    size: u64,
    compressed_size: u64,
    stored: bool,
    /// For entries under `archive/`: the sniffed format, if it is a WARC.
    warc: Option<WarcCompression>,
    /// For entries under `archive/`: why the first bytes could not be read.
    sniff_error: Option<String>,
    /// Absolute offset of the entry's bytes in the WACZ, known for sniffed entries.
    data_offset: Option<u64>,
}

/// A WARC inside a WACZ, as listed by [`Wacz::warc_entries`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryInfo {
    /// The ZIP entry name, e.g. `archive/data.warc.gz`; pass it to [`Wacz::open_entry`].
    pub name: String,
    /// The uncompressed size declared by the ZIP central directory (not yet checked).
    pub size: u64,
    /// The size of the stored (possibly DEFLATEd) bytes in the ZIP.
    pub compressed_size: u64,
    /// True if the entry is STOREd (as the spec requires), so its bytes lie verbatim in the
    /// WACZ at [`data_offset`](Self::data_offset).
    pub stored: bool,
    /// What the first bytes say the WARC is (the name is not trusted).
    pub compression: WarcCompression,
    /// For STOREd entries: the absolute offset of the WARC's first byte in the WACZ file, so
    /// that records can later be range-read from the WACZ itself.
    pub data_offset: Option<u64>,
}

/// How a WARC inside a WACZ is compressed, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarcCompression {
    /// Plain WARC: starts with `WARC/`.
    None,
    /// Gzipped WARC (normally one member per record): gzip magic, inflating to `WARC/`.
    Gzip,
}

impl Wacz<File> {
    /// Opens the WACZ at `path`; errors name it as `path.display()`.
    pub fn open(path: &Path) -> Result<Self, WaczError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|error| WaczError::Io {
            wacz: name.clone(),
            entry: None,
            error,
        })?;
        Wacz::from_reader(file, &name)
    }
}

impl<R: Read + Seek> Wacz<R> {
    /// Opens a WACZ from any seekable reader. `display_name` names it in errors and reports.
    pub fn from_reader(reader: R, display_name: &str) -> Result<Self, WaczError> {
        let name = display_name.to_owned();
        let mut archive =
            ZipArchive::new(reader).map_err(|error| WaczError::from_zip(&name, None, error))?;
        let mut entries = list_entries(&archive, &name)?;
        let positions: HashMap<String, usize> = entries
            .iter()
            .enumerate()
            .map(|(position, entry)| (entry.name.clone(), position))
            .collect();

        let Some(&datapackage_position) = positions.get(DATAPACKAGE) else {
            return Err(WaczError::EntryNotFound {
                wacz: name,
                entry: DATAPACKAGE.to_owned(),
            });
        };
        let datapackage_bytes = read_small(
            &mut archive,
            &name,
            &entries[datapackage_position],
            MAX_DATAPACKAGE_BYTES,
        )?;
        let mut datapackage_problems = Vec::new();
        let datapackage = parse_datapackage(&datapackage_bytes, &mut datapackage_problems)
            .map_err(|detail| WaczError::Datapackage {
                wacz: name.clone(),
                entry: DATAPACKAGE.to_owned(),
                detail,
            })?;

        let digest_file = match positions.get(DATAPACKAGE_DIGEST) {
            None => None,
            Some(&position) => {
                match read_small(&mut archive, &name, &entries[position], MAX_DIGEST_BYTES) {
                    Ok(bytes) => Some(parse_digest_file(&bytes)),
                    Err(error @ WaczError::Io { .. }) => return Err(error),
                    Err(error) => Some(Err(error.to_string())),
                }
            }
        };

        for entry in &mut entries {
            if entry.name.starts_with(ARCHIVE_DIR) {
                sniff(&mut archive, &name, entry)?;
            }
        }

        Ok(Wacz {
            name,
            archive,
            entries,
            positions,
            datapackage,
            datapackage_bytes,
            datapackage_problems,
            digest_file,
        })
    }

    /// The display name given at open time.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parsed `datapackage.json`.
    pub fn datapackage(&self) -> &DataPackage {
        &self.datapackage
    }

    /// The signature shape in `datapackage-digest.json` (not verified).
    pub fn signature(&self) -> SignatureInfo {
        match &self.digest_file {
            Some(Ok(digest_file)) => digest_file.signature.clone(),
            Some(Err(detail)) => SignatureInfo::Malformed {
                detail: format!("{DATAPACKAGE_DIGEST} unreadable: {detail}"),
            },
            None => SignatureInfo::Unsigned,
        }
    }

    /// The names of all file entries (not directories), in central-directory order.
    pub fn entry_names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.name.as_str())
    }

    /// The WARCs under `archive/`, in central-directory order: every entry there whose first
    /// bytes are `WARC/`, or a gzip member inflating to `WARC/`, whatever its name says.
    ///
    /// Entries under `archive/` that are not WARCs are left out here and reported by
    /// [`verify`](Self::verify). Nothing here checks hashes: verify before importing.
    pub fn warc_entries(&self) -> Vec<EntryInfo> {
        self.entries
            .iter()
            .filter_map(|entry| {
                Some(EntryInfo {
                    name: entry.name.clone(),
                    size: entry.size,
                    compressed_size: entry.compressed_size,
                    stored: entry.stored,
                    compression: entry.warc?,
                    data_offset: entry.data_offset.filter(|_| entry.stored),
                })
            })
            .collect()
    }

    /// Opens an entry for reading its uncompressed bytes.
    ///
    /// The reader stops with an error if the entry inflates past its declared size plus
    /// [`SIZE_MARGIN`] or its CRC-32 does not match; see [`EntryReader`].
    pub fn open_entry(&mut self, name: &str) -> Result<EntryReader<'_, R>, WaczError> {
        let Some(&position) = self.positions.get(name) else {
            return Err(WaczError::EntryNotFound {
                wacz: self.name.clone(),
                entry: name.to_owned(),
            });
        };
        open_bounded(&mut self.archive, &self.name, &self.entries[position])
    }

    /// Reads every listed resource through and checks it against `datapackage.json`, and
    /// `datapackage.json` against `datapackage-digest.json`.
    ///
    /// Checks: each resource exists, its SHA-256 (or MD5 where declared) and length match;
    /// no file is unlisted; `wacz_version` is present; `pages/pages.jsonl` exists; there is at
    /// least one WARC and everything under `archive/` is a WARC; the digest file's hash of the
    /// stored `datapackage.json` matches; `signedData` has an allowed shape and signs that
    /// hash. The signature itself is not verified yet.
    ///
    /// Corrupt entries become [`Problem::UnreadableFile`]; only I/O failures of the underlying
    /// reader are returned as errors.
    pub fn verify(&mut self) -> Result<VerifyReport, WaczError> {
        let mut problems = self.datapackage_problems.clone();
        let mut warnings = Vec::new();

        if self.datapackage.wacz_version.is_none()
            && self.datapackage.profile.as_deref() != Some("wacz")
        {
            problems.push(Problem::MissingVersion);
        }

        let resources_checked = self.check_resources(&mut problems, &mut warnings)?;

        let mut warc_count = 0;
        for entry in &self.entries {
            if !entry.name.starts_with(ARCHIVE_DIR) {
                continue;
            }
            if entry.warc.is_some() {
                warc_count += 1;
                if !entry.stored {
                    warnings.push(Problem::WarcNotStored {
                        entry: entry.name.clone(),
                    });
                }
            } else if let Some(detail) = &entry.sniff_error {
                let reported = problems.iter().any(|problem| {
                    matches!(problem, Problem::UnreadableFile { entry: name, .. } if *name == entry.name)
                });
                if !reported {
                    problems.push(Problem::UnreadableFile {
                        entry: entry.name.clone(),
                        detail: detail.clone(),
                    });
                }
            } else {
                problems.push(Problem::NotWarc {
                    entry: entry.name.clone(),
                });
            }
        }
        if warc_count == 0 {
            problems.push(Problem::NoWarc);
        }
        if !self.positions.contains_key(PAGES) {
            problems.push(Problem::MissingPages);
        }

        let (datapackage_digest_matches, signature_check) =
            self.check_digest_file(&mut problems, &mut warnings);

        Ok(VerifyReport {
            wacz: self.name.clone(),
            wacz_version: self.datapackage.wacz_version.clone(),
            warc_count,
            resources_checked,
            datapackage_digest_matches,
            signature: self.signature(),
            signature_check,
            problems,
            warnings,
        })
    }

    /// Hashes every listed resource; returns how many were compared.
    fn check_resources(
        &mut self,
        problems: &mut Vec<Problem>,
        warnings: &mut Vec<Problem>,
    ) -> Result<usize, WaczError> {
        let mut resources_checked = 0;
        let mut listed = HashSet::new();
        for resource in &self.datapackage.resources {
            if !listed.insert(resource.path.as_str()) {
                problems.push(Problem::DuplicateResource {
                    entry: resource.path.clone(),
                });
                continue;
            }
            let algorithm = match &resource.hash {
                None => {
                    problems.push(Problem::MissingHash {
                        entry: resource.path.clone(),
                    });
                    None
                }
                Some(ResourceHash {
                    algorithm: HashAlgorithm::Other(label),
                    ..
                }) => {
                    problems.push(Problem::UnsupportedHash {
                        entry: resource.path.clone(),
                        algorithm: label.clone(),
                    });
                    None
                }
                Some(hash) => Some(hash.algorithm.clone()),
            };
            let Some(entry) = self
                .positions
                .get(&resource.path)
                .map(|&position| &self.entries[position])
            else {
                problems.push(Problem::MissingFile {
                    entry: resource.path.clone(),
                });
                continue;
            };
            let (length, actual) = match open_bounded(&mut self.archive, &self.name, entry)
                .and_then(|mut reader| {
                    digest_reader(&mut reader, algorithm.as_ref())
                        .map_err(|error| WaczError::from_entry_io(&self.name, &entry.name, error))
                }) {
                Ok(result) => result,
                Err(error @ WaczError::Io { .. }) => return Err(error),
                Err(error) => {
                    problems.push(Problem::UnreadableFile {
                        entry: resource.path.clone(),
                        detail: error_detail(&error),
                    });
                    continue;
                }
            };
            match resource.bytes {
                Some(expected) if expected != length => problems.push(Problem::SizeMismatch {
                    entry: resource.path.clone(),
                    expected,
                    actual: length,
                }),
                Some(_) => {}
                None => warnings.push(Problem::MissingSize {
                    entry: resource.path.clone(),
                }),
            }
            if let (Some(expected), Some(actual)) = (&resource.hash, actual) {
                resources_checked += 1;
                if !expected.hex.eq_ignore_ascii_case(&actual.hex) {
                    problems.push(Problem::HashMismatch {
                        entry: resource.path.clone(),
                        expected: expected.to_string(),
                        actual: actual.to_string(),
                    });
                }
            }
        }
        for entry in &self.entries {
            if entry.name != DATAPACKAGE
                && entry.name != DATAPACKAGE_DIGEST
                && !listed.contains(entry.name.as_str())
            {
                problems.push(Problem::UnlistedFile {
                    entry: entry.name.clone(),
                });
            }
        }
        Ok(resources_checked)
    }

    /// Checks `datapackage-digest.json`; returns whether its hash matched and what the
    /// signature check found.
    fn check_digest_file(
        &self,
        problems: &mut Vec<Problem>,
        warnings: &mut Vec<Problem>,
    ) -> (bool, SignatureCheck) {
        let digest_file = match &self.digest_file {
            None => {
                warnings.push(Problem::MissingDigestFile);
                return (false, SignatureCheck::Unsigned);
            }
            Some(Err(detail)) => {
                problems.push(Problem::MalformedDigestFile {
                    detail: detail.clone(),
                });
                return (false, SignatureCheck::Unsigned);
            }
            Some(Ok(digest_file)) => digest_file,
        };
        if let Some(path) = digest_file
            .path
            .as_deref()
            .filter(|path| *path != DATAPACKAGE)
        {
            problems.push(Problem::MalformedDigestFile {
                detail: format!("`path` is {path:?}, not {DATAPACKAGE:?}"),
            });
        }
        let mut matches = false;
        match &digest_file.hash {
            None => problems.push(Problem::MalformedDigestFile {
                detail: "no `hash`".to_owned(),
            }),
            Some(ResourceHash {
                algorithm: HashAlgorithm::Other(label),
                ..
            }) => problems.push(Problem::MalformedDigestFile {
                detail: format!("hash algorithm {label:?} not supported"),
            }),
            Some(expected) => {
                let actual = hash_bytes(&self.datapackage_bytes, &expected.algorithm);
                if actual.hex.eq_ignore_ascii_case(&expected.hex) {
                    matches = true;
                } else {
                    problems.push(Problem::DatapackageDigestMismatch {
                        expected: expected.to_string(),
                        actual: actual.to_string(),
                    });
                }
            }
        }
        let mut signature_check = SignatureCheck::Unsigned;
        match &digest_file.signature {
            SignatureInfo::Unsigned => {}
            SignatureInfo::Malformed { detail } => {
                problems.push(Problem::MalformedSignature {
                    detail: detail.clone(),
                });
                signature_check = SignatureCheck::Invalid {
                    reason: detail.clone(),
                };
            }
            SignatureInfo::Anonymous { .. } | SignatureInfo::Domain { .. } => {
                let digest_hash = digest_file.hash.as_ref().map(ResourceHash::to_string);
                let signed_hash = digest_file
                    .signed_hash
                    .as_deref()
                    .map(str::to_ascii_lowercase);
                if signed_hash != digest_hash {
                    problems.push(Problem::SignedHashMismatch {
                        signed: digest_file.signed_hash.clone().unwrap_or_default(),
                        digest: digest_hash.unwrap_or_default(),
                    });
                }
                if digest_file.signed_created != self.datapackage.created {
                    warnings.push(Problem::SignedCreatedMismatch {
                        signed: digest_file.signed_created.clone(),
                        datapackage: self.datapackage.created.clone(),
                    });
                }
                if let Some(signed) = &digest_file.signed_data {
                    // What is signed must be the hash of the stored bytes, whatever the digest
                    // file claims.
                    let actual = hash_bytes(&self.datapackage_bytes, &HashAlgorithm::Sha256);
                    signature_check = check_signed_data(signed, &actual.to_string());
                    if let SignatureCheck::Invalid { reason } = &signature_check {
                        problems.push(Problem::BadSignature {
                            reason: reason.clone(),
                        });
                    }
                }
            }
        }
        (matches, signature_check)
    }
}

/// The detail of an error met while verifying, without the WACZ and entry names that the
/// problem carries anyway.
fn error_detail(error: &WaczError) -> String {
    match error {
        WaczError::CorruptEntry { detail, .. } | WaczError::Unsupported { detail, .. } => {
            detail.clone()
        }
        WaczError::TooLarge { limit, .. } => {
            format!("inflates past its declared size (stopped at {limit} bytes)")
        }
        other => other.to_string(),
    }
}

/// Reads the central directory into `Entry`s, refusing duplicate names, unsafe names and
/// symlinks, and leaving out directory entries.
fn list_entries<R: Read + Seek>(
    archive: &ZipArchive<R>,
    wacz: &str,
) -> Result<Vec<Entry>, WaczError> {
    if archive.has_duplicate_names() {
        return Err(WaczError::DuplicateNames {
            wacz: wacz.to_owned(),
        });
    }
    let mut entries = Vec::with_capacity(archive.len());
    for zip_index in 0..archive.len() {
        let file = archive
            .by_index_data(zip_index)
            .map_err(|error| WaczError::from_zip(wacz, None, error))?;
        let raw = file.name_raw();
        let name = match file.name() {
            Ok(name) => name.into_owned(),
            Err(_) => String::from_utf8_lossy(raw).into_owned(),
        };
        if let Some(reason) =
            unsafe_name_reason(raw).or_else(|| unsafe_name_reason(name.as_bytes()))
        {
            return Err(WaczError::UnsafePath {
                wacz: wacz.to_owned(),
                entry: name,
                reason,
            });
        }
        if file.is_symlink() {
            return Err(WaczError::UnsafePath {
                wacz: wacz.to_owned(),
                entry: name,
                reason: "symbolic link",
            });
        }
        if name.ends_with('/') {
            continue;
        }
        entries.push(Entry {
            name,
            zip_index,
            size: file.size(),
            compressed_size: file.compressed_size(),
            stored: file.compression() == CompressionMethod::Stored,
            warc: None,
            sniff_error: None,
            data_offset: None,
        });
    }
    Ok(entries)
}

/// Opens an entry behind a reader that stops at its declared size plus [`SIZE_MARGIN`].
fn open_bounded<'a, R: Read + Seek>(
    archive: &'a mut ZipArchive<R>,
    wacz: &str,
    entry: &Entry,
) -> Result<EntryReader<'a, R>, WaczError> {
    let file = archive
        .by_index(entry.zip_index)
        .map_err(|error| WaczError::from_zip(wacz, Some(&entry.name), error))?;
    let limit = entry.size.saturating_add(SIZE_MARGIN);
    Ok(EntryReader {
        file,
        remaining: limit,
        limit,
        wacz: wacz.to_owned(),
        entry: entry.name.clone(),
    })
}

/// Reads a small JSON entry whole, refusing it if it declares more than `max` bytes.
fn read_small<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    wacz: &str,
    entry: &Entry,
    max: u64,
) -> Result<Vec<u8>, WaczError> {
    if entry.size > max {
        return Err(WaczError::TooLarge {
            wacz: wacz.to_owned(),
            entry: entry.name.clone(),
            limit: max,
        });
    }
    let mut reader = open_bounded(archive, wacz, entry)?;
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size.min(1 << 20)).unwrap_or(0));
    reader
        .read_to_end(&mut bytes)
        .map_err(|error| WaczError::from_entry_io(wacz, &entry.name, error))?;
    Ok(bytes)
}

/// Looks at the first bytes of an `archive/` entry to see whether it is a WARC, and notes
/// where its data starts. Corrupt data is recorded in `entry.sniff_error`; only I/O failures
/// of the underlying reader are returned.
fn sniff<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    wacz: &str,
    entry: &mut Entry,
) -> Result<(), WaczError> {
    let result = sniff_head(archive, wacz, entry);
    match result {
        Ok((compression, data_offset)) => {
            entry.warc = compression;
            entry.data_offset = data_offset;
            Ok(())
        }
        Err(error @ WaczError::Io { .. }) => Err(error),
        Err(error) => {
            entry.sniff_error = Some(error_detail(&error));
            Ok(())
        }
    }
}

/// The sniffed format (if a WARC) and data offset of `entry`.
fn sniff_head<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    wacz: &str,
    entry: &Entry,
) -> Result<(Option<WarcCompression>, Option<u64>), WaczError> {
    let mut reader = open_bounded(archive, wacz, entry)?;
    let data_offset = reader.file.data_start();
    let mut head = [0u8; 5];
    let n = read_up_to(&mut reader, &mut head)
        .map_err(|error| WaczError::from_entry_io(wacz, &entry.name, error))?;
    drop(reader);
    let head = &head[..n];
    if head.starts_with(b"WARC/") {
        return Ok((Some(WarcCompression::None), data_offset));
    }
    if !head.starts_with(&[0x1f, 0x8b]) {
        return Ok((None, data_offset));
    }
    // Re-open: the gzip decoder needs the stream from its first byte.
    let reader = open_bounded(archive, wacz, entry)?;
    let mut decoder = flate2::read::GzDecoder::new(reader);
    let mut inflated = [0u8; 5];
    let n = read_up_to(&mut decoder, &mut inflated)
        .map_err(|error| WaczError::from_entry_io(wacz, &entry.name, error))?;
    let compression = inflated[..n]
        .starts_with(b"WARC/")
        .then_some(WarcCompression::Gzip);
    Ok((compression, data_offset))
}

/// Reads until `buf` is full or the reader ends; returns how many bytes were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Streams `reader` to its end; returns its length and, if an algorithm is given, its digest.
fn digest_reader(
    reader: &mut impl Read,
    algorithm: Option<&HashAlgorithm>,
) -> io::Result<(u64, Option<ResourceHash>)> {
    let mut hasher = Hasher::new(algorithm);
    let mut buf = vec![0u8; 64 * 1024];
    let mut length = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buf[..n]);
        length += n as u64;
    }
    Ok((length, hasher.finish()))
}

fn hash_bytes(bytes: &[u8], algorithm: &HashAlgorithm) -> ResourceHash {
    let mut hasher = Hasher::new(Some(algorithm));
    hasher.update(bytes);
    hasher.finish().unwrap_or(ResourceHash {
        algorithm: algorithm.clone(),
        hex: String::new(),
    })
}

/// The digests we can compute.
enum Hasher {
    Sha256(Sha256),
    Md5(Md5),
    None,
}

impl Hasher {
    fn new(algorithm: Option<&HashAlgorithm>) -> Hasher {
        match algorithm {
            Some(HashAlgorithm::Sha256) => Hasher::Sha256(Sha256::new()),
            Some(HashAlgorithm::Md5) => Hasher::Md5(Md5::new()),
            Some(HashAlgorithm::Other(_)) | None => Hasher::None,
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(hasher) => hasher.update(bytes),
            Hasher::Md5(hasher) => hasher.update(bytes),
            Hasher::None => {}
        }
    }

    fn finish(self) -> Option<ResourceHash> {
        let (algorithm, digest) = match self {
            Hasher::Sha256(hasher) => (HashAlgorithm::Sha256, hasher.finalize().to_vec()),
            Hasher::Md5(hasher) => (HashAlgorithm::Md5, hasher.finalize().to_vec()),
            Hasher::None => return None,
        };
        Some(ResourceHash {
            algorithm,
            hex: to_hex(&digest),
        })
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

/// The uncompressed bytes of one WACZ entry, from [`Wacz::open_entry`].
///
/// Every `io::Error` it returns (other than `Interrupted`) wraps a [`WaczError`] naming the
/// WACZ and the entry, so its `Display` is a complete one-line message and
/// `error.get_ref().and_then(|e| e.downcast_ref::<WaczError>())` gives the details:
/// [`WaczError::TooLarge`] (kind `InvalidData`) once the entry inflates past its declared
/// size plus [`SIZE_MARGIN`], [`WaczError::CorruptEntry`] (kind `InvalidData`) for bad
/// DEFLATE data or a CRC-32 mismatch at the end, [`WaczError::Io`] (its own kind) if the
/// underlying reader fails.
pub struct EntryReader<'a, R: Read + Seek> {
    file: ZipFile<'a, R>,
    remaining: u64,
    limit: u64,
    wacz: String,
    entry: String,
}

impl<R: Read + Seek> EntryReader<'_, R> {
    /// The entry name.
    pub fn name(&self) -> &str {
        &self.entry
    }

    /// The uncompressed size declared by the ZIP central directory.
    pub fn declared_size(&self) -> u64 {
        self.file.size()
    }
}

impl<R: Read + Seek> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match read_bounded(&mut self.file, &mut self.remaining, buf) {
            Ok(Some(n)) => Ok(n),
            Ok(None) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                WaczError::TooLarge {
                    wacz: self.wacz.clone(),
                    entry: self.entry.clone(),
                    limit: self.limit,
                },
            )),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => Err(error),
            Err(error) => {
                let kind = match error.kind() {
                    io::ErrorKind::UnexpectedEof => io::ErrorKind::InvalidData,
                    kind => kind,
                };
                let error = WaczError::from_entry_io(&self.wacz, &self.entry, error);
                Err(io::Error::new(kind, error))
            }
        }
    }
}

/// Reads into `buf` while at most `remaining` more bytes are allowed; `Ok(None)` once the
/// source has more than that.
///
/// Asks for one byte more than allowed, so that overrunning the limit is noticed instead of
/// silently truncating the entry.
fn read_bounded(
    source: &mut impl Read,
    remaining: &mut u64,
    buf: &mut [u8],
) -> io::Result<Option<usize>> {
    if buf.is_empty() {
        return Ok(Some(0));
    }
    let allowed = usize::try_from(remaining.saturating_add(1)).unwrap_or(usize::MAX);
    let wanted = buf.len().min(allowed);
    let n = source.read(&mut buf[..wanted])?;
    if n as u64 > *remaining {
        *remaining = 0;
        return Ok(None);
    }
    *remaining -= n as u64;
    Ok(Some(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all_bounded(source: &[u8], limit: u64, chunk: usize) -> Result<Vec<u8>, Vec<u8>> {
        let mut source = source;
        let mut remaining = limit;
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            match read_bounded(&mut source, &mut remaining, &mut buf).unwrap() {
                Some(0) => return Ok(out),
                Some(n) => out.extend_from_slice(&buf[..n]),
                None => return Err(out),
            }
        }
    }

    #[test]
    fn bounded_reads_up_to_the_limit() {
        let data: Vec<u8> = (0..=255).collect();
        for chunk in [1, 7, 256, 1000] {
            assert_eq!(read_all_bounded(&data, 256, chunk), Ok(data.clone()));
            assert_eq!(read_all_bounded(&data, 300, chunk), Ok(data.clone()));
            let overrun = read_all_bounded(&data, 100, chunk).unwrap_err();
            assert!(overrun.len() <= 100, "{chunk}: {}", overrun.len());
        }
        assert_eq!(read_all_bounded(&[], 0, 8), Ok(Vec::new()));
        assert!(read_all_bounded(&[1], 0, 8).is_err());
    }

    #[test]
    fn hex() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            hash_bytes(b"", &HashAlgorithm::Sha256).hex,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hash_bytes(b"", &HashAlgorithm::Md5).hex,
            "d41d8cd98f00b204e9800998ecf8427e"
        );
    }
}

//! What [`Wacz::verify`](crate::Wacz::verify) found.

use std::fmt;

use crate::datapackage::SignatureInfo;
use crate::signature::SignatureCheck;

/// The result of checking a WACZ against its `datapackage.json` and `datapackage-digest.json`.
///
/// `Display` gives one line for a CLI, e.g.
/// `valid_signed_example_1.wacz: WACZ 1.1.1, 1 WARC, 4 resources checked, all hashes match,
/// signed by btrix-sign-test.webrecorder.net (…)`, and for an
/// invalid package `NAME: INVALID WACZ …, unsigned; 2 problems: …; …`. Warnings follow in
/// parentheses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The display name of the WACZ.
    pub wacz: String,
    /// `wacz_version` from `datapackage.json`.
    pub wacz_version: Option<String>,
    /// How many entries under `archive/` are WARCs (by content).
    pub warc_count: usize,
    /// How many listed resources were found, read through and compared (hash and size).
    pub resources_checked: usize,
    /// Whether `datapackage-digest.json` was present and its hash of `datapackage.json` matched.
    pub datapackage_digest_matches: bool,
    /// The signature shape found in `datapackage-digest.json`.
    pub signature: SignatureInfo,
    /// Whether the signature holds (see [`check_signed_data`](crate::check_signed_data)).
    /// An invalid one is also a [`Problem::BadSignature`].
    pub signature_check: SignatureCheck,
    /// What makes this package invalid. Empty if it is valid.
    pub problems: Vec<Problem>,
    /// Departures from the spec that do not make the package invalid.
    pub warnings: Vec<Problem>,
}

impl VerifyReport {
    /// True if no [`problems`](Self::problems) were found (warnings are allowed).
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = self.wacz_version.as_deref().unwrap_or("(no wacz_version)");
        let validity = if self.is_valid() { "" } else { "INVALID " };
        write!(
            f,
            "{}: {validity}WACZ {version}, {} WARC{}, {} resource{} checked, ",
            self.wacz,
            self.warc_count,
            plural(self.warc_count),
            self.resources_checked,
            plural(self.resources_checked),
        )?;
        let signature: &dyn fmt::Display = match (&self.signature, &self.signature_check) {
            (SignatureInfo::Anonymous { .. } | SignatureInfo::Domain { .. }, check)
                if check.is_ok() =>
            {
                check
            }
            (info, _) => info,
        };
        if self.is_valid() {
            write!(f, "all hashes match, {signature}")?;
        } else {
            write!(
                f,
                "{signature}; {} problem{}: ",
                self.problems.len(),
                plural(self.problems.len())
            )?;
            write_list(f, &self.problems)?;
        }
        if !self.warnings.is_empty() {
            f.write_str(" (warnings: ")?;
            write_list(f, &self.warnings)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_list(f: &mut fmt::Formatter<'_>, problems: &[Problem]) -> fmt::Result {
    for (index, problem) in problems.iter().enumerate() {
        if index > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{problem}")?;
    }
    Ok(())
}

/// One thing wrong with a WACZ. `Display` is a short clause naming the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// `datapackage.json` lists a file the ZIP does not hold.
    MissingFile {
        /// The listed path.
        entry: String,
    },
    /// The ZIP holds a file that `datapackage.json` does not list.
    UnlistedFile {
        /// The entry name.
        entry: String,
    },
    /// A file's digest differs from the declared one.
    HashMismatch {
        /// The entry name.
        entry: String,
        /// The declared digest, `algorithm:hex`.
        expected: String,
        /// The digest of the stored bytes, `algorithm:hex`.
        actual: String,
    },
    /// A file's length differs from the declared `bytes`.
    SizeMismatch {
        /// The entry name.
        entry: String,
        /// The declared length.
        expected: u64,
        /// The length of the stored bytes.
        actual: u64,
    },
    /// A listed resource declares no hash.
    MissingHash {
        /// The listed path.
        entry: String,
    },
    /// A listed resource declares no `bytes`.
    MissingSize {
        /// The listed path.
        entry: String,
    },
    /// A listed resource uses a hash algorithm other than SHA-256 or MD5, so it was not checked.
    UnsupportedHash {
        /// The listed path.
        entry: String,
        /// The declared algorithm.
        algorithm: String,
    },
    /// A resource is listed more than once.
    DuplicateResource {
        /// The listed path.
        entry: String,
    },
    /// An item of `resources` could not be used (not an object, no `path`).
    MalformedResource {
        /// Its position in `resources`, from 0.
        index: usize,
        /// What is wrong with it.
        detail: String,
    },
    /// `datapackage.json` lacks something structural (`resources`).
    MalformedDatapackage {
        /// What is wrong with it.
        detail: String,
    },
    /// `datapackage.json` has no `wacz_version` (and is not a 1.2.0-draft `profile: "wacz"` package).
    MissingVersion,
    /// A file could not be read through: corrupt data, bad CRC, or inflating past its size.
    UnreadableFile {
        /// The entry name.
        entry: String,
        /// What went wrong.
        detail: String,
    },
    /// An entry under `archive/` is neither a WARC nor a gzipped WARC.
    NotWarc {
        /// The entry name.
        entry: String,
    },
    /// No WARC under `archive/`.
    NoWarc,
    /// The required `pages/pages.jsonl` is missing.
    MissingPages,
    /// There is no `datapackage-digest.json` (a SHOULD in WACZ 1.1.1).
    MissingDigestFile,
    /// `datapackage-digest.json` is not JSON, lacks `hash`, or names another `path`.
    MalformedDigestFile {
        /// What is wrong with it.
        detail: String,
    },
    /// `datapackage-digest.json`'s hash differs from the digest of the stored `datapackage.json`.
    DatapackageDigestMismatch {
        /// The declared digest.
        expected: String,
        /// The digest of the stored bytes.
        actual: String,
    },
    /// `signedData.hash` differs from the digest file's `hash`.
    SignedHashMismatch {
        /// `signedData.hash`.
        signed: String,
        /// The digest file's `hash`.
        digest: String,
    },
    /// `signedData.created` differs from `datapackage.json`'s `created` (py-wacz requires them equal).
    SignedCreatedMismatch {
        /// `signedData.created`.
        signed: Option<String>,
        /// `datapackage.json`'s `created`.
        datapackage: Option<String>,
    },
    /// `signedData` fits neither allowed signature shape.
    MalformedSignature {
        /// What is wrong with it.
        detail: String,
    },
    /// The signature in `datapackage-digest.json` does not hold.
    BadSignature {
        /// Why.
        reason: String,
    },
    /// A WARC is DEFLATEd inside the ZIP; replayers cannot range-read it (spec: STORE).
    WarcNotStored {
        /// The entry name.
        entry: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingFile { entry } => {
                write!(
                    f,
                    "{entry} is listed in datapackage.json but not in the ZIP"
                )
            }
            Problem::UnlistedFile { entry } => {
                write!(
                    f,
                    "{entry} is in the ZIP but not listed in datapackage.json"
                )
            }
            Problem::HashMismatch {
                entry,
                expected,
                actual,
            } => write!(
                f,
                "{entry}: hash is {actual}, datapackage.json says {expected}"
            ),
            Problem::SizeMismatch {
                entry,
                expected,
                actual,
            } => write!(
                f,
                "{entry}: {actual} bytes, datapackage.json says {expected}"
            ),
            Problem::MissingHash { entry } => write!(f, "{entry}: no hash in datapackage.json"),
            Problem::MissingSize { entry } => write!(f, "{entry}: no bytes in datapackage.json"),
            Problem::UnsupportedHash { entry, algorithm } => write!(
                f,
                "{entry}: hash algorithm {algorithm:?} not supported (sha256, md5), not checked"
            ),
            Problem::DuplicateResource { entry } => {
                write!(f, "{entry} is listed more than once in datapackage.json")
            }
            Problem::MalformedResource { index, detail } => {
                write!(f, "datapackage.json resources[{index}]: {detail}")
            }
            Problem::MalformedDatapackage { detail } => write!(f, "datapackage.json: {detail}"),
            Problem::MissingVersion => f.write_str("datapackage.json has no wacz_version"),
            Problem::UnreadableFile { entry, detail } => write!(f, "{entry}: unreadable: {detail}"),
            Problem::NotWarc { entry } => {
                write!(f, "{entry} is under archive/ but is not a WARC")
            }
            Problem::NoWarc => f.write_str("no WARC under archive/"),
            Problem::MissingPages => f.write_str("no pages/pages.jsonl"),
            Problem::MissingDigestFile => f.write_str("no datapackage-digest.json"),
            Problem::MalformedDigestFile { detail } => {
                write!(f, "datapackage-digest.json: {detail}")
            }
            Problem::DatapackageDigestMismatch { expected, actual } => write!(
                f,
                "datapackage.json hashes to {actual}, datapackage-digest.json says {expected}"
            ),
            Problem::SignedHashMismatch { signed, digest } => write!(
                f,
                "signedData.hash {signed} differs from datapackage-digest.json hash {digest}"
            ),
            Problem::SignedCreatedMismatch {
                signed,
                datapackage,
            } => write!(
                f,
                "signedData.created {} differs from datapackage.json created {}",
                signed.as_deref().unwrap_or("(none)"),
                datapackage.as_deref().unwrap_or("(none)")
            ),
            Problem::MalformedSignature { detail } => write!(f, "signedData: {detail}"),
            Problem::BadSignature { reason } => write!(f, "signature INVALID: {reason}"),
            Problem::WarcNotStored { entry } => {
                write!(f, "{entry} is DEFLATEd, not STOREd")
            }
        }
    }
}

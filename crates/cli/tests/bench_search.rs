//! `annals bench search` end to end at a tiny size: every figure present and positive, the
//! goals' verdicts stated. Needs the deleted-articles corpus next to the project (SKIPPED
//! otherwise); the jieba ratio is SKIPPED when Python jieba is missing.

use std::path::Path;
use std::process::Command;

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
fn bench_search_small_run() {
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/deleted-articles/_posts");
    if !corpus.is_dir() {
        eprintln!("SKIPPED: no corpus at {}", corpus.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["--quiet", "bench", "search", "--json"])
        .args(["--posts", "300", "--queries", "30", "--rows", "200"])
        .args(["--articles", "10"])
        .arg("--corpus")
        .arg(&corpus)
        .arg("--dir")
        .arg(dir.path())
        .output()
        .expect("run annals bench search");
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["posts"].as_u64(), Some(300));
    assert_eq!(v["corpus"]["articles"].as_u64(), Some(10));
    positive(&v, &["segmentation", "annals", "chars_per_s"]);
    positive(&v, &["index", "build_seconds"]);
    positive(&v, &["index", "peak_rss_bytes"]);
    assert_eq!(v["index"]["gone"].as_u64(), Some(15));
    assert_eq!(v["search"]["queries"].as_u64(), Some(30));
    positive(&v, &["search", "p95_ms"]);
    positive(&v, &["search", "hits_total"]);
    let terms = v["trend"]["terms"].as_array().expect("trend terms");
    assert!(!terms.is_empty());
    assert!(
        terms.iter().all(|t| t["items"].as_u64() > Some(0)),
        "{terms:?}"
    );
    positive(&v, &["import_table", "rows_per_s"]);
    assert_eq!(
        v["import_table"]["report"]["rows"].as_u64(),
        Some(200),
        "{}",
        v["import_table"]["report"]
    );
    for goal in [
        "segmentation_ratio",
        "search_p95_ms",
        "trend_ms",
        "import_rows_per_s",
    ] {
        assert!(
            v["goals"][goal]["verdict"].is_string(),
            "{goal}: {}",
            v["goals"]
        );
    }
    if v["segmentation"]["jieba"].is_null() {
        eprintln!("python jieba missing: ratio SKIPPED");
    } else {
        positive(&v, &["segmentation", "ratio"]);
    }
}

//! `annals bench observe` end to end on a tiny simulated world: the JSON carries the issue's
//! keys with sane values.

use std::process::Command;

use serde_json::Value;

fn number(v: &Value, path: &[&str]) -> f64 {
    let mut x = v;
    for p in path {
        x = &x[*p];
    }
    x.as_f64()
        .unwrap_or_else(|| panic!("{path:?} missing or not a number in {v}"))
}

/// `annals --quiet bench observe --json ARGS`: its one JSON object, or a panic with its stderr.
fn bench_observe(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["--quiet", "bench", "observe", "--json"])
        .args(args)
        .output()
        .expect("run annals bench observe");
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn bench_observe_small_world() {
    let budget = 12;
    let budget_text = budget.to_string();
    // The shell measurements (a real `annals run`) are the next test's business.
    let v = bench_observe(&[
        "--items",
        "200",
        "--budget",
        &budget_text,
        "--shell-items",
        "0",
    ]);

    for key in [
        "requests_budget",
        "missed_disappearances",
        "false_disappearances",
        "reason_accuracy",
        "obs_per_s",
        "rss_mb_1m_items",
        "bytes_per_unchanged_observation",
    ] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    assert_eq!(v["requests_budget"].as_u64(), Some(budget));
    assert_eq!(v["items"].as_u64(), Some(200));
    // Not measured with --shell-items 0: null, not absent.
    assert!(v["obs_per_s"].is_null(), "{v}");
    assert!(v["rss_mb_1m_items"].is_null(), "{v}");
    assert!(v["bytes_per_unchanged_observation"].is_null(), "{v}");

    for policy in ["adaptive", "uniform"] {
        let median = number(&v, &[policy, "median_latency_s"]);
        let p90 = number(&v, &[policy, "p90_latency_s"]);
        assert!(median > 0.0 && p90 >= median, "{policy}: {v}");
        let truth = number(&v, &[policy, "true_disappearances"]);
        let detected = number(&v, &[policy, "detected_disappearances"]);
        let missed = number(&v, &[policy, "missed_disappearances"]);
        assert!(truth > 0.0, "the world should delete something: {v}");
        assert_eq!(detected + missed, truth, "{policy}: {v}");
        // Blocked and error answers never count, and the confirming run spans the observer's
        // confirm_span (15 min), longer than any of the simulator's ghost flaps (at most
        // 10 min): no false disappearance is possible.
        assert_eq!(number(&v, &[policy, "false_disappearances"]), 0.0, "{v}");
        // The parsers read every simulator answer as the simulator means it.
        assert_eq!(number(&v, &[policy, "signal_accuracy"]), 1.0, "{v}");
        let reason = number(&v, &[policy, "reason_accuracy"]);
        assert!((0.0..=1.0).contains(&reason), "{v}");
        // The budget holds: at most the rate over the whole run plus one burst.
        let minutes = (number(&v, &["duration_s"]) + number(&v, &["drain_s"])) / 60.0 + 1.0;
        let requests = number(&v, &[policy, "requests"]);
        assert!(requests > 0.0, "{v}");
        assert!(
            requests <= f64::from(budget as u32) * (minutes + 1.0),
            "{policy}: {v}"
        );
    }
    assert_eq!(number(&v, &["false_disappearances"]), 0.0);
    assert_eq!(
        v["missed_disappearances"], v["adaptive"]["missed_disappearances"],
        "top level is the adaptive policy"
    );
}

/// The shell half on a small world: an unchanged re-observation is one WARC record (the
/// revisit; its request is the original's), and the bytes it adds are the sum of what the
/// WARC files, the index and the ledger grew by.
#[test]
fn bench_observe_shell_unchanged_is_one_record() {
    let v = bench_observe(&[
        "--items",
        "50",
        "--shell-items",
        "300",
        "--rss-items",
        "200",
    ]);
    let s = &v["shell"];
    assert!(number(s, &["throughput_items"]) >= 300.0, "{v}");
    assert!(number(s, &["obs_per_s"]) > 0.0, "{v}");
    assert!(number(s, &["obs_per_s_unchanged"]) > 0.0, "{v}");
    assert_eq!(
        number(s, &["records_per_unchanged_observation"]),
        1.0,
        "{v}"
    );
    let parts = number(s, &["warc_bytes_per_unchanged_observation"])
        + number(s, &["index_bytes_per_unchanged_observation"])
        + number(s, &["ledger_bytes_per_unchanged_observation"]);
    let total = number(&v, &["bytes_per_unchanged_observation"]);
    assert!((parts - total).abs() < 1e-6, "{v}");
    // One gzip member holding the revisit's WARC fields and the new HTTP headers: a few
    // hundred bytes, never a whole payload.
    let warc = number(s, &["warc_bytes_per_unchanged_observation"]);
    assert!(warc > 200.0 && warc < 1_000.0, "{v}");
    assert!(
        number(s, &["ledger_bytes_per_unchanged_observation"]) > 0.0,
        "{v}"
    );
    assert!(number(&v, &["rss_mb_1m_items"]) > 0.0, "{v}");
}

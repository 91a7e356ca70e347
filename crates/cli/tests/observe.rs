//! The observer end to end: `annals run` against `annals simulate` (a censored platform on
//! loopback, accelerated 600×), killed with SIGKILL mid-run and restarted, then its events
//! checked against the simulator's ground truth by code independent of annals' own comparison.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::Duration;

use common::{annals, fail, run, simulate, stop};
use serde_json::Value;

fn jsonl(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// How far apart, in simulated seconds, the observer's clock and the simulator's may be: two
/// processes whose clocks run 600× faster agree to within about 50 ms of real time (a request's
/// latency), which is 30 simulated seconds. Interval checks allow that much.
const SYNC: i64 = 30;

/// Simulated seconds before the end of the run within which a deletion cannot be expected as an
/// event: the default `confirm_span` (15 min) plus 10 min to observe it a first time.
const CONFIRMABLE: i64 = 25 * 60;

#[test]
fn run_against_the_simulator_survives_kill_and_matches_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let truth_path = dir.path().join("truth.jsonl");
    let sim = simulate(300, 3, &truth_path);

    // First run: killed with SIGKILL after a few real seconds (about half a simulated hour).
    let mut first = annals(&data)
        .args([
            "run",
            "--simulator",
            &sim.url,
            "--for",
            "10h",
            "--budget",
            "900/min",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    first.kill().unwrap();
    first.wait().unwrap();
    let before = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    assert!(!before.is_empty(), "the first run discovered nothing");

    // Second run: resumes from the same data directory.
    let out = run(annals(&data).args([
        "run",
        "--simulator",
        &sim.url,
        "--for",
        "2h",
        "--budget",
        "900/min",
        "--json",
    ]));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["observations"].as_u64().unwrap() > 100, "{report}");
    stop(sim);

    // Nothing forgotten: every item known before the kill is still watched, and every live one
    // (re-checked at least hourly) was observed again after the restart.
    let items = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    let by_id: HashMap<i64, &Value> = items
        .iter()
        .map(|i| (i["item_id"].as_i64().unwrap(), i))
        .collect();
    for b in before.iter().filter(|b| b["state"] == "live") {
        let now = by_id[&b["item_id"].as_i64().unwrap()];
        assert!(
            now["observations"].as_i64().unwrap() > b["observations"].as_i64().unwrap(),
            "not observed after the restart: {now}"
        );
    }

    // Events against the ground truth.
    let truth = jsonl(&std::fs::read(&truth_path).unwrap());
    let end = truth
        .iter()
        .map(|t| t["unix"].as_i64().unwrap())
        .max()
        .unwrap();
    // Platform items join the truth on their native id, web pages on their path.
    let key = |platform: &str, native_id: &str, path: &str| -> (String, String) {
        if platform == "web" {
            (platform.to_string(), path.to_string())
        } else {
            (platform.to_string(), native_id.to_string())
        }
    };
    let key_of: HashMap<(String, String), i64> = items
        .iter()
        .map(|i| {
            let url = i["url"].as_str().unwrap();
            let path = url
                .splitn(4, '/')
                .nth(3)
                .map(|p| format!("/{p}"))
                .unwrap_or_default();
            (
                key(
                    i["platform"].as_str().unwrap(),
                    i["native_id"].as_str().unwrap(),
                    &path,
                ),
                i["item_id"].as_i64().unwrap(),
            )
        })
        .collect();
    let added: HashMap<i64, i64> = items
        .iter()
        .map(|i| {
            (
                i["item_id"].as_i64().unwrap(),
                i["added_at"].as_i64().unwrap(),
            )
        })
        .collect();
    // item → [(unix, is_disappearance, observed_as)]
    let mut changes: HashMap<i64, Vec<(i64, bool, String)>> = HashMap::new();
    for t in &truth {
        if t["event"] != "state_change" {
            continue;
        }
        let k = key(
            t["platform"].as_str().unwrap(),
            t["native_id"].as_str().unwrap_or_default(),
            t["path"].as_str().unwrap_or_default(),
        );
        if let Some(id) = key_of.get(&k) {
            changes.entry(*id).or_default().push((
                t["unix"].as_i64().unwrap(),
                t["disappearance"].as_bool().unwrap(),
                t["observed_as"].as_str().unwrap().to_string(),
            ));
        }
    }
    let events = jsonl(&run(annals(&data).args(["events", "--kind", "gone", "--json"])).stdout);
    let mut detected = HashSet::new();
    let (mut false_alarms, mut right_reason, mut latencies) = (Vec::new(), 0, Vec::new());
    for e in &events {
        let id = e["item_id"].as_i64().unwrap();
        let gone = e["first_seen_gone"].as_i64().unwrap();
        let live = e["last_seen_live"].as_i64().unwrap();
        let state = e["state"].as_str().unwrap();
        match changes
            .get(&id)
            .and_then(|c| c.iter().rev().find(|(t, _, _)| *t <= gone + SYNC))
        {
            Some((t, true, observed_as)) => {
                assert!(
                    *t + SYNC > live,
                    "the interval (last_seen_live, first_seen_gone] must hold the true time: {e}"
                );
                detected.insert((id, *t));
                latencies.push(gone - t);
                if state == observed_as {
                    right_reason += 1;
                }
            }
            _ => false_alarms.push(e.clone()),
        }
    }
    assert!(
        false_alarms.is_empty(),
        "false disappearances: {false_alarms:?}"
    );
    let mut truly_gone = 0;
    let mut missed = Vec::new();
    for (id, c) in &changes {
        for (t, disappearance, _) in c {
            // Count deletions of watched items that had time to be confirmed: a disappearance
            // needs a second observation at least `confirm_span` (15 min by default) after the
            // first, so one in the last 15 min cannot be an event yet; allow 10 min more to see
            // it first.
            if *disappearance && *t >= added[id] && *t <= end - CONFIRMABLE {
                truly_gone += 1;
                if !detected.contains(&(*id, *t)) {
                    missed.push((id, t));
                }
            }
        }
    }
    assert!(
        truly_gone >= 5,
        "the world should delete something: {truly_gone}"
    );
    assert!(
        missed.len() * 10 <= truly_gone,
        "missed {} of {truly_gone}: {missed:?}",
        missed.len()
    );
    assert!(
        right_reason * 10 >= detected.len() * 9,
        "reason right for {right_reason} of {}",
        detected.len()
    );
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    assert!(median <= 15 * 60, "median detection delay {median} s");

    // The archive is the truth: a reindex derives the same items and events.
    let events_before = run(annals(&data).args(["events", "--json"])).stdout;
    run(annals(&data).arg("reindex"));
    assert_eq!(
        run(annals(&data).args(["events", "--json"])).stdout,
        events_before
    );
    let items_after = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    assert_eq!(items_after.len(), items.len());
    run(annals(&data).arg("verify"));
}

#[test]
fn watch_add_import_ls_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = run(annals(&data).args([
        "watch",
        "add",
        "BV117411r7R1",
        "https://www.zhihu.com/question/19550225",
        "https://example.org/some/page",
        "--list",
        "t",
        "--policy",
        "hot",
        "--json",
    ]));
    let added = jsonl(&out.stdout);
    assert_eq!(added.len(), 3);
    assert!(added.iter().all(|a| a["added"] == true), "{added:?}");
    assert_eq!(
        added[2]["platform"], "web",
        "unknown URLs fall back to the web adapter"
    );
    // Again: known, not duplicated.
    let again = jsonl(&run(annals(&data).args(["watch", "add", "BV117411r7R1", "--json"])).stdout);
    assert_eq!(again[0]["added"], false);
    // Import: a CSV with a url column.
    let csv = dir.path().join("list.csv");
    std::fs::write(
        &csv,
        "title,url\n\"A, quoted\",https://m.weibo.cn/detail/4890736531523887\nB,https://www.zhihu.com/answer/123456\n",
    )
    .unwrap();
    run(annals(&data)
        .args(["watch", "import"])
        .arg(&csv)
        .args(["--list", "csv"]));
    let ls = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    assert_eq!(ls.len(), 5);
    let csv_items: Vec<_> = ls.iter().filter(|i| i["list"] == "csv").collect();
    assert_eq!(csv_items.len(), 2);
    assert_eq!(ls[0]["policy"], "hot");
    // Nothing understood: a clear error.
    let err = fail(annals(&data).args(["watch", "add", "not a url"]));
    assert!(err.contains("nothing to watch"), "{err}");
    let err = fail(annals(&data).args(["watch", "add", "BV117411r7R1", "--policy", "hourly"]));
    assert!(err.contains("unknown policy"), "{err}");
    let err = fail(annals(&data).args(["events", "--kind", "vanished"]));
    assert!(err.contains("unknown event kind"), "{err}");
    // Pause by row id and by URL, resume one; a list's policy, which a later item gets too.
    let id = ls[0]["item_id"].as_i64().unwrap().to_string();
    run(annals(&data).args(["watch", "pause", &id, "https://www.zhihu.com/answer/123456"]));
    run(annals(&data).args(["watch", "resume", "https://www.zhihu.com/answer/123456"]));
    run(annals(&data).args(["watch", "policy", "csv", "daily"]));
    run(annals(&data).args(["watch", "add", "https://example.org/later", "--list", "csv"]));
    let ls = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    let by_url = |u: &str| ls.iter().find(|i| i["url"] == u).unwrap().clone();
    assert_eq!(ls[0]["paused"], true);
    assert_eq!(
        by_url("https://www.zhihu.com/answer/123456")["paused"],
        false
    );
    let csv_items: Vec<_> = ls.iter().filter(|i| i["list"] == "csv").collect();
    assert_eq!(csv_items.len(), 3);
    assert!(
        csv_items.iter().all(|i| i["policy"] == "daily"),
        "{csv_items:?}"
    );
    assert_eq!(ls[1]["policy"], "hot", "another list keeps its policy");
    let err = fail(annals(&data).args(["watch", "pause", "https://nowhere.example/x"]));
    assert!(
        err.contains("not watched: https://nowhere.example/x"),
        "{err}"
    );
    let err = fail(annals(&data).args(["watch", "policy", "csv", "hourly"]));
    assert!(err.contains("unknown policy"), "{err}");
    // Watching, pausing and policies are archived: reindex rebuilds the watchlist.
    run(annals(&data).arg("reindex"));
    let again = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    assert_eq!(again, ls);
}

/// A platform answering garbage: the observation is `error`, the body is archived, nothing
/// panics, and no disappearance is recorded.
#[test]
fn malformed_platform_json_is_an_error_with_the_body_archived() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        let app = axum::Router::new().fallback(|| async {
            (
                [("content-type", "application/json")],
                r#"{"code":0,"data":{"bvid":"BV117411r7R1","stat":{"view":"#,
            )
        });
        axum::serve(listener, app).await.unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(annals(&data).arg("init"));
    let toml = data.join("annals.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str(&format!(
        "\n[observer]\nconfirmations = 1\n[observer.endpoints]\n\"https://api.bilibili.com\" = \"http://{addr}\"\n"
    ));
    std::fs::write(&toml, text).unwrap();
    run(annals(&data).args(["watch", "add", "BV117411r7R1"]));
    run(annals(&data).args(["run", "--for", "3s"]));
    let item: Value =
        serde_json::from_slice(&run(annals(&data).args(["item", "BV117411r7R1", "--json"])).stdout)
            .unwrap();
    let observations = item["observations"].as_array().unwrap();
    assert!(!observations.is_empty(), "{item}");
    assert!(
        observations.iter().all(|o| o["state"] == "error"),
        "malformed JSON must be an error: {item}"
    );
    assert!(item["events"].as_array().unwrap().is_empty(), "{item}");
    // The body is archived as received.
    let records = String::from_utf8(run(annals(&data).args(["records", "--json"])).stdout).unwrap();
    assert!(
        records.contains("/x/web-interface/view?bvid=BV117411r7R1"),
        "{records}"
    );
    let body = run(annals(&data).args([
        "get",
        &format!("http://{addr}/x/web-interface/view?bvid=BV117411r7R1"),
    ]))
    .stdout;
    assert!(body.starts_with(br#"{"code":0,"data""#));
}

//! `annals import-table`: a researcher's table becomes archived rows, items, observations and
//! events, through the real binary on a real data directory. The Weibo hot-search series in
//! `../shared/data` is imported whole and its figures checked against counts made here, by a
//! second reading of the CSV that shares no code with annals.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use common::{annals, fail, run};
use serde_json::Value;

fn jsonl(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn report(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

const SMALL: &str = "\
id,seen,title,views,status,deleted_at,why
a1,2026-01-01 10:00,\"First, with a comma\",100,hot,,
a1,2026-01-01 11:00,\"First, with a comma\",150,hot,,
a1,2026-01-01 12:00,\"First, with a comma\",1.2万,gone,,
b2,2026-01-01 10:00,Second,5,new,2026-01-02 08:00,censored
c3,not a time,Third,7,new,,
d4,2026-01-01 10:00,Fourth,many,new,,
e5,2026-01-01 10:00,Fifth,1
,2026-01-01 10:00,No id,1,new,,
";

#[test]
fn a_small_table_imports_archives_and_reindexes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("small.csv");
    std::fs::write(&file, SMALL).unwrap();
    let map = "id=id,observed=seen,title=title,metric.view=views,state=status,gone_at=deleted_at,reason=why";

    // A dry run reads and checks, and writes nothing.
    let out = run(annals(&data)
        .args([
            "import-table",
            "--dry-run",
            "--json",
            "--utc-offset",
            "+08:00",
            "--map",
            map,
        ])
        .arg(&file));
    let r = report(&out);
    assert_eq!(
        (
            r["rows"].as_u64(),
            r["imported"].as_u64(),
            r["skipped"].as_u64()
        ),
        (Some(8), Some(4), Some(4))
    );
    assert!(
        !data.join("warcs").exists() || std::fs::read_dir(data.join("warcs")).unwrap().count() == 0
    );

    let out = run(annals(&data)
        .args([
            "import-table",
            "--json",
            "--list",
            "study",
            "--platform",
            "forum",
            "--utc-offset",
            "+08:00",
            "--map",
            map,
        ])
        .arg(&file));
    let r = report(&out);
    assert_eq!(r["imported"], 4);
    assert_eq!(r["skipped"], 4);
    assert_eq!(r["items_added"], 2);
    // a1: three rows; b2: its row and its deletion.
    assert_eq!(r["observations"], 5);
    let bad: BTreeMap<u64, String> = r["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["line"].as_u64().unwrap(),
                b["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        bad.keys().copied().collect::<Vec<_>>(),
        vec![6, 7, 8, 9],
        "{bad:?}"
    );
    assert!(
        bad[&6].contains("observed") && bad[&6].contains("not a time"),
        "{bad:?}"
    );
    assert!(
        bad[&7].contains("metric.view") && bad[&7].contains("many"),
        "{bad:?}"
    );
    assert!(bad[&8].contains("fields"), "{bad:?}");
    assert!(bad[&9].contains("id"), "{bad:?}");

    // The disappearances, as intervals.
    let events = |data: &std::path::Path| {
        jsonl(&run(annals(data).args(["events", "--kind", "gone", "--json"])).stdout)
    };
    let gone = events(&data);
    assert_eq!(gone.len(), 2, "{gone:?}");
    let a1 = gone
        .iter()
        .find(|e| e["url"] == "urn:annals:item:forum:a1")
        .unwrap();
    // 11:00 and 12:00 Beijing time.
    assert_eq!(a1["last_seen_live"], 1_767_236_400);
    assert_eq!(a1["first_seen_gone"], 1_767_240_000);
    assert_eq!(a1["state"], "gone:unknown");
    let b2 = gone
        .iter()
        .find(|e| e["url"] == "urn:annals:item:forum:b2")
        .unwrap();
    assert_eq!(b2["state"], "gone:platform_removed");
    assert_eq!(b2["first_seen_gone"], 1_767_312_000);

    // The item keeps its metric series and content.
    let item: Value = serde_json::from_slice(
        &run(annals(&data).args(["item", "urn:annals:item:forum:a1", "--json"])).stdout,
    )
    .unwrap();
    let text = item.to_string();
    assert!(text.contains("First, with a comma"), "{text}");
    assert!(text.contains("1.2万"), "{text}");

    // The same file again is refused (it would count every observation twice).
    let err = fail(
        annals(&data)
            .args(["import-table", "--map", map])
            .arg(&file),
    );
    assert!(err.contains("imported before"), "{err}");

    // The archive is the truth: a reindex derives the same events, and the ledger verifies.
    run(annals(&data).arg("reindex"));
    assert_eq!(events(&data), gone);
    run(annals(&data).arg("verify"));

    // Mapping mistakes fail at once, naming the columns the file has.
    let err = fail(
        annals(&data)
            .args(["import-table", "--map", "id=id,observed=when"])
            .arg(&file),
    );
    assert!(
        err.contains("\"when\"") && err.contains("id, seen, title"),
        "{err}"
    );
    let err = fail(
        annals(&data)
            .args(["import-table", "--map", "title=title"])
            .arg(&file),
    );
    assert!(err.contains("url=COL or id=COL"), "{err}");
}

#[test]
fn jsonl_rows_with_urls_become_platform_items() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("rows.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"link":"https://www.bilibili.com/video/BV117411r7R1","t":1767225600,"plays":12}"#, "\n",
            "not json\n",
            r#"{"link":"https://www.bilibili.com/video/BV117411r7R1","t":1767229200,"plays":20,"note":null}"#, "\n",
        ),
    )
    .unwrap();
    let out = run(annals(&data)
        .args([
            "import-table",
            "--json",
            "--map",
            "url=link,observed=t,metric.view=plays",
        ])
        .arg(&file));
    let r = report(&out);
    assert_eq!(
        (r["imported"].as_u64(), r["skipped"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(r["bad_rows"][0]["line"], 2);
    let ls =
        jsonl(&run(annals(&data).args(["watch", "ls", "--list", "imported", "--json"])).stdout);
    assert_eq!(ls.len(), 1, "{ls:?}");
    assert_eq!(ls[0]["platform"], "bilibili");
    assert_eq!(ls[0]["observations"], 2);
}

fn hot_search() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/weibo-hot-search"
    ));
    let file = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snapshots_") && n.ends_with(".csv"))
        });
    if file.is_none() {
        eprintln!("SKIPPED: ../shared/data/weibo-hot-search is absent");
    }
    file
}

/// The series read a second way: the `csv` crate, topic-days keyed by (day file, text), rows in
/// file order (time order within a topic-day).
struct Truth {
    rows: u64,
    topic_days: usize,
    /// Topic-days that reached `gone` at least once.
    gone_topics: usize,
    /// Runs of `gone` rows: each is one disappearance.
    episodes: usize,
    /// A non-`gone` row right after a `gone` one.
    returns: usize,
    /// Median hours from a gone topic-day's first reading to its first `gone` reading.
    median_on_list_h: f64,
    /// Topic-days whose text contains each of a few words.
    containing: HashMap<&'static str, usize>,
}

/// Seconds of `2026-07-24T00:42:00+08:00` (every reading has the same offset, so differences
/// are what matter): days from the civil date plus the clock.
fn seconds(t: &str) -> i64 {
    let (y, m, d) = (
        t[0..4].parse::<i64>().unwrap(),
        t[5..7].parse::<i64>().unwrap(),
        t[8..10].parse::<i64>().unwrap(),
    );
    let (hh, mm, ss) = (
        t[11..13].parse::<i64>().unwrap(),
        t[14..16].parse::<i64>().unwrap(),
        t[17..19].parse::<i64>().unwrap(),
    );
    // Days since a fixed origin for Gregorian dates (March-based year).
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d;
    days * 86_400 + hh * 3600 + mm * 60 + ss
}

fn count(file: &PathBuf) -> Truth {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (day, text, status, time) = (
        col("day_file"),
        col("text"),
        col("status"),
        col("snapshot_time"),
    );
    let mut rows = 0;
    let mut first_seen: HashMap<(String, String), i64> = HashMap::new();
    let mut first_gone: HashMap<(String, String), i64> = HashMap::new();
    let mut containing: HashMap<&'static str, HashSet<(String, String)>> = HashMap::new();
    let mut last: HashMap<(String, String), bool> = HashMap::new();
    let mut gone_topics = HashSet::new();
    let (mut episodes, mut returns) = (0, 0);
    for rec in reader.records() {
        let rec = rec.unwrap();
        rows += 1;
        let key = (rec[day].to_string(), rec[text].to_string());
        let is_gone = &rec[status] == "gone";
        let at = seconds(&rec[time]);
        first_seen.entry(key.clone()).or_insert(at);
        if is_gone {
            first_gone.entry(key.clone()).or_insert(at);
        }
        for word in ["中国", "暴雨"] {
            if rec[text].contains(word) {
                containing.entry(word).or_default().insert(key.clone());
            }
        }
        let was_gone = last.insert(key.clone(), is_gone);
        match (was_gone, is_gone) {
            (Some(false) | None, true) => episodes += 1,
            (Some(true), false) => returns += 1,
            _ => {}
        }
        if is_gone {
            gone_topics.insert(key);
        }
    }
    let mut on_list: Vec<f64> = first_gone
        .iter()
        .map(|(k, g)| (g - first_seen[k]) as f64 / 3600.0)
        .collect();
    on_list.sort_by(f64::total_cmp);
    let n = on_list.len();
    let median_on_list_h = if n % 2 == 1 {
        on_list[n / 2]
    } else {
        (on_list[n / 2 - 1] + on_list[n / 2]) / 2.0
    };
    Truth {
        rows,
        topic_days: last.len(),
        gone_topics: gone_topics.len(),
        episodes,
        returns,
        median_on_list_h,
        containing: containing.into_iter().map(|(w, s)| (w, s.len())).collect(),
    }
}

#[test]
fn the_weibo_hot_search_series_imports_whole() {
    let Some(file) = hot_search() else { return };
    let truth = count(&file);
    // The dataset's README states these figures too.
    assert_eq!(
        (truth.rows, truth.topic_days, truth.gone_topics),
        (64_652, 10_997, 5_363)
    );
    // Counted by this function (and by a Python one-liner over the same file, which agreed).
    assert_eq!((truth.episodes, truth.returns), (6_031, 782));
    // Python over the same file: median 2.6825 h; 中国 in 234 topic-days, 暴雨 in 35.
    assert!(
        (truth.median_on_list_h - 2.6825).abs() < 1e-9,
        "{}",
        truth.median_on_list_h
    );
    assert_eq!(
        (truth.containing["中国"], truth.containing["暴雨"]),
        (234, 35)
    );

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = run(annals(&data)
        .args([
            "import-table", "--json", "--list", "weibo-hot", "--platform", "weibo-hot-search",
            "--utc-offset", "+08:00", "--map",
            "id=day_file+text,title=text,observed=snapshot_time,state=status,metric.heat=count,metric.peak=peakCount",
        ])
        .arg(&file));
    let r = report(&out);
    assert_eq!(r["rows"].as_u64(), Some(truth.rows));
    assert_eq!(r["skipped"], 0, "{}", r["bad_rows"]);
    assert_eq!(r["observations"].as_u64(), Some(truth.rows));
    assert_eq!(r["items_added"].as_u64(), Some(truth.topic_days as u64));
    // Each run of `gone` rows is one disappearance (the dataset's word is taken at once: no
    // confirmation), and a topic back on the list after `gone` reappeared.
    let gone = jsonl(&run(annals(&data).args(["events", "--kind", "gone", "--json"])).stdout);
    assert_eq!(gone.len(), truth.episodes);
    let topics: HashSet<&str> = gone.iter().map(|e| e["url"].as_str().unwrap()).collect();
    assert_eq!(topics.len(), truth.gone_topics);
    assert!(
        gone.iter()
            .all(|e| e["last_seen_live"].as_i64() < e["first_seen_gone"].as_i64())
    );
    let back = jsonl(&run(annals(&data).args(["events", "--kind", "reappeared", "--json"])).stdout);
    assert_eq!(back.len(), truth.returns);

    // `annals report deletions` on it: the topics, the gone ones, and the median time on the
    // list before going (first reading to first `gone` reading) as counted here.
    let report: Value = serde_json::from_slice(
        &run(annals(&data).args(["report", "deletions", "--list", "weibo-hot", "--json"])).stdout,
    )
    .unwrap();
    let summary: HashMap<String, Value> = report["tables"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["measure"].as_str().unwrap().to_string(),
                r["value"].clone(),
            )
        })
        .collect();
    assert_eq!(summary["items"].as_u64(), Some(truth.topic_days as u64));
    assert_eq!(summary["gone"].as_u64(), Some(truth.gone_topics as u64));
    let median = summary["median_latency_upper_bound"].as_f64().unwrap();
    assert!(
        (median - truth.median_on_list_h).abs() < 1e-9,
        "{median} vs {}",
        truth.median_on_list_h
    );

    // `annals report metrics`: the heat trajectory has quartiles in order at every age.
    let metrics: Value = serde_json::from_slice(
        &run(annals(&data).args([
            "report",
            "metrics",
            "--list",
            "weibo-hot",
            "--metric",
            "heat",
            "--json",
        ]))
        .stdout,
    )
    .unwrap();
    let rows = metrics["tables"][0]["rows"].as_array().unwrap();
    assert!(rows.len() >= 10, "{rows:?}");
    let mut with_items = 0;
    for r in rows.iter().filter(|r| r["items"].as_u64() > Some(0)) {
        let (q1, m, q3) = (
            r["heat_q1"].as_f64().unwrap(),
            r["heat_median"].as_f64().unwrap(),
            r["heat_q3"].as_f64().unwrap(),
        );
        assert!(0.0 < q1 && q1 <= m && m <= q3, "{r}");
        with_items += 1;
    }
    assert!(with_items >= 8, "{rows:?}");

    // Search and trends find the topic-days whose text holds a word, as counted here.
    for word in ["中国", "暴雨"] {
        let hits: Value =
            serde_json::from_slice(&run(annals(&data).args(["search", word, "--json"])).stdout)
                .unwrap();
        assert_eq!(
            hits["total"].as_u64(),
            Some(truth.containing[word] as u64),
            "{word}"
        );
        let trend: Value = serde_json::from_slice(
            &run(annals(&data).args(["trend", word, "--by", "week", "--json"])).stdout,
        )
        .unwrap();
        let items: u64 = trend["tables"][0]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["items"].as_u64().unwrap())
            .sum();
        assert_eq!(items, truth.containing[word] as u64, "{word}");
    }

    // Its topics span the import's chunks of 5,000 rows, each chunk deriving from the items the
    // chunks before it left in memory: `annals reindex`, which derives every row again from the
    // archive, must arrive at the same events and the same queue.
    let queue = |data: &std::path::Path| {
        run(annals(data).args(["watch", "ls", "--list", "weibo-hot", "--json"])).stdout
    };
    let before = queue(&data);
    run(annals(&data).arg("reindex"));
    assert_eq!(
        jsonl(&run(annals(&data).args(["events", "--kind", "gone", "--json"])).stdout),
        gone
    );
    assert_eq!(
        jsonl(&run(annals(&data).args(["events", "--kind", "reappeared", "--json"])).stdout),
        back
    );
    assert!(
        queue(&data) == before,
        "the queue rows differ after reindex"
    );
}

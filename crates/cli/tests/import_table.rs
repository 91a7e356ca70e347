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
}

fn count(file: &PathBuf) -> Truth {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (day, text, status) = (col("day_file"), col("text"), col("status"));
    let mut rows = 0;
    let mut last: HashMap<(String, String), bool> = HashMap::new();
    let mut gone_topics = HashSet::new();
    let (mut episodes, mut returns) = (0, 0);
    for rec in reader.records() {
        let rec = rec.unwrap();
        rows += 1;
        let key = (rec[day].to_string(), rec[text].to_string());
        let is_gone = &rec[status] == "gone";
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
    Truth {
        rows,
        topic_days: last.len(),
        gone_topics: gone_topics.len(),
        episodes,
        returns,
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
}

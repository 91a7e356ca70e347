//! `annals search` through the real binary: Chinese segmentation (two-character words inside
//! longer ones), traditional/simplified folding, state filters, escaped snippets, and an index
//! that is derived data (rebuilt after `annals reindex`).

mod common;

use common::{annals, fail, run};
use serde_json::Value;

const TABLE: &str = "\
id,seen,title,text,status
anthem,2026-03-01 10:00,中华人民共和国国歌,<p>歌词全文<script>alert(1)</script></p>,hot
censor,2026-03-01 10:00,網絡審查的研究,关于网络的讨论 & x<y,hot
censor,2026-03-01 12:00,網絡審查的研究,关于网络的讨论 & x<y,gone
weather,2026-03-02 09:00,暴雨预警,北京 暴雨,new
";

fn search(data: &std::path::Path, args: &[&str]) -> Value {
    let out = run(annals(data).arg("search").args(args).arg("--json"));
    serde_json::from_slice(&out.stdout).expect("JSON results")
}

fn urls(v: &Value) -> Vec<String> {
    let mut u: Vec<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["url"].as_str().unwrap().to_string())
        .collect();
    u.sort();
    u
}

#[test]
fn search_finds_chinese_words_folds_scripts_and_filters_by_state() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("t.csv");
    std::fs::write(&file, TABLE).unwrap();
    run(annals(&data)
        .args([
            "import-table",
            "--platform",
            "forum",
            "--list",
            "study",
            "--utc-offset",
            "+08:00",
        ])
        .args([
            "--map",
            "id=id,observed=seen,title=title,text=text,state=status",
        ])
        .arg(&file));

    // A two-character word inside a longer one.
    let r = search(&data, &["国歌"]);
    assert_eq!(urls(&r), vec!["urn:annals:item:forum:anthem"], "{r}");
    assert!(
        r["hits"][0]["title_html"]
            .as_str()
            .unwrap()
            .contains("<mark>国歌</mark>"),
        "{r}"
    );
    // Simplified finds traditional, and the other way round.
    assert_eq!(
        urls(&search(&data, &["网络审查"])),
        vec!["urn:annals:item:forum:censor"]
    );
    assert_eq!(
        urls(&search(&data, &["暴雨預警"])),
        vec!["urn:annals:item:forum:weather"]
    );
    // Archived text is hostile: snippets are escaped, only <mark> is markup; an HTML body is
    // indexed as its text (a script's code is not text).
    let r = search(&data, &["讨论"]);
    let snippet = r["hits"][0]["snippet_html"].as_str().unwrap();
    assert!(
        snippet.contains("&amp; x&lt;y") && !snippet.contains("x<y"),
        "{snippet}"
    );
    assert_eq!(search(&data, &["alert"])["total"], 0);
    assert_eq!(search(&data, &["歌词"])["total"], 1);
    // The item's state comes with the hit, and filters.
    assert_eq!(r["hits"][0]["state"], "gone:unknown");
    assert!(r["hits"][0]["gone_since"].as_i64().is_some());
    assert_eq!(
        urls(&search(&data, &["网络 OR 国歌", "--state", "gone"])),
        vec!["urn:annals:item:forum:censor"]
    );
    assert_eq!(
        urls(&search(&data, &["网络 OR 国歌", "--state", "live"])),
        vec!["urn:annals:item:forum:anthem"]
    );
    assert_eq!(search(&data, &["国歌", "--platform", "weibo"])["total"], 0);
    assert_eq!(search(&data, &["国歌", "--list", "study"])["total"], 1);
    // Words, NOT, and a bad query said plainly.
    assert_eq!(
        urls(&search(&data, &["暴雨 NOT 北京"])),
        Vec::<String>::new()
    );
    let err = fail(annals(&data).args(["search", "title:(国歌"]));
    assert!(err.contains("query"), "{err}");

    // The index is derived: a reindex drops it, the next search rebuilds it the same.
    let before = search(&data, &["网络 OR 国歌 OR 暴雨"]);
    run(annals(&data).arg("reindex"));
    assert!(!data.join("search").exists());
    let after = search(&data, &["网络 OR 国歌 OR 暴雨"]);
    assert_eq!(urls(&before), urls(&after));
    assert_eq!(after["total"], 3);

    // Human output: numbered hits with the state, and the count.
    let out = run(annals(&data).args(["search", "国歌"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1. ") && text.contains("[国歌]") && text.contains("1 matching"),
        "{text}"
    );
}

/// `../shared/data/deleted-articles`, or `None` with a loud `SKIPPED:`.
fn articles() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/deleted-articles"
    ));
    if p.join("index.csv").is_file() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/data/deleted-articles is absent");
        None
    }
}

#[test]
fn the_deleted_articles_become_searchable_items() {
    let Some(dir) = articles() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = run(annals(&data)
        .args([
            "import-table",
            "--json",
            "--platform",
            "articles",
            "--list",
            "deleted",
        ])
        .arg("--files")
        .arg(dir.join("_posts"))
        .args([
            "--map",
            "id=file,title=title,published=date,text_file=file,state=deleted_marker",
        ])
        .arg(dir.join("index.csv")));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Rows without a date cannot be placed in time: reported with their line, and skipped.
    let mut undated = Vec::new();
    let mut reader = csv::Reader::from_path(dir.join("index.csv")).unwrap();
    for rec in reader.records() {
        let rec = rec.unwrap();
        if rec[1].trim().is_empty() {
            undated.push(rec.position().unwrap().line());
        }
    }
    assert_eq!(undated.len(), 3);
    assert_eq!(report["imported"], 613 - 3, "{report}");
    let bad: Vec<u64> = report["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_u64().unwrap())
        .collect();
    assert_eq!(bad, undated);
    assert!(
        report["bad_rows"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("published")
    );

    // Phrases from the texts (not the titles), in either script, find their article.
    for (query, file) in [
        ("天鹅救援队", "2018-01-15-ngocn-beijing-quzhu.md"),
        ("天鵝救援隊", "2018-01-15-ngocn-beijing-quzhu.md"),
        (
            "\"守望这块他付出心血汗水的南粤大地\"",
            "2019-07-31-xi-yuan-ping.md",
        ),
    ] {
        let r = search(&data, &[query, "--limit", "50"]);
        let found = urls(&r);
        let want = format!("urn:annals:item:articles:{file}");
        assert!(found.contains(&want), "{query}: {found:?}");
        let hit = r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["url"] == want.as_str())
            .unwrap();
        assert!(
            hit["snippet_html"].as_str().unwrap().contains("<mark>"),
            "{hit}"
        );
    }
    // The texts are archived with their rows: the archive alone rebuilds the search.
    run(annals(&data).arg("reindex"));
    let r = search(&data, &["天鹅救援队"]);
    assert!(
        urls(&r)
            .contains(&"urn:annals:item:articles:2018-01-15-ngocn-beijing-quzhu.md".to_string())
    );
}

//! Real text: a few hundred deleted Chinese articles from `../shared/data/deleted-articles`.

use annals_search::{Query, SearchIndex};

use crate::articles::{self, Article};

/// Clauses (text between Chinese punctuation) of 6 to 16 Han characters: phrases that are in the
/// article exactly as a reader would copy them.
fn clauses(article: &Article) -> Vec<String> {
    article
        .body
        .split([
            '，', '。', '！', '？', '；', '：', '、', '\n', '“', '”', '「', '」', '（', '）',
        ])
        .map(str::trim)
        .filter(|c| {
            let n = c.chars().count();
            (6..=16).contains(&n) && c.chars().all(|ch| ('\u{4E00}'..='\u{9FFF}').contains(&ch))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn finds_known_phrases_in_deleted_articles() {
    let Some(dir) = articles::posts_dir() else {
        eprintln!(
            "SKIPPED: finds_known_phrases_in_deleted_articles: ../shared/data/deleted-articles is absent"
        );
        return;
    };
    let all = articles::load(&dir);
    assert!(all.len() > 600, "{} articles", all.len());
    let articles = &all[..300];

    let tmp = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(tmp.path(), &crate::small_config()).unwrap();
    let mut writer = index.writer().unwrap();
    for (i, a) in articles.iter().enumerate() {
        writer.add(&articles::to_version(i, a)).unwrap();
    }
    writer.set_watermark("versions", articles.len() as i64);
    writer.commit().unwrap();
    drop(writer);
    assert_eq!(index.num_versions().unwrap(), 300);

    // Known content of known posts.
    let beijing = articles
        .iter()
        .position(|a| a.title == "北京驱逐：民间自救实录")
        .unwrap() as i64
        + 1;
    for q in [
        "天鹅救援队",
        "\"合作伙伴网络\"",
        "title:北京驱逐",
        "\"安全隐患大排查大清理大整治专项行动\"",
        "新建村 火灾",
    ] {
        let ids = crate::find(&index, q);
        assert!(ids.contains(&beijing), "{q}: {ids:?}");
    }
    // The same phrase in traditional characters.
    let ids = crate::find(&index, "\"天鵝救援隊\"");
    assert!(ids.contains(&beijing), "{ids:?}");

    // Every 10th article: three of its clauses, as phrases, in simplified and traditional script.
    let mut tried = 0;
    let mut missed = Vec::new();
    for (i, a) in articles.iter().enumerate().step_by(10) {
        for clause in clauses(a).into_iter().take(3) {
            for query in [clause.clone(), hanconv::s2t(&clause)] {
                tried += 1;
                let results = index
                    .search(&Query {
                        limit: 1000,
                        ..Query::new(format!("\"{query}\""))
                    })
                    .unwrap();
                if !results.hits.iter().any(|h| h.item_id == i as i64 + 1) {
                    missed.push(format!("{}: {query}", a.file));
                } else {
                    let hit = results
                        .hits
                        .iter()
                        .find(|h| h.item_id == i as i64 + 1)
                        .unwrap();
                    assert!(
                        hit.snippet_html.contains("<mark>"),
                        "{query}: {}",
                        hit.snippet_html
                    );
                }
            }
        }
    }
    eprintln!("corpus: {tried} phrase queries, {} missed", missed.len());
    assert!(tried >= 100, "only {tried} clauses tried");
    assert!(
        missed.is_empty(),
        "phrases not found:\n{}",
        missed.join("\n")
    );
}

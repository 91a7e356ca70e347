//! annals-search against real tantivy indexes (in temporary directories): the analyser, the
//! query syntax, filters, snippets, watermarks, and a corpus of real deleted Chinese articles.

mod articles;
mod corpus;
mod daily;
mod index;
mod query;

use annals_search::{IndexedVersion, Query, SearchConfig, SearchIndex};

/// A version with a title and a text; other fields empty, observed at 2020-01-01.
pub fn version(item_id: i64, title: &str, text: &str) -> IndexedVersion {
    IndexedVersion {
        item_id,
        version: format!("sha256:{item_id:04}"),
        platform: "weibo".into(),
        lists: vec!["default".into()],
        url: format!("https://example.invalid/{item_id}"),
        title: (!title.is_empty()).then(|| title.to_owned()),
        text: (!text.is_empty()).then(|| text.to_owned()),
        author: None,
        comments: Vec::new(),
        published_at: None,
        observed_at: 1_577_836_800,
    }
}

/// A fresh on-disk index holding `versions`, committed.
pub fn index_of(versions: &[IndexedVersion]) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path(), &small_config()).unwrap();
    let mut writer = index.writer().unwrap();
    for v in versions {
        writer.add(v).unwrap();
    }
    writer.commit().unwrap();
    (dir, index)
}

/// One indexing thread, little memory: tests run in parallel on small machines.
pub fn small_config() -> SearchConfig {
    SearchConfig {
        writer_threads: 1,
        writer_memory_bytes: 15 << 20,
        ..SearchConfig::default()
    }
}

/// The sorted item ids matching `query`.
pub fn ids(index: &SearchIndex, query: &Query) -> Vec<i64> {
    let results = index
        .search(&Query {
            limit: 1000,
            ..query.clone()
        })
        .unwrap_or_else(|e| panic!("{query:?}: {e}"));
    let mut ids: Vec<i64> = results.hits.iter().map(|h| h.item_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The sorted item ids matching the query text.
pub fn find(index: &SearchIndex, text: &str) -> Vec<i64> {
    ids(index, &Query::new(text))
}

//! `SearchIndex::daily_counts`: matching items per local day, from the index alone.

use annals_model::{GoneReason, State};
use annals_search::{IndexedVersion, Query};

use crate::{index_of, small_config, version};

/// 2020-01-30T00:00:00Z.
const DAY0: i64 = 1_580_342_400;

fn dated(item_id: i64, text: &str, published: Option<i64>, observed: i64) -> IndexedVersion {
    IndexedVersion {
        published_at: published,
        observed_at: observed,
        ..version(item_id, "", text)
    }
}

#[test]
fn counts_items_per_day_in_utc_and_beijing_time() {
    let (_dir, index) = index_of(&[
        dated(1, "武汉封城", Some(DAY0 + 3_600), DAY0 + 90_000),
        dated(2, "武汉的消息", None, DAY0 + 20 * 3_600),
        dated(3, "武汉下雪", Some(DAY0 + 86_400 + 60), DAY0 + 86_400 + 60),
        dated(4, "北京下雪", Some(DAY0 + 2 * 86_400), DAY0 + 2 * 86_400),
    ]);
    // Item 1 counts on its publication day, item 2 (no publication time) on its observation day.
    assert_eq!(
        index.daily_counts(&Query::new("武汉"), 0).unwrap(),
        [(DAY0, 2), (DAY0 + 86_400, 1)]
    );
    // In Beijing time item 2 (20:00Z) is already on the 31st; days start at 16:00Z.
    let bj = DAY0 - 8 * 3_600;
    assert_eq!(
        index.daily_counts(&Query::new("武汉"), 28_800).unwrap(),
        [(bj, 1), (bj + 86_400, 2)]
    );
    // Every item when the text is empty; nothing for an unknown word.
    let all: u64 = index
        .daily_counts(&Query::default(), 0)
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(all, 4);
    assert!(
        index
            .daily_counts(&Query::new("上海"), 0)
            .unwrap()
            .is_empty()
    );
    // Filters apply.
    let since = Query {
        since: Some(DAY0 + 86_400),
        ..Query::new("下雪")
    };
    assert_eq!(
        index.daily_counts(&since, 0).unwrap(),
        [(DAY0 + 86_400, 1), (DAY0 + 2 * 86_400, 1)]
    );
    assert!(index.daily_counts(&Query::new("title:("), 0).is_err());
}

#[test]
fn an_item_counts_once_on_its_earliest_matching_version() {
    let dir = tempfile::tempdir().unwrap();
    let index = annals_search::SearchIndex::open(dir.path(), &small_config()).unwrap();
    let mut writer = index.writer().unwrap();
    for (n, day) in [(0, 2), (1, 0), (2, 5)] {
        writer
            .add(&IndexedVersion {
                version: format!("sha256:{n}"),
                ..dated(7, "疫苗 新闻", None, DAY0 + day * 86_400 + 100)
            })
            .unwrap();
    }
    writer
        .add(&dated(8, "疫苗", None, DAY0 + 5 * 86_400))
        .unwrap();
    writer
        .set_state(
            8,
            State::Gone(GoneReason::PlatformRemoved),
            Some(DAY0 + 6 * 86_400),
        )
        .unwrap();
    writer.commit().unwrap();
    assert_eq!(
        index.daily_counts(&Query::new("疫苗"), 0).unwrap(),
        [(DAY0, 1), (DAY0 + 5 * 86_400, 1)]
    );
    let gone = Query {
        state: Some("gone".into()),
        ..Query::new("疫苗")
    };
    assert_eq!(
        index.daily_counts(&gone, 0).unwrap(),
        [(DAY0 + 5 * 86_400, 1)]
    );
}

#[test]
fn a_state_held_by_many_items_filters_searches_and_counts() {
    // More items in the state than the term filter takes: the filter checks each match's item.
    let dir = tempfile::tempdir().unwrap();
    let index = annals_search::SearchIndex::open(dir.path(), &small_config()).unwrap();
    let mut writer = index.writer().unwrap();
    for id in 1..=1_500 {
        let text = if id % 2 == 0 {
            "疫苗 新闻"
        } else {
            "天气 新闻"
        };
        writer
            .add(&dated(id, text, Some(DAY0 + (id % 3) * 86_400), DAY0))
            .unwrap();
        if id <= 1_200 {
            writer
                .set_state(id, State::Gone(GoneReason::PlatformRemoved), Some(DAY0))
                .unwrap();
        }
    }
    writer.commit().unwrap();
    let gone = |text: &str| Query {
        state: Some("gone".into()),
        ..Query::new(text)
    };
    assert_eq!(index.search(&gone("疫苗")).unwrap().total, 600);
    assert_eq!(index.search(&gone("新闻")).unwrap().total, 1_200);
    assert_eq!(index.search(&gone("")).unwrap().total, 1_200);
    let hits = index.search(&gone("新闻")).unwrap().hits;
    assert!(hits.iter().all(|h| h.item_id <= 1_200 && h.state.is_some()));
    let total: u64 = index
        .daily_counts(&gone("疫苗"), 0)
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(total, 600);
    assert_eq!(index.search(&Query::new("疫苗")).unwrap().total, 750);
}

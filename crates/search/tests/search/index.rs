//! The index on disk: re-opening, replacing, deleting, and the watermark contract.

use annals_model::State;
use annals_search::{Query, SearchIndex};

use crate::{find, small_config, version};

#[test]
fn reopens_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path(), &small_config()).unwrap();
        let mut writer = index.writer().unwrap();
        writer
            .add(&version(1, "标题", "中华人民共和国国歌"))
            .unwrap();
        writer.set_state(1, State::SelfOnly, Some(42)).unwrap();
        writer.commit().unwrap();
    }
    let index = SearchIndex::open(dir.path(), &small_config()).unwrap();
    assert_eq!(index.num_versions().unwrap(), 1);
    let hit = &index.search(&Query::new("国歌")).unwrap().hits[0];
    assert_eq!(hit.item_id, 1);
    assert_eq!(hit.state, Some(State::SelfOnly));
    assert_eq!(hit.gone_since, Some(42));
}

#[test]
fn adding_a_version_again_replaces_it() {
    let (_dir, index) = crate::index_of(&[version(1, "", "旧的文字")]);
    let mut writer = index.writer().unwrap();
    writer.add(&version(1, "", "新的文字")).unwrap();
    let mut second = version(1, "", "第二个版本");
    second.version = "sha256:other".into();
    writer.add(&second).unwrap();
    writer.commit().unwrap();
    assert_eq!(index.num_versions().unwrap(), 2);
    assert!(find(&index, "旧的").is_empty());
    assert_eq!(find(&index, "新的"), [1]);
    assert_eq!(find(&index, "版本"), [1]);

    writer.delete_version(1, "sha256:other");
    writer.commit().unwrap();
    assert!(find(&index, "版本").is_empty());
    writer.set_state(1, State::Live, None).unwrap();
    writer.delete_item(1);
    writer.commit().unwrap();
    assert_eq!(index.num_versions().unwrap(), 0);
    assert!(
        index
            .search(&Query {
                state: Some("live".into()),
                ..Query::new("")
            })
            .unwrap()
            .hits
            .is_empty()
    );
}

#[test]
fn watermark_survives_a_crash_and_catch_up_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let corpus: Vec<_> = (1..=10)
        .map(|i| version(i, "", &format!("第{i}篇 文章 内容")))
        .collect();
    {
        let index = SearchIndex::open(dir.path(), &small_config()).unwrap();
        assert_eq!(index.watermark("versions").unwrap(), None);
        let mut writer = index.writer().unwrap();
        for v in &corpus[..5] {
            writer.add(v).unwrap();
        }
        writer.set_watermark("versions", 5);
        writer.commit().unwrap();
        // Three more, never committed: the process "dies" here.
        for v in &corpus[5..8] {
            writer.add(v).unwrap();
        }
        writer.set_watermark("versions", 8);
        drop(writer);
    }
    let index = SearchIndex::open(dir.path(), &small_config()).unwrap();
    assert_eq!(index.watermark("versions").unwrap(), Some(5));
    assert_eq!(index.num_versions().unwrap(), 5);
    // Catch up from the watermark, replaying one already indexed on purpose.
    let mut writer = index.writer().unwrap();
    let from = index.watermark("versions").unwrap().unwrap_or(0);
    for v in corpus.iter().filter(|v| v.item_id >= from) {
        writer.add(v).unwrap();
    }
    writer.set_watermark("versions", 10);
    writer.set_watermark("events", 3);
    writer.commit().unwrap();
    drop(writer);
    let index = SearchIndex::open(dir.path(), &small_config()).unwrap();
    assert_eq!(index.num_versions().unwrap(), 10);
    assert_eq!(find(&index, "文章"), (1..=10).collect::<Vec<_>>());
    let marks = index.watermarks().unwrap();
    assert_eq!(marks.get("versions"), Some(&10));
    assert_eq!(marks.get("events"), Some(&3));

    // A rebuild starts from nothing.
    let mut writer = index.writer().unwrap();
    writer.clear().unwrap();
    assert_eq!(writer.watermark("versions"), None);
    writer.add(&corpus[0]).unwrap();
    writer.set_watermark("versions", 1);
    writer.finish().unwrap();
    assert_eq!(index.num_versions().unwrap(), 1);
    assert_eq!(index.watermark("versions").unwrap(), Some(1));
    assert_eq!(index.watermark("events").unwrap(), None);
}

#[test]
fn rollback_discards_changes_and_watermarks() {
    let (_dir, index) = crate::index_of(&[version(1, "", "保留")]);
    let mut writer = index.writer().unwrap();
    writer.add(&version(2, "", "丢弃")).unwrap();
    writer.set_watermark("versions", 2);
    writer.rollback().unwrap();
    assert_eq!(writer.watermark("versions"), None);
    writer.commit().unwrap();
    assert!(find(&index, "丢弃").is_empty());
    assert_eq!(find(&index, "保留"), [1]);
}

#[test]
fn one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path(), &small_config()).unwrap();
    let _writer = index.writer().unwrap();
    let err = index.writer().unwrap_err();
    assert!(
        err.to_string().contains(&dir.path().display().to_string()),
        "{err}"
    );
}

#[test]
fn a_foreign_index_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let mut schema = tantivy::schema::Schema::builder();
    schema.add_text_field("other", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(dir.path(), schema.build()).unwrap();
    let err = SearchIndex::open(dir.path(), &small_config()).unwrap_err();
    assert!(err.to_string().contains("annals reindex"), "{err}");
}

#[test]
fn another_handle_sees_commits() {
    let dir = tempfile::tempdir().unwrap();
    let writer_side = SearchIndex::open(dir.path(), &small_config()).unwrap();
    let reader_side = SearchIndex::open(dir.path(), &small_config()).unwrap();
    let mut writer = writer_side.writer().unwrap();
    writer.add(&version(1, "", "新的内容")).unwrap();
    writer.commit().unwrap();
    reader_side.reload().unwrap();
    assert_eq!(find(&reader_side, "内容"), [1]);
}

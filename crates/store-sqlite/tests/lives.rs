//! Migration 0009's `lives` table, kept by triggers, gives `Store::item_lives` exactly what the
//! correlated lookups over observations, contents and events gave, both for rows that were there
//! before the migration (its backfill) and for rows added after (its triggers); and the queue's
//! capped counts are exact, or say they are a lower bound.

use std::borrow::Cow;

use annals_store::{LifeRow, Store};
use annals_store_sqlite::{SqliteStore, SyntheticSpec};
use sqlx::Row;
use sqlx::migrate::Migrator;

const T0: i64 = 1_767_225_600;

/// What `item_lives` read before migration 0009: four correlated lookups per item.
async fn lives_by_lookups(raw: &sqlx::SqlitePool) -> Vec<LifeRow> {
    sqlx::query(
        "SELECT w.item_id, i.canonical_url, i.platform, w.list, w.added_at, w.state, \
         w.last_seen_live, w.last_observed, \
         (SELECT min(o.observed_at) FROM observations o WHERE o.item_id = w.item_id) AS first_observed, \
         (SELECT min(c.published_at) FROM contents c WHERE c.item_id = w.item_id) AS published_at, \
         (SELECT c.title FROM contents c WHERE c.item_id = w.item_id ORDER BY c.first_seen DESC LIMIT 1) AS title, \
         e.last_seen_live AS gone_live, e.first_seen_gone AS gone_first, e.state AS gone_state \
         FROM watch w JOIN items i ON i.id = w.item_id \
         LEFT JOIN events e ON e.id = (SELECT min(e2.id) FROM events e2 \
              WHERE e2.item_id = w.item_id AND e2.kind = 'disappeared') \
         ORDER BY w.item_id",
    )
    .fetch_all(raw)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let gone_live: Option<i64> = r.get("gone_live");
        let gone_first: Option<i64> = r.get("gone_first");
        let gone_state: Option<String> = r.get("gone_state");
        LifeRow {
            item_id: r.get("item_id"),
            url: r.get("canonical_url"),
            platform: r.get("platform"),
            list: r.get("list"),
            added_at: r.get("added_at"),
            first_observed: r.get("first_observed"),
            last_observed: r.get("last_observed"),
            last_seen_live: r.get("last_seen_live"),
            state: r.get("state"),
            published_at: r.get("published_at"),
            title: r.get("title"),
            first_gone: match (gone_live, gone_first) {
                (Some(l), Some(f)) => Some((l, f, gone_state.unwrap_or_default())),
                _ => None,
            },
        }
    })
    .collect()
}

async fn raw_pool(path: &std::path::Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn lives_backfilled_and_kept_match_the_lookups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.db");
    // A store as it was before 0009: migrated to 0008 and filled.
    {
        let all: Migrator = sqlx::migrate!("./migrations");
        let upto = all
            .migrations
            .iter()
            .position(|m| m.version == 9)
            .expect("migration 0009 exists");
        let before = Migrator {
            migrations: Cow::Owned(all.migrations[..upto].to_vec()),
            ..Migrator::DEFAULT
        };
        let store = SqliteStore::open(&path).await.unwrap();
        let raw = raw_pool(&path).await;
        before.run(&raw).await.unwrap();
        let has_lives: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'lives'")
                .fetch_one(&raw)
                .await
                .unwrap();
        assert_eq!(has_lives, 0, "migrated to 0008 only");
        let filled = store
            .fill_synthetic(&SyntheticSpec {
                items: 3_000,
                observations: 12_000,
                t0: T0,
            })
            .await
            .unwrap();
        assert!(
            filled.disappearances > 50 && filled.contents > 3_000,
            "{filled:?}"
        );
        raw.close().await;
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let raw = raw_pool(&path).await;
    let expected = lives_by_lookups(&raw).await;
    assert_eq!(expected.len(), 3_000);
    assert!(expected.iter().filter(|l| l.first_gone.is_some()).count() > 50);
    assert!(
        expected
            .iter()
            .all(|l| l.first_observed.is_some() && l.title.is_some())
    );
    assert_eq!(store.item_lives(None).await.unwrap(), expected, "backfill");

    // Rows added after the migration: the triggers keep `lives`. A second disappearance
    // (not the first: unchanged), an observation earlier than any (the new first), a content
    // version newer than any (the new title) with an earlier publication, and an older
    // version (no new title), out of order.
    for sql in [
        "INSERT INTO events (item_id, kind, at, state, last_seen_live, first_seen_gone, detail) \
         SELECT item_id, 'disappeared', at + 10, state, last_seen_live + 5, first_seen_gone + 5, '' \
         FROM events WHERE kind = 'disappeared' AND item_id % 2 = 0",
        "INSERT INTO events (item_id, kind, at, state, last_seen_live, first_seen_gone, detail) \
         VALUES (7, 'disappeared', 1, 'gone:deleted', 0, 1, '')",
        "INSERT INTO observations (item_id, observed_at, state, record_id) \
         VALUES (11, 5, 'live', 'r-early'), (12, 9999999999, 'live', 'r-late')",
        "INSERT INTO contents (item_id, content_hash, first_seen, title, published_at) \
         VALUES (13, 'h-new', 9999999999, '新的标题 new title', '2000-01-01T00:00:00Z'), \
                (14, 'h-old', 1, 'an old title', NULL), \
                (15, 'h-untitled', 9999999999, NULL, NULL)",
    ] {
        sqlx::query(sql).execute(&raw).await.unwrap();
    }
    let expected = lives_by_lookups(&raw).await;
    let by_id = |id: i64| expected.iter().find(|l| l.item_id == id).unwrap().clone();
    assert_eq!(by_id(11).first_observed, Some(5));
    assert_eq!(by_id(13).title.as_deref(), Some("新的标题 new title"));
    assert_eq!(
        by_id(13).published_at.as_deref(),
        Some("2000-01-01T00:00:00Z")
    );
    assert_eq!(by_id(15).title, None, "the newest version has no title");
    assert!(by_id(7).first_gone.is_some());
    assert_eq!(store.item_lives(None).await.unwrap(), expected, "triggers");
    // A list's items: the same rows.
    let hot: Vec<LifeRow> = expected
        .iter()
        .filter(|l| l.list == "hot")
        .cloned()
        .collect();
    assert!(!hot.is_empty());
    assert_eq!(store.item_lives(Some("hot")).await.unwrap(), hot);
}

#[tokio::test]
async fn queue_counts_are_exact_or_a_stated_lower_bound() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    // One observation each: next due at T0 + 3600 + (item % 3600), over one hour.
    store
        .fill_synthetic(&SyntheticSpec {
            items: 45_000,
            observations: 45_000,
            t0: T0,
        })
        .await
        .unwrap();
    let raw = raw_pool(&path).await;
    sqlx::query("UPDATE watch SET paused = 1 WHERE item_id % 100 = 0")
        .execute(&raw)
        .await
        .unwrap();
    let mut saw = (false, false, false);
    for now in [
        T0,
        T0 + 3600 + 200,
        T0 + 3600 + 1800,
        T0 + 3600 + 3000,
        T0 + 9000,
    ] {
        let exact: i64 =
            sqlx::query_scalar("SELECT count(*) FROM watch WHERE paused = 0 AND next_due <= ?")
                .bind(now)
                .fetch_one(&raw)
                .await
                .unwrap();
        let q = store.queue_stats(now).await.unwrap();
        assert_eq!(q.items, 45_000);
        if q.due_at_least {
            assert!(q.due as i64 <= exact && q.due > 20_000, "{q:?} vs {exact}");
            saw.1 = true;
        } else {
            assert_eq!(q.due as i64, exact, "at {now}");
            if exact > 20_000 {
                saw.2 = true;
            } else {
                saw.0 = true;
            }
        }
    }
    assert_eq!(
        saw,
        (true, true, true),
        "counted directly, bounded, and from the rest"
    );
}

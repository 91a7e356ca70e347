//! The compact forms of migration 0007 read back exactly: CDXJ lines rebuilt from a row's
//! columns, ledger leaf hashes stored as bytes, and repeated observation metrics and content
//! hashes stored once.

use annals_store::{
    Capture, CaptureFilter, CaptureOrder, LedgerBatch, ObservationRow, ObserverBatch, Store,
    WatchRow,
};
use annals_store_sqlite::SqliteStore;
use sqlx::Row;

const FILE: &str = "annals-20260101000000-00001.warc.gz";

fn capture(i: u64, kind: &str, url: &str, cdxj: Option<String>) -> Capture {
    Capture {
        record_id: format!("<urn:uuid:00000000-0000-4000-8000-{i:012}>"),
        record_type: kind.into(),
        warc_file: FILE.into(),
        offset: 1000 * i,
        length: 700 + i,
        url: Some(url.into()),
        urlkey: format!("com,example)/p{i}"),
        date: "2026-01-02T03:04:05.678901Z".into(),
        unix_time: 1_767_323_045,
        status: Some(200),
        mime: Some("application/json".into()),
        payload_digest: Some("sha1:FJJCRYT7ZDDHBMLZDYDYLKALVZUO53H3".into()),
        block_digest: format!("sha256:{}", "ab".repeat(32)),
        record_digest: format!("sha256:{:064x}", i),
        refers_to: None,
        concurrent_to: None,
        cdxj,
    }
}

/// The line `CdxjFacts::line` writes for these facts.
fn line(c: &Capture, mime: &str, extra: &str) -> String {
    format!(
        "{} 20260102030405 {{\"url\": \"{}\", \"mime\": \"{mime}\", \"status\": \"200\", \"digest\": \"{}\", \"length\": \"{}\", \"offset\": \"{}\", \"filename\": \"{FILE}\", \"recordDigest\": \"{}\"{extra}}}",
        c.urlkey,
        c.url.as_deref().unwrap_or(""),
        c.payload_digest.as_deref().unwrap_or(""),
        c.length,
        c.offset,
        c.record_digest
    )
}

async fn open() -> (tempfile::TempDir, SqliteStore, sqlx::SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    (dir, store, raw)
}

#[tokio::test]
async fn cdxj_lines_and_leaf_hashes_read_back_exactly() {
    let (_dir, store, raw) = open().await;
    let mut rows = Vec::new();
    // A revisit and a response whose lines are their columns: stored as ''.
    let mut revisit = capture(1, "revisit", "http://example.com/p1?a=1", None);
    revisit.cdxj = Some(line(&revisit, "warc/revisit", ""));
    rows.push(revisit);
    let mut response = capture(2, "response", "http://example.com/p2", None);
    response.cdxj = Some(line(&response, "application/json", ""));
    rows.push(response);
    // A POST line (method, body) and a line with escapes: stored whole.
    let mut post = capture(3, "response", "http://example.com/p3", None);
    post.cdxj = Some(line(
        &post,
        "application/json",
        ", \"requestBody\": \"a=1\", \"method\": \"POST\"",
    ));
    rows.push(post);
    let mut escaped = capture(4, "response", "http://example.com/\u{4e2d}", None);
    escaped.cdxj = Some(line(&escaped, "application/json", "").replace('\u{4e2d}', "\\u4e2d"));
    rows.push(escaped);
    // A request: no line.
    rows.push(capture(5, "request", "http://example.com/p1?a=1", None));
    // A revisit whose record digest is not in our spelling: stored whole.
    let mut foreign = capture(6, "revisit", "http://example.com/p6", None);
    foreign.record_digest = "sha1:AAAA".into();
    foreign.cdxj = Some(line(&foreign, "warc/revisit", ""));
    rows.push(foreign);
    let leaves: Vec<(u64, String, u64, String)> = rows
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                i as u64,
                FILE.to_string(),
                c.offset,
                format!("{:064x}", i + 7),
            )
        })
        .collect();
    let batch = LedgerBatch {
        leaves: leaves.clone(),
        size: rows.len() as u64,
        frontier: "00".repeat(32),
    };
    store.commit(FILE, 10_000, &rows, &batch).await.unwrap();

    let stored: Vec<Option<String>> = sqlx::query("SELECT cdxj FROM capture_rows ORDER BY id")
        .fetch_all(&raw)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(stored[0].as_deref(), Some(""));
    assert_eq!(stored[1].as_deref(), Some(""));
    assert_eq!(stored[2], rows[2].cdxj);
    assert_eq!(stored[3], rows[3].cdxj);
    assert_eq!(stored[4], None);
    assert_eq!(stored[5], rows[5].cdxj);

    let back = store
        .captures(&CaptureFilter::default(), CaptureOrder::Archive, None)
        .await
        .unwrap();
    assert_eq!(back, rows);
    let mut lines = Vec::new();
    store
        .for_each_cdxj_line(&mut |l| {
            lines.push(l);
            Ok(())
        })
        .await
        .unwrap();
    let mut want: Vec<String> = rows.iter().filter_map(|c| c.cdxj.clone()).collect();
    want.sort();
    assert_eq!(lines, want);
    let mut entries = Vec::new();
    store
        .for_each_ledger_entry(0, &mut |e| {
            entries.push(e);
            Ok(())
        })
        .await
        .unwrap();
    for ((_, hash, c), (leaf, want)) in entries.iter().zip(leaves.iter().zip(&rows)) {
        assert_eq!(hash, &leaf.3);
        assert_eq!(c.as_ref(), Some(want));
    }
    let stored_leaves = store.ledger_leaves().await.unwrap();
    assert_eq!(
        stored_leaves
            .iter()
            .map(|l| l.2.clone())
            .collect::<Vec<_>>(),
        leaves.iter().map(|l| l.3.clone()).collect::<Vec<_>>()
    );
    let kind: String = sqlx::query_scalar("SELECT typeof(leaf_hash) FROM ledger_leaves LIMIT 1")
        .fetch_one(&raw)
        .await
        .unwrap();
    assert_eq!(kind, "blob");
    let mut hashes = Vec::new();
    store
        .for_each_leaf_hash(10, &mut |h| {
            hashes.push(h);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(
        hashes,
        leaves.iter().map(|l| l.3.clone()).collect::<Vec<_>>()
    );
}

fn observation(item: i64, at: i64, metrics: Option<&str>, hash: Option<&str>) -> ObservationRow {
    ObservationRow {
        item_id: item,
        observed_at: at,
        state: "live".into(),
        code: None,
        message: None,
        http_status: 200,
        metrics: metrics.map(str::to_string),
        content_hash: hash.map(str::to_string),
        record_id: format!("urn:uuid:{item}-{at}"),
    }
}

#[tokio::test]
async fn repeated_metrics_are_stored_once_and_read_back() {
    let (_dir, store, raw) = open().await;
    let watch: Vec<WatchRow> = (0..2)
        .map(|i| WatchRow {
            platform: "web".into(),
            native_id: format!("n{i}"),
            canonical_url: format!("https://example.com/{i}"),
            kind: "page".into(),
            list: "l".into(),
            policy: "default".into(),
            host: "example.com".into(),
            seed: false,
            parent_id: None,
            added_at: 1,
        })
        .collect();
    let ids: Vec<i64> = store
        .watch_add(&watch, 1)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let (a, b) = (ids[0], ids[1]);
    let m1 = Some(r#"{"view":1}"#);
    let m2 = Some(r#"{"view":2}"#);
    let h = Some("sha256:00");
    // Batches: repeats inside one batch, across batches, after a change, after a gap with
    // no metrics, and back to an older value.
    let batches = vec![
        vec![
            observation(a, 10, m1, h),
            observation(b, 10, m2, None),
            observation(a, 20, m1, h),
        ],
        vec![observation(a, 30, m1, h), observation(b, 30, m2, h)],
        vec![
            observation(a, 40, m2, h),
            observation(a, 50, None, None),
            observation(a, 60, m2, h),
        ],
        vec![
            observation(a, 70, m1, h),
            observation(b, 70, m2, h),
            observation(a, 80, m1, h),
        ],
    ];
    let mut all = Vec::new();
    for obs in batches {
        all.extend(obs.clone());
        let batch = ObserverBatch {
            observations: obs,
            ..ObserverBatch::default()
        };
        store.commit_observed(&batch).await.unwrap();
    }
    for item in [a, b] {
        let want: Vec<ObservationRow> = all.iter().filter(|o| o.item_id == item).cloned().collect();
        assert_eq!(store.observations(item).await.unwrap(), want);
    }
    let mut series = Vec::new();
    store
        .for_each_metrics(None, None, &mut |item, at, m| {
            series.push((item, at, m.to_string()))
        })
        .await
        .unwrap();
    let mut want: Vec<(i64, i64, String)> = all
        .iter()
        .filter_map(|o| Some((o.item_id, o.observed_at, o.metrics.clone()?)))
        .collect();
    want.sort();
    assert_eq!(series, want);
    let repeats: i64 = sqlx::query_scalar("SELECT count(*) FROM observations WHERE metrics = ''")
        .fetch_one(&raw)
        .await
        .unwrap();
    // a@20, a@30, b@30, a@80, b@70: stored as repeats.
    assert_eq!(repeats, 5);
}

fn digest_bytes(d: &str) -> Vec<u8> {
    let hex = d.strip_prefix("sha256:").unwrap();
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// A data directory indexed before migration 0007 (every CDXJ line stored whole, leaf hashes as
/// hex text, every observation's metrics and content hash written out) reads exactly the same
/// after migrating to the newest schema, and beside rows written in the compact forms after it:
/// `annals records`, `annals export cdxj`, the ledger and the metric series are unchanged.
#[tokio::test]
async fn rows_written_before_0007_read_the_same_after_migrating() {
    use sqlx::migrate::Migrator;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let all: Migrator = sqlx::migrate!("./migrations");
    let upto = all.migrations.iter().position(|m| m.version == 7).unwrap();
    Migrator {
        migrations: std::borrow::Cow::Owned(all.migrations[..upto].to_vec()),
        ..Migrator::DEFAULT
    }
    .run(&raw)
    .await
    .unwrap();

    // Rows as the 0006 store wrote them.
    let mut old = Vec::new();
    for (i, kind, url) in [
        (1, "request", "http://example.com/p1?a=1"),
        (2, "response", "http://example.com/p1?a=1"),
        (3, "revisit", "http://example.com/p1?a=1"),
        (4, "response", "http://example.com/\u{4e2d}"),
    ] {
        let mut c = capture(i, kind, url, None);
        if kind != "request" {
            let mime = if kind == "revisit" {
                "warc/revisit"
            } else {
                "application/json"
            };
            c.cdxj = Some(line(&c, mime, ""));
        }
        old.push(c);
    }
    sqlx::query("INSERT INTO warc_files (id, name, indexed_size) VALUES (1, ?, 5000)")
        .bind(FILE)
        .execute(&raw)
        .await
        .unwrap();
    for (k, c) in old.iter().enumerate() {
        let target: i64 =
            sqlx::query_scalar("INSERT INTO targets (url, urlkey) VALUES (?, ?) RETURNING id")
                .bind(&c.url)
                .bind(&c.urlkey)
                .fetch_one(&raw)
                .await
                .unwrap();
        sqlx::query(
            "INSERT INTO capture_rows (record_id, record_type, file_id, warc_offset, warc_length, \
             target_id, date, unix_time, status, mime, payload_digest, block_digest, \
             record_digest, refers_to, concurrent_to, cdxj) \
             VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
        )
        .bind(&c.record_id)
        .bind(&c.record_type)
        .bind(c.offset as i64)
        .bind(c.length as i64)
        .bind(target)
        .bind(&c.date)
        .bind(c.unix_time)
        .bind(c.status.map(i64::from))
        .bind(&c.mime)
        .bind(&c.payload_digest)
        .bind(digest_bytes(&c.block_digest))
        .bind(digest_bytes(&c.record_digest))
        .bind(&c.cdxj)
        .execute(&raw)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO ledger_leaves (leaf_index, file_id, warc_offset, leaf_hash) \
             VALUES (?, 1, ?, ?)",
        )
        .bind(k as i64)
        .bind(c.offset as i64)
        .bind(format!("{:064x}", k + 100))
        .execute(&raw)
        .await
        .unwrap();
    }
    let m = r#"{"view":7,"like":1}"#;
    let mut observations = Vec::new();
    for at in [10, 20, 30] {
        let o = observation(1, at, Some(m), Some("sha256:00"));
        sqlx::query(
            "INSERT INTO observations (item_id, observed_at, state, http_status, metrics, \
             content_hash, record_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(o.item_id)
        .bind(o.observed_at)
        .bind(&o.state)
        .bind(i64::from(o.http_status))
        .bind(&o.metrics)
        .bind(&o.content_hash)
        .bind(&o.record_id)
        .execute(&raw)
        .await
        .unwrap();
        observations.push(o);
    }

    store.migrate().await.unwrap();
    let packed: Vec<String> =
        sqlx::query_scalar("SELECT typeof(record_id) FROM capture_rows ORDER BY id")
            .fetch_all(&raw)
            .await
            .unwrap();
    assert_eq!(packed, vec!["blob"; 4], "migration 0010 packs the old ids");

    // After it, rows in the compact forms beside them: a response and a revisit whose lines
    // are their columns, a leaf as bytes, and repeated metrics.
    let new_file = "annals-20260101000000-00002.warc.gz";
    let mut new = Vec::new();
    for (i, kind) in [(5, "response"), (6, "revisit")] {
        let mut c = capture(i, kind, "http://example.com/p5", None);
        c.warc_file = new_file.into();
        let mime = if kind == "revisit" {
            "warc/revisit"
        } else {
            "application/json"
        };
        c.cdxj = Some(line(&c, mime, "").replace(FILE, new_file));
        new.push(c);
    }
    let new_leaves: Vec<(u64, String, u64, String)> = new
        .iter()
        .enumerate()
        .map(|(k, c)| {
            (
                4 + k as u64,
                new_file.to_string(),
                c.offset,
                format!("{:064x}", k + 200),
            )
        })
        .collect();
    store
        .commit(
            new_file,
            9_000,
            &new,
            &LedgerBatch {
                leaves: new_leaves.clone(),
                size: 6,
                frontier: "00".repeat(32),
            },
        )
        .await
        .unwrap();
    let later: Vec<ObservationRow> = [40, 50]
        .into_iter()
        .map(|at| observation(1, at, Some(m), Some("sha256:00")))
        .collect();
    store
        .commit_observed(&ObserverBatch {
            observations: later.clone(),
            ..ObserverBatch::default()
        })
        .await
        .unwrap();
    let compact: Vec<(String, String)> = sqlx::query(
        "SELECT cdxj, metrics FROM capture_rows, observations \
         WHERE capture_rows.id = 5 AND observations.observed_at = 40",
    )
    .fetch_all(&raw)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(
        compact,
        vec![(String::new(), String::new())],
        "the new rows are compact"
    );

    let mut want = old.clone();
    want.extend(new.clone());
    let back = store
        .captures(&CaptureFilter::default(), CaptureOrder::Archive, None)
        .await
        .unwrap();
    assert_eq!(back, want, "annals records");
    let mut lines = Vec::new();
    store
        .for_each_cdxj_line(&mut |l| {
            lines.push(l);
            Ok(())
        })
        .await
        .unwrap();
    let mut want_lines: Vec<String> = want.iter().filter_map(|c| c.cdxj.clone()).collect();
    want_lines.sort();
    assert_eq!(lines, want_lines, "annals export cdxj");
    let hashes: Vec<String> = store
        .ledger_leaves()
        .await
        .unwrap()
        .iter()
        .map(|l| l.2.clone())
        .collect();
    let mut want_hashes: Vec<String> = (0..4).map(|k| format!("{:064x}", k + 100)).collect();
    want_hashes.extend(new_leaves.iter().map(|l| l.3.clone()));
    assert_eq!(hashes, want_hashes, "the ledger's leaves");
    observations.extend(later);
    assert_eq!(store.observations(1).await.unwrap(), observations);
}

/// Migration 0010: record ids annals writes (`<urn:uuid:…>`, canonical lowercase) are stored as
/// their 16 bytes, in capture rows (`record_id`, `refers_to`, `concurrent_to`) and observations;
/// any other spelling stays text. Every reader gets the text back exactly, and every lookup by
/// id finds the row in either form.
#[tokio::test]
async fn record_ids_are_packed_and_read_back() {
    let (_dir, store, raw) = open().await;
    let canonical = |i: u64| format!("<urn:uuid:0190a1b2-c3d4-7e5f-8a9b-{i:012x}>");
    let mut response = capture(1, "response", "http://example.com/a", None);
    response.record_id = canonical(0xabc);
    let mut request = capture(2, "request", "http://example.com/a", None);
    request.record_id = canonical(0xabd);
    request.concurrent_to = Some(response.record_id.clone());
    // Not packed: uppercase digits, and an id of another scheme.
    let mut upper = capture(3, "response", "http://example.com/b", None);
    upper.record_id = "<urn:uuid:0190A1B2-C3D4-7E5F-8A9B-000000000ABE>".into();
    let mut revisit = capture(4, "revisit", "http://example.com/a", None);
    revisit.record_id = canonical(0xabf);
    revisit.refers_to = Some(response.record_id.clone());
    revisit.unix_time += 3600;
    let mut other = capture(5, "revisit", "http://example.com/b", None);
    other.record_id = "<urn:sha256:0123>".into();
    other.refers_to = Some(upper.record_id.clone());
    other.unix_time += 3600;
    let all = vec![
        response.clone(),
        request.clone(),
        upper.clone(),
        revisit.clone(),
        other.clone(),
    ];
    let leaves: Vec<(u64, String, u64, String)> = all
        .iter()
        .enumerate()
        .map(|(k, c)| {
            (
                k as u64,
                FILE.to_string(),
                c.offset,
                format!("{:064x}", k + 1),
            )
        })
        .collect();
    store
        .commit(
            FILE,
            9_000,
            &all,
            &LedgerBatch {
                leaves,
                size: 5,
                frontier: "00".repeat(32),
            },
        )
        .await
        .unwrap();

    let kinds: Vec<(String, Option<String>, Option<String>)> = sqlx::query(
        "SELECT typeof(record_id), typeof(refers_to), typeof(concurrent_to) \
         FROM capture_rows ORDER BY id",
    )
    .fetch_all(&raw)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let t = |s: &str| s.to_string();
    assert_eq!(
        kinds,
        vec![
            (t("blob"), Some(t("null")), Some(t("null"))),
            (t("blob"), Some(t("null")), Some(t("blob"))),
            (t("text"), Some(t("null")), Some(t("null"))),
            (t("blob"), Some(t("blob")), Some(t("null"))),
            (t("text"), Some(t("text")), Some(t("null"))),
        ],
        "canonical ids are packed, others are not"
    );

    let back = store
        .captures(&CaptureFilter::default(), CaptureOrder::Archive, None)
        .await
        .unwrap();
    assert_eq!(back, all, "every id reads back as written");
    for c in &all {
        let found = store.capture_by_record_id(&c.record_id).await.unwrap();
        assert_eq!(found.as_ref(), Some(c), "lookup of {}", c.record_id);
    }
    assert_eq!(
        store
            .capture_by_record_id("<urn:uuid:0190a1b2-c3d4-7e5f-8a9b-000000000fff>")
            .await
            .unwrap(),
        None
    );
    let asked: Vec<(String, String)> = all
        .iter()
        .map(|c| (c.record_id.clone(), c.block_digest.clone()))
        .chain([(canonical(0xfff), format!("sha256:{}", "ab".repeat(32)))])
        .collect();
    let mut found = store.existing(&asked).await.unwrap();
    found.sort();
    let mut want: Vec<(String, String)> = asked[..5].to_vec();
    want.sort();
    assert_eq!(found, want, "existing() finds packed and text ids");
    // Captures since the revisits' hour bring their originals along, through the packed
    // and the text `refers_to`.
    let mut since = Vec::new();
    store
        .for_each_capture_since(revisit.unix_time, CaptureOrder::Archive, &mut |c| {
            since.push(c.record_id);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(
        since,
        vec![
            response.record_id.clone(),
            upper.record_id.clone(),
            revisit.record_id.clone(),
            other.record_id.clone()
        ]
    );
    let mut entries = Vec::new();
    store
        .for_each_ledger_entry(0, &mut |(_, _, c)| {
            entries.push(c.expect("every leaf has its capture"));
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(entries, all, "the ledger's view of the captures");

    let mut observed = observation(1, 10, Some(r#"{"view":1}"#), Some("sha256:00"));
    observed.record_id = response.record_id.clone();
    let unpacked = observation(1, 20, Some(r#"{"view":2}"#), Some("sha256:01"));
    store
        .commit_observed(&ObserverBatch {
            observations: vec![observed.clone(), unpacked.clone()],
            ..ObserverBatch::default()
        })
        .await
        .unwrap();
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT typeof(record_id) FROM observations ORDER BY id")
            .fetch_all(&raw)
            .await
            .unwrap();
    assert_eq!(kinds, vec![t("blob"), t("text")]);
    assert_eq!(
        store.observations(1).await.unwrap(),
        vec![observed, unpacked]
    );
}

//! The simulator against the real parsers, the recorded fixtures, its own fate distribution and
//! a loopback server.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use annals_platforms::{ItemRef, Response, State, parse};
use annals_simulator::{
    Clock, ItemState, ManualClock, NoiseConfig, Presented, SimConfig, SimItem, SimKind,
    SimResponse, TruthKind, World, serve_world,
};
use serde_json::Value;

/// The real origin a platform request would have gone to (the parsers look at the path only).
fn real_url(kind: SimKind, path: &str) -> String {
    let origin = match kind {
        SimKind::BilibiliVideo => "https://api.bilibili.com",
        SimKind::ZhihuAnswer => "https://www.zhihu.com",
        SimKind::WeiboPost => "https://m.weibo.cn",
        _ => "http://127.0.0.1:8080",
    };
    format!("{origin}{path}")
}

fn item_ref(item: &SimItem) -> ItemRef {
    let url = item.url("http://127.0.0.1:8080");
    ItemRef::parse(&url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn observe(world: &World, item: &SimItem, path: &str, t: u64) -> annals_platforms::Observation {
    let response = world.respond(path, t);
    let url = real_url(item.kind, path);
    let observed_at = world.unix(t);
    parse(
        &item_ref(item),
        &[Response {
            url: &url,
            status: response.status,
            headers: &response.headers,
            body: &response.body,
        }],
        observed_at,
    )
}

/// The signal table, written out independently of the simulator's own: what annals must read
/// from each presented situation on each platform.
fn expected(kind: SimKind, presented: Presented) -> &'static str {
    use ItemState::*;
    match presented {
        Presented::Blocked(_) => "blocked",
        Presented::Outage(_) => "error",
        // An id that does not exist (yet), or a ghost flap, looks like a deletion of unknown cause.
        Presented::NotYetPublished | Presented::Ghost => "gone:unknown",
        Presented::State(Live) => "live",
        Presented::State(state) => match (kind, state) {
            // Bilibili: -404 and 62002 do not say who; 62004, 62012 and -688 are specific.
            (SimKind::BilibiliVideo, AuthorDeleted | PlatformRemoved) => "gone:unknown",
            (SimKind::BilibiliVideo, UnderReview) => "under_review",
            (SimKind::BilibiliVideo, SelfOnly) => "self_only",
            (SimKind::BilibiliVideo, RegionLocked) => "region_locked",
            // Zhihu: 4041 for deletion; suggest_edit, review_info, visible_only_to_author.
            (SimKind::ZhihuAnswer, AuthorDeleted) => "gone:unknown",
            (SimKind::ZhihuAnswer, PlatformRemoved) => "gone:platform_removed",
            (SimKind::ZhihuAnswer, UnderReview) => "under_review",
            (SimKind::ZhihuAnswer, SelfOnly) => "self_only",
            // Weibo's statuses/show merges deleted and no-permission: ok:0 / 20101.
            (SimKind::WeiboPost, _) => "gone:unknown",
            // Web: 410 is the publisher's doing, 404 unknown, 451 a legal/region block.
            (SimKind::WebPage, AuthorDeleted) => "gone:author_deleted",
            (SimKind::WebPage, PlatformRemoved) => "gone:unknown",
            (SimKind::WebPage, RegionLocked) => "region_locked",
            (k, s) => panic!("{k:?} never presents {s:?}"),
        },
        other => panic!("unknown presentation {other:?}"),
    }
}

fn label(presented: Presented) -> String {
    match presented {
        Presented::State(s) => s.as_str().to_owned(),
        Presented::Blocked(v) => format!("blocked{v}"),
        Presented::Outage(v) => format!("outage{v}"),
        Presented::Ghost => "ghost".to_owned(),
        Presented::NotYetPublished => "not_yet_published".to_owned(),
        other => format!("{other:?}"),
    }
}

/// A world with flat fate weights and frequent noise, so every situation occurs.
fn busy_world() -> World {
    let mut cfg = SimConfig {
        seed: 42,
        items: 400,
        ..SimConfig::default()
    };
    for (_, w) in cfg.fates.weights.iter_mut() {
        *w = 1.0;
    }
    cfg.noise = NoiseConfig {
        blocks_per_day: 8.0,
        outages_per_day: 8.0,
        ghost_prob: 0.2,
        edit_prob: 0.5,
        ..NoiseConfig::default()
    };
    World::new(cfg).unwrap()
}

/// Secondary endpoints that the parsers also read for the same item.
fn secondary_path(item: &SimItem) -> Option<String> {
    match item.kind {
        SimKind::BilibiliVideo => Some(format!("/x/v2/reply/count?type=1&oid={}", item.number)),
        SimKind::WeiboPost => Some(format!("/statuses/extend?id={}", item.native_id)),
        _ => None,
    }
}

#[test]
fn every_response_parses_to_the_true_state() {
    let world = busy_world();
    let mut moments: Vec<(usize, u64)> = Vec::new();
    for item in world.items() {
        let mut ts = vec![item.published_at.saturating_sub(1), item.published_at + 1];
        for phase in &item.phases {
            ts.extend([phase.at.saturating_sub(1), phase.at, phase.at + 30]);
        }
        if let Some((start, end)) = item.ghost {
            ts.extend([start, (start + end) / 2, end]);
        }
        ts.extend(item.edits.iter().copied());
        moments.extend(ts.into_iter().map(|t| (item.index, t)));
    }
    // Noise: probe the first live item of the episode's platform in every episode.
    for episode in world.episodes() {
        if let Some(item) = world.items().iter().find(|i| i.kind == episode.kind) {
            moments.push((item.index, episode.start));
            moments.push((item.index, episode.end.saturating_sub(1)));
        }
    }
    let mut seen: BTreeSet<(&str, String)> = BTreeSet::new();
    let mut checked = 0;
    for (index, t) in moments {
        let item = &world.items()[index];
        let presented = world.presented(item, t);
        let want = expected(item.kind, presented);
        assert_eq!(
            World::observed_as(item.kind, presented).as_str(),
            want,
            "simulator's own table, {:?} {presented:?}",
            item.kind
        );
        let mut paths = vec![item.path.clone()];
        paths.extend(secondary_path(item));
        for path in paths {
            let obs = observe(&world, item, &path, t);
            assert_eq!(
                obs.state.as_str(),
                want,
                "{path} at t={t} presented {presented:?}: {:?} body {}",
                obs.signal,
                String::from_utf8_lossy(&world.respond(&path, t).body)
            );
            checked += 1;
        }
        if presented == Presented::State(ItemState::Live) && item.kind == SimKind::BilibiliVideo {
            let obs = observe(&world, item, &item.path, t);
            let view = obs.metrics.get("view").and_then(|m| m.lower_bound());
            assert_eq!(
                view,
                Some(item.metrics(t)[0]),
                "view count of {}",
                item.path
            );
        }
        seen.insert((item.kind.platform(), label(presented)));
    }
    // Every situation the simulator can present was exercised on every platform.
    let mut missing = Vec::new();
    for kind in SimKind::ALL {
        let mut labels: Vec<String> = ItemState::ALL
            .iter()
            .filter(|s| kind.supports(**s))
            .map(|s| s.as_str().to_owned())
            .collect();
        labels.extend(["ghost", "not_yet_published"].map(str::to_owned));
        let variants = if kind == SimKind::WebPage { 2 } else { 3 };
        labels.extend((0..variants).map(|v| format!("blocked{v}")));
        labels.extend((0..3).map(|v| format!("outage{v}")));
        for l in labels {
            if !seen.contains(&(kind.platform(), l.clone())) {
                missing.push(format!("{}:{l}", kind.platform()));
            }
        }
    }
    assert!(missing.is_empty(), "never exercised: {missing:?}");
    assert!(checked > 1_000, "{checked}");
}

#[test]
fn edits_change_the_content_hash_and_ghosts_are_not_deletions() {
    let world = busy_world();
    let mut edits_checked = 0;
    for item in world.items() {
        if let Some(&t) = item.edits.first()
            && world.presented(item, t) == Presented::State(ItemState::Live)
            && world.presented(item, t - 1) == Presented::State(ItemState::Live)
            && item.kind != SimKind::WebPage
        {
            let before = observe(&world, item, &item.path, t - 1).content_hash;
            let after = observe(&world, item, &item.path, t).content_hash;
            assert!(before.is_some());
            assert_ne!(before, after, "edit of {} at {t}", item.path);
            edits_checked += 1;
        }
        if let Some((start, end)) = item.ghost {
            for t in [start, end - 1] {
                assert_eq!(item.state_at(t), Some(ItemState::Live));
            }
            let changes = world.truth().iter().filter(|e| {
                e.path.as_ref() == Some(&item.path)
                    && matches!(e.kind, TruthKind::StateChange { .. })
                    && (start..=end).contains(&e.t)
            });
            assert_eq!(changes.count(), 0, "a ghost flap is not a state change");
        }
    }
    assert!(edits_checked > 10, "{edits_checked}");
    let ghosts = world
        .truth()
        .iter()
        .filter(|e| matches!(e.kind, TruthKind::GhostStart { .. }))
        .count();
    assert!(ghosts > 10, "{ghosts}");
}

fn key_paths(value: &Value, prefix: &str, depth: usize, out: &mut BTreeSet<String>) {
    if depth == 0 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(path.clone());
                key_paths(v, &path, depth - 1, out);
            }
        }
        Value::Array(list) => {
            for v in list {
                key_paths(v, &format!("{prefix}[]"), depth, out);
            }
        }
        _ => {}
    }
}

fn paths_of(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    key_paths(value, "", 4, &mut out);
    out
}

fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/platforms");
    dir.is_dir().then_some(dir)
}

/// The first moment at or after `from` at which `item` is presented as `want`.
fn moment(world: &World, item: &SimItem, from: u64, want: Presented) -> Option<u64> {
    (from..from + 200_000)
        .step_by(7)
        .find(|&t| world.presented(item, t) == want)
}

#[test]
fn shapes_match_the_recorded_fixtures() {
    let Some(dir) = fixtures_dir() else {
        println!("SKIPPED: ../shared/fixtures/platforms is absent");
        return;
    };
    let world = busy_world();
    let body = |resp: SimResponse| -> Value { serde_json::from_slice(&resp.body).unwrap() };
    let find = |kind: SimKind, want: Presented| -> (String, u64) {
        world
            .items()
            .iter()
            .filter(|i| i.kind == kind)
            .find_map(|i| moment(&world, i, i.published_at, want).map(|t| (i.path.clone(), t)))
            .unwrap_or_else(|| panic!("no {kind:?} presented {want:?}"))
    };
    let live = Presented::State(ItemState::Live);
    // (fixture, simulated situation, main fields that both must have)
    let cases: Vec<(&str, SimKind, Presented, &[&str])> = vec![
        (
            "bilibili_view_ok.json",
            SimKind::BilibiliVideo,
            live,
            &[
                "code",
                "message",
                "ttl",
                "data.bvid",
                "data.aid",
                "data.title",
                "data.pubdate",
                "data.desc",
                "data.state",
                "data.owner.name",
                "data.stat.view",
                "data.stat.like",
                "data.stat.reply",
                "data.stat.danmaku",
                "data.stat.favorite",
                "data.stat.coin",
                "data.stat.share",
            ],
        ),
        (
            "zhihu_answer_ok.json",
            SimKind::ZhihuAnswer,
            live,
            &[
                "id",
                "type",
                "content",
                "created_time",
                "updated_time",
                "voteup_count",
                "comment_count",
                "thanks_count",
                "is_collapsed",
                "author.name",
                "question.title",
                "reaction.statistics.favorites",
                "reaction.statistics.down_vote_count",
            ],
        ),
        (
            "weibo_statuses-show_ok.json",
            SimKind::WeiboPost,
            live,
            &[
                "ok",
                "data.id",
                "data.mid",
                "data.bid",
                "data.created_at",
                "data.text",
                "data.user.screen_name",
                "data.reposts_count",
                "data.comments_count",
                "data.attitudes_count",
                "data.visible.type",
            ],
        ),
        (
            "bilibili_view_-404-not-found.json",
            SimKind::BilibiliVideo,
            Presented::State(ItemState::AuthorDeleted),
            &["code", "message", "ttl", "data"],
        ),
        (
            "bilibili_view_62002-invisible.json",
            SimKind::BilibiliVideo,
            Presented::State(ItemState::PlatformRemoved),
            &["code", "message", "ttl"],
        ),
        (
            "bilibili_view_62004-under-review.json",
            SimKind::BilibiliVideo,
            Presented::State(ItemState::UnderReview),
            &["code", "message", "ttl", "data"],
        ),
        (
            "bilibili_any_352-risk-control-v-voucher.json",
            SimKind::BilibiliVideo,
            Presented::Blocked(0),
            &["code", "message", "data.v_voucher"],
        ),
        (
            "bilibili_archive-stat_412-ua-blocked.json",
            SimKind::BilibiliVideo,
            Presented::Blocked(1),
            &["code", "message", "data"],
        ),
        (
            "zhihu_any_404-4041-not-found.json",
            SimKind::ZhihuAnswer,
            Presented::State(ItemState::AuthorDeleted),
            &["error.code", "error.name", "error.message"],
        ),
        (
            "zhihu_any_403-40352-risk-control.json",
            SimKind::ZhihuAnswer,
            Presented::Blocked(0),
            &[
                "error.code",
                "error.need_login",
                "error.redirect",
                "error.message",
            ],
        ),
        (
            "zhihu_any_40362-rate-limited.json",
            SimKind::ZhihuAnswer,
            Presented::Blocked(1),
            &["error.code", "error.message"],
        ),
    ];
    for (file, kind, want, main) in cases {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let fixture: Value = serde_json::from_str(&text).unwrap();
        let (path, t) = find(kind, want);
        let simulated = body(world.respond(&path, t));
        let (fx, sim) = (paths_of(&fixture), paths_of(&simulated));
        let invented: Vec<_> = sim.difference(&fx).collect();
        assert!(
            invented.is_empty(),
            "{file}: keys the platform never sends: {invented:?}"
        );
        for key in main {
            assert!(
                fx.contains(*key),
                "{file} lacks {key} (test table is wrong)"
            );
            assert!(sim.contains(*key), "simulated {file} lacks {key}");
        }
        // The same JSON types for the main fields (number vs string ids matter: §0.6).
        for key in main {
            let get = |v: &Value| {
                key.split('.')
                    .try_fold(v, |v, k| v.get(k))
                    .map(std::mem::discriminant)
            };
            assert_eq!(get(&fixture), get(&simulated), "{file}: type of {key}");
        }
    }
}

#[test]
fn default_fates_follow_the_weibo_timing() {
    let cfg = SimConfig {
        seed: 2024,
        items: 10_000,
        ..SimConfig::default()
    };
    let fates = cfg.fates.clone();
    let world = World::new(cfg).unwrap();
    let delays: Vec<u64> = world
        .items()
        .iter()
        .filter(|i| i.fate.is_disappearance())
        .map(|i| i.phases[1].at - i.published_at)
        .collect();
    let n = delays.len() as f64;
    assert!(n > 1_000.0, "{n}");
    let share = |lo: u64, hi: u64| delays.iter().filter(|&&d| d >= lo && d < hi).count() as f64 / n;
    let within_day = share(0, 86_400);
    let early = share(300, 1_800);
    assert!(
        (within_day - 0.90).abs() < 0.025,
        "within 24 h: {within_day}"
    );
    assert!((early - 0.30).abs() < 0.03, "5–30 min: {early}");
    assert!((within_day - fates.delay_share(0, 86_400)).abs() < 0.025);
    assert!((early - fates.delay_share(300, 1_800)).abs() < 0.03);
    // Bilibili supports every fate, so its fates follow the configured weights directly.
    let bili: Vec<&SimItem> = world
        .items()
        .iter()
        .filter(|i| i.kind == SimKind::BilibiliVideo)
        .collect();
    let total: f64 = fates.weights.iter().map(|(_, w)| w).sum();
    let mut counts: HashMap<ItemState, usize> = HashMap::new();
    for item in &bili {
        *counts.entry(item.fate).or_default() += 1;
    }
    for (state, weight) in &fates.weights {
        let got = *counts.get(state).unwrap_or(&0) as f64 / bili.len() as f64;
        assert!(
            (got - weight / total).abs() < 0.025,
            "{state:?}: {got} vs {weight}"
        );
    }
    // The truth records each change at its exact simulated time.
    for item in world.items().iter().take(500) {
        for phase in &item.phases[1..] {
            assert!(world.truth().iter().any(|e| e.t == phase.at
                && e.path.as_ref() == Some(&item.path)
                && matches!(&e.kind, TruthKind::StateChange { to, .. } if *to == phase.state)));
        }
    }
    // Unsupported fates were redrawn: no region lock on Weibo or Zhihu, no review on the web.
    assert!(world.items().iter().all(|i| i.kind.supports(i.fate)));
}

#[test]
fn truth_is_ordered_and_written_as_jsonl() {
    let world = busy_world();
    let end = world.config().duration_s;
    let truth = world.truth_until(end);
    assert!(truth.windows(2).all(|w| w[0].t <= w[1].t));
    assert!(world.truth_until(0).iter().all(|e| e.t == 0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truth.jsonl");
    annals_simulator::write_truth(&world, &path, end).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), truth.len());
    for line in text.lines() {
        let back: annals_simulator::TruthEvent = serde_json::from_str(line).unwrap();
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v.get("event").and_then(Value::as_str).is_some(), "{line}");
        assert!(back.unix >= world.config().epoch_unix);
    }
    let published = world.items_until(end, "http://h");
    assert_eq!(published.len(), world.items().len());
    for line in &published {
        assert!(ItemRef::parse(&line.url).is_ok(), "{}", line.url);
    }
}

#[test]
fn no_request_input_panics() {
    let world = busy_world();
    let item = &world.items()[0];
    let targets = [
        "",
        "/",
        "?",
        "//",
        "/x/web-interface/view",
        "/x/web-interface/view?bvid=",
        "/x/web-interface/view?bvid=BV1",
        "/x/web-interface/view?bvid=BV117411r7R1&&&",
        "/x/web-interface/view?aid=99999999999999999999999",
        "/x/web-interface/view?aid=av",
        "/api/v4/answers/",
        "/api/v4/answers/-1",
        "/api/v4/answers/１２３",
        "/statuses/show?id=",
        "/statuses/show?id=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "/page/",
        "/page/18446744073709551616",
        "/page/1/../../etc/passwd",
        "http://",
        "https://x",
        "http://host/page/1?%%%",
        "/x/v2/reply/count?oid=",
        "/statuses/extend?id=%E5%BE%AE",
        "\u{0}\u{1}",
        "/_sim/items",
    ];
    for target in targets {
        for t in [0, 1, u64::MAX / 2, u64::MAX] {
            let resp = world.respond(target, t);
            assert!((100..600).contains(&resp.status), "{target}");
        }
    }
    let resp = world.respond(
        &format!("https://api.bilibili.com{}#frag", item.path),
        u64::MAX,
    );
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn server_answers_change_when_the_clock_passes_a_deletion() {
    let cfg = SimConfig {
        seed: 9,
        items: 80,
        noise: NoiseConfig {
            blocks_per_day: 0.0,
            outages_per_day: 0.0,
            ghost_prob: 0.0,
            ..NoiseConfig::default()
        },
        ..SimConfig::default()
    };
    let world = Arc::new(World::new(cfg).unwrap());
    let item = world
        .items()
        .iter()
        .find(|i| i.kind == SimKind::BilibiliVideo && i.fate == ItemState::AuthorDeleted)
        .expect("an author-deleted video")
        .clone();
    let deleted_at = item.phases[1].at;
    let clock = Arc::new(ManualClock::new(deleted_at - 1));
    let (addr, handle) = serve_world(
        "127.0.0.1:0".parse().unwrap(),
        world.clone(),
        clock.clone() as Arc<dyn Clock>,
    )
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let resp = client.get(&url).send().await.unwrap();
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                .collect();
            (status, headers, resp.bytes().await.unwrap().to_vec())
        }
    };
    let observe_now = |status: u16, headers: &[(String, String)], body: &[u8]| {
        let url = real_url(item.kind, &item.path);
        parse(
            &item_ref(&item),
            &[Response {
                url: &url,
                status,
                headers,
                body,
            }],
            0,
        )
        .state
        .as_str()
    };

    let (status, headers, body) = get(item.path.clone()).await;
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, json["code"].as_i64()), (200, Some(0)));
    assert_eq!(observe_now(status, &headers, &body), "live");
    let (_, _, items) = get("/_sim/items".to_owned()).await;
    let items = String::from_utf8(items).unwrap();
    assert!(items.contains(&format!(
        "https://www.bilibili.com/video/{}",
        item.native_id
    )));
    assert!(
        items.contains(&format!("http://{addr}/page/")),
        "web pages on the simulator"
    );
    let (_, _, truth) = get("/_sim/truth".to_owned()).await;
    let truth = String::from_utf8(truth).unwrap();
    assert!(
        truth
            .lines()
            .any(|l| l.contains(&item.native_id) && l.contains("published"))
    );
    assert!(
        !truth
            .lines()
            .any(|l| l.contains(&item.native_id) && l.contains("state_change")),
        "the future is not in the truth yet"
    );

    clock.set(deleted_at);
    let (status, headers, body) = get(item.path.clone()).await;
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, json["code"].as_i64()), (200, Some(-404)));
    assert_eq!(observe_now(status, &headers, &body), "gone:unknown");
    let (_, _, truth) = get("/_sim/truth".to_owned()).await;
    let truth = String::from_utf8(truth).unwrap();
    let line = truth
        .lines()
        .find(|l| l.contains(&item.native_id) && l.contains("state_change"))
        .expect("the deletion is in the truth");
    let event: Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["t"].as_u64(), Some(deleted_at));
    assert_eq!(event["to"], "author_deleted");
    assert_eq!(event["observed_as"], "gone:unknown");

    // Web pages answer 410 when their author removed them.
    if let Some(page) = world
        .items()
        .iter()
        .find(|i| i.kind == SimKind::WebPage && i.fate == ItemState::AuthorDeleted)
    {
        clock.set(page.phases[1].at - 1);
        assert_eq!(get(page.path.clone()).await.0, 200);
        clock.advance(1);
        assert_eq!(get(page.path.clone()).await.0, 410);
    }
    let (status, _, _) = get("/definitely/not/a/platform".to_owned()).await;
    assert_eq!(status, 404);
    let (_, _, now) = get("/_sim/now".to_owned()).await;
    assert!(String::from_utf8_lossy(&now).contains("\"t\":"));
    handle.shutdown().await.unwrap();
}

/// The uploader list is WBI-signed: signed with the keys the simulator's `nav` publishes (by
/// annals' own signer) it lists exactly the uploader's live videos, newest first, in the
/// recorded shapes; unsigned, or signed with other keys, it answers `-403`, which annals reads
/// as `blocked`, never as a disappearance.
#[test]
fn uploader_list_needs_a_valid_wbi_signature() {
    use annals_platforms::wbi;
    let cfg = SimConfig {
        seed: 11,
        items: 200,
        noise: NoiseConfig {
            blocks_per_day: 0.0,
            outages_per_day: 0.0,
            ..NoiseConfig::default()
        },
        ..SimConfig::default()
    };
    let world = World::new(cfg).unwrap();
    let t = 20 * 3_600;
    let nav = world.respond("https://api.bilibili.com/x/web-interface/nav", t);
    let keys = wbi::keys_from_nav(&nav.body).unwrap();
    let mids = world.uploaders();
    assert_eq!(mids.len() as u64, annals_simulator::UPLOADERS);
    for item in world.items() {
        assert_eq!(
            item.uploader.is_some(),
            item.kind == SimKind::BilibiliVideo,
            "{item:?}"
        );
    }
    let wts = world.unix(t);
    let mut listed_somewhere = 0;
    for &mid in &mids {
        let uploader = ItemRef::parse(&format!("https://space.bilibili.com/{mid}")).unwrap();
        let request = &annals_platforms::requests(&uploader)[0];
        assert_eq!(request.sign, Some(annals_platforms::Signing::Wbi));
        let observe_at = |url: &str, t: u64| {
            let resp = world.respond(url, t);
            parse(
                &uploader,
                &[Response {
                    url,
                    status: resp.status,
                    headers: &resp.headers,
                    body: &resp.body,
                }],
                world.unix(t),
            )
        };
        // Signed right: the uploader's live videos, as the truth has them.
        let signed = wbi::sign_url(&request.url, &keys, wts);
        let obs = observe_at(&signed, t);
        assert_eq!(obs.state, State::Live, "{obs:?}");
        let mut want: Vec<&SimItem> = world
            .items()
            .iter()
            .filter(|i| i.uploader == Some(mid) && i.state_at(t) == Some(ItemState::Live))
            .collect();
        want.sort_by_key(|i| std::cmp::Reverse(i.published_at));
        let got: Vec<&str> = obs.children.iter().map(|c| c.native_id.as_str()).collect();
        let want_ids: Vec<&str> = want.iter().take(30).map(|i| i.native_id.as_str()).collect();
        assert_eq!(got, want_ids, "uploader {mid}");
        listed_somewhere += got.len();
        // Each listed video's own page names the same uploader.
        for item in want.iter().take(3) {
            let view: Value = serde_json::from_slice(&world.respond(&item.path, t).body).unwrap();
            assert_eq!(view["data"]["owner"]["mid"].as_u64(), Some(mid));
        }
        // Unsigned, signed with the documented (foreign) keys, or tampered with: -403, blocked.
        let foreign = wbi::Keys::new(
            "7cd084941338484aae1ad9425b84077c",
            "4932caff0ff746eab6f01bf08b70ac45",
        )
        .unwrap();
        for url in [
            request.url.clone(),
            wbi::sign_url(&request.url, &foreign, wts),
            signed.replace("ps=30", "ps=31"),
        ] {
            let resp = world.respond(&url, t);
            let json: Value = serde_json::from_slice(&resp.body).unwrap();
            assert_eq!(json["code"], -403, "{url}");
            assert_eq!(json["message"], "访问权限不足");
            let obs = observe_at(&url, t);
            assert_eq!(obs.state, State::Blocked, "{url}");
            assert!(!obs.state.is_disappearance());
            assert!(obs.children.is_empty());
        }
        // Keys rotate daily; yesterday's still sign, older ones do not.
        assert_eq!(observe_at(&signed, t + 86_400).state, State::Live);
        assert_eq!(observe_at(&signed, t + 2 * 86_400).state, State::Blocked);
    }
    assert!(listed_somewhere > 0, "no uploader had a live video");
    // An unknown uploader is not found; a malformed mid is a bad request.
    for (mid, code) in [("1", -404), ("x", -400)] {
        let url = wbi::sign_url(
            &format!("https://api.bilibili.com/x/space/wbi/arc/search?mid={mid}&ps=30&pn=1"),
            &keys,
            wts,
        );
        let json: Value = serde_json::from_slice(&world.respond(&url, t).body).unwrap();
        assert_eq!(json["code"], code, "{mid}");
    }
    // Shapes: no key the recorded bodies lack.
    let Some(dir) = fixtures_dir() else {
        println!("SKIPPED: ../shared/fixtures/platforms is absent");
        return;
    };
    let uploader = ItemRef::parse(&format!("https://space.bilibili.com/{}", mids[0])).unwrap();
    let signed = wbi::sign_url(&annals_platforms::requests(&uploader)[0].url, &keys, wts);
    for (file, body) in [
        ("bilibili_nav_101-guest-wbi-img.json", nav.body.clone()),
        (
            "bilibili_space-arc-search_ok.json",
            world.respond(&signed, t).body,
        ),
    ] {
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        let simulated: Value = serde_json::from_slice(&body).unwrap();
        let (fx, sim) = (paths_of(&fixture), paths_of(&simulated));
        let invented: Vec<_> = sim.difference(&fx).collect();
        assert!(invented.is_empty(), "{file}: invented keys {invented:?}");
        for key in [
            "code",
            "message",
            "ttl",
            "data.isLogin",
            "data.wbi_img.img_url",
            "data.wbi_img.sub_url",
            "data.list.vlist[].bvid",
            "data.list.vlist[].aid",
            "data.list.vlist[].mid",
            "data.list.vlist[].play",
            "data.list.vlist[].comment",
            "data.list.vlist[].video_review",
            "data.list.vlist[].created",
            "data.list.vlist[].length",
            "data.page.count",
        ] {
            assert_eq!(fx.contains(key), sim.contains(key), "{file}: {key}");
        }
    }
}

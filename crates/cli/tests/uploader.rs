//! `annals seed add bilibili-uploader MID` end to end: the uploader's video list is fetched
//! WBI-signed (keys from `nav`, archived too) from `annals simulate`, which verifies the
//! signature, and the listed videos become items. A refused signature is `blocked`, never a
//! disappearance, and makes the observer fetch fresh keys.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{annals, run, simulate, stop};
use serde_json::Value;

fn jsonl(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// Points `api.bilibili.com` at `origin` (and sets extra `[observer]` lines) in `data`'s
/// annals.toml.
fn configure(data: &Path, origin: &str, observer: &str) {
    run(annals(data).arg("init"));
    let toml = data.join("annals.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str(&format!(
        "\n[observer]\n{observer}\n[observer.endpoints]\n\"https://api.bilibili.com\" = \"{origin}\"\n"
    ));
    std::fs::write(&toml, text).unwrap();
}

/// Every archived record, from `annals records --json`.
fn records(data: &Path) -> Vec<Value> {
    jsonl(&run(annals(data).args(["records", "--json"])).stdout)
}

fn get_json(data: &Path, url: &str) -> Value {
    serde_json::from_slice(&run(annals(data).args(["get", url])).stdout).unwrap()
}

fn sim_items(rt: &tokio::runtime::Runtime, origin: &str) -> Vec<Value> {
    rt.block_on(async {
        let text = reqwest::get(format!("{origin}/_sim/items"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        jsonl(text.as_bytes())
    })
}

#[test]
fn uploader_seed_discovers_its_videos_through_a_signed_list() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = simulate(300, 5, &dir.path().join("truth.jsonl"));

    // Wait until some uploader has published a few videos (600×: a real second is 10 minutes).
    let started = Instant::now();
    let mid = loop {
        let items = sim_items(&rt, &sim.url);
        let mut counts = std::collections::BTreeMap::new();
        for i in &items {
            if let Some(m) = i["uploader"].as_u64() {
                *counts.entry(m).or_insert(0) += 1;
            }
        }
        if let Some((&m, _)) = counts.iter().find(|(_, n)| **n >= 3) {
            break m;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no uploader published 3 videos: {counts:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };

    configure(&data, &sim.url, "");
    let out = run(annals(&data).args([
        "seed",
        "add",
        "bilibili-uploader",
        &mid.to_string(),
        "--list",
        "uploaders",
        "--json",
    ]));
    let added = jsonl(&out.stdout);
    let space = format!("https://space.bilibili.com/{mid}");
    assert_eq!(added[0]["url"], space.as_str(), "{added:?}");
    assert_eq!(added[0]["platform"], "bilibili");
    run(annals(&data).args(["run", "--for", "5s"]));

    // The uploader was observed live, never refused.
    let item: Value =
        serde_json::from_slice(&run(annals(&data).args(["item", &space, "--json"])).stdout)
            .unwrap();
    let observations = item["observations"].as_array().unwrap();
    assert!(!observations.is_empty(), "{item}");
    for o in observations {
        assert_eq!(o["state"], "live", "{o}");
        assert_eq!(o["code"], "0", "{o}");
    }
    assert_eq!(item["item"]["kind"], "user");

    // The archive holds the signed list requests, each accepted, and the nav exchange.
    let recs = records(&data);
    let responses = |part: &str| -> Vec<String> {
        recs.iter()
            .filter(|r| r["record_type"] == "response" || r["record_type"] == "revisit")
            .filter_map(|r| r["url"].as_str())
            .filter(|u| u.contains(part))
            .map(str::to_string)
            .collect()
    };
    let lists = responses("/x/space/wbi/arc/search?");
    assert_eq!(lists.len(), observations.len(), "{lists:?}");
    let mut listed = BTreeSet::new();
    for url in &lists {
        assert!(url.starts_with(&sim.url), "{url}");
        let query = url.split_once('?').unwrap().1;
        let params: Vec<&str> = query.split('&').collect();
        assert!(params.contains(&format!("mid={mid}").as_str()), "{url}");
        assert!(params.iter().any(|p| p.starts_with("wts=")), "{url}");
        let w_rid = params.iter().find_map(|p| p.strip_prefix("w_rid="));
        assert!(
            w_rid.is_some_and(|w| w.len() == 32 && w.bytes().all(|b| b.is_ascii_hexdigit())),
            "{url}"
        );
        let body = get_json(&data, url);
        assert_eq!(body["code"], 0, "the simulator refused {url}: {body}");
        for v in body["data"]["list"]["vlist"].as_array().unwrap() {
            assert_eq!(v["mid"].as_u64(), Some(mid));
            listed.insert(v["bvid"].as_str().unwrap().to_string());
        }
    }
    let navs = responses("/x/web-interface/nav");
    assert!(!navs.is_empty(), "the nav exchange is not archived");
    let nav = get_json(&data, &navs[0]);
    assert!(nav["data"]["wbi_img"]["img_url"].is_string(), "{nav}");
    let requests: Vec<_> = recs
        .iter()
        .filter(|r| r["record_type"] == "request")
        .filter_map(|r| r["url"].as_str())
        .collect();
    assert!(requests.iter().any(|u| u.ends_with("/x/web-interface/nav")));

    // The listed videos, and only they, became items of the list; nav made none.
    let items = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    assert!(
        items
            .iter()
            .all(|i| !i["url"].as_str().unwrap().contains("nav"))
    );
    let children: BTreeSet<String> = items
        .iter()
        .filter(|i| i["url"] != space.as_str())
        .map(|i| {
            assert_eq!(i["platform"], "bilibili", "{i}");
            assert_eq!(i["list"], "uploaders", "{i}");
            i["native_id"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(!listed.is_empty(), "the uploader listed nothing");
    assert_eq!(children, listed);
    // They are the uploader's videos in the simulator's truth, and were observed in turn.
    let truth: BTreeSet<String> = sim_items(&rt, &sim.url)
        .iter()
        .filter(|i| i["uploader"].as_u64() == Some(mid))
        .map(|i| i["native_id"].as_str().unwrap().to_string())
        .collect();
    assert!(children.is_subset(&truth), "{children:?} ⊄ {truth:?}");
    assert!(
        items
            .iter()
            .filter(|i| i["url"] != space.as_str())
            .any(|i| i["observations"].as_i64().unwrap() > 0),
        "no discovered video was observed: {items:?}"
    );
    stop(sim);

    // Derived from the archive alone: a reindex rebuilds the same watchlist.
    let before = run(annals(&data).args(["watch", "ls", "--json"])).stdout;
    run(annals(&data).arg("reindex"));
    assert_eq!(
        jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout),
        jsonl(&before)
    );
}

/// A `nav` serving other keys than the platform checks (stale or foreign keys): every signed
/// list request is refused with `-403`, which is `blocked` (no disappearance, even with one
/// confirmation), and each refusal drops the keys, so every attempt fetches `nav` again.
#[test]
fn refused_signatures_are_blocked_not_gone_and_refresh_the_keys() {
    use annals_simulator::{NoiseConfig, SimConfig, World};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let world = Arc::new(
        World::new(SimConfig {
            seed: 4,
            items: 100,
            noise: NoiseConfig {
                blocks_per_day: 0.0,
                outages_per_day: 0.0,
                ..NoiseConfig::default()
            },
            ..SimConfig::default()
        })
        .unwrap(),
    );
    let mid = world.uploaders()[0];
    let navs = Arc::new(AtomicUsize::new(0));
    let lists = Arc::new(AtomicUsize::new(0));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    {
        let (navs, lists, world) = (navs.clone(), lists.clone(), world.clone());
        rt.spawn(async move {
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                let (navs, lists, world) = (navs.clone(), lists.clone(), world.clone());
                async move {
                    let target = uri.path_and_query().map_or("/", |pq| pq.as_str()).to_string();
                    let body = if uri.path() == "/x/web-interface/nav" {
                        navs.fetch_add(1, Ordering::SeqCst);
                        // The keys of platforms.md §1.8's vectors, which this world does not use.
                        serde_json::json!({"code": -101, "message": "账号未登录", "ttl": 1,
                            "data": {"isLogin": false, "wbi_img": {
                                "img_url": "https://i0.hdslb.com/bfs/wbi/7cd084941338484aae1ad9425b84077c.png",
                                "sub_url": "https://i0.hdslb.com/bfs/wbi/4932caff0ff746eab6f01bf08b70ac45.png"}}})
                        .to_string()
                        .into_bytes()
                    } else {
                        if uri.path().contains("/arc/search") {
                            lists.fetch_add(1, Ordering::SeqCst);
                        }
                        world.respond(&target, 20 * 3_600).body
                    };
                    ([("content-type", "application/json")], body)
                }
            });
            axum::serve(listener, app).await.unwrap();
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    configure(
        &data,
        &format!("http://{addr}"),
        "confirmations = 1\nconfirm_span = \"1s\"\n[observer.backoff]\nbase = \"1s\"\ncap = \"1s\"",
    );
    run(annals(&data).args(["seed", "add", "bilibili-uploader", &mid.to_string()]));
    run(annals(&data).args(["run", "--for", "5s"]));

    let space = format!("https://space.bilibili.com/{mid}");
    let item: Value =
        serde_json::from_slice(&run(annals(&data).args(["item", &space, "--json"])).stdout)
            .unwrap();
    let observations = item["observations"].as_array().unwrap();
    assert!(observations.len() >= 2, "retried after 1 s: {item}");
    for o in observations {
        assert_eq!(o["state"], "blocked", "{o}");
        assert_eq!(o["code"], "-403", "{o}");
    }
    assert!(item["events"].as_array().unwrap().is_empty(), "{item}");
    let gone = jsonl(&run(annals(&data).args(["events", "--kind", "gone", "--json"])).stdout);
    assert!(gone.is_empty(), "{gone:?}");
    // Nothing discovered from a refused list.
    let items = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    assert_eq!(items.len(), 1, "{items:?}");
    // Every refusal dropped the keys: one nav fetch per list request, all archived.
    let (navs, lists) = (navs.load(Ordering::SeqCst), lists.load(Ordering::SeqCst));
    assert_eq!(lists, observations.len());
    assert_eq!(navs, lists, "nav fetches vs signed requests");
    // Each fetch is archived as a response, or a revisit when the keys are the same (a revisit
    // by `annals run` has no request record of its own).
    let archived_navs = records(&data)
        .iter()
        .filter(|r| r["record_type"] == "response" || r["record_type"] == "revisit")
        .filter(|r| {
            r["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/x/web-interface/nav"))
        })
        .count();
    assert_eq!(archived_navs, navs);
}

//! Handler tests: the real router over a real data directory (WARC files, SQLite index, search
//! index) filled through the observer's own import path (`Observer::import_rows`: every row is
//! archived as a WARC record and derived into items, observations, versions and events), served
//! on loopback and read with a real HTTP client.

use std::sync::Arc;

use annals_archive::{Archive, ArchiveOptions};
use annals_observer::{FileConfig, Observer, SystemClock, TableRow};
use serde_json::{Value, json};

const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

fn row(line: u64, id: &str, at: i64, state: &str, title: &str, text: &str, views: u64) -> TableRow {
    serde_json::from_value(json!({
        "action": "table-row",
        "source": "fixture.csv",
        "source_sha256": "ab".repeat(32),
        "line": line,
        "list": "hot",
        "platform": "weibo",
        "native_id": id,
        "url": format!("urn:annals:item:weibo:{id}"),
        "kind": "row",
        "observed_at": at,
        "state": state,
        "metrics": { "heat": { "exact": views } },
        "content": { "title": title, "text": text, "author": "某人", "published_at": null, "media_urls": [] },
        "raw": {}
    }))
    .expect("a valid table row")
}

struct Server {
    base: String,
    _dir: tempfile::TempDir,
    _task: tokio::task::JoinHandle<()>,
}

async fn server(public: bool) -> Server {
    server_with(public, None).await
}

/// The real application; with `auth`, behind annals-web-auth as `annals serve` mounts it.
async fn server_with(public: bool, auth: Option<annals_web_auth::AuthMode>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::init(dir.path(), ArchiveOptions::default())
        .await
        .unwrap();
    let mut obs = Observer::new(archive, FileConfig::default(), Arc::new(SystemClock));
    let t0 = 1_780_000_000;
    let rows = vec![
        row(
            2,
            "a1",
            t0,
            "live",
            "台风登陆广东",
            "台风今天登陆。\n第二行",
            100,
        ),
        row(
            3,
            "a1",
            t0 + 1800,
            "live",
            "台风登陆广东",
            "台风今天登陆。\n第二行改了",
            250,
        ),
        row(4, "a1", t0 + 3600, "gone:unknown", "台风登陆广东", "", 0),
        row(5, "b2", t0, "live", HOSTILE, "hostile text <b>bold</b>", 5),
        row(6, "c3", t0, "live", "暴雨预警", "暴雨来了", 9),
    ];
    obs.import_rows(&rows).await.unwrap();
    let state = if public {
        annals_web::AppState::public(obs)
    } else {
        annals_web::AppState::new(obs)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = match auth {
        None => annals_web::app(state),
        Some(mode) => {
            let users = annals_web_auth::Users::load(dir.path()).unwrap();
            let auth = annals_web_auth::Auth::with_config(
                users,
                mode,
                annals_web_auth::AuthConfig::default(),
            );
            annals_web::app_with(state, Some(auth))
        }
    };
    let task = tokio::spawn(async move {
        let _ = annals_web::serve(listener, app, std::future::pending()).await;
    });
    Server {
        base,
        _dir: dir,
        _task: task,
    }
}

async fn get(base: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap()
}

/// A Deletions report as a client gets it: asked again while the server answers 202 (being
/// computed, after `Retry-After`, here sooner), which it says with its status and start time.
async fn deletions_of(base: &str, path: &str) -> Value {
    for _ in 0..1200 {
        let r = get(base, path).await;
        if r.status() == 202 {
            assert_eq!(r.headers()["retry-after"], "2");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["status"], "computing", "{v}");
            assert!(v["started_at"].as_str().unwrap().ends_with('Z'), "{v}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        assert_eq!(r.status(), 200, "{path}");
        return r.json().await.unwrap();
    }
    panic!("{path}: still computing after a minute");
}

async fn json_of(base: &str, path: &str) -> Value {
    let r = get(base, path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_counts_states_and_lists_the_disappearance() {
    let s = server(false).await;
    let o = json_of(&s.base, "/api/v1/overview").await;
    let hot = &o["lists"][0];
    assert_eq!(hot["list"], "hot");
    assert_eq!(hot["total"], 3);
    assert_eq!(hot["states"]["live"], 2);
    assert_eq!(hot["states"]["gone:unknown"], 1);
    let gone = &o["disappearances"][0];
    assert_eq!(gone["url"], "urn:annals:item:weibo:a1");
    assert_eq!(gone["last_seen_live"], 1_780_001_800i64);
    assert_eq!(gone["first_seen_gone"], 1_780_003_600i64);
    assert_eq!(gone["state"], "gone:unknown");
    assert!(o["ledger"]["size"].as_u64().unwrap() >= 5);

    let r = get(&s.base, "/").await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"watchlists\""));
    assert!(page.contains("gone:unknown: 1"), "{page}");
    assert!(page.contains("urn:annals:item:weibo:a1"));
    // Security headers of a UI page.
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_page_shows_versions_diff_metrics_and_escapes_hostile_titles() {
    let s = server(false).await;
    let items = json_of(&s.base, "/api/v1/items?per_page=2").await;
    assert_eq!(items["items"].as_array().unwrap().len(), 2);
    let next = items["next_after"].as_i64().unwrap();
    let rest = json_of(&s.base, &format!("/api/v1/items?per_page=2&after={next}")).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_after"].is_null());

    let all = json_of(&s.base, "/api/v1/items").await;
    let id_of = |native: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["native_id"] == native)
            .unwrap()["item_id"]
            .as_i64()
            .unwrap()
    };
    let a1 = id_of("a1");
    let d = json_of(&s.base, &format!("/api/v1/items/{a1}")).await;
    assert_eq!(d["item"]["state"], "gone:unknown");
    let heat = &d["metrics"][0];
    assert_eq!(heat["name"], "heat");
    assert_eq!(heat["points"][0][1], 100.0);
    assert_eq!(heat["points"][1][1], 250.0);
    let versions = d["versions"].as_array().unwrap();
    assert!(versions.len() >= 2);
    assert!(
        versions[1]["diff"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["op"] == "+" && l["text"] == "第二行改了")
    );
    let page = get(&s.base, &format!("/items/{a1}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("台风登陆广东"));
    assert!(page.contains("id=\"item-chart\""));
    assert!(page.contains("gone:unknown"));
    assert!(page.contains("第二行改了"));

    let b2 = id_of("b2");
    let page = get(&s.base, &format!("/items/{b2}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>alert"), "hostile title inlined");
    assert!(!page.contains("<img src=x"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || page.contains("&#60;script"));
    assert!(!page.contains("<b>bold</b>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captured_record_is_sandboxed_and_never_inlined() {
    let s = server(false).await;
    let all = json_of(&s.base, "/api/v1/items").await;
    let id = all["items"][1]["item_id"].as_i64().unwrap();
    let d = json_of(&s.base, &format!("/api/v1/items/{id}")).await;
    let rid = d["captures"][0]["record_id"].as_str().unwrap().to_string();
    let key: String = rid.bytes().map(|b| format!("{b:02x}")).collect();
    let r = get(&s.base, &format!("/capture/{key}/raw")).await;
    assert_eq!(r.status(), 200, "{rid} {d}");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.starts_with("sandbox;"), "{csp}");
    assert!(!csp.contains("allow-scripts") && !csp.contains("allow-same-origin"));
    assert!(csp.contains("frame-ancestors 'self'"));
    let body = r.text().await.unwrap();
    assert!(body.contains("hostile text"), "{body}");
    let page = get(&s.base, &format!("/capture/{key}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<iframe id=\"capture-frame\" data-testid=\"capture-frame\" sandbox src=\"/capture/{key}/raw\"")));
    assert!(!page.contains("<b>bold</b>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_highlights_escaped_snippets_and_paginates() {
    let s = server(false).await;
    let r = json_of(&s.base, "/api/v1/search?q=%E5%8F%B0%E9%A3%8E&per_page=1").await;
    assert!(r["total"].as_u64().unwrap() >= 1);
    assert_eq!(r["hits"].as_array().unwrap().len(), 1);
    assert_eq!(r["hits"][0]["url"], "urn:annals:item:weibo:a1");
    let page = get(&s.base, "/search?q=%E6%9A%B4%E9%9B%A8")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<mark>暴雨</mark>"), "{page}");
    let hostile = get(&s.base, "/search?q=hostile")
        .await
        .text()
        .await
        .unwrap();
    assert!(!hostile.contains("<script>alert"));
    assert!(!hostile.contains("<b>bold"));
    let bad = get(&s.base, "/api/v1/search?q=x&per_page=0").await;
    assert_eq!(bad.status(), 400);
    let t = json_of(&s.base, "/api/v1/trend?terms=%E5%8F%B0%E9%A3%8E").await;
    let days = t["series"][0]["days"].as_array().unwrap();
    assert_eq!(days.iter().map(|d| d[1].as_u64().unwrap()).sum::<u64>(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_and_pause_and_public_mode_has_no_post_routes() {
    let s = server(false).await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{}/api/v1/watch", s.base))
        .json(&json!({ "urls": ["https://example.com/page"], "list": "web" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out[0]["added"], true);
    let id = out[0]["item_id"].as_i64().unwrap();
    let r = c
        .post(format!("{}/api/v1/items/{id}/paused", s.base))
        .json(&json!({ "paused": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let d = json_of(&s.base, &format!("/api/v1/items/{id}")).await;
    assert_eq!(d["item"]["paused"], true);
    let page = get(&s.base, "/watch").await.text().await.unwrap();
    assert!(page.contains("id=\"add-item-form\"") && page.contains("name=\"csrf\""));

    let p = server(true).await;
    let r = c
        .post(format!("{}/api/v1/watch", p.base))
        .json(&json!({ "urls": ["https://example.com/"] }))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 404 || r.status() == 405, "{}", r.status());
    assert_eq!(get(&p.base, "/watch").await.status(), 404);
    let doc = json_of(&p.base, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/watch"].is_null());
    assert!(
        !get(&p.base, "/")
            .await
            .text()
            .await
            .unwrap()
            .contains("href=\"/watch\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_generic_and_language_switches() {
    let s = server(false).await;
    let r = get(&s.base, "/items/999999").await;
    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(!body.contains("/tmp") && !body.contains(".rs"));
    let r = get(&s.base, "/api/v1/items/999999").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "not found");
    let r = get(&s.base, "/capture/zz/raw").await;
    assert_eq!(r.status(), 404);
    let zh = get(&s.base, "/?lang=zh").await;
    assert!(
        zh.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("lang=zh")
    );
    let zh = zh.text().await.unwrap();
    assert!(zh.contains("关注列表") && zh.contains("lang=\"zh-CN\""));
    let c = reqwest::Client::new();
    let zh = c
        .get(format!("{}/", s.base))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("最新消失"));
    let en = get(&s.base, "/").await.text().await.unwrap();
    assert!(en.contains("Newest disappearances"));
    let js = get(&s.base, "/assets/uPlot.iife.min.js").await;
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("uPlot"));
}

/// The OpenAPI document against the server it describes: schemathesis (PyPI) generates requests
/// from the document, a bounded number per operation, and checks every response against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_matches_the_server_schemathesis() {
    let st = ["schemathesis", "st"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    let Some(st) = st else {
        if std::env::var_os("CI").is_some() {
            panic!("schemathesis is not installed: CI must install it (.ci/run)");
        }
        eprintln!(
            "SKIPPED: schemathesis is not installed (pip install schemathesis); the OpenAPI contract was not checked"
        );
        return;
    };
    let s = server(false).await;
    let schema = format!("{}/api/v1/openapi.json", s.base);
    let base = s.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(st)
            .args([
                "run",
                &schema,
                "--url",
                &base,
                "--max-examples",
                "25",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            ])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "schemathesis failed:\n{text}");
    eprintln!(
        "{}",
        text.lines().rev().take(8).collect::<Vec<_>>().join("\n")
    );
}

/// `annals serve` mounts the pages behind annals-web-auth: a cross-site POST (no token) changes
/// nothing, the page's own token (meta tag and form field) is accepted, and with login required
/// pages redirect to `/login` and the API answers 401, all with the security headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_auth_every_change_needs_the_session_csrf_token() {
    let s = server_with(false, Some(annals_web_auth::AuthMode::Optional)).await;
    let c = reqwest::Client::new();
    let body = json!({ "urls": ["https://example.com/csrf"], "list": "web" });
    let r = c
        .post(format!("{}/api/v1/watch", s.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a POST without the token must be refused");
    assert!(r.headers().contains_key("x-content-type-options"));
    let items = json_of(&s.base, "/api/v1/items").await.to_string();
    assert!(!items.contains("example.com/csrf"), "{items}");

    // The watch page: a session cookie, and its token in the meta tag and the form.
    let page = get(&s.base, "/watch").await;
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("annals_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let token = html
        .split("<meta name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 64, "{token}");
    assert!(html.contains(&format!("name=\"csrf\" value=\"{token}\"")));
    // Someone else's token (from a second session) does not do either.
    let other = get(&s.base, "/watch").await.text().await.unwrap();
    let other_token = other
        .split("<meta name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    assert_ne!(other_token, token);
    let r = c
        .post(format!("{}/api/v1/watch", s.base))
        .header("cookie", &session)
        .header("x-csrf-token", &other_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(format!("{}/api/v1/watch", s.base))
        .header("cookie", &session)
        .header("x-csrf-token", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out[0]["added"], true);

    // Logins required: pages go to /login, the API answers 401, the login page is served.
    let r = server_with(false, Some(annals_web_auth::AuthMode::Required)).await;
    let nr = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let home = nr.get(format!("{}/", r.base)).send().await.unwrap();
    assert_eq!(home.status(), 303);
    assert!(
        home.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login"),
    );
    assert!(home.headers().contains_key("content-security-policy"));
    let api = nr
        .get(format!("{}/api/v1/overview", r.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    let login = nr.get(format!("{}/login", r.base)).send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("name=\"password\""));
}

/// The Deletions page shows what `annals report deletions` computes (the same gathering in
/// annals-understand, the same analyses): here three imported items, one gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_report_is_the_analyses_own_output() {
    let s = server(false).await;
    let d = deletions_of(&s.base, "/api/v1/deletions?min_term_items=1").await;
    assert_eq!(d["summary"]["items"], 3, "{d}");
    assert_eq!(d["summary"]["gone"], 1, "{d}");
    assert_eq!(d["estimator"], "kaplan-meier-interval-midpoint");
    let survival = d["survival"].as_array().unwrap();
    assert!(!survival.is_empty());
    // The gone item: last seen live 30 min after its first observation, gone at 60 min; the
    // estimator puts the event at the midpoint, 0.75 h, where it alone is still at risk (the
    // others were seen once, censored at 0).
    let event = survival
        .iter()
        .find(|k| k["events"] == 1)
        .unwrap_or_else(|| panic!("{survival:?}"));
    assert!(
        (event["time_h"].as_f64().unwrap() - 0.75).abs() < 1e-9,
        "{event}"
    );
    assert_eq!(event["at_risk"], 1);
    assert_eq!(event["survival_prob"].as_f64().unwrap(), 0.0);
    // The latency histogram holds the one deletion's unit mass, on log-spaced bins.
    let latency = d["latency"].as_array().unwrap();
    let mass: f64 = latency
        .iter()
        .map(|b| b["deletions"].as_f64().unwrap())
        .sum();
    assert!((mass - 1.0).abs() < 1e-9, "{mass}");
    let uppers: Vec<f64> = latency
        .iter()
        .filter_map(|b| b["upper_s"].as_f64())
        .collect();
    assert!(uppers.windows(3).any(|w| w[2] / w[1] > 1.9), "{uppers:?}");
    // Terms of the titles, ranked; the gone item's terms have a share of 1.
    let terms = d["terms"].as_array().unwrap();
    assert!(!terms.is_empty());
    assert_eq!(terms[0]["rank"], 1);
    assert!(
        terms
            .iter()
            .any(|t| t["term"] == "台风" && t["gone"] == 1 && t["items"] == 1),
        "{terms:?}"
    );
    assert!(
        d["by_platform"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["group"] == "weibo" && g["items"] == 3 && g["gone"] == 1),
        "{d}"
    );
    assert!(d["by_reason"].as_array().unwrap().len() >= 2, "{d}");
    // A list without items: an empty report, not an error.
    let empty = deletions_of(&s.base, "/api/v1/deletions?list=nothing-here").await;
    assert_eq!(empty["summary"]["items"], 0);
    let bad = get(&s.base, "/api/v1/deletions?min_term_items=0").await;
    assert_eq!(bad.status(), 400);

    let page = get(&s.base, "/deletions?min_term_items=1").await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    let page = page.text().await.unwrap();
    assert!(page.contains("id=\"survival-chart\"") && page.contains("id=\"latency-chart\""));
    assert!(page.contains("data-src=\"/api/v1/deletions?min_term_items=1\""));
    assert!(page.contains("id=\"term-table\"") && page.contains("台风"));
    assert!(page.contains("href=\"/deletions\""), "linked from the nav");
    assert!(!page.contains("<script>alert"), "terms are escaped");
    // Another report (the default min_term_items): while it is computed the page says so,
    // with a 202, and reloads itself.
    let mut zh = get(&s.base, "/deletions?lang=zh").await;
    for _ in 0..1200 {
        if zh.status() != 202 {
            break;
        }
        let text = zh.text().await.unwrap();
        assert!(
            text.contains("id=\"deletions-computing\"") && text.contains("http-equiv=\"refresh\"")
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        zh = get(&s.base, "/deletions?lang=zh").await;
    }
    assert_eq!(zh.status(), 200);
    let zh = zh.text().await.unwrap();
    assert!(zh.contains("计算时间"), "when it was computed is shown");
    assert!(zh.contains("按原因") && zh.contains("按平台") && zh.contains("删除报告"));

    // The report is kept: a new item changes its inputs, the next request is still answered
    // at once from the kept report while one recomputation runs, and a later one sees it.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/watch", s.base))
        .json(&json!({ "urls": ["https://example.com/kept"], "list": "web" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stale = deletions_of(&s.base, "/api/v1/deletions?min_term_items=1").await;
    assert_eq!(
        stale["summary"]["items"], 3,
        "answered from the kept report"
    );
    assert_eq!(stale["refreshing"], true, "{stale}");
    let mut fresh = stale;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        fresh = deletions_of(&s.base, "/api/v1/deletions?min_term_items=1").await;
        if fresh["summary"]["items"] == 4 {
            break;
        }
    }
    assert_eq!(
        fresh["summary"]["items"], 4,
        "recomputed in the background: {fresh}"
    );
}

/// A loopback site with one article, watched and observed once by the real observer, so the
/// item has real HTTP captures.
async fn observed_item() -> (tempfile::TempDir, Observer, i64, String) {
    use axum::routing::get as route;
    let site = axum::Router::new().route(
        "/article",
        route(|| async {
            axum::response::Html(
                "<!doctype html><html><head><title>Harbour article</title></head>\
                 <body><article><h1>Harbour article</h1><p>The ferry leaves at noon, every day of \
                 the week, from the north pier.</p></article></body></html>",
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/article", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, site).await;
    });
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::init(dir.path(), ArchiveOptions::default())
        .await
        .unwrap();
    let mut obs = Observer::new(archive, FileConfig::default(), Arc::new(SystemClock));
    let out = obs
        .watch(std::slice::from_ref(&url), "web", None, false)
        .await
        .unwrap();
    let id = out[0].item_id.unwrap_or_else(|| panic!("{out:?}"));
    let report = obs
        .run(
            annals_observer::RunOptions {
                stop_when_idle: true,
                ..Default::default()
            },
            None,
            std::future::pending(),
        )
        .await
        .unwrap();
    assert!(report.status.observations >= 1, "{report:?}");
    (dir, obs, id, url)
}

/// `/items/{id}/wacz`: the archive's own WACZ exporter, for one item: a valid package whose
/// datapackage.json lists the item's WARC (with its hash) and whose index has its URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_wacz_is_a_valid_package_of_its_captures() {
    use sha2::Digest;
    use std::io::Read;
    let (_dir, obs, id, url) = observed_item().await;
    let state = annals_web::AppState::new(obs);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = annals_web::serve(listener, annals_web::app(state), std::future::pending()).await;
    });
    let page = get(&base, &format!("/items/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("href=\"/items/{id}/wacz\"")));
    let r = get(&base, &format!("/items/{id}/wacz")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/wacz");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("annals-item-{id}.wacz"))
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut text = |name: &str| {
        let mut s = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the package"))
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let dp: Value = serde_json::from_str(&text("datapackage.json")).unwrap();
    let cdxj = text("indexes/index.cdxj");
    assert!(cdxj.contains(&url), "{cdxj}");
    let resources = dp["resources"].as_array().unwrap();
    let warcs: Vec<&Value> = resources
        .iter()
        .filter(|r| {
            r["path"].as_str().unwrap().starts_with("archive/")
                && r["path"].as_str().unwrap().ends_with(".warc.gz")
        })
        .collect();
    assert_eq!(warcs.len(), 1, "{dp}");
    let path = warcs[0]["path"].as_str().unwrap().to_string();
    let mut warc = Vec::new();
    zip.by_name(&path).unwrap().read_to_end(&mut warc).unwrap();
    let hash = format!("sha256:{:x}", sha2::Sha256::digest(&warc));
    assert_eq!(warcs[0]["hash"], hash.as_str());
    // The package's WARC holds the item's response.
    let mut plain = Vec::new();
    flate2::read::MultiGzDecoder::new(&warc[..])
        .read_to_end(&mut plain)
        .unwrap();
    let plain = String::from_utf8_lossy(&plain);
    assert!(plain.contains("WARC-Type: response") && plain.contains("Harbour article"));
    assert!(plain.contains(&format!("WARC-Target-URI: {url}")));
    assert_eq!(get(&base, "/items/999999/wacz").await.status(), 404);

    // `wacz validate` (py-wacz) as a peer check, when installed.
    if std::process::Command::new("wacz")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("item.wacz");
        let bytes = get(&base, &format!("/items/{id}/wacz"))
            .await
            .bytes()
            .await
            .unwrap();
        std::fs::write(&file, &bytes).unwrap();
        let out = std::process::Command::new("wacz")
            .arg("validate")
            .arg("-f")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "wacz validate: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        eprintln!("SKIPPED: wacz (py-wacz) is not installed; the peer validation was not run");
    }
}

/// Seeds and a list's policy from the API (the Watch page's forms post the same data), and
/// none of it on a published archive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeds_and_list_policy_from_the_api_and_not_in_public() {
    let s = server(false).await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{}/api/v1/seeds", s.base))
        .json(&json!({ "kind": "zhihu-question", "target": "19550225", "list": "qa" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out[0]["added"], true, "{out}");
    assert_eq!(out[0]["url"], "https://www.zhihu.com/question/19550225");
    let id = out[0]["item_id"].as_i64().unwrap();
    let d = json_of(&s.base, &format!("/api/v1/items/{id}")).await;
    assert_eq!(d["item"]["seed"], true);
    assert_eq!(d["item"]["list"], "qa");
    let r = c
        .post(format!("{}/api/v1/seeds", s.base))
        .json(&json!({ "kind": "myspace", "target": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("unknown seed kind")
    );

    let r = c
        .post(format!("{}/api/v1/lists/qa/policy", s.base))
        .json(&json!({ "policy": "hot" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["items"], 1);
    let d = json_of(&s.base, &format!("/api/v1/items/{id}")).await;
    assert_eq!(d["item"]["policy"], "hot");
    for (list, policy, status) in [("qa", "sometimes", 400), ("no-such-list", "hot", 404)] {
        let r = c
            .post(format!("{}/api/v1/lists/{list}/policy", s.base))
            .json(&json!({ "policy": policy }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{list} {policy}");
    }
    // The page's forms.
    let page = get(&s.base, "/watch").await.text().await.unwrap();
    assert!(page.contains("id=\"add-seed-form\"") && page.contains("id=\"policy-form\""));
    assert!(page.contains("<option>qa</option>"));
    let r = c
        .post(format!("{}/watch/policy", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("list=qa&policy=daily")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"policy-result\""));
    let d = json_of(&s.base, &format!("/api/v1/items/{id}")).await;
    assert_eq!(d["item"]["policy"], "daily");
    let r = c
        .post(format!("{}/watch/seed", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("kind=feed&target=https%3A%2F%2Fexample.org%2Ffeed.xml&list=blogs")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"watch-results\""));

    let p = server(true).await;
    for path in [
        "/api/v1/seeds",
        "/api/v1/lists/hot/policy",
        "/watch/seed",
        "/watch/policy",
    ] {
        let r = c
            .post(format!("{}{path}", p.base))
            .json(&json!({ "kind": "feed", "target": "https://example.org/", "policy": "hot" }))
            .send()
            .await
            .unwrap();
        assert!(
            r.status() == 404 || r.status() == 405,
            "{path}: {}",
            r.status()
        );
    }
    let doc = json_of(&p.base, "/api/v1/openapi.json").await;
    assert!(doc["paths"]["/api/v1/seeds"].is_null());
    assert!(doc["paths"]["/api/v1/lists/{list}/policy"].is_null());
    assert!(doc["paths"]["/api/v1/deletions"].is_object());
}

/// Pausing, resuming and a list's policy are archived as watch-control records, so
/// `annals reindex` (the index rebuilt from the WARC files alone) restores them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_policy_survive_a_reindex() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::init(dir.path(), ArchiveOptions::default())
        .await
        .unwrap();
    let mut obs = Observer::new(archive, FileConfig::default(), Arc::new(SystemClock));
    let urls = vec![
        "https://example.com/one".to_string(),
        "https://example.com/two".to_string(),
    ];
    let out = obs.watch(&urls, "web", None, false).await.unwrap();
    let (one, two) = (out[0].item_id.unwrap(), out[1].item_id.unwrap());
    assert_eq!(obs.set_paused(&[one, two], true).await.unwrap(), 2);
    assert_eq!(obs.set_paused(&[two], false).await.unwrap(), 1);
    assert_eq!(obs.set_list_policy("web", "daily").await.unwrap(), 2);
    assert!(obs.set_list_policy("web", "sometimes").await.is_err());
    // Watched after the policy change: the list's policy as set, not annals.toml's default.
    let later = obs
        .watch(
            &["https://example.com/three".to_string()],
            "web",
            None,
            false,
        )
        .await
        .unwrap();
    let before = obs.archive().store().watch_list(None, None).await.unwrap();
    drop(obs);

    let archive = Archive::reindex(dir.path(), ArchiveOptions::default(), &|_, _| {})
        .await
        .unwrap();
    assert!(
        archive
            .store()
            .watch_list(None, None)
            .await
            .unwrap()
            .is_empty(),
        "the watchlist is derived, so it is empty before the catch-up"
    );
    let mut obs = Observer::new(archive, FileConfig::default(), Arc::new(SystemClock));
    obs.catch_up(None).await.unwrap();
    let after = obs.archive().store().watch_list(None, None).await.unwrap();
    let summary = |l: &[annals_store::WatchInfo]| {
        l.iter()
            .map(|i| (i.url.clone(), i.paused, i.policy.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(summary(&after), summary(&before));
    let find = |u: &str| after.iter().find(|i| i.url == u).unwrap().clone();
    assert!(find("https://example.com/one").paused);
    assert!(!find("https://example.com/two").paused);
    assert_eq!(find("https://example.com/one").policy, "daily");
    assert_eq!(find("https://example.com/two").policy, "daily");
    assert_eq!(later[0].url.as_deref(), Some("https://example.com/three"));
    assert_eq!(find("https://example.com/three").policy, "daily");
    // Another list keeps the default.
    let other = obs
        .watch(
            &["https://example.com/four".to_string()],
            "news",
            None,
            false,
        )
        .await
        .unwrap();
    let info = obs
        .archive()
        .store()
        .watch_list(Some("news"), None)
        .await
        .unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(info[0].policy, "default");
}

//! `annals run --bind`: the web UI and API served by the observer's own process while it
//! observes `annals simulate` on loopback (real processes, real HTTP, real SQLite).

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{annals, fail, run, simulate, stop};
use serde_json::{Value, json};

async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    let body = client.get(url).send().await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// Total observations of the first `per_page` items, from the items API.
async fn observations(client: &reqwest::Client, base: &str) -> u64 {
    let v = get_json(client, &format!("{base}/api/v1/items?per_page=500")).await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["observations"].as_u64().unwrap())
        .sum()
}

async fn ledger_size(client: &reqwest::Client, base: &str) -> u64 {
    let v = get_json(client, &format!("{base}/api/v1/overview")).await;
    v["ledger"]["size"].as_u64().unwrap()
}

/// Polls `check` every 200 ms for up to `secs` real seconds.
async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("not within {secs} s: {what}");
}

#[test]
fn run_bind_serves_while_observing_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = simulate(60, 7, &dir.path().join("truth.jsonl"));

    let mut child = annals(&data)
        .args(["run", "--simulator", &sim.url, "--budget", "900/min"])
        .args(["--status-every", "0", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("annals run ended before printing its URL")
            .unwrap();
        if let Some(rest) = line.strip_prefix("annals: serving ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    // The data directory is the observer's: `annals serve` says how to browse it instead.
    let err = fail(annals(&data).args(["serve", "--bind", "127.0.0.1:0"]));
    assert!(err.contains("annals run --bind"), "{err}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let added_id = rt.block_on(async {
        let client = reqwest::Client::new();
        // Pages and the API answer while the observer works, and show it working.
        eventually(60, "observations on the items API", || {
            let (c, b) = (client.clone(), base.clone());
            async move { observations(&c, &b).await > 0 }
        })
        .await;
        let (obs0, size0) = (
            observations(&client, &base).await,
            ledger_size(&client, &base).await,
        );
        for path in ["/", "/items", "/trends", "/watch", "/api/v1/events"] {
            let r = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
        }
        eventually(60, "the observation count growing", || {
            let (c, b) = (client.clone(), base.clone());
            async move { observations(&c, &b).await > obs0 && ledger_size(&c, &b).await > size0 }
        })
        .await;

        // A session and its CSRF token, as the watch page's script has them.
        let page = client.get(format!("{base}/watch")).send().await.unwrap();
        let cookie = page
            .headers()
            .get("set-cookie")
            .expect("a session cookie")
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let html = page.text().await.unwrap();
        let token = html
            .split("name=\"csrf-token\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("a CSRF token in the page")
            .to_string();
        let url = format!("{}/page/987654321", sim.url);
        let body = serde_json::to_vec(&json!({ "urls": [url], "list": "mine" })).unwrap();
        // Without the token: refused.
        let r = client
            .post(format!("{base}/api/v1/watch"))
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = client
            .post(format!("{base}/api/v1/watch"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let outcomes: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert_eq!(outcomes[0]["added"], true, "{outcomes}");
        let id = outcomes[0]["item_id"].as_i64().expect("an item id");
        // The observer archives, queues and then observes it.
        eventually(60, "the added item observed", || {
            let (c, b) = (client.clone(), base.clone());
            async move {
                let v = get_json(&c, &format!("{b}/api/v1/items/{id}")).await;
                v["item"]["list"] == "mine" && v["item"]["observations"].as_u64() >= Some(1)
            }
        })
        .await;
        id
    });

    // SIGTERM stops the observer and the server, cleanly.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().unwrap();
    let log = drain.join().unwrap().join("\n");
    assert!(status.success(), "annals run exited with {status}: {log}");
    assert!(
        std::net::TcpStream::connect(base.trim_start_matches("http://")).is_err(),
        "the server still listens"
    );
    stop(sim);

    // The watch action was archived by the observer: the item is there after the run.
    let items = String::from_utf8(run(annals(&data).args(["watch", "ls", "--json"])).stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|i| i["item_id"].as_i64() == Some(added_id))
        .expect("the added item");
    assert_eq!(items["list"], "mine");
    let records = String::from_utf8(run(annals(&data).args(["records"])).stdout).unwrap();
    assert!(
        records.contains("urn:annals:watch"),
        "no watch record archived"
    );
}

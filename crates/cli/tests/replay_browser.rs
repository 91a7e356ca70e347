//! ReplayWeb.page (npm `replaywebpage`) in Debian's Chromium replays a WACZ that `annals export
//! wacz --sign` wrote, and shows the captured page.
//!
//! `tests/browser/replay.mjs` (Playwright driving `/usr/bin/chromium`) serves ReplayWeb.page's
//! static files and the WACZ from loopback, embeds `<replay-web-page source=… url=…>`, waits for
//! a frame showing text known from the capture and saves a screenshot to
//! `target/test-artifacts/replaywebpage.png`.
//!
//! Needs `apt-get install chromium` and `npm ci --prefix tests/browser` (`.ci/run` does both).
//! Locally, without them, the test prints `SKIPPED:`; under CI (`CI` set) it fails instead, so a
//! missing install step cannot pass unnoticed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{annals, run, shared_warcs};

fn skip(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why}: CI must install it (.ci/run)");
    }
    eprintln!("SKIPPED: {why}; ReplayWeb.page was not tried");
}

#[test]
fn replaywebpage_in_chromium_shows_an_exported_page() {
    let Some(warcs) = shared_warcs() else { return };
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser");
    if !Path::new("/usr/bin/chromium").exists() && std::env::var_os("CHROMIUM").is_none() {
        return skip("/usr/bin/chromium is absent (apt-get install chromium)");
    }
    if !browser_dir
        .join("node_modules/replaywebpage/sw.js")
        .exists()
        || !browser_dir.join("node_modules/playwright-core").exists()
    {
        return skip("tests/browser/node_modules is absent (npm ci --prefix tests/browser)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip("node is not on PATH");
    }

    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    run(annals(&data)
        .arg("import")
        .arg(warcs.join("pywb_sample_archive/warcs/iana.warc.gz")));
    let wacz = tmp.path().join("iana.wacz");
    run(annals(&data).args(["export", "wacz", "--sign"]).arg(&wacz));

    // target/debug/annals -> target/test-artifacts/
    let artifacts: PathBuf = Path::new(env!("CARGO_BIN_EXE_annals"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("replaywebpage.png");
    let _ = std::fs::remove_file(&shot);

    let out = Command::new("node")
        .arg(browser_dir.join("replay.mjs"))
        .arg(&wacz)
        .arg("http://www.iana.org/")
        // In the capture's body only (not in ReplayWeb.page's own UI).
        .arg("responsible for the global coordination of the DNS Root")
        .arg(&shot)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}");
    if out.status.code() == Some(77) {
        return skip(stdout.trim());
    }
    assert!(
        out.status.success(),
        "ReplayWeb.page did not show the page:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("found "), "{stdout}");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot"
    );
    eprintln!("screenshot: {}", shot.display());
}

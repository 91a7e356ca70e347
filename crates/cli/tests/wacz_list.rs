//! `annals export wacz --list NAME`: a watchlist's records, checked against the archive itself.
//!
//! `annals run` observes a simulated platform (`annals simulate`, list `simulated`) and one item
//! of another list; the export of `simulated` must hold exactly the response and revisit
//! records whose `Annals-Item` names one of that list's items (read here from the WARC files,
//! independently of annals' index), their request records, the originals of their revisits,
//! and one page per observed item with its title.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::process::Command;

use common::{annals, fail, run, simulate, stop};
use serde_json::Value;

/// (record id, type, Annals-Item, WARC-Concurrent-To, WARC-Refers-To) of every record in a
/// WARC's bytes.
type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn rows(bytes: &[u8]) -> Vec<Row> {
    annals_warc::WarcReader::new(bytes)
        .map(|r| {
            let r = r.expect("record reads");
            let h = &r.record.header;
            let get = |k: &str| h.get(k).map(|v| v.trim().to_string());
            (
                get("WARC-Record-ID").expect("record id"),
                get("WARC-Type").expect("type"),
                get("Annals-Item"),
                get("WARC-Concurrent-To"),
                get("WARC-Refers-To"),
            )
        })
        .collect()
}

/// The records of the items `urls` in `archive`: responses and revisits whose `Annals-Item` is
/// one of them, the requests concurrent to those, and the revisits' originals.
fn expected_records<'a>(archive: &'a [Row], urls: &HashSet<String>) -> HashSet<&'a str> {
    let chosen: HashSet<&str> = archive
        .iter()
        .filter(|(_, t, item, _, _)| {
            (t == "response" || t == "revisit") && item.as_ref().is_some_and(|i| urls.contains(i))
        })
        .map(|(id, ..)| id.as_str())
        .collect();
    let mut expected: HashSet<&str> = chosen.clone();
    for (id, t, _, to, refers) in archive {
        if t == "request" && to.as_deref().is_some_and(|to| chosen.contains(to)) {
            expected.insert(id);
        }
        if chosen.contains(id.as_str())
            && let Some(original) = refers
        {
            expected.insert(original);
        }
    }
    expected
}

fn jsonl(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn zip_entry(wacz: &Path, name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wacz).unwrap()).unwrap();
    let mut entry = zip
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in WACZ"));
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    bytes
}

fn zip_names(wacz: &Path) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::fs::File::open(wacz).unwrap()).unwrap();
    zip.file_names()
        .map(|n| n.expect("entry name").to_string())
        .collect()
}

#[test]
fn export_of_a_watchlist_holds_its_items_records() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sim = simulate(40, 5, &dir.path().join("truth.jsonl"));
    let url = sim.url.clone();

    // An item of another list, with one observation archived (a response tagged with it and
    // its request, imported; `annals run` derives the observation at start-up), and a plain
    // capture of nobody's: both must stay out.
    let other = format!("{url}/page/424242");
    run(annals(&data)
        .args(["watch", "add", "--list", "other"])
        .arg(&other));
    let date = annals_warc::WarcDate::from_unix(1_750_000_100, 0);
    let response_id = "urn:uuid:0ddba11e-0000-4000-8000-000000000001";
    let mut input = annals_warc::RecordBuilder::new("response", response_id, &date)
        .target_uri(&other)
        .content_type("application/http; msgtype=response")
        .field("Annals-Item", &other)
        .build(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
              <html><head><title>Not on this list</title></head><body><p>other</p></body></html>",
        );
    input.extend(
        annals_warc::RecordBuilder::new(
            "request",
            "urn:uuid:0ddba11e-0000-4000-8000-000000000002",
            &date,
        )
        .target_uri(&other)
        .content_type("application/http; msgtype=request")
        .field("WARC-Concurrent-To", &format!("<{response_id}>"))
        .build(b"GET /page/424242 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    );
    let other_warc = dir.path().join("other.warc");
    std::fs::write(&other_warc, &input).unwrap();
    run(annals(&data).arg("import").arg(&other_warc));
    run(annals(&data).args(["capture", &format!("{url}/page/31337")]));
    let out = run(annals(&data).args([
        "run",
        "--simulator",
        &url,
        "--for",
        "20m",
        "--budget",
        "900/min",
        "--json",
    ]));
    stop(sim);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["observations"].as_u64().unwrap() > 20, "{report}");

    let items = jsonl(&run(annals(&data).args(["watch", "ls", "--json"])).stdout);
    let simulated: HashSet<String> = items
        .iter()
        .filter(|i| i["list"] == "simulated")
        .map(|i| i["url"].as_str().unwrap().to_string())
        .collect();
    let observed = items
        .iter()
        .filter(|i| i["list"] == "simulated" && i["observations"].as_u64() > Some(0))
        .count();
    assert!(observed >= 5, "{items:?}");
    assert!(
        items
            .iter()
            .any(|i| i["list"] == "other" && i["observations"].as_u64() > Some(0)),
        "the other list's item was observed: {items:?}"
    );

    // What the export must hold, from the archive's WARC files alone.
    let mut archive: Vec<Row> = Vec::new();
    for e in std::fs::read_dir(data.join("warcs")).unwrap() {
        archive.extend(rows(&std::fs::read(e.unwrap().path()).unwrap()));
    }
    let expected = expected_records(&archive, &simulated);
    assert!(
        archive
            .iter()
            .any(|(_, t, item, ..)| t == "response" && item.as_deref() == Some(other.as_str())),
        "the other item's responses are archived"
    );

    let wacz = dir.path().join("simulated.wacz");
    let out = run(annals(&data)
        .args(["export", "wacz", "--list", "simulated", "--json"])
        .arg(&wacz));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = zip_names(&wacz);
    let warcs: Vec<&String> = names.iter().filter(|n| n.starts_with("archive/")).collect();
    assert_eq!(warcs.len(), 1, "{names:?}");
    let exported = rows(&zip_entry(&wacz, warcs[0]));
    assert_eq!(exported[0].1, "warcinfo", "the export's own warcinfo first");
    let got: HashSet<&str> = exported[1..].iter().map(|(id, ..)| id.as_str()).collect();
    assert_eq!(got.len(), exported.len() - 1, "no record twice");
    assert_eq!(
        got, expected,
        "exactly the list's observation records, their requests and revisit originals"
    );
    assert_eq!(report["records"].as_u64(), Some(exported.len() as u64));
    assert_eq!(report["unproven"].as_u64(), Some(0), "{report}");
    assert_eq!(report["proofs"].as_u64(), Some(expected.len() as u64));

    // A page per observed item, titled from its content, at a URL the package holds.
    let pages = jsonl(&zip_entry(&wacz, "pages/pages.jsonl"));
    assert_eq!(pages[0]["format"], "json-pages-1.0");
    assert_eq!(pages.len() - 1, observed, "{pages:?}");
    let index = String::from_utf8(zip_entry(&wacz, "indexes/index.cdxj")).unwrap();
    let indexed: HashSet<String> = index
        .lines()
        .map(|l| {
            let json: HashMap<String, Value> =
                serde_json::from_str(l.splitn(3, ' ').nth(2).unwrap()).unwrap();
            json["url"].as_str().unwrap().to_string()
        })
        .collect();
    for page in &pages[1..] {
        let url = page["url"].as_str().unwrap();
        assert!(indexed.contains(url), "page {url} is not in the index");
        assert!(
            page["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{page}"
        );
        assert_ne!(url, other);
    }

    if Command::new("wacz")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let o = Command::new("wacz")
            .args(["validate", "-f"])
            .arg(&wacz)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    } else {
        eprintln!("SKIPPED: wacz (pip install wacz==0.6.0) is absent; not validated");
    }

    // The other list: its one observation, and its page.
    let wacz = dir.path().join("other.wacz");
    run(annals(&data)
        .args(["export", "wacz", "--list", "other"])
        .arg(&wacz));
    let names = zip_names(&wacz);
    let warc = names.iter().find(|n| n.starts_with("archive/")).unwrap();
    let exported = rows(&zip_entry(&wacz, warc));
    let got: HashSet<&str> = exported[1..].iter().map(|(id, ..)| id.as_str()).collect();
    let want = expected_records(&archive, &HashSet::from([other.clone()]));
    assert!(want.contains("<urn:uuid:0ddba11e-0000-4000-8000-000000000001>"));
    assert!(want.contains("<urn:uuid:0ddba11e-0000-4000-8000-000000000002>"));
    assert_eq!(got, want);
    let pages = jsonl(&zip_entry(&wacz, "pages/pages.jsonl"));
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert_eq!(
        pages[1]["url"].as_str(),
        Some(other.as_str()),
        "its first observation"
    );
    assert_eq!(pages[1]["title"].as_str(), Some("Not on this list"));

    let err = fail(
        annals(&data)
            .args(["export", "wacz", "--list", "nosuch"])
            .arg(dir.path().join("none.wacz")),
    );
    assert!(err.contains("list nosuch"), "{err}");
    assert!(!dir.path().join("none.wacz").exists());
}

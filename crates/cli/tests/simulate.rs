//! `annals simulate`: a loopback platform that publishes items and writes its ground truth.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn get(addr: &str, path: &str) -> String {
    let host = addr.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn simulate_serves_items_and_writes_truth() {
    let tmp = tempfile::tempdir().unwrap();
    let truth = tmp.path().join("truth.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args([
            "simulate", "--items", "300", "--speed", "7200", "--for", "3", "--truth",
        ])
        .arg(&truth)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().to_string();
    assert!(addr.starts_with("http://127.0.0.1:"), "{addr}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let items = get(&addr, "/_sim/items");
    assert!(items.starts_with("HTTP/1.1 200"), "{items}");
    let bvid = items
        .split("\"BV")
        .nth(1)
        .map(|s| format!("BV{}", &s[..10]))
        .expect("a Bilibili item is published");
    let view = get(&addr, &format!("/x/web-interface/view?bvid={bvid}"));
    assert!(
        view.contains(&format!("\"bvid\":\"{bvid}\"")) || view.contains("\"code\":-"),
        "{view}"
    );
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(&truth).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["event"] == "published"), "{text}");
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["t"].as_u64() <= w[1]["t"].as_u64()),
        "truth is in time order"
    );
}

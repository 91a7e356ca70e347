//! Invariant 3, crash safety: `kill -9` an import at random moments, 50 times. After each kill,
//! opening the archive cuts any torn tail, and every indexed record reads back with its digest;
//! re-running the import completes it. `ANNALS_CRASH_ROUNDS` overrides the number of rounds.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use annals_archive::{Archive, ArchiveOptions};
use annals_warc::{RecordBuilder, WarcDate, writer};

fn make_input(path: &Path, n: usize) {
    let mut out = Vec::new();
    let mut x: u64 = 0x2545F4914F6CDD1D;
    for i in 0..n {
        let mut body =
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><p>record {i}</p>")
                .into_bytes();
        for _ in 0..(500 + (i % 7) * 400) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            body.push(b'a' + (x % 26) as u8);
        }
        let rec = RecordBuilder::new(
            "response",
            &format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            &WarcDate::from_unix(1_700_000_000 + i as i64, 0),
        )
        .target_uri(&format!("https://example.org/page/{i}"))
        .content_type(writer::HTTP_RESPONSE)
        .field("WARC-Payload-Digest", &writer::payload_digest(&body, true))
        .build(&body);
        out.extend(writer::gzip_member(&rec, 1));
    }
    std::fs::write(path, out).unwrap();
}

fn check(data: &Path, rt: &tokio::runtime::Runtime) -> u64 {
    rt.block_on(async {
        let archive = Archive::open(data, ArchiveOptions::default())
            .await
            .expect("archive opens after a crash");
        let (n, problems) = archive.check().await.unwrap();
        assert!(problems.is_empty(), "after a crash: {problems:?}");
        n
    })
}

#[test]
fn kill_nine_during_import_loses_nothing() {
    let rounds: usize = std::env::var("ANNALS_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("big.warc.gz");
    let n_records = 4000;
    make_input(&input, n_records);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // How long a full import takes, to spread the kills over it.
    let t = Instant::now();
    let st = Command::new(env!("CARGO_BIN_EXE_annals"))
        .arg("--data")
        .arg(tmp.path().join("timing"))
        .args(["-q", "import"])
        .arg(&input)
        .status()
        .unwrap();
    assert!(st.success());
    let full_ms = t.elapsed().as_millis().max(50) as u64;
    let mut x: u64 = 88172645463325252;
    let (mut cuts, mut partial) = (0, 0);
    for round in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = 5 + x % full_ms;
        let data = tmp.path().join(format!("data{round}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
            .arg("--data")
            .arg(&data)
            .args(["-q", "import"])
            .arg(&input)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if !data.join("annals.toml").exists() {
            continue; // killed before the data directory existed
        }
        // The next run cuts a torn tail, saying so, and every indexed record reads back.
        let out = Command::new(env!("CARGO_BIN_EXE_annals"))
            .arg("--data")
            .arg(&data)
            .arg("records")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "round {round}: {err}");
        if err.contains("torn tail") {
            cuts += 1;
        }
        let n = check(&data, &rt);
        if n < n_records as u64 {
            partial += 1;
        }
        // Re-running the import completes it: every record exactly once.
        let st = Command::new(env!("CARGO_BIN_EXE_annals"))
            .arg("--data")
            .arg(&data)
            .args(["-q", "import"])
            .arg(&input)
            .status()
            .unwrap();
        assert!(st.success(), "round {round}: re-import failed");
        let n = check(&data, &rt);
        let files = std::fs::read_dir(data.join("warcs")).unwrap().count() as u64;
        assert_eq!(
            n,
            n_records as u64 + files,
            "round {round}: every record once, plus one warcinfo per WARC file"
        );
        if round == 0 {
            let listing = Command::new(env!("CARGO_BIN_EXE_annals"))
                .arg("--data")
                .arg(&data)
                .arg("records")
                .output()
                .unwrap();
            let text = String::from_utf8(listing.stdout).unwrap();
            for i in [0, n_records / 2, n_records - 1] {
                assert_eq!(
                    text.matches(&format!("\"https://example.org/page/{i}\""))
                        .count(),
                    1,
                    "page {i} exactly once"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&data);
    }
    eprintln!(
        "{rounds} kills: {partial} left a partial archive, {cuts} left a torn tail that was cut"
    );
    assert!(
        partial > rounds / 4,
        "the kills should land mid-import ({partial} of {rounds} did)"
    );
}

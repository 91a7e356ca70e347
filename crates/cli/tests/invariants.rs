//! The archive's invariants (ARCHITECTURE.md), each shown end to end through the real `annals`
//! binary, a real SQLite index, real files and a real HTTP server on loopback.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

mod common;
use common::{annals, fail, only_warc, resource, resource_member, run, shared_warcs};

/// A loopback HTTP server answering every path with the current body; records request headers.
struct Server {
    addr: SocketAddr,
    body: Arc<Mutex<Vec<u8>>>,
    seen: Arc<Mutex<Vec<String>>>,
}

fn server() -> Server {
    use axum::{Router, body::Body, extract::Request, response::Response};
    let body = Arc::new(Mutex::new(
        b"<html><title>first</title>hello</html>".to_vec(),
    ));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (b2, s2) = (body.clone(), seen.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new().fallback(move |req: Request| {
                let (b, s) = (b2.clone(), s2.clone());
                async move {
                    let headers: Vec<String> = req
                        .headers()
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
                        .collect();
                    s.lock().unwrap().push(headers.join("\n"));
                    if req.uri().path() == "/moved" {
                        return Response::builder()
                            .status(302)
                            .header("Location", "/")
                            .body(Body::empty())
                            .unwrap();
                    }
                    let data = b.lock().unwrap().clone();
                    Response::builder()
                        .header("Content-Type", "text/html; charset=utf-8")
                        .body(Body::from(data))
                        .unwrap()
                }
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    Server {
        addr: rx.recv().unwrap(),
        body,
        seen,
    }
}

fn records(data: &Path) -> String {
    String::from_utf8(run(annals(data).arg("records")).stdout).unwrap()
}

fn warcio_check(data: &Path) {
    let ok = Command::new("warcio")
        .arg("--help")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!(
            "SKIPPED: warcio is not installed (pip install warcio); files not checked by the peer"
        );
        return;
    }
    for entry in std::fs::read_dir(data.join("warcs")).unwrap() {
        let path = entry.unwrap().path();
        let out = Command::new("warcio")
            .args(["check", "-v"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "warcio check failed on {}:\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Invariant 1: the archive is the truth. Deleting index.db and reindexing gives the same
/// listing, byte for byte.
#[test]
fn reindex_reproduces_records_byte_for_byte() {
    let Some(shared) = shared_warcs() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let srv = server();
    let files = [
        "pywb_sample_archive/warcs/iana.warc.gz",
        "pywb_sample_archive/warcs/example.arc.gz",
        "warcio_test_data/post-test.warc.gz",
        "warcio_test_data/example-iana.org-chunked.warc",
        "py-wacz_fixtures/valid_example_2.wacz",
    ];
    let mut cmd = annals(&data);
    cmd.arg("import");
    for f in files {
        cmd.arg(shared.join(f));
    }
    run(&mut cmd);
    run(annals(&data)
        .arg("capture")
        .arg(format!("http://{}/", srv.addr)));
    let before = records(&data);
    assert!(before.lines().count() > 350, "{}", before.lines().count());
    std::fs::remove_file(data.join("index.db")).unwrap();
    let _ = std::fs::remove_file(data.join("index.db-wal"));
    let _ = std::fs::remove_file(data.join("index.db-shm"));
    run(annals(&data).arg("reindex"));
    assert_eq!(before, records(&data), "records differ after reindex");
    let cdxj_before = run(annals(&data).args(["export", "cdxj", "-"])).stdout;
    run(annals(&data).arg("reindex"));
    assert_eq!(
        cdxj_before,
        run(annals(&data).args(["export", "cdxj", "-"])).stdout
    );
    warcio_check(&data);
}

/// Invariant 2: self-contained and verbatim. After import, deleting the input changes nothing,
/// and every gzip member of a per-record-gzip input is stored byte for byte.
#[test]
fn import_copies_records_verbatim() {
    let Some(shared) = shared_warcs() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let input = tmp.path().join("in.warc.gz");
    std::fs::copy(
        shared.join("pywb_sample_archive/warcs/dupes.warc.gz"),
        &input,
    )
    .unwrap();
    run(annals(&data).arg("import").arg(&input));
    let before = records(&data);
    // dupes.warc.gz holds only revisits; their originals are in iana.warc.gz.
    let err = fail(annals(&data).args(["get", "http://www.iana.org/"]));
    assert!(
        err.contains("original record is not in the archive"),
        "{err}"
    );
    run(annals(&data)
        .arg("import")
        .arg(shared.join("pywb_sample_archive/warcs/iana.warc.gz")));
    let before_iana = records(&data);
    let body = run(annals(&data).args(["get", "http://www.iana.org/"])).stdout;
    assert!(
        body.starts_with(b"<!doctype html>") || body.starts_with(b"<!DOCTYPE html>"),
        "{}",
        String::from_utf8_lossy(&body[..100])
    );
    std::fs::remove_file(&input).unwrap();
    assert_eq!(before_iana, records(&data));
    assert!(before_iana.starts_with(&before[..0]));
    assert_eq!(
        body,
        run(annals(&data).args(["get", "http://www.iana.org/"])).stdout
    );

    // Every source member appears verbatim in the archive's file.
    let src = std::fs::read(shared.join("pywb_sample_archive/warcs/dupes.warc.gz")).unwrap();
    let archive_file = only_warc(&data);
    let stored = std::fs::read(archive_file).unwrap();
    let reader = annals_warc::WarcReader::new(&src[..]).keep_source_bytes(true);
    let mut n = 0;
    for r in reader {
        let r = r.unwrap();
        let member = r.source_bytes.unwrap();
        assert!(
            stored.windows(member.len()).any(|w| w == &member[..]),
            "member at {} not stored verbatim",
            r.span.offset
        );
        n += 1;
    }
    assert!(n > 10);
    // Importing again adds nothing.
    let again = String::from_utf8(
        run(annals(&data)
            .arg("import")
            .arg(shared.join("pywb_sample_archive/warcs/dupes.warc.gz")))
        .stdout,
    )
    .unwrap();
    assert!(again.contains(" 0 added"), "{again}");
}

/// Invariant 4: an unchanged payload is archived as a 1.1 identical-payload-digest revisit that
/// keeps the new headers; `get` follows it; a changed payload is a new response.
#[test]
fn unchanged_capture_is_a_revisit() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let srv = server();
    let url = format!("http://{}/page", srv.addr);
    let first = String::from_utf8(run(annals(&data).arg("capture").arg(&url)).stdout).unwrap();
    assert!(first.contains("stored as response"), "{first}");
    let second = String::from_utf8(run(annals(&data).arg("capture").arg(&url)).stdout).unwrap();
    assert!(second.contains("stored as revisit"), "{second}");
    *srv.body.lock().unwrap() = b"<html>changed</html>".to_vec();
    let third = String::from_utf8(run(annals(&data).arg("capture").arg(&url)).stdout).unwrap();
    assert!(third.contains("stored as response"), "{third}");

    let json =
        String::from_utf8(run(annals(&data).args(["records", "--json", "--url"]).arg(&url)).stdout)
            .unwrap();
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let revisit = rows
        .iter()
        .find(|r| r["record_type"] == "revisit")
        .expect("a revisit row");
    let original = rows
        .iter()
        .find(|r| r["record_type"] == "response")
        .unwrap();
    assert_eq!(revisit["refers_to"], original["record_id"]);
    assert_eq!(revisit["payload_digest"], original["payload_digest"]);

    // The revisit record itself carries the profile and Refers-To fields.
    let warc = only_warc(&data);
    let bytes = std::fs::read(warc).unwrap();
    let recs: Vec<_> = annals_warc::WarcReader::new(&bytes[..])
        .collect::<Result<_, _>>()
        .unwrap();
    let rv = recs
        .iter()
        .find(|r| r.record.header.get("WARC-Type") == Some("revisit"))
        .unwrap();
    let h = &rv.record.header;
    assert_eq!(
        h.get("WARC-Profile"),
        Some("http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")
    );
    assert_eq!(h.get("WARC-Truncated"), Some("length"));
    assert!(h.get("WARC-Refers-To-Target-URI").is_some() && h.get("WARC-Refers-To-Date").is_some());
    assert!(
        rv.record.block.starts_with(b"HTTP/1.1 200"),
        "the revisit keeps the new headers"
    );

    // get at the revisit's time returns the original body; newest returns the changed one.
    let at = revisit["date"].as_str().unwrap();
    let body = run(annals(&data).args(["get", "--at", at]).arg(&url)).stdout;
    assert_eq!(body, b"<html><title>first</title>hello</html>");
    assert_eq!(
        run(annals(&data).arg("get").arg(&url)).stdout,
        b"<html>changed</html>"
    );
    let with_headers = run(annals(&data)
        .args(["get", "--headers", "--at", at])
        .arg(&url))
    .stdout;
    assert!(with_headers.starts_with(b"HTTP/1.1 200 OK\r\n"));
    warcio_check(&data);
}

/// Invariant 5: secrets in request headers are not archived unless asked; the server still
/// receives them.
#[test]
fn request_secrets_are_redacted() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let srv = server();
    let url = format!("http://{}/private", srv.addr);
    run(annals(&data)
        .arg("capture")
        .args([
            "-H",
            "Cookie: SESSDATA=s3cret",
            "-H",
            "Authorization: Bearer t0ken",
        ])
        .arg(&url));
    assert!(
        srv.seen
            .lock()
            .unwrap()
            .iter()
            .any(|h| h.contains("SESSDATA=s3cret")),
        "the server got the cookie"
    );
    let out = tmp.path().join("out.warc");
    run(annals(&data).args(["export", "warc"]).arg(&out));
    let text = String::from_utf8_lossy(&std::fs::read(&out).unwrap()).to_string();
    assert!(
        !text.contains("s3cret") && !text.contains("t0ken"),
        "a secret was archived"
    );
    assert!(text.contains("Cookie: REDACTED") && text.contains("Authorization: REDACTED"));

    let data2 = tmp.path().join("data2");
    run(annals(&data2)
        .args(["capture", "--no-redact", "-H", "Cookie: SESSDATA=s3cret"])
        .arg(&url));
    let out2 = tmp.path().join("out2.warc");
    run(annals(&data2).args(["export", "warc"]).arg(&out2));
    assert!(String::from_utf8_lossy(&std::fs::read(&out2).unwrap()).contains("SESSDATA=s3cret"));
}

/// Redirects are separate captures; the chain is in the metadata record.
#[test]
fn redirects_are_separate_captures() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let srv = server();
    let out = String::from_utf8(
        run(annals(&data)
            .arg("capture")
            .arg(format!("http://{}/moved", srv.addr)))
        .stdout,
    )
    .unwrap();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().next().unwrap().contains(" 302 "));
    let recs = records(&data);
    assert_eq!(
        recs.lines()
            .filter(|l| l.contains("\"type\": \"metadata\""))
            .count(),
        2
    );
    assert_eq!(
        recs.lines()
            .filter(|l| l.contains("\"type\": \"request\""))
            .count(),
        2
    );
}

/// Bad input gets a one-line error naming what and where, and loses nothing.
#[test]
fn bad_input_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let srv = server();
    run(annals(&data)
        .arg("capture")
        .arg(format!("http://{}/", srv.addr)));
    let before = records(&data);

    let err = fail(
        annals(&data)
            .arg("import")
            .arg(tmp.path().join("missing.warc")),
    );
    assert!(err.contains("missing.warc"), "{err}");
    let err = fail(annals(&data).arg("import").arg(tmp.path()));
    assert!(err.contains("directory"), "{err}");
    let junk = tmp.path().join("notes.txt");
    std::fs::write(&junk, "just some text\n").unwrap();
    let err = fail(annals(&data).arg("import").arg(&junk));
    assert!(
        err.contains("notes.txt") && err.contains("at byte 0") && err.contains("not a WARC"),
        "{err}"
    );
    let err = fail(annals(&data).arg("capture").arg("ftp://example.com/x"));
    assert!(err.contains("ftp://example.com/x"), "{err}");
    let err = fail(annals(&data).args(["get", "https://never.example/"]));
    assert!(
        err.contains("nothing archived for https://never.example/"),
        "{err}"
    );
    let err = fail(annals(&data).args(["get", "--at", "soon", "https://never.example/"]));
    assert!(err.contains("not a time"), "{err}");

    // A truncated WARC: the records before the cut are kept, the error names file and offset.
    let good = resource(
        "urn:uuid:00000000-0000-4000-8000-000000000001",
        "urn:text:one",
        1_700_000_000,
        b"one",
    );
    let cut = resource(
        "urn:uuid:00000000-0000-4000-8000-000000000002",
        "urn:text:two",
        1_700_000_000,
        b"two two two two",
    );
    let trunc = tmp.path().join("cut.warc");
    std::fs::write(&trunc, [&good[..], &cut[..cut.len() - 10]].concat()).unwrap();
    let err = fail(annals(&data).arg("import").arg(&trunc));
    assert!(
        err.contains("cut.warc")
            && err.contains(&format!("at byte {}", good.len()))
            && err.contains("truncated"),
        "{err}"
    );
    assert_eq!(
        run(annals(&data).args(["get", "urn:text:one"])).stdout,
        b"one"
    );

    // A WACZ with a path-traversal entry is refused before anything is read from it.
    let wacz = tmp.path().join("evil.wacz");
    {
        let f = std::fs::File::create(&wacz).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("../../escape.warc", o).unwrap();
        z.write_all(&good).unwrap();
        z.start_file("datapackage.json", o).unwrap();
        z.write_all(b"{}").unwrap();
        z.finish().unwrap();
    }
    let err = fail(annals(&data).arg("import").arg(&wacz));
    assert!(
        err.contains("evil.wacz") && err.contains("../../escape.warc"),
        "{err}"
    );
    assert!(!tmp.path().join("../escape.warc").exists());

    // Nothing already archived was damaged, and the truncated file's first record is there.
    let after = records(&data);
    for line in before.lines() {
        assert!(after.contains(line));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["records", "--data"])
        .arg(tmp.path().join("nowhere"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `annals init`"));
}

/// Disk full: the write fails with a clear error; the archive stays readable and complete.
#[test]
fn disk_full_loses_nothing() {
    let Some(shared) = shared_warcs() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=600k", "tmpfs"])
        .arg(&mnt)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !mounted {
        eprintln!(
            "SKIPPED: cannot mount a small tmpfs here (needs root); disk-full test did not run"
        );
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let data = mnt.join("data");
    run(annals(&data)
        .arg("import")
        .arg(shared.join("pywb_sample_archive/warcs/example.warc.gz")));
    let before = records(&data);
    // ~800 KB of incompressible records cannot fit.
    let mut big = Vec::new();
    let mut x: u64 = 0x9E3779B97F4A7C15;
    for i in 0..40 {
        let body: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let rec = annals_warc::RecordBuilder::new(
            "resource",
            &format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            &annals_warc::WarcDate::from_unix(1_700_000_000, 0),
        )
        .target_uri(&format!("urn:blob:{i}"))
        .content_type("application/octet-stream")
        .build(&body);
        big.extend(annals_warc::writer::gzip_member(&rec, 6));
    }
    let input = tmp.path().join("big.warc.gz");
    std::fs::write(&input, big).unwrap();
    let mut cmd = annals(&data);
    cmd.arg("import").arg(&input);
    let err = fail(&mut cmd);
    assert!(
        err.contains("No space left on device") || err.contains("space"),
        "{err}"
    );
    assert!(err.lines().count() <= 2, "{err}");
    // Everything archived before is intact and readable.
    let after = records(&data);
    for line in before.lines() {
        assert!(after.contains(line), "lost {line}");
    }
    run(annals(&data).args(["get", "http://example.com?example=1"]));
    let out = run(annals(&data).arg("reindex"));
    assert!(out.status.success());
    assert_eq!(after, records(&data));
}

/// Invariant 3, deterministically: a torn tail (half a gzip member) is cut off with a log line,
/// and complete records written but never indexed (a crash between fsync and commit) are
/// recovered into the index.
#[test]
fn torn_tail_is_cut_and_unindexed_records_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let srv = server();
    run(annals(&data)
        .arg("capture")
        .arg(format!("http://{}/a", srv.addr)));
    let before = records(&data);
    let warc = only_warc(&data);
    let size = std::fs::metadata(&warc).unwrap().len();

    // A complete record appended behind the index's back is recovered, not lost.
    let member = resource_member(
        "urn:uuid:00000000-0000-4000-8000-0000000000aa",
        "urn:text:recovered",
        1_700_000_000,
        b"written, fsynced, not yet indexed",
    );
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&warc)
        .unwrap();
    f.write_all(&member).unwrap();
    // ... followed by half of another member: the torn tail of an interrupted write.
    f.write_all(&member[..member.len() / 2]).unwrap();
    drop(f);

    let out = annals(&data).arg("records").output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cut off a torn tail")
            && err.contains(&format!("at byte {}", size + member.len() as u64)),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(&warc).unwrap().len(),
        size + member.len() as u64,
        "only the torn part is cut"
    );
    let after = String::from_utf8(out.stdout).unwrap();
    for line in before.lines() {
        assert!(after.contains(line));
    }
    assert_eq!(
        run(annals(&data).args(["get", "urn:text:recovered"])).stdout,
        b"written, fsynced, not yet indexed"
    );

    // A file cut shorter than the index says is reported, not silently re-indexed.
    let f = std::fs::OpenOptions::new().write(true).open(&warc).unwrap();
    f.set_len(size - 10).unwrap();
    drop(f);
    let err = fail(annals(&data).arg("records"));
    assert!(err.contains("it was cut after indexing"), "{err}");
}

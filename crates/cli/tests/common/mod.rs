//! Helpers shared by the `annals` integration tests: run the real binary on a data directory.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `annals --data DATA --quiet`, with `ANNALS_DATA` cleared.
pub fn annals(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_annals"));
    c.arg("--data")
        .arg(data)
        .arg("--quiet")
        .env_remove("ANNALS_DATA");
    c
}

/// Runs `cmd` and asserts it succeeded, showing its output if not.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run annals");
    assert!(
        out.status.success(),
        "annals failed: {:?}\nstdout: {}\nstderr: {}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd`, asserts it failed with a one-line `annals: error: …`, returns stderr.
pub fn fail(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run annals");
    assert!(!out.status.success(), "expected failure: {cmd:?}");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.contains("annals: error: "),
        "one-line error expected, got {err}"
    );
    err
}

/// `../shared/data/warc`, or `None` with a loud `SKIPPED:` when it is absent.
pub fn shared_warcs() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/warc"
    ));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/data/warc is absent");
        None
    }
}

/// One WARC/1.1 `resource` record (uncompressed): `text/plain`, `body`, at `unix` seconds.
pub fn resource(id: &str, url: &str, unix: i64, body: &[u8]) -> Vec<u8> {
    annals_warc::RecordBuilder::new("resource", id, &annals_warc::WarcDate::from_unix(unix, 0))
        .target_uri(url)
        .content_type("text/plain")
        .build(body)
}

/// The same record as one gzip member.
pub fn resource_member(id: &str, url: &str, unix: i64, body: &[u8]) -> Vec<u8> {
    annals_warc::writer::gzip_member(&resource(id, url, unix, body), 6)
}

/// The archive's WARC file, when it has exactly one (tests that start empty).
pub fn only_warc(data: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data.join("warcs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "expected one WARC file: {files:?}");
    files.remove(0)
}

/// Length of the gzip member that starts at `offset` in `file_bytes`.
pub fn member_len(file_bytes: &[u8], offset: usize) -> usize {
    annals_warc::WarcReader::new(&file_bytes[offset..])
        .next()
        .unwrap()
        .unwrap()
        .span
        .length as usize
}

/// An `annals simulate` child at 600×, items published over 90 simulated minutes.
pub struct Sim {
    /// The process.
    pub child: std::process::Child,
    /// Its origin, `http://127.0.0.1:PORT`.
    pub url: String,
}

/// Starts `annals simulate` and reads the address it prints.
pub fn simulate(items: usize, seed: u64, truth: &Path) -> Sim {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_annals"))
        .args(["--quiet", "simulate", "--port", "0", "--speed", "600"])
        .args(["--publish-window", "90m"])
        .arg("--items")
        .arg(items.to_string())
        .arg("--seed")
        .arg(seed.to_string())
        .arg("--truth")
        .arg(truth)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start simulator");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("simulator address");
    Sim {
        child,
        url: line.trim().to_string(),
    }
}

/// Stops it with SIGINT, so that it writes its ground truth, and checks it exited well.
pub fn stop(mut sim: Sim) {
    unsafe {
        libc::kill(sim.child.id() as i32, libc::SIGINT);
    }
    let status = sim.child.wait().expect("simulator exit");
    assert!(status.success(), "simulator exited with {status}");
}

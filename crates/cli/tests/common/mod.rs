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

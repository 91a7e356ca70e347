//! Running a program as a subprocess and measuring it: wall time and peak resident set size
//! (from `wait4`'s rusage, so only that child counts, not earlier ones).

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// What one subprocess run cost.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall-clock seconds from spawn to exit.
    pub seconds: f64,
    /// Peak resident set size in bytes (`ru_maxrss`).
    pub max_rss: u64,
}

/// Runs `cmd` to completion with stdout going to `stdout_to` (a file) and stderr to `stderr_to`,
/// and fails with the tail of stderr if it exits unsuccessfully.
pub fn run(cmd: &mut Command, what: &str, stdout_to: &Path, stderr_to: &Path) -> Result<Measured> {
    let out = File::create(stdout_to).with_context(|| format!("{}", stdout_to.display()))?;
    let err = File::create(stderr_to).with_context(|| format!("{}", stderr_to.display()))?;
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .with_context(|| format!("cannot start {what} ({cmd:?})"))?;
    let pid = libc::pid_t::try_from(child.id()).context("child pid out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data, all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = loop {
        // SAFETY: `pid` is our own child, not yet reaped (we never call `Child::wait`); `status`
        // and `usage` are valid, exclusive pointers for the duration of the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let seconds = start.elapsed().as_secs_f64();
    if waited != pid {
        bail!(
            "waiting for {what} failed: {}",
            std::io::Error::last_os_error()
        );
    }
    // The child is reaped: dropping `child` only closes handles.
    drop(child);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !ok {
        let text = std::fs::read_to_string(stderr_to).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("{what} failed (wait status {status}): {}", tail.join(" | "));
    }
    // Linux reports ru_maxrss in kilobytes.
    let max_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    Ok(Measured { seconds, max_rss })
}

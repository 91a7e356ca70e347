//! Running a program as a subprocess and measuring it: wall time and peak resident set size.
//!
//! The peak is the child's own `VmHWM` (`/proc/PID/status`), sampled every 10 ms while it runs.
//! `wait4`'s `ru_maxrss` is not used where that is available: when a child execs, Linux folds the
//! high-water mark of the memory it had before (a copy of this benchmark's, from the fork) into
//! the child's `ru_maxrss`, so no child could ever look smaller than the benchmark that runs it,
//! and a benchmark that grows with its input (generating 80,000 records) made the child's peak
//! seem to grow with it.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What one subprocess run cost.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall-clock seconds from spawn to exit.
    pub seconds: f64,
    /// Peak resident set size in bytes: the child's sampled `VmHWM`, or `ru_maxrss` where
    /// `/proc` cannot be read.
    pub max_rss: u64,
}

/// `VmHWM` of process `pid` in bytes, if it has one (a zombie has none).
fn vm_hwm(pid: libc::pid_t) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Samples `VmHWM` of `pid` every 10 ms until `stop`; returns the largest value seen (0 if
/// none). `Command::spawn` returns only once the child has exec'd, so every sample is of the
/// child's own memory.
fn sample_hwm(pid: libc::pid_t, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut peak = 0;
        while !stop.load(Ordering::Acquire) {
            if let Some(b) = vm_hwm(pid) {
                peak = peak.max(b);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        peak
    })
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
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = sample_hwm(pid, stop.clone());
    // Wait for the exit without reaping (the pid stays ours), then stop the sampler, then reap.
    loop {
        // SAFETY: siginfo_t is plain old data, all-zero is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own child, not yet reaped; `info` is a valid, exclusive pointer.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break;
    }
    stop.store(true, Ordering::Release);
    let sampled = sampler.join().unwrap_or(0);
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
    let max_rss = if sampled > 0 {
        sampled
    } else {
        u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024
    };
    Ok(Measured { seconds, max_rss })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child's peak is its own: a benchmark holding 256 MB does not lend it to a child that
    /// needs a few MB (with `ru_maxrss` alone, the child read at least 256 MB).
    #[test]
    fn a_child_peak_is_its_own() {
        let mut held = vec![0u8; 256 << 20];
        // Touch every page so that they are resident.
        for i in (0..held.len()).step_by(4096) {
            held[i] = 1;
        }
        let dir = tempfile::tempdir().unwrap();
        let m = run(
            Command::new("sleep").arg("0.3"),
            "sleep",
            &dir.path().join("out"),
            &dir.path().join("err"),
        )
        .unwrap();
        assert!(held.iter().step_by(4096).all(|&b| b == 1));
        assert!(m.max_rss > 0, "{m:?}");
        assert!(
            m.max_rss < 64 << 20,
            "a sleep's peak read {} bytes",
            m.max_rss
        );
        assert!(m.seconds >= 0.3, "{m:?}");
    }
}

//! `annals bench wacz`: `annals export wacz` against py-wacz's `wacz create`, same data, one run.
//!
//! Stages:
//! 1. generates a WARC with `annals bench warc`'s generator (the same seed, so the same bytes);
//! 2. imports it with `annals import` and signs a checkpoint with `annals ledger checkpoint`
//!    (not part of the ratio: py-wacz has no archive to fill, and `annals run` checkpoints the
//!    log as it goes, so an export normally finds it signed; both are timed and reported);
//! 3. `annals export wacz OUT.wacz`: the whole archive (the generated records and the warcinfo
//!    record), indexes, pages with titles, the checkpoint and an inclusion proof per record;
//! 4. `wacz create -f -d -o OUT.wacz FILE.warc.gz` (PyPI `wacz` 0.6.0): the same WARC stored,
//!    its CDXJ index, page detection (`-d`: every HTML response is a candidate; py-wacz keeps
//!    those some record names as its referrer, and titles them with their URL), the manifest
//!    and its digest.
//!
//! 5. with `--memory-records N`, the same export of an archive of N records, for its peak RSS:
//!    the export streams, so it should not grow with the archive. At both sizes a `--since`
//!    export (every generated record: they are dated from 2024-03-01 on, so the selection is
//!    the whole archive, written as one new WARC) is measured too.
//!
//! Both are subprocesses, timed from spawn to exit with their peak RSS. annals does strictly more
//! (inclusion proofs, a checkpoint), py-wacz reads the WARC file it is given while annals reads
//! its archive: both read the same records from disk.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// `--since` for the subset exports: before the generator's first record, so all are selected.
const SINCE_ALL: &str = "2024-03-01";
use serde_json::{Value, json};

use super::{MB, Progress, process, rate, verdict, write_annals};
use crate::args::BenchWaczArgs;

/// The goal the lead set: annals at least this many times faster than `wacz create`.
const GOAL_RATIO: f64 = 10.0;

/// Whether py-wacz's `wacz` command runs.
fn wacz_available() -> bool {
    Command::new("wacz")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Entries and size of a ZIP file, read back (a sanity check that both wrote a package).
fn zip_summary(path: &Path) -> Result<(usize, u64)> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("{}", path.display()))?
        .len();
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let zip =
        zip::ZipArchive::new(file).with_context(|| format!("{} is no ZIP", path.display()))?;
    Ok((zip.len(), size))
}

/// Pages listed in a WACZ's `pages/pages.jsonl` (its header line not counted).
fn pages_in(path: &Path) -> Result<u64> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut zip = zip::ZipArchive::new(file)?;
    let Ok(mut entry) = zip.by_name("pages/pages.jsonl") else {
        return Ok(0);
    };
    let mut text = String::new();
    entry.read_to_string(&mut text)?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("\"format\""))
        .count() as u64)
}

/// Runs the benchmark and prints a table, or JSON with `--json`.
pub fn wacz(args: &BenchWaczArgs, quiet: bool) -> Result<()> {
    let p = Progress {
        quiet,
        start: Instant::now(),
    };
    if args.records < 2 {
        bail!("--records must be at least 2 (one response/request pair)");
    }
    let peer = !args.no_peers && wacz_available();
    if !args.no_peers && !peer {
        bail!(
            "`wacz` (PyPI wacz 0.6.0) is not on PATH: pip install wacz==0.6.0, or pass --no-peers"
        );
    }
    let exe = std::env::current_exe().context("cannot find the annals executable")?;
    // Dropped (and deleted) at the end of the run when it is a temporary directory.
    let (dir, _temp) = super::work_dir(args.dir.as_deref(), "annals-bench-wacz-")?;

    // 1. The WARC.
    let exchanges = args.records / 2;
    let warc = dir.join("wacz-bench.warc.gz");
    p.stage(&format!("1/4 generating {} records", exchanges * 2));
    let w = write_annals(exchanges, &warc, None)?;

    // 2. Import.
    let data = dir.join("data");
    if data.exists() {
        std::fs::remove_dir_all(&data).with_context(|| format!("{}", data.display()))?;
    }
    let annals = |args: &[&str]| {
        let mut c = Command::new(&exe);
        c.arg("--quiet").arg("--data").arg(&data).args(args);
        c
    };
    p.stage("2/4 `annals import` and `annals ledger checkpoint`");
    let import = process::run(
        annals(&["import"]).arg(&warc),
        "annals import",
        &dir.join("import.txt"),
        &dir.join("import.stderr"),
    )?;
    p.stage(&format!("    import: {:.2}s", import.seconds));
    let checkpoint = process::run(
        &mut annals(&["ledger", "checkpoint"]),
        "annals ledger checkpoint",
        &dir.join("checkpoint.txt"),
        &dir.join("checkpoint.stderr"),
    )?;
    p.stage(&format!("    checkpoint: {:.2}s", checkpoint.seconds));

    // 3. annals export wacz.
    let ours = dir.join("annals.wacz");
    let _ = std::fs::remove_file(&ours);
    p.stage("3/4 `annals export wacz`");
    let export = process::run(
        annals(&["export", "wacz", "--json"]).arg(&ours),
        "annals export wacz",
        &dir.join("export.json"),
        &dir.join("export.stderr"),
    )?;
    let report: Value = serde_json::from_str(
        std::fs::read_to_string(dir.join("export.json"))
            .context("export report")?
            .trim(),
    )
    .context("annals export wacz --json printed no JSON")?;
    let (our_entries, our_size) = zip_summary(&ours)?;
    let our_pages = pages_in(&ours)?;
    p.stage(&format!(
        "    annals: {:.2}s, {:.0} records/s, {:.1} MB",
        export.seconds,
        rate(w.records as f64, export.seconds),
        our_size as f64 / MB
    ));

    // 3b. The same records through `--since` (one new WARC of the selection).
    let since_out = dir.join("annals-since.wacz");
    let _ = std::fs::remove_file(&since_out);
    let since = process::run(
        annals(&["export", "wacz", "--since", SINCE_ALL]).arg(&since_out),
        "annals export wacz --since",
        &dir.join("export-since.txt"),
        &dir.join("export-since.stderr"),
    )?;
    let _ = std::fs::remove_file(&since_out);
    p.stage(&format!(
        "    annals --since: {:.2}s, {:.1} MB RSS",
        since.seconds,
        since.max_rss as f64 / MB
    ));

    // 4. py-wacz.
    let peer_json = if peer {
        let theirs = dir.join("py-wacz.wacz");
        let _ = std::fs::remove_file(&theirs);
        p.stage("4/4 `wacz create -f -d` (py-wacz)");
        let m = process::run(
            Command::new("wacz")
                .args(["create", "-f", "-d", "-o"])
                .arg(&theirs)
                .arg(&warc)
                .current_dir(&dir),
            "wacz create",
            &dir.join("py-wacz.stdout"),
            &dir.join("py-wacz.stderr"),
        )?;
        let (entries, size) = zip_summary(&theirs)?;
        let pages = pages_in(&theirs)?;
        p.stage(&format!(
            "    wacz create: {:.2}s, {:.0} records/s",
            m.seconds,
            rate(w.records as f64, m.seconds)
        ));
        let _ = std::fs::remove_file(&theirs);
        json!({
            "seconds": m.seconds,
            "records_per_s": rate(w.records as f64, m.seconds),
            "max_rss_bytes": m.max_rss,
            "wacz_bytes": size,
            "entries": entries,
            "pages": pages,
        })
    } else {
        p.stage("4/4 py-wacz skipped (--no-peers)");
        Value::Null
    };
    if !args.keep {
        let _ = std::fs::remove_file(&warc);
    }
    let _ = std::fs::remove_file(&ours);
    if args.dir.is_some() && !args.keep {
        let _ = std::fs::remove_dir_all(&data);
    }

    // 5. Memory: the same export of an archive of another size.
    let memory_json = match args.memory_records {
        Some(records) if records >= 2 => {
            let exchanges = records / 2;
            p.stage(&format!(
                "5/5 memory: generating, importing and exporting {} records",
                exchanges * 2
            ));
            let warc = dir.join("wacz-bench-memory.warc.gz");
            let m = write_annals(exchanges, &warc, None)?;
            let data = dir.join("data-memory");
            if data.exists() {
                std::fs::remove_dir_all(&data).with_context(|| format!("{}", data.display()))?;
            }
            let annals = |args: &[&str]| {
                let mut c = Command::new(&exe);
                c.arg("--quiet").arg("--data").arg(&data).args(args);
                c
            };
            process::run(
                annals(&["import"]).arg(&warc),
                "annals import",
                &dir.join("import-memory.txt"),
                &dir.join("import-memory.stderr"),
            )?;
            process::run(
                &mut annals(&["ledger", "checkpoint"]),
                "annals ledger checkpoint",
                &dir.join("checkpoint-memory.txt"),
                &dir.join("checkpoint-memory.stderr"),
            )?;
            let out = dir.join("annals-memory.wacz");
            let _ = std::fs::remove_file(&out);
            let e = process::run(
                annals(&["export", "wacz"]).arg(&out),
                "annals export wacz",
                &dir.join("export-memory.txt"),
                &dir.join("export-memory.stderr"),
            )?;
            let _ = std::fs::remove_file(&out);
            let s = process::run(
                annals(&["export", "wacz", "--since", SINCE_ALL]).arg(&out),
                "annals export wacz --since",
                &dir.join("export-since-memory.txt"),
                &dir.join("export-since-memory.stderr"),
            )?;
            let _ = std::fs::remove_file(&warc);
            let _ = std::fs::remove_file(&out);
            let _ = std::fs::remove_dir_all(&data);
            json!({
                "records": m.records,
                "file_bytes": m.file_bytes,
                "seconds": e.seconds,
                "max_rss_bytes": e.max_rss,
                "since": { "seconds": s.seconds, "max_rss_bytes": s.max_rss },
            })
        }
        _ => Value::Null,
    };

    let ratio = peer_json["seconds"].as_f64().map(|s| {
        if export.seconds > 0.0 {
            s / export.seconds
        } else {
            0.0
        }
    });
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let result = json!({
        "records": w.records,
        "file_bytes": w.file_bytes,
        "machine": { "nproc": nproc, "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
        "import": { "seconds": import.seconds, "records_per_s": rate(w.records as f64, import.seconds) },
        "checkpoint": { "seconds": checkpoint.seconds },
        "annals": {
            "seconds": export.seconds,
            "records_per_s": rate(w.records as f64, export.seconds),
            "mb_per_s": rate(w.file_bytes as f64 / MB, export.seconds),
            "max_rss_bytes": export.max_rss,
            "wacz_bytes": our_size,
            "entries": our_entries,
            "pages": our_pages,
            "records_exported": report["records"],
        },
        "annals_since": { "seconds": since.seconds, "max_rss_bytes": since.max_rss },
        "py_wacz": peer_json,
        "memory": memory_json,
        "ratio": ratio,
        "goal": {
            "ratio": GOAL_RATIO,
            "measured": ratio,
            "verdict": ratio.map(|r| verdict(r >= GOAL_RATIO)),
        },
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print_table(&result);
    }
    Ok(())
}

fn print_table(r: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    println!(
        "annals bench wacz: {} records, {:.1} MB of WARC; nproc {}",
        r["records"],
        f(&r["file_bytes"]) / MB,
        r["machine"]["nproc"]
    );
    println!();
    println!(
        "{:<34} {:>10} {:>12} {:>10} {:>8} {:>10}",
        "tool", "time (s)", "records/s", "RSS (MB)", "pages", "WACZ (MB)"
    );
    let row = |label: &str, v: &Value| {
        println!(
            "{label:<34} {:>10.2} {:>12.0} {:>10.1} {:>8} {:>10.1}",
            f(&v["seconds"]),
            f(&v["records_per_s"]),
            f(&v["max_rss_bytes"]) / MB,
            v["pages"].as_u64().unwrap_or(0),
            f(&v["wacz_bytes"]) / MB
        );
    };
    row("annals export wacz", &r["annals"]);
    if r["py_wacz"].is_null() {
        println!(
            "{:<34} skipped (--no-peers)",
            "wacz create -f -d (py-wacz 0.6.0)"
        );
    } else {
        row("wacz create -f -d (py-wacz 0.6.0)", &r["py_wacz"]);
    }
    println!(
        "(before the export, not in the ratio: import {:.2}s, ledger checkpoint {:.2}s)",
        f(&r["import"]["seconds"]),
        f(&r["checkpoint"]["seconds"])
    );
    if !r["memory"].is_null() {
        println!(
            "export peak RSS: {:.1} MB at {} records ({:.1} MB of WARC), {:.1} MB at {} records \
             ({:.1} MB of WARC; export {:.2}s)",
            f(&r["annals"]["max_rss_bytes"]) / MB,
            r["records"],
            f(&r["file_bytes"]) / MB,
            f(&r["memory"]["max_rss_bytes"]) / MB,
            r["memory"]["records"],
            f(&r["memory"]["file_bytes"]) / MB,
            f(&r["memory"]["seconds"]),
        );
        println!(
            "`--since` export peak RSS: {:.1} MB at {} records ({:.2}s), {:.1} MB at {} records ({:.2}s)",
            f(&r["annals_since"]["max_rss_bytes"]) / MB,
            r["records"],
            f(&r["annals_since"]["seconds"]),
            f(&r["memory"]["since"]["max_rss_bytes"]) / MB,
            r["memory"]["records"],
            f(&r["memory"]["since"]["seconds"]),
        );
    }
    println!();
    match r["ratio"].as_f64() {
        Some(ratio) => println!(
            "goal: annals >= {:.0}x faster than wacz create: {ratio:.1}x — {}",
            f(&r["goal"]["ratio"]),
            r["goal"]["verdict"].as_str().unwrap_or("")
        ),
        None => println!("goal: ratio not measured (no peer)"),
    }
}

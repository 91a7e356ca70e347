//! `annals bench ledger`: the ledger's speed on this machine, against the lead's goals.
//!
//! Stages:
//! 1. **append**: N synthetic index rows (distinct digests, files, offsets, ids, dates) go through
//!    the archive's own append path, `annals_archive::ledger_batch` (entry encoding, leaf hash,
//!    tree) and `Store::commit` into a fresh SQLite index, in batches as import commits them.
//!    Measured three ways: in memory only (no store), ledger rows only (leaves and tree state),
//!    and the whole index commit (capture rows too, what an import pays). Generating the rows is
//!    not timed.
//! 2. **archive**: generates a WARC (`annals bench warc`'s generator) and imports it with
//!    `annals import`;
//! 3. **checkpoint**: `annals ledger checkpoint` on it (every tile and entry bundle written);
//! 4. **verify**: `annals verify` and `annals verify --full` on it, in MB/s of WARC.
//!
//! No peer is timed: no tlog implementation installable from the registries this project uses
//! appends to a persistent log the same way, so figures are absolute, against the goals.

use std::process::Command;
use std::time::Instant;

use annals_archive::ledger_batch;
use annals_ledger::Tree;
use annals_model::Capture;
use annals_store::{LedgerBatch, Store};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::{MB, Progress, process, rate, verdict, write_annals};
use crate::args::BenchLedgerArgs;

/// Goals the lead set.
const GOAL_APPEND_LEAVES_PER_S: f64 = 100_000.0;
const GOAL_VERIFY_FULL_MB_PER_S: f64 = 200.0;

/// Rows per generated WARC file in the append benchmark (as if rolled at ~1 GB).
const ROWS_PER_FILE: u64 = 50_000;

/// A synthetic index row `i`: what the ledger sees of a record.
fn row(i: u64) -> Capture {
    let digest = annals_warc::digest::sha256_hex(&i.to_be_bytes());
    let file = i / ROWS_PER_FILE;
    let secs = 1_700_000_000 + i as i64;
    Capture {
        record_id: format!("<urn:uuid:00000000-0000-4000-8000-{i:012}>"),
        record_type: "response".into(),
        warc_file: format!("annals-20260101000000-{:05}.warc.gz", file + 1),
        offset: (i % ROWS_PER_FILE) * 20_000,
        length: 20_000,
        url: Some(format!("https://example.com/item/{i}")),
        urlkey: format!("com,example)/item/{i}"),
        date: format!("2023-11-14T22:{:02}:{:02}Z", (i / 60) % 60, i % 60),
        unix_time: secs,
        status: Some(200),
        mime: Some("text/html".into()),
        payload_digest: Some(format!("sha1:{:032X}", i)),
        block_digest: digest.clone(),
        record_digest: digest,
        refers_to: None,
        concurrent_to: None,
        cdxj: None,
    }
}

/// How the append benchmark commits.
#[derive(Clone, Copy, PartialEq)]
enum Commit {
    /// No store: entry, leaf hash and tree only.
    None,
    /// Ledger rows only (leaves and tree state).
    Ledger,
    /// Capture rows and ledger rows, as import commits them.
    Index,
}

/// Appends `leaves` rows in batches of `batch`; returns seconds spent in the append path.
async fn append(
    leaves: u64,
    batch: usize,
    commit: Commit,
    db: Option<&std::path::Path>,
) -> Result<f64> {
    let store = match db {
        Some(path) => {
            let s = annals_store_sqlite::SqliteStore::open(path).await?;
            s.migrate().await?;
            Some(s)
        }
        None => None,
    };
    let mut tree = Tree::new();
    let mut secs = 0.0;
    let mut next = 0u64;
    let mut rows: Vec<Capture> = Vec::with_capacity(batch);
    while next < leaves {
        rows.clear();
        let end = (next + batch as u64).min(leaves);
        // Rows of one commit share a WARC file, as in the archive.
        let file_end = (next / ROWS_PER_FILE + 1) * ROWS_PER_FILE;
        let end = end.min(file_end);
        rows.extend((next..end).map(row));
        next = end;
        let t = Instant::now();
        let (grown, ledger): (Tree, LedgerBatch) = ledger_batch(&tree, &rows, Some(0))?;
        if let Some(store) = &store {
            let last = &rows[rows.len() - 1];
            let captures: &[Capture] = if commit == Commit::Index { &rows } else { &[] };
            store
                .commit(
                    &last.warc_file,
                    last.offset + last.length,
                    captures,
                    &ledger,
                )
                .await?;
        }
        tree = grown;
        secs += t.elapsed().as_secs_f64();
    }
    Ok(secs)
}

/// Runs the benchmark and prints a table, or JSON with `--json`.
pub async fn ledger(args: &BenchLedgerArgs, quiet: bool) -> Result<()> {
    let p = Progress {
        quiet,
        start: Instant::now(),
    };
    if args.leaves == 0 || args.batch == 0 {
        bail!("--leaves and --batch must be at least 1");
    }
    if args.records < 2 {
        bail!("--records must be at least 2 (one response/request pair)");
    }
    let exe = std::env::current_exe().context("cannot find the annals executable")?;
    // Dropped (and deleted) at the end of the run when it is a temporary directory.
    let (dir, _temp) = super::work_dir(args.dir.as_deref(), "annals-bench-ledger-")?;

    // 1. Appends.
    p.stage(&format!(
        "1/4 appending {} leaves in batches of {} (in memory, ledger commit, index commit)",
        args.leaves, args.batch
    ));
    let mut appends = Vec::new();
    for (name, commit) in [
        ("memory", Commit::None),
        ("ledger_commit", Commit::Ledger),
        ("index_commit", Commit::Index),
    ] {
        let db = dir.join(format!("append-{name}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let secs = append(
            args.leaves,
            args.batch,
            commit,
            (commit != Commit::None).then_some(db.as_path()),
        )
        .await?;
        p.stage(&format!(
            "    {name}: {secs:.2}s, {:.0} leaves/s",
            rate(args.leaves as f64, secs)
        ));
        appends.push((name, secs));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }

    // 2. A generated archive.
    let exchanges = args.records / 2;
    let warc = dir.join("ledger-bench.warc.gz");
    p.stage(&format!(
        "2/4 generating {} records and importing them with `annals import`",
        exchanges * 2
    ));
    let w = write_annals(exchanges, &warc, None)?;
    let data = dir.join("data");
    if data.exists() {
        std::fs::remove_dir_all(&data).with_context(|| format!("{}", data.display()))?;
    }
    let annals = |args: &[&str]| {
        let mut c = Command::new(&exe);
        c.arg("--quiet").arg("--data").arg(&data).args(args);
        c
    };
    let import = process::run(
        annals(&["import"]).arg(&warc),
        "annals import",
        &dir.join("import.json"),
        &dir.join("import.stderr"),
    )?;
    let _ = std::fs::remove_file(&warc);
    p.stage(&format!("    import: {:.2}s", import.seconds));

    // 3. Checkpoint: every tile and entry bundle of the log.
    p.stage("3/4 `annals ledger checkpoint` (all tiles and entry bundles)");
    let checkpoint = process::run(
        &mut annals(&["ledger", "checkpoint"]),
        "annals ledger checkpoint",
        &dir.join("checkpoint.txt"),
        &dir.join("checkpoint.stderr"),
    )?;
    let note = std::fs::read_to_string(dir.join("checkpoint.txt")).unwrap_or_default();
    let tree_size: u64 = note
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    p.stage(&format!(
        "    checkpoint of {tree_size} leaves: {:.2}s",
        checkpoint.seconds
    ));

    // 4. Verify, plain and full.
    p.stage("4/4 `annals verify` and `annals verify --full`");
    let mut verifies = Vec::new();
    for (name, extra) in [("verify", None), ("verify_full", Some("--full"))] {
        let mut cmd = annals(&["verify", "--json"]);
        if let Some(e) = extra {
            cmd.arg(e);
        }
        let out = dir.join(format!("{name}.json"));
        let m = process::run(&mut cmd, name, &out, &dir.join(format!("{name}.stderr")))?;
        let text = std::fs::read_to_string(&out).with_context(|| format!("{}", out.display()))?;
        let v: Value = serde_json::from_str(text.trim()).context("verify report")?;
        let bytes = v["bytes"].as_u64().unwrap_or(0);
        p.stage(&format!(
            "    {name}: {:.2}s, {:.0} MB/s",
            m.seconds,
            rate(bytes as f64 / MB, m.seconds)
        ));
        verifies.push((name, m, v));
    }
    if args.dir.is_some() {
        let _ = std::fs::remove_dir_all(&data);
    }

    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut append_json = serde_json::Map::new();
    for (name, secs) in &appends {
        append_json.insert(
            name.to_string(),
            json!({ "seconds": secs, "leaves_per_s": rate(args.leaves as f64, *secs) }),
        );
    }
    let ledger_rate = rate(args.leaves as f64, appends[1].1);
    let mut verify_json = serde_json::Map::new();
    for (name, m, v) in &verifies {
        let bytes = v["bytes"].as_u64().unwrap_or(0);
        verify_json.insert(
            name.to_string(),
            json!({
                "seconds": m.seconds,
                "records": v["records"],
                "bytes": bytes,
                "mb_per_s": rate(bytes as f64 / MB, m.seconds),
                "max_rss_bytes": m.max_rss,
                "findings": v["findings"].as_array().map_or(0, Vec::len),
            }),
        );
    }
    let full_rate = verify_json["verify_full"]["mb_per_s"]
        .as_f64()
        .unwrap_or(0.0);
    let result = json!({
        "leaves": args.leaves,
        "batch": args.batch,
        "records": w.records,
        "file_bytes": w.file_bytes,
        "machine": { "nproc": nproc, "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
        "append": Value::Object(append_json),
        "import": { "seconds": import.seconds, "records_per_s": rate(w.records as f64, import.seconds) },
        "checkpoint": {
            "tree_size": tree_size,
            "seconds": checkpoint.seconds,
            "leaves_per_s": rate(tree_size as f64, checkpoint.seconds),
            "max_rss_bytes": checkpoint.max_rss,
        },
        "verify": Value::Object(verify_json),
        "peer": Value::Null,
        "goals": {
            "append_leaves_per_s": {
                "goal": GOAL_APPEND_LEAVES_PER_S,
                "measured": ledger_rate,
                "verdict": verdict(ledger_rate >= GOAL_APPEND_LEAVES_PER_S),
            },
            "verify_full_mb_per_s": {
                "goal": GOAL_VERIFY_FULL_MB_PER_S,
                "measured": full_rate,
                "verdict": verdict(full_rate >= GOAL_VERIFY_FULL_MB_PER_S),
            },
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
        "annals bench ledger: {} leaves appended in batches of {}; archive of {} records, {:.1} MB; nproc {}",
        r["leaves"],
        r["batch"],
        r["records"],
        f(&r["file_bytes"]) / MB,
        r["machine"]["nproc"]
    );
    println!();
    println!(
        "{:<44} {:>10} {:>12} {:>10}",
        "measure", "time (s)", "leaves/s", "MB/s"
    );
    let a = &r["append"];
    for (name, label) in [
        ("memory", "append: entry + leaf hash + tree (memory)"),
        ("ledger_commit", "append: + SQLite commit of the leaves"),
        ("index_commit", "append: + capture rows (as import commits)"),
    ] {
        println!(
            "{label:<44} {:>10.2} {:>12.0} {:>10}",
            f(&a[name]["seconds"]),
            f(&a[name]["leaves_per_s"]),
            "-"
        );
    }
    let c = &r["checkpoint"];
    println!(
        "{:<44} {:>10.2} {:>12.0} {:>10}",
        format!("checkpoint: all tiles of {} leaves", c["tree_size"]),
        f(&c["seconds"]),
        f(&c["leaves_per_s"]),
        "-"
    );
    for (name, label) in [
        ("verify", "annals verify"),
        ("verify_full", "annals verify --full"),
    ] {
        let v = &r["verify"][name];
        println!(
            "{label:<44} {:>10.2} {:>12} {:>10.0}",
            f(&v["seconds"]),
            "-",
            f(&v["mb_per_s"])
        );
    }
    println!();
    let g = &r["goals"];
    println!(
        "goal: append >= {:.0} leaves/s (ledger commit): {:.0} — {}",
        f(&g["append_leaves_per_s"]["goal"]),
        f(&g["append_leaves_per_s"]["measured"]),
        g["append_leaves_per_s"]["verdict"].as_str().unwrap_or("")
    );
    println!(
        "goal: verify --full >= {:.0} MB/s: {:.0} — {}",
        f(&g["verify_full_mb_per_s"]["goal"]),
        f(&g["verify_full_mb_per_s"]["measured"]),
        g["verify_full_mb_per_s"]["verdict"].as_str().unwrap_or("")
    );
    println!("peer: none (no registry-installable tlog implementation appends to a stored log)");
}

//! `annals bench warc`: generated data, annals against the Python reference tools, in one run.
//!
//! Stages:
//! 1. generate N records (response + request pairs) deterministically and write them with the
//!    writer annals archives with (`RecordBuilder::build` + `writer::gzip_member` at level 6),
//!    timing only that; the same records go to a spec file for Python;
//! 2. index the generated file with `annals cdxj` (a subprocess, as users run it);
//! 3. import it with `annals import` and read the peak RSS of that process;
//! 4. write the same records with warcio (`WARCWriter(gzip=True, warc_version='1.1')`);
//! 5. index with `cdxj-indexer -s -p -d` and compare its lines with annals'.
//!
//! The annals subprocesses run before anything in this process allocates much: Linux counts the
//! spawning process's peak RSS in a `vfork`ed child's `ru_maxrss`.

mod generate;
pub mod ledger;
pub mod observe;
mod process;
pub mod search;
pub mod shell;
pub mod wacz;
pub mod web;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use annals_warc::RecordBuilder;
use annals_warc::writer::{HTTP_REQUEST, HTTP_RESPONSE, gzip_member, payload_digest};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::args::BenchArgs;
use generate::{Exchange, Generator};
use process::Measured;

/// The warcio side of the write benchmark, written to the work directory at run time.
const WARCIO_SCRIPT: &str = include_str!("bench/warcio_write.py");
/// Seed of the generated data: fixed, so every run measures the same bytes.
const SEED: u64 = 0x616e_6e61_6c73;
/// gzip level of the archive (`ArchiveOptions::default().gzip_level`).
const ARCHIVE_LEVEL: u32 = 6;
/// warcio's `GzippingWrapper` uses `zlib.compressobj(9, …)`.
const WARCIO_LEVEL: u32 = 9;
/// Exchanges generated, then written, per batch.
const BATCH: usize = 256;
/// One batch in this many is also compressed at level 9 (an estimate, not written to disk).
const LEVEL9_SAMPLE: usize = 8;
/// Goals the lead set.
const GOAL_WRITE_RATIO: f64 = 20.0;
const GOAL_CDXJ_RATIO: f64 = 20.0;
const GOAL_IMPORT_RSS_MB: f64 = 100.0;

const MB: f64 = 1_000_000.0;

/// Prints a stage line on stderr unless quiet.
struct Progress {
    quiet: bool,
    start: Instant,
}

impl Progress {
    fn stage(&self, text: &str) {
        if !self.quiet {
            eprintln!(
                "annals bench [{:>6.1}s] {text}",
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

/// Figures of annals' own write (stage 1).
#[derive(Debug, Default)]
struct WriteStats {
    records: u64,
    exchanges: u64,
    seconds: f64,
    uncompressed: u64,
    file_bytes: u64,
    generate_seconds: f64,
    level9_records: u64,
    level9_seconds: f64,
    level9_bytes: u64,
    level9_level6_bytes: u64,
    /// Breakdown of the level-6 work on the sampled batches: payload digest (SHA-1 of the
    /// HTTP payload), record build (incl. SHA-256 block digest), gzip member.
    sample_payload_digest_seconds: f64,
    sample_build_seconds: f64,
    sample_gzip_seconds: f64,
}

/// Runs the whole benchmark and prints the report (a table, or JSON with `--json`).
pub fn warc(args: &BenchArgs, quiet: bool) -> Result<()> {
    let p = Progress {
        quiet,
        start: Instant::now(),
    };
    if args.records < 2 {
        bail!("--records must be at least 2 (one response/request pair)");
    }
    let exchanges = args.records / 2;
    let exe = std::env::current_exe().context("cannot find the annals executable")?;
    // Dropped (and deleted) at the end of the run when it is a temporary directory.
    let (dir, _temp) = work_dir(args.dir.as_deref(), "annals-bench-")?;
    let peers = !args.no_peers;
    if peers {
        check_python().context(
            "the Python peers are missing (pip install warcio cdxj-indexer, or pass --no-peers)",
        )?;
    }

    let warc_name = "annals.warc.gz";
    let warc_path = dir.join(warc_name);
    let spec_path = dir.join("records.spec");

    p.stage(&format!(
        "1/5 generating {} records ({exchanges} exchanges) and writing them with annals",
        exchanges * 2
    ));
    let w = write_annals(exchanges, &warc_path, peers.then_some(spec_path.as_path()))?;
    p.stage(&format!(
        "    {} records, {:.1} MB in {:.2}s of writing ({:.2}s generating, not counted)",
        w.records,
        w.file_bytes as f64 / MB,
        w.seconds,
        w.generate_seconds
    ));

    p.stage("    measuring read floors (gunzip only, SHA-256 of the file) in-process");
    let floors = read_floors(&warc_path)?;

    p.stage(&format!("2/5 indexing with `annals cdxj {warc_name}`"));
    let annals_cdxj = dir.join("annals.cdxj");
    let cdxj = process::run(
        Command::new(&exe)
            .current_dir(&dir)
            .args(["--quiet", "cdxj", warc_name]),
        "annals cdxj",
        &annals_cdxj,
        &dir.join("annals-cdxj.stderr"),
    )?;
    let annals_lines = count_lines(&annals_cdxj)?;
    p.stage(&format!(
        "    annals cdxj: {:.2}s, {annals_lines} lines",
        cdxj.seconds
    ));
    p.stage(&format!("3/5 importing with `annals import {warc_name}`"));
    let data = dir.join("data");
    if data.exists() {
        std::fs::remove_dir_all(&data).with_context(|| format!("{}", data.display()))?;
    }
    let import = process::run(
        Command::new(&exe)
            .current_dir(&dir)
            .arg("--quiet")
            .arg("--data")
            .arg(&data)
            .args(["import", "--json", warc_name]),
        "annals import",
        &dir.join("import.json"),
        &dir.join("import.stderr"),
    )?;
    let report_text = std::fs::read_to_string(dir.join("import.json")).context("import.json")?;
    let import_report: Value = serde_json::from_str(report_text.trim()).unwrap_or(Value::Null);
    p.stage(&format!(
        "    import: {:.2}s, peak RSS {:.1} MB",
        import.seconds,
        import.max_rss as f64 / MB
    ));
    let warcio = if peers {
        p.stage("4/5 writing the same records with warcio (Python)");
        let script = dir.join("warcio_write.py");
        std::fs::write(&script, WARCIO_SCRIPT).with_context(|| format!("{}", script.display()))?;
        let out = dir.join("warcio.warc.gz");
        let m = process::run(
            Command::new("python3")
                .arg(&script)
                .arg(&spec_path)
                .arg(&out),
            "python3 warcio_write.py",
            &dir.join("warcio.json"),
            &dir.join("warcio.stderr"),
        )?;
        let text = std::fs::read_to_string(dir.join("warcio.json")).context("warcio.json")?;
        let v: Value = serde_json::from_str(text.trim()).context("warcio script output")?;
        let _ = std::fs::remove_file(&spec_path);
        let _ = std::fs::remove_file(&out);
        let secs = v["seconds"].as_f64().unwrap_or(0.0);
        p.stage(&format!("    warcio: {secs:.2}s"));
        Some((v, m))
    } else {
        p.stage("4/5 and 5/5 skipped (--no-peers)");
        None
    };

    let peer_cdxj = if peers {
        p.stage(&format!(
            "5/5 indexing with `cdxj-indexer -s -p -d {warc_name}`"
        ));
        let out = dir.join("cdxj-indexer.cdxj");
        let m = process::run(
            Command::new("cdxj-indexer")
                .current_dir(&dir)
                .args(["-s", "-p", "-d", warc_name]),
            "cdxj-indexer",
            &out,
            &dir.join("cdxj-indexer.stderr"),
        )?;
        let cmp = compare_cdxj(&annals_cdxj, &out)?;
        p.stage(&format!(
            "    cdxj-indexer: {:.2}s; {} lines only in annals, {} only in cdxj-indexer",
            m.seconds, cmp.only_annals, cmp.only_peer
        ));
        Some((m, cmp))
    } else {
        None
    };

    if args.dir.is_none() {
        p.stage("removing the working directory");
    } else {
        let _ = std::fs::remove_dir_all(&data);
    }

    let result = report(
        exchanges,
        &w,
        warcio.as_ref(),
        &cdxj,
        annals_lines,
        peer_cdxj.as_ref(),
        &import,
        &import_report,
        &floors,
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print_table(&result);
    }
    Ok(())
}

/// Fails unless `python3` can import warcio and cdxj_indexer.
/// The working directory of a benchmark: `given` (created if needed), or a fresh temporary
/// directory named `prefix…`, returned with its guard so it lives as long as the caller wants.
pub(crate) fn work_dir(
    given: Option<&Path>,
    prefix: &str,
) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
    match given {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            Ok((d.to_path_buf(), None))
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix(prefix)
                .tempdir()
                .context("cannot create a temporary directory")?;
            Ok((t.path().to_path_buf(), Some(t)))
        }
    }
}

fn check_python() -> Result<()> {
    let out = Command::new("python3")
        .args(["-c", "import warcio, cdxj_indexer"])
        .output()
        .context("cannot run python3")?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Stage 1: generates the exchanges and writes them as annals writes its archive; only the
/// building, compressing and writing is timed. Also writes the spec for warcio when asked.
fn write_annals(exchanges: u64, warc_path: &Path, spec_path: Option<&Path>) -> Result<WriteStats> {
    let file = File::create(warc_path).with_context(|| format!("{}", warc_path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut spec = match spec_path {
        Some(s) => Some(BufWriter::with_capacity(
            1 << 20,
            File::create(s).with_context(|| format!("{}", s.display()))?,
        )),
        None => None,
    };
    let mut g = Generator::new(SEED);
    let mut st = WriteStats::default();
    let mut batch: Vec<Exchange> = Vec::with_capacity(BATCH);
    let mut done = 0u64;
    let mut batch_no = 0usize;
    while done < exchanges {
        let n = (exchanges - done).min(BATCH as u64);
        let t = Instant::now();
        batch.clear();
        for _ in 0..n {
            batch.push(g.next_exchange());
        }
        st.generate_seconds += t.elapsed().as_secs_f64();
        if let Some(s) = spec.as_mut() {
            write_spec(s, &batch).context("writing the warcio spec")?;
        }

        let t = Instant::now();
        for x in &batch {
            for member in annals_members(x, ARCHIVE_LEVEL) {
                st.file_bytes += member.len() as u64;
                out.write_all(&member)
                    .with_context(|| format!("{}", warc_path.display()))?;
            }
        }
        st.seconds += t.elapsed().as_secs_f64();

        if batch_no.is_multiple_of(LEVEL9_SAMPLE) {
            let t = Instant::now();
            for x in &batch {
                for member in annals_members(x, WARCIO_LEVEL) {
                    st.level9_bytes += member.len() as u64;
                }
            }
            st.level9_seconds += t.elapsed().as_secs_f64();
            st.level9_records += 2 * n;
            for x in &batch {
                let t = Instant::now();
                let digest = payload_digest(&x.response, true);
                let t1 = Instant::now();
                let response = RecordBuilder::new("response", &x.response_id, &x.date)
                    .target_uri(&x.url)
                    .content_type(HTTP_RESPONSE)
                    .field("WARC-Payload-Digest", &digest)
                    .build(&x.response);
                let request = RecordBuilder::new("request", &x.request_id, &x.date)
                    .target_uri(&x.url)
                    .content_type(HTTP_REQUEST)
                    .build(&x.request);
                let t2 = Instant::now();
                st.level9_level6_bytes += (gzip_member(&response, ARCHIVE_LEVEL).len()
                    + gzip_member(&request, ARCHIVE_LEVEL).len())
                    as u64;
                let t3 = Instant::now();
                st.sample_payload_digest_seconds += (t1 - t).as_secs_f64();
                st.sample_build_seconds += (t2 - t1).as_secs_f64();
                st.sample_gzip_seconds += (t3 - t2).as_secs_f64();
            }
        }
        for x in &batch {
            st.uncompressed += (x.response.len() + x.request.len()) as u64;
        }
        done += n;
        batch_no += 1;
    }
    let t = Instant::now();
    out.flush()
        .with_context(|| format!("{}", warc_path.display()))?;
    drop(out);
    st.seconds += t.elapsed().as_secs_f64();
    if let Some(mut s) = spec {
        s.flush().context("writing the warcio spec")?;
    }
    st.exchanges = exchanges;
    st.records = exchanges * 2;
    Ok(st)
}

/// The response and request records of `x` as annals' capture writes them, one gzip member each.
fn annals_members(x: &Exchange, level: u32) -> [Vec<u8>; 2] {
    let resp_id = format!("<{}>", x.response_id);
    let response = RecordBuilder::new("response", &x.response_id, &x.date)
        .target_uri(&x.url)
        .content_type(HTTP_RESPONSE)
        .field("WARC-Payload-Digest", &payload_digest(&x.response, true))
        .build(&x.response);
    let request = RecordBuilder::new("request", &x.request_id, &x.date)
        .target_uri(&x.url)
        .field("WARC-Concurrent-To", &resp_id)
        .content_type(HTTP_REQUEST)
        .build(&x.request);
    [gzip_member(&response, level), gzip_member(&request, level)]
}

/// Appends the spec entries of a batch (see `warcio_write.py` for the format).
fn write_spec(out: &mut impl Write, batch: &[Exchange]) -> std::io::Result<()> {
    for x in batch {
        let date = x.date.to_rfc3339();
        let resp_id = format!("<{}>", x.response_id);
        writeln!(
            out,
            "response\t{}\t{date}\t{resp_id}\t\t{}",
            x.url,
            x.response.len()
        )?;
        out.write_all(&x.response)?;
        writeln!(
            out,
            "request\t{}\t{date}\t<{}>\t{resp_id}\t{}",
            x.url,
            x.request_id,
            x.request.len()
        )?;
        out.write_all(&x.request)?;
    }
    Ok(())
}

/// In-process lower bounds of reading the generated file: seconds to gunzip every member to
/// nowhere, and seconds to SHA-256 the whole compressed file (what `-d` record digests cost).
#[derive(Debug, Clone, Copy)]
struct Floors {
    gunzip_seconds: f64,
    sha256_seconds: f64,
}

fn read_floors(path: &Path) -> Result<Floors> {
    let t = Instant::now();
    let f = File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut dec = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, f));
    std::io::copy(&mut dec, &mut std::io::sink())
        .with_context(|| format!("gunzip {}", path.display()))?;
    let gunzip_seconds = t.elapsed().as_secs_f64();
    // Hashed in 1 MiB pieces: the same bytes through SHA-256 without holding the file in memory
    // (this process's peak RSS leaks into its children's `ru_maxrss`, so it must stay small).
    let mut f = File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut sha256_seconds = 0.0;
    loop {
        let n =
            std::io::Read::read(&mut f, &mut buf).with_context(|| format!("{}", path.display()))?;
        if n == 0 {
            break;
        }
        let t = Instant::now();
        let _ = annals_warc::digest::sha256_hex(&buf[..n]);
        sha256_seconds += t.elapsed().as_secs_f64();
    }
    Ok(Floors {
        gunzip_seconds,
        sha256_seconds,
    })
}

/// Peak RSS of this process so far, in bytes. A child started with `vfork`/`posix_spawn`
/// inherits it as a floor of its own `ru_maxrss`, so it bounds how far the children's figures
/// can be inflated.
fn self_peak_rss() -> u64 {
    // SAFETY: rusage is plain old data; getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to an exclusive, initialised rusage.
    let r = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if r == 0 {
        u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024
    } else {
        0
    }
}

/// Lines of a file.
fn count_lines(path: &Path) -> Result<u64> {
    let f = File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut n = 0;
    for line in BufReader::new(f).split(b'\n') {
        line.with_context(|| format!("{}", path.display()))?;
        n += 1;
    }
    Ok(n)
}

/// How two CDXJ outputs differ.
#[derive(Debug, Default)]
struct CdxjComparison {
    peer_lines: u64,
    only_annals: u64,
    only_peer: u64,
    byte_identical: bool,
    first_difference: Option<(String, String)>,
}

/// Compares two CDXJ files as multisets of lines (and notes whether they are byte-identical).
fn compare_cdxj(annals: &Path, peer: &Path) -> Result<CdxjComparison> {
    let a = std::fs::read(annals).with_context(|| format!("{}", annals.display()))?;
    let b = std::fs::read(peer).with_context(|| format!("{}", peer.display()))?;
    let mut cmp = CdxjComparison {
        byte_identical: a == b,
        ..CdxjComparison::default()
    };
    let mut la: Vec<&[u8]> = a.split(|&c| c == b'\n').filter(|l| !l.is_empty()).collect();
    let mut lb: Vec<&[u8]> = b.split(|&c| c == b'\n').filter(|l| !l.is_empty()).collect();
    cmp.peer_lines = lb.len() as u64;
    la.sort_unstable();
    lb.sort_unstable();
    let (mut i, mut j) = (0, 0);
    let mut first_a = None;
    let mut first_b = None;
    while i < la.len() || j < lb.len() {
        match (la.get(i), lb.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                first_a.get_or_insert(*x);
                cmp.only_annals += 1;
                i += 1;
            }
            (Some(_), Some(y)) => {
                first_b.get_or_insert(*y);
                cmp.only_peer += 1;
                j += 1;
            }
            (Some(x), None) => {
                first_a.get_or_insert(*x);
                cmp.only_annals += 1;
                i += 1;
            }
            (None, Some(y)) => {
                first_b.get_or_insert(*y);
                cmp.only_peer += 1;
                j += 1;
            }
            (None, None) => break,
        }
    }
    if first_a.is_some() || first_b.is_some() {
        let s = |l: Option<&[u8]>| String::from_utf8_lossy(l.unwrap_or(b"")).into_owned();
        cmp.first_difference = Some((s(first_a), s(first_b)));
    }
    Ok(cmp)
}

fn rate(n: f64, secs: f64) -> f64 {
    if secs > 0.0 { n / secs } else { 0.0 }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// Builds the JSON result object (the table is printed from it too).
#[allow(clippy::too_many_arguments)]
fn report(
    exchanges: u64,
    w: &WriteStats,
    warcio: Option<&(Value, Measured)>,
    cdxj: &Measured,
    annals_lines: u64,
    peer: Option<&(Measured, CdxjComparison)>,
    import: &Measured,
    import_report: &Value,
    floors: &Floors,
) -> Value {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let annals_rps = rate(w.records as f64, w.seconds);
    let l9_rps = rate(w.level9_records as f64, w.level9_seconds);
    let mut write = json!({
        "annals": {
            "level": ARCHIVE_LEVEL,
            "seconds": w.seconds,
            "records_per_s": annals_rps,
            "mb_per_s_uncompressed": rate(w.uncompressed as f64 / MB, w.seconds),
            "mb_per_s_written": rate(w.file_bytes as f64 / MB, w.seconds),
            "output_bytes": w.file_bytes,
        },
        "annals_level9_sampled": {
            "level": WARCIO_LEVEL,
            "records": w.level9_records,
            "records_per_s": l9_rps,
            "bytes_vs_level6": if w.level9_level6_bytes > 0 { w.level9_bytes as f64 / w.level9_level6_bytes as f64 } else { 0.0 },
        },
        "generate_seconds_not_counted": w.generate_seconds,
        "sampled_breakdown_level6": {
            "records": w.level9_records,
            "payload_digest_seconds": w.sample_payload_digest_seconds,
            "build_with_sha256_seconds": w.sample_build_seconds,
            "gzip_seconds": w.sample_gzip_seconds,
        },
    });
    if let Some((v, m)) = warcio {
        let secs = v["seconds"].as_f64().unwrap_or(0.0);
        let recs = v["records"].as_f64().unwrap_or(0.0);
        let wps = rate(recs, secs);
        let ratio = rate(annals_rps, wps);
        write["warcio"] = json!({
            "level": WARCIO_LEVEL,
            "seconds": secs,
            "load_seconds_not_counted": v["load_seconds"],
            "records": v["records"],
            "records_per_s": wps,
            "mb_per_s_uncompressed": rate(w.uncompressed as f64 / MB, secs),
            "output_bytes": v["bytes"],
            "max_rss_bytes": m.max_rss,
        });
        write["ratio"] = json!(ratio);
        write["ratio_same_level"] = json!(rate(l9_rps, wps));
        write["goal"] = json!(GOAL_WRITE_RATIO);
        write["goal_met"] = json!(ratio >= GOAL_WRITE_RATIO);
    }
    let mut index = json!({
        "annals": {
            "seconds": cdxj.seconds,
            "records_per_s": rate(w.records as f64, cdxj.seconds),
            "mb_per_s": rate(w.file_bytes as f64 / MB, cdxj.seconds),
            "lines": annals_lines,
            "max_rss_bytes": cdxj.max_rss,
        },
        "floors_in_process": {
            "gunzip_seconds": floors.gunzip_seconds,
            "sha256_file_seconds": floors.sha256_seconds,
        },
    });
    if let Some((m, cmp)) = peer {
        let ratio = rate(m.seconds, cdxj.seconds);
        index["cdxj_indexer"] = json!({
            "seconds": m.seconds,
            "records_per_s": rate(w.records as f64, m.seconds),
            "mb_per_s": rate(w.file_bytes as f64 / MB, m.seconds),
            "lines": cmp.peer_lines,
            "max_rss_bytes": m.max_rss,
        });
        index["differing_lines"] = json!(cmp.only_annals + cmp.only_peer);
        index["lines_only_annals"] = json!(cmp.only_annals);
        index["lines_only_cdxj_indexer"] = json!(cmp.only_peer);
        index["byte_identical"] = json!(cmp.byte_identical);
        if let Some((a, b)) = &cmp.first_difference {
            index["first_difference"] = json!({"annals": a, "cdxj_indexer": b});
        }
        index["ratio"] = json!(ratio);
        index["goal"] = json!(GOAL_CDXJ_RATIO);
        index["goal_met"] = json!(ratio >= GOAL_CDXJ_RATIO);
    }
    let rss_mb = import.max_rss as f64 / MB;
    json!({
        "machine": { "nproc": nproc, "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
        "bench_process_peak_rss_bytes": self_peak_rss(),
        "records": w.records,
        "exchanges": exchanges,
        "file_bytes": w.file_bytes,
        "uncompressed_bytes": w.uncompressed,
        "write": write,
        "cdxj": index,
        "import": {
            "seconds": import.seconds,
            "records_per_s": rate(w.records as f64, import.seconds),
            "mb_per_s": rate(w.file_bytes as f64 / MB, import.seconds),
            "max_rss_bytes": import.max_rss,
            "max_rss_mb": rss_mb,
            "goal_mb": GOAL_IMPORT_RSS_MB,
            "goal_met": rss_mb <= GOAL_IMPORT_RSS_MB,
            "report": import_report,
        },
    })
}

/// Prints the human-readable table of `r` (the object `report` built).
fn print_table(r: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let mb = |v: &Value| f(v) / MB;
    println!(
        "annals bench warc: {} records ({} exchanges), {:.1} MB per-record gzip ({:.1} MB uncompressed), nproc {}",
        r["records"],
        r["exchanges"],
        mb(&r["file_bytes"]),
        mb(&r["uncompressed_bytes"]),
        r["machine"]["nproc"]
    );
    println!();
    println!(
        "{:<34} {:>12} {:>11} {:>10} {:>10}",
        "measure", "time (s)", "records/s", "MB/s", "peak RSS"
    );
    let row = |name: &str, secs: f64, rps: f64, mbs: f64, rss: Option<f64>| {
        println!(
            "{name:<34} {secs:>12.2} {rps:>11.0} {mbs:>10.1} {:>10}",
            rss.map(|x| format!("{:.1} MB", x / MB))
                .unwrap_or_else(|| "-".into())
        );
    };
    let w = &r["write"];
    row(
        "write: annals (gzip level 6)",
        f(&w["annals"]["seconds"]),
        f(&w["annals"]["records_per_s"]),
        f(&w["annals"]["mb_per_s_uncompressed"]),
        None,
    );
    let l9 = &w["annals_level9_sampled"];
    let l9_rps = f(&l9["records_per_s"]);
    row(
        "write: annals level 9 (sampled)",
        if l9_rps > 0.0 {
            f(&r["records"]) / l9_rps
        } else {
            0.0
        },
        l9_rps,
        0.0,
        None,
    );
    if w.get("warcio").is_some() {
        row(
            "write: warcio (gzip level 9)",
            f(&w["warcio"]["seconds"]),
            f(&w["warcio"]["records_per_s"]),
            f(&w["warcio"]["mb_per_s_uncompressed"]),
            Some(f(&w["warcio"]["max_rss_bytes"])),
        );
    }
    let c = &r["cdxj"];
    row(
        "index: annals cdxj",
        f(&c["annals"]["seconds"]),
        f(&c["annals"]["records_per_s"]),
        f(&c["annals"]["mb_per_s"]),
        Some(f(&c["annals"]["max_rss_bytes"])),
    );
    if c.get("cdxj_indexer").is_some() {
        row(
            "index: cdxj-indexer -s -p -d",
            f(&c["cdxj_indexer"]["seconds"]),
            f(&c["cdxj_indexer"]["records_per_s"]),
            f(&c["cdxj_indexer"]["mb_per_s"]),
            Some(f(&c["cdxj_indexer"]["max_rss_bytes"])),
        );
    }
    let i = &r["import"];
    row(
        "import: annals import",
        f(&i["seconds"]),
        f(&i["records_per_s"]),
        f(&i["mb_per_s"]),
        Some(f(&i["max_rss_bytes"])),
    );
    println!("(MB/s: write = uncompressed input; index and import = compressed file)");
    let b = &w["sampled_breakdown_level6"];
    let (d, bu, g) = (
        f(&b["payload_digest_seconds"]),
        f(&b["build_with_sha256_seconds"]),
        f(&b["gzip_seconds"]),
    );
    let total = (d + bu + g).max(f64::MIN_POSITIVE);
    println!(
        "annals write time split ({} sampled records): payload SHA-1 {:.0}%, build + SHA-256 {:.0}%, gzip level 6 {:.0}%",
        b["records"],
        100.0 * d / total,
        100.0 * bu / total,
        100.0 * g / total
    );
    let fl = &c["floors_in_process"];
    println!(
        "read floors (one thread, in-process): gunzip whole file {:.2}s, SHA-256 whole file {:.2}s",
        f(&fl["gunzip_seconds"]),
        f(&fl["sha256_file_seconds"])
    );
    println!();
    println!(
        "{:<34} {:>12} {:>11} {:>10}",
        "ratio", "value", "goal", "status"
    );
    if w.get("ratio").is_some() {
        println!(
            "{:<34} {:>11.2}x {:>10} {:>10}",
            "write annals/warcio (records/s)",
            f(&w["ratio"]),
            format!(">= {GOAL_WRITE_RATIO}x"),
            verdict(w["goal_met"].as_bool().unwrap_or(false))
        );
        println!(
            "{:<34} {:>11.2}x {:>10} {:>10}",
            "  same at level 9 (info)",
            f(&w["ratio_same_level"]),
            "-",
            "-"
        );
        println!(
            "{:<34} {:>12} {:>10} {:>10}",
            "  output sizes annals / warcio",
            format!(
                "{:.1}/{:.1} MB",
                mb(&w["annals"]["output_bytes"]),
                mb(&w["warcio"]["output_bytes"])
            ),
            "-",
            "-"
        );
    }
    if c.get("ratio").is_some() {
        println!(
            "{:<34} {:>11.2}x {:>10} {:>10}",
            "cdxj cdxj-indexer/annals (time)",
            f(&c["ratio"]),
            format!(">= {GOAL_CDXJ_RATIO}x"),
            verdict(c["goal_met"].as_bool().unwrap_or(false))
        );
        println!(
            "{:<34} {:>12} {:>10} {:>10}",
            "  differing cdxj lines",
            format!(
                "{} of {}",
                c["differing_lines"],
                c["annals"]["lines"].as_u64().unwrap_or(0)
            ),
            "0",
            verdict(c["differing_lines"].as_u64() == Some(0))
        );
        if let Some(d) = c.get("first_difference") {
            println!(
                "  first annals-only line:       {}",
                d["annals"].as_str().unwrap_or("")
            );
            println!(
                "  first cdxj-indexer-only line: {}",
                d["cdxj_indexer"].as_str().unwrap_or("")
            );
        }
    }
    println!(
        "{:<34} {:>9.1} MB {:>10} {:>10}",
        "import peak RSS",
        f(&i["max_rss_mb"]),
        format!("<= {GOAL_IMPORT_RSS_MB} MB"),
        verdict(i["goal_met"].as_bool().unwrap_or(false))
    );
    println!(
        "(peak RSS is the child's ru_maxrss; Linux counts the spawning process's own peak, here {:.1} MB, as a floor)",
        mb(&r["bench_process_peak_rss_bytes"])
    );
}

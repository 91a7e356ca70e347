//! The observer shell's own figures for `annals bench observe`: end-to-end throughput
//! (fetch → WARC → parse → DB) against the simulator answering instantly, bytes on disk per
//! unchanged re-observation, and the peak RSS of `annals run` with a million scheduled items.

use std::path::Path;
use std::sync::Arc;

use annals_archive::{Archive, ArchiveOptions};
use annals_observer::{FileConfig, Observer, RunOptions, ScaledClock};
use annals_simulator::{ManualClock, SimConfig, World};
use annals_store::WatchRow;
use anyhow::{Context, Result};
use serde::Serialize;

/// What the shell measured.
#[derive(Debug, Clone, Serialize)]
pub struct ShellFigures {
    /// Items observed in the throughput pass.
    pub throughput_items: usize,
    /// Observations per second, first pass (every item new: full responses).
    pub obs_per_s: f64,
    /// Observations per second, second pass (every payload unchanged: revisits).
    pub obs_per_s_unchanged: f64,
    /// Bytes added to the data directory (WARC files, index.db with the WAL folded in, and
    /// the ledger's tiles) per unchanged re-observation.
    pub bytes_per_unchanged_observation: f64,
    /// Of which WARC bytes.
    pub warc_bytes_per_unchanged_observation: f64,
    /// Of which index bytes.
    pub index_bytes_per_unchanged_observation: f64,
    /// Of which ledger bytes (hash tiles and entry bundles).
    pub ledger_bytes_per_unchanged_observation: f64,
    /// WARC records written per unchanged re-observation.
    pub records_per_unchanged_observation: f64,
    /// Items in the queue for the memory measurement.
    pub rss_items: usize,
    /// Peak RSS of `annals run` with that queue, MB.
    pub rss_mb: f64,
    /// Observations that run made.
    pub rss_observations: u64,
}

fn dir_size(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += dir_size(&e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Requests every adapter URL of `urls` once, 32 at a time.
async fn warm(urls: &[String], cfg: &FileConfig) {
    use futures_util::StreamExt;
    let client = reqwest::Client::new();
    let targets: Vec<String> = urls
        .iter()
        .filter_map(|u| annals_platforms::ItemRef::parse(u).ok())
        .flat_map(|item| annals_platforms::requests(&item))
        .map(|r| cfg.rewrite(&r.url))
        .collect();
    futures_util::stream::iter(targets)
        .for_each_concurrent(32, |url| {
            let client = client.clone();
            async move {
                if let Ok(r) = client.get(&url).send().await {
                    let _ = r.bytes().await;
                }
            }
        })
        .await;
}

/// (WARC bytes, index bytes, ledger bytes) of a data directory.
fn sizes(data: &Path) -> (u64, u64, u64) {
    let warcs = dir_size(&data.join(annals_archive::WARC_DIR));
    let index = ["index.db", "index.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(data.join(f)).ok())
        .map(|m| m.len())
        .sum();
    let ledger = dir_size(&data.join("ledger"));
    (warcs, index, ledger)
}

fn sim_config(items: usize) -> SimConfig {
    SimConfig {
        seed: 11,
        items,
        publish_window_s: 600,
        ..SimConfig::default()
    }
}

fn endpoints(cfg: &mut FileConfig, origin: &str) {
    crate::observe::simulator_endpoints(cfg, origin);
    cfg.observer.budget = "100000000/min".into();
    cfg.observer.host_budget = "100000000/min".into();
    cfg.observer.workers = 64;
}

/// Runs the measurements (on their own runtime thread).
pub fn measure(throughput_items: usize, rss_items: usize, quiet: bool) -> Result<ShellFigures> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        rt.block_on(measure_async(throughput_items, rss_items, quiet))
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the shell benchmark panicked"))?
}

async fn measure_async(n: usize, rss_items: usize, quiet: bool) -> Result<ShellFigures> {
    let say = |m: &str| {
        if !quiet {
            eprintln!("bench observe: {m}");
        }
    };
    // A frozen world: every item published, nothing changes while we look.
    let world = Arc::new(World::new(sim_config(n))?);
    let t = 700;
    let sim_clock = Arc::new(ManualClock::new(t));
    let (addr, handle) = annals_simulator::serve_world(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        world.clone(),
        sim_clock.clone(),
    )
    .await?;
    let origin = format!("http://{addr}");
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let archive = Archive::init(&data, ArchiveOptions::default()).await?;
    let mut cfg = FileConfig::default();
    endpoints(&mut cfg, &origin);
    let base = world.unix(t) as f64;
    let mut obs = Observer::new(archive, cfg.clone(), Arc::new(ScaledClock::new(base, 1.0)));
    let urls: Vec<String> = world
        .items_until(t, &origin)
        .into_iter()
        .map(|l| l.url)
        .collect();
    say(&format!("watching {} simulated items", urls.len()));
    for chunk in urls.chunks(5000) {
        obs.watch(chunk, "bench", None, false).await?;
    }
    let opts = RunOptions {
        stop_when_idle: true,
        workers: Some(64),
        ..RunOptions::default()
    };
    // The simulator renders each answer once and then answers from memory (its clock stands
    // still): warm it, so that the passes measure annals, not the simulator's JSON rendering.
    say("warming the simulator's answers");
    warm(&urls, &cfg).await;
    say("pass 1: every item observed once (full responses)");
    let first = obs.run(opts.clone(), None, std::future::pending()).await?;
    obs.archive().store().compact().await?;
    let (warc_before, index_before, ledger_before) = sizes(&data);
    let records_before = obs.archive().ledger_status().await?.size;
    // An hour later on the observer's clock, the same answers: every payload unchanged.
    let archive = obs.into_archive();
    let mut obs = Observer::new(
        archive,
        cfg.clone(),
        Arc::new(ScaledClock::new(base + 3600.0, 1.0)),
    );
    say("pass 2: every item observed again, unchanged (revisits)");
    let second = obs.run(opts, None, std::future::pending()).await?;
    obs.archive().store().compact().await?;
    let (warc_after, index_after, ledger_after) = sizes(&data);
    let records_after = obs.archive().ledger_status().await?.size;
    drop(obs);
    let n2 = second.status.observations.max(1) as f64;
    let warc_bytes = warc_after.saturating_sub(warc_before) as f64 / n2;
    let index_bytes = index_after.saturating_sub(index_before) as f64 / n2;
    let ledger_bytes = ledger_after.saturating_sub(ledger_before) as f64 / n2;
    let records = records_after.saturating_sub(records_before) as f64 / n2;
    let bytes = warc_bytes + index_bytes + ledger_bytes;

    // Memory: a million queued items, `annals run` as a child process.
    say(&format!("memory: queueing {rss_items} items"));
    let rss_data = tmp.path().join("rss");
    let archive = Archive::init(&rss_data, ArchiveOptions::default()).await?;
    let now = world.unix(t);
    let mut rows = Vec::with_capacity(10_000);
    for i in 0..rss_items {
        rows.push(WatchRow {
            platform: "web".into(),
            native_id: format!("{origin}/page/{}", 900_000_000 + i),
            canonical_url: format!("{origin}/page/{}", 900_000_000 + i),
            kind: "page".into(),
            list: "bench".into(),
            policy: "default".into(),
            host: addr.to_string(),
            seed: false,
            parent_id: None,
            added_at: now - (i as i64 % 86_400),
            // spread over a day of ages
        });
        if rows.len() == 10_000 {
            archive
                .store()
                .watch_add(&rows, now + (i as i64 % 3600))
                .await?;
            rows.clear();
        }
    }
    if !rows.is_empty() {
        archive.store().watch_add(&rows, now).await?;
    }
    drop(archive);
    // One host serves every queued page: lift the per-host limit so the run works the queue.
    let toml_path = rss_data.join("annals.toml");
    let mut toml_text = std::fs::read_to_string(&toml_path)?;
    toml_text.push_str("\n[observer]\nhost_budget = \"60000/min\"\n");
    std::fs::write(&toml_path, toml_text)?;
    say("memory: `annals run` for 20 s against the simulator");
    // The child reports its own peak (VmHWM): getrusage's figure for children would count
    // the pages a forked child shares with this process before it execs.
    let out = tokio::process::Command::new(std::env::current_exe()?)
        .arg("--data")
        .arg(&rss_data)
        .args([
            "--quiet",
            "run",
            "--simulator",
            &origin,
            "--for",
            "20s",
            "--budget",
            "60000/min",
            "--json",
        ])
        .output()
        .await
        .context("cannot run annals run")?;
    anyhow::ensure!(
        out.status.success(),
        "annals run failed in the memory benchmark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("annals run --json printed no report")?;
    let rss_mb = report["peak_rss_mb"]
        .as_f64()
        .context("annals run reported no peak RSS")?;
    let rss_observations = report["observations"].as_u64().unwrap_or(0);
    handle.shutdown().await?;
    if std::env::var_os("ANNALS_BENCH_KEEP").is_some() {
        eprintln!("bench observe: keeping {}", tmp.keep().display());
    }
    Ok(ShellFigures {
        throughput_items: first.status.observations as usize,
        obs_per_s: first.obs_per_s,
        obs_per_s_unchanged: second.obs_per_s,
        bytes_per_unchanged_observation: bytes,
        warc_bytes_per_unchanged_observation: warc_bytes,
        index_bytes_per_unchanged_observation: index_bytes,
        ledger_bytes_per_unchanged_observation: ledger_bytes,
        records_per_unchanged_observation: records,
        rss_items,
        rss_mb,
        rss_observations,
    })
}

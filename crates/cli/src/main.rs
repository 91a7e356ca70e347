//! `annals`: the command-line program. Parses arguments, opens the data directory, dispatches.
//! Errors are printed as one line, `annals: error: …`, with exit status 1 (usage errors: 2).

mod args;
mod bench;
mod import_table;
mod observe;
mod search;
mod understand;
mod user;

use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annals_archive::{Archive, ArchiveError, ArchiveOptions, parse_time, record_line};
use annals_capture::{FetchOptions, Fetcher};
use annals_store::{CaptureFilter, CaptureOrder};
use anyhow::{Context, Result, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use args::{Cli, Command, Export};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(
        cli.command,
        Command::Run(_) | Command::Serve(_) | Command::Simulate { .. } | Command::Demo { .. }
    ) {
        // A reader that goes away (`annals records | head`) ends a one-shot command quietly,
        // as it ends other Unix tools, instead of a "Broken pipe" panic in println!. The
        // servers keep Rust's default (SIGPIPE ignored) so a closed socket is just an error.
        // SAFETY: called before any other thread exists; restores the default disposition.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let filter = if cli.quiet { "warn" } else { "info" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ANNALS_LOG")
                .unwrap_or_else(|_| filter.into()),
        )
        .with_writer(io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&io::stderr()))
        .without_time()
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("annals: error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let msg: Vec<String> = err.chain().map(|c| c.to_string()).collect();
            eprintln!("annals: error: {}", msg.join(": ").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// `--data`, else `$XDG_DATA_HOME/annals`, else `~/.local/share/annals`.
fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(d) = &cli.data {
        return Ok(d.clone());
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("annals"));
    }
    match std::env::var_os("HOME") {
        Some(h) => Ok(PathBuf::from(h).join(".local/share/annals")),
        None => bail!("no data directory: pass --data DIR or set ANNALS_DATA"),
    }
}

/// Opens the archive; creates it first when `create` and the directory is new or empty.
async fn open(cli: &Cli, create: bool) -> Result<Archive> {
    let dir = data_dir(cli)?;
    let fresh = !dir.exists()
        || dir
            .read_dir()
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    if create && fresh {
        let a = Archive::init(&dir, ArchiveOptions::default()).await?;
        if !cli.quiet {
            eprintln!("annals: created data directory {}", dir.display());
        }
        return Ok(a);
    }
    Ok(Archive::open(&dir, ArchiveOptions::default()).await?)
}

fn bar(cli: &Cli, total: u64, what: &str) -> ProgressBar {
    if cli.quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

pub(crate) fn time_arg(text: &Option<String>, what: &str) -> Result<Option<i64>> {
    match text {
        None => Ok(None),
        Some(t) => match parse_time(t) {
            Some(d) => Ok(Some(d.unix)),
            None => bail!(
                "{what} {t:?} is not a time: use 20240101T1200, 20240101120000, 2024-01-01 or 2024-01-01T12:00:00Z"
            ),
        },
    }
}

async fn run(cli: Cli) -> Result<()> {
    let stdout = io::stdout();
    match &cli.command {
        Command::Init => {
            let dir = data_dir(&cli)?;
            let a = Archive::init(&dir, ArchiveOptions::default()).await?;
            println!("annals data directory ready at {}", a.root().display());
        }
        Command::Import { files, json } => {
            let mut archive = open(&cli, true).await?;
            let mut failed = 0;
            for f in files {
                let total = std::fs::metadata(f)
                    .with_context(|| format!("{}", f.display()))?
                    .len();
                let pb = bar(
                    &cli,
                    total,
                    &f.file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default(),
                );
                let progress = |done: u64, _total: u64| pb.set_position(done);
                let result = archive.import(f, &progress).await;
                pb.finish_and_clear();
                match result {
                    Ok(r) => {
                        if *json {
                            println!("{}", serde_json::to_string(&r)?);
                        } else {
                            let mut line = format!(
                                "{}: {} records read, {} added, {} already archived",
                                r.source, r.read, r.added, r.skipped
                            );
                            if r.converted_from_arc > 0 {
                                line.push_str(&format!(
                                    ", {} converted from ARC",
                                    r.converted_from_arc
                                ));
                            }
                            if r.junk_bytes > 0 {
                                line.push_str(&format!(
                                    ", {} stray bytes between records skipped",
                                    r.junk_bytes
                                ));
                            }
                            println!("{line}");
                            if let Some(check) = &r.wacz {
                                println!("{check}");
                            }
                        }
                        if let Some(e) = &r.error {
                            eprintln!(
                                "annals: error: {e} (the {} records before it were imported)",
                                r.read
                            );
                            failed += 1;
                        }
                    }
                    Err(e) => {
                        eprintln!("annals: error: {e}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                bail!(
                    "{failed} of {} inputs did not import completely",
                    files.len()
                );
            }
        }
        Command::Capture { urls, fetch, json } => {
            let mut opts = FetchOptions::default();
            opts.timeout = std::time::Duration::from_secs(fetch.timeout.max(1));
            opts.max_body_bytes = fetch.max_size;
            opts.proxy = fetch.proxy.clone();
            opts.redact_secrets = !fetch.no_redact;
            for h in &fetch.headers {
                let Some((name, value)) = h.split_once(':') else {
                    bail!("--header {h:?} is not of the form 'Name: value'");
                };
                opts.extra_headers
                    .push((name.trim().to_string(), value.trim().to_string()));
            }
            if let Some(ua) = &fetch.user_agent {
                opts.user_agent = ua.clone();
            }
            let fetcher = Fetcher::new(opts)?;
            let mut archive = open(&cli, true).await?;
            let mut failed = 0;
            for url in urls {
                match archive.capture(url, &fetcher).await {
                    Ok(r) => {
                        if *json {
                            println!("{}", serde_json::to_string(&r)?);
                        } else {
                            for x in &r.exchanges {
                                let cut = x
                                    .truncated
                                    .as_deref()
                                    .map(|t| format!(" (truncated: {t})"))
                                    .unwrap_or_default();
                                println!(
                                    "{} {} {} bytes stored as {} {}{cut}",
                                    x.url, x.status, x.bytes, x.stored_as, x.digest
                                );
                            }
                        }
                        if let Some(e) = r.error {
                            eprintln!("annals: error: {e}");
                            failed += 1;
                        }
                    }
                    Err(e) => {
                        eprintln!("annals: error: {e}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} of {} captures failed", urls.len());
            }
        }
        Command::Records { url, json } => {
            let archive = open(&cli, false).await?;
            let filter = CaptureFilter {
                url: url.clone(),
                ..CaptureFilter::default()
            };
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout());
            let mut werr: Option<io::Error> = None;
            let mut each = |c: annals_model::Capture| {
                let res = if *json {
                    serde_json::to_string(&c)
                        .map_err(io::Error::other)
                        .and_then(|s| writeln!(out, "{s}"))
                } else {
                    writeln!(out, "{}", record_line(&c))
                };
                if let Err(e) = res {
                    werr = Some(e);
                    return Err(annals_store::StoreError::Query("output closed".into()));
                }
                Ok(())
            };
            let res = archive
                .store()
                .for_each_capture(&filter, CaptureOrder::UrlKey, &mut each)
                .await;
            if let Some(e) = werr {
                return Err(e.into());
            }
            res?;
            out.flush()?;
        }
        Command::Get {
            url,
            at,
            headers,
            json,
        } => {
            let archive = open(&cli, false).await?;
            let at = time_arg(at, "--at")?;
            let p = archive.get(url, at).await?;
            let mut out = stdout.lock();
            if *json {
                let v = serde_json::json!({"capture": p.capture, "original": p.original, "body_bytes": p.body.len(), "still_encoded": p.still_encoded});
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
                return Ok(());
            }
            if let Some(enc) = &p.still_encoded {
                eprintln!(
                    "annals: note: the body is still {enc}-encoded (annals cannot undo that encoding)"
                );
            }
            if *headers && let Some(h) = &p.headers {
                out.write_all(h)?;
            }
            out.write_all(&p.body)?;
            out.flush()?;
        }
        Command::Export(Export::Warc {
            out,
            url_prefix,
            since,
            until,
        }) => {
            let archive = open(&cli, false).await?;
            let filter = CaptureFilter {
                url_prefix: url_prefix.clone(),
                since: time_arg(since, "--since")?,
                until: time_arg(until, "--until")?,
                ..CaptureFilter::default()
            };
            let n = archive.export_warc(out, &filter).await?;
            if !cli.quiet {
                eprintln!("annals: wrote {n} records to {}", out.display());
            }
        }
        Command::Export(Export::Cdxj { out }) => {
            let archive = open(&cli, false).await?;
            let lines = archive.cdxj_lines().await?;
            write_lines(out, &lines)?;
        }
        Command::Export(Export::Wacz {
            out,
            since,
            list,
            sign,
            text,
            json,
        }) => {
            let archive = open(&cli, false).await?;
            let mut opts = annals_archive::WaczExportOptions::default();
            opts.since = time_arg(since, "--since")?;
            opts.list = list.clone();
            opts.sign = *sign;
            opts.text = *text;
            let pb = bar(&cli, 0, "wacz");
            let progress = |done: u64, total: u64| {
                pb.set_length(total);
                pb.set_position(done);
            };
            let result = archive
                .export_wacz_with_progress(out, opts, &progress)
                .await;
            pb.finish_and_clear();
            let r = result?;
            if *json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "{}: {} records in {} WARC{} ({} bytes), {} pages, {}, {} inclusion proofs against checkpoint {}{}",
                    r.out,
                    r.records,
                    r.warc_files,
                    if r.warc_files == 1 { "" } else { "s" },
                    r.warc_bytes,
                    r.pages,
                    r.index,
                    r.proofs,
                    r.checkpoint_size
                        .map_or_else(|| "(none)".to_string(), |s| s.to_string()),
                    r.signer_fingerprint
                        .as_deref()
                        .map_or_else(String::new, |f| format!(", signed with anonymous key {f}")),
                );
                for w in &r.warnings {
                    eprintln!("annals: warning: {w}");
                }
            }
        }
        Command::Cdxj { files } => {
            let mut all = Vec::new();
            let mut errors = Vec::new();
            for f in files {
                let file = std::fs::File::open(f).with_context(|| format!("{}", f.display()))?;
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let (lines, err) =
                    annals_archive::index_file(BufReader::with_capacity(1 << 20, file), &name);
                all.extend(lines);
                if let Some(e) = err {
                    errors.push(format!("{}: {e}", f.display()));
                }
            }
            // `cdxj-indexer -s` sorts by code point (= UTF-8 bytes) and drops repeated lines.
            all.sort_unstable();
            all.dedup();
            write_lines(Path::new("-"), &all)?;
            if !errors.is_empty() {
                bail!(
                    "{} (lines for the records before it were printed)",
                    errors.join("; ")
                );
            }
        }
        Command::Reindex => {
            let dir = data_dir(&cli)?;
            let total: u64 = std::fs::read_dir(dir.join(annals_archive::WARC_DIR))
                .map_err(|e| {
                    ArchiveError::NotInitialised(dir.clone()).to_string() + &format!(" ({e})")
                })
                .map_err(anyhow::Error::msg)?
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum();
            let pb = bar(&cli, total, "reindex");
            let progress = |done: u64, _t: u64| pb.set_position(done);
            let archive = Archive::reindex(&dir, ArchiveOptions::default(), &progress).await?;
            pb.finish_and_clear();
            let n = archive.store().count().await?;
            // Observations and events are derived from the archived responses too.
            let config = annals_observer::FileConfig::load(archive.root())?;
            let mut observer = annals_observer::Observer::new(
                archive,
                config,
                std::sync::Arc::new(annals_observer::SystemClock),
            );
            let pb = bar(&cli, n, "observations");
            pb.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} records eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            let progress = |done: u64, total: u64| {
                pb.set_length(total);
                pb.set_position(done);
            };
            let derived = observer.catch_up(Some(&progress)).await?;
            pb.finish_and_clear();
            let archive = observer.into_archive();
            // The search index is derived from those rows: the next search rebuilds it.
            search::forget(archive.root())?;
            if !cli.quiet && (derived.watches > 0 || derived.observations > 0) {
                eprintln!(
                    "annals: derived {} watched items, {} observations and {} events",
                    derived.watches, derived.observations, derived.events
                );
            }
            if !cli.quiet {
                eprintln!(
                    "annals: index rebuilt: {n} records in {} WARC files",
                    archive.warc_files()?.len()
                );
            }
        }
        Command::Ledger(args::Ledger::Status { json }) => {
            let archive = open(&cli, false).await?;
            let st = archive.ledger_status().await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&st)?);
            } else {
                println!("origin:          {}", st.origin);
                println!("tree size:       {}", st.size);
                println!("root hash:       {}", st.root);
                match st.last_checkpoint_size {
                    Some(n) => println!(
                        "last checkpoint: tree size {n}{}",
                        if n == st.size { " (current)" } else { "" }
                    ),
                    None => println!("last checkpoint: none yet (annals ledger checkpoint)"),
                }
                println!("verifier key:    {}", st.verifier_key);
            }
        }
        Command::Ledger(args::Ledger::Checkpoint) => {
            let archive = open(&cli, false).await?;
            let r = archive.checkpoint_report().await?;
            print!("{}", r.note);
            if !cli.quiet {
                eprintln!(
                    "annals: {} checkpoint {} ({} tile files written to ledger/tile/)",
                    if r.signed {
                        "signed"
                    } else {
                        "unchanged since"
                    },
                    r.size,
                    r.tiles_written
                );
                if let Some(t) = &r.timestamp {
                    eprintln!(
                        "annals: time-stamped by the TSA at {} ({})",
                        t.gen_time, t.file
                    );
                }
            }
            if let Some(e) = &r.timestamp_error {
                eprintln!(
                    "annals: warning: checkpoint {} has no time-stamp: {e}",
                    r.size
                );
            }
        }
        Command::Verify { full, json } => {
            let archive = open(&cli, false).await?;
            let total: u64 = std::fs::read_dir(archive.root().join(annals_archive::WARC_DIR))
                .map(|rd| {
                    rd.filter_map(|e| e.ok()?.metadata().ok())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0);
            let pb = bar(&cli, total, "verify");
            let started = std::time::Instant::now();
            let progress = |done: u64, _t: u64| pb.set_position(done);
            let report = archive.verify(*full, &progress).await?;
            pb.finish_and_clear();
            let secs = started.elapsed().as_secs_f64().max(1e-6);
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for f in &report.findings {
                    println!("{}: {}", f.kind, f.message);
                }
                for t in &report.timestamps {
                    println!(
                        "timestamp: checkpoint {} stamped by the TSA at {} ({})",
                        t.size, t.gen_time, t.file
                    );
                }
                println!(
                    "{} records ({:.1} MB) and {} checkpoints checked in {secs:.2} s ({:.0} MB/s): {}",
                    report.records,
                    report.bytes as f64 / 1e6,
                    report.checkpoints,
                    report.bytes as f64 / 1e6 / secs,
                    if report.findings.is_empty() {
                        "all good".to_string()
                    } else {
                        format!("{} problems", report.findings.len())
                    }
                );
            }
            if !report.findings.is_empty() {
                bail!("verification found {} problems", report.findings.len());
            }
        }
        Command::Prove { url, at, output } => {
            let archive = open(&cli, false).await?;
            let at = time_arg(at, "--at")?;
            let bundle = archive.prove(url, at).await?;
            let text = serde_json::to_string_pretty(&bundle)?;
            write_lines(output, &[text])?;
        }
        Command::VerifyProof { proof, key, json } => {
            let text =
                std::fs::read_to_string(proof).with_context(|| format!("{}", proof.display()))?;
            let bundle: annals_archive::ProofBundle = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a proof bundle", proof.display()))?;
            let key_text = match key {
                Some(k) => {
                    Some(std::fs::read_to_string(k).with_context(|| format!("{}", k.display()))?)
                }
                None => None,
            };
            match annals_archive::verify_bundle(&bundle, key_text.as_deref()) {
                Ok(s) => {
                    if *json {
                        println!("{}", serde_json::to_string_pretty(&s)?);
                    } else {
                        println!(
                            "valid: {} captured {} is entry of log {} (tree size {}){}",
                            s.url.as_deref().unwrap_or("(no URL)"),
                            s.date,
                            s.origin,
                            s.tree_size,
                            if s.key_from_outside {
                                ", signed by the given key"
                            } else {
                                "; signed by the key inside the bundle: pass --key with the archivist's published key to prove who signed"
                            }
                        );
                    }
                }
                Err(why) => bail!("{}: invalid proof: {why}", proof.display()),
            }
        }
        Command::Simulate {
            port,
            items,
            speed,
            seed,
            truth,
            run_for,
            publish_window,
        } => {
            let window = observe::parse_duration(publish_window)?.max(1.0) as u64;
            let defaults = annals_simulator::SimConfig::default();
            let cfg = annals_simulator::SimConfig {
                seed: *seed,
                items: *items,
                publish_window_s: window,
                duration_s: defaults.duration_s.max(window + 2 * 86_400),
                ..defaults
            };
            let world = std::sync::Arc::new(annals_simulator::World::new(cfg)?);
            let clock = std::sync::Arc::new(annals_simulator::RealClock::new(0, *speed));
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], *port));
            let (local, handle) =
                annals_simulator::serve_world(addr, world.clone(), clock.clone()).await?;
            println!("http://{local}");
            eprintln!(
                "annals: simulating {items} items at {speed}x on http://{local} (item URLs: /_sim/items, ground truth: /_sim/truth); Ctrl-C stops"
            );
            match run_for {
                Some(secs) => tokio::time::sleep(std::time::Duration::from_secs(*secs)).await,
                None => tokio::signal::ctrl_c().await?,
            }
            handle.shutdown().await?;
            if let Some(path) = truth {
                use annals_simulator::Clock as _;
                let now = clock.now();
                world.write_truth(path, now)?;
                eprintln!(
                    "annals: ground truth up to simulated second {now} written to {}",
                    path.display()
                );
            }
        }
        Command::Watch(w) => observe::watch(&cli, w).await?,
        Command::Seed(sd) => observe::seed(&cli, sd).await?,
        Command::Run(r) => observe::run(&cli, r).await?,
        Command::ImportTable(a) => import_table::import_table(&cli, a).await?,
        Command::Search(a) => search::search(&cli, a).await?,
        Command::Serve(a) => observe::serve(&cli, a).await?,
        Command::Trend(a) => understand::trend(&cli, a).await?,
        Command::Report(args::ReportCmd::Deletions(a)) => {
            understand::report_deletions(&cli, a).await?
        }
        Command::Report(args::ReportCmd::Metrics(a)) => understand::report_metrics(&cli, a).await?,
        Command::Report(args::ReportCmd::Html {
            dir,
            list,
            utc_offset,
        }) => understand::report_html(&cli, dir, list.as_deref(), utc_offset).await?,
        Command::Item { key, json } => observe::item(&cli, key, *json).await?,
        Command::Events { since, kind, json } => {
            let since = time_arg(since, "--since")?;
            observe::events(&cli, since, kind, *json).await?
        }
        Command::Demo {
            items,
            minutes,
            speed,
        } => observe::demo(&cli, *items, *minutes, *speed).await?,
        Command::Bench(args::Bench::Warc(b)) => bench::warc(b, cli.quiet)?,
        Command::Bench(args::Bench::Observe(b)) => bench::observe::observe(b, cli.quiet)?,
        Command::Bench(args::Bench::Ledger(b)) => bench::ledger::ledger(b, cli.quiet).await?,
        Command::Bench(args::Bench::Wacz(b)) => bench::wacz::wacz(b, cli.quiet)?,
        Command::Bench(args::Bench::Search(b)) => bench::search::search(b, cli.quiet)?,
        Command::Bench(args::Bench::Web(b)) => bench::web::web(b, cli.quiet).await?,
        Command::User(u) => user::user(&cli, u).await?,
    }
    Ok(())
}

fn write_lines(out: &Path, lines: &[String]) -> Result<()> {
    if out == Path::new("-") {
        let mut w = io::BufWriter::new(io::stdout().lock());
        for l in lines {
            w.write_all(l.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        return Ok(());
    }
    let tmp = out.with_extension("partial");
    {
        let f = std::fs::File::create(&tmp).with_context(|| format!("{}", tmp.display()))?;
        let mut w = io::BufWriter::new(f);
        for l in lines {
            w.write_all(l.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush().with_context(|| format!("{}", tmp.display()))?;
    }
    std::fs::rename(&tmp, out).with_context(|| format!("{}", out.display()))?;
    Ok(())
}

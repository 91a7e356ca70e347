//! The observer's commands: `watch`, `seed`, `run`, `item`, `events`, `demo`.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use annals_archive::{Archive, ArchiveOptions};
use annals_observer::{
    Clock, FileConfig, Observer, RunOptions, RunReport, ScaledClock, SystemClock, WatchOutcome,
};
use annals_store::{EventFilter, EventInfo, WatchInfo};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::args::{Cli, RunArgs, Seed, Watch, WatchOpts};

/// RFC 3339 UTC of unix seconds, to the second (`2026-07-24T08:00:00Z`): the index keeps
/// whole seconds, so a fraction would claim a precision it does not have.
pub fn rfc3339(t: i64) -> String {
    annals_warc::WarcDate {
        unix: t,
        nanos: 0,
        fraction_digits: 0,
    }
    .to_rfc3339()
}

/// When an item is due next; imported items never are.
fn due_time(t: i64) -> String {
    if t == i64::MAX {
        "never".to_string()
    } else {
        rfc3339(t)
    }
}

fn opt_time(t: Option<i64>) -> String {
    t.map_or_else(|| "-".to_string(), rfc3339)
}

async fn observer(cli: &Cli, clock: Arc<dyn Clock>) -> Result<Observer> {
    let archive = crate::open(cli, true).await?;
    let config = FileConfig::load(archive.root())?;
    Ok(Observer::new(archive, config, clock))
}

fn print_outcomes(cli: &Cli, outcomes: &[WatchOutcome], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    let mut failed = 0;
    for o in outcomes {
        if json {
            serde_json::to_writer(&mut out, o)?;
            writeln!(out)?;
            continue;
        }
        match (&o.error, &o.url) {
            (Some(e), _) => {
                failed += 1;
                eprintln!("annals: cannot watch {:?}: {e}", o.input);
            }
            (None, Some(url)) => writeln!(
                out,
                "{}\t{}\t{}",
                if o.added { "added" } else { "known" },
                o.platform.as_deref().unwrap_or("-"),
                url
            )?,
            (None, None) => {}
        }
    }
    if !cli.quiet && !json {
        let added = outcomes.iter().filter(|o| o.added).count();
        eprintln!(
            "annals: {added} new, {} already watched, {failed} not understood; `annals run` observes them",
            outcomes.len() - added - failed
        );
    }
    if failed > 0 && failed == outcomes.len() {
        bail!("nothing to watch");
    }
    Ok(())
}

/// URLs from a file: one per line (`#` comments), or a CSV whose header has a `url` column.
pub fn read_url_file(path: &Path) -> Result<Vec<String>> {
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        Box::new(io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        ))
    };
    let mut lines = Vec::new();
    for l in reader.lines() {
        lines.push(l.with_context(|| format!("cannot read {}", path.display()))?);
    }
    let first = lines
        .iter()
        .find(|l| !l.trim().is_empty())
        .cloned()
        .unwrap_or_default();
    let header: Vec<String> = split_csv(&first)
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if let Some(col) = header.iter().position(|h| h == "url") {
        let mut urls = Vec::new();
        for l in lines.iter().skip_while(|l| l.trim().is_empty()).skip(1) {
            if let Some(v) = split_csv(l).get(col).map(|v| v.trim().to_string())
                && !v.is_empty()
            {
                urls.push(v);
            }
        }
        return Ok(urls);
    }
    Ok(lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Splits one CSV line (RFC 4180 quotes; no embedded newlines).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

pub async fn watch(cli: &Cli, cmd: &Watch) -> Result<()> {
    match cmd {
        Watch::Add { urls, opts } => watch_add(cli, urls, opts, false).await,
        Watch::Import { file, opts } => {
            let urls = read_url_file(file)?;
            if urls.is_empty() {
                bail!("{} has no URLs", file.display());
            }
            watch_add(cli, &urls, opts, false).await
        }
        Watch::Pause { items } => watch_pause(cli, items, true).await,
        Watch::Resume { items } => watch_pause(cli, items, false).await,
        Watch::Policy { list, policy } => {
            let mut obs = observer(cli, Arc::new(SystemClock)).await?;
            let n = obs.set_list_policy(list, policy).await?;
            if !cli.quiet {
                eprintln!(
                    "annals: list {list:?} now has policy {policy:?} ({n} items now; items added later get it too)"
                );
            }
            Ok(())
        }
        Watch::Ls { list, json } => {
            let archive = crate::open(cli, false).await?;
            let items = archive.store().watch_list(list.as_deref(), None).await?;
            print_items(&items, *json)
        }
    }
}

async fn watch_pause(cli: &Cli, items: &[String], paused: bool) -> Result<()> {
    let mut obs = observer(cli, Arc::new(SystemClock)).await?;
    let found = obs.archive().store().watch_find_ids(items).await?;
    let unknown: Vec<&str> = items
        .iter()
        .zip(&found)
        .filter(|(_, id)| id.is_none())
        .map(|(k, _)| k.as_str())
        .collect();
    if !unknown.is_empty() {
        bail!(
            "not watched: {} (annals watch ls shows the items)",
            unknown.join(", ")
        );
    }
    let ids: Vec<i64> = found.into_iter().flatten().collect();
    let n = obs.set_paused(&ids, paused).await?;
    if !cli.quiet {
        eprintln!(
            "annals: {} {n} item{}",
            if paused { "paused" } else { "resumed" },
            if n == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

async fn watch_add(cli: &Cli, urls: &[String], opts: &WatchOpts, seed: bool) -> Result<()> {
    let mut obs = observer(cli, Arc::new(SystemClock)).await?;
    let outcomes = obs
        .watch(urls, &opts.list, opts.policy.as_deref(), seed)
        .await?;
    print_outcomes(cli, &outcomes, opts.json)
}

fn print_items(items: &[WatchInfo], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        for i in items {
            serde_json::to_writer(&mut out, i)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    writeln!(out, "ID\tLIST\tSTATE\tOBS\tLAST SEEN LIVE\tNEXT DUE\tURL")?;
    for i in items {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            i.item_id,
            i.list,
            i.state.as_deref().unwrap_or("new"),
            i.observations,
            opt_time(i.last_seen_live),
            if i.paused {
                "paused".into()
            } else {
                due_time(i.next_due)
            },
            i.url
        )?;
    }
    Ok(())
}

pub async fn seed(cli: &Cli, cmd: &Seed) -> Result<()> {
    let Seed::Add { kind, target, opts } = cmd;
    // The same mapping as the web UI's "Add a seed".
    let input = annals_observer::seed_input(kind, target)?;
    watch_add(cli, &[input], opts, true).await
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM (a service manager stopping annals): the observer then
/// finishes its fetches in flight, archives them and signs a checkpoint.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Parses `90s`, `30m`, `6h`, `2d` or bare seconds.
pub fn parse_duration(text: &str) -> Result<f64> {
    annals_schedule::parse_secs(text)
        .map(|s| s as f64)
        .with_context(|| format!("{text:?} is not a duration: use e.g. 90s, 30m, 6h or 2d"))
}

/// The simulator's clock and speed, from `/_sim/now`.
async fn simulator_clock(url: &str) -> Result<ScaledClock> {
    #[derive(serde::Deserialize)]
    struct Now {
        unix: i64,
        unix_precise: Option<f64>,
        speed: Option<f64>,
    }
    let base = url.trim_end_matches('/');
    let asked = std::time::Instant::now();
    let body = reqwest::get(format!("{base}/_sim/now"))
        .await
        .with_context(|| format!("cannot reach the simulator at {base}"))?
        .bytes()
        .await
        .with_context(|| format!("cannot read {base}/_sim/now"))?;
    let half_trip = asked.elapsed().as_secs_f64() / 2.0;
    let now: Now = serde_json::from_slice(&body)
        .with_context(|| format!("{base}/_sim/now is not a simulator's clock"))?;
    // A simulator on a hand-driven clock reports speed 0: run in real time beside it.
    let speed = now.speed.filter(|s| *s > 0.0).unwrap_or(1.0);
    // The answer is half a round trip old by the time it arrives.
    let unix = now.unix_precise.unwrap_or(now.unix as f64) + half_trip * speed;
    Ok(ScaledClock::new(unix, speed))
}

/// Points the three platforms' API base URLs at a simulator's origin.
pub fn simulator_endpoints(cfg: &mut FileConfig, origin: &str) {
    for platform in [
        "https://api.bilibili.com",
        "https://www.zhihu.com",
        "https://m.weibo.cn",
    ] {
        cfg.observer.endpoints.insert(
            platform.to_string(),
            origin.trim_end_matches('/').to_string(),
        );
    }
}

/// Polls the simulator's publication feed and sends new item URLs to the observer.
fn spawn_sim_discovery(
    origin: String,
    clock: Arc<dyn Clock>,
    every_sim_s: f64,
) -> mpsc::Receiver<(Vec<String>, String)> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut seen = HashSet::new();
        let client = reqwest::Client::new();
        loop {
            if let Ok(resp) = client.get(format!("{origin}/_sim/items")).send().await
                && let Ok(text) = resp.text().await
            {
                let fresh: Vec<String> = text
                    .lines()
                    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                    .filter_map(|v| v.get("url").and_then(|u| u.as_str()).map(str::to_string))
                    .filter(|u| seen.insert(u.clone()))
                    .collect();
                if !fresh.is_empty() && tx.send((fresh, "simulated".into())).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(clock.real(every_sim_s).max(Duration::from_millis(50))).await;
        }
    });
    rx
}

pub async fn run(cli: &Cli, args: &RunArgs) -> Result<()> {
    // The web server's policy is checked before anything starts.
    let auth = args
        .bind
        .map(|bind| web_auth(cli, bind, args.public))
        .transpose()?;
    let clock: Arc<dyn Clock> = match &args.simulator {
        Some(url) => Arc::new(simulator_clock(url).await?),
        None => Arc::new(SystemClock),
    };
    let mut obs = observer(cli, clock.clone()).await?;
    let mut discover = None;
    if let Some(url) = &args.simulator {
        let origin = url.trim_end_matches('/').to_string();
        let mut cfg = obs.config().clone();
        simulator_endpoints(&mut cfg, &origin);
        obs = Observer::new(obs.into_archive(), cfg, clock.clone());
        discover = Some(spawn_sim_discovery(origin, clock.clone(), 30.0));
    }
    let opts = RunOptions {
        workers: args.workers,
        budget: args.budget.clone(),
        run_for: args.run_for.as_deref().map(parse_duration).transpose()?,
        checkpoint_every: Some(Duration::from_secs_f64(
            parse_duration(&obs.config().observer.checkpoint_every)?.max(0.0),
        ))
        .filter(|d| !d.is_zero()),
        status_every: (args.status_every > 0 && !cli.quiet)
            .then(|| Duration::from_secs(args.status_every)),
        ..RunOptions::default()
    };
    if !cli.quiet {
        let q = obs.archive().store().queue_stats(clock.now()).await?;
        eprintln!(
            "annals: observing {} items ({}{} due now) in {}; Ctrl-C stops cleanly",
            q.items,
            if q.due_at_least { "at least " } else { "" },
            q.due,
            obs.archive().root().display()
        );
        if q.items == 0 && args.simulator.is_none() {
            eprintln!(
                "annals: nothing is watched yet: add items with `annals watch add URL...` (or `annals demo` for a tour); waiting for some"
            );
        }
    }
    // One stop for both the observer and the web server: Ctrl-C, SIGTERM, or the end of --for.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let signal = {
        let stop = stop.clone();
        tokio::spawn(async move {
            stop_signal().await;
            let _ = stop.send(true);
        })
    };
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut desk_queue = None;
    let server = match (args.bind, auth) {
        (Some(bind), Some(auth)) => {
            let (desk, queue) = annals_observer::WatchDesk::new();
            desk_queue = Some(queue);
            let state = annals_web::AppState::beside(
                obs.archive().reader(),
                clock.clone(),
                desk,
                args.public,
            );
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind}"))?;
            let addr = listener.local_addr()?;
            // Printed even with --quiet: it is what the user asked for (and what scripts read).
            eprintln!(
                "annals: serving http://{addr}/{} while observing",
                if args.public { " (read-only)" } else { "" }
            );
            let app = annals_web::app_with(state, Some(auth));
            let shutdown = until_stopped(stopped.clone());
            Some(tokio::spawn(async move {
                annals_web::serve(listener, app, shutdown).await
            }))
        }
        _ => None,
    };
    let indexer = crate::search::keep_up(obs.archive().root().to_path_buf());
    let report = obs
        .run_with(opts, discover, desk_queue, until_stopped(stopped.clone()))
        .await;
    let _ = stop.send(true);
    signal.abort();
    indexer.abort();
    let _ = indexer.await;
    if let Some(server) = server {
        match server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("annals: the web server failed: {e}"),
            Err(e) => eprintln!("annals: the web server failed: {e}"),
        }
    }
    let report = report?;
    // The search index ends where the archive does.
    match crate::search::open_index(obs.archive().root()) {
        Ok(index) => {
            if let Err(e) = crate::search::catch_up(obs.archive().store(), &index, None).await {
                eprintln!("annals: the search index is behind ({e}); the next search catches up");
            }
        }
        Err(e) => eprintln!("annals: the search index is behind ({e}); the next search catches up"),
    }
    print_report(cli, &report, args.json)
}

fn print_report(cli: &Cli, r: &RunReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(r)?);
    } else if !cli.quiet {
        eprintln!(
            "annals: stopped after {:.1} s: {} observations ({:.0}/s), {} requests, {} events ({} disappearances), {} blocked, {} errors, {} items discovered, {} checkpoints",
            r.seconds,
            r.status.observations,
            r.obs_per_s,
            r.status.requests,
            r.status.events,
            r.status.disappearances,
            r.status.blocked,
            r.status.errors,
            r.status.discovered,
            r.status.checkpoints
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct ItemView {
    item: WatchInfo,
    observations: Vec<annals_store::ObservationRow>,
    contents: Vec<annals_store::ContentRow>,
    events: Vec<EventInfo>,
}

pub async fn item(cli: &Cli, key: &str, json: bool) -> Result<()> {
    let archive = crate::open(cli, false).await?;
    let store = archive.store();
    let info = match store.watch_find(key).await? {
        Some(i) => Some(i),
        None => match annals_platforms::ItemRef::parse(key) {
            Ok(r) => store.watch_find(&r.canonical_url).await?,
            Err(_) => None,
        },
    };
    let Some(info) = info else {
        bail!("{key:?} is not a watched item (see `annals watch ls`)");
    };
    let view = ItemView {
        observations: store.observations(info.item_id).await?,
        contents: store.contents(info.item_id).await?,
        events: store
            .events(&EventFilter {
                item_id: Some(info.item_id),
                ..EventFilter::default()
            })
            .await?,
        item: info,
    };
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &view)?;
        writeln!(out)?;
        return Ok(());
    }
    let i = &view.item;
    writeln!(
        out,
        "{}  ({} {}, item {})",
        i.url, i.platform, i.kind, i.item_id
    )?;
    writeln!(
        out,
        "state {}; list {}, policy {}; {} observations; last seen live {}; next due {}",
        i.state.as_deref().unwrap_or("new"),
        i.list,
        i.policy,
        i.observations,
        opt_time(i.last_seen_live),
        due_time(i.next_due)
    )?;
    if !view.events.is_empty() {
        writeln!(out, "\nEVENTS")?;
        for e in &view.events {
            writeln!(out, "  {}", event_line(e))?;
        }
    }
    if !view.contents.is_empty() {
        writeln!(out, "\nCONTENT VERSIONS")?;
        for c in &view.contents {
            writeln!(
                out,
                "  {}  {}  {}",
                rfc3339(c.first_seen),
                &c.content_hash[..c.content_hash.len().min(19)],
                c.title.as_deref().unwrap_or("(no title)")
            )?;
        }
    }
    if !view.observations.is_empty() {
        writeln!(out, "\nOBSERVATIONS (time, state, code, metrics)")?;
        for o in &view.observations {
            writeln!(
                out,
                "  {}  {}  {}  {}",
                rfc3339(o.observed_at),
                o.state,
                o.code.as_deref().unwrap_or("-"),
                o.metrics.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(())
}

fn event_line(e: &EventInfo) -> String {
    let ev = &e.event;
    let mut s = format!(
        "{}  {:<12} {:<22} {}",
        rfc3339(ev.at),
        ev.kind,
        ev.state.as_deref().unwrap_or("-"),
        e.url
    );
    if let (Some(live), Some(gone)) = (ev.last_seen_live, ev.first_seen_gone) {
        s.push_str(&format!(
            "  (after {}, by {})",
            rfc3339(live),
            rfc3339(gone)
        ));
    }
    s
}

pub async fn events(cli: &Cli, since: Option<i64>, kinds: &[String], json: bool) -> Result<()> {
    let archive = crate::open(cli, false).await?;
    let kinds: Vec<String> = kinds
        .iter()
        .map(|k| {
            if k == "gone" {
                "disappeared".to_string()
            } else {
                k.clone()
            }
        })
        .collect();
    let known = [
        "appeared",
        "edited",
        "restricted",
        "unrestricted",
        "disappeared",
        "reappeared",
        "reclassified",
        "ghost",
    ];
    if let Some(k) = kinds.iter().find(|k| !known.contains(&k.as_str())) {
        bail!(
            "unknown event kind {k:?}: use one of gone, {}",
            known.join(", ")
        );
    }
    let events = archive
        .store()
        .events(&EventFilter {
            since,
            kinds,
            ..EventFilter::default()
        })
        .await?;
    let mut out = io::stdout().lock();
    for e in &events {
        if json {
            let mut v = serde_json::to_value(e)?;
            if let Some(d) = v
                .get("detail")
                .and_then(|d| d.as_str())
                .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            {
                v["detail"] = d;
            }
            serde_json::to_writer(&mut out, &v)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", event_line(e))?;
        }
    }
    Ok(())
}

/// Detected disappearances against the simulator's ground truth.
#[derive(Debug, Default, Serialize)]
pub struct Comparison {
    /// True disappearances of watched items, confirmable before the end.
    pub true_disappearances: usize,
    /// Of those, detected.
    pub detected: usize,
    /// Not detected.
    pub missed: usize,
    /// Disappearance events with no true disappearance behind them.
    pub false_disappearances: usize,
    /// Detected with the true reason.
    pub reason_correct: usize,
    /// Median of first_seen_gone − true time, seconds.
    pub median_latency_s: Option<f64>,
    /// 90th percentile.
    pub p90_latency_s: Option<f64>,
}

/// Compares the archive's disappearance events with the truth (JSONL of the simulator).
/// Disappearances within `grace` seconds of `end` are not counted as missed.
pub async fn compare(
    archive: &Archive,
    truth: &[annals_simulator::TruthEvent],
    end: i64,
    grace: i64,
) -> Result<Comparison> {
    use annals_simulator::TruthKind;
    let store = archive.store();
    let items: HashMap<i64, WatchInfo> = store
        .watch_list(None, None)
        .await?
        .into_iter()
        .map(|i| (i.item_id, i))
        .collect();
    // Platform items join the truth on their native id, web pages on their path.
    let by_key: HashMap<(String, String), i64> = items
        .values()
        .map(|i| {
            let k = if i.platform == "web" {
                i.url
                    .splitn(4, '/')
                    .nth(3)
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default()
            } else {
                i.native_id.clone()
            };
            ((i.platform.clone(), k), i.item_id)
        })
        .collect();
    // Per item: time-ordered true state changes (unix, disappearance?, observed_as).
    let mut changes: HashMap<i64, Vec<(i64, bool, String)>> = HashMap::new();
    for t in truth {
        let (
            Some(id),
            TruthKind::StateChange {
                disappearance,
                observed_as,
                ..
            },
        ) = (
            if t.platform == "web" {
                t.path.clone()
            } else {
                t.native_id.clone()
            }
            .and_then(|n| by_key.get(&(t.platform.clone(), n))),
            &t.kind,
        )
        else {
            continue;
        };
        changes
            .entry(*id)
            .or_default()
            .push((t.unix, *disappearance, observed_as.clone()));
    }
    let events = store
        .events(&EventFilter {
            kinds: vec!["disappeared".into()],
            ..EventFilter::default()
        })
        .await?;
    let mut c = Comparison::default();
    let mut latencies = Vec::new();
    let mut detected: HashSet<(i64, i64)> = HashSet::new();
    for e in &events {
        let ev = &e.event;
        let gone_at = ev.first_seen_gone.unwrap_or(ev.at);
        let truth_now = changes
            .get(&ev.item_id)
            .and_then(|ch| ch.iter().rev().find(|(t, _, _)| *t <= gone_at));
        match truth_now {
            Some((t, true, observed_as)) => {
                if detected.insert((ev.item_id, *t)) {
                    latencies.push((gone_at - t) as f64);
                    if ev.state.as_deref() == Some(observed_as.as_str()) {
                        c.reason_correct += 1;
                    }
                }
            }
            _ => c.false_disappearances += 1,
        }
    }
    for (id, ch) in &changes {
        let item = &items[id];
        for (t, disappearance, _) in ch {
            if !disappearance || *t < item.added_at || *t > end - grace {
                continue;
            }
            c.true_disappearances += 1;
            if detected.contains(&(*id, *t)) {
                c.detected += 1;
            } else {
                c.missed += 1;
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let q = |p: f64| {
        (!latencies.is_empty())
            .then(|| latencies[((latencies.len() - 1) as f64 * p).round() as usize])
    };
    c.median_latency_s = q(0.5);
    c.p90_latency_s = q(0.9);
    Ok(c)
}

pub async fn demo(cli: &Cli, items: usize, minutes: f64, speed: f64) -> Result<()> {
    use annals_simulator::{Clock as _, RealClock, SimConfig, World};
    let dir = match &cli.data {
        Some(d) => d.clone(),
        None => crate::data_dir(cli)?.with_file_name("annals-demo"),
    };
    let marker = dir.join("DEMO");
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    {
        if !marker.exists() {
            bail!(
                "{} is not empty and not a demo directory: pass --data with a new directory",
                dir.display()
            );
        }
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    let archive = Archive::init(&dir, ArchiveOptions::default()).await?;
    std::fs::write(
        &marker,
        "annals demo data directory: `annals demo` recreates it.\n",
    )?;
    // Publish over the first half of the simulated run, so most items are seen young.
    let window = ((minutes * 60.0 * speed) / 2.0).max(600.0) as u64;
    let world = Arc::new(World::new(SimConfig {
        items,
        publish_window_s: window,
        ..SimConfig::default()
    })?);
    let sim_clock = Arc::new(RealClock::new(0, speed));
    let (addr, handle) = annals_simulator::serve_world(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        world.clone(),
        sim_clock.clone(),
    )
    .await?;
    let origin = format!("http://{addr}");
    let clock: Arc<dyn Clock> = Arc::new(ScaledClock::new(world.unix(0) as f64, speed));
    let mut cfg = FileConfig::load(&dir)?;
    simulator_endpoints(&mut cfg, &origin);
    cfg.observer.budget = "600/min".into();
    cfg.observer.host_budget = "300/min".into();
    archive.checkpoint().await.ok();
    let mut obs = Observer::new(archive, cfg, clock.clone());
    let discover = spawn_sim_discovery(origin.clone(), clock.clone(), 30.0);
    if !cli.quiet {
        eprintln!(
            "annals demo: a simulated platform on {origin} publishes {items} items (Bilibili, Zhihu, Weibo, web pages)\n\
             and deletes, hides and region-locks some; annals watches them at {speed}× for {minutes} real minute(s),\n\
             600 requests per simulated minute. Data: {}",
            dir.display()
        );
    }
    let opts = RunOptions {
        run_for: Some(minutes * 60.0 * speed),
        status_every: (!cli.quiet).then(|| Duration::from_secs(10)),
        ..RunOptions::default()
    };
    let shutdown = stop_signal();
    let report = obs.run(opts, Some(discover), shutdown).await?;
    let end = sim_clock.now();
    handle.shutdown().await?;
    let truth_path = dir.join("truth.jsonl");
    world.write_truth(&truth_path, end)?;
    let truth = world.truth_until(end).to_vec();
    // A deletion cannot be confirmed before its confirming span (plus a re-check) has passed:
    // the last ones of the run are not counted as missed.
    let grace = obs.config().observer.timeline().min_span_secs + 300;
    let archive = obs.into_archive();
    let cmp = compare(&archive, &truth, world.unix(end), grace).await?;
    print_report(cli, &report, false)?;
    let show = |v: Option<f64>| v.map_or("-".to_string(), |s| format!("{:.1} min", s / 60.0));
    println!(
        "Simulated {:.1} hours. Against the ground truth ({}), deletions of the last {} minutes (still being confirmed) left out:\n  true disappearances of watched items: {}\n  detected: {} (median delay {}, p90 {}), missed: {}\n  false disappearances: {}\n  reason right: {} of {}",
        end as f64 / 3600.0,
        truth_path.display(),
        grace / 60,
        cmp.true_disappearances,
        cmp.detected,
        show(cmp.median_latency_s),
        show(cmp.p90_latency_s),
        cmp.missed,
        cmp.false_disappearances,
        cmp.reason_correct,
        cmp.detected
    );
    let data = dir.display();
    println!(
        "\nLook at it:\n  annals --data {data} events --kind gone     # the disappearance feed\n  annals --data {data} watch ls               # every item, its state and next check\n  annals --data {data} item ITEM_ID           # one item: events, versions, metric series\n  annals --data {data} report deletions       # survival, latency, hour of day\n  annals --data {data} search 'TEXT'          # full-text search of every version\n  annals --data {data} records | head         # the WARC records behind all of it\n  annals --data {data} verify                 # the tamper-evident ledger"
    );
    Ok(())
}

/// Who may serve where: loopback without accounts needs no login; accounts make every page ask
/// for one; another address is refused until an account exists (`annals user add`).
fn web_auth(
    cli: &Cli,
    bind: std::net::SocketAddr,
    public: bool,
) -> Result<Arc<annals_web_auth::Auth>> {
    let users = annals_web_auth::Users::load(&crate::data_dir(cli)?)
        .context("cannot read the accounts (DATA/users.json)")?;
    let mode = annals_web_auth::bind_policy(bind, &users, public)?;
    Ok(annals_web_auth::Auth::with_config(
        users,
        mode,
        annals_web_auth::AuthConfig::default(),
    ))
}

/// `annals serve`: the web UI and API over the archive, until Ctrl-C.
pub async fn serve(cli: &Cli, args: &crate::args::ServeArgs) -> Result<()> {
    let auth = web_auth(cli, args.bind, args.public)?;
    let obs = match observer(cli, Arc::new(SystemClock)).await {
        Ok(o) => o,
        Err(e)
            if matches!(
                e.downcast_ref::<annals_archive::ArchiveError>(),
                Some(annals_archive::ArchiveError::Locked(_))
            ) =>
        {
            bail!(
                "{e}: `annals run` is observing it; stop it, or serve from the observer itself with `annals run --bind {}`",
                args.bind
            )
        }
        Err(e) => return Err(e),
    };
    let state = if args.public {
        annals_web::AppState::public(obs)
    } else {
        annals_web::AppState::new(obs)
    };
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    if !cli.quiet {
        eprintln!(
            "annals: serving http://{}/{}",
            listener.local_addr()?,
            if args.public { " (read-only)" } else { "" }
        );
    }
    annals_web::serve(
        listener,
        annals_web::app_with(state, Some(auth)),
        stop_signal(),
    )
    .await?;
    Ok(())
}

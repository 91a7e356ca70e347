//! `annals bench observe`: the re-observation policy evaluated against the simulator, in
//! process and in simulated time.
//!
//! One deterministic [`World`] (N items published uniformly over the simulated duration, the
//! default fates, blocks, outages, ghost flaps and edits) is observed twice, once with the
//! adaptive policy ([`Policy::standard`]) and once with uniform polling at the same request
//! budget ([`Policy::uniform_for_budget`]: every item every `items · 60 / budget` seconds).
//! Each run drives a real [`Scheduler`] on a hand-moved clock: an item enters the scheduler the
//! second it is published (as a watcher discovering it would), each due item's requests
//! ([`annals_platforms::requests`]) are answered by [`World::respond`] (the simulator's paths
//! are the real ones, so the request URL is passed as is), parsed with
//! [`annals_platforms::parse`] and fed to the item's [`Timeline`], and the outcome goes back to
//! the scheduler (confirming, blocked with `Retry-After`, failed). No HTTP, no disk.
//!
//! The `disappeared` events are then scored against the world's ground truth
//! ([`World::truth`]): detection latency (`first_seen_gone − true change time`), missed and
//! false disappearances, and the accuracy of the reported state. Only true disappearances that
//! happen within the simulated duration are scored; the runs continue for a drain period after
//! it (no new publications) so that the last ones can be detected.
//!
//! The timelines use `annals run`'s defaults (2 confirmations spanning the observer's
//! `confirm_span`) unless overridden.
//!
//! The shell-measured figures of the issue (`obs_per_s`, `rss_mb_1m_items`,
//! `bytes_per_unchanged_observation`) are not computed here: [`ObserveFigures`] carries them,
//! `None` (`null`) unless the shell benchmark (`bench::shell`, `--shell-items`) fills them in.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use annals_model::{GoneReason, Observation, State};
use annals_platforms::{ItemRef, Platform, Response};
use annals_schedule::{
    Budget, ItemId, ItemState as SchedState, Outcome, Policy, PolicyId, Scheduler, SplitMix64,
};
use annals_simulator::{ItemState as TrueState, Presented, SimConfig, TruthKind, World};
use annals_timeline::{Config as TimelineConfig, Event, Phase, Timeline};
use anyhow::{Context, Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::args::BenchObserveArgs;

/// Host the simulated web pages live on (the simulator ignores the host).
const WEB_ORIGIN: &str = "http://sim.annals.invalid";
/// Goal: adaptive median latency at most this share of uniform's.
const GOAL_LATENCY_SHARE: f64 = 1.0 / 3.0;
/// Simulated seconds between progress-bar updates.
const PROGRESS_EVERY_S: i64 = 600;

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct PolicyEvalOptions {
    /// Items in the world.
    pub items: usize,
    /// Request budget, requests per simulated minute, over all hosts (also the per-host limit).
    pub budget_per_min: u32,
    /// World seed.
    pub seed: u64,
    /// Simulated seconds over which items are published and disappearances are scored.
    pub duration_s: u64,
    /// Simulated seconds the observers keep running after `duration_s` (nothing new published).
    pub drain_s: u64,
    /// Consecutive observations confirming a disappearance (the timeline's default is 2).
    pub confirmations: u32,
    /// Minimum seconds between the first and the confirming observation of a disappearance
    /// (the timeline's `min_span_secs`; `None`: what `annals run` uses by default, the
    /// observer's `confirm_span`).
    pub min_span_s: Option<i64>,
    /// Show progress bars on stderr.
    pub progress: bool,
}

impl Default for PolicyEvalOptions {
    fn default() -> Self {
        PolicyEvalOptions {
            items: 10_000,
            budget_per_min: 600,
            seed: 1,
            duration_s: 3 * 86_400,
            drain_s: 2 * 3_600,
            confirmations: TimelineConfig::default().confirmations,
            min_span_s: None,
            progress: false,
        }
    }
}

/// One policy's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRun {
    /// `standard` or `uniform`.
    pub policy: String,
    /// Interval of the uniform policy, seconds (`None` for the adaptive one).
    pub uniform_interval_s: Option<i64>,
    /// Median of `first_seen_gone − true disappearance time` over detected disappearances.
    pub median_latency_s: Option<f64>,
    /// 90th percentile of the same.
    pub p90_latency_s: Option<f64>,
    /// Median of `confirmation (event time) − true disappearance time`.
    pub median_confirmed_s: Option<f64>,
    /// True disappearances within the duration.
    pub true_disappearances: u64,
    /// Of those, matched by a `disappeared` event.
    pub detected_disappearances: u64,
    /// True disappearances with no event by the end of the run.
    pub missed_disappearances: u64,
    /// `disappeared` events with no true disappearance behind them.
    pub false_disappearances: u64,
    /// False disappearances by what the item really showed when the run began (`ghost`, …).
    pub false_by_cause: BTreeMap<String, u64>,
    /// Detected events whose interval starts before the true change (a ghost flap just before
    /// a real deletion): counted as detected, left out of the latency figures.
    pub early_intervals: u64,
    /// Share of detected disappearances whose state is the true state (`gone:author_deleted`
    /// for an author deletion, `under_review`, …); `gone:unknown` counts as wrong. Bounded by
    /// what the platforms reveal: Weibo says nothing about the cause.
    pub reason_accuracy: Option<f64>,
    /// Share of detected disappearances whose state is what the platform's answer signals (the
    /// simulator's `observed_as`): the parsers and the timeline reading the signals right.
    pub signal_accuracy: Option<f64>,
    /// Ghost flaps the timelines recorded (suspicions that did not confirm).
    pub ghosts_recorded: u64,
    /// Requests made.
    pub requests: u64,
    /// Average requests per simulated minute.
    pub requests_per_min: f64,
    /// Most requests in one simulated minute.
    pub peak_requests_per_min: u64,
    /// Observations parsed as `blocked`.
    pub blocked_observations: u64,
    /// Observations parsed as `error`.
    pub error_observations: u64,
}

/// The evaluation: both policies at the same budget, the adaptive one's figures at top level.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyFigures {
    /// Items in the world.
    pub items: usize,
    /// World seed.
    pub seed: u64,
    /// Simulated seconds of publication and scoring.
    pub duration_s: u64,
    /// Simulated seconds run after that.
    pub drain_s: u64,
    /// Confirmations needed per disappearance.
    pub confirmations: u32,
    /// Minimum span of a confirming run, seconds.
    pub min_span_s: i64,
    /// The request budget both policies had, requests per minute.
    pub requests_budget: u32,
    /// The adaptive policy.
    pub adaptive: PolicyRun,
    /// Uniform polling at the same budget.
    pub uniform: PolicyRun,
    /// Adaptive: true disappearances never reported.
    pub missed_disappearances: u64,
    /// Adaptive: reported disappearances that did not happen.
    pub false_disappearances: u64,
    /// Adaptive: share of reported disappearances with the true state.
    pub reason_accuracy: Option<f64>,
    /// Adaptive median latency ÷ uniform median latency (goal ≤ 1/3).
    pub latency_share: Option<f64>,
    /// Wall-clock seconds the evaluation took.
    pub wall_s: f64,
}

/// `annals bench observe --json`: the policy evaluation plus the figures measured on the real
/// shell. Those are `None` (`null`) unless the observer shell's throughput, memory and disk
/// benchmarks filled them in ([`ObserveFigures::from_policy`], then set them).
#[derive(Debug, Clone, Serialize)]
pub struct ObserveFigures {
    /// The simulated-time policy evaluation.
    #[serde(flatten)]
    pub policy: PolicyFigures,
    /// Observations per second end to end (fetch → WARC → parse → DB), simulator answering
    /// instantly.
    pub obs_per_s: Option<f64>,
    /// Resident memory with 1,000,000 scheduled items, MB.
    pub rss_mb_1m_items: Option<f64>,
    /// Bytes on disk per unchanged re-observation.
    pub bytes_per_unchanged_observation: Option<f64>,
    /// The shell measurements in detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell: Option<super::shell::ShellFigures>,
}

impl ObserveFigures {
    /// The policy figures, shell figures not measured yet.
    pub fn from_policy(policy: PolicyFigures) -> Self {
        ObserveFigures {
            policy,
            obs_per_s: None,
            rss_mb_1m_items: None,
            bytes_per_unchanged_observation: None,
            shell: None,
        }
    }
}

/// `annals bench observe`: runs the evaluation and prints a table, or JSON with `--json`.
pub fn observe(args: &BenchObserveArgs, quiet: bool) -> Result<()> {
    let opts = PolicyEvalOptions {
        items: args.items,
        budget_per_min: args.budget,
        seed: args.seed,
        confirmations: args.confirmations,
        min_span_s: args.min_span,
        progress: !quiet,
        ..PolicyEvalOptions::default()
    };
    let mut figures = ObserveFigures::from_policy(evaluate_policies(&opts)?);
    if args.shell_items > 0 {
        let shell = super::shell::measure(args.shell_items, args.rss_items, quiet)?;
        figures.obs_per_s = Some(shell.obs_per_s);
        figures.bytes_per_unchanged_observation = Some(shell.bytes_per_unchanged_observation);
        figures.rss_mb_1m_items = Some(shell.rss_mb);
        figures.shell = Some(shell);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        print_table(&figures);
    }
    Ok(())
}

/// Evaluates the adaptive and the uniform policy at the same budget on one simulated world.
pub fn evaluate_policies(opts: &PolicyEvalOptions) -> Result<PolicyFigures> {
    if opts.items == 0 {
        bail!("--items must be at least 1");
    }
    if opts.items > u32::MAX as usize {
        bail!("--items must fit the scheduler's 32-bit item ids");
    }
    if opts.budget_per_min == 0 {
        bail!("--budget must be at least 1 request per minute");
    }
    if opts.duration_s == 0 {
        bail!("the simulated duration must be positive");
    }
    let started = Instant::now();
    let cfg = SimConfig {
        seed: opts.seed,
        items: opts.items,
        duration_s: opts.duration_s + opts.drain_s,
        publish_window_s: opts.duration_s,
        ..SimConfig::default()
    };
    let world = World::new(cfg).context("cannot build the simulated world")?;
    let setup = Setup::new(&world)?;
    let truth = Truth::from_world(&world, &setup);

    let uniform_policy = Policy::uniform_for_budget(opts.items as u64, opts.budget_per_min);
    let uniform_interval = uniform_policy.tiers.first().map(|t| t.every);
    let runs = [
        ("standard", Policy::standard()),
        ("uniform", uniform_policy),
    ];
    let multi = if opts.progress {
        MultiProgress::with_draw_target(ProgressDrawTarget::stderr())
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    };
    let horizon = (opts.duration_s + opts.drain_s) as i64;
    let bars: Vec<ProgressBar> = runs
        .iter()
        .map(|(name, _)| {
            let bar = multi.add(ProgressBar::new(horizon as u64));
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:>9} [{bar:30}] {percent:>3}% of simulated time, eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(name.to_string());
            bar
        })
        .collect();

    // The two runs are independent: one thread each.
    let results: Vec<Result<Run>> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .zip(&bars)
            .map(|((_, policy), bar)| {
                let (world, setup) = (&world, &setup);
                scope.spawn(move || simulate(world, setup, policy.clone(), opts, horizon, bar))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a simulation thread panicked")))
            })
            .collect()
    });
    for bar in &bars {
        bar.finish_and_clear();
    }
    let mut scored = Vec::new();
    for ((name, _), run) in runs.iter().zip(results) {
        let run = run?;
        scored.push(score(name, &run, &truth, &world, opts));
    }
    let mut uniform = scored.pop().context("uniform run missing")?;
    let adaptive = scored.pop().context("adaptive run missing")?;
    uniform.uniform_interval_s = uniform_interval;
    let latency_share = match (adaptive.median_latency_s, uniform.median_latency_s) {
        (Some(a), Some(u)) if u > 0.0 => Some(a / u),
        _ => None,
    };
    Ok(PolicyFigures {
        items: opts.items,
        seed: opts.seed,
        duration_s: opts.duration_s,
        drain_s: opts.drain_s,
        confirmations: opts.confirmations.max(1),
        min_span_s: timeline_config(opts).min_span_secs,
        requests_budget: opts.budget_per_min,
        missed_disappearances: adaptive.missed_disappearances,
        false_disappearances: adaptive.false_disappearances,
        reason_accuracy: adaptive.reason_accuracy,
        latency_share,
        adaptive,
        uniform,
        wall_s: started.elapsed().as_secs_f64(),
    })
}

/// What every run shares: each item's reference, request URLs and host, and the publication
/// order.
struct Setup {
    refs: Vec<ItemRef>,
    urls: Vec<Vec<String>>,
    hosts: Vec<u32>,
    host_names: Vec<String>,
    /// Item indices by publication time.
    by_publication: Vec<usize>,
}

impl Setup {
    fn new(world: &World) -> Result<Setup> {
        let mut refs = Vec::with_capacity(world.items().len());
        let mut urls = Vec::with_capacity(world.items().len());
        let mut hosts = Vec::with_capacity(world.items().len());
        let mut host_names: Vec<String> = Vec::new();
        for item in world.items() {
            let url = item.url(WEB_ORIGIN);
            let r = ItemRef::parse(&url)
                .with_context(|| format!("the simulator's item URL {url} does not parse"))?;
            let item_urls: Vec<String> = annals_platforms::requests(&r)
                .into_iter()
                .map(|req| req.url)
                .collect();
            let host = item_urls.first().map_or("", |u| host_of(u)).to_owned();
            let id = match host_names.iter().position(|h| *h == host) {
                Some(i) => i,
                None => {
                    host_names.push(host);
                    host_names.len() - 1
                }
            };
            refs.push(r);
            urls.push(item_urls);
            hosts.push(id as u32);
        }
        let mut by_publication: Vec<usize> = (0..world.items().len()).collect();
        by_publication.sort_by_key(|&i| (world.items()[i].published_at, i));
        Ok(Setup {
            refs,
            urls,
            hosts,
            host_names,
            by_publication,
        })
    }
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// A `disappeared` event of one run.
#[derive(Debug, Clone, Copy)]
struct Disappearance {
    item: usize,
    first_seen_gone: i64,
    at: i64,
    state: State,
}

/// What one run produced.
#[derive(Debug, Default)]
struct Run {
    requests: u64,
    per_minute: Vec<u32>,
    disappearances: Vec<Disappearance>,
    ghosts: u64,
    blocked: u64,
    errors: u64,
}

fn simulate(
    world: &World,
    setup: &Setup,
    policy: Policy,
    opts: &PolicyEvalOptions,
    horizon: i64,
    bar: &ProgressBar,
) -> Result<Run> {
    let items = world.items();
    let mut scheduler = Scheduler::new(policy, Budget::per_minute(opts.budget_per_min))
        .context("invalid policy or budget")?;
    scheduler.reserve(items.len());
    let host_ids: Vec<_> = setup.host_names.iter().map(|h| scheduler.host(h)).collect();
    let timeline_config = timeline_config(opts);
    let mut rng = SplitMix64(opts.seed ^ 0x6f62_7365_7276_6521);
    // ItemId (dense, in insertion order) → item index.
    let mut ids: Vec<usize> = Vec::with_capacity(items.len());
    let mut timelines: Vec<Timeline> = Vec::with_capacity(items.len());
    let mut memos: Vec<Option<Memo>> = Vec::with_capacity(items.len());
    let mut run = Run {
        per_minute: vec![0; (horizon / 60 + 1) as usize],
        ..Run::default()
    };
    let mut fetch: Vec<ItemId> = Vec::new();
    let mut next_publication = 0;
    let mut now: i64 = 0;
    let mut last_progress = 0;
    while now <= horizon {
        while let Some(&index) = setup.by_publication.get(next_publication) {
            let published = items[index].published_at as i64;
            if published > now {
                break;
            }
            let id = scheduler.insert(
                host_ids[setup.hosts[index] as usize],
                PolicyId(0),
                published,
                now,
            );
            if id.0 as usize != ids.len() {
                bail!("the scheduler handed out item ids out of order");
            }
            ids.push(index);
            timelines.push(Timeline::new(timeline_config));
            memos.push(None);
            next_publication += 1;
        }
        loop {
            fetch.clear();
            scheduler.poll(now, &mut fetch);
            if fetch.is_empty() {
                break;
            }
            for &id in &fetch {
                let index = ids[id.0 as usize];
                let slot = id.0 as usize;
                let outcome = observe_once(
                    world,
                    setup,
                    index,
                    &mut timelines[slot],
                    &mut memos[slot],
                    now,
                    &mut run,
                );
                scheduler.record(id, outcome, now, &mut rng);
            }
        }
        if now - last_progress >= PROGRESS_EVERY_S {
            bar.set_position(now as u64);
            last_progress = now;
        }
        // Jump to the next moment something can happen.
        let mut next = scheduler.poll_timeout(now).unwrap_or(i64::MAX);
        if let Some(&index) = setup.by_publication.get(next_publication) {
            next = next.min(items[index].published_at as i64);
        }
        now = next.max(now + 1);
    }
    bar.set_position(horizon as u64);
    Ok(run)
}

/// An item's last answer (status, body) and what it parsed to.
type Memo = (u16, Vec<u8>, Observation);

/// The timelines' settings: `annals run`'s defaults unless overridden.
fn timeline_config(opts: &PolicyEvalOptions) -> TimelineConfig {
    let default = annals_observer::ObserverConfig::default().timeline();
    TimelineConfig {
        confirmations: opts.confirmations.max(1),
        min_span_secs: opts.min_span_s.unwrap_or(default.min_span_secs).max(0),
    }
}

/// Fetches one item from the world at `now`, feeds its timeline and says what to tell the
/// scheduler.
fn observe_once(
    world: &World,
    setup: &Setup,
    index: usize,
    timeline: &mut Timeline,
    memo: &mut Option<Memo>,
    now: i64,
    run: &mut Run,
) -> Outcome {
    let at = now.max(0) as u64;
    let answers: Vec<_> = setup.urls[index]
        .iter()
        .map(|url| (url.as_str(), world.respond(url, at)))
        .collect();
    run.requests += answers.len() as u64;
    if let Some(slot) = run.per_minute.get_mut((now / 60) as usize) {
        *slot += answers.len() as u32;
    }
    let responses: Vec<Response<'_>> = answers
        .iter()
        .map(|(url, r)| Response {
            url,
            status: r.status,
            headers: &r.headers,
            body: &r.body,
        })
        .collect();
    // `parse` is a pure function of the item and the responses (and, for Weibo's relative
    // times, of the capture time): an answer identical to the item's previous one (an unchanged
    // page, the same gone or blocked answer) is not parsed again. Readability extraction of
    // pages would otherwise dominate the run.
    let item = &setup.refs[index];
    let memo_ok = item.platform != Platform::Weibo && answers.len() == 1;
    let obs = match (memo.as_ref(), answers.first()) {
        (Some((status, body, obs)), Some((_, r)))
            if memo_ok && *status == r.status && *body == r.body =>
        {
            obs.clone()
        }
        _ => {
            let obs = annals_platforms::parse(item, &responses, world.unix(at));
            if let Some((_, r)) = answers.first().filter(|_| memo_ok) {
                *memo = Some((r.status, r.body.clone(), obs.clone()));
            }
            obs
        }
    };
    for event in timeline.observe(now, &obs) {
        match event {
            Event::Disappeared {
                first_seen_gone,
                at,
                state,
                ..
            } => run.disappearances.push(Disappearance {
                item: index,
                first_seen_gone,
                at,
                state,
            }),
            Event::Ghost { .. } => run.ghosts += 1,
            _ => {}
        }
    }
    match obs.state {
        State::Blocked => {
            run.blocked += 1;
            let retry_after = responses
                .iter()
                .find_map(|r| r.header("retry-after"))
                .and_then(|v| v.trim().parse::<i64>().ok());
            Outcome::Blocked { retry_after }
        }
        State::Error => {
            run.errors += 1;
            Outcome::Failed
        }
        _ if timeline.needs_confirmation() => Outcome::Observed(SchedState::Confirming),
        _ => Outcome::Observed(match timeline.phase() {
            Phase::Gone(_) => SchedState::Gone,
            Phase::Restricted(_) => SchedState::Restricted,
            Phase::Live | Phase::Unseen => SchedState::Live,
        }),
    }
}

/// The ground truth per item, from [`World::truth`]: its state changes in time order.
struct Truth {
    /// Per item: `(t, state)` from publication on.
    states: Vec<Vec<(u64, TrueState)>>,
}

impl Truth {
    fn from_world(world: &World, setup: &Setup) -> Truth {
        let by_path: HashMap<&str, usize> = world
            .items()
            .iter()
            .map(|i| (i.path.as_str(), i.index))
            .collect();
        let mut states: Vec<Vec<(u64, TrueState)>> = vec![Vec::new(); setup.refs.len()];
        for event in world.truth() {
            let Some(index) = event.path.as_deref().and_then(|p| by_path.get(p)) else {
                continue;
            };
            match &event.kind {
                TruthKind::Published => states[*index].push((event.t, TrueState::Live)),
                TruthKind::StateChange { to, .. } => states[*index].push((event.t, *to)),
                _ => {}
            }
        }
        Truth { states }
    }

    /// The true state of `item` at `t` (`None` before publication).
    fn state_at(&self, item: usize, t: u64) -> Option<TrueState> {
        let changes = self.states.get(item)?;
        let end = changes.partition_point(|(at, _)| *at <= t);
        end.checked_sub(1).map(|i| changes[i].1)
    }

    /// The start of the disappearance episode `item` is in at `t`: the last change from a
    /// visible state (live, region-locked) into a disappearance, if the item is in one.
    fn episode_at(&self, item: usize, t: u64) -> Option<u64> {
        let changes = self.states.get(item)?;
        let end = changes.partition_point(|(at, _)| *at <= t);
        let mut start = None;
        for (i, (at, state)) in changes[..end].iter().enumerate() {
            let before = i.checked_sub(1).map(|j| changes[j].1);
            if state.is_disappearance() && !before.is_some_and(|b| b.is_disappearance()) {
                start = Some(*at);
            } else if !state.is_disappearance() {
                start = None;
            }
        }
        start
    }

    /// Every disappearance episode starting before `until`: `(item, start)`.
    fn episodes_before(&self, until: u64) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        for (item, changes) in self.states.iter().enumerate() {
            for (i, (at, state)) in changes.iter().enumerate() {
                let before = i.checked_sub(1).map(|j| changes[j].1);
                if *at < until
                    && state.is_disappearance()
                    && !before.is_some_and(|b| b.is_disappearance())
                {
                    out.push((item, *at));
                }
            }
        }
        out
    }
}

/// The annals state naming a true state exactly.
fn exact_state(state: TrueState) -> Option<State> {
    Some(match state {
        TrueState::AuthorDeleted => State::Gone(GoneReason::AuthorDeleted),
        TrueState::PlatformRemoved => State::Gone(GoneReason::PlatformRemoved),
        TrueState::UnderReview => State::UnderReview,
        TrueState::SelfOnly => State::SelfOnly,
        TrueState::RegionLocked => State::RegionLocked,
        TrueState::Live => State::Live,
        _ => return None,
    })
}

fn score(
    name: &str,
    run: &Run,
    truth: &Truth,
    world: &World,
    opts: &PolicyEvalOptions,
) -> PolicyRun {
    let items = world.items();
    let episodes = truth.episodes_before(opts.duration_s);
    let mut detected: HashMap<(usize, u64), ()> = HashMap::new();
    let mut latencies = Vec::new();
    let mut confirmed = Vec::new();
    let mut false_by_cause: BTreeMap<String, u64> = BTreeMap::new();
    let (mut early, mut reason_ok, mut signal_ok, mut scored) = (0u64, 0u64, 0u64, 0u64);
    for d in &run.disappearances {
        let at = d.at.max(0) as u64;
        let Some(start) = truth.episode_at(d.item, at) else {
            // Nothing disappeared: what did the item show when the run began?
            let first = d.first_seen_gone.max(0) as u64;
            let cause = match world.presented(&items[d.item], first) {
                Presented::Ghost => "ghost".to_owned(),
                Presented::Blocked(_) => "blocked".to_owned(),
                Presented::Outage(_) => "error".to_owned(),
                Presented::NotYetPublished => "not_yet_published".to_owned(),
                Presented::State(s) => format!("misread:{}", s.as_str()),
                _ => "other".to_owned(),
            };
            *false_by_cause.entry(cause).or_default() += 1;
            continue;
        };
        if start >= opts.duration_s {
            // A disappearance during the drain: true, but outside the scored window.
            continue;
        }
        if detected.insert((d.item, start), ()).is_some() {
            continue;
        }
        scored += 1;
        if d.first_seen_gone >= start as i64 {
            latencies.push((d.first_seen_gone - start as i64) as f64);
        } else {
            early += 1;
        }
        confirmed.push((d.at - start as i64) as f64);
        if let Some(true_state) = truth.state_at(d.item, at) {
            if exact_state(true_state) == Some(d.state) {
                reason_ok += 1;
            }
            let signalled = World::observed_as(items[d.item].kind, Presented::State(true_state));
            if signalled == d.state {
                signal_ok += 1;
            }
        }
    }
    let false_disappearances = false_by_cause.values().sum();
    let share = |n: u64| (scored > 0).then(|| n as f64 / scored as f64);
    let minutes = run.per_minute.len().max(1) as f64;
    PolicyRun {
        policy: name.to_owned(),
        uniform_interval_s: None,
        median_latency_s: quantile(&mut latencies, 0.5),
        p90_latency_s: quantile(&mut latencies, 0.9),
        median_confirmed_s: quantile(&mut confirmed, 0.5),
        true_disappearances: episodes.len() as u64,
        detected_disappearances: scored,
        missed_disappearances: episodes
            .iter()
            .filter(|e| !detected.contains_key(e))
            .count() as u64,
        false_disappearances,
        false_by_cause,
        early_intervals: early,
        reason_accuracy: share(reason_ok),
        signal_accuracy: share(signal_ok),
        ghosts_recorded: run.ghosts,
        requests: run.requests,
        requests_per_min: run.requests as f64 / minutes,
        peak_requests_per_min: run.per_minute.iter().copied().max().unwrap_or(0).into(),
        blocked_observations: run.blocked,
        error_observations: run.errors,
    }
}

/// Linear-interpolated quantile (`None` for no values).
fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (values.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let weight = position - low as f64;
    let value = values[low] * (1.0 - weight) + values[high] * weight;
    // Whole simulated seconds are the resolution: a tenth is plenty.
    Some((value * 10.0).round() / 10.0)
}

fn print_table(f: &ObserveFigures) {
    let p = &f.policy;
    let secs = |v: Option<f64>| v.map_or("-".to_owned(), |s| format!("{s:.0} s"));
    let share = |v: Option<f64>| v.map_or("-".to_owned(), |s| format!("{:.1} %", s * 100.0));
    println!(
        "annals bench observe: {} items, seed {}, {:.1} simulated days (+{:.1} h drain), budget {}/min, {} confirmations at least {} s apart",
        p.items,
        p.seed,
        p.duration_s as f64 / 86_400.0,
        p.drain_s as f64 / 3_600.0,
        p.requests_budget,
        p.confirmations,
        p.min_span_s
    );
    println!();
    println!("{:<32} {:>14} {:>14}", "", "adaptive", "uniform");
    let row = |label: &str, a: String, u: String| println!("{label:<32} {a:>14} {u:>14}");
    let (a, u) = (&p.adaptive, &p.uniform);
    row(
        "policy",
        "standard".into(),
        u.uniform_interval_s
            .map_or("uniform".into(), |s| format!("every {s} s")),
    );
    row(
        "detection latency, median",
        secs(a.median_latency_s),
        secs(u.median_latency_s),
    );
    row(
        "detection latency, p90",
        secs(a.p90_latency_s),
        secs(u.p90_latency_s),
    );
    row(
        "confirmed after, median",
        secs(a.median_confirmed_s),
        secs(u.median_confirmed_s),
    );
    row(
        "true disappearances",
        a.true_disappearances.to_string(),
        u.true_disappearances.to_string(),
    );
    row(
        "detected",
        a.detected_disappearances.to_string(),
        u.detected_disappearances.to_string(),
    );
    row(
        "missed",
        a.missed_disappearances.to_string(),
        u.missed_disappearances.to_string(),
    );
    row(
        "false",
        a.false_disappearances.to_string(),
        u.false_disappearances.to_string(),
    );
    row(
        "reason accuracy (vs truth)",
        share(a.reason_accuracy),
        share(u.reason_accuracy),
    );
    row(
        "signal accuracy (vs response)",
        share(a.signal_accuracy),
        share(u.signal_accuracy),
    );
    row(
        "ghost flaps recorded",
        a.ghosts_recorded.to_string(),
        u.ghosts_recorded.to_string(),
    );
    row("requests", a.requests.to_string(), u.requests.to_string());
    row(
        "requests/min, average",
        format!("{:.0}", a.requests_per_min),
        format!("{:.0}", u.requests_per_min),
    );
    row(
        "requests/min, peak",
        a.peak_requests_per_min.to_string(),
        u.peak_requests_per_min.to_string(),
    );
    row(
        "blocked / error observations",
        format!("{}/{}", a.blocked_observations, a.error_observations),
        format!("{}/{}", u.blocked_observations, u.error_observations),
    );
    for (label, run) in [("adaptive", a), ("uniform", u)] {
        if !run.false_by_cause.is_empty() {
            let causes: Vec<String> = run
                .false_by_cause
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            println!(
                "{label} false disappearances by cause: {}",
                causes.join(", ")
            );
        }
    }
    println!();
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    match p.latency_share {
        Some(s) => println!(
            "goal: adaptive median latency <= 1/3 of uniform: {:.2} of uniform, {}",
            s,
            verdict(s <= GOAL_LATENCY_SHARE)
        ),
        None => {
            println!("goal: adaptive median latency <= 1/3 of uniform: no detections to compare")
        }
    }
    println!(
        "goal: 0 false disappearances: {} (adaptive), {} (uniform), {}",
        a.false_disappearances,
        u.false_disappearances,
        verdict(a.false_disappearances == 0)
    );
    println!("policy evaluation: {:.1} s", p.wall_s);
    let figure = |v: Option<f64>, unit: &str| {
        v.map_or("not measured".to_owned(), |x| format!("{x:.1}{unit}"))
    };
    println!(
        "shell (annals run): {} obs/s, {} per unchanged observation, {} RSS with 1M items queued",
        figure(f.obs_per_s, ""),
        figure(f.bytes_per_unchanged_observation, " B"),
        figure(f.rss_mb_1m_items, " MB")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_beats_uniform_on_a_small_world() {
        let opts = PolicyEvalOptions {
            items: 400,
            budget_per_min: 24,
            seed: 3,
            duration_s: 86_400,
            drain_s: 6 * 3_600,
            ..PolicyEvalOptions::default()
        };
        let f = evaluate_policies(&opts).expect("evaluation");
        let (a, u) = (&f.adaptive, &f.uniform);
        assert!(a.true_disappearances > 20, "{a:?}");
        assert_eq!(a.true_disappearances, u.true_disappearances);
        let (Some(am), Some(um)) = (a.median_latency_s, u.median_latency_s) else {
            panic!("no detections: {f:?}");
        };
        assert!(am * 3.0 <= um, "adaptive {am} s vs uniform {um} s");
        // Same budget: neither exceeds it (bursts of 10 s of budget aside).
        let cap = u64::from(opts.budget_per_min) * ((opts.duration_s + opts.drain_s) / 60 + 1)
            + u64::from(opts.budget_per_min);
        assert!(a.requests <= cap && u.requests <= cap, "{a:?} {u:?}");
        // The parsers read every signal the simulator sends as the simulator means it.
        assert_eq!(a.signal_accuracy, Some(1.0), "{a:?}");
        // Ghost flaps (at most 10 min) never span the observer's 15-minute confirm_span, and
        // blocked or error answers never count.
        assert_eq!(f.min_span_s, 900);
        assert_eq!((a.false_disappearances, u.false_disappearances), (0, 0));
        assert!(
            a.missed_disappearances <= u.missed_disappearances,
            "{a:?} {u:?}"
        );
    }

    #[test]
    fn truth_episodes() {
        let world = World::new(SimConfig {
            items: 200,
            seed: 9,
            ..SimConfig::default()
        })
        .expect("world");
        let setup = Setup::new(&world).expect("setup");
        let truth = Truth::from_world(&world, &setup);
        for item in world.items() {
            for t in [item.published_at, item.published_at + 3_600, 200_000] {
                assert_eq!(truth.state_at(item.index, t), item.state_at(t));
            }
        }
        let episodes = truth.episodes_before(u64::MAX);
        let expected = world
            .items()
            .iter()
            .filter(|i| i.phases.iter().any(|p| p.state.is_disappearance()))
            .count();
        assert_eq!(episodes.len(), expected);
    }

    #[test]
    fn quantiles() {
        assert_eq!(quantile(&mut [], 0.5), None);
        assert_eq!(quantile(&mut [3.0, 1.0, 2.0], 0.5), Some(2.0));
        assert_eq!(quantile(&mut [0.0, 10.0], 0.9), Some(9.0));
    }
}

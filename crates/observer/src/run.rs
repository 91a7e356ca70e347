//! `annals run`: claim due items, fetch, archive, parse, derive, repeat.
//!
//! One task owns the archive and the store and does all the writing; fetches run as spawned
//! tasks, at most `workers` at a time, and hand their exchanges back through a channel. A
//! batch of finished fetches is archived with one fsync and one index transaction, then its
//! observations, events and next due times are committed in a second transaction that also
//! moves the derivation watermark, so a crash between the two is healed by the next
//! [`Observer::catch_up`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use annals_archive::{ExchangeContext, exchange_records_with_id};
use annals_capture::{Exchange, FetchOptions, Fetcher};
use annals_model::{Capture, Observation, State};
use annals_platforms::{ItemRef, Signing};
use annals_schedule::{Priority, SplitMix64};
use annals_store::{Due, ObserverBatch, WatchRow};
use annals_warc::digest;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::derive::{apply, load_timeline};
use crate::observer::{item_ref, watch_row};
use crate::records::{ITEM_FIELD, OwnedResponse, WatchRecord};
use crate::wbi::SharedKeys;
use crate::{Clock, Observer, ObserverError, parse_rate};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Requests in flight at most (default: the config's `workers`).
    pub workers: Option<usize>,
    /// Global budget override (`600/min`).
    pub budget: Option<String>,
    /// Stop after this many clock seconds (simulated seconds with a scaled clock).
    pub run_for: Option<f64>,
    /// Seconds a claim is held before another worker may take the item.
    pub lease: i64,
    /// Most observations per write batch.
    pub batch: usize,
    /// Sign a ledger checkpoint this often (real time), and at the end.
    pub checkpoint_every: Option<Duration>,
    /// Print a status line this often (real time) on stderr.
    pub status_every: Option<Duration>,
    /// Stop as soon as nothing is due and nothing is in flight (benchmarks, one-shot passes).
    pub stop_when_idle: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            workers: None,
            budget: None,
            run_for: None,
            lease: 600,
            batch: 512,
            checkpoint_every: None,
            status_every: None,
            stop_when_idle: false,
        }
    }
}

/// Counters of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunStatus {
    /// Observations committed.
    pub observations: u64,
    /// Requests made (exchanges archived).
    pub requests: u64,
    /// Events committed.
    pub events: u64,
    /// Disappearances among them.
    pub disappearances: u64,
    /// Observations that were `blocked`.
    pub blocked: u64,
    /// Observations that were `error`.
    pub errors: u64,
    /// Items discovered from seeds.
    pub discovered: u64,
    /// Records written.
    pub records: u64,
    /// Checkpoints signed.
    pub checkpoints: u64,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Counters.
    #[serde(flatten)]
    pub status: RunStatus,
    /// Real seconds.
    pub seconds: f64,
    /// Observations per real second.
    pub obs_per_s: f64,
    /// Peak resident memory of this process so far, MB (Linux `VmHWM`; `None` elsewhere).
    pub peak_rss_mb: Option<f64>,
}

/// Peak resident set size of this process, MB, from `/proc/self/status`.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// One exchange of a fetch with its payload digest.
type Hop = (Exchange, String);

/// A fetch handed back to the writer.
struct Fetched {
    due: Due,
    at: f64,
    /// One entry per adapter request: the exchanges of its fetch (redirect hops, dated `at` on
    /// the observer's clock) with their payload digests, or the error.
    requests: Vec<(String, Result<Vec<Hop>, String>)>,
    /// Exchanges made for the fetch but observing no item (the WBI keys' `nav`): archived
    /// without `Annals-Item`.
    aux: Vec<Hop>,
}

/// A token bucket on the clock.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: f64,
}

impl Bucket {
    fn new(rate: f64, now: f64) -> Bucket {
        let burst = (rate * 10.0).max(1.0);
        Bucket {
            rate,
            burst,
            tokens: burst,
            at: now,
        }
    }

    fn refill(&mut self, now: f64) {
        if now > self.at {
            self.tokens = (self.tokens + (now - self.at) * self.rate).min(self.burst);
            self.at = now;
        }
    }

    fn available(&mut self, now: f64) -> u64 {
        self.refill(now);
        self.tokens.max(0.0).floor() as u64
    }

    fn take(&mut self, now: f64) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Clock seconds until a token is there.
    fn wait(&self) -> f64 {
        ((1.0 - self.tokens) / self.rate).max(0.0)
    }
}

/// Every priority the policies use, most urgent first.
fn priorities() -> Vec<i64> {
    let mut p = vec![i64::from(Priority::CONFIRM.0), i64::from(Priority::NEW.0)];
    p.extend((0..19).map(|i| i64::from(Priority::tier(i).0)));
    p.push(i64::from(Priority::GONE.0));
    p.dedup();
    p
}

fn fetchers(observer: &Observer) -> Result<HashMap<String, Fetcher>, ObserverError> {
    let cfg = &observer.config.observer;
    let mut out = HashMap::new();
    for platform in ["bilibili", "zhihu", "weibo", "web"] {
        let mut options = FetchOptions::default();
        options.timeout = Duration::from_secs(30);
        options.max_body_bytes = 20 * 1024 * 1024;
        if let Some(ua) = &cfg.user_agent {
            options.user_agent = ua.clone();
        }
        if let Some(p) = cfg.platforms.get(platform) {
            options.proxy = p.proxy.clone();
            if let Some(file) = &p.cookies_file {
                let text = std::fs::read_to_string(file).map_err(|e| {
                    ObserverError::Config(format!("cookies_file {}: {e}", file.display()))
                })?;
                let value = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ");
                options.extra_headers.push(("Cookie".into(), value));
            }
        }
        out.insert(platform.to_string(), Fetcher::new(options)?);
    }
    Ok(out)
}

async fn fetch_item(
    due: Due,
    fetcher: Fetcher,
    rewrite: Arc<dyn Fn(&str) -> String + Send + Sync>,
    clock: Arc<dyn Clock>,
    wbi_keys: SharedKeys,
) -> Fetched {
    let at = clock.now_f64();
    // Records carry the observer's clock, which is the simulator's when one is followed.
    let date = OffsetDateTime::from_unix_timestamp_nanos((at * 1e9) as i128)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // Dating and hashing here, in the fetch task, keeps them off the single writer.
    let finish = |hops: Vec<Exchange>| -> Vec<Hop> {
        hops.into_iter()
            .map(|mut ex| {
                ex.started_at = date;
                let d = digest::sha1_base32(ex.payload_bytes());
                (ex, d)
            })
            .collect()
    };
    let mut requests = Vec::new();
    let mut aux = Vec::new();
    match item_ref(&due) {
        Err(e) => requests.push((due.canonical_url.clone(), Err(e))),
        Ok(item) => {
            for r in annals_platforms::requests(&item) {
                let mut url = rewrite(&r.url);
                let mut signed_with = None;
                if r.sign == Some(Signing::Wbi) {
                    let (keys, nav) =
                        crate::wbi::keys(&wbi_keys, &fetcher, rewrite.as_ref(), clock.now_f64())
                            .await;
                    aux.extend(finish(nav));
                    if let Some(keys) = keys {
                        let wts = clock.now();
                        url = rewrite(&annals_platforms::wbi::sign_url(&r.url, &keys, wts));
                        signed_with = Some(keys);
                    }
                }
                let result = match fetcher.fetch_with(&url, &r.headers).await {
                    Ok(f) => Ok(finish(f.hops)),
                    Err(e) => {
                        let msg = e.to_string();
                        match e.into_partial() {
                            Some(p) if !p.hops.is_empty() => Ok(finish(p.hops)),
                            _ => Err(msg),
                        }
                    }
                };
                // Refused signature: the next signed request fetches fresh keys.
                if let (Some(keys), Ok(hops)) = (&signed_with, &result)
                    && let Some((last, _)) = hops.last()
                    && annals_platforms::wbi::signature_rejected(
                        &OwnedResponse::from_message(&url, &last.response, None).body,
                    )
                {
                    wbi_keys.lock().await.refused(keys);
                }
                // The first response decides the state: when it failed, the rest is moot.
                let failed = result
                    .as_ref()
                    .map_or(true, |h| h.last().is_none_or(|(x, _)| x.status >= 400));
                requests.push((url, result));
                if failed {
                    break;
                }
            }
        }
    }
    Fetched {
        due,
        at,
        requests,
        aux,
    }
}

impl Observer {
    /// Runs the observer until `shutdown` resolves (or `run_for` clock seconds pass): the
    /// daemon of `annals run`. Stale claims are released and the archive caught up first; at
    /// the end every fetch in flight is finished and archived and a checkpoint is signed.
    ///
    /// `discover`, when given, delivers batches of (URLs, list) to watch while running (the
    /// simulator's publication feed, for instance).
    pub async fn run(
        &mut self,
        opts: RunOptions,
        discover: Option<mpsc::Receiver<(Vec<String>, String)>>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<RunReport, ObserverError> {
        self.run_with(opts, discover, None, shutdown).await
    }

    /// [`Observer::run`], also answering watch actions from `desk` (the web UI's add, pause and
    /// resume) as they come: each is archived and queued by this task, between batches.
    pub async fn run_with(
        &mut self,
        opts: RunOptions,
        mut discover: Option<mpsc::Receiver<(Vec<String>, String)>>,
        mut desk: Option<crate::WatchQueue>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<RunReport, ObserverError> {
        let started = Instant::now();
        self.archive.store().release(None).await?;
        self.catch_up(None).await?;
        let cfg = self.config.observer.clone();
        let workers = opts.workers.unwrap_or(cfg.workers).max(1);
        let rate = parse_rate(opts.budget.as_deref().unwrap_or(&cfg.budget))?;
        let host_rate = parse_rate(&cfg.host_budget)?.min(rate);
        let fetchers = fetchers(self)?;
        let config = self.config.clone();
        let rewrite: Arc<dyn Fn(&str) -> String + Send + Sync> =
            Arc::new(move |u: &str| config.rewrite(u));
        let clock = self.clock.clone();
        let wbi_keys = SharedKeys::default();
        let t0 = clock.now_f64();
        let end = opts.run_for.map(|s| t0 + s);
        let mut global = Bucket::new(rate, t0);
        let mut hosts: HashMap<String, Bucket> = HashMap::new();
        let mut strikes: HashMap<String, i64> = HashMap::new();
        let mut blocked: HashMap<String, i64> = HashMap::new();
        for (h, until, s) in self.archive.store().blocked_hosts(clock.now()).await? {
            blocked.insert(h.clone(), until);
            strikes.insert(h, s);
        }
        let prios = priorities();
        let (tx, mut rx) = mpsc::channel::<Fetched>(workers * 2);
        let mut inflight = 0usize;
        let mut pending: Vec<Fetched> = Vec::new();
        let mut status = RunStatus::default();
        let mut last_checkpoint = Instant::now();
        let mut last_status = Instant::now();
        let mut stopping = false;
        let mut idle_wait = 0.0f64;
        let mut pending_since: Option<Instant> = None;
        tokio::pin!(shutdown);
        loop {
            let now = clock.now_f64();
            if end.is_some_and(|e| now >= e) {
                stopping = true;
            }
            // 1. Claim and launch what the budget allows.
            if !stopping && inflight < workers {
                let n = (workers - inflight).min(global.available(now) as usize);
                if n > 0 {
                    let now_s = now.floor() as i64;
                    let claimed = self
                        .archive
                        .store()
                        .claim_due(now_s, now_s + opts.lease, &prios, n as u64)
                        .await?;
                    idle_wait = if claimed.len() < n { 1.0 } else { 0.0 };
                    if claimed.is_empty() && inflight == 0 && opts.stop_when_idle {
                        stopping = true;
                    }
                    let mut deferred = Vec::new();
                    for due in claimed {
                        if let Some(until) = blocked.get(&due.host).copied().filter(|u| *u > now_s)
                        {
                            deferred.push((due.item_id, Some(until)));
                            continue;
                        }
                        let bucket = hosts
                            .entry(due.host.clone())
                            .or_insert_with(|| Bucket::new(host_rate, now));
                        if !bucket.take(now) {
                            let wait = bucket.wait().ceil() as i64;
                            deferred.push((due.item_id, Some(now_s + wait.max(1))));
                            continue;
                        }
                        global.take(now);
                        let fetcher = fetchers
                            .get(due.platform.as_str())
                            .or_else(|| fetchers.get("web"))
                            .cloned()
                            .ok_or_else(|| ObserverError::Other("no fetcher".into()))?;
                        let (tx, rewrite, clock) = (tx.clone(), rewrite.clone(), clock.clone());
                        let wbi_keys = wbi_keys.clone();
                        inflight += 1;
                        tokio::spawn(async move {
                            let f = fetch_item(due, fetcher, rewrite, clock, wbi_keys).await;
                            let _ = tx.send(f).await;
                        });
                    }
                    if !deferred.is_empty() {
                        self.archive.store().release(Some(&deferred)).await?;
                    }
                } else {
                    idle_wait = global.wait().max(0.001);
                }
            }
            // 2. Write when the batch is full, or nothing else is coming soon.
            let flush_now = pending.len() >= opts.batch
                || (!pending.is_empty() && (inflight == 0 || stopping))
                || (!pending.is_empty() && idle_wait > 0.0)
                || pending_since
                    .is_some_and(|t: Instant| t.elapsed() >= Duration::from_millis(250));
            if flush_now {
                pending_since = None;
                let batch = std::mem::take(&mut pending);
                self.write_batch(batch, &mut status, &mut strikes, &mut blocked)
                    .await?;
            }
            if stopping && inflight == 0 && pending.is_empty() {
                break;
            }
            if let Some(every) = opts.checkpoint_every
                && last_checkpoint.elapsed() >= every
            {
                self.checkpoint_quietly(&mut status).await;
                last_checkpoint = Instant::now();
            }
            if let Some(every) = opts.status_every
                && last_status.elapsed() >= every
            {
                let q = self.archive.store().queue_stats(clock.now()).await?;
                eprintln!(
                    "annals: {} observations ({:.0}/s), {} events ({} disappearances), {} blocked, {} errors; queue: {} items, {} due",
                    status.observations,
                    status.observations as f64 / started.elapsed().as_secs_f64().max(1e-9),
                    status.events,
                    status.disappearances,
                    status.blocked,
                    status.errors,
                    q.items,
                    q.due
                );
                last_status = Instant::now();
            }
            // 3. Wait for a fetch, the next token or due time, or shutdown.
            let wait = if pending.is_empty() && idle_wait > 0.0 {
                // Poll the queue every 30 clock seconds at most, and at least 50 times a second.
                clock
                    .real(idle_wait.min(30.0))
                    .clamp(Duration::from_millis(20), Duration::from_millis(500))
            } else {
                Duration::from_millis(if pending.is_empty() { 5 } else { 20 })
            };
            if stopping {
                match rx.recv().await {
                    Some(f) => {
                        inflight -= 1;
                        pending.push(f);
                    }
                    None => break,
                }
                continue;
            }
            tokio::select! {
                got = rx.recv() => {
                    if let Some(f) = got {
                        inflight -= 1;
                        pending_since.get_or_insert_with(Instant::now);
                        pending.push(f);
                        while pending.len() < opts.batch {
                            match rx.try_recv() {
                                Ok(f) => { inflight -= 1; pending.push(f); }
                                Err(_) => break,
                            }
                        }
                    }
                }
                _ = tokio::time::sleep(wait) => {}
                _ = &mut shutdown => { stopping = true; }
                found = async {
                    match discover.as_mut() {
                        Some(d) => d.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    match found {
                        Some((urls, list)) => {
                            if !pending.is_empty() {
                                let batch = std::mem::take(&mut pending);
                                self.write_batch(batch, &mut status, &mut strikes, &mut blocked).await?;
                            }
                            let added = self.watch(&urls, &list, None, false).await?;
                            status.discovered += added.iter().filter(|o| o.added).count() as u64;
                        }
                        None => discover = None,
                    }
                }
                asked = async {
                    match desk.as_mut() {
                        Some(d) => d.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    match asked {
                        Some(cmd) => {
                            if !pending.is_empty() {
                                let batch = std::mem::take(&mut pending);
                                self.write_batch(batch, &mut status, &mut strikes, &mut blocked).await?;
                            }
                            self.answer(cmd).await;
                        }
                        None => desk = None,
                    }
                }
            }
        }
        self.checkpoint_quietly(&mut status).await;
        let seconds = started.elapsed().as_secs_f64();
        Ok(RunReport {
            obs_per_s: status.observations as f64 / seconds.max(1e-9),
            status,
            seconds,
            peak_rss_mb: peak_rss_mb(),
        })
    }

    async fn checkpoint_quietly(&mut self, status: &mut RunStatus) {
        match self.archive.checkpoint().await {
            Ok(_) => status.checkpoints += 1,
            Err(e) => tracing::warn!("ledger checkpoint failed: {e}"),
        }
    }

    /// Archives a batch of fetches, then derives and commits their rows.
    async fn write_batch(
        &mut self,
        batch: Vec<Fetched>,
        status: &mut RunStatus,
        strikes: &mut HashMap<String, i64>,
        blocked: &mut HashMap<String, i64>,
    ) -> Result<(), ObserverError> {
        let mut records: Vec<Vec<u8>> = Vec::new();
        // The archived originals of unchanged payloads, looked up for the whole batch at once.
        let mut wanted: Vec<(String, String)> = Vec::new();
        for f in &batch {
            let aux = f.aux.iter();
            let item_hops = f.requests.iter().flat_map(|(_, r)| r.iter().flatten());
            for (ex, d) in aux
                .chain(item_hops)
                .filter(|(ex, _)| ex.truncated.is_none())
            {
                wanted.push((ex.url.clone(), d.clone()));
            }
        }
        let originals: HashMap<(String, String), Capture> = self
            .archive
            .store()
            .originals(&wanted)
            .await?
            .into_iter()
            .filter_map(|c| {
                let key = (c.url.clone()?, c.payload_digest.clone()?);
                Some((key, c))
            })
            .collect();
        // Per fetch: the first response record id and the parsed responses.
        let mut parsed: Vec<(String, Vec<OwnedResponse>)> = Vec::with_capacity(batch.len());
        for f in &batch {
            // Exchanges that observe no item (WBI keys): archived like any other, unlinked.
            let chain: Vec<String> = f.aux.iter().map(|(h, _)| h.url.clone()).collect();
            for (hop, (ex, payload_digest)) in f.aux.iter().enumerate() {
                let original = if ex.truncated.is_none() {
                    originals.get(&(ex.url.clone(), payload_digest.clone()))
                } else {
                    None
                };
                let cx = ExchangeContext {
                    hop,
                    hops: f.aux.len(),
                    chain: &chain,
                    extra: &[],
                    metadata: false,
                    revisit_request: self.config.observer.revisit_requests,
                };
                let id = annals_archive::new_record_id();
                records.extend(exchange_records_with_id(
                    ex,
                    payload_digest,
                    original,
                    &cx,
                    &id,
                ));
                status.requests += 1;
            }
            let first_id = annals_archive::new_record_id();
            let mut responses = Vec::new();
            let mut n_records = 0usize;
            for (url, result) in &f.requests {
                let Ok(hops) = result else {
                    responses.push(OwnedResponse {
                        url: url.clone(),
                        status: 0,
                        headers: Vec::new(),
                        body: Vec::new(),
                    });
                    continue;
                };
                let chain: Vec<String> = hops.iter().map(|(h, _)| h.url.clone()).collect();
                for (hop, (ex, payload_digest)) in hops.iter().enumerate() {
                    let original = if ex.truncated.is_none() {
                        originals.get(&(ex.url.clone(), payload_digest.clone()))
                    } else {
                        None
                    };
                    let concurrent = format!("<{first_id}>");
                    let mut extra: Vec<(&str, &str)> = vec![(ITEM_FIELD, &f.due.canonical_url)];
                    if n_records > 0 {
                        extra.push(("WARC-Concurrent-To", &concurrent));
                    }
                    let id = if n_records == 0 {
                        first_id.clone()
                    } else {
                        annals_archive::new_record_id()
                    };
                    let cx = ExchangeContext {
                        hop,
                        hops: hops.len(),
                        chain: &chain,
                        extra: &extra,
                        metadata: false,
                        revisit_request: self.config.observer.revisit_requests,
                    };
                    records.extend(exchange_records_with_id(
                        ex,
                        payload_digest,
                        original,
                        &cx,
                        &id,
                    ));
                    n_records += 1;
                    status.requests += 1;
                    if hop + 1 == hops.len() {
                        responses.push(OwnedResponse::from_message(url, &ex.response, None));
                    }
                }
            }
            let rid = if n_records > 0 {
                first_id
            } else {
                String::new()
            };
            parsed.push((rid, responses));
        }
        // Derive.
        let backoff = self.config.observer.backoff;
        let confirmations = self.config.observer.timeline();
        let mut out = ObserverBatch::default();
        let mut discovered: Vec<(WatchRow, String)> = Vec::new();
        for (f, (rid, responses)) in batch.iter().zip(&parsed) {
            let at = f.at.floor() as i64;
            let obs = match item_ref(&f.due) {
                Ok(item) => {
                    let answers: Vec<_> =
                        responses.iter().map(OwnedResponse::as_response).collect();
                    annals_platforms::parse(&item, &answers, at)
                }
                Err(e) => {
                    let mut o = Observation::new(State::Error, Default::default());
                    o.signal.message = Some(e);
                    o
                }
            };
            let retry_after = responses
                .first()
                .and_then(|r| r.as_response().header("retry-after").map(str::to_string))
                .and_then(|v| v.trim().parse::<i64>().ok());
            let mut timeline = load_timeline(f.due.timeline.as_deref(), confirmations);
            let policy = self.config.policy(&f.due.policy);
            let applied = apply(
                &f.due,
                &mut timeline,
                &obs,
                at,
                rid,
                &policy,
                &backoff,
                retry_after,
            );
            match obs.state {
                State::Blocked => {
                    status.blocked += 1;
                    let s = strikes.entry(f.due.host.clone()).or_insert(0);
                    *s += 1;
                    let mut rng = SplitMix64(at as u64 ^ (*s as u64) << 32);
                    let wait = backoff.delay(*s as u32, retry_after, &mut rng).max(1);
                    let until = at + wait;
                    blocked.insert(f.due.host.clone(), until);
                    self.archive
                        .store()
                        .block_host(&f.due.host, until, *s)
                        .await?;
                }
                State::Error => status.errors += 1,
                _ => {
                    if strikes.remove(&f.due.host).is_some() {
                        blocked.remove(&f.due.host);
                        self.archive.store().block_host(&f.due.host, 0, 0).await?;
                    }
                }
            }
            if f.due.seed && obs.state == State::Live {
                for child in &obs.children {
                    if let Ok(item) = ItemRef::parse(&child.url) {
                        let row = watch_row(&item, &f.due.list, &f.due.policy, false, at);
                        discovered.push((row, f.due.canonical_url.clone()));
                    }
                }
            }
            status.observations += 1;
            status.events += applied.events.len() as u64;
            status.disappearances += applied
                .events
                .iter()
                .filter(|e| e.kind == "disappeared")
                .count() as u64;
            out.observations.push(applied.observation);
            out.contents.extend(applied.content);
            out.events.extend(applied.events);
            out.updates.push(applied.update);
        }
        // New children: only those not yet watched.
        let mut fresh = Vec::new();
        for (row, parent) in discovered {
            if self
                .archive
                .store()
                .watch_find(&row.canonical_url)
                .await?
                .is_none()
                && !fresh
                    .iter()
                    .any(|(r, _): &(WatchRow, String)| r.canonical_url == row.canonical_url)
            {
                fresh.push((row, parent));
            }
        }
        for (row, parent) in &fresh {
            records.push(WatchRecord::from_row(row, Some(parent.clone())).to_warc());
        }
        status.records += records.len() as u64;
        if !records.is_empty() {
            self.archive.append_records(records).await?;
        }
        if !fresh.is_empty() {
            let mut rows = Vec::new();
            for (mut row, parent) in fresh {
                row.parent_id = self
                    .archive
                    .store()
                    .watch_find(&parent)
                    .await?
                    .map(|i| i.item_id);
                rows.push(row);
            }
            let now = self.clock.now();
            self.archive.store().watch_add(&rows, now).await?;
            status.discovered += rows.len() as u64;
        }
        out.derived_to = Some(self.archive.store().max_capture_id().await?);
        self.archive.store().commit_observed(&out).await?;
        Ok(())
    }
}

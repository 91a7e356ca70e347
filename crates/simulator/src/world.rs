//! The world model: items, their timelines, noise episodes and the ground truth. Pure: time is
//! an argument (`now`, simulated seconds since start), never read from a clock.

use std::collections::HashMap;

use annals_model::State;
use serde::{Deserialize, Serialize};

use crate::SimError;
use crate::config::{ItemState, SimConfig};
use crate::render;
use crate::rng::Rng;
use crate::truth::TruthEvent;

/// The platform and kind of a simulated item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SimKind {
    /// A Bilibili video, served at `/x/web-interface/view?bvid=…`.
    BilibiliVideo,
    /// A Zhihu answer, served at `/api/v4/answers/{id}`.
    ZhihuAnswer,
    /// A Weibo post, served at `/statuses/show?id={mid}`.
    WeiboPost,
    /// A plain HTML page, served at `/page/{id}`.
    WebPage,
}

impl SimKind {
    /// Every kind, in the order items rotate through them.
    pub const ALL: [SimKind; 4] = [
        SimKind::BilibiliVideo,
        SimKind::ZhihuAnswer,
        SimKind::WeiboPost,
        SimKind::WebPage,
    ];

    /// The annals platform name: `bilibili`, `zhihu`, `weibo`, `web`.
    pub fn platform(&self) -> &'static str {
        match self {
            SimKind::BilibiliVideo => "bilibili",
            SimKind::ZhihuAnswer => "zhihu",
            SimKind::WeiboPost => "weibo",
            SimKind::WebPage => "web",
        }
    }

    /// Whether this platform has a signal for `state` (others are redrawn; see
    /// [`FateDistribution::weights`](crate::FateDistribution::weights)).
    pub fn supports(&self, state: ItemState) -> bool {
        use ItemState::*;
        match self {
            SimKind::BilibiliVideo => true,
            SimKind::ZhihuAnswer => state != RegionLocked,
            SimKind::WeiboPost => !matches!(state, RegionLocked | UnderReview),
            SimKind::WebPage => {
                matches!(state, Live | AuthorDeleted | PlatformRemoved | RegionLocked)
            }
        }
    }

    fn index(&self) -> usize {
        SimKind::ALL.iter().position(|k| k == self).unwrap_or(0)
    }
}

/// A state change in an item's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// Simulated second the state begins.
    pub at: u64,
    /// The true state from then on.
    pub state: ItemState,
    /// Why (`published`, `author deleted`, `review passed`, …).
    pub reason: &'static str,
}

/// How an item's metrics grow: `scale × (1 − e^(−live_age/tau))`, fast when young, saturating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    /// Saturation value of the main count (views, or reads for answers and posts).
    pub scale: f64,
    /// Time constant, seconds.
    pub tau_s: f64,
    /// Ratios of the secondary counts to the main count (likes, replies, reposts, …).
    pub ratios: [f64; 6],
}

/// One simulated item with its whole (pre-drawn) future.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimItem {
    /// Position in the world (0-based, in generation order).
    pub index: usize,
    /// Platform and kind.
    pub kind: SimKind,
    /// Native id in annals' form: `BV…`, `answer/{id}`, the Weibo `mid`, `page/{id}`.
    pub native_id: String,
    /// The numeric id: Bilibili `aid`, Zhihu answer id, Weibo `mid`, page number.
    pub number: u64,
    /// The path and query the simulator serves the item's primary probe at.
    pub path: String,
    /// Simulated second of publication.
    pub published_at: u64,
    /// The drawn fate (the first state after `Live`, or `Live`).
    pub fate: ItemState,
    /// The timeline, starting with `Live` at `published_at`.
    pub phases: Vec<Phase>,
    /// Simulated seconds of content edits.
    pub edits: Vec<u64>,
    /// A ghost flap `[start, end)`, if any.
    pub ghost: Option<(u64, u64)>,
    /// Metric growth.
    pub growth: Growth,
    /// The uploader's `mid` (Bilibili videos; one of [`World::uploaders`]).
    pub uploader: Option<u64>,
}

impl SimItem {
    /// The URL an observer would watch. Web pages live on the simulator itself, so their URL
    /// needs its origin (`http://127.0.0.1:8080`).
    pub fn url(&self, web_origin: &str) -> String {
        match self.kind {
            SimKind::BilibiliVideo => format!("https://www.bilibili.com/video/{}", self.native_id),
            SimKind::ZhihuAnswer => format!("https://www.zhihu.com/{}", self.native_id),
            SimKind::WeiboPost => format!("https://m.weibo.cn/detail/{}", self.native_id),
            SimKind::WebPage => format!("{}{}", web_origin.trim_end_matches('/'), self.path),
        }
    }

    /// The true state at `now` (`None` before publication). Ghost flaps do not change it.
    pub fn state_at(&self, now: u64) -> Option<ItemState> {
        self.phases
            .iter()
            .take_while(|p| p.at <= now)
            .last()
            .map(|p| p.state)
    }

    /// Content version at `now`: 1 + the number of edits so far.
    pub fn version_at(&self, now: u64) -> u32 {
        1 + self.edits.iter().filter(|&&t| t <= now).count() as u32
    }

    /// Last edit at or before `now`.
    pub fn last_edit(&self, now: u64) -> Option<u64> {
        self.edits.iter().copied().filter(|&t| t <= now).max()
    }

    /// Seconds the item has been live up to `now` (metrics only grow while it is visible).
    pub fn live_seconds(&self, now: u64) -> u64 {
        let mut total = 0;
        for (i, phase) in self.phases.iter().enumerate() {
            if phase.at >= now {
                break;
            }
            let end = self.phases.get(i + 1).map_or(now, |next| next.at.min(now));
            if phase.state == ItemState::Live {
                total += end.saturating_sub(phase.at);
            }
        }
        total
    }

    /// The metrics at `now`: `[main, r0, …, r5]`, monotone in `now`.
    pub fn metrics(&self, now: u64) -> [u64; 7] {
        let age = self.live_seconds(now) as f64;
        let main = self.growth.scale * (1.0 - (-age / self.growth.tau_s).exp());
        let mut out = [main as u64; 7];
        for (slot, ratio) in out[1..].iter_mut().zip(self.growth.ratios) {
            *slot = (main * ratio) as u64;
        }
        out
    }
}

/// Which noise an episode is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseKind {
    /// Anti-crawl block; the number picks the platform's variant (see [`render`](crate)).
    Block(u8),
    /// 5xx burst; the number picks the variant.
    Outage(u8),
}

/// A noise episode on one platform (the whole host), `[start, end)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// The platform (all its items and endpoints).
    pub kind: SimKind,
    /// First affected simulated second.
    pub start: u64,
    /// First unaffected simulated second.
    pub end: u64,
    /// Block or outage, and its variant.
    pub noise: NoiseKind,
}

/// What the simulator presents for an item at one moment, before rendering a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Presented {
    /// Not published yet: answers like an id that does not exist.
    NotYetPublished,
    /// The item's true state.
    State(ItemState),
    /// A ghost flap: answers as gone while the item is live.
    Ghost,
    /// The host is blocking (variant).
    Blocked(u8),
    /// The host is failing with 5xx (variant).
    Outage(u8),
}

/// A response the simulator produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers as `(name, value)`, `content-type` included.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl SimResponse {
    /// A response with a content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        SimResponse {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        SimResponse::new(
            status,
            "application/json; charset=utf-8",
            serde_json::to_vec(value).unwrap_or_default(),
        )
    }

    /// An HTML response.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        SimResponse::new(status, "text/html; charset=utf-8", body.into())
    }

    /// Add a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A line of `/_sim/items`: one published item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemLine {
    /// The URL to watch (`annals_platforms::ItemRef::parse` accepts it).
    pub url: String,
    /// `bilibili`, `zhihu`, `weibo`, `web`.
    pub platform: String,
    /// Native id (see [`SimItem::native_id`]).
    pub native_id: String,
    /// The simulator path of the primary probe.
    pub path: String,
    /// Simulated second of publication.
    pub published_at: u64,
    /// The uploader's `mid` (Bilibili videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploader: Option<u64>,
}

/// How many uploaders the simulated Bilibili has; video `k` (the `k`-th Bilibili item) belongs
/// to uploader `k mod UPLOADERS`.
pub const UPLOADERS: u64 = 5;

/// The `mid` of the first simulated uploader.
pub const FIRST_UPLOADER_MID: u64 = 20_000_001;

/// A deterministic world: every item's future and every noise episode, drawn at construction.
#[derive(Debug, Clone)]
pub struct World {
    cfg: SimConfig,
    items: Vec<SimItem>,
    by_kind_number: HashMap<(SimKind, u64), usize>,
    episodes: Vec<Episode>,
    truth: Vec<TruthEvent>,
}

const STREAM_ITEM: u64 = 1;
const STREAM_NOISE: u64 = 2;

impl World {
    /// Build the world for `cfg` (validated first).
    pub fn new(cfg: SimConfig) -> Result<World, SimError> {
        cfg.validate()?;
        let items: Vec<SimItem> = (0..cfg.items).map(|i| draw_item(&cfg, i)).collect();
        let by_kind_number = items
            .iter()
            .map(|item| ((item.kind, item.number), item.index))
            .collect();
        let episodes = draw_episodes(&cfg);
        let mut world = World {
            cfg,
            items,
            by_kind_number,
            episodes,
            truth: Vec::new(),
        };
        world.truth = crate::truth::build(&world);
        Ok(world)
    }

    /// The config the world was built from.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// Every item, published or not (the future included: this is the simulator's view).
    pub fn items(&self) -> &[SimItem] {
        &self.items
    }

    /// Every noise episode.
    pub fn episodes(&self) -> &[Episode] {
        &self.episodes
    }

    /// Unix time of simulated second `t`.
    pub fn unix(&self, t: u64) -> i64 {
        self.cfg
            .epoch_unix
            .saturating_add(t.min(i64::MAX as u64) as i64)
    }

    /// The item served under a kind and numeric id.
    pub fn lookup(&self, kind: SimKind, number: u64) -> Option<&SimItem> {
        self.by_kind_number
            .get(&(kind, number))
            .map(|&i| &self.items[i])
    }

    /// What the simulator presents for `item` at `now`. Blocks win over outages, outages over
    /// everything item-specific.
    pub fn presented(&self, item: &SimItem, now: u64) -> Presented {
        if let Some(noise) = self.noise_at(item.kind, now) {
            return match noise {
                NoiseKind::Block(v) => Presented::Blocked(v),
                NoiseKind::Outage(v) => Presented::Outage(v),
            };
        }
        let Some(state) = item.state_at(now) else {
            return Presented::NotYetPublished;
        };
        if item.ghost.is_some_and(|(s, e)| (s..e).contains(&now)) {
            return Presented::Ghost;
        }
        Presented::State(state)
    }

    /// The noise on a platform at `now`, if any (blocks first).
    pub fn noise_at(&self, kind: SimKind, now: u64) -> Option<NoiseKind> {
        let active = |want_block: bool| {
            self.episodes.iter().find(|e| {
                e.kind == kind
                    && (e.start..e.end).contains(&now)
                    && matches!(e.noise, NoiseKind::Block(_)) == want_block
            })
        };
        active(true).or_else(|| active(false)).map(|e| e.noise)
    }

    /// The state `annals_platforms::parse` derives from the primary probe's response for
    /// `presented` on `kind`: the signal table the simulator implements.
    pub fn observed_as(kind: SimKind, presented: Presented) -> State {
        render::observed_as(kind, presented)
    }

    /// Answer a request. `target` is a path and query (`/x/web-interface/view?bvid=…`) or an
    /// absolute URL whose scheme and host are ignored. Never panics.
    pub fn respond(&self, target: &str, now: u64) -> SimResponse {
        render::respond(self, target, now)
    }

    /// Items published at or before `now`, in publication order.
    pub fn items_until(&self, now: u64, web_origin: &str) -> Vec<ItemLine> {
        let mut lines: Vec<&SimItem> = self
            .items
            .iter()
            .filter(|i| i.published_at <= now)
            .collect();
        lines.sort_by_key(|i| (i.published_at, i.index));
        lines
            .into_iter()
            .map(|item| ItemLine {
                url: item.url(web_origin),
                platform: item.kind.platform().to_owned(),
                native_id: item.native_id.clone(),
                path: item.path.clone(),
                published_at: item.published_at,
                uploader: item.uploader,
            })
            .collect()
    }

    /// The simulated Bilibili uploaders' `mid`s (`space.bilibili.com/<mid>`).
    pub fn uploaders(&self) -> Vec<u64> {
        (0..UPLOADERS).map(|k| FIRST_UPLOADER_MID + k).collect()
    }

    /// An uploader's videos that the public sees at `now` (live, ghost flaps included: a flap
    /// is one serving node's error, not the list's), newest first; `None` for an unknown `mid`.
    pub fn uploader_videos(&self, mid: u64, now: u64) -> Option<Vec<&SimItem>> {
        if !self.uploaders().contains(&mid) {
            return None;
        }
        let mut videos: Vec<&SimItem> = self
            .items
            .iter()
            .filter(|i| i.uploader == Some(mid) && i.state_at(now) == Some(ItemState::Live))
            .collect();
        videos.sort_by_key(|i| (std::cmp::Reverse(i.published_at), i.index));
        Some(videos)
    }

    /// The WBI keys (`img_key`, `sub_key`) `/x/web-interface/nav` publishes at `now`: they
    /// rotate every simulated day, and signatures with the previous day's keys are still
    /// accepted (so a client that refreshes its keys every few hours is never refused).
    pub fn wbi_keys(&self, now: u64) -> (String, String) {
        let k = crate::wbi::keys_for_day(self.cfg.seed, now / 86_400);
        (k.img, k.sub)
    }

    /// Whether the raw query `q` of a WBI endpoint carries a valid `w_rid`/`wts` at `now`
    /// (today's or yesterday's keys). `wts` itself is not compared with the clock: a client
    /// beside an accelerated simulator keeps its own time.
    pub fn wbi_valid(&self, q: &str, now: u64) -> bool {
        let day = now / 86_400;
        [Some(day), day.checked_sub(1)]
            .into_iter()
            .flatten()
            .any(|d| crate::wbi::verify(q, &crate::wbi::keys_for_day(self.cfg.seed, d)))
    }

    /// Ground-truth events at or before `now`, in time order.
    pub fn truth_until(&self, now: u64) -> &[TruthEvent] {
        let end = self.truth.partition_point(|e| e.t <= now);
        &self.truth[..end]
    }

    /// Every ground-truth event, the future included.
    pub fn truth(&self) -> &[TruthEvent] {
        &self.truth
    }

    /// Write the ground truth up to `now` as JSONL.
    pub fn write_truth(&self, path: &std::path::Path, now: u64) -> Result<(), SimError> {
        crate::truth::write_jsonl(path, self.truth_until(now))
    }
}

fn pick_fate(cfg: &SimConfig, kind: SimKind, rng: &mut Rng) -> ItemState {
    let weights: Vec<f64> = cfg
        .fates
        .weights
        .iter()
        .map(|(s, w)| if kind.supports(*s) { *w } else { 0.0 })
        .collect();
    rng.weighted(&weights)
        .map_or(ItemState::Live, |i| cfg.fates.weights[i].0)
}

fn pick_delay(cfg: &SimConfig, rng: &mut Rng) -> u64 {
    let weights: Vec<f64> = cfg.fates.delay.iter().map(|b| b.weight).collect();
    match rng.weighted(&weights) {
        Some(i) => {
            let b = cfg.fates.delay[i];
            rng.log_uniform(b.from_s, b.to_s)
                .min(b.to_s.saturating_sub(1))
                .max(b.from_s)
        }
        None => 3_600,
    }
}

fn reason(state: ItemState) -> &'static str {
    match state {
        ItemState::Live => "published",
        ItemState::AuthorDeleted => "author deleted",
        ItemState::PlatformRemoved => "removed by the platform",
        ItemState::UnderReview => "put under review",
        ItemState::SelfOnly => "author made it self-only",
        ItemState::RegionLocked => "region-locked by the platform",
    }
}

fn draw_item(cfg: &SimConfig, index: usize) -> SimItem {
    let mut rng = Rng::derive(cfg.seed, STREAM_ITEM, index as u64);
    let kind = SimKind::ALL[index % SimKind::ALL.len()];
    let slot = (index / SimKind::ALL.len()) as u64;
    let jitter = rng.range(0, 996);
    let (number, native_id, path) = match kind {
        SimKind::BilibiliVideo => {
            let aid = 100_000_000_000 + slot * 997 + jitter;
            let bvid = annals_platforms::aid_to_bvid(aid).unwrap_or_default();
            let path = format!("/x/web-interface/view?bvid={bvid}");
            (aid, bvid, path)
        }
        SimKind::ZhihuAnswer => {
            let id = 1_900_000_000_000_000_000 + slot * 997 + jitter;
            (id, format!("answer/{id}"), format!("/api/v4/answers/{id}"))
        }
        SimKind::WeiboPost => {
            let mid = 4_900_000_000_000_000 + slot * 997 + jitter;
            (mid, mid.to_string(), format!("/statuses/show?id={mid}"))
        }
        SimKind::WebPage => {
            let id = 100_000 + slot * 997 + jitter;
            (id, format!("page/{id}"), format!("/page/{id}"))
        }
    };
    let published_at = rng.range(0, cfg.publish_window_s);
    let fate = pick_fate(cfg, kind, &mut rng);
    let mut phases = vec![Phase {
        at: published_at,
        state: ItemState::Live,
        reason: reason(ItemState::Live),
    }];
    if fate != ItemState::Live {
        let at = published_at + pick_delay(cfg, &mut rng);
        phases.push(Phase {
            at,
            state: fate,
            reason: reason(fate),
        });
        if fate == ItemState::UnderReview {
            let (lo, hi) = cfg.fates.review_s;
            let end = at + rng.range(lo, hi).max(1);
            let (state, why) = if rng.chance(cfg.fates.review_restored) {
                (ItemState::Live, "review passed: restored")
            } else {
                (ItemState::PlatformRemoved, "review failed: removed")
            };
            phases.push(Phase {
                at: end,
                state,
                reason: why,
            });
        }
    }
    let first_change = phases.get(1).map_or(u64::MAX, |p| p.at);
    let mut edits = Vec::new();
    if rng.chance(cfg.noise.edit_prob) {
        for _ in 0..rng.range(1, 2) {
            let t = published_at + rng.log_uniform(120, 3 * 86_400);
            if t < first_change {
                edits.push(t);
            }
        }
        edits.sort_unstable();
        edits.dedup();
    }
    let mut ghost = None;
    if rng.chance(cfg.noise.ghost_prob) {
        let start = published_at + rng.log_uniform(300, 2 * 86_400);
        let end = start + rng.range(cfg.noise.ghost_s.0, cfg.noise.ghost_s.1).max(1);
        // Only a flap while the item is live: otherwise it would not look like one.
        if end < first_change {
            ghost = Some((start, end));
        }
    }
    // Heavy-tailed audience: Pareto with alpha 1.2 over a per-kind base, capped.
    let base = [2_000.0, 300.0, 100.0, 50.0][kind.index()];
    let u = rng.unit().max(1e-9);
    let scale = (base * u.powf(-1.0 / 1.2)).min(5e8);
    let tau_s = rng.log_uniform(1_800, 2 * 86_400) as f64;
    let mut ratios = [0.0; 6];
    for r in ratios.iter_mut() {
        *r = 0.005 + 0.1 * rng.unit();
    }
    let uploader = (kind == SimKind::BilibiliVideo).then(|| FIRST_UPLOADER_MID + slot % UPLOADERS);
    SimItem {
        uploader,
        index,
        kind,
        native_id,
        number,
        path,
        published_at,
        fate,
        phases,
        edits,
        ghost,
        growth: Growth {
            scale,
            tau_s,
            ratios,
        },
    }
}

fn draw_episodes(cfg: &SimConfig) -> Vec<Episode> {
    let mut episodes = Vec::new();
    for kind in SimKind::ALL {
        for (n, (per_day, (lo, hi))) in [
            (cfg.noise.blocks_per_day, cfg.noise.block_s),
            (cfg.noise.outages_per_day, cfg.noise.outage_s),
        ]
        .into_iter()
        .enumerate()
        {
            if per_day <= 0.0 {
                continue;
            }
            let mut rng = Rng::derive(cfg.seed, STREAM_NOISE, (kind.index() * 2 + n) as u64);
            let mean_gap = 86_400.0 / per_day;
            let mut t = 0u64;
            loop {
                t = t.saturating_add(rng.exponential(mean_gap) as u64);
                if t >= cfg.duration_s {
                    break;
                }
                let end = t + rng.range(lo, hi).max(1);
                let variant = rng.range(0, 2) as u8;
                let noise = if n == 0 {
                    NoiseKind::Block(variant)
                } else {
                    NoiseKind::Outage(variant)
                };
                episodes.push(Episode {
                    kind,
                    start: t,
                    end,
                    noise,
                });
                t = end;
            }
        }
    }
    episodes.sort_by_key(|e| (e.start, e.kind.index()));
    episodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_metrics_monotone() {
        let cfg = SimConfig {
            items: 50,
            ..SimConfig::default()
        };
        let a = World::new(cfg.clone()).unwrap();
        let b = World::new(cfg).unwrap();
        assert_eq!(a.items(), b.items());
        assert_eq!(a.episodes(), b.episodes());
        for item in a.items() {
            let mut last = [0u64; 7];
            for t in (0..200_000).step_by(997) {
                let m = item.metrics(t);
                assert!(m.iter().zip(last).all(|(x, y)| *x >= y), "{item:?} at {t}");
                last = m;
            }
            assert!(item.phases.windows(2).all(|w| w[0].at < w[1].at));
        }
    }
}

//! A censored platform on loopback, with ground truth: a deterministic world of Bilibili
//! videos, Zhihu answers, Weibo posts and web pages that are published, grow, get edited and
//! disappear on schedule, served over HTTP with the real endpoint paths, JSON shapes, codes and
//! messages, so that annals can be tested and benchmarked without the internet.
//!
//! # Brief overview
//! - [`SimConfig`]: seed, item count, duration, publication window, [`FateDistribution`]
//!   (fates and deletion delays; the default follows the Weibo figures: about 30 % of
//!   disappearances 5–30 min after posting, about 90 % within 24 h) and [`NoiseConfig`]
//!   (anti-crawl blocks, 5xx bursts, ghost flaps, edits).
//! - [`World`]: the pure core. Built once from the config (seeded PRNG, no IO, no clock);
//!   [`World::respond`] answers a request at a simulated second `now`;
//!   [`World::truth_until`] lists the [`TruthEvent`]s so far; [`World::write_truth`] writes them
//!   as JSONL. [`World::presented`] and [`World::observed_as`] expose what a response means.
//! - [`Clock`]: the seam between real and simulated time. [`RealClock`] is
//!   `start + elapsed × speed`; [`ManualClock`] moves only when told.
//! - [`Simulator::router`], [`serve_world`], [`serve`]: the thin axum shell.
//!
//! # URL mapping
//! Paths are Host-agnostic and do not collide, so one server stands in for every platform:
//! point each platform's base URL (`https://api.bilibili.com`, `https://www.zhihu.com`,
//! `https://m.weibo.cn`) at the simulator's origin and keep path and query.
//!
//! | Real request | Simulator path |
//! |---|---|
//! | `https://api.bilibili.com/x/web-interface/view?bvid=BV…` (or `aid=`, or `/wbi/view`) | same path and query |
//! | `https://api.bilibili.com/x/v2/reply/count?type=1&oid={aid}` | same |
//! | `https://api.bilibili.com/x/web-interface/nav` | same: a guest's answer (`code:-101`) with the simulator's WBI keys ([`World::wbi_keys`]) |
//! | `https://api.bilibili.com/x/space/wbi/arc/search?mid=…&ps=&pn=` (+ `w_rid`, `wts`) | same: the uploader's live videos, newest first, once the signature verifies ([`World::wbi_valid`]); `-403 访问权限不足` otherwise |
//! | `https://www.zhihu.com/api/v4/answers/{id}?include=…` | same (`include` ignored) |
//! | `https://m.weibo.cn/statuses/show?id={mid or bid}`, `/statuses/extend?id=` | same |
//! | a web page | `/page/{id}` on the simulator itself (404 or 410 when gone, 451 region-locked) |
//! | — | `/_sim/items`: JSONL of items published so far (url, platform, native_id, path) |
//! | — | `/_sim/truth`: ground-truth JSONL so far; `/_sim/now`: the simulated time |
//!
//! Item URLs in `/_sim/items` are the canonical ones (`https://www.bilibili.com/video/BV…`,
//! `https://www.zhihu.com/answer/{id}`, `https://m.weibo.cn/detail/{mid}`), which
//! `annals_platforms::ItemRef::parse` accepts; web pages use the Host the request came to.
//! The ground truth joins on `path` (and `native_id`). Every Bilibili video has an uploader
//! ([`SimItem::uploader`], one of [`World::uploaders`], also in `/_sim/items`), which the
//! `view` answer's `owner.mid` and the uploader's list agree on.
//!
//! **Invariant:** the world never reads a clock, the network or the disk (except
//! [`World::write_truth`]); the same config gives the same world, byte for byte.
//!
//! # Example
//! ```
//! use annals_simulator::{SimConfig, World};
//!
//! let world = World::new(SimConfig { seed: 7, items: 40, ..SimConfig::default() }).unwrap();
//! let item = &world.items()[0];
//! let before = world.respond(&item.path, item.published_at.saturating_sub(1));
//! let after = world.respond(&item.path, item.published_at);
//! assert_eq!(before.status, 200); // Bilibili says "gone" with HTTP 200 and a code.
//! assert!(String::from_utf8_lossy(&before.body).contains("-404"));
//! assert!(world.truth_until(item.published_at).iter().any(|e| e.path.as_ref() == Some(&item.path)));
//! # let _ = after;
//! ```
#![deny(missing_docs)]

pub use config::{DelayBucket, FateDistribution, ItemState, NoiseConfig, SimConfig};
pub use error::SimError;
pub use server::{Clock, ManualClock, RealClock, ServerHandle, Simulator, serve, serve_world};
pub use truth::{TruthEvent, TruthKind, to_jsonl as truth_jsonl};
pub use world::{
    Episode, FIRST_UPLOADER_MID, Growth, ItemLine, NoiseKind, Phase, Presented, SimItem, SimKind,
    SimResponse, UPLOADERS, World,
};

mod config;
mod error;
mod render;
mod rng;
mod server;
mod truth;
mod wbi;
mod world;

/// Write `world`'s ground truth up to simulated second `now` to `path` as JSONL.
pub fn write_truth(world: &World, path: &std::path::Path, now: u64) -> Result<(), SimError> {
    world.write_truth(path, now)
}

//! When to look at each watched item next, and which items to fetch now within a budget.
//!
//! A pure core in the quinn style: no IO, no clock, no randomness of its own. Every call takes
//! `now` (unix seconds); back-off jitter comes from an [`Entropy`] the caller seeds. The observer
//! shell drives it with the real clock; tests drive it with a simulated one.
//!
//! # Brief overview
//! - [`Policy`]: age tiers (`default`: 1 min in the first hour, 5 min to 6 h, 15 min to 24 h,
//!   hourly to 7 days, daily after; also [`Policy::hot`], [`Policy::daily`] and the
//!   [`Policy::uniform`] evaluation baseline), a short confirmation delay and a rare re-check of
//!   gone items. [`PolicySpec`] is how a watchlist names or spells one (serde: TOML, JSON).
//! - [`Policy::next_due`] / [`next_due`]: `(state, first_seen, last_observed, now) → (due_at,
//!   priority)`, [`Priority`] ordering confirmations, new items, young, old, gone.
//! - [`Scheduler`]: up to millions of items in compact heaps (24-byte entries, 32-byte slots);
//!   [`Scheduler::poll`] hands out what to fetch now within a [`Budget`] (global and per-host
//!   token buckets; overdue items caught up by priority, never faster than the budget), and
//!   [`Scheduler::record`] takes each [`Outcome`].
//! - [`Backoff`]: per-host exponential back-off with full jitter on `blocked`, honouring
//!   `Retry-After`, reset on success; [`SplitMix64`] is a seeded [`Entropy`].
//!
//! **Invariant:** never more than `burst + per_minute · elapsed / 60` requests handed out, over
//! all hosts and per host. **Invariant:** a confirmation re-check outranks every other fetch.
//!
//! # Example
//! ```
//! use annals_schedule::{Budget, ItemState, Outcome, Policy, Priority, Scheduler, SplitMix64};
//!
//! let mut scheduler = Scheduler::new(Policy::standard(), Budget::per_minute(60)).unwrap();
//! let host = scheduler.host("api.bilibili.com");
//! let policy = annals_schedule::PolicyId(0);
//! let item = scheduler.insert(host, policy, 1_000, 1_000);
//! let mut rng = SplitMix64(7);
//!
//! let mut fetch = Vec::new();
//! scheduler.poll(1_000, &mut fetch);
//! assert_eq!(fetch, [item]);
//! // The observer fetched it, parsed it, fed the timeline: still live.
//! scheduler.record(item, Outcome::Observed(ItemState::Live), 1_000, &mut rng);
//! // Young items come back after a minute.
//! assert_eq!(scheduler.poll_timeout(1_000), Some(1_060));
//!
//! // The next look found it gone once: the timeline needs confirmation.
//! fetch.clear();
//! scheduler.poll(1_060, &mut fetch);
//! scheduler.record(item, Outcome::Observed(ItemState::Confirming), 1_060, &mut rng);
//! let (due, priority) = Policy::standard().next_due(ItemState::Confirming, 1_000, Some(1_060), 1_060);
//! assert_eq!((due, priority), (1_120, Priority::CONFIRM));
//! ```
#![deny(missing_docs)]

pub use backoff::{Backoff, Entropy, SplitMix64};
pub use duration::{format_secs, parse_secs};
pub use error::Error;
pub use policy::{ItemState, Policy, PolicySpec, Priority, Tier, next_due};
pub use scheduler::{Budget, HostId, ItemId, Outcome, PolicyId, Scheduler};

mod backoff;
mod duration;
mod error;
mod policy;
mod scheduler;

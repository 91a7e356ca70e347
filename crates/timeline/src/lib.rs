//! Observations in, events out: what happened to one watched item.
//!
//! A pure core (no IO, no clock, no randomness): times are the observations' own unix seconds.
//!
//! # Brief overview
//! - [`Timeline`]: the incremental state machine. [`Timeline::observe`] takes one observation
//!   and returns the [`Event`]s it completes; [`Timeline::needs_confirmation`] tells the
//!   scheduler to re-check the item ahead of its turn.
//! - [`derive`], [`derive_with`]: the same events from a whole history at once.
//! - [`Event`]: `appeared`, `edited`, `restricted`, `unrestricted`, `disappeared`, `reappeared`,
//!   `reclassified`, `ghost` (serde, `kind`-tagged, stable names). A disappearance is an
//!   interval `(last_seen_present, first_seen_gone]`, never a point.
//! - [`Class`]: how each observation state counts (live, restricted, gone, or a failure that is
//!   ignored); the table on the type documents the choice per state.
//! - [`Version`]: the content versions an item went through ([`Timeline::versions`]).
//! - [`Config`]: confirmations needed (default 2) and an optional minimum span.
//!
//! **Invariant:** `blocked` and `error` observations never confirm, cancel or bound anything.
//! **Invariant:** `derive(history)` equals feeding `history` to `Timeline::observe` in order.
//!
//! # Example
//! ```
//! use annals_model::{GoneReason, Observation, Signal, State};
//! use annals_timeline::{Event, Timeline, derive};
//!
//! let obs = |state| Observation::new(state, Signal::default());
//! let history = vec![
//!     (60, obs(State::Live)),
//!     (120, obs(State::Gone(GoneReason::Unknown))), // suspected
//!     (180, obs(State::Blocked)),                   // ignored
//!     (300, obs(State::Gone(GoneReason::Unknown))), // confirmed
//! ];
//!
//! let mut timeline = Timeline::default();
//! let mut events = Vec::new();
//! for (at, observation) in &history {
//!     events.extend(timeline.observe(*at, observation));
//!     if *at == 120 {
//!         assert!(timeline.needs_confirmation());
//!     }
//! }
//! assert_eq!(events, derive(&history));
//! assert_eq!(events[0].kind(), "appeared");
//! match &events[1] {
//!     Event::Disappeared { last_seen_live, first_seen_gone, at, .. } => {
//!         assert_eq!((*last_seen_live, *first_seen_gone, *at), (60, 120, 300));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```
#![deny(missing_docs)]

pub use derive::{derive, derive_with};
pub use event::{Class, Config, Event, Version};
pub use timeline::{Phase, Suspicion, Timeline};

mod derive;
mod event;
mod timeline;

//! The events a [`Timeline`](crate::Timeline) derives, and how each observation state is
//! classified.

use annals_model::State;
use serde::{Deserialize, Serialize};

/// How the timeline treats an observation's [`State`].
///
/// | State | Class | Why |
/// |---|---|---|
/// | `live` | [`Class::Live`] | publicly visible |
/// | `gone:*`, `under_review`, `self_only` | [`Class::Gone`] | the public can no longer see it ([`State::is_disappearance`]); `under_review` is provisional and is reclassified when the review ends |
/// | `region_locked`, `login_required` | [`Class::Restricted`] | the item still exists; what limits it is the vantage or an account, not the item's fate |
/// | `blocked`, `error` | [`Class::Failure`] | observation failures: ignored for state, never a confirmation, never a cancellation |
///
/// `self_only` counts as a disappearance (the taxonomy's choice, and Zhu et al.'s "camouflaged"
/// posts made visible only to their author are a censorship mechanism), not a restriction.
/// States added to the model later fall back on [`State::is_disappearance`] and
/// [`State::is_observation_failure`]; anything else is a restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Publicly visible.
    Live,
    /// Exists but not viewable from here (region lock, login wall).
    Restricted,
    /// Not viewable by the public any more.
    Gone,
    /// The observation failed and says nothing about the item.
    Failure,
}

impl Class {
    /// The class of an observation state.
    pub fn of(state: State) -> Class {
        if state == State::Live {
            Class::Live
        } else if state.is_observation_failure() {
            Class::Failure
        } else if state.is_disappearance() {
            Class::Gone
        } else {
            Class::Restricted
        }
    }
}

/// Something that happened to an item, derived from its observations.
///
/// Serialised with a `kind` tag whose values are stable: `appeared`, `edited`, `restricted`,
/// `unrestricted`, `disappeared`, `reappeared`, `reclassified`, `ghost`. All times are unix
/// seconds of observations; a moment between two observations is always given as an interval
/// `(after, before]`, never as a point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// First `live` observation of the item.
    Appeared {
        /// Time of that observation.
        at: i64,
        /// Its content hash (version 0), when it had one.
        content_hash: Option<String>,
    },
    /// A `live` observation carried a content hash different from the current version's.
    Edited {
        /// Time of the observation with the new hash.
        at: i64,
        /// Index of the new version in [`Timeline::versions`](crate::Timeline::versions).
        version: usize,
        /// Hash of the version it replaces.
        previous_hash: String,
        /// The new hash.
        content_hash: String,
    },
    /// A confirmed restriction (`region_locked`, `login_required`): the item still exists.
    Restricted {
        /// Time of the observation that confirmed it.
        at: i64,
        /// State of that observation.
        state: State,
        /// The confirmed state it left (`live`, or a disappearance state).
        from: State,
        /// Last `live` observation before it.
        last_seen_live: i64,
        /// First observation of the confirming run: the restriction began in
        /// `(last sighting in the previous state, first_seen]`.
        first_seen: i64,
        /// Observations in the confirming run.
        confirmations: u32,
    },
    /// A `live` observation after a confirmed restriction.
    Unrestricted {
        /// Time of that observation.
        at: i64,
        /// The restriction that ended.
        state: State,
        /// When the restriction was first seen.
        since: i64,
        /// Last observation that still showed the restriction.
        last_seen_restricted: i64,
    },
    /// A confirmed disappearance. It happened in `(last_seen_present, first_seen_gone]`.
    Disappeared {
        /// Time of the observation that confirmed it.
        at: i64,
        /// State of that observation (the latest evidence).
        state: State,
        /// The confirmed state it left (`live`, `region_locked`, `login_required`).
        from: State,
        /// Last `live` observation.
        last_seen_live: i64,
        /// Last observation showing the item exists (`live` or restricted); `>= last_seen_live`.
        last_seen_present: i64,
        /// First observation of the confirming run.
        first_seen_gone: i64,
        /// Observations in the confirming run.
        confirmations: u32,
    },
    /// A `live` observation after a confirmed disappearance; both intervals are kept.
    Reappeared {
        /// Time of that observation: it came back in `(last_seen_gone, at]`.
        at: i64,
        /// The disappearance state that ended.
        state: State,
        /// First observation of the disappearance.
        first_seen_gone: i64,
        /// Last observation that still showed it gone.
        last_seen_gone: i64,
    },
    /// The confirmed state changed within its class (e.g. `under_review` →
    /// `gone:platform_removed`). Immediate: no confirmation needed.
    Reclassified {
        /// Time of the observation.
        at: i64,
        /// The previous confirmed state.
        from: State,
        /// The new state.
        to: State,
    },
    /// A suspected change that did not get confirmed: the item returned to its confirmed
    /// state (a "ghost" flap, as JMSC saw with serving nodes that disagree).
    Ghost {
        /// Time of the observation that cancelled the suspicion.
        at: i64,
        /// Latest state of the unconfirmed run.
        state: State,
        /// The confirmed state it returned to.
        confirmed: State,
        /// First observation of the unconfirmed run.
        first_seen: i64,
        /// Last observation of the unconfirmed run.
        last_seen: i64,
        /// Observations in the unconfirmed run (fewer than needed).
        observations: u32,
    },
}

impl Event {
    /// The stable kind name, as serialised in the `kind` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Appeared { .. } => "appeared",
            Event::Edited { .. } => "edited",
            Event::Restricted { .. } => "restricted",
            Event::Unrestricted { .. } => "unrestricted",
            Event::Disappeared { .. } => "disappeared",
            Event::Reappeared { .. } => "reappeared",
            Event::Reclassified { .. } => "reclassified",
            Event::Ghost { .. } => "ghost",
        }
    }

    /// Time of the observation that produced the event.
    pub fn at(&self) -> i64 {
        match self {
            Event::Appeared { at, .. }
            | Event::Edited { at, .. }
            | Event::Restricted { at, .. }
            | Event::Unrestricted { at, .. }
            | Event::Disappeared { at, .. }
            | Event::Reappeared { at, .. }
            | Event::Reclassified { at, .. }
            | Event::Ghost { at, .. } => *at,
        }
    }
}

/// One version of an item's content: a hash and when it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// `sha256:<hex>` content hash, as in [`Observation::content_hash`](annals_model::Observation).
    pub content_hash: String,
    /// First `live` observation with this hash.
    pub first_seen: i64,
    /// Last `live` observation with this hash (before the next version).
    pub last_seen: i64,
}

/// Settings for deriving events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Consecutive observations of a disappearance (or restriction) needed to confirm it,
    /// failures not counted and not breaking the run. At least 1; default 2.
    pub confirmations: u32,
    /// Minimum seconds between the first and the confirming observation of a run; default 0.
    pub min_span_secs: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            confirmations: 2,
            min_span_secs: 0,
        }
    }
}

impl Config {
    /// Whether a run of `count` observations spanning `first..=last` is confirmed.
    pub(crate) fn confirms(&self, count: u32, first: i64, last: i64) -> bool {
        count >= self.confirmations.max(1) && last.saturating_sub(first) >= self.min_span_secs
    }
}

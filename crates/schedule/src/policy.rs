//! Policies: how often to look at an item, by its age and state.

use serde::{Deserialize, Serialize};

use crate::duration::{opt_secs, secs};
use crate::error::Error;

/// What the scheduler needs to know about an item's last observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum ItemState {
    /// Never observed: due at once.
    New = 0,
    /// Publicly visible: age tiers apply.
    Live = 1,
    /// A suspected change waits for confirmation (`Timeline::needs_confirmation`): short fixed
    /// delay, top priority.
    Confirming = 2,
    /// Restricted (region lock, login wall): it can still disappear, so age tiers apply.
    Restricted = 3,
    /// Confirmed gone: re-checked rarely, for reappearance.
    Gone = 4,
}

impl ItemState {
    pub(crate) fn from_u8(value: u8) -> ItemState {
        match value {
            1 => ItemState::Live,
            2 => ItemState::Confirming,
            3 => ItemState::Restricted,
            4 => ItemState::Gone,
            _ => ItemState::New,
        }
    }
}

/// How urgent a fetch is; higher is more urgent.
///
/// Order: confirmations, then new items, then live items by age tier (youngest first), then
/// gone items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Priority(pub u8);

impl Priority {
    /// A confirmation re-check.
    pub const CONFIRM: Priority = Priority(255);
    /// An item never observed.
    pub const NEW: Priority = Priority(250);
    /// A gone item's re-check for reappearance.
    pub const GONE: Priority = Priority(10);

    /// Priority of a live item in age tier `index` (0 = youngest): 200, 190, … down to 20.
    pub fn tier(index: usize) -> Priority {
        Priority(200 - (index.min(18) as u8) * 10)
    }
}

/// One age band of a [`Policy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The band ends at this age (seconds since first seen, exclusive); absent on the last band.
    /// Config accepts `"90s"`, `"5m"`, `"6h"`, `"7d"` or an integer of seconds.
    #[serde(default, with = "opt_secs", skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    /// Interval between observations in this band, seconds (same spellings).
    #[serde(with = "secs")]
    pub every: i64,
}

/// A re-observation policy: age tiers plus the confirmation and gone rules.
///
/// Deserialises from config (TOML or JSON), e.g.:
///
/// ```toml
/// confirm_delay = "3m"
/// gone_recheck = "1d"
/// tiers = [
///   { until = "1h", every = "1m" },
///   { until = "1d", every = "15m" },
///   { every = "1d" },
/// ]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Age bands in increasing order; the last applies to every older age.
    pub tiers: Vec<Tier>,
    /// Delay before a confirmation re-check (capped by the tier interval when that is shorter).
    #[serde(with = "secs")]
    pub confirm_delay: i64,
    /// Interval between re-checks of a confirmed-gone item.
    #[serde(with = "secs")]
    pub gone_recheck: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::standard()
    }
}

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn tiers(bands: &[(Option<i64>, i64)]) -> Vec<Tier> {
    bands
        .iter()
        .map(|&(until, every)| Tier { until, every })
        .collect()
}

impl Policy {
    /// `default`: every minute in the first hour, 5 min to 6 h, 15 min to 24 h, hourly to 7 days,
    /// daily after; confirmations after 3 min; gone items daily.
    pub fn standard() -> Policy {
        Policy {
            tiers: tiers(&[
                (Some(HOUR), MINUTE),
                (Some(6 * HOUR), 5 * MINUTE),
                (Some(DAY), 15 * MINUTE),
                (Some(7 * DAY), HOUR),
                (None, DAY),
            ]),
            confirm_delay: 3 * MINUTE,
            gone_recheck: DAY,
        }
    }

    /// `hot`: every minute to 6 h, 5 min to 24 h, 15 min to 7 days, hourly after;
    /// confirmations after 2 min; gone items every 6 h.
    pub fn hot() -> Policy {
        Policy {
            tiers: tiers(&[
                (Some(6 * HOUR), MINUTE),
                (Some(DAY), 5 * MINUTE),
                (Some(7 * DAY), 15 * MINUTE),
                (None, HOUR),
            ]),
            confirm_delay: 2 * MINUTE,
            gone_recheck: 6 * HOUR,
        }
    }

    /// `daily`: once a day whatever the age (Pew-style); confirmations after 5 min; gone
    /// items weekly.
    pub fn daily() -> Policy {
        Policy {
            tiers: tiers(&[(None, DAY)]),
            confirm_delay: 5 * MINUTE,
            gone_recheck: 7 * DAY,
        }
    }

    /// The evaluation baseline: every item every `every` seconds whatever its age or state
    /// (confirmations and gone re-checks included), all at one priority but confirmations.
    pub fn uniform(every: i64) -> Policy {
        Policy {
            tiers: tiers(&[(None, every)]),
            confirm_delay: every,
            gone_recheck: every,
        }
    }

    /// The uniform interval that spends `per_minute` requests on `items` items (rounded up to
    /// whole seconds).
    pub fn uniform_for_budget(items: u64, per_minute: u32) -> Policy {
        let per_minute = u64::from(per_minute.max(1));
        Policy::uniform(((items * 60).div_ceil(per_minute)).max(1) as i64)
    }

    /// A named policy: `default`, `hot` or `daily`.
    pub fn named(name: &str) -> Result<Policy, Error> {
        match name {
            "default" => Ok(Policy::standard()),
            "hot" => Ok(Policy::hot()),
            "daily" => Ok(Policy::daily()),
            other => Err(Error::UnknownPolicy(other.to_owned())),
        }
    }

    /// Checks that tiers exist, intervals are positive and bands increase.
    pub fn validate(&self) -> Result<(), Error> {
        if self.tiers.is_empty() {
            return Err(Error::InvalidPolicy("no tiers".into()));
        }
        if self.tiers.len() > 19 {
            return Err(Error::InvalidPolicy("more than 19 tiers".into()));
        }
        let mut previous = 0;
        for (index, tier) in self.tiers.iter().enumerate() {
            if tier.every <= 0 {
                return Err(Error::InvalidPolicy(format!(
                    "tier {index}: interval must be positive"
                )));
            }
            match tier.until {
                Some(until) if until <= previous => {
                    return Err(Error::InvalidPolicy(format!(
                        "tier {index}: bands must increase"
                    )));
                }
                Some(until) => previous = until,
                None if index + 1 != self.tiers.len() => {
                    return Err(Error::InvalidPolicy(format!(
                        "tier {index}: only the last tier may be open-ended"
                    )));
                }
                None => {}
            }
        }
        if self.confirm_delay <= 0 || self.gone_recheck <= 0 {
            return Err(Error::InvalidPolicy(
                "confirm_delay and gone_recheck must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The tier index and interval for an item of `age` seconds.
    pub fn tier_for(&self, age: i64) -> (usize, i64) {
        let last = self.tiers.len().saturating_sub(1);
        let index = self
            .tiers
            .iter()
            .position(|t| t.until.is_none_or(|until| age < until))
            .unwrap_or(last);
        (index, self.tiers.get(index).map_or(DAY, |t| t.every))
    }

    /// When to look next and how urgently.
    ///
    /// `first_seen` is when the item was first seen (its age origin), `last_observed` the time of
    /// its latest observation (`None`: never), `now` the current time; the age used is
    /// `now − first_seen`. The result may lie in the past: the item is overdue, and the
    /// [`Scheduler`](crate::Scheduler) catches up by priority within its budget.
    pub fn next_due(
        &self,
        state: ItemState,
        first_seen: i64,
        last_observed: Option<i64>,
        now: i64,
    ) -> (i64, Priority) {
        let Some(last) = last_observed else {
            return (now, Priority::NEW);
        };
        let age = now.max(last).saturating_sub(first_seen).max(0);
        let (index, every) = self.tier_for(age);
        match state {
            ItemState::New => (now, Priority::NEW),
            ItemState::Live | ItemState::Restricted => {
                (last.saturating_add(every), Priority::tier(index))
            }
            ItemState::Confirming => (
                last.saturating_add(self.confirm_delay.min(every)),
                Priority::CONFIRM,
            ),
            ItemState::Gone => (last.saturating_add(self.gone_recheck), Priority::GONE),
        }
    }
}

/// A policy as written in a watchlist: a name (`"hot"`) or a full table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PolicySpec {
    /// One of the named policies.
    Named(String),
    /// A policy spelled out.
    Custom(Policy),
}

impl PolicySpec {
    /// The validated policy.
    pub fn resolve(&self) -> Result<Policy, Error> {
        let policy = match self {
            PolicySpec::Named(name) => Policy::named(name)?,
            PolicySpec::Custom(policy) => policy.clone(),
        };
        policy.validate()?;
        Ok(policy)
    }
}

/// Free function form of [`Policy::next_due`] for the default policy.
pub fn next_due(
    state: ItemState,
    first_seen: i64,
    last_observed: Option<i64>,
    now: i64,
) -> (i64, Priority) {
    Policy::standard().next_due(state, first_seen, last_observed, now)
}

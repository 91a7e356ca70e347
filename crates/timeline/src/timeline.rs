//! The incremental state machine: one observation in, the events it completes out.

use annals_model::{Observation, State};
use serde::{Deserialize, Serialize};

use crate::event::{Class, Config, Event, Version};

/// The confirmed state of an item, as far as the timeline knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Never observed `live` (not observed yet, or only ever seen gone or restricted: the
    /// taxonomy's `NotFound`, which produces no disappearance).
    Unseen,
    /// Publicly visible.
    Live,
    /// A confirmed restriction (the state says which).
    Restricted(State),
    /// A confirmed disappearance (the state says which).
    Gone(State),
}

impl Phase {
    /// The state this phase stands for (`live` for [`Phase::Live`]); `None` for
    /// [`Phase::Unseen`].
    pub fn state(&self) -> Option<State> {
        match self {
            Phase::Unseen => None,
            Phase::Live => Some(State::Live),
            Phase::Restricted(s) | Phase::Gone(s) => Some(*s),
        }
    }

    pub(crate) fn class(&self) -> Option<Class> {
        match self {
            Phase::Unseen => None,
            Phase::Live => Some(Class::Live),
            Phase::Restricted(_) => Some(Class::Restricted),
            Phase::Gone(_) => Some(Class::Gone),
        }
    }

    pub(crate) fn confirmed(class: Class, state: State) -> Phase {
        match class {
            Class::Live => Phase::Live,
            Class::Restricted => Phase::Restricted(state),
            _ => Phase::Gone(state),
        }
    }
}

/// A suspected change waiting for confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspicion {
    /// Latest state of the run.
    pub state: State,
    /// First observation of the run.
    pub first_seen: i64,
    /// Latest observation of the run.
    pub last_seen: i64,
    /// Observations in the run so far.
    pub observations: u32,
}

/// An item's timeline: feed it observations in time order with [`Timeline::observe`]; it
/// returns the events each one completes.
///
/// Methods, quinn-style: getters ([`phase`](Timeline::phase),
/// [`needs_confirmation`](Timeline::needs_confirmation), [`suspicion`](Timeline::suspicion),
/// [`versions`](Timeline::versions), [`ghosts`](Timeline::ghosts)) and one input handler
/// ([`observe`](Timeline::observe)). It is serialisable, so a shell can persist it between
/// runs instead of replaying the history.
///
/// Rules:
/// - `blocked` and `error` observations are ignored entirely: they neither confirm nor cancel a
///   suspicion, and never become a bound of an interval.
/// - An observation earlier than the latest accepted one is ignored (histories are time-ordered;
///   equal times are accepted in order).
/// - Leaving `live` (or moving between restricted and gone) starts a suspicion; it becomes an
///   event after [`Config::confirmations`] consecutive observations of the same class.
///   A return to the confirmed state's class first ends it as a [`Event::Ghost`]; an
///   observation of the third class restarts it.
/// - A `live` observation is positive evidence: [`Event::Appeared`], [`Event::Unrestricted`] and
///   [`Event::Reappeared`] need no confirmation.
/// - Before the first `live` observation nothing but `appeared` can happen.
/// - Content versions follow the `content_hash` of `live` observations only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    config: Config,
    phase: Phase,
    /// First observation of the current confirmed non-live phase.
    since: i64,
    /// Latest observation whose class matched the confirmed phase.
    last_in_phase: i64,
    last_live: Option<i64>,
    last_present: Option<i64>,
    last_at: Option<i64>,
    pending: Option<(Class, Suspicion)>,
    versions: Vec<Version>,
    ghosts: u32,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline::new(Config::default())
    }
}

impl Timeline {
    /// An empty timeline.
    pub fn new(config: Config) -> Self {
        Timeline {
            config,
            phase: Phase::Unseen,
            since: 0,
            last_in_phase: 0,
            last_live: None,
            last_present: None,
            last_at: None,
            pending: None,
            versions: Vec::new(),
            ghosts: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> Config {
        self.config
    }

    /// The confirmed state.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether a suspected change is waiting for confirmation: the scheduler should re-check the
    /// item soon, ahead of its normal turn.
    pub fn needs_confirmation(&self) -> bool {
        self.pending.is_some()
    }

    /// The suspected change, if any.
    pub fn suspicion(&self) -> Option<Suspicion> {
        self.pending.map(|(_, s)| s)
    }

    /// Content versions in order of appearance (a return to an earlier hash is a new version).
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// How many ghost flaps were recorded.
    pub fn ghosts(&self) -> u32 {
        self.ghosts
    }

    /// Latest `live` observation.
    pub fn last_seen_live(&self) -> Option<i64> {
        self.last_live
    }

    /// Time of the latest accepted (non-failure) observation.
    pub fn last_observed(&self) -> Option<i64> {
        self.last_at
    }

    /// Takes one observation made at `at` (unix seconds) and returns the events it completes,
    /// in order.
    pub fn observe(&mut self, at: i64, observation: &Observation) -> Vec<Event> {
        let mut events = Vec::new();
        let state = observation.state;
        let class = Class::of(state);
        if class == Class::Failure || self.last_at.is_some_and(|last| at < last) {
            return events;
        }
        self.last_at = Some(at);
        match class {
            Class::Live => {
                if let Some((_, suspicion)) = self.pending.take()
                    && self.phase == Phase::Live
                {
                    self.ghosts += 1;
                    events.push(ghost(at, suspicion, State::Live));
                }
                match self.phase {
                    Phase::Unseen => events.push(Event::Appeared {
                        at,
                        content_hash: observation.content_hash.clone(),
                    }),
                    Phase::Live => {}
                    Phase::Restricted(previous) => events.push(Event::Unrestricted {
                        at,
                        state: previous,
                        since: self.since,
                        last_seen_restricted: self.last_in_phase,
                    }),
                    Phase::Gone(previous) => events.push(Event::Reappeared {
                        at,
                        state: previous,
                        first_seen_gone: self.since,
                        last_seen_gone: self.last_in_phase,
                    }),
                }
                self.phase = Phase::Live;
                self.last_live = Some(at);
                self.last_present = Some(at);
                self.last_in_phase = at;
                if let Some(hash) = &observation.content_hash {
                    push_version(&mut self.versions, at, hash, &mut events);
                }
            }
            Class::Restricted | Class::Gone => {
                let present_before = self.last_present;
                if class == Class::Restricted {
                    self.last_present = Some(at);
                }
                let Some(confirmed) = self.phase.state() else {
                    return events;
                };
                if self.phase.class() == Some(class) {
                    if let Some((_, suspicion)) = self.pending.take() {
                        self.ghosts += 1;
                        events.push(ghost(at, suspicion, confirmed));
                    }
                    if state != confirmed {
                        events.push(Event::Reclassified {
                            at,
                            from: confirmed,
                            to: state,
                        });
                        self.phase = Phase::confirmed(class, state);
                    }
                    self.last_in_phase = at;
                    return events;
                }
                let suspicion = match &mut self.pending {
                    Some((pending_class, suspicion)) if *pending_class == class => {
                        suspicion.state = state;
                        suspicion.last_seen = at;
                        suspicion.observations += 1;
                        *suspicion
                    }
                    pending => {
                        let suspicion = Suspicion {
                            state,
                            first_seen: at,
                            last_seen: at,
                            observations: 1,
                        };
                        *pending = Some((class, suspicion));
                        suspicion
                    }
                };
                if self
                    .config
                    .confirms(suspicion.observations, suspicion.first_seen, at)
                {
                    let last_seen_live = self.last_live.unwrap_or(suspicion.first_seen);
                    events.push(confirm_event(
                        class,
                        suspicion,
                        confirmed,
                        last_seen_live,
                        present_before.unwrap_or(last_seen_live),
                    ));
                    self.pending = None;
                    self.phase = Phase::confirmed(class, state);
                    self.since = suspicion.first_seen;
                    self.last_in_phase = at;
                }
            }
            Class::Failure => {}
        }
        events
    }
}

pub(crate) fn ghost(at: i64, suspicion: Suspicion, confirmed: State) -> Event {
    Event::Ghost {
        at,
        state: suspicion.state,
        confirmed,
        first_seen: suspicion.first_seen,
        last_seen: suspicion.last_seen,
        observations: suspicion.observations,
    }
}

pub(crate) fn confirm_event(
    class: Class,
    run: Suspicion,
    from: State,
    last_seen_live: i64,
    last_seen_present: i64,
) -> Event {
    if class == Class::Restricted {
        Event::Restricted {
            at: run.last_seen,
            state: run.state,
            from,
            last_seen_live,
            first_seen: run.first_seen,
            confirmations: run.observations,
        }
    } else {
        Event::Disappeared {
            at: run.last_seen,
            state: run.state,
            from,
            last_seen_live,
            last_seen_present,
            first_seen_gone: run.first_seen,
            confirmations: run.observations,
        }
    }
}

pub(crate) fn push_version(
    versions: &mut Vec<Version>,
    at: i64,
    hash: &str,
    events: &mut Vec<Event>,
) {
    match versions.last_mut() {
        Some(current) if current.content_hash == hash => current.last_seen = at,
        Some(current) => {
            let previous_hash = current.content_hash.clone();
            versions.push(Version {
                content_hash: hash.to_owned(),
                first_seen: at,
                last_seen: at,
            });
            events.push(Event::Edited {
                at,
                version: versions.len() - 1,
                previous_hash,
                content_hash: hash.to_owned(),
            });
        }
        None => versions.push(Version {
            content_hash: hash.to_owned(),
            first_seen: at,
            last_seen: at,
        }),
    }
}

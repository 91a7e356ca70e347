//! The batch derivation: a whole history in, all its events out.
//!
//! Written independently of [`Timeline::observe`](crate::Timeline::observe) (it walks maximal
//! runs of same-class observations instead of single observations), so that each checks the
//! other; the property tests assert they agree on random histories.

use annals_model::{Observation, State};

use crate::event::{Class, Config, Event, Version};
use crate::timeline::{Phase, Suspicion, confirm_event, ghost, push_version};

struct Seen<'a> {
    at: i64,
    state: State,
    hash: Option<&'a str>,
}

/// Derives every event of a time-ordered history with the default [`Config`].
///
/// Gives the same events, in the same order, as feeding each observation to
/// [`Timeline::observe`](crate::Timeline::observe).
pub fn derive(history: &[(i64, Observation)]) -> Vec<Event> {
    derive_with(Config::default(), history)
}

/// [`derive`] with explicit settings.
pub fn derive_with(config: Config, history: &[(i64, Observation)]) -> Vec<Event> {
    // Keep what the state machine keeps: no failures, nothing earlier than the latest.
    let mut seen: Vec<Seen<'_>> = Vec::with_capacity(history.len());
    let mut latest = i64::MIN;
    for (at, observation) in history {
        if Class::of(observation.state) == Class::Failure || *at < latest {
            continue;
        }
        latest = *at;
        seen.push(Seen {
            at: *at,
            state: observation.state,
            hash: observation.content_hash.as_deref(),
        });
    }

    let mut events = Vec::new();
    let mut versions: Vec<Version> = Vec::new();
    let mut phase = Phase::Unseen;
    let mut since = 0;
    let mut last_in_phase = 0;
    let mut last_live: Option<i64> = None;
    let mut last_present: Option<i64> = None;
    let mut unconfirmed: Option<Suspicion> = None;

    for run in seen.chunk_by(|a, b| Class::of(a.state) == Class::of(b.state)) {
        let class = Class::of(run[0].state);
        let start = run[0].at;
        if class == Class::Live {
            if let Some(suspicion) = unconfirmed.take()
                && phase == Phase::Live
            {
                events.push(ghost(start, suspicion, State::Live));
            }
            match phase {
                Phase::Unseen => events.push(Event::Appeared {
                    at: start,
                    content_hash: run[0].hash.map(str::to_owned),
                }),
                Phase::Live => {}
                Phase::Restricted(state) => events.push(Event::Unrestricted {
                    at: start,
                    state,
                    since,
                    last_seen_restricted: last_in_phase,
                }),
                Phase::Gone(state) => events.push(Event::Reappeared {
                    at: start,
                    state,
                    first_seen_gone: since,
                    last_seen_gone: last_in_phase,
                }),
            }
            phase = Phase::Live;
            for seen in run {
                if let Some(hash) = seen.hash {
                    push_version(&mut versions, seen.at, hash, &mut events);
                }
            }
            let end = run[run.len() - 1].at;
            last_live = Some(end);
            last_present = Some(end);
            last_in_phase = end;
            continue;
        }

        let present_before = last_present;
        if class == Class::Restricted {
            last_present = Some(run[run.len() - 1].at);
        }
        let Some(confirmed) = phase.state() else {
            continue;
        };
        // Observations of the run that follow a confirmation: compared with the confirmed state.
        let rest = if phase.class() == Some(class) {
            if let Some(suspicion) = unconfirmed.take() {
                events.push(ghost(start, suspicion, confirmed));
            }
            run
        } else {
            unconfirmed = None;
            let confirming =
                (0..run.len()).find(|&i| config.confirms(i as u32 + 1, start, run[i].at));
            match confirming {
                Some(i) => {
                    let last_seen_live = last_live.unwrap_or(start);
                    let suspicion = Suspicion {
                        state: run[i].state,
                        first_seen: start,
                        last_seen: run[i].at,
                        observations: i as u32 + 1,
                    };
                    events.push(confirm_event(
                        class,
                        suspicion,
                        confirmed,
                        last_seen_live,
                        present_before.unwrap_or(last_seen_live),
                    ));
                    phase = Phase::confirmed(class, run[i].state);
                    since = start;
                    last_in_phase = run[i].at;
                    &run[i + 1..]
                }
                None => {
                    let end = &run[run.len() - 1];
                    unconfirmed = Some(Suspicion {
                        state: end.state,
                        first_seen: start,
                        last_seen: end.at,
                        observations: run.len() as u32,
                    });
                    &[]
                }
            }
        };
        for seen in rest {
            let current = phase.state().unwrap_or(seen.state);
            if seen.state != current {
                events.push(Event::Reclassified {
                    at: seen.at,
                    from: current,
                    to: seen.state,
                });
                phase = Phase::confirmed(class, seen.state);
            }
            last_in_phase = seen.at;
        }
    }
    events
}

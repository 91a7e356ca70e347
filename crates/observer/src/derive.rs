//! From one observation to the rows it adds: the observation itself, a content version, the
//! events its timeline completes, and the item's next place in the queue. Pure: the same
//! function serves `annals run` (from fetched bytes) and `annals reindex` (from archived ones).

use annals_model::{Metric, Observation, State};
use annals_schedule::{Backoff, Entropy, ItemState, Policy, SplitMix64};
use annals_store::{ContentRow, Due, EventRow, ItemUpdate, ObservationRow};
use annals_timeline::{Config, Event, Phase, Timeline};

/// The rows one observation adds.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The observation row.
    pub observation: ObservationRow,
    /// A new content version, if the observation read content.
    pub content: Option<ContentRow>,
    /// Events completed.
    pub events: Vec<EventRow>,
    /// The item's new state and place in the queue.
    pub update: ItemUpdate,
}

/// Metrics as a compact JSON object: exact counts as numbers, approximate ones as their text,
/// hidden ones as `null`.
pub fn metrics_json(obs: &Observation) -> Option<String> {
    if obs.metrics.is_empty() {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> = obs
        .metrics
        .iter()
        .map(|(k, m)| {
            let v = match m {
                Metric::Exact(n) => serde_json::Value::from(*n),
                Metric::Approx { text, .. } => serde_json::Value::from(text.as_str()),
                Metric::Hidden => serde_json::Value::Null,
            };
            (k.clone(), v)
        })
        .collect();
    serde_json::to_string(&map).ok()
}

/// An event as a row.
pub fn event_row(item_id: i64, event: &Event) -> EventRow {
    let (state, last_seen_live, first_seen_gone) = match event {
        Event::Disappeared {
            state,
            last_seen_live,
            first_seen_gone,
            ..
        } => (Some(*state), Some(*last_seen_live), Some(*first_seen_gone)),
        Event::Restricted {
            state,
            last_seen_live,
            first_seen,
            ..
        } => (Some(*state), Some(*last_seen_live), Some(*first_seen)),
        Event::Reappeared { state, .. } | Event::Unrestricted { state, .. } => {
            (Some(*state), None, None)
        }
        Event::Reclassified { to, .. } => (Some(*to), None, None),
        Event::Ghost { state, .. } => (Some(*state), None, None),
        Event::Appeared { .. } | Event::Edited { .. } => (Some(State::Live), None, None),
        _ => (None, None, None),
    };
    EventRow {
        item_id,
        kind: event.kind().to_string(),
        at: event.at(),
        state: state.map(|s| s.as_str().to_string()),
        last_seen_live,
        first_seen_gone,
        detail: serde_json::to_string(event).unwrap_or_default(),
    }
}

/// The item's timeline from its stored form (a fresh one when absent or unreadable).
pub fn load_timeline(text: Option<&str>, config: Config) -> Timeline {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_else(|| Timeline::new(config))
}

/// Applies `obs`, observed at `at` and archived as `record_id`, to the item `due` whose
/// timeline is `timeline` (updated in place). `retry_after` is the platform's `Retry-After`.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    due: &Due,
    timeline: &mut Timeline,
    obs: &Observation,
    at: i64,
    record_id: &str,
    policy: &Policy,
    backoff: &Backoff,
    retry_after: Option<i64>,
) -> Applied {
    let events: Vec<EventRow> = timeline
        .observe(at, obs)
        .iter()
        .map(|e| event_row(due.item_id, e))
        .collect();
    let observation = ObservationRow {
        item_id: due.item_id,
        observed_at: at,
        state: obs.state.as_str().to_string(),
        code: obs.signal.code.clone(),
        message: obs.signal.message.clone(),
        http_status: obs.signal.http_status,
        metrics: metrics_json(obs),
        content_hash: obs.content_hash.clone(),
        record_id: record_id.to_string(),
    };
    let content = match (&obs.content, &obs.content_hash) {
        (Some(c), Some(h)) if obs.state == State::Live => Some(ContentRow {
            item_id: due.item_id,
            content_hash: h.clone(),
            first_seen: at,
            title: c.title.clone(),
            body: c.text.clone(),
            author: c.author.clone(),
            published_at: c.published_at.clone(),
        }),
        _ => None,
    };
    let mut rng = SplitMix64(due.item_id as u64 ^ at as u64);
    let (failures, next_due, priority) = match obs.state {
        State::Blocked => {
            let f = due.failures + 1;
            let wait = backoff.delay(f.min(40) as u32, retry_after, &mut rng);
            (f, at + wait.max(1), due.priority)
        }
        State::Error => {
            let f = due.failures + 1;
            // Retry soon, then less often: confirm_delay × 2^(failures−1), at most the tier.
            let (_, every) = policy.tier_for(at - due.added_at);
            let wait = (policy.confirm_delay.max(1) << (f - 1).clamp(0, 12)).min(every.max(1));
            let jitter = rng.up_to((wait / 10).max(0) as u64) as i64;
            (f, at + wait + jitter, due.priority)
        }
        _ => {
            let sched = if timeline.needs_confirmation() {
                ItemState::Confirming
            } else {
                match timeline.phase() {
                    Phase::Live => ItemState::Live,
                    Phase::Restricted(_) => ItemState::Restricted,
                    Phase::Gone(_) => ItemState::Gone,
                    Phase::Unseen => {
                        if obs.state.is_disappearance() {
                            ItemState::Gone
                        } else {
                            ItemState::Restricted
                        }
                    }
                }
            };
            let (next, p) = policy.next_due(sched, due.added_at, Some(at), at);
            (0, next, i64::from(p.0))
        }
    };
    let known = match timeline.phase().state() {
        Some(s) => Some(s.as_str().to_string()),
        None if !obs.state.is_observation_failure() => Some(obs.state.as_str().to_string()),
        None => None,
    };
    let update = ItemUpdate {
        item_id: due.item_id,
        state: known,
        last_observed: at,
        last_seen_live: (obs.state == State::Live).then_some(at),
        observations: 1,
        failures,
        next_due,
        priority,
        timeline: serde_json::to_string(&*timeline).unwrap_or_default(),
    };
    Applied {
        observation,
        content,
        events,
        update,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use annals_model::{GoneReason, Signal};

    fn due() -> Due {
        Due {
            item_id: 7,
            platform: "weibo".into(),
            native_id: "1".into(),
            canonical_url: "https://m.weibo.cn/detail/1".into(),
            kind: "post".into(),
            list: "default".into(),
            policy: "default".into(),
            host: "weibo".into(),
            seed: false,
            added_at: 1_000,
            next_due: 1_000,
            priority: 250,
            failures: 0,
            timeline: None,
        }
    }

    fn obs(state: State) -> Observation {
        Observation::new(state, Signal::default())
    }

    #[test]
    fn disappearance_is_confirmed_then_recorded() {
        let (p, b) = (Policy::standard(), Backoff::default());
        let mut d = due();
        let mut t = load_timeline(
            None,
            Config {
                confirmations: 2,
                min_span_secs: 0,
            },
        );
        let a = apply(&d, &mut t, &obs(State::Live), 1_000, "r1", &p, &b, None);
        assert_eq!(a.events[0].kind, "appeared");
        assert_eq!(a.update.next_due, 1_060, "first hour: every minute");
        let gone = State::Gone(GoneReason::AuthorDeleted);
        d.priority = a.update.priority;
        let a = apply(&d, &mut t, &obs(gone), 1_060, "r2", &p, &b, None);
        assert!(a.events.is_empty());
        assert_eq!(a.update.priority, 255, "a confirmation jumps the queue");
        let a = apply(
            &d,
            &mut t,
            &obs(State::Blocked),
            1_100,
            "r3",
            &p,
            &b,
            Some(600),
        );
        assert!(a.events.is_empty(), "blocked never confirms");
        assert!(a.update.next_due >= 1_700, "Retry-After honoured");
        assert_eq!(a.update.failures, 1);
        let a = apply(&d, &mut t, &obs(gone), 1_200, "r4", &p, &b, None);
        assert_eq!(a.events.len(), 1);
        let e = &a.events[0];
        assert_eq!(e.kind, "disappeared");
        assert_eq!(e.state.as_deref(), Some("gone:author_deleted"));
        assert_eq!(
            (e.last_seen_live, e.first_seen_gone),
            (Some(1_000), Some(1_060))
        );
        assert_eq!(a.update.state.as_deref(), Some("gone:author_deleted"));
        assert_eq!(a.update.failures, 0);
    }

    #[test]
    fn metrics_are_compact() {
        let mut o = obs(State::Live);
        o.metrics.insert("view".into(), Metric::Exact(12));
        o.metrics.insert(
            "reposts".into(),
            Metric::Approx {
                lower: 10_000,
                text: "1万+".into(),
            },
        );
        assert_eq!(metrics_json(&o).unwrap(), r#"{"reposts":"1万+","view":12}"#);
    }
}

//! Integration tests: scenario checks through one `check` function, serde names, and the
//! property that the incremental machine and the batch derivation agree.

use annals_model::{GoneReason, Observation, Signal, State};
use annals_timeline::{Config, Event, Phase, Timeline, derive, derive_with};
use proptest::prelude::*;

const GONE: State = State::Gone(GoneReason::Unknown);
const REMOVED: State = State::Gone(GoneReason::PlatformRemoved);

fn obs(state: State) -> Observation {
    Observation::new(state, Signal::default())
}

fn live(hash: &str) -> Observation {
    let mut o = obs(State::Live);
    o.content_hash = Some(hash.to_owned());
    o
}

/// Runs `history` both ways, asserts they agree, and compares a compact rendering of the
/// events (`kind@at`) with `expected`.
fn check(config: Config, history: &[(i64, Observation)], expected: &str) -> Vec<Event> {
    let mut timeline = Timeline::new(config);
    let incremental: Vec<Event> = history
        .iter()
        .flat_map(|(at, o)| timeline.observe(*at, o))
        .collect();
    assert_eq!(incremental, derive_with(config, history));
    let rendered: Vec<String> = incremental
        .iter()
        .map(|e| format!("{}@{}", e.kind(), e.at()))
        .collect();
    assert_eq!(rendered.join(" "), expected);
    incremental
}

#[test]
fn disappearance_needs_two_and_is_an_interval() {
    let history = [
        (0, live("a")),
        (60, live("a")),
        (120, obs(GONE)),
        (150, obs(State::Error)),
        (180, obs(State::Blocked)),
        (240, obs(REMOVED)),
        (300, obs(REMOVED)),
    ];
    let events = check(Config::default(), &history, "appeared@0 disappeared@240");
    assert_eq!(
        events[1],
        Event::Disappeared {
            at: 240,
            state: REMOVED,
            from: State::Live,
            last_seen_live: 60,
            last_seen_present: 60,
            first_seen_gone: 120,
            confirmations: 2,
        }
    );
}

#[test]
fn failures_alone_never_disappear() {
    let history = [
        (0, live("a")),
        (60, obs(State::Blocked)),
        (120, obs(State::Blocked)),
        (180, obs(State::Error)),
        (240, obs(State::Error)),
    ];
    check(Config::default(), &history, "appeared@0");
}

#[test]
fn ghost_flap_is_recorded_not_confirmed() {
    let history = [
        (0, live("a")),
        (60, obs(GONE)),
        (90, obs(State::Blocked)),
        (120, live("a")),
        (180, obs(GONE)),
        (240, obs(GONE)),
        (300, obs(GONE)),
    ];
    let events = check(
        Config {
            confirmations: 3,
            min_span_secs: 0,
        },
        &history,
        "appeared@0 ghost@120 disappeared@300",
    );
    assert_eq!(
        events[1],
        Event::Ghost {
            at: 120,
            state: GONE,
            confirmed: State::Live,
            first_seen: 60,
            last_seen: 60,
            observations: 1,
        }
    );
    let mut timeline = Timeline::default();
    for (at, o) in &history[..4] {
        timeline.observe(*at, o);
    }
    assert_eq!(timeline.ghosts(), 1);
    assert!(!timeline.needs_confirmation());
}

#[test]
fn reappearance_keeps_both_intervals() {
    let history = [
        (0, live("a")),
        (60, obs(State::UnderReview)),
        (120, obs(State::UnderReview)),
        (180, obs(REMOVED)),
        (600, live("a")),
    ];
    let events = check(
        Config::default(),
        &history,
        "appeared@0 disappeared@120 reclassified@180 reappeared@600",
    );
    assert_eq!(
        events[3],
        Event::Reappeared {
            at: 600,
            state: REMOVED,
            first_seen_gone: 60,
            last_seen_gone: 180,
        }
    );
}

#[test]
fn restriction_is_not_disappearance() {
    let history = [
        (0, live("a")),
        (60, obs(State::RegionLocked)),
        (120, obs(State::RegionLocked)),
        (180, obs(State::LoginRequired)),
        (240, obs(GONE)),
        (300, obs(GONE)),
        (360, live("a")),
    ];
    let events = check(
        Config::default(),
        &history,
        "appeared@0 restricted@120 reclassified@180 disappeared@300 reappeared@360",
    );
    match &events[3] {
        Event::Disappeared {
            from,
            last_seen_live,
            last_seen_present,
            ..
        } => {
            assert_eq!(*from, State::LoginRequired);
            assert_eq!((*last_seen_live, *last_seen_present), (0, 180));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_only_counts_as_disappearance() {
    let history = [
        (0, live("a")),
        (60, obs(State::SelfOnly)),
        (120, obs(State::SelfOnly)),
    ];
    check(Config::default(), &history, "appeared@0 disappeared@120");
}

#[test]
fn edits_keep_every_version() {
    let history = [
        (0, live("a")),
        (60, live("b")),
        (120, obs(State::Live)), // no hash: no opinion
        (180, live("b")),
        (240, live("a")),
    ];
    check(
        Config::default(),
        &history,
        "appeared@0 edited@60 edited@240",
    );
    let mut timeline = Timeline::default();
    for (at, o) in &history {
        timeline.observe(*at, o);
    }
    let versions: Vec<_> = timeline
        .versions()
        .iter()
        .map(|v| (v.content_hash.as_str(), v.first_seen, v.last_seen))
        .collect();
    assert_eq!(versions, [("a", 0, 0), ("b", 60, 180), ("a", 240, 240)]);
}

#[test]
fn gone_before_ever_live_is_not_a_disappearance() {
    let history = [
        (0, obs(State::UnderReview)),
        (60, obs(State::UnderReview)),
        (120, obs(State::UnderReview)),
        (180, live("a")),
    ];
    check(Config::default(), &history, "appeared@180");
}

#[test]
fn min_span_delays_confirmation() {
    let history = [
        (0, live("a")),
        (60, obs(GONE)),
        (70, obs(GONE)),
        (200, obs(GONE)),
    ];
    let config = Config {
        confirmations: 2,
        min_span_secs: 120,
    };
    let events = check(config, &history, "appeared@0 disappeared@200");
    assert!(matches!(
        events[1],
        Event::Disappeared {
            confirmations: 3,
            first_seen_gone: 60,
            ..
        }
    ));
}

#[test]
fn out_of_order_observations_are_ignored() {
    let history = [(100, live("a")), (50, obs(GONE)), (160, obs(GONE))];
    check(Config::default(), &history, "appeared@100");
}

#[test]
fn interrupted_run_restarts() {
    // gone, restricted, gone, gone: the restricted observation breaks the first gone run.
    let history = [
        (0, live("a")),
        (60, obs(GONE)),
        (120, obs(State::RegionLocked)),
        (180, obs(GONE)),
        (240, obs(GONE)),
    ];
    let events = check(Config::default(), &history, "appeared@0 disappeared@240");
    assert!(matches!(
        events[1],
        Event::Disappeared {
            first_seen_gone: 180,
            last_seen_present: 120,
            ..
        }
    ));
}

#[test]
fn serde_kind_names_are_stable() {
    let event = Event::Disappeared {
        at: 240,
        state: REMOVED,
        from: State::Live,
        last_seen_live: 60,
        last_seen_present: 60,
        first_seen_gone: 120,
        confirmations: 2,
    };
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"disappeared","at":240,"state":"gone:platform_removed","from":"live","last_seen_live":60,"last_seen_present":60,"first_seen_gone":120,"confirmations":2}"#
    );
    assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
    let ghost = serde_json::to_value(Event::Ghost {
        at: 1,
        state: GONE,
        confirmed: State::Live,
        first_seen: 0,
        last_seen: 0,
        observations: 1,
    })
    .unwrap();
    assert_eq!(ghost["kind"], "ghost");
}

#[test]
fn timeline_state_round_trips() {
    let mut timeline = Timeline::default();
    timeline.observe(0, &live("a"));
    timeline.observe(60, &obs(GONE));
    let json = serde_json::to_string(&timeline).unwrap();
    let mut back: Timeline = serde_json::from_str(&json).unwrap();
    assert_eq!(back, timeline);
    assert!(back.needs_confirmation());
    let events = back.observe(120, &obs(GONE));
    assert_eq!(events[0].kind(), "disappeared");
    assert!(matches!(back.phase(), Phase::Gone(_)));
}

fn any_observation() -> impl Strategy<Value = Observation> {
    let state = prop::sample::select(State::ALL.to_vec());
    let hash = prop::option::of(prop::sample::select(vec!["a", "b", "c"]));
    (state, hash).prop_map(|(state, hash)| {
        let mut o = obs(state);
        o.content_hash = hash.map(str::to_owned);
        o
    })
}

fn any_history() -> impl Strategy<Value = Vec<(i64, Observation)>> {
    // Mostly increasing times with some repeats and some going backwards.
    prop::collection::vec((-30i64..120, any_observation()), 0..60).prop_map(|steps| {
        let mut at = 0;
        steps
            .into_iter()
            .map(|(step, o)| {
                at += step;
                (at, o)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn incremental_equals_batch(
        history in any_history(),
        confirmations in 1u32..4,
        min_span_secs in prop::sample::select(vec![0i64, 0, 90]),
    ) {
        let config = Config { confirmations, min_span_secs };
        let mut timeline = Timeline::new(config);
        let incremental: Vec<Event> = history
            .iter()
            .flat_map(|(at, o)| timeline.observe(*at, o))
            .collect();
        prop_assert_eq!(&incremental, &derive_with(config, &history));

        // Structural properties.
        let disappeared = incremental.iter().filter(|e| e.kind() == "disappeared").count();
        let reappeared = incremental.iter().filter(|e| e.kind() == "reappeared").count();
        prop_assert!(reappeared <= disappeared);
        prop_assert!(incremental.iter().filter(|e| e.kind() == "appeared").count() <= 1);
        for event in &incremental {
            if let Event::Disappeared { last_seen_live, last_seen_present, first_seen_gone, at, .. } = event {
                prop_assert!(last_seen_live <= last_seen_present);
                prop_assert!(last_seen_present <= first_seen_gone);
                prop_assert!(first_seen_gone <= at);
            }
        }
        prop_assert_eq!(timeline.ghosts() as usize, incremental.iter().filter(|e| e.kind() == "ghost").count());
    }

    #[test]
    fn failures_change_nothing(history in any_history()) {
        let clean: Vec<_> = history
            .iter()
            .filter(|(_, o)| !o.state.is_observation_failure())
            .cloned()
            .collect();
        prop_assert_eq!(derive(&history), derive(&clean));
    }
}

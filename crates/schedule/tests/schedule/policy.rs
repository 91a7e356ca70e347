use annals_schedule::{ItemState, Policy, PolicySpec, Priority, next_due, parse_secs};

const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// `(state, age at the last observation)` → `(delay after it, priority)` under `policy`.
fn check(policy: &Policy, cases: &[(ItemState, i64, i64, Priority)]) {
    let first_seen = 1_000_000;
    for &(state, age, delay, priority) in cases {
        let last = first_seen + age;
        let got = policy.next_due(state, first_seen, Some(last), last);
        assert_eq!(got, (last + delay, priority), "{state:?} at age {age}");
    }
}

#[test]
fn default_tiers() {
    use ItemState::*;
    check(
        &Policy::standard(),
        &[
            (Live, 0, MIN, Priority(200)),
            (Live, 59 * MIN, MIN, Priority(200)),
            (Live, HOUR, 5 * MIN, Priority(190)),
            (Live, 6 * HOUR, 15 * MIN, Priority(180)),
            (Live, DAY, HOUR, Priority(170)),
            (Live, 7 * DAY, DAY, Priority(160)),
            (Restricted, 2 * HOUR, 5 * MIN, Priority(190)),
            // Confirmations: fixed short delay, capped by a shorter tier interval.
            (Confirming, 10 * MIN, MIN, Priority::CONFIRM),
            (Confirming, 3 * DAY, 3 * MIN, Priority::CONFIRM),
            (Gone, 2 * HOUR, DAY, Priority::GONE),
        ],
    );
    assert_eq!(next_due(New, 5, None, 77), (77, Priority::NEW));
    assert!(Priority::CONFIRM > Priority::NEW && Priority::NEW > Priority::tier(0));
    assert!(Priority::tier(4) > Priority::GONE);
}

#[test]
fn named_policies() {
    use ItemState::*;
    check(
        &Policy::named("hot").unwrap(),
        &[
            (Live, 5 * HOUR, MIN, Priority(200)),
            (Live, 8 * DAY, HOUR, Priority(170)),
            (Confirming, 8 * DAY, 2 * MIN, Priority::CONFIRM),
            (Gone, 0, 6 * HOUR, Priority::GONE),
        ],
    );
    check(
        &Policy::named("daily").unwrap(),
        &[
            (Live, 0, DAY, Priority(200)),
            (Gone, 0, 7 * DAY, Priority::GONE),
        ],
    );
    assert!(Policy::named("weekly").is_err());
    let uniform = Policy::uniform_for_budget(1000, 20);
    check(
        &uniform,
        &[
            (Live, 0, 50 * MIN, Priority(200)),
            (Gone, 0, 50 * MIN, Priority::GONE),
        ],
    );
}

#[test]
fn config_from_toml() {
    #[derive(serde::Deserialize)]
    struct Watchlist {
        policy: PolicySpec,
    }
    let named: Watchlist = toml::from_str(r#"policy = "hot""#).unwrap();
    assert_eq!(named.policy.resolve().unwrap(), Policy::hot());

    let custom: Watchlist = toml::from_str(
        r#"
        [policy]
        confirm_delay = "2m"
        gone_recheck = 43200
        tiers = [
          { until = "1h", every = "30s" },
          { until = "1d", every = "10m" },
          { every = "1d" },
        ]
        "#,
    )
    .unwrap();
    let policy = custom.policy.resolve().unwrap();
    assert_eq!(policy.confirm_delay, 120);
    assert_eq!(policy.gone_recheck, 12 * HOUR);
    assert_eq!(policy.tier_for(2 * HOUR), (1, 10 * MIN));

    // Round trip through JSON keeps it, with readable durations.
    let json = serde_json::to_string(&Policy::standard()).unwrap();
    assert!(json.contains(r#""every":"1m""#), "{json}");
    assert_eq!(
        serde_json::from_str::<Policy>(&json).unwrap(),
        Policy::standard()
    );

    let bad: Watchlist = toml::from_str(
        r#"
        [policy]
        confirm_delay = "2m"
        gone_recheck = "1d"
        tiers = [{ every = "1d" }, { until = "1h", every = "1m" }]
        "#,
    )
    .unwrap();
    assert!(bad.policy.resolve().is_err());
    assert!(
        toml::from_str::<Watchlist>(
            r#"policy = { confirm_delay = "soon", gone_recheck = 1, tiers = [] }"#
        )
        .is_err()
    );
    assert_eq!(parse_secs("7d"), Some(7 * DAY));
    assert_eq!(parse_secs("45"), Some(45));
}

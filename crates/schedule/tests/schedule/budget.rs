use annals_schedule::{
    Backoff, Budget, Entropy, ItemId, ItemState, Outcome, Policy, PolicyId, Scheduler, SplitMix64,
};

const P: PolicyId = PolicyId(0);

fn drain(scheduler: &mut Scheduler, now: i64) -> Vec<ItemId> {
    let mut out = Vec::new();
    scheduler.poll(now, &mut out);
    out
}

#[test]
fn priority_order_confirm_then_young_then_old() {
    let mut s = Scheduler::new(Policy::standard(), Budget::per_minute(6)).unwrap(); // burst 1
    let host = s.host("h");
    let mut rng = SplitMix64(1);
    // old (10 days), young (10 min), confirming (old item with a suspicion).
    let now = 10 * 86_400;
    let old = s.resume(host, P, 0, ItemState::Live, Some(now - 2 * 86_400), now);
    let young = s.resume(host, P, now - 600, ItemState::Live, Some(now - 120), now);
    let confirming = s.resume(host, P, 0, ItemState::Confirming, Some(now - 600), now);
    let mut order = Vec::new();
    for step in 0..3 {
        let got = drain(&mut s, now + step * 10);
        assert_eq!(got.len(), 1, "burst of one per poll");
        order.push(got[0]);
    }
    assert_eq!(order, [confirming, young, old]);
    s.record(old, Outcome::Observed(ItemState::Live), now + 30, &mut rng);
}

#[test]
fn catch_up_is_bounded_by_the_budget() {
    // 10,000 items all overdue after "downtime": never more than burst + rate.
    let budget = Budget::per_minute(600); // burst 100
    let mut s = Scheduler::new(Policy::standard(), budget).unwrap();
    let host = s.host("h");
    for i in 0..10_000 {
        s.resume(
            host,
            P,
            -(i % 100) * 86_400,
            ItemState::Live,
            Some(-86_400),
            0,
        );
    }
    let mut total = 0;
    let mut rng = SplitMix64(2);
    for t in 0..=60 {
        let got = drain(&mut s, t);
        for id in &got {
            s.record(*id, Outcome::Observed(ItemState::Live), t, &mut rng);
        }
        total += got.len();
        assert!(total as i64 <= 100 + 10 * t, "t={t}: {total}");
    }
    assert!(total >= 600, "uses its budget: {total}");
    assert!(s.backlog() > 9_000);
}

#[test]
fn per_host_limit_lets_other_hosts_through() {
    let mut s = Scheduler::new(Policy::standard(), Budget::per_minute(120)).unwrap();
    let slow = s.host("slow");
    let fast = s.host("fast");
    s.set_host_limit(slow, 1, 1);
    let slow_items: Vec<_> = (0..5).map(|_| s.insert(slow, P, 0, 0)).collect();
    let fast_item = s.insert(fast, P, 0, 0);
    let got = drain(&mut s, 0);
    assert_eq!(got.len(), 2);
    assert!(got.contains(&fast_item));
    assert_eq!(got.iter().filter(|id| slow_items.contains(id)).count(), 1);
    // The slow host's next token comes after 60 s.
    assert!(drain(&mut s, 30).is_empty());
    assert_eq!(drain(&mut s, 60).len(), 1);
}

struct Fixed(u64);
impl Entropy for Fixed {
    fn next_u64(&mut self) -> u64 {
        self.0
    }
}

#[test]
fn backoff_full_jitter_retry_after_and_reset() {
    let backoff = Backoff {
        base: 30,
        cap: 3600,
    };
    // Full jitter: the maximal draw reaches the ceiling, which doubles and caps.
    assert_eq!(backoff.delay(1, None, &mut Fixed(u64::MAX)), 30);
    assert_eq!(backoff.delay(3, None, &mut Fixed(u64::MAX)), 120);
    assert_eq!(backoff.delay(20, None, &mut Fixed(u64::MAX)), 3600);
    assert_eq!(backoff.delay(3, None, &mut Fixed(0)), 0);
    assert_eq!(backoff.delay(1, Some(600), &mut Fixed(u64::MAX)), 600);
    let mut rng = SplitMix64(42);
    for attempt in 1..10 {
        let d = backoff.delay(attempt, None, &mut rng);
        assert!((0..=(30i64 << (attempt - 1)).min(3600)).contains(&d));
    }

    let mut s = Scheduler::new(Policy::standard(), Budget::per_minute(600)).unwrap();
    let host = s.host("h");
    let a = s.insert(host, P, 0, 0);
    let b = s.insert(host, P, 0, 0);
    let got = drain(&mut s, 0);
    assert_eq!(got, [a, b]);
    let mut rng = Fixed(u64::MAX);
    s.record(
        a,
        Outcome::Blocked {
            retry_after: Some(300),
        },
        0,
        &mut rng,
    );
    assert_eq!(s.host_blocked_until(host, 0), Some(300));
    s.record(b, Outcome::Blocked { retry_after: None }, 1, &mut rng);
    // Second block: ceiling 60 s, but the earlier Retry-After still holds.
    assert_eq!(s.host_blocked_until(host, 1), Some(300));
    assert!(drain(&mut s, 299).is_empty());
    let got = drain(&mut s, 300);
    assert_eq!(got.len(), 2);
    s.record(got[0], Outcome::Observed(ItemState::Live), 300, &mut rng);
    assert_eq!(s.host_blocked_until(host, 300), None);
    s.record(
        got[1],
        Outcome::Blocked { retry_after: None },
        301,
        &mut rng,
    );
    // Reset: back to the first ceiling.
    assert_eq!(s.host_blocked_until(host, 301), Some(331));
}

#[test]
fn a_refused_batch_is_one_backoff_round() {
    // Found by `annals bench observe`: every request of a batch in flight when the host began
    // refusing came back blocked and escalated the back-off once each, so a single refusal of
    // a 100-request batch paused the host for about the 1 h cap instead of at most 30 s.
    let mut s = Scheduler::new(Policy::standard(), Budget::per_minute(600)).unwrap();
    let host = s.host("h");
    for _ in 0..100 {
        s.insert(host, P, 0, 0);
    }
    let batch = drain(&mut s, 0);
    assert_eq!(batch.len(), 100);
    let mut rng = Fixed(u64::MAX); // every draw at the ceiling
    for &id in &batch {
        s.record(id, Outcome::Blocked { retry_after: None }, 0, &mut rng);
    }
    assert_eq!(
        s.host_blocked_until(host, 0),
        Some(30),
        "first round: base ceiling"
    );
    // Late answers of the same batch, while backing off: still the same round.
    let late = drain(&mut s, 29);
    assert!(late.is_empty());
    // The next probe is refused too: the second round, ceiling 60 s.
    let probe = drain(&mut s, 30);
    assert!(!probe.is_empty());
    for &id in &probe {
        s.record(id, Outcome::Blocked { retry_after: None }, 30, &mut rng);
    }
    assert_eq!(s.host_blocked_until(host, 30), Some(90));
    // A Retry-After given inside a round still holds.
    s.record(
        batch[0],
        Outcome::Blocked {
            retry_after: Some(600),
        },
        31,
        &mut rng,
    );
    assert_eq!(s.host_blocked_until(host, 31), Some(631));
}

#[test]
fn failures_retry_without_hot_looping() {
    let mut s = Scheduler::new(Policy::standard(), Budget::per_minute(600)).unwrap();
    let host = s.host("h");
    let item = s.insert(host, P, 0, 0);
    let mut rng = SplitMix64(3);
    assert_eq!(drain(&mut s, 0), [item]);
    s.record(item, Outcome::Failed, 0, &mut rng);
    assert!(drain(&mut s, 59).is_empty());
    assert_eq!(drain(&mut s, 60), [item]);
    s.record(item, Outcome::Observed(ItemState::Gone), 60, &mut rng);
    assert_eq!(s.state(item), Some(ItemState::Gone));
    assert!(drain(&mut s, 86_399).is_empty());
    assert_eq!(drain(&mut s, 86_460), [item]);
    s.remove(item);
    s.record(item, Outcome::Observed(ItemState::Live), 86_460, &mut rng);
    assert!(drain(&mut s, 10 * 86_400).is_empty());
}

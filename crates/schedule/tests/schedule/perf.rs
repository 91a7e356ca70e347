//! Memory and time for a million items (run with `--release -- --ignored --nocapture`).

use std::time::Instant;

use annals_schedule::{
    Budget, ItemId, ItemState, Outcome, Policy, PolicyId, Scheduler, SplitMix64,
};

#[test]
#[ignore = "performance sanity check; run in release"]
fn a_million_items() {
    const N: u32 = 1_000_000;
    let mut budget = Budget::per_minute(60_000);
    budget.burst = 60_000;
    let mut scheduler = Scheduler::new(Policy::standard(), budget).unwrap();
    let hosts: Vec<_> = (0..8)
        .map(|h| scheduler.host(&format!("host{h}")))
        .collect();
    let now = 40 * 86_400;
    let started = Instant::now();
    scheduler.reserve(N as usize);
    for i in 0..N {
        // Ages spread over 40 days, last observed up to an hour ago.
        let age = i64::from(i) * 40 * 86_400 / i64::from(N);
        let last = now - i64::from(i % 3600);
        scheduler.resume(
            hosts[(i % 8) as usize],
            PolicyId(0),
            now - age,
            ItemState::Live,
            Some(last),
            now,
        );
    }
    let inserted = started.elapsed();
    let mut rng = SplitMix64(1);
    let mut fetch: Vec<ItemId> = Vec::new();
    let mut handed_out = 0u64;
    let polling = Instant::now();
    for t in 0..3600 {
        fetch.clear();
        scheduler.poll(now + t, &mut fetch);
        handed_out += fetch.len() as u64;
        for id in &fetch {
            scheduler.record(*id, Outcome::Observed(ItemState::Live), now + t, &mut rng);
        }
    }
    let polled = polling.elapsed();
    println!(
        "1M items: insert {:.2?} ({:.0} ns/item); one simulated hour of polls: {:.2?}, {} fetches \
         ({:.0} ns/fetch incl. record); approx {:.1} MB ({} B/item); backlog {}",
        inserted,
        inserted.as_nanos() as f64 / f64::from(N),
        polled,
        handed_out,
        polled.as_nanos() as f64 / handed_out.max(1) as f64,
        scheduler.approx_bytes() as f64 / 1e6,
        scheduler.approx_bytes() / N as usize,
        scheduler.backlog(),
    );
    assert!(handed_out <= 60_000 * 61);
}

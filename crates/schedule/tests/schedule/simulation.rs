//! Detection latency, adaptive versus uniform, at the same request budget, on a simulated clock.

use annals_model::{GoneReason, Observation, Signal, State};
use annals_schedule::{
    Budget, Entropy, ItemId, ItemState, Outcome, Policy, PolicyId, Scheduler, SplitMix64,
};
use annals_timeline::{Event, Phase, Timeline};

const ITEMS: usize = 1000;
const BUDGET_PER_MINUTE: u32 = 20;
const ARRIVAL_WINDOW: i64 = 3 * 86_400;
const HORIZON: i64 = ARRIVAL_WINDOW + 10 * 86_400;
const STEP: i64 = 5;

struct Item {
    created: i64,
    deleted: i64,
}

fn uniform01(rng: &mut SplitMix64) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// Items created uniformly over three days; deletion latency log-normal with a median of 1 h
/// and σ chosen so that 90 % of deletions happen within 24 h (Zhu et al.).
fn population(seed: u64) -> Vec<Item> {
    let mut rng = SplitMix64(seed);
    let sigma = (24.0f64).ln() / 1.2816;
    let mut items: Vec<Item> = (0..ITEMS)
        .map(|_| {
            let created = (uniform01(&mut rng) * ARRIVAL_WINDOW as f64) as i64;
            let (u1, u2) = (uniform01(&mut rng), uniform01(&mut rng));
            let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            let latency = (3600.0 * (sigma * normal).exp()).clamp(30.0, 60.0 * 86_400.0) as i64;
            Item {
                created,
                deleted: created + latency,
            }
        })
        .collect();
    items.sort_by_key(|item| item.created);
    items
}

struct Run {
    requests: u64,
    /// Most requests in one minute.
    peak_per_minute: u64,
    /// First observation at or after deletion − deletion, seconds.
    detection: Vec<i64>,
    /// Confirmed `disappeared` event − deletion, seconds.
    confirmation: Vec<i64>,
    undetected: usize,
}

fn simulate(policy: Policy, budget: u32, items: &[Item]) -> Run {
    let mut scheduler = Scheduler::new(policy, Budget::per_minute(budget)).unwrap();
    let host = scheduler.host("platform.example");
    let mut rng = SplitMix64(99);
    let mut timelines: Vec<Timeline> = Vec::with_capacity(items.len());
    let mut ids: Vec<usize> = Vec::new(); // ItemId → index in items
    let mut detected: Vec<Option<i64>> = vec![None; items.len()];
    let mut confirmed: Vec<Option<i64>> = vec![None; items.len()];
    let mut next_arrival = 0;
    let mut requests = 0;
    let mut per_minute = vec![0u64; (HORIZON / 60 + 1) as usize];
    let mut fetch: Vec<ItemId> = Vec::new();
    let live = Observation::new(State::Live, Signal::default());
    let gone = Observation::new(State::Gone(GoneReason::Unknown), Signal::default());

    let mut now = 0;
    while now <= HORIZON {
        while next_arrival < items.len() && items[next_arrival].created <= now {
            let id = scheduler.insert(host, PolicyId(0), items[next_arrival].created, now);
            assert_eq!(id.0 as usize, ids.len());
            ids.push(next_arrival);
            timelines.push(Timeline::default());
            next_arrival += 1;
        }
        fetch.clear();
        scheduler.poll(now, &mut fetch);
        for id in &fetch {
            requests += 1;
            per_minute[(now / 60) as usize] += 1;
            let index = ids[id.0 as usize];
            let is_gone = now >= items[index].deleted;
            if is_gone && detected[index].is_none() {
                detected[index] = Some(now - items[index].deleted);
            }
            let timeline = &mut timelines[id.0 as usize];
            for event in timeline.observe(now, if is_gone { &gone } else { &live }) {
                if let Event::Disappeared { .. } = event {
                    confirmed[index] = Some(now - items[index].deleted);
                }
            }
            let state = if timeline.needs_confirmation() {
                ItemState::Confirming
            } else {
                match timeline.phase() {
                    Phase::Gone(_) => ItemState::Gone,
                    Phase::Restricted(_) => ItemState::Restricted,
                    _ => ItemState::Live,
                }
            };
            scheduler.record(*id, Outcome::Observed(state), now, &mut rng);
        }
        now += STEP;
    }
    Run {
        requests,
        peak_per_minute: per_minute.iter().copied().max().unwrap_or(0),
        undetected: detected.iter().filter(|d| d.is_none()).count(),
        detection: detected.into_iter().flatten().collect(),
        confirmation: confirmed.into_iter().flatten().collect(),
    }
}

fn quantile(values: &[i64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let weight = position - low as f64;
    sorted[low] as f64 * (1.0 - weight) + sorted[high] as f64 * weight
}

fn report(name: &str, run: &Run) {
    let minutes = |v: f64| v / 60.0;
    println!(
        "{name:>8}: requests {:>7} ({:.1}/min, peak {}/min)  detection median {:>6.1} min  p90 {:>6.1} min  \
         confirmation median {:>6.1} min  undetected {}",
        run.requests,
        run.requests as f64 / (HORIZON as f64 / 60.0),
        run.peak_per_minute,
        minutes(quantile(&run.detection, 0.5)),
        minutes(quantile(&run.detection, 0.9)),
        minutes(quantile(&run.confirmation, 0.5)),
        run.undetected,
    );
}

#[test]
fn adaptive_beats_uniform_at_the_same_budget() {
    let items = population(2013);
    let within_day = items
        .iter()
        .filter(|i| i.deleted - i.created <= 86_400)
        .count();
    let within_hour = items
        .iter()
        .filter(|i| i.deleted - i.created <= 3600)
        .count();
    println!(
        "{ITEMS} items over {} days, {within_hour} deleted within 1 h, {within_day} within 24 h; \
         budget {BUDGET_PER_MINUTE}/min, horizon {} days",
        ARRIVAL_WINDOW / 86_400,
        HORIZON / 86_400
    );
    let adaptive = simulate(Policy::standard(), BUDGET_PER_MINUTE, &items);
    let uniform_policy = Policy::uniform_for_budget(ITEMS as u64, BUDGET_PER_MINUTE);
    println!(
        "uniform interval {} min",
        uniform_policy.tiers[0].every / 60
    );
    let uniform = simulate(uniform_policy, BUDGET_PER_MINUTE, &items);
    report("adaptive", &adaptive);
    report("uniform", &uniform);
    assert!(adaptive.peak_per_minute <= u64::from(BUDGET_PER_MINUTE) + 3);

    // A tighter budget, where the adaptive policy's demand exceeds it at times (printed only).
    let tight = 4;
    let uniform_policy = Policy::uniform_for_budget(ITEMS as u64, tight);
    println!(
        "budget {tight}/min, uniform interval {} min",
        uniform_policy.tiers[0].every / 60
    );
    report("adaptive", &simulate(Policy::standard(), tight, &items));
    report("uniform", &simulate(uniform_policy, tight, &items));

    // Same budget: neither may exceed it.
    let cap = u64::from(BUDGET_PER_MINUTE) * (HORIZON as u64 / 60) + 200;
    assert!(adaptive.requests <= cap && uniform.requests <= cap);
    let adaptive_median = quantile(&adaptive.detection, 0.5);
    let uniform_median = quantile(&uniform.detection, 0.5);
    assert!(
        adaptive_median * 3.0 <= uniform_median,
        "adaptive {adaptive_median} s vs uniform {uniform_median} s"
    );
    assert_eq!(
        adaptive.undetected,
        uniform.undetected.min(adaptive.undetected)
    );
}

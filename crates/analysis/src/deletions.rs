//! Deletions: survival, latency, hour of day, daily rates, per-term tests and group summaries
//! from [`ItemLife`]s.
//!
//! Every deletion is an interval: the item was last seen live at `A = last_seen_live` and first
//! seen gone at `G = first_seen_gone`, so its latency (time from publication `P`) lies in
//! `(A − P, G − P]`. How each analysis uses the interval:
//!
//! | analysis | treatment |
//! |---|---|
//! | survival, Kaplan–Meier | event at the interval midpoint `(A + G)/2 − P`; items not gone censored at `A − P`; delayed entry at `first_observed − P` |
//! | survival, Turnbull | the interval as it is (NPMLE); items not gone: `(A − P, ∞)` |
//! | latency histogram | unit mass spread over the bins the interval overlaps, in proportion to the overlap (a zero-length interval puts it in one bin) |
//! | latency CDF | two curves: from `A − P` (fastest case) and from `G − P` (slowest case) |
//! | hour of day | midpoint when `G − A ≤ 1 h`, else mass spread evenly over the hours of `(A, G]`; normalised by exposure (item-hours live in that hour of day) |
//! | daily rate | cohort: items published on day d, gone with `G − P ≤ horizon`; event-day: gone detected (`G`) on day d per items under observation that day |
//! | per-term test | gone or not: one-sided exact binomial test of each term's count against the overall share |
//! | by reason | Aalen–Johansen cumulative incidence, reasons as competing risks, midpoint times |
//!
//! Delayed entry (`first_observed`) is used by Kaplan–Meier and the cumulative incidence only;
//! the Turnbull estimate assumes every item was watched from publication.
//!
//! Records with inconsistent times (`G < A`, `A < P`, or a time beyond ±2^40 s) are skipped and
//! listed in the `excluded` table; nothing panics.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use crate::Error;
use crate::stats::{Z_95, benjamini_hochberg, binomial_upper_tail, quantile, wilson};
use crate::survival::{
    Interval, KaplanMeier, LogRank, Subject, Turnbull, TurnbullOptions, cumulative_incidence,
    kaplan_meier, logrank, turnbull,
};
use crate::svg::{Axis, BarChart, LineChart, Series, Style};
use crate::table::{Chart, Report, Table, Value};
use crate::time::{Period, UtcOffset, hour_of_day};

/// The life of one watched item, as the observer saw it. Times are unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemLife {
    /// Stable item id (URL, `platform:native_id`, …).
    pub item_id: String,
    /// Platform name (`weibo`, `bilibili`, …).
    pub platform: String,
    /// Why it is gone (`gone:platform_removed`, a placeholder text, …); `None` if not gone or
    /// unknown.
    pub reason: Option<String>,
    /// Publication (creation) time: the time origin of latencies and survival.
    pub published_at: i64,
    /// First observation, when it came well after publication (delayed entry for
    /// Kaplan–Meier); `None` means observed from publication on.
    pub first_observed: Option<i64>,
    /// Last observation showing the item live. For an item not gone, survival is censored here.
    pub last_seen_live: i64,
    /// First observation of the confirmed disappearance; `None` if not gone.
    pub first_seen_gone: Option<i64>,
    /// Terms (keywords, topics, segmented words) the item contains; duplicates are ignored.
    pub terms: Vec<String>,
}

/// What to summarise separately in a deletion report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// By [`ItemLife::reason`] (`live` for items not gone).
    Reason,
    /// By [`ItemLife::platform`].
    Platform,
    /// By each of [`ItemLife::terms`] (an item counts in every group of its terms).
    Term,
}

impl FromStr for Grouping {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "reason" => Ok(Grouping::Reason),
            "platform" => Ok(Grouping::Platform),
            "term" => Ok(Grouping::Term),
            other => Err(Error::InvalidGrouping(other.to_owned())),
        }
    }
}

impl Grouping {
    /// `reason`, `platform` or `term`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Grouping::Reason => "reason",
            Grouping::Platform => "platform",
            Grouping::Term => "term",
        }
    }
}

/// Options of [`report`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Zone for hours of day and calendar days (default UTC+8, the platforms' zone).
    pub offset: UtcOffset,
    /// Latency bin edges in seconds, increasing, starting at 0; the last bin is open-ended.
    pub latency_edges_s: Vec<f64>,
    /// Horizon of the cohort deletion rate: an item counts as deleted if gone within this many
    /// seconds of publication (default 7 days).
    pub rate_horizon_s: i64,
    /// Smallest number of items a term needs to be tested (default 50, as Bamman et al.).
    pub min_term_items: u64,
    /// Optional group summary.
    pub group_by: Option<Grouping>,
    /// Ages (hours) at which survival is reported in `survival_checkpoints`.
    pub checkpoints_h: Vec<f64>,
    /// Largest number of group curves drawn (the biggest groups).
    pub max_group_curves: usize,
    /// Turnbull iteration settings.
    pub turnbull: TurnbullOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            offset: UtcOffset::CHINA,
            latency_edges_s: default_latency_edges(),
            rate_horizon_s: 7 * 86_400,
            min_term_items: 50,
            group_by: None,
            checkpoints_h: vec![1.0, 6.0, 24.0, 168.0, 720.0],
            max_group_curves: 8,
            turnbull: TurnbullOptions::default(),
        }
    }
}

/// The latency bins of Zhu et al.'s figures, roughly 1-2-5 log-spaced: 0, 1, 2, 5, 10, 30 min,
/// 1, 2, 6, 12, 24 h, 2, 7, 30 days (seconds), the last bin open-ended.
pub fn default_latency_edges() -> Vec<f64> {
    [
        0, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 43_200, 86_400, 172_800, 604_800, 2_592_000,
    ]
    .iter()
    .map(|&s| f64::from(s))
    .collect()
}

/// Log-spaced bin edges: 0, then `first`, `first·factor`, … while below `last` (and `last`).
/// `None` unless `0 < first < last` and `factor > 1`.
pub fn log_edges(first: f64, last: f64, factor: f64) -> Option<Vec<f64>> {
    if !(first > 0.0 && last > first && factor > 1.0 && last.is_finite()) {
        return None;
    }
    let mut edges = vec![0.0, first];
    let mut e = first;
    while edges.len() < 10_000 {
        e *= factor;
        if e >= last * (1.0 - 1e-12) {
            break;
        }
        edges.push(e);
    }
    edges.push(last);
    Some(edges)
}

/// Counts and headline figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Items used.
    pub items: u64,
    /// Of which gone.
    pub gone: u64,
    /// Items skipped for inconsistent times.
    pub excluded: u64,
    /// Kaplan–Meier median survival (h), midpoint method; `None` if S never reaches 0.5.
    pub km_median_h: Option<f64>,
    /// Turnbull: the support interval (h) where S crosses 0.5.
    pub turnbull_median_h: Option<(f64, Option<f64>)>,
    /// Median width of the deletion intervals `G − A` (h): the detection resolution.
    pub median_resolution_h: Option<f64>,
    /// Median latency lower bound `A − P` (h) among gone items.
    pub median_latency_lower_h: Option<f64>,
    /// Median latency upper bound `G − P` (h) among gone items.
    pub median_latency_upper_h: Option<f64>,
}

/// One latency bin.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyBin {
    /// Lower edge (s), included.
    pub lower_s: f64,
    /// Upper edge (s), excluded; `None` for the last bin.
    pub upper_s: Option<f64>,
    /// Deletions (fractional: interval mass).
    pub deletions: f64,
}

/// Deletions in one hour of the day.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HourRow {
    /// Deletions (fractional).
    pub deletions: f64,
    /// Item-hours live in that hour of the day (exposure).
    pub exposure_item_h: f64,
}

/// One calendar day of deletion rates.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    /// Day label (`2026-07-24`) in the report's offset.
    pub day: String,
    /// Items published that day.
    pub published: u64,
    /// Of those, gone within the horizon.
    pub gone_within_horizon: u64,
    /// Whether the horizon has passed for every item of the day (by the latest time in the
    /// data); a day that is not final can still grow.
    pub cohort_final: bool,
    /// Items under observation that day.
    pub observed: u64,
    /// Disappearances detected that day (`first_seen_gone`).
    pub detected: u64,
}

/// One term's deletion test.
#[derive(Debug, Clone, PartialEq)]
pub struct TermRow {
    /// The term.
    pub term: String,
    /// Items containing it.
    pub items: u64,
    /// Of which gone.
    pub gone: u64,
    /// One-sided exact binomial p-value `P(X ≥ gone)`, `X ~ Bin(items, overall share)`.
    pub p_value: f64,
    /// Its natural log (ranks p-values below `f64::MIN_POSITIVE`).
    pub ln_p_value: f64,
    /// Benjamini–Hochberg q-value over the tested terms.
    pub q_value: f64,
}

/// One group's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    /// Group key.
    pub group: String,
    /// Items.
    pub items: u64,
    /// Gone.
    pub gone: u64,
    /// Midpoint Kaplan–Meier median (h).
    pub km_median_h: Option<f64>,
    /// Median midpoint latency of the gone items (h).
    pub median_latency_h: Option<f64>,
    /// Log-rank test of this group against all other items (every platform; terms with at
    /// least `min_term_items` items; not for reasons).
    pub versus_rest: Option<LogRank>,
    /// The group's Kaplan–Meier estimate (hours).
    pub km: KaplanMeier,
}

/// Everything [`report`] computes; see the module doc for the methods.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletionReport {
    /// Counts and headline figures.
    pub summary: Summary,
    /// Midpoint Kaplan–Meier, times in hours since publication.
    pub km: KaplanMeier,
    /// Turnbull NPMLE, times in hours since publication.
    pub turnbull: Turnbull,
    /// Latency histogram.
    pub latency: Vec<LatencyBin>,
    /// Gone items' latency bounds `(A − P, G − P)` in seconds, sorted by lower bound (for the CDF).
    latency_bounds: Vec<(f64, f64)>,
    /// Deletions by local hour of day, 0–23.
    pub hours: [HourRow; 24],
    /// Daily rates.
    pub days: Vec<DayRow>,
    /// Overall share gone (the binomial tests' `p0`).
    pub overall_share: f64,
    /// Terms with at least `min_term_items` items, most significant first.
    pub terms: Vec<TermRow>,
    /// Group summaries (when grouped), biggest first.
    pub groups: Vec<GroupRow>,
    /// Log-rank test across all platforms (when grouped by platform).
    pub group_logrank: Option<LogRank>,
    /// Cumulative incidence by reason (Aalen–Johansen, midpoint times in hours): reasons in
    /// name order (`unknown` for gone items without one), each with `(time_h, incidence)`.
    pub incidence: Vec<(String, Vec<(f64, f64)>)>,
    /// Skipped records: `(item_id, why)`.
    pub excluded: Vec<(String, String)>,
    options: Options,
}

/// Times further than this from the epoch (about 34,800 years) are refused, so differences of
/// two times never overflow.
const MAX_ABS_TIME: u64 = 1 << 40;

/// Computes the deletion report. Errors only on invalid options.
pub fn report(items: &[ItemLife], options: &Options) -> Result<DeletionReport, Error> {
    let edges = &options.latency_edges_s;
    if edges.is_empty()
        || edges[0] != 0.0
        || edges.windows(2).any(|w| !(w[1] > w[0]))
        || edges.iter().any(|e| !e.is_finite())
    {
        return Err(Error::InvalidOption(
            "latency bin edges must start at 0 and increase strictly".into(),
        ));
    }
    if options.rate_horizon_s < 0 {
        return Err(Error::InvalidOption(
            "rate horizon must not be negative".into(),
        ));
    }
    let (used, excluded) = usable(items);

    let km = kaplan_meier(&used.iter().map(|i| subject(i)).collect::<Vec<_>>());
    let turnbull_estimate = turnbull(
        &used.iter().map(|i| interval_h(i)).collect::<Vec<_>>(),
        options.turnbull,
    );

    // Latency.
    let mut latency: Vec<LatencyBin> = edges
        .iter()
        .enumerate()
        .map(|(k, &lower)| LatencyBin {
            lower_s: lower,
            upper_s: edges.get(k + 1).copied(),
            deletions: 0.0,
        })
        .collect();
    let mut latency_bounds = Vec::new();
    let mut resolutions = Vec::new();
    for item in &used {
        let Some(g) = item.first_seen_gone else {
            continue;
        };
        let lo = (item.last_seen_live - item.published_at) as f64;
        let hi = (g - item.published_at) as f64;
        latency_bounds.push((lo, hi));
        resolutions.push((hi - lo) / 3600.0);
        spread_latency(&mut latency, lo, hi);
    }
    latency_bounds.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));

    // Hours of day.
    let mut hours = [HourRow::default(); 24];
    for item in &used {
        let end = match item.first_seen_gone {
            Some(g) => {
                let a = item.last_seen_live;
                if g - a <= 3600 {
                    hours[hour_of_day(a + (g - a) / 2, options.offset) as usize].deletions += 1.0;
                } else {
                    spread_hours(a, g, options.offset, 1.0, &mut hours, |row, w| {
                        row.deletions += w
                    });
                }
                item.last_seen_live + (g - item.last_seen_live) / 2
            }
            None => item.last_seen_live,
        };
        let start = item.published_at;
        if end > start {
            let weight = (end - start) as f64 / 3600.0;
            spread_hours(start, end, options.offset, weight, &mut hours, |row, w| {
                row.exposure_item_h += w
            });
        }
    }

    let days = daily(&used, options);
    let gone_total = used.iter().filter(|i| i.first_seen_gone.is_some()).count() as u64;
    let overall_share = if used.is_empty() {
        0.0
    } else {
        gone_total as f64 / used.len() as f64
    };
    let terms = term_tests(&used, overall_share, options.min_term_items);
    let (groups, group_logrank) = options
        .group_by
        .map(|g| group_rows(&used, g, options.min_term_items))
        .unwrap_or_default();
    let incidence = incidence_by_reason(&used);

    let gone_lo: Vec<f64> = latency_bounds.iter().map(|b| b.0 / 3600.0).collect();
    let gone_hi: Vec<f64> = latency_bounds.iter().map(|b| b.1 / 3600.0).collect();
    let summary = Summary {
        items: used.len() as u64,
        gone: gone_total,
        excluded: excluded.len() as u64,
        km_median_h: km.median(),
        turnbull_median_h: turnbull_estimate.quantile_interval(0.5),
        median_resolution_h: quantile(&resolutions, 0.5),
        median_latency_lower_h: quantile(&gone_lo, 0.5),
        median_latency_upper_h: quantile(&gone_hi, 0.5),
    };
    Ok(DeletionReport {
        summary,
        km,
        turnbull: turnbull_estimate,
        latency,
        latency_bounds,
        hours,
        days,
        overall_share,
        terms,
        groups,
        group_logrank,
        incidence,
        excluded,
        options: options.clone(),
    })
}

/// The Kaplan–Meier subject of an item: midpoint event or censoring at last live sighting, in
/// hours since publication, delayed entry at the first observation.
///
/// The midpoint is computed in seconds (exact: a multiple of 0.5) and divided by 3600 once, so
/// equal times stay equal and ties between events and censorings are kept.
fn subject(item: &ItemLife) -> Subject {
    let a = (item.last_seen_live - item.published_at) as f64;
    let (time, event) = match item.first_seen_gone {
        Some(g) => ((a + (g - item.last_seen_live) as f64 / 2.0) / 3600.0, true),
        None => (a / 3600.0, false),
    };
    let entry = item
        .first_observed
        .map(|f| ((f - item.published_at) as f64 / 3600.0).clamp(0.0, time))
        .unwrap_or(0.0);
    Subject { time, event, entry }
}

fn reason_of(item: &ItemLife) -> &str {
    item.reason.as_deref().unwrap_or("unknown")
}

fn incidence_by_reason(used: &[&ItemLife]) -> Vec<(String, Vec<(f64, f64)>)> {
    let reasons: Vec<&str> = used
        .iter()
        .filter(|i| i.first_seen_gone.is_some())
        .map(|i| reason_of(i))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let subjects: Vec<Subject> = used.iter().map(|i| subject(i)).collect();
    let causes: Vec<usize> = used
        .iter()
        .map(|i| reasons.binary_search(&reason_of(i)).unwrap_or(usize::MAX))
        .collect();
    let curves = cumulative_incidence(&subjects, &causes, reasons.len());
    reasons.into_iter().map(str::to_owned).zip(curves).collect()
}

fn interval_h(item: &ItemLife) -> Interval {
    let lower = (item.last_seen_live - item.published_at) as f64 / 3600.0;
    Interval {
        lower,
        upper: item
            .first_seen_gone
            .map(|g| (g - item.published_at) as f64 / 3600.0),
    }
}

fn spread_latency(bins: &mut [LatencyBin], lo: f64, hi: f64) {
    let bin_of = |t: f64| bins.iter().rposition(|b| b.lower_s <= t).unwrap_or(0);
    if !(hi > lo) {
        let k = bin_of(lo);
        bins[k].deletions += 1.0;
        return;
    }
    let width = hi - lo;
    for bin in bins.iter_mut() {
        let upper = bin.upper_s.unwrap_or(f64::INFINITY);
        let overlap = hi.min(upper) - lo.max(bin.lower_s);
        if overlap > 0.0 {
            bin.deletions += overlap / width;
        }
    }
}

/// Spreads `weight` over the local hours of day of `[start, end)` in proportion to the time
/// spent in each.
fn spread_hours(
    start: i64,
    end: i64,
    offset: UtcOffset,
    weight: f64,
    hours: &mut [HourRow; 24],
    add: impl Fn(&mut HourRow, f64),
) {
    let length = end.saturating_sub(start);
    if length <= 0 {
        add(&mut hours[hour_of_day(start, offset) as usize], weight);
        return;
    }
    let total = length as f64;
    let whole_days = length / 86_400;
    if whole_days > 0 {
        let each = weight * (whole_days * 3600) as f64 / total;
        for row in hours.iter_mut() {
            add(row, each);
        }
    }
    let mut t = start + whole_days * 86_400;
    while t < end {
        let local = offset.local(t);
        let next = t + (3600 - local.rem_euclid(3600));
        let segment = next.min(end) - t;
        add(
            &mut hours[hour_of_day(t, offset) as usize],
            weight * segment as f64 / total,
        );
        t = next;
    }
}

fn daily(used: &[&ItemLife], options: &Options) -> Vec<DayRow> {
    let offset = options.offset;
    let day = |t: i64| Period::Day.index(t, offset);
    let data_end = used
        .iter()
        .map(|i| {
            i.first_seen_gone
                .unwrap_or(i.last_seen_live)
                .max(i.last_seen_live)
        })
        .max();
    let Some(data_end) = data_end else {
        return Vec::new();
    };
    let mut published: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    let mut detected: BTreeMap<i64, u64> = BTreeMap::new();
    // Observation spans as day ranges, counted with a difference map.
    let mut observed_diff: BTreeMap<i64, i64> = BTreeMap::new();
    for item in used {
        let entry = published.entry(day(item.published_at)).or_default();
        entry.0 += 1;
        if let Some(g) = item.first_seen_gone {
            if g - item.published_at <= options.rate_horizon_s {
                entry.1 += 1;
            }
            *detected.entry(day(g)).or_default() += 1;
        }
        let first = day(item
            .first_observed
            .unwrap_or(item.published_at)
            .max(item.published_at));
        let last = day(item.first_seen_gone.unwrap_or(item.last_seen_live));
        *observed_diff.entry(first).or_default() += 1;
        *observed_diff.entry(last.saturating_add(1)).or_default() -= 1;
    }
    let mut keys: BTreeSet<i64> = published.keys().copied().collect();
    keys.extend(detected.keys().copied());
    let (Some(&first), Some(&last)) = (keys.first(), keys.last()) else {
        return Vec::new();
    };
    // Zero-fill spans up to ten years; beyond that (bogus timestamps) list only days with data.
    let all_days: Vec<i64> = if last - first <= 3660 {
        (first..=last).collect()
    } else {
        keys.into_iter().collect()
    };
    let mut running = 0i64;
    let mut diff_iter = observed_diff.iter().peekable();
    let mut rows = Vec::with_capacity(all_days.len());
    for d in all_days {
        while let Some(&(&k, &v)) = diff_iter.peek() {
            if k > d {
                break;
            }
            running += v;
            diff_iter.next();
        }
        let (n, c) = published.get(&d).copied().unwrap_or_default();
        let day_end = Period::Day.start(d + 1, offset);
        rows.push(DayRow {
            day: Period::Day.label(d, offset),
            published: n,
            gone_within_horizon: c,
            cohort_final: day_end.saturating_add(options.rate_horizon_s) <= data_end,
            observed: running.max(0) as u64,
            detected: detected.get(&d).copied().unwrap_or(0),
        });
    }
    rows
}

fn distinct_terms(item: &ItemLife) -> BTreeSet<&str> {
    item.terms.iter().map(String::as_str).collect()
}

fn term_tests(used: &[&ItemLife], p0: f64, min_items: u64) -> Vec<TermRow> {
    let mut counts: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for item in used {
        for term in distinct_terms(item) {
            let e = counts.entry(term).or_default();
            e.0 += 1;
            if item.first_seen_gone.is_some() {
                e.1 += 1;
            }
        }
    }
    let mut rows: Vec<TermRow> = counts
        .into_iter()
        .filter(|(_, (n, _))| *n >= min_items.max(1))
        .map(|(term, (n, d))| {
            let tail = binomial_upper_tail(d, n, p0);
            TermRow {
                term: term.to_owned(),
                items: n,
                gone: d,
                p_value: tail.p,
                ln_p_value: tail.ln_p,
                q_value: f64::NAN,
            }
        })
        .collect();
    let q = benjamini_hochberg(&rows.iter().map(|r| r.p_value).collect::<Vec<_>>());
    for (row, q) in rows.iter_mut().zip(q) {
        row.q_value = q;
    }
    rows.sort_by(|a, b| {
        a.ln_p_value
            .total_cmp(&b.ln_p_value)
            .then((b.gone as f64 / b.items as f64).total_cmp(&(a.gone as f64 / a.items as f64)))
            .then(a.term.cmp(&b.term))
    });
    rows
}

/// The items the analyses use, and those they leave out with the reason (inconsistent or
/// out-of-range times).
fn usable(items: &[ItemLife]) -> (Vec<&ItemLife>, Vec<(String, String)>) {
    let mut excluded = Vec::new();
    let mut used: Vec<&ItemLife> = Vec::with_capacity(items.len());
    for item in items {
        let in_range = |t: i64| t.unsigned_abs() <= MAX_ABS_TIME;
        let times_in_range = in_range(item.published_at)
            && in_range(item.last_seen_live)
            && item.first_seen_gone.is_none_or(in_range)
            && item.first_observed.is_none_or(in_range);
        let why = match item.first_seen_gone {
            _ if !times_in_range => Some("time beyond ±2^40 s (year ±34,800)"),
            Some(g) if g < item.last_seen_live => Some("first_seen_gone before last_seen_live"),
            _ if item.last_seen_live < item.published_at => {
                Some("last_seen_live before published_at")
            }
            _ => None,
        };
        match why {
            Some(why) => excluded.push((item.item_id.clone(), why.to_owned())),
            None => used.push(item),
        }
    }
    (used, excluded)
}

/// Only the per-group rows of [`report`] (`groups` and `group_logrank`), for a caller that
/// already has the rest of a report and wants another grouping of the same items.
pub fn group_summaries(
    items: &[ItemLife],
    grouping: Grouping,
    min_term_items: u64,
) -> (Vec<GroupRow>, Option<LogRank>) {
    let (used, _) = usable(items);
    group_rows(&used, grouping, min_term_items)
}

fn group_rows(
    used: &[&ItemLife],
    grouping: Grouping,
    min_items: u64,
) -> (Vec<GroupRow>, Option<LogRank>) {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, item) in used.iter().enumerate() {
        let keys: Vec<String> = match grouping {
            Grouping::Reason => vec![match (&item.reason, item.first_seen_gone) {
                (_, None) => "live".to_owned(),
                (Some(r), Some(_)) => r.clone(),
                (None, Some(_)) => "unknown".to_owned(),
            }],
            Grouping::Platform => vec![item.platform.clone()],
            Grouping::Term => distinct_terms(item)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        for key in keys {
            groups.entry(key).or_default().push(index);
        }
    }
    let subjects: Vec<Subject> = used.iter().map(|i| subject(i)).collect();
    // Platforms partition the items: one k-sample test across them.
    let overall = (grouping == Grouping::Platform).then(|| {
        let mut labels = vec![0usize; used.len()];
        for (g, members) in groups.values().enumerate() {
            for &i in members {
                labels[i] = g;
            }
        }
        logrank(&subjects, &labels, groups.len())
    });
    let mut rows: Vec<GroupRow> = groups
        .into_iter()
        .map(|(group, members)| {
            let own: Vec<Subject> = members.iter().map(|&i| subjects[i]).collect();
            let km = kaplan_meier(&own);
            let mids: Vec<f64> = own.iter().filter(|s| s.event).map(|s| s.time).collect();
            // Group against the rest (not for reasons: a reason is an outcome, not a group).
            let versus_rest = (grouping != Grouping::Reason
                && (grouping != Grouping::Term || members.len() as u64 >= min_items.max(1))
                && members.len() < used.len())
            .then(|| {
                let mut labels = vec![1usize; used.len()];
                for &i in &members {
                    labels[i] = 0;
                }
                logrank(&subjects, &labels, 2)
            })
            .flatten();
            GroupRow {
                group,
                items: members.len() as u64,
                gone: mids.len() as u64,
                km_median_h: km.median(),
                median_latency_h: quantile(&mids, 0.5),
                versus_rest,
                km,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.items.cmp(&a.items).then(a.group.cmp(&b.group)));
    (rows, overall.flatten())
}

fn bin_label(lower: f64, upper: Option<f64>) -> String {
    let f = |s: f64| {
        if s == 0.0 {
            "0".to_owned()
        } else if s < 3600.0 {
            format!("{}m", trim_num(s / 60.0))
        } else if s < 86_400.0 {
            format!("{}h", trim_num(s / 3600.0))
        } else {
            format!("{}d", trim_num(s / 86_400.0))
        }
    };
    match upper {
        Some(u) => format!("{}–{}", f(lower), f(u)),
        None => format!("≥{}", f(lower)),
    }
}

fn trim_num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

impl DeletionReport {
    /// Share of gone items whose latency was at most `seconds`, in the fastest case (deleted
    /// right after the last live sighting) and the slowest (right before the first gone one).
    pub fn share_deleted_within(&self, seconds: f64) -> (f64, f64) {
        let n = self.latency_bounds.len();
        if n == 0 {
            return (f64::NAN, f64::NAN);
        }
        let fastest = self
            .latency_bounds
            .iter()
            .filter(|b| b.0 <= seconds)
            .count();
        let slowest = self
            .latency_bounds
            .iter()
            .filter(|b| b.1 <= seconds)
            .count();
        (fastest as f64 / n as f64, slowest as f64 / n as f64)
    }

    fn summary_table(&self) -> Table {
        let mut t = Table::new("summary", &["measure", "value", "unit"]);
        let s = &self.summary;
        let mut row = |m: &str, v: Value, u: &str| t.push(vec![m.into(), v, u.into()]);
        row("items", s.items.into(), "items");
        row("gone", s.gone.into(), "items");
        row("excluded", s.excluded.into(), "items");
        row("gone_share", self.overall_share.into(), "fraction");
        row("km_median_survival", s.km_median_h.into(), "h");
        row(
            "turnbull_median_interval_low",
            s.turnbull_median_h.map(|m| m.0).into(),
            "h",
        );
        row(
            "turnbull_median_interval_high",
            s.turnbull_median_h.and_then(|m| m.1).into(),
            "h",
        );
        row(
            "median_detection_resolution",
            s.median_resolution_h.into(),
            "h",
        );
        row(
            "median_latency_lower_bound",
            s.median_latency_lower_h.into(),
            "h",
        );
        row(
            "median_latency_upper_bound",
            s.median_latency_upper_h.into(),
            "h",
        );
        row(
            "turnbull_iterations",
            i64::from(self.turnbull.iterations).into(),
            "iterations",
        );
        row("turnbull_converged", self.turnbull.converged.into(), "flag");
        row(
            "turnbull_max_gradient",
            self.turnbull.max_gradient.into(),
            "ratio (1 at the NPMLE)",
        );
        if let Some(l) = self.group_logrank {
            row("logrank_platforms_chi2", l.chi_square.into(), "chi-square");
            row(
                "logrank_platforms_df",
                i64::from(l.degrees_of_freedom).into(),
                "degrees of freedom",
            );
            row("logrank_platforms_p_value", l.p_value.into(), "probability");
        }
        for (label, secs) in [("30min", 1800.0), ("1h", 3600.0), ("24h", 86_400.0)] {
            let (fast, slow) = self.share_deleted_within(secs);
            row(
                &format!("share_gone_within_{label}_fastest"),
                fast.into(),
                "fraction",
            );
            row(
                &format!("share_gone_within_{label}_slowest"),
                slow.into(),
                "fraction",
            );
        }
        t
    }

    fn km_table(km: &KaplanMeier, name: &str) -> Table {
        let mut t = Table::new(
            name,
            &[
                "time_h",
                "at_risk",
                "events",
                "censored",
                "survival_prob",
                "std_err",
                "ci95_low",
                "ci95_high",
            ],
        );
        for s in &km.steps {
            t.push(vec![
                s.time.into(),
                Value::Int(s.at_risk as i64),
                Value::Int(s.events as i64),
                Value::Int(s.censored as i64),
                s.survival.into(),
                s.std_err.into(),
                s.lower.into(),
                s.upper.into(),
            ]);
        }
        t
    }
}

impl Report for DeletionReport {
    fn tables(&self) -> Vec<Table> {
        let mut tables = vec![
            self.summary_table(),
            Self::km_table(&self.km, "survival_km"),
        ];

        let mut t = Table::new(
            "survival_turnbull",
            &["interval_low_h", "interval_high_h", "mass", "survival_prob"],
        );
        for s in &self.turnbull.steps {
            t.push(vec![
                s.lower.into(),
                s.upper.into(),
                s.mass.into(),
                s.survival.into(),
            ]);
        }
        tables.push(t);

        let mut t = Table::new(
            "survival_checkpoints",
            &[
                "time_h",
                "km_survival_prob",
                "km_ci95_low",
                "km_ci95_high",
                "turnbull_survival_low",
                "turnbull_survival_high",
            ],
        );
        for &h in &self.options.checkpoints_h {
            let step = self.km.steps.iter().rev().find(|s| s.time <= h);
            let (lo, hi) = self.turnbull.survival_bounds(h);
            t.push(vec![
                h.into(),
                self.km.survival_at(h).into(),
                step.map_or(Value::Float(1.0), |s| s.lower.into()),
                step.map_or(Value::Float(1.0), |s| s.upper.into()),
                lo.into(),
                hi.into(),
            ]);
        }
        tables.push(t);

        let total: f64 = self.latency.iter().map(|b| b.deletions).sum();
        let mut t = Table::new(
            "latency_histogram",
            &["bin", "lower_s", "upper_s", "deletions", "share"],
        );
        for b in &self.latency {
            let share = if total > 0.0 {
                b.deletions / total
            } else {
                f64::NAN
            };
            t.push(vec![
                bin_label(b.lower_s, b.upper_s).into(),
                b.lower_s.into(),
                b.upper_s.into(),
                b.deletions.into(),
                share.into(),
            ]);
        }
        tables.push(t);

        let mut t = Table::new(
            "latency_cdf",
            &["latency_s", "share_gone_fastest", "share_gone_slowest"],
        );
        for b in self.latency.iter().skip(1) {
            let (fast, slow) = self.share_deleted_within(b.lower_s);
            t.push(vec![b.lower_s.into(), fast.into(), slow.into()]);
        }
        tables.push(t);

        let mut t = Table::new(
            "deletions_by_hour",
            &[
                "hour",
                "utc_offset",
                "deletions",
                "exposure_item_h",
                "deletions_per_1000_item_h",
            ],
        );
        for (h, row) in self.hours.iter().enumerate() {
            let rate = if row.exposure_item_h > 0.0 {
                1000.0 * row.deletions / row.exposure_item_h
            } else {
                f64::NAN
            };
            t.push(vec![
                h.into(),
                self.options.offset.to_string().into(),
                row.deletions.into(),
                row.exposure_item_h.into(),
                rate.into(),
            ]);
        }
        tables.push(t);

        let mut t = Table::new(
            "deletion_rate_daily",
            &[
                "day",
                "items_published",
                "gone_within_horizon",
                "horizon_h",
                "cohort_per_1000",
                "cohort_ci95_low_per_1000",
                "cohort_ci95_high_per_1000",
                "cohort_final",
                "items_observed",
                "gone_detected",
                "detected_per_1000_observed",
            ],
        );
        for d in &self.days {
            let (n, c) = (d.published as f64, d.gone_within_horizon as f64);
            let rate = if n > 0.0 { 1000.0 * c / n } else { f64::NAN };
            let ci = wilson(c, n, Z_95);
            let detected = if d.observed > 0 {
                1000.0 * d.detected as f64 / d.observed as f64
            } else {
                f64::NAN
            };
            t.push(vec![
                d.day.clone().into(),
                d.published.into(),
                d.gone_within_horizon.into(),
                (self.options.rate_horizon_s as f64 / 3600.0).into(),
                rate.into(),
                ci.map(|c| c.0 * 1000.0).into(),
                ci.map(|c| c.1 * 1000.0).into(),
                d.cohort_final.into(),
                d.observed.into(),
                d.detected.into(),
                detected.into(),
            ]);
        }
        tables.push(t);

        let mut t = Table::new(
            "term_deletion_rates",
            &[
                "rank",
                "term",
                "items",
                "gone",
                "gone_share",
                "ratio_to_overall",
                "p_value",
                "ln_p_value",
                "q_value",
            ],
        );
        for (k, r) in self.terms.iter().enumerate() {
            let share = r.gone as f64 / r.items as f64;
            let ratio = if self.overall_share > 0.0 {
                share / self.overall_share
            } else {
                f64::NAN
            };
            t.push(vec![
                (k + 1).into(),
                r.term.clone().into(),
                r.items.into(),
                r.gone.into(),
                share.into(),
                ratio.into(),
                r.p_value.into(),
                r.ln_p_value.into(),
                r.q_value.into(),
            ]);
        }
        tables.push(t);

        if let Some(g) = self.options.group_by {
            let mut t = Table::new(
                "groups",
                &[
                    "grouping",
                    "group",
                    "items",
                    "gone",
                    "gone_share",
                    "km_median_survival_h",
                    "median_latency_midpoint_h",
                    "logrank_vs_rest_chi2",
                    "logrank_vs_rest_p_value",
                ],
            );
            for r in &self.groups {
                t.push(vec![
                    g.as_str().into(),
                    r.group.clone().into(),
                    r.items.into(),
                    r.gone.into(),
                    (r.gone as f64 / r.items.max(1) as f64).into(),
                    r.km_median_h.into(),
                    r.median_latency_h.into(),
                    r.versus_rest.map(|l| l.chi_square).into(),
                    r.versus_rest.map(|l| l.p_value).into(),
                ]);
            }
            tables.push(t);
        }

        let mut t = Table::new(
            "cumulative_incidence",
            &["reason", "time_h", "cumulative_incidence_prob"],
        );
        for (reason, curve) in &self.incidence {
            for (time, f) in curve {
                t.push(vec![reason.clone().into(), (*time).into(), (*f).into()]);
            }
        }
        tables.push(t);

        let mut t = Table::new("excluded", &["item_id", "why"]);
        for (id, why) in &self.excluded {
            t.push(vec![id.clone().into(), why.clone().into()]);
        }
        tables.push(t);
        tables
    }

    fn svgs(&self) -> Vec<Chart> {
        let mut charts = Vec::new();
        let s = &self.summary;
        let x_max = self.km.steps.last().map(|s| s.time).unwrap_or(1.0);
        let mut km_points = vec![(0.0, 1.0)];
        let mut band = vec![(0.0, 1.0, 1.0)];
        for step in &self.km.steps {
            km_points.push((step.time, step.survival));
            if let (Some(lo), Some(hi)) = (step.lower, step.upper) {
                band.push((step.time, lo, hi));
            }
        }
        let mut km_series = Series::new("Kaplan–Meier (midpoint)", km_points, Style::Step);
        km_series.band = band;
        km_series.band_name = "95 % CI (log-log)".into();
        let mut tb_points = vec![(0.0, 1.0)];
        let mut before = 1.0;
        for step in &self.turnbull.steps {
            tb_points.push((step.lower, before));
            tb_points.push((step.upper.unwrap_or(step.lower.max(x_max)), step.survival));
            before = step.survival;
        }
        let tb_series = Series {
            name: "Turnbull NPMLE".into(),
            points: tb_points,
            style: Style::Dashed,
            ..Series::default()
        };
        charts.push(Chart {
            name: "survival".into(),
            svg: LineChart {
                title: "Survival of items since publication".into(),
                subtitle: format!(
                    "{} items, {} gone; median (KM) {}",
                    s.items,
                    s.gone,
                    s.km_median_h
                        .map_or("not reached".to_owned(), |m| format!("{m:.2} h"))
                ),
                x: Axis::linear("time since publication (h)"),
                y: Axis::linear("survival probability").range(0.0, 1.0),
                series: vec![km_series, tb_series],
            }
            .render(),
        });

        charts.push(Chart {
            name: "latency_histogram".into(),
            svg: BarChart {
                title: "Deletion latency".into(),
                subtitle: format!(
                    "{} deletions; each spread over the bins its interval overlaps",
                    s.gone
                ),
                x_label: "time from publication to deletion (log-spaced bins)".into(),
                y_label: "deletions".into(),
                categories: self
                    .latency
                    .iter()
                    .map(|b| bin_label(b.lower_s, b.upper_s))
                    .collect(),
                series: vec![(
                    "deletions".into(),
                    self.latency.iter().map(|b| b.deletions).collect(),
                )],
            }
            .render(),
        });

        let rates: Vec<f64> = self
            .hours
            .iter()
            .map(|r| {
                if r.exposure_item_h > 0.0 {
                    1000.0 * r.deletions / r.exposure_item_h
                } else {
                    f64::NAN
                }
            })
            .collect();
        charts.push(Chart {
            name: "deletions_by_hour".into(),
            svg: BarChart {
                title: "Deletions by hour of day".into(),
                subtitle: format!(
                    "hours in {}; normalised by item-hours live",
                    self.options.offset
                ),
                x_label: format!("hour of day ({})", self.options.offset),
                y_label: "deletions per 1,000 item-hours".into(),
                categories: (0..24).map(|h| format!("{h:02}")).collect(),
                series: vec![("deletions / 1,000 item-h".into(), rates)],
            }
            .render(),
        });

        let ticks: Vec<(f64, String)> = self
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| (i as f64, d.day.clone()))
            .collect();
        let cohort: Vec<(f64, f64)> = self
            .days
            .iter()
            .enumerate()
            .filter(|(_, d)| d.published > 0)
            .map(|(i, d)| {
                (
                    i as f64,
                    1000.0 * d.gone_within_horizon as f64 / d.published as f64,
                )
            })
            .collect();
        let detected: Vec<(f64, f64)> = self
            .days
            .iter()
            .enumerate()
            .filter(|(_, d)| d.observed > 0)
            .map(|(i, d)| (i as f64, 1000.0 * d.detected as f64 / d.observed as f64))
            .collect();
        charts.push(Chart {
            name: "deletion_rate_daily".into(),
            svg: LineChart {
                title: "Deletion rate per 1,000 items per day".into(),
                subtitle: format!(
                    "cohort: gone within {} h of publication; event-day: detected per items observed",
                    self.options.rate_horizon_s / 3600
                ),
                x: Axis { label: format!("day ({})", self.options.offset), ticks: Some(ticks), ..Axis::default() },
                y: Axis::linear("deletions per 1,000 items"),
                series: vec![
                    Series::new("cohort (by publication day)", cohort, Style::Line),
                    Series::new("event-day (by detection day)", detected, Style::Dashed),
                ],
            }
            .render(),
        });

        let top: Vec<&TermRow> = self.terms.iter().take(20).collect();
        charts.push(Chart {
            name: "term_deletion_rates".into(),
            svg: BarChart {
                title: "Deletion share by term (most significant first)".into(),
                subtitle: format!(
                    "one-sided exact binomial test against the overall share {:.3}; top {} of {} terms",
                    self.overall_share,
                    top.len(),
                    self.terms.len()
                ),
                x_label: "term".into(),
                y_label: "share of items gone".into(),
                categories: top.iter().map(|r| r.term.clone()).collect(),
                series: vec![
                    ("term".into(), top.iter().map(|r| r.gone as f64 / r.items as f64).collect()),
                    ("overall".into(), vec![self.overall_share; top.len()]),
                ],
            }
            .render(),
        });

        let series = self
            .incidence
            .iter()
            .map(|(reason, curve)| {
                let mut points = vec![(0.0, 0.0)];
                points.extend(curve.iter().copied());
                Series::new(reason, points, Style::Step)
            })
            .collect();
        charts.push(Chart {
            name: "cumulative_incidence".into(),
            svg: LineChart {
                title: "Cumulative incidence of deletion by reason".into(),
                subtitle:
                    "Aalen–Johansen (reasons as competing risks), deletion at interval midpoints"
                        .into(),
                x: Axis::linear("time since publication (h)"),
                y: Axis::linear("probability gone by this reason").range(0.0, 1.0),
                series,
            }
            .render(),
        });

        if let Some(g) = self.options.group_by {
            let series = self
                .groups
                .iter()
                .take(self.options.max_group_curves)
                .map(|r| {
                    let mut points = vec![(0.0, 1.0)];
                    points.extend(r.km.steps.iter().map(|s| (s.time, s.survival)));
                    Series::new(&format!("{} (n={})", r.group, r.items), points, Style::Step)
                })
                .collect();
            charts.push(Chart {
                name: "survival_by_group".into(),
                svg: LineChart {
                    title: format!("Survival by {}", g.as_str()),
                    subtitle: "Kaplan–Meier, deletion at interval midpoints".into(),
                    x: Axis::linear("time since publication (h)"),
                    y: Axis::linear("survival probability").range(0.0, 1.0),
                    series,
                }
                .render(),
            });
        }
        charts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::tests::well_formed;
    use crate::time::days_from_civil;

    fn life(id: &str, published: i64, live: i64, gone: Option<i64>, terms: &[&str]) -> ItemLife {
        ItemLife {
            item_id: id.into(),
            platform: "weibo".into(),
            reason: gone.map(|_| "gone:platform_removed".to_owned()),
            published_at: published,
            first_observed: None,
            last_seen_live: live,
            first_seen_gone: gone,
            terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    #[test]
    fn log_bin_edges() {
        assert_eq!(
            log_edges(1.0, 1000.0, 10.0).unwrap(),
            vec![0.0, 1.0, 10.0, 100.0, 1000.0]
        );
        assert_eq!(
            log_edges(60.0, 300.0, 2.0).unwrap(),
            vec![0.0, 60.0, 120.0, 240.0, 300.0]
        );
        assert!(log_edges(0.0, 10.0, 2.0).is_none());
        assert!(log_edges(1.0, 10.0, 1.0).is_none());
        let d = default_latency_edges();
        assert_eq!(d.len(), 14);
        assert_eq!(bin_label(d[4], Some(d[5])), "10m–30m");
        assert_eq!(bin_label(d[13], None), "≥30d");
        // A deletion in (90 s, 150 s] is half in [1m, 2m) and half in [2m, 5m).
        let mut bins: Vec<LatencyBin> = d
            .iter()
            .enumerate()
            .map(|(k, &l)| LatencyBin {
                lower_s: l,
                upper_s: d.get(k + 1).copied(),
                deletions: 0.0,
            })
            .collect();
        spread_latency(&mut bins, 90.0, 150.0);
        spread_latency(&mut bins, 40.0 * 86_400.0, 40.0 * 86_400.0);
        assert_eq!((bins[1].deletions, bins[2].deletions), (0.5, 0.5));
        assert_eq!(bins[13].deletions, 1.0);
    }

    #[test]
    fn hour_of_day_uses_utc_plus_8() {
        // Gone between 15:50 and 16:10 UTC on 2026-07-24: midnight in Beijing.
        let day = days_from_civil(2026, 7, 24) * 86_400;
        let items = [life(
            "a",
            day,
            day + 15 * 3600 + 50 * 60,
            Some(day + 16 * 3600 + 10 * 60),
            &[],
        )];
        let r = report(&items, &Options::default()).unwrap();
        assert_eq!(r.hours[0].deletions, 1.0);
        let utc = report(
            &items,
            &Options {
                offset: UtcOffset::UTC,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(utc.hours[16].deletions, 1.0);
        // A six-hour interval is spread: 1/6 per hour, from 02:00 to 08:00 Beijing time.
        let items = [life("b", day, day - 6 * 3600, Some(day), &[]).with_published(day - 7 * 3600)];
        let r = report(&items, &Options::default()).unwrap();
        for h in 2..8 {
            assert!(
                (r.hours[h].deletions - 1.0 / 6.0).abs() < 1e-12,
                "{h}: {:?}",
                r.hours[h]
            );
        }
        // Exposure: published 01:00, deleted around 05:00 → 4 item-hours, one per hour 1..5.
        for h in 1..5 {
            assert!(
                (r.hours[h].exposure_item_h - 1.0).abs() < 1e-9,
                "{h}: {:?}",
                r.hours[h]
            );
        }
        assert_eq!(r.hours.iter().map(|h| h.exposure_item_h).sum::<f64>(), 4.0);
    }

    impl ItemLife {
        fn with_published(mut self, t: i64) -> Self {
            self.published_at = t;
            self
        }
    }

    #[test]
    fn terms_ranked_by_binomial_p() {
        let mut items = Vec::new();
        // 1000 items, 100 gone overall (p0 = 0.1). Term "x": 50 items, 20 gone.
        for i in 0..1000 {
            let gone = (i < 20) || (50..130).contains(&i);
            let terms: &[&str] = if i < 50 {
                &["x", "common"]
            } else {
                &["common"]
            };
            items.push(life(&i.to_string(), 0, 3600, gone.then_some(7200), terms));
        }
        let r = report(
            &items,
            &Options {
                min_term_items: 10,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(r.overall_share, 0.1);
        assert_eq!(r.terms[0].term, "x");
        assert_eq!((r.terms[0].items, r.terms[0].gone), (50, 20));
        // scipy 1.17.1: binomtest(20, 50, 0.1, alternative='greater').pvalue
        let expected = 2.3685993581841912e-08;
        assert!(
            (r.terms[0].p_value - expected).abs() < 1e-12 * expected,
            "{}",
            r.terms[0].p_value
        );
        assert_eq!(r.terms[1].term, "common");
        // binomtest(100, 1000, 0.1, alternative='greater').pvalue
        assert!(
            (r.terms[1].p_value - 0.5154177095659214).abs() < 1e-12,
            "{}",
            r.terms[1].p_value
        );
    }

    #[test]
    fn no_panic_on_odd_input() {
        let odd = [
            life("back", 100, 50, None, &[]),
            life("inverted", 0, 500, Some(100), &[]),
            life("zero", 0, 0, Some(0), &["<&>"]),
            life("extreme", i64::MIN / 4, i64::MAX / 4, None, &[]),
        ];
        for items in [&odd[..], &[], &odd[2..3]] {
            for g in [
                None,
                Some(Grouping::Reason),
                Some(Grouping::Term),
                Some(Grouping::Platform),
            ] {
                let r = report(
                    items,
                    &Options {
                        group_by: g,
                        min_term_items: 1,
                        ..Options::default()
                    },
                )
                .unwrap();
                for chart in r.svgs() {
                    well_formed(&chart.svg).unwrap_or_else(|e| panic!("{}: {e}", chart.name));
                }
                let _ = r.to_json();
                let _ = r.to_csv_tables();
            }
        }
        let r = report(&odd, &Options::default()).unwrap();
        assert_eq!(r.summary.excluded, 3);
        assert!(
            report(
                &odd,
                &Options {
                    latency_edges_s: vec![1.0, 2.0],
                    ..Options::default()
                }
            )
            .is_err()
        );
    }

    /// Deterministic pseudo-random lives (xorshift), including extreme and inconsistent times,
    /// duplicate and hostile terms: no panic, well-formed charts, counts that add up.
    #[test]
    fn random_lives_never_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let specials = [
            0,
            1,
            -1,
            i64::MAX,
            i64::MIN,
            1 << 40,
            -(1 << 40),
            1_785_000_000,
        ];
        for round in 0..15 {
            let mut items = Vec::new();
            for k in 0..(next() % 60) {
                let pick = |r: u64, base: i64| -> i64 {
                    if r.is_multiple_of(7) {
                        specials[(r / 7 % 8) as usize]
                    } else {
                        base.saturating_add((r % 200_000) as i64)
                    }
                };
                let published = pick(next(), 1_785_000_000);
                let live = pick(next(), published);
                let gone = next().is_multiple_of(2).then(|| pick(next(), live));
                let terms = ["a", "<&>", "六四", "a"][..(next() % 5) as usize % 4]
                    .iter()
                    .map(|t| (*t).to_owned())
                    .collect();
                let mut item = life(&format!("{round}-{k}"), published, live, gone, &[]);
                item.terms = terms;
                item.first_observed = next().is_multiple_of(3).then(|| pick(next(), published));
                items.push(item);
            }
            let options = Options {
                min_term_items: 1,
                group_by: Some(Grouping::Term),
                ..Options::default()
            };
            let r = report(&items, &options).unwrap();
            assert_eq!(r.summary.items + r.summary.excluded, items.len() as u64);
            let hours: f64 = r.hours.iter().map(|h| h.deletions).sum();
            assert!(
                (hours - r.summary.gone as f64).abs() < 1e-6,
                "{hours} vs {}",
                r.summary.gone
            );
            let latency: f64 = r.latency.iter().map(|b| b.deletions).sum();
            assert!((latency - r.summary.gone as f64).abs() < 1e-6);
            for chart in r.svgs() {
                well_formed(&chart.svg).unwrap_or_else(|e| panic!("{}: {e}", chart.name));
            }
            for period in [Period::Day, Period::Week, Period::Month] {
                let options = crate::trends::Options {
                    period,
                    ..crate::trends::Options::default()
                };
                let trend = crate::trends::report(&items, &[], &options).unwrap();
                for chart in trend.svgs() {
                    well_formed(&chart.svg).unwrap();
                }
                let _ = trend.to_json();
            }
            let series: Vec<crate::MetricSeries> = items
                .iter()
                .map(|i| crate::MetricSeries {
                    item_id: i.item_id.clone(),
                    list: i.platform.clone(),
                    published_at: i.published_at,
                    points: vec![
                        (i.last_seen_live, 5.0),
                        (i.first_seen_gone.unwrap_or(0), f64::NAN),
                        (i.published_at, -1.0),
                    ],
                })
                .collect();
            let m = crate::metrics::report(
                &series,
                &crate::metrics::Options {
                    log_values: round % 2 == 0,
                    ..Default::default()
                },
            )
            .unwrap();
            for chart in m.svgs() {
                well_formed(&chart.svg).unwrap();
            }
            let _ = (r.to_json(), m.to_json());
        }
    }

    #[test]
    fn groups_get_logrank_tests() {
        // Two platforms with the 6-MP and placebo times (hours): the same test as in survival.
        let six_mp = [
            (6, true),
            (6, true),
            (6, true),
            (6, false),
            (7, true),
            (9, false),
            (10, true),
            (10, false),
            (11, false),
            (13, true),
            (16, true),
            (17, false),
            (19, false),
            (20, false),
            (22, true),
            (23, true),
            (25, false),
            (32, false),
            (32, false),
            (34, false),
            (35, false),
        ];
        let placebo = [
            1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
        ];
        let mut items = Vec::new();
        // Gone in (t h − 1 s, t h + 1 s]: midpoint exactly t hours.
        for (k, (t, gone)) in six_mp.iter().enumerate() {
            let live = if *gone { t * 3600 - 1 } else { t * 3600 };
            let mut i = life(
                &format!("m{k}"),
                0,
                live,
                gone.then_some(t * 3600 + 1),
                &["drug"],
            );
            i.platform = "six-mp".into();
            items.push(i);
        }
        for (k, t) in placebo.iter().enumerate() {
            let mut i = life(
                &format!("p{k}"),
                0,
                t * 3600 - 1,
                Some(t * 3600 + 1),
                &["placebo"],
            );
            i.platform = "placebo".into();
            items.push(i);
        }
        let options = Options {
            group_by: Some(Grouping::Platform),
            ..Options::default()
        };
        let r = report(&items, &options).unwrap();
        let overall = r.group_logrank.unwrap();
        assert!(
            (overall.chi_square - 16.792940989216547).abs() < 1e-9,
            "{overall:?}"
        );
        // The groups alone (another grouping of items a report was made of): the same rows.
        let (groups, logrank) = group_summaries(&items, Grouping::Platform, 50);
        assert_eq!(format!("{groups:?}"), format!("{:?}", r.groups));
        assert_eq!(format!("{logrank:?}"), format!("{:?}", r.group_logrank));
        assert!(
            r.groups
                .iter()
                .all(|g| (g.versus_rest.unwrap().chi_square - overall.chi_square).abs() < 1e-9)
        );
        let options = Options {
            group_by: Some(Grouping::Term),
            min_term_items: 21,
            ..Options::default()
        };
        let r = report(&items, &options).unwrap();
        assert!(r.group_logrank.is_none());
        assert!((r.groups[0].versus_rest.unwrap().p_value - 4.168809109334511e-05).abs() < 1e-12);
        let csv = &r
            .tables()
            .iter()
            .find(|t| t.name == "groups")
            .unwrap()
            .to_csv();
        assert!(csv.starts_with("grouping,group,items,gone,gone_share,km_median_survival_h,median_latency_midpoint_h,logrank_vs_rest_chi2,logrank_vs_rest_p_value\n"));
    }

    #[test]
    fn daily_rates_and_groups() {
        let d0 = days_from_civil(2026, 7, 24) * 86_400 - 8 * 3600; // local midnight
        let items = [
            life("a", d0 + 3600, d0 + 7200, Some(d0 + 9000), &["t"]),
            life("b", d0 + 3600, d0 + 86_400 * 2, None, &["t"]),
            life(
                "c",
                d0 + 86_400 + 60,
                d0 + 86_400 * 2,
                Some(d0 + 86_400 * 2 + 60),
                &[],
            ),
        ];
        let r = report(
            &items,
            &Options {
                group_by: Some(Grouping::Reason),
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(r.days.len(), 3);
        assert_eq!(
            (
                r.days[0].day.as_str(),
                r.days[0].published,
                r.days[0].gone_within_horizon
            ),
            ("2026-07-24", 2, 1)
        );
        assert_eq!((r.days[0].observed, r.days[0].detected), (2, 1));
        assert_eq!((r.days[2].observed, r.days[2].detected), (2, 1));
        assert!(!r.days[0].cohort_final);
        assert_eq!(r.groups.len(), 2);
        let csv = r.to_csv_tables();
        let daily = &csv
            .iter()
            .find(|(n, _)| n == "deletion_rate_daily.csv")
            .unwrap()
            .1;
        assert!(
            daily.starts_with("day,items_published,gone_within_horizon,horizon_h,cohort_per_1000,")
        );
        assert!(daily.contains("\n2026-07-24,2,1,168,500,"));
    }
}

//! Trends: items per day, week or month matching each term, the share of them later gone, and
//! bursts.
//!
//! **Burst method.** For each bucket the baseline is the mean count of the previous
//! `baseline_buckets` buckets (fewer at the start; at least `min_history` are required), plus
//! half an item spread over the window (`λ = (Σ counts + 0.5) / window`) so an empty history
//! does not make every item a burst. The bucket is a burst when its count `v` is improbably high
//! for a Poisson count with mean `λ` — one-sided `P(X ≥ v) < alpha` (default 0.001) — and also
//! large in absolute and relative terms (`v ≥ min_count`, `v ≥ min_ratio · λ`). Reported per
//! bucket: `baseline`, `ratio = v / λ`, `excess = v − λ`, `z = (v − λ)/√λ`, and `p`. The
//! trailing window includes earlier bursts, so a sustained rise stops being a burst once it
//! becomes the baseline. Poisson is a lower bound on the real variance of topic counts, hence
//! the strict default `alpha` and the ratio condition.

use std::collections::{BTreeMap, BTreeSet};

use crate::Error;
use crate::deletions::ItemLife;
use crate::stats::poisson_upper_tail;
use crate::svg::{Axis, LineChart, PALETTE, Series, Style};
use crate::table::{Chart, Report, Table, Value};
use crate::time::{Period, UtcOffset};

/// Options of [`report`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Bucket size (default day).
    pub period: Period,
    /// Zone of the calendar (default UTC+8).
    pub offset: UtcOffset,
    /// Only items published at or after this time (unix seconds).
    pub since: Option<i64>,
    /// Only items published before this time.
    pub until: Option<i64>,
    /// Trailing window of the baseline, in buckets (default 7).
    pub baseline_buckets: usize,
    /// Buckets of history needed before a bucket can be a burst (default 3).
    pub min_history: usize,
    /// Significance level of the one-sided Poisson test (default 0.001).
    pub alpha: f64,
    /// Smallest ratio count / baseline of a burst (default 2).
    pub min_ratio: f64,
    /// Smallest count of a burst (default 5).
    pub min_count: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            period: Period::Day,
            offset: UtcOffset::CHINA,
            since: None,
            until: None,
            baseline_buckets: 7,
            min_history: 3,
            alpha: 0.001,
            min_ratio: 2.0,
            min_count: 5,
        }
    }
}

/// One term in one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRow {
    /// The term.
    pub term: String,
    /// Bucket label (`2026-07-24`, the week's Monday, or `2026-07`).
    pub bucket: String,
    /// Unix seconds at which the bucket starts.
    pub bucket_start: i64,
    /// Items published in the bucket that match the term.
    pub items: u64,
    /// Of those, gone by now.
    pub gone: u64,
    /// Baseline mean λ, when there was enough history.
    pub baseline: Option<f64>,
    /// One-sided Poisson p-value `P(X ≥ items | λ)`.
    pub p_value: Option<f64>,
    /// Whether the bucket is a burst.
    pub burst: bool,
}

/// The trend report: rows grouped by term (in the order asked), buckets in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendReport {
    /// Terms, in order.
    pub terms: Vec<String>,
    /// Rows, term by term.
    pub rows: Vec<TrendRow>,
    options: Options,
}

/// Counts the items matching each term per bucket (an item matches a term it lists in
/// [`ItemLife::terms`]) and flags bursts. With no terms, every term found is used (sorted).
pub fn report(
    items: &[ItemLife],
    terms: &[String],
    options: &Options,
) -> Result<TrendReport, Error> {
    if options.baseline_buckets == 0 {
        return Err(Error::InvalidOption(
            "baseline window must be at least one bucket".into(),
        ));
    }
    if !(options.alpha > 0.0 && options.alpha <= 1.0) {
        return Err(Error::InvalidOption("alpha must be in (0, 1]".into()));
    }
    if options.min_ratio.is_nan() {
        return Err(Error::InvalidOption("min_ratio must be a number".into()));
    }
    let terms: Vec<String> = if terms.is_empty() {
        items
            .iter()
            .flat_map(|i| i.terms.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    } else {
        let mut seen = BTreeSet::new();
        terms
            .iter()
            .filter(|t| seen.insert(t.as_str()))
            .cloned()
            .collect()
    };
    let period = options.period;
    let in_range =
        |t: i64| options.since.is_none_or(|s| t >= s) && options.until.is_none_or(|u| t < u);
    // counts[term][bucket] = (items, gone)
    let mut counts: Vec<BTreeMap<i64, (u64, u64)>> = vec![BTreeMap::new(); terms.len()];
    let index: BTreeMap<&str, usize> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    for item in items.iter().filter(|i| in_range(i.published_at)) {
        let b = period.index(item.published_at, options.offset);
        let mut matched = BTreeSet::new();
        for term in &item.terms {
            if let Some(&k) = index.get(term.as_str())
                && matched.insert(k)
            {
                let e = counts[k].entry(b).or_default();
                e.0 += 1;
                if item.first_seen_gone.is_some() {
                    e.1 += 1;
                }
            }
        }
    }
    report_counts(terms, counts, options)
}

/// A trend report from counts made elsewhere (by a search index, say): for each of `terms`,
/// `(items, gone)` by bucket number of `options.period` (as [`Period::index`] numbers them in
/// `options.offset`). Baselines, bursts and empty buckets as [`report`] makes them; `since` and
/// `until` only widen the range of buckets (the counts are taken as already filtered).
pub fn report_counts(
    terms: Vec<String>,
    counts: Vec<BTreeMap<i64, (u64, u64)>>,
    options: &Options,
) -> Result<TrendReport, Error> {
    if options.baseline_buckets == 0 {
        return Err(Error::InvalidOption(
            "baseline window must be at least one bucket".into(),
        ));
    }
    if !(options.alpha > 0.0 && options.alpha <= 1.0) {
        return Err(Error::InvalidOption("alpha must be in (0, 1]".into()));
    }
    if options.min_ratio.is_nan() {
        return Err(Error::InvalidOption("min_ratio must be a number".into()));
    }
    if counts.len() != terms.len() {
        return Err(Error::InvalidOption(format!(
            "{} terms but counts for {}",
            terms.len(),
            counts.len()
        )));
    }
    let period = options.period;
    let mut buckets: BTreeSet<i64> = counts.iter().flat_map(|c| c.keys().copied()).collect();
    if let Some(s) = options.since {
        buckets.insert(period.index(s, options.offset));
    }
    if let Some(u) = options.until {
        buckets.insert(period.index(u.saturating_sub(1), options.offset));
    }
    let all: Vec<i64> = match (buckets.first(), buckets.last()) {
        (Some(&a), Some(&b)) if b - a <= 20_000 => (a..=b).collect(),
        _ => buckets.into_iter().collect(),
    };
    let mut rows = Vec::with_capacity(all.len() * terms.len());
    for (k, term) in terms.iter().enumerate() {
        let series: Vec<(u64, u64)> = all
            .iter()
            .map(|b| counts[k].get(b).copied().unwrap_or_default())
            .collect();
        for (i, &b) in all.iter().enumerate() {
            let (v, gone) = series[i];
            let window = &series[i.saturating_sub(options.baseline_buckets)..i];
            let (baseline, p_value, burst) = if window.len() >= options.min_history.max(1) {
                let sum: u64 = window.iter().map(|c| c.0).sum();
                let lambda = (sum as f64 + 0.5) / window.len() as f64;
                let p = poisson_upper_tail(v, lambda).p;
                let burst = p < options.alpha
                    && v >= options.min_count
                    && v as f64 >= options.min_ratio * lambda;
                (Some(lambda), Some(p), burst)
            } else {
                (None, None, false)
            };
            rows.push(TrendRow {
                term: term.clone(),
                bucket: period.label(b, options.offset),
                bucket_start: period.start(b, options.offset),
                items: v,
                gone,
                baseline,
                p_value,
                burst,
            });
        }
    }
    Ok(TrendReport {
        terms,
        rows,
        options: options.clone(),
    })
}

impl TrendReport {
    /// The burst rows only.
    pub fn bursts(&self) -> impl Iterator<Item = &TrendRow> {
        self.rows.iter().filter(|r| r.burst)
    }
}

fn row_values(r: &TrendRow, period: Period) -> Vec<Value> {
    let share = if r.items > 0 {
        r.gone as f64 / r.items as f64
    } else {
        f64::NAN
    };
    let ratio = r.baseline.map(|l| r.items as f64 / l);
    let excess = r.baseline.map(|l| r.items as f64 - l);
    let z = r.baseline.map(|l| (r.items as f64 - l) / l.sqrt());
    vec![
        r.term.clone().into(),
        period.as_str().into(),
        r.bucket.clone().into(),
        r.bucket_start.into(),
        r.items.into(),
        r.gone.into(),
        share.into(),
        r.baseline.into(),
        ratio.into(),
        excess.into(),
        z.into(),
        r.p_value.into(),
        r.burst.into(),
    ]
}

const COLUMNS: [&str; 13] = [
    "term",
    "period",
    "bucket",
    "bucket_start_unix_s",
    "items",
    "gone",
    "gone_share",
    "baseline_items",
    "ratio_to_baseline",
    "excess_items",
    "z",
    "p_value",
    "burst",
];

impl Report for TrendReport {
    fn tables(&self) -> Vec<Table> {
        let mut trend = Table::new("trend", &COLUMNS);
        let mut bursts = Table::new("bursts", &COLUMNS);
        for r in &self.rows {
            trend.push(row_values(r, self.options.period));
            if r.burst {
                bursts.push(row_values(r, self.options.period));
            }
        }
        vec![trend, bursts]
    }

    fn svgs(&self) -> Vec<Chart> {
        let period = self.options.period;
        let labels: Vec<String> = {
            let mut seen = BTreeSet::new();
            self.rows
                .iter()
                .filter(|r| seen.insert(r.bucket_start))
                .map(|r| r.bucket.clone())
                .collect()
        };
        let starts: BTreeMap<i64, usize> = {
            let mut seen = BTreeSet::new();
            self.rows
                .iter()
                .filter(|r| seen.insert(r.bucket_start))
                .enumerate()
                .map(|(i, r)| (r.bucket_start, i))
                .collect()
        };
        let ticks: Vec<(f64, String)> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (i as f64, l.clone()))
            .collect();
        let x_axis = Axis {
            label: format!("{} ({})", period.as_str(), self.options.offset),
            ticks: Some(ticks),
            ..Axis::default()
        };
        let mut count_series = Vec::new();
        let mut share_series = Vec::new();
        for (k, term) in self.terms.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()].to_owned();
            let rows: Vec<&TrendRow> = self.rows.iter().filter(|r| &r.term == term).collect();
            let x = |r: &TrendRow| starts.get(&r.bucket_start).copied().unwrap_or(0) as f64;
            let mut line = Series::new(
                term,
                rows.iter().map(|r| (x(r), r.items as f64)).collect(),
                Style::Line,
            );
            line.colour = Some(colour.clone());
            count_series.push(line);
            let bursts: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.burst)
                .map(|r| (x(r), r.items as f64))
                .collect();
            if !bursts.is_empty() {
                let mut marks = Series::new(&format!("{term}: burst"), bursts, Style::Points);
                marks.colour = Some(colour.clone());
                count_series.push(marks);
            }
            let mut share = Series::new(
                term,
                rows.iter()
                    .filter(|r| r.items > 0)
                    .map(|r| (x(r), r.gone as f64 / r.items as f64))
                    .collect(),
                Style::Line,
            );
            share.colour = Some(colour);
            share_series.push(share);
        }
        vec![
            Chart {
                name: "trend".into(),
                svg: LineChart {
                    title: format!("Items per {} by term", period.as_str()),
                    subtitle: format!(
                        "circles: bursts (Poisson p < {} against the trailing {}-{} mean, ≥ {}× and ≥ {} items)",
                        self.options.alpha,
                        self.options.baseline_buckets,
                        period.as_str(),
                        self.options.min_ratio,
                        self.options.min_count
                    ),
                    x: x_axis.clone(),
                    y: Axis::linear(&format!("items per {}", period.as_str())),
                    series: count_series,
                }
                .render(),
            },
            Chart {
                name: "trend_gone_share".into(),
                svg: LineChart {
                    title: format!("Share later gone, per {} and term", period.as_str()),
                    subtitle: "items published in the bucket that have disappeared since".into(),
                    x: x_axis,
                    y: Axis::linear("share gone").range(0.0, 1.0),
                    series: share_series,
                }
                .render(),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::tests::well_formed;
    use crate::time::days_from_civil;

    fn item(t: i64, term: &str, gone: bool) -> ItemLife {
        ItemLife {
            item_id: format!("{term}{t}"),
            published_at: t,
            last_seen_live: t,
            first_seen_gone: gone.then_some(t + 60),
            terms: vec![term.to_owned()],
            ..ItemLife::default()
        }
    }

    #[test]
    fn counts_by_day_added_up_give_the_same_weekly_report() {
        // What `annals trend` does with an index: counts per local day, added up by week.
        let day0 = days_from_civil(2026, 7, 1) * 86_400 - 8 * 3600;
        let mut items = Vec::new();
        for d in 0..60i64 {
            for k in 0..(d % 7 + (d / 20) * 9) {
                items.push(item(day0 + d * 86_400 + k * 600, "x", k % 3 == 0));
                items.push(item(day0 + d * 86_400 + k * 900, "y", k % 2 == 0));
            }
        }
        let options = Options {
            period: Period::Week,
            ..Options::default()
        };
        let terms = vec!["x".to_owned(), "y".to_owned()];
        let direct = report(&items, &terms, &options).unwrap();
        let mut counts = vec![BTreeMap::new(); 2];
        for i in &items {
            let day = Period::Day.start(
                Period::Day.index(i.published_at, options.offset),
                options.offset,
            );
            let k = usize::from(i.terms[0] == "y");
            let e: &mut (u64, u64) = counts[k]
                .entry(Period::Week.index(day, options.offset))
                .or_default();
            e.0 += 1;
            e.1 += u64::from(i.first_seen_gone.is_some());
        }
        let from_counts = report_counts(terms, counts, &options).unwrap();
        assert!(direct.rows.iter().any(|r| r.burst), "{:?}", direct.rows);
        assert_eq!(direct.rows, from_counts.rows);
        assert!(report_counts(vec!["x".into()], Vec::new(), &options).is_err());
    }

    #[test]
    fn burst_on_synthetic_series() {
        // 20 days of 10 items a day, day 14 has 40 (a burst), days 15.. back to 10.
        let day0 = days_from_civil(2026, 7, 1) * 86_400 - 8 * 3600;
        let mut items = Vec::new();
        for d in 0..20 {
            let n = if d == 14 { 40 } else { 10 };
            for k in 0..n {
                items.push(item(day0 + d * 86_400 + k * 60, "x", d == 14 && k < 30));
            }
        }
        let r = report(&items, &["x".to_owned()], &Options::default()).unwrap();
        assert_eq!(r.rows.len(), 20);
        let bursts: Vec<&TrendRow> = r.bursts().collect();
        assert_eq!(bursts.len(), 1);
        assert_eq!(bursts[0].bucket, "2026-07-15");
        // λ = (70 + 0.5) / 7; p = P(X >= 40 | λ) from mpmath gammainc(40, 0, 70.5/7, regularized=True).
        let lambda = 70.5 / 7.0;
        assert_eq!(bursts[0].baseline, Some(lambda));
        let p = bursts[0].p_value.unwrap();
        assert!(p < 1e-10, "{p}");
        assert_eq!((bursts[0].items, bursts[0].gone), (40, 30));
        // No burst before the history exists, none for steady days.
        assert!(r.rows[..3].iter().all(|r| r.baseline.is_none()));
        // Weekly buckets: 2026-06-29 (Mon) … ; the burst day is diluted but still the highest week.
        let w = report(
            &items,
            &[],
            &Options {
                period: Period::Week,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(w.rows[0].bucket, "2026-06-29");
        assert_eq!(w.rows.iter().map(|r| r.items).sum::<u64>(), 230);
        let tables = r.tables();
        assert!(
            tables[0]
                .to_csv()
                .starts_with("term,period,bucket,bucket_start_unix_s,items,gone,gone_share,")
        );
        assert_eq!(tables[1].rows.len(), 1);
        for chart in r.svgs().iter().chain(w.svgs().iter()) {
            well_formed(&chart.svg).unwrap();
        }
    }

    #[test]
    fn empty_and_odd_inputs() {
        let r = report(&[], &["<b>&".to_owned()], &Options::default()).unwrap();
        assert!(r.rows.is_empty());
        for chart in r.svgs() {
            let text = well_formed(&chart.svg).unwrap();
            assert!(text.contains("no data"));
        }
        let bogus = [item(0, "a", false), item(i64::MAX / 2, "a", true)];
        let r = report(&bogus, &[], &Options::default()).unwrap();
        assert_eq!(r.rows.len(), 2);
        assert!(
            report(
                &bogus,
                &[],
                &Options {
                    baseline_buckets: 0,
                    ..Options::default()
                }
            )
            .is_err()
        );
    }
}

//! The analyses on real data: Weibo's hot-search list, 64,652 readings of 10,997 topic-days
//! over 30 days (`../shared/data/weibo-hot-search/`, see its README), checked against figures
//! computed independently in Python.
//!
//! A topic-day (`day_file`, `text`) is an item: published at its earliest `firstSeen`, live while
//! its status is not `gone`, gone at its first `gone` reading (`last_seen_live` is the reading
//! before it). 541 topic-days come back after a `gone`; like the oracle, we take the first
//! disappearance. Its metric series is the heat (`count`) of its live readings.
//!
//! The oracle scripts (kept here so the figures can be recomputed):
//!
//! ```text
//! # python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install scipy lifelines   (lifelines 0.30.3)
//! # /tmp/oracle/bin/python oracle.py ../shared/data/weibo-hot-search/snapshots_2026-07-24_to_2026-08-23.csv
//! import csv, sys, datetime as dt, collections
//! import numpy as np
//! from lifelines import KaplanMeierFitter
//! def ts(s): return int(dt.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp() // 1)
//! g = collections.defaultdict(list)
//! for r in csv.DictReader(open(sys.argv[1], encoding='utf-8')):
//!     g[(r['day_file'], r['text'])].append((ts(r['snapshot_time']), r['status'], ts(r['firstSeen'])))
//! lives = []
//! for k, v in g.items():
//!     v.sort()
//!     P = min(x[2] for x in v)
//!     st = [x[1] for x in v]
//!     if 'gone' in st:
//!         i = st.index('gone'); A = v[i - 1][0]; G = v[i][0]
//!     else:
//!         A = v[-1][0]; G = None
//!     lives.append((P, A, G))
//! gone = [(P, A, G) for P, A, G in lives if G is not None]
//! print('topic_days', len(lives), 'gone', len(gone))
//! lo = [(A - P) / 3600 for P, A, G in gone]; hi = [(G - P) / 3600 for P, A, G in gone]
//! print('median_latency_lower_h', np.median(lo), 'upper_h', np.median(hi))
//! print('median_resolution_h', np.median([(G - A) / 3600 for P, A, G in gone]))
//! for s in (1800, 3600, 86400):
//!     print('within', s, sum(1 for P, A, G in gone if A - P <= s) / len(gone),
//!           sum(1 for P, A, G in gone if G - P <= s) / len(gone))
//! T = [((A - P) + (G - A) / 2) / 3600 if G is not None else (A - P) / 3600 for P, A, G in lives]
//! E = [G is not None for P, A, G in lives]
//! km = KaplanMeierFitter().fit(T, E)
//! print('km_median_h', km.median_survival_time_)
//! for t in (1, 2, 6, 12, 24): print('km_S', t, km.survival_function_at_times(t).iloc[0])
//! ci = km.confidence_interval_; print('km_ci_6h', ci[ci.index <= 6].iloc[-1].tolist())
//! L = [(A - P) / 3600 for P, A, G in lives]
//! U = [(G - P) / 3600 if G is not None else np.inf for P, A, G in lives]
//! sf = KaplanMeierFitter().fit_interval_censoring(L, U).survival_function_
//! for t in (1, 2, 6, 12, 24): print('turnbull_S', t, sf[sf.index <= t].iloc[-1].tolist())
//! h = collections.Counter(((A + (G - A) // 2 + 8 * 3600) % 86400) // 3600
//!                         for P, A, G in gone if G - A <= 3600)
//! print('short_intervals', sum(h.values()), [h[i] for i in range(24)])
//! ```
//!
//! `oracle3.py` is the same with `L = [(A - P) / 3600 + 1e-6 …]` (see the Turnbull check); and,
//! for metrics and daily counts (numpy's `interp` and `percentile`), `oracle2.py`: the same
//! grouping, then per topic-day the live readings' `(age_h, count)`, `np.interp` at 1 h and 6 h
//! when inside the observed span, `np.percentile(values, [25, 50, 75])`; and topic-days (and
//! those ever `gone`) per UTC+8 date of publication.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use annals_analysis::{
    ItemLife, MetricSeries, Period, Report, days_from_civil, deletions, metrics, trends,
};

fn data_file() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/weibo-hot-search");
    let file = dir.join("snapshots_2026-07-24_to_2026-08-23.csv");
    file.is_file().then_some(file)
}

/// RFC 4180 records (quoted fields, doubled quotes, line breaks inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                c => field.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => record.push(std::mem::take(&mut field)),
                '\r' => {}
                '\n' => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                c => field.push(c),
            }
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// `2026-07-24T00:42:00+08:00` or `2026-07-23T16:41:51.766Z` → unix seconds (fraction dropped).
fn parse_time(s: &str) -> i64 {
    let num =
        |a: usize, b: usize| -> i64 { s[a..b].parse().unwrap_or_else(|_| panic!("bad time {s}")) };
    let (y, mo, d, h, mi, se) = (
        num(0, 4),
        num(5, 7),
        num(8, 10),
        num(11, 13),
        num(14, 16),
        num(17, 19),
    );
    let zone = &s[19..];
    let zone = zone.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = if zone == "Z" {
        0
    } else {
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        sign * (zone[1..3].parse::<i64>().unwrap() * 3600 + zone[4..6].parse::<i64>().unwrap() * 60)
    };
    days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se - offset
}

struct Reading {
    at: i64,
    gone: bool,
    first_seen: i64,
    heat: f64,
}

/// Test-only loader: topic-days → item lives and heat series.
fn load(file: &Path) -> (Vec<ItemLife>, Vec<MetricSeries>) {
    let text = std::fs::read_to_string(file).unwrap();
    let records = parse_csv(&text);
    let header = &records[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (c_time, c_day, c_text, c_count, c_status, c_first) = (
        col("snapshot_time"),
        col("day_file"),
        col("text"),
        col("count"),
        col("status"),
        col("firstSeen"),
    );
    let mut topics: BTreeMap<(String, String), Vec<Reading>> = BTreeMap::new();
    for r in &records[1..] {
        topics
            .entry((r[c_day].clone(), r[c_text].clone()))
            .or_default()
            .push(Reading {
                at: parse_time(&r[c_time]),
                gone: r[c_status] == "gone",
                first_seen: parse_time(&r[c_first]),
                heat: r[c_count].parse().unwrap_or(f64::NAN),
            });
    }
    let mut lives = Vec::new();
    let mut series = Vec::new();
    for ((day, topic), mut readings) in topics {
        readings.sort_by_key(|r| r.at);
        let published_at = readings.iter().map(|r| r.first_seen).min().unwrap();
        let (last_seen_live, first_seen_gone) = match readings.iter().position(|r| r.gone) {
            Some(i) => (readings[i - 1].at, Some(readings[i].at)),
            None => (readings.last().unwrap().at, None),
        };
        let id = format!("{day}/{topic}");
        let mut terms: Vec<String> = topic.split_whitespace().map(str::to_owned).collect();
        terms.push("*".into());
        lives.push(ItemLife {
            item_id: id.clone(),
            platform: "weibo".into(),
            reason: first_seen_gone.map(|_| "left the list".into()),
            published_at,
            first_observed: Some(readings[0].at),
            last_seen_live,
            first_seen_gone,
            terms,
        });
        series.push(MetricSeries {
            item_id: id,
            list: "hot-search".into(),
            published_at,
            points: readings
                .iter()
                .filter(|r| !r.gone)
                .map(|r| (r.at, r.heat))
                .collect(),
        });
    }
    (lives, series)
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn weibo_hot_search_figures_match_independent_counts() {
    let Some(file) = data_file() else {
        eprintln!(
            "SKIPPED: weibo_hot_search: ../shared/data/weibo-hot-search is absent; the real-data checks did not run"
        );
        return;
    };
    let (lives, series) = load(&file);
    assert_eq!(lives.len(), 10_997, "topic-days (README: 10,997)");
    // The readings' first observation never precedes firstSeen in this data (checked in the
    // oracle), so delayed entry is at most one polling interval and the KM matches lifelines',
    // which has none.
    let report = deletions::report(&lives, &deletions::Options::default()).unwrap();
    let s = &report.summary;
    assert_eq!(
        (s.items, s.gone, s.excluded),
        (10_997, 5_363, 0),
        "README: 5,363 reach gone"
    );

    // Latency and resolution medians (numpy.median over the gone topic-days).
    assert!(
        close(s.median_latency_lower_h.unwrap(), 0.7022222222222222, 1e-9),
        "{s:?}"
    );
    assert!(
        close(s.median_latency_upper_h.unwrap(), 2.691388888888889, 1e-9),
        "{s:?}"
    );
    assert!(
        close(s.median_resolution_h.unwrap(), 1.1172222222222221, 1e-9),
        "{s:?}"
    );
    let (fast, slow) = report.share_deleted_within(1800.0);
    assert!(close(fast, 0.4732425881036733, 1e-12) && close(slow, 0.035987320529554355, 1e-12));
    let (fast, slow) = report.share_deleted_within(3600.0);
    assert!(close(fast, 0.5433526011560693, 1e-12) && close(slow, 0.15439119895580833, 1e-12));

    // Midpoint Kaplan–Meier against lifelines 0.30.3.
    eprintln!("km median {:?} h", s.km_median_h);
    let km = &report.km;
    // A topic first read after its firstSeen enters late (delayed entry); lifelines has no
    // entry times, so compare on the same footing.
    let no_entry: Vec<ItemLife> = lives
        .iter()
        .map(|l| ItemLife {
            first_observed: None,
            ..l.clone()
        })
        .collect();
    let plain = deletions::report(&no_entry, &deletions::Options::default()).unwrap();
    assert!(close(
        plain.summary.km_median_h.unwrap(),
        3.2058333333333335,
        1e-9
    ));
    for (t, expected) in [
        (1.0, 0.7818966605568033),
        (2.0, 0.592609653524554),
        (6.0, 0.32234762554548657),
        (12.0, 0.022508092431461492),
        (24.0, 0.005128825028913276),
    ] {
        let got = plain.km.survival_at(t);
        assert!(
            close(got, expected, 1e-9),
            "KM S({t} h) = {got}, lifelines {expected}"
        );
        // Delayed entry changes little here: first readings come within one polling interval.
        assert!(
            close(km.survival_at(t), expected, 0.01),
            "with entry: S({t}) = {}",
            km.survival_at(t)
        );
    }
    let at6 = plain
        .km
        .steps
        .iter()
        .rev()
        .find(|st| st.time <= 6.0)
        .unwrap();
    assert!(
        close(at6.lower.unwrap(), 0.30944174105003813, 1e-6),
        "{at6:?}"
    );
    assert!(
        close(at6.upper.unwrap(), 0.3353141582728905, 1e-6),
        "{at6:?}"
    );

    // One reason only ("left the list"): its cumulative incidence is 1 − KM at every time.
    assert_eq!(report.incidence.len(), 1);
    for (t, f) in &report.incidence[0].1 {
        assert!(close(*f, 1.0 - km.survival_at(*t), 1e-9), "t = {t}");
    }

    // Turnbull NPMLE against lifelines' fit_interval_censoring. lifelines takes closed
    // intervals [L, U]; deletions are in (A, G], and here many A of one topic equal G of another
    // (all times are snapshot times), which moves the innermost intervals. So the oracle shifts
    // every lower bound up by 1e-6 h (oracle3.py: `L = (A - P) / 3600 + 1e-6`, otherwise as
    // above). lifelines stops on its own criterion: agreement to 1e-3. With the unshifted
    // (closed) intervals lifelines gives 0.7361, 0.6130, 0.3300, 0.0234, 0.0047.
    let tb = &report.turnbull;
    eprintln!(
        "turnbull: {} support intervals, {} iterations, converged {}, max gradient {}",
        tb.steps.len(),
        tb.iterations,
        tb.converged,
        tb.max_gradient
    );
    assert!(tb.converged);
    // Optimality (Gentleman & Geyer): no direction raises the likelihood.
    assert!(tb.max_gradient < 1.0 + 1e-6, "{}", tb.max_gradient);
    for (t, expected) in [
        (1.0, 0.7316839898302326),
        (2.0, 0.6138185788892975),
        (6.0, 0.3307410248212307),
        (12.0, 0.02174850178825667),
        (24.0, 0.004711878052826321),
    ] {
        let (lo, hi) = tb.survival_bounds(t);
        eprintln!("turnbull S({t} h) in [{lo}, {hi}]; lifelines {expected}");
        // At 24 h S is undetermined (inside the last support interval): lifelines reports the
        // value at the interval's left end, our upper bound.
        let lo = if t == 24.0 { hi } else { lo };
        assert!(
            close(lo, expected, 1e-3) && close(hi, expected, 1e-3),
            "Turnbull S({t} h) in [{lo}, {hi}], lifelines {expected}"
        );
    }

    // Hour of day (UTC+8): every deletion is counted once; the ones known within an hour sit at
    // their midpoint hour, as counted directly.
    let total: f64 = report.hours.iter().map(|h| h.deletions).sum();
    assert!(close(total, 5363.0, 1e-6));
    let short: Vec<ItemLife> = lives
        .iter()
        .filter(|l| {
            l.first_seen_gone
                .is_some_and(|g| g - l.last_seen_live <= 3600)
        })
        .cloned()
        .collect();
    let short_report = deletions::report(&short, &deletions::Options::default()).unwrap();
    let expected_hours = [
        102, 188, 58, 65, 60, 51, 95, 272, 39, 0, 78, 158, 108, 150, 55, 64, 75, 31, 59, 117, 58,
        53, 58, 52,
    ];
    assert_eq!(short.len(), 2046);
    for (h, expected) in expected_hours.iter().enumerate() {
        assert_eq!(
            short_report.hours[h].deletions,
            f64::from(*expected),
            "hour {h}"
        );
    }

    // Daily counts by UTC+8 publication date (first and last days, from oracle2.py).
    let days: BTreeMap<&str, (u64, u64)> = report
        .days
        .iter()
        .map(|d| (d.day.as_str(), (d.published, d.gone_within_horizon)))
        .collect();
    for (day, n, gone) in [
        ("2026-07-24", 330, 154),
        ("2026-07-25", 327, 151),
        ("2026-07-26", 328, 179),
        ("2026-08-22", 465, 183),
        ("2026-08-23", 72, 29),
    ] {
        assert_eq!(days.get(day), Some(&(n, gone)), "{day}");
    }
    // The term "*" matches every item: not significant against itself.
    let star = report.terms.iter().find(|t| t.term == "*").unwrap();
    assert_eq!((star.items, star.gone), (10_997, 5_363));
    assert!(star.p_value > 0.4);

    // Trends: the same daily counts through the trend report.
    let trend = trends::report(&lives, &["*".to_owned()], &trends::Options::default()).unwrap();
    let first = &trend.rows[0];
    assert_eq!(
        (first.bucket.as_str(), first.items, first.gone),
        ("2026-07-24", 330, 154)
    );
    let weekly = trends::report(
        &lives,
        &["*".to_owned()],
        &trends::Options {
            period: Period::Week,
            ..trends::Options::default()
        },
    )
    .unwrap();
    assert_eq!(weekly.rows.iter().map(|r| r.items).sum::<u64>(), 10_997);

    // Heat by age: quartiles across topic-days at 1 h and 6 h (numpy interp + percentile).
    let m = metrics::report(
        &series,
        &metrics::Options {
            metric: "heat".into(),
            ages_h: vec![1.0, 6.0],
            ..metrics::Options::default()
        },
    )
    .unwrap();
    let expected = [
        (
            1.0,
            5419,
            162487.21055806678,
            265263.72330496844,
            416712.7135837028,
        ),
        (
            6.0,
            1303,
            48052.32201838659,
            84631.12370062369,
            229784.83948923723,
        ),
    ];
    for (row, (age, n, q1, median, q3)) in m.trajectory.iter().zip(expected) {
        assert_eq!((row.age_h, row.items), (age, n));
        assert!(
            close(row.q1.unwrap(), q1, 1e-6)
                && close(row.median.unwrap(), median, 1e-6)
                && close(row.q3.unwrap(), q3, 1e-6),
            "{row:?}"
        );
    }

    // Everything renders, deterministically.
    for chart in report
        .svgs()
        .iter()
        .chain(trend.svgs().iter())
        .chain(m.svgs().iter())
    {
        assert!(
            chart.svg.starts_with("<svg") && chart.svg.ends_with("</svg>\n"),
            "{}",
            chart.name
        );
    }
    assert_eq!(
        report.svgs(),
        deletions::report(&lives, &deletions::Options::default())
            .unwrap()
            .svgs()
    );
    if let Ok(dir) = std::env::var("ANNALS_ANALYSIS_OUT") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        for chart in report
            .svgs()
            .iter()
            .chain(trend.svgs().iter())
            .chain(m.svgs().iter())
        {
            std::fs::write(dir.join(format!("{}.svg", chart.name)), &chart.svg).unwrap();
        }
        for (name, csv) in report
            .to_csv_tables()
            .into_iter()
            .chain(trend.to_csv_tables())
            .chain(m.to_csv_tables())
        {
            std::fs::write(dir.join(name), csv).unwrap();
        }
    }
}

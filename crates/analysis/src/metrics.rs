//! Metrics against item age: trajectories (median and quartiles across a list at age bins),
//! growth between observations, and each item against its list's median at the same age (the
//! CrowdTangle over/under-performance idea with the median as the benchmark).
//!
//! **Method.** An item's value at age `a` (hours since publication) is interpolated linearly
//! between the two observations around `a`; never extrapolated before the first or after the
//! last observation, so an item contributes only to the ages it was watched at. Non-finite
//! values are ignored; of several observations at one time the last counts. Quartiles are
//! type 7 (numpy's default).

use std::collections::BTreeMap;

use crate::Error;
use crate::stats::quantile;
use crate::svg::{Axis, LineChart, PALETTE, Series, Style};
use crate::table::{Chart, Report, Table, Value};

/// One item's observations of one metric.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSeries {
    /// Item id.
    pub item_id: String,
    /// The list (watchlist, topic list) the item is compared within.
    pub list: String,
    /// Publication time (unix seconds): age 0.
    pub published_at: i64,
    /// `(unix seconds, value)` observations, in any order.
    pub points: Vec<(i64, f64)>,
}

/// Options of [`report`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Metric name with its unit, used in headers and labels (`views`, `heat`).
    pub metric: String,
    /// Ages (hours) at which the list's distribution is computed.
    pub ages_h: Vec<f64>,
    /// Items drawn individually against their list's median.
    pub highlight: Vec<String>,
    /// Log scale for the metric axis.
    pub log_values: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            metric: "value".into(),
            ages_h: vec![
                0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0,
            ],
            highlight: Vec::new(),
            log_values: false,
        }
    }
}

/// A list's distribution at one age.
#[derive(Debug, Clone, PartialEq)]
pub struct AgeRow {
    /// The list.
    pub list: String,
    /// Age (h).
    pub age_h: f64,
    /// Items observed around that age.
    pub items: u64,
    /// Lower quartile.
    pub q1: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// Upper quartile.
    pub q3: Option<f64>,
}

/// Growth of one item between two consecutive observations.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowthRow {
    /// Item id.
    pub item_id: String,
    /// Age at the earlier observation (h).
    pub from_age_h: f64,
    /// Age at the later observation (h).
    pub to_age_h: f64,
    /// Value at the earlier observation.
    pub from_value: f64,
    /// Value at the later one.
    pub to_value: f64,
}

/// One item at one age against its list's median.
#[derive(Debug, Clone, PartialEq)]
pub struct VersusRow {
    /// Item id.
    pub item_id: String,
    /// Its list.
    pub list: String,
    /// Age (h).
    pub age_h: f64,
    /// The item's interpolated value.
    pub value: f64,
    /// The list's median at that age.
    pub list_median: Option<f64>,
}

/// A highlighted item: id, list, `(age_h, value)` observations.
type Highlighted = (String, String, Vec<(f64, f64)>);

/// The metric report.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricReport {
    /// Distribution per list and age.
    pub trajectory: Vec<AgeRow>,
    /// Growth between consecutive observations, per item.
    pub growth: Vec<GrowthRow>,
    /// Each item against its list's median at each age bin it was observed at.
    pub versus: Vec<VersusRow>,
    /// Highlighted items' own observations `(item, list, [(age_h, value)])`.
    highlighted: Vec<Highlighted>,
    options: Options,
}

/// Cleans a series: finite values, sorted by time, the last of equal times; ages in hours.
fn ages(series: &MetricSeries) -> Vec<(f64, f64)> {
    let mut by_time: BTreeMap<i64, f64> = BTreeMap::new();
    for &(t, v) in &series.points {
        if v.is_finite() {
            by_time.insert(t, v);
        }
    }
    by_time
        .into_iter()
        .map(|(t, v)| ((t.saturating_sub(series.published_at)) as f64 / 3600.0, v))
        .collect()
}

/// Linear interpolation at `age` between bracketing points; `None` outside the observed span.
pub fn value_at(points: &[(f64, f64)], age: f64) -> Option<f64> {
    let (first, last) = (points.first()?, points.last()?);
    if !(age >= first.0 && age <= last.0) {
        return None;
    }
    let k = points.partition_point(|p| p.0 < age);
    let right = points.get(k)?;
    if right.0 == age || k == 0 {
        return Some(right.1);
    }
    let left = points[k - 1];
    let f = (age - left.0) / (right.0 - left.0);
    Some(left.1 + f * (right.1 - left.1))
}

/// Computes the metric report. Errors only on invalid options.
pub fn report(series: &[MetricSeries], options: &Options) -> Result<MetricReport, Error> {
    if options.ages_h.iter().any(|a| !a.is_finite() || *a < 0.0) {
        return Err(Error::InvalidOption(
            "ages must be finite and not negative".into(),
        ));
    }
    let mut age_grid = options.ages_h.clone();
    age_grid.sort_by(f64::total_cmp);
    age_grid.dedup();
    let cleaned: Vec<(&MetricSeries, Vec<(f64, f64)>)> =
        series.iter().map(|s| (s, ages(s))).collect();
    let mut lists: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (s, _)) in cleaned.iter().enumerate() {
        lists.entry(s.list.as_str()).or_default().push(i);
    }
    let mut trajectory = Vec::new();
    let mut medians: BTreeMap<(&str, usize), f64> = BTreeMap::new();
    for (list, members) in &lists {
        for (a, &age) in age_grid.iter().enumerate() {
            let values: Vec<f64> = members
                .iter()
                .filter_map(|&i| value_at(&cleaned[i].1, age))
                .collect();
            let median = quantile(&values, 0.5);
            if let Some(m) = median {
                medians.insert((list, a), m);
            }
            trajectory.push(AgeRow {
                list: (*list).to_owned(),
                age_h: age,
                items: values.len() as u64,
                q1: quantile(&values, 0.25),
                median,
                q3: quantile(&values, 0.75),
            });
        }
    }
    let mut growth = Vec::new();
    let mut versus = Vec::new();
    for (s, points) in &cleaned {
        for w in points.windows(2) {
            growth.push(GrowthRow {
                item_id: s.item_id.clone(),
                from_age_h: w[0].0,
                to_age_h: w[1].0,
                from_value: w[0].1,
                to_value: w[1].1,
            });
        }
        for (a, &age) in age_grid.iter().enumerate() {
            if let Some(value) = value_at(points, age) {
                versus.push(VersusRow {
                    item_id: s.item_id.clone(),
                    list: s.list.clone(),
                    age_h: age,
                    value,
                    list_median: medians.get(&(s.list.as_str(), a)).copied(),
                });
            }
        }
    }
    let highlighted = cleaned
        .iter()
        .filter(|(s, _)| options.highlight.contains(&s.item_id))
        .map(|(s, p)| (s.item_id.clone(), s.list.clone(), p.clone()))
        .collect();
    Ok(MetricReport {
        trajectory,
        growth,
        versus,
        highlighted,
        options: options.clone(),
    })
}

impl Report for MetricReport {
    fn tables(&self) -> Vec<Table> {
        let m = &self.options.metric;
        let mut t = Table::new(
            "metric_trajectory",
            &[
                "list",
                "age_h",
                "items",
                &format!("{m}_q1"),
                &format!("{m}_median"),
                &format!("{m}_q3"),
            ],
        );
        for r in &self.trajectory {
            t.push(vec![
                r.list.clone().into(),
                r.age_h.into(),
                r.items.into(),
                r.q1.into(),
                r.median.into(),
                r.q3.into(),
            ]);
        }
        let mut g = Table::new(
            "metric_growth",
            &[
                "item_id",
                "from_age_h",
                "to_age_h",
                &format!("from_{m}"),
                &format!("to_{m}"),
                &format!("delta_{m}"),
                &format!("{m}_per_h"),
            ],
        );
        for r in &self.growth {
            let delta = r.to_value - r.from_value;
            let hours = r.to_age_h - r.from_age_h;
            let per_h = if hours > 0.0 { delta / hours } else { f64::NAN };
            g.push(vec![
                r.item_id.clone().into(),
                r.from_age_h.into(),
                r.to_age_h.into(),
                r.from_value.into(),
                r.to_value.into(),
                delta.into(),
                per_h.into(),
            ]);
        }
        let mut v = Table::new(
            "metric_vs_list_median",
            &[
                "item_id",
                "list",
                "age_h",
                m,
                &format!("list_median_{m}"),
                "ratio_to_median",
            ],
        );
        for r in &self.versus {
            let ratio = r.list_median.filter(|m| *m != 0.0).map(|m| r.value / m);
            v.push(vec![
                r.item_id.clone().into(),
                r.list.clone().into(),
                r.age_h.into(),
                r.value.into(),
                r.list_median.into(),
                Value::from(ratio),
            ]);
        }
        vec![t, g, v]
    }

    fn svgs(&self) -> Vec<Chart> {
        let m = &self.options.metric;
        let mut series = Vec::new();
        let mut lists: Vec<&str> = self.trajectory.iter().map(|r| r.list.as_str()).collect();
        lists.dedup();
        for (k, list) in lists.iter().enumerate() {
            let rows: Vec<&AgeRow> = self
                .trajectory
                .iter()
                .filter(|r| r.list == *list && r.items > 0)
                .collect();
            let mut s = Series::new(
                &format!("{list}: median"),
                rows.iter()
                    .filter_map(|r| Some((r.age_h, r.median?)))
                    .collect(),
                Style::Line,
            );
            s.band = rows
                .iter()
                .filter_map(|r| Some((r.age_h, r.q1?, r.q3?)))
                .collect();
            s.band_name = format!("{list}: quartiles");
            s.colour = Some(PALETTE[k % PALETTE.len()].to_owned());
            series.push(s);
        }
        for (k, (item, _list, points)) in self.highlighted.iter().enumerate() {
            let mut s = Series::new(item, points.clone(), Style::Dashed);
            s.colour = Some(PALETTE[(lists.len() + k) % PALETTE.len()].to_owned());
            series.push(s);
        }
        let y = if self.options.log_values {
            Axis::log(&format!("{m} (log scale)"))
        } else {
            Axis::linear(m)
        };
        vec![Chart {
            name: "metric_trajectory".into(),
            svg: LineChart {
                title: format!("{m} by item age"),
                subtitle: "median and quartiles across the list, interpolated at each age; dashed: single items".into(),
                x: Axis::log("age since publication (h, log scale)"),
                y,
                series,
            }
            .render(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::tests::well_formed;

    fn series(id: &str, points: &[(i64, f64)]) -> MetricSeries {
        MetricSeries {
            item_id: id.into(),
            list: "hot".into(),
            published_at: 0,
            points: points.to_vec(),
        }
    }

    #[test]
    fn interpolation_never_extrapolates() {
        let p = [(1.0, 10.0), (3.0, 30.0)];
        assert_eq!(value_at(&p, 2.0), Some(20.0));
        assert_eq!(value_at(&p, 1.0), Some(10.0));
        assert_eq!(value_at(&p, 3.0), Some(30.0));
        assert_eq!(value_at(&p, 0.5), None);
        assert_eq!(value_at(&p, 3.5), None);
        assert_eq!(value_at(&[], 1.0), None);
        assert_eq!(value_at(&p, f64::NAN), None);
    }

    #[test]
    fn quartiles_and_versus_median() {
        let data = [
            series("a", &[(0, 0.0), (7200, 100.0)]),
            series("b", &[(0, 0.0), (7200, 200.0)]),
            series(
                "c",
                &[(0, 0.0), (7200, 300.0), (7200, 400.0), (10_800, f64::NAN)],
            ),
            series("late", &[(3 * 3600, 1000.0)]),
        ];
        let options = Options {
            metric: "views".into(),
            ages_h: vec![1.0, 2.0],
            highlight: vec!["a".into()],
            log_values: false,
        };
        let r = report(&data, &options).unwrap();
        let at1 = &r.trajectory[0];
        assert_eq!(
            (at1.items, at1.median, at1.q1, at1.q3),
            (3, Some(100.0), Some(75.0), Some(150.0))
        );
        let at2 = &r.trajectory[1];
        assert_eq!((at2.items, at2.median), (3, Some(200.0)));
        let a2 = r
            .versus
            .iter()
            .find(|v| v.item_id == "a" && v.age_h == 2.0)
            .unwrap();
        assert_eq!((a2.value, a2.list_median), (100.0, Some(200.0)));
        assert_eq!(r.growth.iter().filter(|g| g.item_id == "c").count(), 1);
        let tables = r.tables();
        assert!(
            tables[0]
                .to_csv()
                .starts_with("list,age_h,items,views_q1,views_median,views_q3\n")
        );
        assert!(tables[2].to_csv().contains("\na,hot,2,100,200,0.5\n"));
        for chart in r.svgs() {
            well_formed(&chart.svg).unwrap();
        }
        let empty = report(&[], &Options::default()).unwrap();
        assert!(empty.trajectory.is_empty());
        well_formed(&empty.svgs()[0].svg).unwrap();
        assert!(
            report(
                &[],
                &Options {
                    ages_h: vec![f64::NAN],
                    ..Options::default()
                }
            )
            .is_err()
        );
    }
}

//! Pure analyses for annals: keyword trends with burst detection, deletion survival and rates,
//! per-term deletion tests, and metric trajectories. No IO, no clock, no database: inputs are
//! plain structs (times in unix seconds), outputs are [`Table`]s (CSV with unit-named headers,
//! JSON) and standalone SVG [`Chart`]s.
//!
//! # Brief overview
//! - [`deletions::report`]: [`ItemLife`]s → [`DeletionReport`]: survival by midpoint
//!   Kaplan–Meier (Greenwood variance, log-log 95 % band) and by the Turnbull NPMLE for the
//!   interval-censored deletion times, latency histogram on log bins, deletions by hour of day
//!   (UTC+8 by default, normalised by exposure), deletion rate per 1,000 items per day, per-term
//!   exact binomial tests against the overall rate with Benjamini–Hochberg q-values,
//!   cumulative incidence by reason (Aalen–Johansen), and summaries by reason, platform or term
//!   with log-rank tests.
//! - [`trends::report`]: items per day/week/month per term with the share later gone, and
//!   bursts (one-sided Poisson test against a trailing baseline).
//! - [`metrics::report`]: metric trajectories against item age (median and quartiles at age
//!   bins), growth between observations, each item against its list's median at the same age.
//! - [`survival`]: the estimators themselves ([`survival::kaplan_meier`],
//!   [`survival::turnbull`], [`survival::cumulative_incidence`], [`survival::logrank`]).
//! - [`stats`]: exact binomial and Poisson tails (Loader's method, log space), chi-square tail,
//!   quantiles, Wilson intervals, Benjamini–Hochberg.
//! - [`svg`]: the chart writer (step and line charts with bands, bar charts): inline styles,
//!   no scripts or external fonts, escaped text, same input → same bytes.
//!
//! # For the command-line shells
//! Each command gathers plain structs and prints one of the outputs of [`Report`]:
//!
//! | command | core call | `--csv` / `--json` / `--svg` |
//! |---|---|---|
//! | `annals trend TERM... [--by day\|week\|month] [--since T]` | [`trends::report`]`(&lives, &terms, &trends::Options { period, since, .. })` (an item's `terms` are the query terms it matched) | `tables()[0].to_csv()` (`trend`; `bursts` is `tables()[1]`), `to_json()`, `svgs()` (`trend`, `trend_gone_share`) |
//! | `annals report deletions [--by reason\|platform\|term]` | [`deletions::report`]`(&lives, &deletions::Options { group_by, .. })` | `to_csv_tables()` (one file per table), `to_json()`, `svgs()` into a directory |
//! | `annals report metrics URL\|--list NAME [--metric view]` | [`metrics::report`]`(&series, &metrics::Options { metric, highlight: vec![url], .. })` | `to_csv_tables()`, `to_json()`, `svgs()[0]` |
//!
//! [`Period`], [`UtcOffset`] and [`deletions::Grouping`] parse the flags' values (`FromStr`); an
//! invalid value is an [`Error`] whose message can be printed as is.
//!
//! **Invariant:** no panic on any input: empty input, all censored, NaN, zero-length intervals
//! and inconsistent times give empty tables or skipped (and counted) records, never a crash.
//! Only options can be refused ([`Error`]).
//!
//! # Example
//! ```
//! use annals_analysis::{ItemLife, Report, deletions};
//!
//! let item = |id: &str, gone: Option<i64>| ItemLife {
//!     item_id: id.into(),
//!     platform: "weibo".into(),
//!     reason: gone.map(|_| "gone:platform_removed".into()),
//!     published_at: 0,
//!     first_observed: None,
//!     last_seen_live: 600,
//!     first_seen_gone: gone,
//!     terms: vec!["六四".into()],
//! };
//! let items = [item("a", Some(1200)), item("b", None)];
//! let report = deletions::report(&items, &deletions::Options::default()).unwrap();
//! assert_eq!(report.summary.gone, 1);
//! // Midpoint Kaplan–Meier: "b" is censored at 600 s (S stays 1), "a" deleted at 900 s
//! // (the midpoint of 600 and 1200), where S falls to 0: the median is 0.25 h.
//! assert_eq!(report.km.steps[0].survival, 1.0);
//! assert_eq!(report.summary.km_median_h, Some(0.25));
//! let csv = report.to_csv_tables();
//! assert!(csv.iter().any(|(name, text)| name == "survival_km.csv" && text.starts_with("time_h,")));
//! assert!(report.svgs().iter().all(|chart| chart.svg.starts_with("<svg")));
//! ```
#![deny(missing_docs)]
// `!(x > 0.0)` is deliberate throughout: it refuses NaN together with out-of-range values.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub use deletions::Grouping;
pub use deletions::{DeletionReport, ItemLife};
pub use error::Error;
pub use metrics::{MetricReport, MetricSeries};
pub use table::{Chart, Report, Table, Value};
pub use time::{Period, UtcOffset};
pub use trends::TrendReport;

pub mod deletions;
pub mod metrics;
pub mod stats;
pub mod survival;
pub mod svg;
pub mod trends;

mod error;
mod table;
mod time;

pub use time::{civil_from_days, days_from_civil, format_time, hour_of_day};

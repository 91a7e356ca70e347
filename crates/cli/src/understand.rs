//! `annals report …` and `annals trend`: the pure analyses (`annals-analysis`) fed from the index.
//! The shell reads item lives and metric series from the store, hands them to the analyses, and
//! writes their tables (CSV, JSON) and charts (SVG), or prints the headline figures.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use annals_analysis::{
    ItemLife, MetricSeries, Period, Report, UtcOffset, deletions, metrics, trends,
};
use annals_store::LifeRow;
use anyhow::{Context, Result, bail};

use crate::Cli;
use crate::args::{Output, ReportDeletionsArgs, ReportMetricsArgs, TrendArgs};

/// An item's life for the analyses (shared with the web UI: `annals_understand::life`).
pub use annals_understand::life;

fn offset(text: &str) -> Result<UtcOffset> {
    text.parse::<UtcOffset>()
        .map_err(|e| anyhow::anyhow!("--utc-offset {text:?}: {e}"))
}

/// Writes a report the way the options ask: CSV tables, one JSON document, SVG charts into a
/// directory (or one file), or nothing (the caller prints a summary).
fn write_report(report: &dyn Report, out: &Output, stem: &str) -> Result<bool> {
    let mut wrote = false;
    if out.json {
        println!("{}", report.to_json());
        wrote = true;
    }
    if out.csv {
        let tables = report.to_csv_tables();
        match &out.csv_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                for (name, text) in &tables {
                    std::fs::write(dir.join(name), text)
                        .with_context(|| format!("cannot write {}", dir.join(name).display()))?;
                }
                eprintln!(
                    "annals: {} tables written to {}",
                    tables.len(),
                    dir.display()
                );
            }
            None => {
                // To standard output: the first table alone (the others need --csv-dir).
                let mut stdout = io::stdout().lock();
                if let Some((name, text)) = tables.first() {
                    stdout.write_all(text.as_bytes())?;
                    if tables.len() > 1 {
                        eprintln!(
                            "annals: printed {name}; {} more tables with --csv-dir DIR",
                            tables.len() - 1
                        );
                    }
                }
            }
        }
        wrote = true;
    }
    if let Some(target) = &out.svg {
        let charts = report.svgs();
        let single = target.extension().is_some_and(|e| e == "svg");
        if single {
            let chart = charts.first().context("this report has no chart")?;
            std::fs::write(target, &chart.svg)
                .with_context(|| format!("cannot write {}", target.display()))?;
            if charts.len() > 1 {
                eprintln!(
                    "annals: wrote the {} chart; give a directory to --svg for all {}",
                    chart.name,
                    charts.len()
                );
            }
        } else {
            std::fs::create_dir_all(target)
                .with_context(|| format!("cannot create {}", target.display()))?;
            for c in &charts {
                let path = target.join(format!("{stem}-{}.svg", c.name));
                std::fs::write(&path, &c.svg)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            eprintln!(
                "annals: {} charts written to {}",
                charts.len(),
                target.display()
            );
        }
        wrote = true;
    }
    Ok(wrote)
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.0}"))
}

fn hours(h: Option<f64>) -> String {
    match h {
        None => "-".into(),
        Some(h) if h < 1.0 => format!("{:.0} min", h * 60.0),
        Some(h) if h < 48.0 => format!("{h:.1} h"),
        Some(h) => format!("{:.1} days", h / 24.0),
    }
}

async fn lives(cli: &Cli, list: Option<&str>) -> Result<(annals_archive::Archive, Vec<LifeRow>)> {
    let archive = crate::open(cli, false).await?;
    let rows = annals_understand::lives(archive.store(), list).await?;
    Ok((archive, rows))
}

pub async fn report_deletions(cli: &Cli, args: &ReportDeletionsArgs) -> Result<()> {
    let (_archive, rows) = lives(cli, args.list.as_deref()).await?;
    let group_by = match args.by.as_deref() {
        None => None,
        Some(g) => Some(
            g.parse::<deletions::Grouping>()
                .map_err(|e| anyhow::anyhow!("--by {g:?}: {e}"))?,
        ),
    };
    // Terms: the words of each item's title, segmented as the search index does.
    let items =
        annals_understand::deletion_lives(&rows, group_by == Some(deletions::Grouping::Term))?;
    let options = deletions::Options {
        offset: offset(&args.utc_offset)?,
        group_by,
        min_term_items: args.min_term_items,
        ..deletions::Options::default()
    };
    let report = deletions::report(&items, &options)?;
    if write_report(&report, &args.out, "deletions")? {
        return Ok(());
    }
    let s = &report.summary;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{} items, {} gone ({:.1} %){}",
        s.items,
        s.gone,
        100.0 * s.gone as f64 / s.items.max(1) as f64,
        if s.excluded > 0 {
            format!(", {} skipped for inconsistent times", s.excluded)
        } else {
            String::new()
        }
    )?;
    writeln!(
        out,
        "median survival: {} (Kaplan-Meier on interval midpoints); Turnbull: {}",
        hours(s.km_median_h),
        match s.turnbull_median_h {
            Some((a, Some(b))) if (b - a) < 0.1 => format!("{a:.2}–{b:.2} h"),
            Some((a, Some(b))) => format!("between {} and {}", hours(Some(a)), hours(Some(b))),
            Some((a, None)) => format!("after {}", hours(Some(a))),
            None => "-".into(),
        }
    )?;
    writeln!(
        out,
        "median time to deletion of the gone: between {} and {} (last seen live, first seen gone); detection resolution {}",
        hours(s.median_latency_lower_h),
        hours(s.median_latency_upper_h),
        hours(s.median_resolution_h)
    )?;
    for g in report.groups.iter().take(12) {
        writeln!(
            out,
            "  {:<28} {:>7} items {:>7} gone  median survival {}",
            g.group,
            g.items,
            g.gone,
            hours(g.km_median_h)
        )?;
    }
    for t in report.terms.iter().take(10) {
        writeln!(
            out,
            "  term {:<20} {:>6}/{:<6} gone  p = {:.2e}  q = {:.2e}",
            t.term, t.gone, t.items, t.p_value, t.q_value
        )?;
    }
    if !cli.quiet {
        eprintln!("tables: --csv-dir DIR or --json; charts: --svg DIR");
    }
    Ok(())
}

/// Metric series of a list or one item, for `metric`.
async fn series(
    archive: &annals_archive::Archive,
    rows: &[LifeRow],
    list: Option<&str>,
    item: Option<i64>,
    metric: &str,
) -> Result<(Vec<MetricSeries>, Vec<String>)> {
    let by_id: HashMap<i64, &LifeRow> = rows.iter().map(|r| (r.item_id, r)).collect();
    let mut points: BTreeMap<i64, Vec<(i64, f64)>> = BTreeMap::new();
    let mut names: BTreeMap<String, u64> = BTreeMap::new();
    let mut each = |id: i64, at: i64, json: &str| {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json)
        else {
            return;
        };
        for (k, v) in &map {
            *names.entry(k.clone()).or_default() += 1;
            if k == metric {
                let value = match v {
                    serde_json::Value::Number(n) => n.as_f64(),
                    // An approximate count ("1.2万"): its lower bound.
                    serde_json::Value::String(s) => annals_platforms::parse_count(s)
                        .and_then(|m| m.lower_bound())
                        .map(|n| n as f64),
                    _ => None,
                };
                if let Some(v) = value {
                    points.entry(id).or_default().push((at, v));
                }
            }
        }
    };
    archive
        .store()
        .for_each_metrics(list, item, &mut each)
        .await?;
    let series = points
        .into_iter()
        .filter_map(|(id, pts)| {
            let row = by_id.get(&id)?;
            let l = life(row, Vec::new());
            Some(MetricSeries {
                item_id: row.url.clone(),
                list: row.list.clone(),
                published_at: l.published_at,
                points: pts,
            })
        })
        .collect();
    Ok((series, names.into_keys().collect()))
}

pub async fn report_metrics(cli: &Cli, args: &ReportMetricsArgs) -> Result<()> {
    let (archive, rows, item) = match &args.item {
        Some(key) => {
            let archive = crate::open(cli, false).await?;
            let Some(info) = archive.store().watch_find(key).await? else {
                bail!("{key:?} is not watched (annals watch ls lists the items)");
            };
            // Compared against its own list.
            let rows = archive.store().item_lives(Some(&info.list)).await?;
            (archive, rows, Some((info.item_id, info.url)))
        }
        None => {
            let (archive, rows) = lives(cli, args.list.as_deref()).await?;
            (archive, rows, None)
        }
    };
    let list = match (&item, &args.list) {
        (Some(_), _) => rows.first().map(|r| r.list.clone()),
        (None, l) => l.clone(),
    };
    let (series, names) = series(&archive, &rows, list.as_deref(), None, &args.metric).await?;
    if series.is_empty() {
        bail!(
            "no observation has the metric {:?}; metrics seen: {}",
            args.metric,
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        );
    }
    let options = metrics::Options {
        metric: args.metric.clone(),
        highlight: item.iter().map(|(_, url)| url.clone()).collect(),
        log_values: args.log,
        ..metrics::Options::default()
    };
    let report = metrics::report(&series, &options)?;
    if write_report(&report, &args.out, "metrics")? {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{} items with {:?}: {} observations",
        series.len(),
        args.metric,
        series.iter().map(|s| s.points.len()).sum::<usize>()
    )?;
    writeln!(
        out,
        "{:>8}  {:>12} {:>12} {:>12}  items",
        "age", "q1", "median", "q3"
    )?;
    for r in &report.trajectory {
        writeln!(
            out,
            "{:>8}  {:>12} {:>12} {:>12}  {}",
            hours(Some(r.age_h)),
            num(r.q1),
            num(r.median),
            num(r.q3),
            r.items
        )?;
    }
    Ok(())
}

pub async fn trend(cli: &Cli, args: &TrendArgs) -> Result<()> {
    let archive = crate::open(cli, false).await?;
    let index = crate::search::open_index(archive.root())?;
    let caught = crate::search::catch_up(archive.store(), &index, None).await?;
    if caught.busy && !cli.quiet {
        eprintln!("annals: annals run is updating the index; counts may be up to a minute behind");
    }
    if index.num_versions()? == 0 {
        bail!(
            "no items yet: watch some (annals watch add URL) or import a table (annals import-table)"
        );
    }
    if let Some(l) = &args.list
        && !archive
            .store()
            .watch_list(Some(l), Some(1))
            .await
            .is_ok_and(|r| !r.is_empty())
    {
        bail!("no items in list {l:?} (annals watch ls shows the lists)");
    }
    let period: Period = args
        .by
        .parse()
        .map_err(|e| anyhow::anyhow!("--by {:?}: {e}", args.by))?;
    let options = trends::Options {
        period,
        offset: offset(&args.utc_offset)?,
        since: crate::time_arg(&args.since, "--since")?,
        until: crate::time_arg(&args.until, "--until")?,
        ..trends::Options::default()
    };
    let mut terms: Vec<String> = Vec::new();
    for t in &args.terms {
        if !terms.contains(t) {
            terms.push(t.clone());
        }
    }
    // An item counts for a term when `annals search TERM` finds one of its versions (so 網絡
    // finds 网络, and 国歌 is found inside 国歌法), on the local day of the earliest of them
    // (published, else first seen); it counts as gone when its state now is a disappearance.
    // The index counts by day (`SearchIndex::daily_counts`); weeks and months add days up.
    let utc = i64::from(options.offset.seconds());
    let mut counts = Vec::with_capacity(terms.len());
    for term in &terms {
        if index.analyzer().terms(term).is_empty() {
            bail!("{term:?} has no searchable word");
        }
        let query = annals_search::Query {
            text: term.clone(),
            list: args.list.clone(),
            since: options.since,
            until: options.until,
            ..annals_search::Query::default()
        };
        let mut by_bucket: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
        for (day, n) in index.daily_counts(&query, utc)? {
            by_bucket
                .entry(period.index(day, options.offset))
                .or_default()
                .0 += n;
        }
        let gone = annals_search::Query {
            state: Some("disappeared".into()),
            ..query
        };
        for (day, n) in index.daily_counts(&gone, utc)? {
            by_bucket
                .entry(period.index(day, options.offset))
                .or_default()
                .1 += n;
        }
        counts.push(by_bucket);
    }
    let report = trends::report_counts(terms, counts, &options)?;
    if write_report(&report, &args.out, "trend")? {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{:<16} {:<12} {:>7} {:>7}  burst",
        "term",
        period.as_str(),
        "items",
        "gone"
    )?;
    for r in &report.rows {
        writeln!(
            out,
            "{:<16} {:<12} {:>7} {:>7}  {}",
            r.term,
            r.bucket,
            r.items,
            r.gone,
            match (r.burst, r.baseline) {
                (true, Some(b)) => format!(
                    "yes ({:.1}x the baseline {b:.1})",
                    r.items as f64 / b.max(1e-9)
                ),
                (true, None) => "yes".into(),
                _ => String::new(),
            }
        )?;
    }
    Ok(())
}

/// `annals report html OUT_DIR`: one self-contained page with every chart and table.
pub async fn report_html(cli: &Cli, dir: &Path, list: Option<&str>, utc: &str) -> Result<()> {
    let (archive, rows) = lives(cli, list).await?;
    let items: Vec<ItemLife> = rows.iter().map(|r| life(r, Vec::new())).collect();
    let del = deletions::report(
        &items,
        &deletions::Options {
            offset: offset(utc)?,
            group_by: Some(deletions::Grouping::Platform),
            ..deletions::Options::default()
        },
    )?;
    // The most common metric of the list.
    let (_, names) = series(&archive, &rows, list, None, "").await?;
    let mut sections: Vec<(String, Box<dyn Report>)> = vec![("Deletions".into(), Box::new(del))];
    for name in names.iter().take(3) {
        let (s, _) = series(&archive, &rows, list, None, name).await?;
        if s.is_empty() {
            continue;
        }
        let r = metrics::report(
            &s,
            &metrics::Options {
                metric: name.clone(),
                ..metrics::Options::default()
            },
        )?;
        sections.push((format!("Metric: {name}"), Box::new(r)));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let title = match list {
        Some(l) => format!("annals report: {l}"),
        None => "annals report".into(),
    };
    let mut html = String::new();
    html.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    html.push_str(&format!(
        "<title>{}</title>",
        annals_search::escape_html(&title)
    ));
    html.push_str(
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
         table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}\
         th{background:#f3f3f3}figure{margin:1em 0}details{margin:.5em 0}</style></head><body>",
    );
    html.push_str(&format!("<h1>{}</h1>", annals_search::escape_html(&title)));
    html.push_str(&format!(
        "<p>{} items. Deletion times are intervals (last seen live, first seen gone). Generated by annals {}.</p>",
        rows.len(),
        env!("CARGO_PKG_VERSION")
    ));
    for (heading, report) in &sections {
        html.push_str(&format!("<h2>{}</h2>", annals_search::escape_html(heading)));
        for chart in report.svgs() {
            // The charts are annals' own output (escaped text, no scripts): inlined.
            html.push_str("<figure>");
            html.push_str(&chart.svg);
            html.push_str("</figure>");
        }
        for table in report.tables() {
            let csv = table.to_csv();
            let mut lines = csv.lines();
            html.push_str(&format!(
                "<details><summary>{} ({} rows)</summary><table>",
                annals_search::escape_html(&table.name),
                csv.lines().count().saturating_sub(1)
            ));
            if let Some(header) = lines.next() {
                html.push_str("<tr>");
                for h in split_csv_line(header) {
                    html.push_str(&format!("<th>{}</th>", annals_search::escape_html(&h)));
                }
                html.push_str("</tr>");
            }
            for line in lines.take(500) {
                html.push_str("<tr>");
                for c in split_csv_line(line) {
                    html.push_str(&format!("<td>{}</td>", annals_search::escape_html(&c)));
                }
                html.push_str("</tr>");
            }
            html.push_str("</table></details>");
        }
    }
    html.push_str("</body></html>\n");
    let path = dir.join("index.html");
    std::fs::write(&path, html).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}

/// One line of the analyses' own CSV (RFC 4180 quoting, no embedded newlines in their cells).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

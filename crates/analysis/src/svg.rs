//! Standalone SVG charts written by hand: line and step charts with shaded bands, point
//! markers, and grouped bar charts.
//!
//! Every document is self-contained (inline presentation attributes, generic `sans-serif` font,
//! no scripts, no external references), deterministic (numbers printed with fixed precision, no
//! ids from counters or clocks, so the same input gives the same bytes) and well-formed (all text
//! escaped; characters XML 1.0 forbids are dropped). Non-finite points, and non-positive values
//! on a log axis, are skipped.

use std::fmt::Write as _;

const WIDTH: f64 = 880.0;
const HEIGHT: f64 = 450.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 230.0;
const TOP: f64 = 58.0;
const BOTTOM: f64 = 92.0;

/// Series colours (Okabe–Ito, readable by colour-blind readers), used in order.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `max` characters (not bytes), with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A number for coordinates: two decimals, no `-0.00`.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".to_owned() } else { s }
}

/// A tick label: as many decimals as the step needs, thousands as `k`, millions as `M`.
fn tick_label(v: f64, step: f64) -> String {
    let abs = v.abs();
    if abs >= 1e9 {
        return trim(format!("{:.2}", v / 1e9)) + "G";
    }
    if abs >= 1e6 {
        return trim(format!("{:.2}", v / 1e6)) + "M";
    }
    if abs >= 1e4 {
        return trim(format!("{:.1}", v / 1e3)) + "k";
    }
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        2
    };
    let s = trim(format!("{v:.decimals$}"));
    if s == "-0" { "0".to_owned() } else { s }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// Approximate width in pixels of `text` at 12 px: 7 per narrow character, 12 per wide one
/// (CJK and other characters outside Latin-1).
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if (c as u32) < 0x2E80 { 7.0 } else { 12.0 })
        .sum()
}

/// Round step of about `range / target` (1, 2 or 5 × 10^k).
fn nice_step(range: f64, target: f64) -> f64 {
    if !(range > 0.0) || !range.is_finite() {
        return 1.0;
    }
    let raw = range / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// An axis: label (with units), scale, optional fixed range and optional tick labels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Axis {
    /// Label, units included: `age (h, log scale)`.
    pub label: String,
    /// Logarithmic scale (base 10); values ≤ 0 are not drawn.
    pub log: bool,
    /// Fixed lower end (otherwise from the data; 0 for linear axes holding only positives).
    pub min: Option<f64>,
    /// Fixed upper end.
    pub max: Option<f64>,
    /// Tick positions and labels replacing the automatic ones (e.g. dates).
    pub ticks: Option<Vec<(f64, String)>>,
}

impl Axis {
    /// A linear axis with this label.
    pub fn linear(label: &str) -> Self {
        Axis {
            label: label.to_owned(),
            ..Axis::default()
        }
    }

    /// A log axis with this label.
    pub fn log(label: &str) -> Self {
        Axis {
            label: label.to_owned(),
            log: true,
            ..Axis::default()
        }
    }

    /// Fixes the range.
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Straight segments between points.
    #[default]
    Line,
    /// A step function: horizontal to the next x, then vertical (survival curves).
    Step,
    /// Markers only.
    Points,
    /// Straight segments, dashed.
    Dashed,
}

/// One series of a [`LineChart`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// `(x, y)` points in x order.
    pub points: Vec<(f64, f64)>,
    /// How to draw it.
    pub style: Style,
    /// A shaded band `(x, low, high)` drawn under the series in its colour (confidence band,
    /// interquartile range), stepped when the series is.
    pub band: Vec<(f64, f64, f64)>,
    /// Legend text of the band (e.g. `95 % CI`); no legend entry when empty.
    pub band_name: String,
    /// Colour override (`#rrggbb`); otherwise the palette by position.
    pub colour: Option<String>,
}

impl Series {
    /// A series with a name, points and style.
    pub fn new(name: &str, points: Vec<(f64, f64)>, style: Style) -> Self {
        Series {
            name: name.to_owned(),
            points,
            style,
            ..Series::default()
        }
    }
}

/// A chart of x–y series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// A smaller line under the title (method, counts).
    pub subtitle: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

struct Scale {
    log: bool,
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    fn new(axis: &Axis, values: &[f64], from: f64, to: f64) -> Scale {
        let usable: Vec<f64> = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && (!axis.log || *v > 0.0))
            .collect();
        let data_lo = usable.iter().copied().fold(f64::INFINITY, f64::min);
        let data_hi = usable.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut lo, mut hi) = if usable.is_empty() {
            if axis.log { (1.0, 10.0) } else { (0.0, 1.0) }
        } else {
            (data_lo, data_hi)
        };
        if !axis.log && lo > 0.0 && axis.min.is_none() {
            lo = 0.0;
        }
        if let Some(min) = axis
            .min
            .filter(|m| m.is_finite() && (!axis.log || *m > 0.0))
        {
            lo = min;
        }
        if let Some(max) = axis
            .max
            .filter(|m| m.is_finite() && (!axis.log || *m > 0.0))
        {
            hi = max;
        }
        if axis.log {
            lo = 10f64.powf(lo.log10().floor());
            hi = 10f64.powf(hi.log10().ceil());
        } else if axis.max.is_none() && hi > lo {
            // Round the top up to a tick so the highest value does not touch the frame.
            let step = nice_step(hi - lo, 6.0);
            hi = (hi / step).ceil() * step;
        }
        if !(hi > lo) {
            if axis.log {
                hi = lo * 10.0;
            } else {
                hi = lo + 1.0;
            }
        }
        Scale {
            log: axis.log,
            lo,
            hi,
            from,
            to,
        }
    }

    fn map(&self, v: f64) -> Option<f64> {
        if !v.is_finite() || (self.log && v <= 0.0) {
            return None;
        }
        let f = if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        Some(self.from + f * (self.to - self.from))
    }

    fn clamp_map(&self, v: f64) -> Option<f64> {
        let (a, b) = if self.from < self.to {
            (self.from, self.to)
        } else {
            (self.to, self.from)
        };
        self.map(v).map(|p| p.clamp(a - 1.0, b + 1.0))
    }

    fn ticks(&self, axis: &Axis) -> Vec<(f64, String)> {
        if let Some(ticks) = &axis.ticks {
            return ticks
                .iter()
                .filter(|(v, _)| *v >= self.lo && *v <= self.hi)
                .cloned()
                .collect();
        }
        let mut out = Vec::new();
        if self.log {
            let (a, b) = (
                self.lo.log10().round() as i32,
                self.hi.log10().round() as i32,
            );
            let decades = (b - a).max(1);
            for e in a..=b {
                let base = 10f64.powi(e);
                out.push((base, tick_label(base, base)));
                if decades <= 3 && e < b {
                    for m in [2.0, 5.0] {
                        out.push((base * m, tick_label(base * m, base)));
                    }
                }
            }
        } else {
            let step = nice_step(self.hi - self.lo, 6.0);
            let mut v = (self.lo / step).ceil() * step;
            for _ in 0..50 {
                if v > self.hi + step * 1e-9 {
                    break;
                }
                out.push((v, tick_label(v, step)));
                v += step;
            }
        }
        out
    }
}

fn open(out: &mut String, title: &str, subtitle: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"sans-serif\" font-size=\"12\" role=\"img\">\n<title>{t}</title>\n\
         <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n\
         <text x=\"{cx}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\" fill=\"#222222\">{t}</text>\n",
        w = WIDTH,
        h = HEIGHT,
        t = escape(title),
        cx = num((LEFT + WIDTH - RIGHT) / 2.0),
    );
    if !subtitle.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"42\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555555\">{}</text>",
            num((LEFT + WIDTH - RIGHT) / 2.0),
            escape(&shorten(subtitle, 110))
        );
    }
}

fn axes(out: &mut String, x: &Axis, y: &Axis, xs: &Scale, ys: &Scale) {
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP);
    for (v, label) in ys.ticks(y) {
        if let Some(py) = ys.map(v) {
            let _ = writeln!(
                out,
                "<line x1=\"{a}\" y1=\"{p}\" x2=\"{b}\" y2=\"{p}\" stroke=\"#e5e5e5\"/>\n<text x=\"{t}\" y=\"{q}\" text-anchor=\"end\" fill=\"#333333\">{l}</text>",
                a = num(x0),
                b = num(x1),
                p = num(py),
                t = num(x0 - 6.0),
                q = num(py + 4.0),
                l = escape(&label)
            );
        }
    }
    let x_ticks = xs.ticks(x);
    // Labels that would overlap are turned 40° and thinned so each has room.
    let spacing = (x1 - x0) / x_ticks.len().max(1) as f64;
    let widest = x_ticks
        .iter()
        .map(|(_, l)| text_width(l))
        .fold(0.0, f64::max);
    let rotate = widest > spacing * 0.9;
    let needed = if rotate { 14.0 } else { widest + 6.0 };
    let every = ((needed / spacing).ceil() as usize).max(1);
    for (i, (v, label)) in x_ticks.into_iter().enumerate() {
        if let Some(px) = xs.map(v) {
            let _ = writeln!(
                out,
                "<line x1=\"{p}\" y1=\"{a}\" x2=\"{p}\" y2=\"{b}\" stroke=\"#f0f0f0\"/>",
                p = num(px),
                a = num(y0),
                b = num(y1)
            );
            if i % every != 0 {
                continue;
            }
            if rotate {
                let _ = writeln!(
                    out,
                    "<text x=\"{p}\" y=\"{q}\" text-anchor=\"end\" fill=\"#333333\" transform=\"rotate(-40 {p} {q})\">{l}</text>",
                    p = num(px + 4.0),
                    q = num(y0 + 14.0),
                    l = escape(&label)
                );
            } else {
                let _ = writeln!(
                    out,
                    "<text x=\"{p}\" y=\"{q}\" text-anchor=\"middle\" fill=\"#333333\">{l}</text>",
                    p = num(px),
                    q = num(y0 + 16.0),
                    l = escape(&label)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#333333\"/>\n<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"#333333\"/>\n\
         <text x=\"{cx}\" y=\"{ly}\" text-anchor=\"middle\" fill=\"#222222\">{xl}</text>\n\
         <text x=\"18\" y=\"{cy}\" text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 18 {cy})\">{yl}</text>",
        x0 = num(x0),
        x1 = num(x1),
        y0 = num(y0),
        y1 = num(y1),
        cx = num((x0 + x1) / 2.0),
        ly = num(HEIGHT - 10.0),
        xl = escape(&x.label),
        cy = num((y0 + y1) / 2.0),
        yl = escape(&y.label)
    );
}

fn legend(out: &mut String, entries: &[(String, String, bool)]) {
    let x = WIDTH - RIGHT + 14.0;
    for (i, (name, colour, band)) in entries.iter().enumerate().take(20) {
        let y = TOP + 8.0 + i as f64 * 18.0;
        if *band {
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"10\" fill=\"{colour}\" fill-opacity=\"0.2\"/>",
                num(x),
                num(y - 5.0)
            );
        } else {
            let _ = writeln!(
                out,
                "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2.5\"/>",
                num(x),
                num(x + 18.0),
                y = num(y)
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"#222222\">{}</text>",
            num(x + 24.0),
            num(y + 4.0),
            escape(&shorten(name, 28))
        );
    }
}

fn no_data(out: &mut String) {
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#888888\" font-size=\"14\">no data</text>",
        num((LEFT + WIDTH - RIGHT) / 2.0),
        num((TOP + HEIGHT - BOTTOM) / 2.0)
    );
}

impl LineChart {
    /// The SVG document.
    pub fn render(&self) -> String {
        let mut xs_values = Vec::new();
        let mut ys_values = Vec::new();
        for s in &self.series {
            for (x, y) in &s.points {
                xs_values.push(*x);
                ys_values.push(*y);
            }
            for (x, lo, hi) in &s.band {
                xs_values.push(*x);
                ys_values.push(*lo);
                ys_values.push(*hi);
            }
        }
        let xs = Scale::new(&self.x, &xs_values, LEFT, WIDTH - RIGHT);
        let ys = Scale::new(&self.y, &ys_values, HEIGHT - BOTTOM, TOP);
        let mut out = String::new();
        open(&mut out, &self.title, &self.subtitle);
        axes(&mut out, &self.x, &self.y, &xs, &ys);
        let mut entries = Vec::new();
        let mut drawn = false;
        for (i, s) in self.series.iter().enumerate() {
            let colour = s
                .colour
                .clone()
                .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_owned());
            let stepped = s.style == Style::Step;
            // Band.
            let band: Vec<(f64, f64, f64)> = s
                .band
                .iter()
                .filter_map(|(x, lo, hi)| {
                    Some((xs.clamp_map(*x)?, ys.clamp_map(*lo)?, ys.clamp_map(*hi)?))
                })
                .collect();
            if band.len() >= 2 {
                let mut upper = Vec::new();
                let mut lower = Vec::new();
                for (k, (x, lo, hi)) in band.iter().enumerate() {
                    if stepped && k > 0 {
                        upper.push((*x, band[k - 1].2));
                        lower.push((*x, band[k - 1].1));
                    }
                    upper.push((*x, *hi));
                    lower.push((*x, *lo));
                }
                let mut points: Vec<String> = upper
                    .iter()
                    .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
                    .collect();
                points.extend(
                    lower
                        .iter()
                        .rev()
                        .map(|(x, y)| format!("{},{}", num(*x), num(*y))),
                );
                let _ = writeln!(
                    out,
                    "<polygon points=\"{}\" fill=\"{colour}\" fill-opacity=\"0.18\" stroke=\"none\"/>",
                    points.join(" ")
                );
                if !s.band_name.is_empty() {
                    entries.push((s.band_name.clone(), colour.clone(), true));
                }
            }
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter_map(|(x, y)| Some((xs.clamp_map(*x)?, ys.clamp_map(*y)?)))
                .collect();
            if points.is_empty() {
                continue;
            }
            drawn = true;
            entries.push((s.name.clone(), colour.clone(), false));
            match s.style {
                Style::Points => {
                    for (x, y) in &points {
                        let _ = writeln!(
                            out,
                            "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
                            num(*x),
                            num(*y)
                        );
                    }
                }
                style => {
                    let mut d = format!("M{},{}", num(points[0].0), num(points[0].1));
                    for (x, y) in &points[1..] {
                        if style == Style::Step {
                            let _ = write!(d, " H{} V{}", num(*x), num(*y));
                        } else {
                            let _ = write!(d, " L{},{}", num(*x), num(*y));
                        }
                    }
                    let dash = if style == Style::Dashed {
                        " stroke-dasharray=\"6 4\""
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        out,
                        "<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>"
                    );
                }
            }
        }
        if !drawn {
            no_data(&mut out);
        }
        legend(&mut out, &entries);
        out.push_str("</svg>\n");
        out
    }
}

/// A bar chart over categories; several series are drawn side by side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarChart {
    /// Title.
    pub title: String,
    /// A smaller line under the title.
    pub subtitle: String,
    /// Category axis label.
    pub x_label: String,
    /// Value axis label (with units).
    pub y_label: String,
    /// Category labels, left to right.
    pub categories: Vec<String>,
    /// `(legend text, one value per category)`; missing or non-finite values draw no bar.
    pub series: Vec<(String, Vec<f64>)>,
}

impl BarChart {
    /// The SVG document.
    pub fn render(&self) -> String {
        let values: Vec<f64> = self
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        let y_axis = Axis::linear(&self.y_label);
        let ys = Scale::new(&y_axis, &values, HEIGHT - BOTTOM, TOP);
        let n = self.categories.len().max(1);
        let slot = (WIDTH - RIGHT - LEFT) / n as f64;
        let ticks: Vec<(f64, String)> = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (i as f64 + 0.5, shorten(c, 12)))
            .collect();
        let x_axis = Axis {
            label: self.x_label.clone(),
            ticks: Some(ticks),
            ..Axis::default()
        };
        let xs = Scale {
            log: false,
            lo: 0.0,
            hi: n as f64,
            from: LEFT,
            to: WIDTH - RIGHT,
        };
        let mut out = String::new();
        open(&mut out, &self.title, &self.subtitle);
        axes(&mut out, &x_axis, &y_axis, &xs, &ys);
        let k = self.series.len().max(1) as f64;
        let bar = slot * 0.8 / k;
        let base = ys.map(ys.lo.max(0.0)).unwrap_or(HEIGHT - BOTTOM);
        let mut entries = Vec::new();
        let mut drawn = false;
        for (j, (name, vals)) in self.series.iter().enumerate() {
            let colour = PALETTE[j % PALETTE.len()];
            entries.push((name.clone(), colour.to_owned(), false));
            for (i, v) in vals.iter().enumerate().take(self.categories.len()) {
                let Some(py) = ys.clamp_map(*v) else { continue };
                drawn = true;
                let x = LEFT + slot * i as f64 + slot * 0.1 + bar * j as f64;
                let (top, height) = if py < base {
                    (py, base - py)
                } else {
                    (base, py - base)
                };
                let _ = writeln!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\"><title>{}: {}</title></rect>",
                    num(x),
                    num(top),
                    num(bar),
                    num(height),
                    escape(&self.categories[i]),
                    escape(&tick_label(*v, 0.001))
                );
            }
        }
        if !drawn {
            no_data(&mut out);
        }
        legend(&mut out, &entries);
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    /// Parses `svg` fully with quick-xml and returns the concatenated text content; fails on
    /// any malformed markup or unbalanced element.
    pub(crate) fn well_formed(svg: &str) -> Result<String, String> {
        // XML 1.0 Char production: no C0 controls but tab, line feed, carriage return.
        if let Some(c) = svg
            .chars()
            .find(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(format!("illegal character U+{:04X}", c as u32));
        }
        let mut reader = Reader::from_str(svg);
        reader.config_mut().check_end_names = true;
        let mut depth = 0i32;
        let mut text = String::new();
        let mut roots = 0;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    if depth == 0 {
                        roots += 1;
                        if e.name().as_ref() != "svg" {
                            return Err("root is not svg".into());
                        }
                    }
                    depth += 1;
                    for attribute in e.attributes() {
                        let attribute = attribute.map_err(|e| e.to_string())?;
                        attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| e.to_string())?;
                    }
                }
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Empty(e)) => {
                    for attribute in e.attributes() {
                        let attribute = attribute.map_err(|e| e.to_string())?;
                        attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| e.to_string())?;
                    }
                }
                Ok(Event::Text(t)) => {
                    text.push_str(&t.xml10_content());
                }
                Ok(Event::GeneralRef(r)) => {
                    let name: &str = r.as_ref();
                    let reference = format!("&{name};");
                    let s = quick_xml::escape::unescape(&reference).map_err(|e| e.to_string())?;
                    text.push_str(&s);
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
            if depth < 0 {
                return Err("unbalanced".into());
            }
        }
        if depth != 0 || roots != 1 {
            return Err(format!("depth {depth}, roots {roots}"));
        }
        Ok(text)
    }

    #[test]
    fn escapes_hostile_titles_and_chinese() {
        let title = "<script>alert('x')</script> & 六四 \"q\" \u{1}";
        let chart = LineChart {
            title: title.into(),
            subtitle: "a < b".into(),
            x: Axis::log("age (h)"),
            y: Axis::linear("views"),
            series: vec![Series::new(
                "词 <&>",
                vec![(1.0, 2.0), (10.0, f64::NAN), (100.0, 5.0), (-1.0, 3.0)],
                Style::Step,
            )],
        };
        let svg = chart.render();
        assert!(!svg.contains("<script"));
        let text = well_formed(&svg).unwrap();
        assert!(
            text.contains("<script>alert('x')</script> & 六四 \"q\" "),
            "{text}"
        );
        assert!(text.contains("词 <&>"));
        assert_eq!(svg, chart.render(), "deterministic");
    }

    #[test]
    fn empty_and_degenerate_charts_are_well_formed() {
        for chart in [
            LineChart::default(),
            LineChart {
                series: vec![Series::new("one", vec![(5.0, 5.0)], Style::Line)],
                ..LineChart::default()
            },
            LineChart {
                x: Axis::log("x"),
                y: Axis::log("y"),
                series: vec![Series::new(
                    "neg",
                    vec![(-5.0, 0.0), (0.0, -1.0)],
                    Style::Points,
                )],
                ..LineChart::default()
            },
        ] {
            let svg = chart.render();
            well_formed(&svg).unwrap();
        }
        let bars = BarChart {
            title: "t".into(),
            categories: vec!["a".into(), "b".into()],
            series: vec![
                ("s".into(), vec![1.0, f64::INFINITY]),
                ("empty".into(), vec![]),
            ],
            ..BarChart::default()
        };
        well_formed(&bars.render()).unwrap();
        well_formed(&BarChart::default().render()).unwrap();
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(0.9, 6.0), 0.2);
        assert_eq!(tick_label(25_000.0, 5000.0), "25k");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(3.0, 1.0), "3");
    }
}

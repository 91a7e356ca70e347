//! Survival estimators: Kaplan–Meier for exact or right-censored times (with delayed entry),
//! with Greenwood variance and a log-log 95 % band; and Turnbull's NPMLE for interval-censored
//! times.
//!
//! Deletion times are only known to lie in `(last_seen_live, first_seen_gone]`. The
//! [`turnbull`] estimator uses those intervals as they are (Turnbull 1976, computed with the
//! self-consistency / EM algorithm); [`kaplan_meier`] needs one time per item, and
//! [`crate::deletions`] gives it the interval midpoint (the usual imputation: unbiased when
//! deletions are uniform within the interval; it shifts the curve by at most half the polling
//! interval). With exact and right-censored data only, the Turnbull NPMLE equals Kaplan–Meier
//! (Efron's self-consistency), which the tests check.

use crate::stats::Z_95;

/// One subject for [`kaplan_meier`]: exit time, whether it ended in the event, and entry time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Subject {
    /// Time of the event, or of censoring (last time known event-free).
    pub time: f64,
    /// Whether `time` is an event (otherwise right-censored).
    pub event: bool,
    /// Delayed entry: the subject is in the risk set only from this time on (0 for none).
    pub entry: f64,
}

/// One row of a Kaplan–Meier estimate: a time at which something happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmStep {
    /// The time.
    pub time: f64,
    /// Subjects at risk just before it (`entry <= time <= exit`).
    pub at_risk: u64,
    /// Events at this time.
    pub events: u64,
    /// Subjects censored at this time (still counted at risk here, as usual).
    pub censored: u64,
    /// S(time), after this time's events.
    pub survival: f64,
    /// Greenwood standard error of S; `None` once S reaches 0.
    pub std_err: Option<f64>,
    /// Lower end of the pointwise 95 % band (log-log transform, as lifelines and Stata do).
    pub lower: Option<f64>,
    /// Upper end of the band.
    pub upper: Option<f64>,
}

/// A Kaplan–Meier estimate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KaplanMeier {
    /// One row per distinct time with an event or a censoring, in time order.
    pub steps: Vec<KmStep>,
    /// Subjects used.
    pub subjects: u64,
    /// Events among them.
    pub events: u64,
    /// Subjects skipped (NaN or infinite times, entry after exit).
    pub skipped: u64,
}

impl KaplanMeier {
    /// S(t): the product over event times `<= t`; 1 before the first event.
    pub fn survival_at(&self, t: f64) -> f64 {
        let mut s = 1.0;
        for step in &self.steps {
            if step.time > t {
                break;
            }
            s = step.survival;
        }
        s
    }

    /// The smallest event time at which S falls to `1 - q` or below (q = 0.5: the median
    /// survival time, lifelines' convention); `None` if never reached.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let target = 1.0 - q;
        self.steps
            .iter()
            .find(|s| s.events > 0 && s.survival <= target + 1e-12)
            .map(|s| s.time)
    }

    /// Median survival time ([`KaplanMeier::quantile`] at 0.5).
    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5)
    }
}

/// The Kaplan–Meier product-limit estimate with Greenwood's variance
/// `Var S = S² Σ d/(n(n-d))` and a log-log band `S^exp(±z se/|ln S|)`.
///
/// Subjects with a non-finite time, or an entry after their exit, are skipped and counted.
pub fn kaplan_meier(subjects: &[Subject]) -> KaplanMeier {
    let mut skipped = 0u64;
    let mut usable: Vec<Subject> = Vec::with_capacity(subjects.len());
    for s in subjects {
        let entry = if s.entry.is_finite() {
            s.entry
        } else {
            f64::NAN
        };
        if !s.time.is_finite() || entry.is_nan() || entry > s.time {
            skipped += 1;
        } else {
            usable.push(Subject { entry, ..*s });
        }
    }
    let mut exits: Vec<f64> = usable.iter().map(|s| s.time).collect();
    exits.sort_by(f64::total_cmp);
    let mut entries: Vec<f64> = usable.iter().map(|s| s.entry).collect();
    entries.sort_by(f64::total_cmp);
    let mut by_time = usable.clone();
    by_time.sort_by(|a, b| a.time.total_cmp(&b.time).then(b.event.cmp(&a.event)));

    let mut steps = Vec::new();
    let (mut survival, mut greenwood) = (1.0f64, 0.0f64);
    let mut i = 0;
    while i < by_time.len() {
        let t = by_time[i].time;
        let (mut events, mut censored) = (0u64, 0u64);
        while i < by_time.len() && by_time[i].time == t {
            if by_time[i].event {
                events += 1;
            } else {
                censored += 1;
            }
            i += 1;
        }
        // At risk: exit >= t and entry <= t.
        let exited_before = exits.partition_point(|&e| e < t);
        let entered = entries.partition_point(|&e| e <= t);
        let at_risk = (entered.saturating_sub(exited_before)) as u64;
        if events > 0 && at_risk > 0 {
            let (n, d) = (at_risk as f64, events.min(at_risk) as f64);
            survival *= 1.0 - d / n;
            greenwood += if n > d {
                d / (n * (n - d))
            } else {
                f64::INFINITY
            };
        }
        let (std_err, lower, upper) = band(survival, greenwood);
        steps.push(KmStep {
            time: t,
            at_risk,
            events,
            censored,
            survival,
            std_err,
            lower,
            upper,
        });
    }
    KaplanMeier {
        steps,
        subjects: usable.len() as u64,
        events: usable.iter().filter(|s| s.event).count() as u64,
        skipped,
    }
}

fn band(survival: f64, greenwood: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
    if !(survival > 0.0) || !greenwood.is_finite() {
        return (None, Some(0.0).filter(|_| survival <= 0.0), None);
    }
    let std_err = survival * greenwood.sqrt();
    if survival >= 1.0 || greenwood == 0.0 {
        return (Some(std_err), Some(survival), Some(survival));
    }
    let theta = greenwood.sqrt() / survival.ln().abs();
    let lower = survival.powf((Z_95 * theta).exp());
    let upper = survival.powf((-Z_95 * theta).exp());
    (Some(std_err), Some(lower), Some(upper))
}

/// Cumulative incidence of competing causes (Aalen–Johansen): `F_k(t) = Σ_{s ≤ t} S(s−) d_k(s) /
/// n(s)`, with `S` the all-cause Kaplan–Meier and the same risk sets (delayed entry included).
/// Deletion by the author and by the platform compete: 1 − KM of one cause, treating the other
/// as censoring, overstates it; the incidences add up to 1 − S.
///
/// `causes[i]` is the cause of subject `i` when `subjects[i].event` (ignored otherwise); causes
/// `>= n_causes` are skipped like subjects with bad times. Returns, per cause, `(time, F_k)` at
/// each event time of any cause.
pub fn cumulative_incidence(
    subjects: &[Subject],
    causes: &[usize],
    n_causes: usize,
) -> Vec<Vec<(f64, f64)>> {
    let mut usable: Vec<(Subject, usize)> = Vec::with_capacity(subjects.len());
    for (s, &c) in subjects.iter().zip(causes) {
        let ok = s.time.is_finite()
            && s.entry.is_finite()
            && s.entry <= s.time
            && (!s.event || c < n_causes);
        if ok {
            usable.push((*s, c));
        }
    }
    let mut exits: Vec<f64> = usable.iter().map(|s| s.0.time).collect();
    exits.sort_by(f64::total_cmp);
    let mut entries: Vec<f64> = usable.iter().map(|s| s.0.entry).collect();
    entries.sort_by(f64::total_cmp);
    usable.sort_by(|a, b| a.0.time.total_cmp(&b.0.time));
    let mut curves = vec![Vec::new(); n_causes];
    let mut incidence = vec![0.0f64; n_causes];
    let mut survival = 1.0f64;
    let mut i = 0;
    while i < usable.len() {
        let t = usable[i].0.time;
        let mut deaths = vec![0u64; n_causes];
        while i < usable.len() && usable[i].0.time == t {
            if usable[i].0.event {
                deaths[usable[i].1] += 1;
            }
            i += 1;
        }
        let d: u64 = deaths.iter().sum();
        if d == 0 {
            continue;
        }
        let at_risk = entries
            .partition_point(|&e| e <= t)
            .saturating_sub(exits.partition_point(|&e| e < t));
        if at_risk == 0 {
            continue;
        }
        let n = at_risk as f64;
        for (k, &dk) in deaths.iter().enumerate() {
            incidence[k] += survival * dk as f64 / n;
            curves[k].push((t, incidence[k]));
        }
        survival *= 1.0 - (d as f64 / n).min(1.0);
    }
    curves
}

/// A log-rank test between groups of subjects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRank {
    /// The chi-square statistic `Uᵀ V⁻¹ U` over all groups but one.
    pub chi_square: f64,
    /// Degrees of freedom: groups with subjects, minus one.
    pub degrees_of_freedom: u32,
    /// `P(χ² ≥ chi_square)`.
    pub p_value: f64,
}

/// The log-rank (Mantel–Cox) test that all groups share one survival function, with the usual
/// hypergeometric variance for tied event times and the same risk sets as [`kaplan_meier`]
/// (delayed entry included). `groups[i]` is subject `i`'s group (`< n_groups`). `None` with
/// fewer than two non-empty groups or a singular variance (no events).
pub fn logrank(subjects: &[Subject], groups: &[usize], n_groups: usize) -> Option<LogRank> {
    let mut members: Vec<Vec<Subject>> = vec![Vec::new(); n_groups];
    for (s, &g) in subjects.iter().zip(groups) {
        if g < n_groups && s.time.is_finite() && s.entry.is_finite() && s.entry <= s.time {
            members[g].push(*s);
        }
    }
    members.retain(|m| !m.is_empty());
    let k = members.len();
    if k < 2 {
        return None;
    }
    let sorted = |f: fn(&Subject) -> f64, m: &[Subject]| {
        let mut v: Vec<f64> = m.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let exits: Vec<Vec<f64>> = members.iter().map(|m| sorted(|s| s.time, m)).collect();
    let entries: Vec<Vec<f64>> = members.iter().map(|m| sorted(|s| s.entry, m)).collect();
    let mut events: Vec<(f64, usize)> = members
        .iter()
        .enumerate()
        .flat_map(|(g, m)| m.iter().filter(|s| s.event).map(move |s| (s.time, g)))
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let dim = k - 1;
    let mut u = vec![0.0f64; dim];
    let mut v = vec![vec![0.0f64; dim]; dim];
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        let mut d_g = vec![0.0f64; k];
        while i < events.len() && events[i].0 == t {
            d_g[events[i].1] += 1.0;
            i += 1;
        }
        let n_g: Vec<f64> = (0..k)
            .map(|g| {
                (entries[g].partition_point(|&e| e <= t) as f64
                    - exits[g].partition_point(|&e| e < t) as f64)
                    .max(0.0)
            })
            .collect();
        let (n, d): (f64, f64) = (n_g.iter().sum(), d_g.iter().sum());
        if n <= 0.0 {
            continue;
        }
        let factor = if n > 1.0 {
            d * (n - d) / (n - 1.0)
        } else {
            0.0
        };
        for a in 0..dim {
            u[a] += d_g[a] - n_g[a] * d / n;
            for b in 0..dim {
                let delta = if a == b { 1.0 } else { 0.0 };
                v[a][b] += factor * n_g[a] / n * (delta - n_g[b] / n);
            }
        }
    }
    let x = solve(v, u.clone())?;
    let chi_square: f64 = u.iter().zip(&x).map(|(a, b)| a * b).sum();
    if !chi_square.is_finite() {
        return None;
    }
    let chi_square = chi_square.max(0.0);
    Some(LogRank {
        chi_square,
        degrees_of_freedom: dim as u32,
        p_value: crate::stats::chi_square_sf(chi_square, dim as f64),
    })
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None` if singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    let scale = a.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs()));
    if !(scale > 0.0) {
        return None;
    }
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= scale * 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col].clone();
        for row in col + 1..n {
            let f = a[row][col] / pivot_row[col];
            for (value, pivot_value) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *value -= f * pivot_value;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// An observation for [`turnbull`]: the event happened in `(lower, upper]`; `upper == lower`
/// means exactly at `lower`; `upper = None` means after `lower` (right-censored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Last time known event-free.
    pub lower: f64,
    /// First time known after the event, if any.
    pub upper: Option<f64>,
}

/// One support interval of the Turnbull estimate: where probability mass sits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TurnbullStep {
    /// Left end (excluded unless equal to `upper`).
    pub lower: f64,
    /// Right end (included); `None` for the interval reaching infinity (mass of subjects
    /// censored after every event).
    pub upper: Option<f64>,
    /// Probability mass in the interval.
    pub mass: f64,
    /// S after the interval (= 1 − cumulative mass).
    pub survival: f64,
}

/// Turnbull's nonparametric maximum-likelihood estimate for interval-censored data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turnbull {
    /// Support intervals (Peto's / Turnbull's innermost intervals) in order, with their mass.
    pub steps: Vec<TurnbullStep>,
    /// Observations used.
    pub subjects: u64,
    /// Observations skipped (NaN, `upper < lower`).
    pub skipped: u64,
    /// EM iterations run.
    pub iterations: u32,
    /// Whether the largest change of a mass in the last iteration fell below the tolerance.
    pub converged: bool,
    /// Log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Optimality check (Gentleman & Geyer 1994): the largest, over support intervals, of
    /// `Σ_i α_ij / (n · P_i)`, the likelihood's directional derivative ratio. At the NPMLE it is
    /// 1 (on intervals with mass) and at most 1 elsewhere; above 1 means not yet optimal.
    pub max_gradient: f64,
}

impl Turnbull {
    /// Bounds of S(t): S is fixed between support intervals and undetermined inside one, where
    /// it lies between the survival after and before that interval.
    pub fn survival_bounds(&self, t: f64) -> (f64, f64) {
        let mut before = 1.0;
        for step in &self.steps {
            let upper = step.upper.unwrap_or(f64::INFINITY);
            if t < step.lower || (t == step.lower && step.lower < upper) {
                return (before, before);
            }
            if t < upper {
                return (step.survival, before);
            }
            before = step.survival;
        }
        (before, before)
    }

    /// Where S falls to `1 - q` or below: the support interval `(lower, upper]` in which that
    /// happens (the time itself is undetermined within it).
    pub fn quantile_interval(&self, q: f64) -> Option<(f64, Option<f64>)> {
        let target = 1.0 - q;
        self.steps
            .iter()
            .find(|s| s.survival <= target + 1e-9)
            .map(|s| (s.lower, s.upper))
    }
}

/// Settings for [`turnbull`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TurnbullOptions {
    /// Stop when no mass changes by more than this in an iteration.
    pub tolerance: f64,
    /// Stop after this many iterations whatever happens.
    pub max_iterations: u32,
}

impl Default for TurnbullOptions {
    fn default() -> Self {
        TurnbullOptions {
            tolerance: 1e-9,
            max_iterations: 20_000,
        }
    }
}

/// The EM (self-consistency) map of the Turnbull likelihood over contiguous coverage ranges.
struct Em<'a> {
    ranges: &'a [(usize, usize)],
    m: usize,
    n: f64,
}

impl Em<'_> {
    fn prefix(&self, p: &[f64]) -> Vec<f64> {
        let mut prefix = vec![0.0f64; self.m + 1];
        for j in 0..self.m {
            prefix[j + 1] = prefix[j] + p[j];
        }
        prefix
    }

    /// One EM step: `p_j ← p_j · Σ_i α_ij / (n P_i)`, renormalised; also returns the largest
    /// multiplier `Σ_i α_ij / (n P_i)` (the optimality check at `p`).
    fn step(&self, p: &[f64]) -> (Vec<f64>, f64) {
        let prefix = self.prefix(p);
        let mut diff = vec![0.0f64; self.m + 1];
        for &(a, b) in self.ranges {
            let denominator = prefix[b + 1] - prefix[a];
            if denominator > 0.0 {
                diff[a] += 1.0 / denominator;
                diff[b + 1] -= 1.0 / denominator;
            }
        }
        let (mut running, mut total, mut max_multiplier) = (0.0f64, 0.0f64, 0.0f64);
        let mut next = Vec::with_capacity(self.m);
        for j in 0..self.m {
            running += diff[j];
            let multiplier = running / self.n;
            max_multiplier = max_multiplier.max(multiplier);
            let new = p[j] * multiplier;
            total += new;
            next.push(new);
        }
        if total > 0.0 {
            next.iter_mut().for_each(|v| *v /= total);
        }
        (next, max_multiplier)
    }

    fn log_likelihood(&self, p: &[f64]) -> f64 {
        let prefix = self.prefix(p);
        self.ranges
            .iter()
            .map(|&(a, b)| (prefix[b + 1] - prefix[a]).ln())
            .sum()
    }
}

fn max_change(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Endpoint order key: at one value, an exact point's left end, then right ends `]`, then open
/// left ends `(`, so `(a, x]` contains `x` and `(x, b]` does not.
fn key(value: f64, kind: i8) -> (f64, i8) {
    (value, kind)
}

fn cmp_key(a: &(f64, i8), b: &(f64, i8)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

/// Turnbull's NPMLE by the self-consistency (EM) algorithm, on the innermost intervals.
///
/// Each iteration is O(n + m) (every observation covers a contiguous run of support
/// intervals; prefix sums do the rest). Observations with a NaN bound or `upper < lower` are
/// skipped and counted.
pub fn turnbull(observations: &[Interval], options: TurnbullOptions) -> Turnbull {
    let mut skipped = 0u64;
    let mut keys: Vec<((f64, i8), (f64, i8))> = Vec::with_capacity(observations.len());
    for o in observations {
        let upper = o.upper.unwrap_or(f64::INFINITY);
        if o.lower.is_nan() || upper.is_nan() || upper < o.lower || o.lower == f64::INFINITY {
            skipped += 1;
            continue;
        }
        if upper == o.lower {
            keys.push((key(o.lower, -1), key(upper, 0)));
        } else {
            keys.push((key(o.lower, 1), key(upper, 0)));
        }
    }
    if keys.is_empty() {
        return Turnbull {
            skipped,
            converged: true,
            ..Turnbull::default()
        };
    }
    // Innermost intervals: a left end immediately followed by a right end.
    let mut ends: Vec<((f64, i8), bool)> = Vec::with_capacity(keys.len() * 2);
    for (l, r) in &keys {
        ends.push((*l, true));
        ends.push((*r, false));
    }
    ends.sort_by(|a, b| cmp_key(&a.0, &b.0).then(b.1.cmp(&a.1)));
    let mut support: Vec<((f64, i8), (f64, i8))> = Vec::new();
    for pair in ends.windows(2) {
        if pair[0].1 && !pair[1].1 {
            support.push((pair[0].0, pair[1].0));
        }
    }
    let m = support.len();
    // Each observation covers support intervals [a, b].
    let ranges: Vec<(usize, usize)> = keys
        .iter()
        .filter_map(|(l, r)| {
            let a = support.partition_point(|s| cmp_key(&s.0, l).is_lt());
            let b = support.partition_point(|s| cmp_key(&s.1, r).is_le());
            (b > a).then(|| (a, b - 1))
        })
        .collect();
    skipped += (keys.len() - ranges.len()) as u64;
    let em = Em {
        ranges: &ranges,
        m,
        n: ranges.len() as f64,
    };
    let mut p = vec![1.0 / m as f64; m];
    let (mut iterations, mut converged) = (0u32, false);
    // SQUAREM (Varadhan & Roland 2008, scheme S3) around the EM map, with step back-tracking so
    // no mass turns negative and a fall-back to the plain EM step whenever the extrapolation
    // lowers the likelihood: same fixed point, far fewer iterations than EM alone.
    while iterations < options.max_iterations {
        let (p1, _) = em.step(&p);
        iterations += 1;
        if max_change(&p1, &p) < options.tolerance {
            p = p1;
            converged = true;
            break;
        }
        let (p2, _) = em.step(&p1);
        iterations += 1;
        let r: Vec<f64> = p1.iter().zip(&p).map(|(a, b)| a - b).collect();
        let v: Vec<f64> = p2
            .iter()
            .zip(&p1)
            .zip(&r)
            .map(|((a, b), r)| a - b - r)
            .collect();
        let (norm_r, norm_v) = (norm(&r), norm(&v));
        let mut next = p2.clone();
        if norm_v > 0.0 && norm_r.is_finite() {
            let mut alpha = (-norm_r / norm_v).min(-1.0);
            for _ in 0..30 {
                let candidate: Vec<f64> = (0..m)
                    .map(|j| p[j] - 2.0 * alpha * r[j] + alpha * alpha * v[j])
                    .collect();
                if candidate.iter().all(|x| *x >= 0.0) || alpha >= -1.0 {
                    let candidate: Vec<f64> = candidate.iter().map(|x| x.max(0.0)).collect();
                    let total: f64 = candidate.iter().sum();
                    if total > 0.0 {
                        let candidate: Vec<f64> = candidate.iter().map(|x| x / total).collect();
                        let (stabilised, _) = em.step(&candidate);
                        iterations += 1;
                        if em.log_likelihood(&stabilised) >= em.log_likelihood(&p2) {
                            next = stabilised;
                        }
                    }
                    break;
                }
                alpha = (alpha - 1.0) / 2.0;
            }
        }
        p = next;
    }
    let (_, max_gradient) = em.step(&p);
    let log_likelihood = em.log_likelihood(&p);
    let mut cumulative = 0.0;
    let steps = support
        .iter()
        .zip(&p)
        .filter(|(_, mass)| **mass > 1e-12)
        .map(|((l, r), mass)| {
            cumulative += mass;
            TurnbullStep {
                lower: l.0,
                upper: r.0.is_finite().then_some(r.0),
                mass: *mass,
                survival: (1.0 - cumulative).max(0.0),
            }
        })
        .collect();
    Turnbull {
        steps,
        subjects: ranges.len() as u64,
        skipped,
        iterations,
        max_gradient,
        converged,
        log_likelihood,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Freireich et al. (1963) 6-MP arm, remission times in weeks (`*` censored): 6 6 6 6* 7
    /// 9* 10 10* 11* 13 16 17* 19* 20* 22 23 25* 32* 32* 34* 35*. The textbook example of
    /// Kaplan–Meier (Klein & Moeschberger, *Survival Analysis*, 2nd ed., Table 4.1A; Kleinbaum
    /// & Klein, ch. 2): S = .857 .807 .753 .690 .627 .538 .448 at 6 7 10 13 16 22 23 with
    /// Greenwood SEs .076 .087 .096 .107 .114 .128 .135.
    pub(crate) fn six_mp() -> Vec<Subject> {
        let data = [
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
        data.iter()
            .map(|&(t, event)| Subject {
                time: f64::from(t),
                event,
                entry: 0.0,
            })
            .collect()
    }

    #[test]
    fn kaplan_meier_six_mp_textbook() {
        let km = kaplan_meier(&six_mp());
        let expected = [
            (6.0, 0.857, 0.076),
            (7.0, 0.807, 0.087),
            (10.0, 0.753, 0.096),
            (13.0, 0.690, 0.107),
            (16.0, 0.627, 0.114),
            (22.0, 0.538, 0.128),
            (23.0, 0.448, 0.135),
        ];
        let event_steps: Vec<&KmStep> = km.steps.iter().filter(|s| s.events > 0).collect();
        assert_eq!(event_steps.len(), expected.len());
        for (step, (t, s, se)) in event_steps.iter().zip(expected) {
            assert_eq!(step.time, t);
            assert!(
                (step.survival - s).abs() < 5e-4,
                "S({t}) = {}",
                step.survival
            );
            assert!(
                (step.std_err.unwrap() - se).abs() < 5e-4,
                "se({t}) = {:?}",
                step.std_err
            );
        }
        assert_eq!(km.steps[0].at_risk, 21);
        assert_eq!(km.median(), Some(23.0));
        assert_eq!(km.survival_at(12.9), km.survival_at(10.0));
        // Log-log band, as lifelines 0.30.3 computes it
        // (`KaplanMeierFitter().fit(T, E).confidence_interval_`).
        let lifelines = [
            (0.619718, 0.951552),
            (0.563147, 0.922809),
            (0.503200, 0.889362),
            (0.431610, 0.849066),
            (0.367511, 0.804912),
            (0.267779, 0.746791),
            (0.188052, 0.680143),
        ];
        for (step, (lo, hi)) in event_steps.iter().zip(lifelines) {
            assert!(
                (step.lower.unwrap() - lo).abs() < 1e-6,
                "{:?} vs {lo}",
                step.lower
            );
            assert!(
                (step.upper.unwrap() - hi).abs() < 1e-6,
                "{:?} vs {hi}",
                step.upper
            );
        }
    }

    #[test]
    fn cumulative_incidence_adds_up_to_one_minus_km() {
        let subjects = six_mp();
        // Split the events between two causes, alternately.
        let causes: Vec<usize> = (0..subjects.len()).map(|i| i % 2).collect();
        let curves = cumulative_incidence(&subjects, &causes, 2);
        let km = kaplan_meier(&subjects);
        for (k, (t, _)) in curves[0].iter().enumerate() {
            let total = curves[0][k].1 + curves[1][k].1;
            assert!((total - (1.0 - km.survival_at(*t))).abs() < 1e-12, "t={t}");
        }
        // One cause: F = 1 - KM exactly.
        let one = cumulative_incidence(&subjects, &vec![0; subjects.len()], 1);
        for (t, f) in &one[0] {
            assert!((f - (1.0 - km.survival_at(*t))).abs() < 1e-12);
        }
        // First event time 6: 3 deaths of 21, causes 0,1,0 → F0 = 2/21, F1 = 1/21.
        assert!(
            (curves[0][0].1 - 2.0 / 21.0).abs() < 1e-12
                && (curves[1][0].1 - 1.0 / 21.0).abs() < 1e-12
        );
        assert!(cumulative_incidence(&[], &[], 3).iter().all(Vec::is_empty));
    }

    #[test]
    fn logrank_matches_lifelines() {
        // Freireich 6-MP vs placebo (all relapsed: 1 1 2 2 3 4 4 5 5 8 8 8 8 11 11 12 12 15 17
        // 22 23), the textbook log-rank example (Kleinbaum & Klein: chi² = 16.79). lifelines
        // 0.30.3 `logrank_test`: 16.792940989216547, p = 4.168809109334511e-05.
        let mut subjects = six_mp();
        let placebo = [
            1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
        ];
        subjects.extend(placebo.iter().map(|&t| Subject {
            time: f64::from(t),
            event: true,
            entry: 0.0,
        }));
        let mut groups: Vec<usize> = [vec![0; 21], vec![1; 21]].concat();
        let r = logrank(&subjects, &groups, 2).unwrap();
        assert!((r.chi_square - 16.792940989216547).abs() < 1e-9, "{r:?}");
        assert!((r.p_value - 4.168809109334511e-05).abs() < 1e-12, "{r:?}");
        assert_eq!(r.degrees_of_freedom, 1);
        // A third group, 3 5 7* 9 18 30* 40: lifelines `multivariate_logrank_test`
        // 17.475972729804244 on 2 df, p = 0.000160376502741054.
        for (t, e) in [
            (3, true),
            (5, true),
            (7, false),
            (9, true),
            (18, true),
            (30, false),
            (40, true),
        ] {
            subjects.push(Subject {
                time: f64::from(t),
                event: e,
                entry: 0.0,
            });
            groups.push(2);
        }
        let r = logrank(&subjects, &groups, 3).unwrap();
        assert!((r.chi_square - 17.475972729804244).abs() < 1e-9, "{r:?}");
        assert!((r.p_value - 0.000160376502741054).abs() < 1e-12, "{r:?}");
        // Degenerate: one group, no events.
        assert!(logrank(&subjects, &vec![0; subjects.len()], 1).is_none());
        let censored = [Subject {
            time: 1.0,
            event: false,
            entry: 0.0,
        }; 4];
        assert!(logrank(&censored, &[0, 1, 0, 1], 2).is_none());
    }

    #[test]
    fn kaplan_meier_edge_cases() {
        assert_eq!(kaplan_meier(&[]).steps.len(), 0);
        // All censored: S stays 1.
        let all = [Subject {
            time: 1.0,
            event: false,
            entry: 0.0,
        }; 3];
        let km = kaplan_meier(&all);
        assert!(km.steps.iter().all(|s| s.survival == 1.0));
        assert_eq!(km.median(), None);
        // All die at zero: S = 0, no standard error, no panic.
        let zero = [Subject {
            time: 0.0,
            event: true,
            entry: 0.0,
        }; 2];
        let km = kaplan_meier(&zero);
        assert_eq!(km.steps[0].survival, 0.0);
        assert_eq!(km.steps[0].std_err, None);
        // NaN and entry after exit are skipped.
        let odd = [
            Subject {
                time: f64::NAN,
                event: true,
                entry: 0.0,
            },
            Subject {
                time: 1.0,
                event: true,
                entry: 2.0,
            },
            Subject {
                time: 1.0,
                event: true,
                entry: f64::INFINITY,
            },
        ];
        assert_eq!(kaplan_meier(&odd).skipped, 3);
    }

    #[test]
    fn kaplan_meier_delayed_entry() {
        // Subject b enters at 5: not at risk at time 2.
        let subjects = [
            Subject {
                time: 2.0,
                event: true,
                entry: 0.0,
            },
            Subject {
                time: 10.0,
                event: false,
                entry: 0.0,
            },
            Subject {
                time: 8.0,
                event: true,
                entry: 5.0,
            },
        ];
        let km = kaplan_meier(&subjects);
        assert_eq!(km.steps[0].at_risk, 2);
        assert_eq!(km.steps[0].survival, 0.5);
        assert_eq!(km.steps[1].at_risk, 2);
        assert_eq!(km.steps[1].survival, 0.25);
    }

    #[test]
    fn turnbull_tiny_known_answer() {
        // (0,2] twice, (1,3], (2,4]: innermost intervals (1,2] and (2,3]; the likelihood
        // p1² · 1 · p2 with p1 + p2 = 1 is maximal at p1 = 2/3 (derivative 2p1 - 3p1² = 0).
        let data = [
            Interval {
                lower: 0.0,
                upper: Some(2.0),
            },
            Interval {
                lower: 0.0,
                upper: Some(2.0),
            },
            Interval {
                lower: 1.0,
                upper: Some(3.0),
            },
            Interval {
                lower: 2.0,
                upper: Some(4.0),
            },
        ];
        let t = turnbull(&data, TurnbullOptions::default());
        assert!(t.converged);
        assert!((t.max_gradient - 1.0).abs() < 1e-6, "{}", t.max_gradient);
        assert_eq!(t.steps.len(), 2);
        assert_eq!((t.steps[0].lower, t.steps[0].upper), (1.0, Some(2.0)));
        assert_eq!((t.steps[1].lower, t.steps[1].upper), (2.0, Some(3.0)));
        assert!((t.steps[0].mass - 2.0 / 3.0).abs() < 1e-6);
        assert!((t.steps[1].survival).abs() < 1e-9);
        assert_eq!(t.survival_bounds(0.5), (1.0, 1.0));
        let (lo, hi) = t.survival_bounds(1.5);
        assert!((lo - 1.0 / 3.0).abs() < 1e-6 && hi == 1.0);
        assert!(
            (t.log_likelihood - (2.0 * (2.0f64 / 3.0).ln() + (1.0f64 / 3.0).ln())).abs() < 1e-6
        );
    }

    #[test]
    fn turnbull_equals_kaplan_meier_without_interval_censoring() {
        let subjects = six_mp();
        let intervals: Vec<Interval> = subjects
            .iter()
            .map(|s| Interval {
                lower: s.time,
                upper: s.event.then_some(s.time),
            })
            .collect();
        let t = turnbull(
            &intervals,
            TurnbullOptions {
                tolerance: 1e-12,
                max_iterations: 100_000,
            },
        );
        let km = kaplan_meier(&subjects);
        for step in km.steps.iter().filter(|s| s.events > 0) {
            let (lo, hi) = t.survival_bounds(step.time);
            assert!(
                (lo - step.survival).abs() < 1e-6,
                "t={} {lo} {hi} {}",
                step.time,
                step.survival
            );
        }
        // Mass left beyond the last event (censored at 25+): KM's S(23) = 0.448.
        assert!(t.steps.last().unwrap().upper.is_none());
    }

    #[test]
    fn turnbull_edge_cases() {
        let t = turnbull(&[], TurnbullOptions::default());
        assert!(t.steps.is_empty());
        let all_censored = [Interval {
            lower: 3.0,
            upper: None,
        }; 4];
        let t = turnbull(&all_censored, TurnbullOptions::default());
        assert_eq!(t.steps.len(), 1);
        assert_eq!(t.survival_bounds(2.0), (1.0, 1.0));
        let odd = [
            Interval {
                lower: f64::NAN,
                upper: None,
            },
            Interval {
                lower: 5.0,
                upper: Some(1.0),
            },
            Interval {
                lower: 0.0,
                upper: Some(0.0),
            },
        ];
        let t = turnbull(&odd, TurnbullOptions::default());
        assert_eq!(t.skipped, 2);
        assert_eq!(t.steps.len(), 1);
        assert_eq!(t.steps[0].survival, 0.0);
    }
}

//! Small exact statistics: binomial and Poisson tail probabilities, quantiles, Wilson intervals,
//! Benjamini–Hochberg q-values.
//!
//! Tail probabilities follow Loader's saddle-point method (C. Loader, *Fast and Accurate
//! Computation of Binomial Probabilities*, 2000; what R's `dbinom`/`dpois` use): a point
//! probability is `exp(-stirlerr - bd0 …)` with the Stirling remainder and the deviance term
//! computed without cancellation, so it stays accurate for `n` in the millions where summing
//! `C(n, k) p^k q^(n-k)` naively would overflow or lose every digit. A tail is then summed from
//! its end nearest the mode with the ratio between neighbouring terms, until the terms stop
//! mattering (relative 1e-17), and the log of the tail is returned too, so p-values far below
//! `f64::MIN_POSITIVE` still rank.

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// `ln(n!) - ((n + 1/2) ln n - n + ln sqrt(2π))`: the error of Stirling's formula.
fn stirlerr(n: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    if n <= 15.0 && n.fract() == 0.0 {
        // ln(n!) is exact enough here: n! < 2^53 for n <= 15.
        let mut factorial = 1.0f64;
        let mut k = 2.0;
        while k <= n {
            factorial *= k;
            k += 1.0;
        }
        return factorial.ln() - (n + 0.5) * n.ln() + n - 0.5 * LN_2PI;
    }
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// The deviance term `x ln(x/np) + np - x`, computed stably when `x ≈ np`.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        s
    } else {
        x * (x / np).ln() + np - x
    }
}

/// `ln P(X = x)` for `X ~ Binomial(n, p)`.
pub fn binomial_ln_pmf(x: u64, n: u64, p: f64) -> f64 {
    if x > n || !(0.0..=1.0).contains(&p) {
        return f64::NEG_INFINITY;
    }
    let q = 1.0 - p;
    let (xf, nf) = (x as f64, n as f64);
    if p == 0.0 {
        return if x == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if q == 0.0 {
        return if x == n { 0.0 } else { f64::NEG_INFINITY };
    }
    if x == 0 {
        if n == 0 {
            return 0.0;
        }
        return if p < 0.1 {
            -bd0(nf, nf * q) - nf * p
        } else {
            nf * q.ln()
        };
    }
    if x == n {
        return if q < 0.1 {
            -bd0(nf, nf * p) - nf * q
        } else {
            nf * p.ln()
        };
    }
    let lc =
        stirlerr(nf) - stirlerr(xf) - stirlerr(nf - xf) - bd0(xf, nf * p) - bd0(nf - xf, nf * q);
    let lf = LN_2PI + xf.ln() + (-xf / nf).ln_1p();
    lc - 0.5 * lf
}

/// `ln P(X = x)` for `X ~ Poisson(lambda)`.
pub fn poisson_ln_pmf(x: u64, lambda: f64) -> f64 {
    if !(lambda >= 0.0) || !lambda.is_finite() {
        return f64::NEG_INFINITY;
    }
    if lambda == 0.0 {
        return if x == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if x == 0 {
        return -lambda;
    }
    let xf = x as f64;
    -stirlerr(xf) - bd0(xf, lambda) - 0.5 * (LN_2PI + xf.ln())
}

/// An upper-tail probability `P(X >= k)`, with its natural log (finite even when the
/// probability underflows to 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    /// The probability.
    pub p: f64,
    /// Its natural logarithm.
    pub ln_p: f64,
}

impl Tail {
    fn from_ln(ln_p: f64) -> Tail {
        let ln_p = ln_p.min(0.0);
        Tail {
            p: ln_p.exp(),
            ln_p,
        }
    }
    fn from_p(p: f64) -> Tail {
        let p = p.clamp(0.0, 1.0);
        Tail { p, ln_p: p.ln() }
    }
}

/// Sums `exp(ln_first) * (1 + r(x0) + r(x0) r(x0+1) + …)` in log space: `ratio(x)` is
/// `pmf(next) / pmf(x)`; stops when a term is below 1e-17 of the sum or `ratio` says `None`.
fn sum_from(ln_first: f64, mut x: u64, ratio: impl Fn(u64) -> Option<f64>) -> f64 {
    let (mut sum, mut term) = (1.0f64, 1.0f64);
    // Bounded: terms fall geometrically past the mode, and the caller starts at the mode side.
    for _ in 0..100_000_000u64 {
        let Some(r) = ratio(x) else { break };
        term *= r;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
        x += 1;
    }
    ln_first + sum.ln()
}

/// One-sided exact binomial test: `P(X >= k)` for `X ~ Binomial(n, p)`.
///
/// Exact summation (no normal approximation), accurate for large `n`; see the module doc.
pub fn binomial_upper_tail(k: u64, n: u64, p: f64) -> Tail {
    if k == 0 {
        return Tail::from_p(1.0);
    }
    if k > n || !(p > 0.0) || p.is_nan() {
        return Tail::from_p(0.0);
    }
    if p >= 1.0 {
        return Tail::from_p(1.0);
    }
    let q = 1.0 - p;
    let mean = n as f64 * p;
    if k as f64 > mean {
        // Sum up from k: pmf(x+1)/pmf(x) = (n-x)/(x+1) · p/q.
        let ln_first = binomial_ln_pmf(k, n, p);
        let ln = sum_from(ln_first, k, |x| {
            (x < n).then(|| (n - x) as f64 / (x + 1) as f64 * p / q)
        });
        Tail::from_ln(ln)
    } else {
        // 1 - P(X <= k-1), summing down from k-1: pmf(x-1)/pmf(x) = x/(n-x+1) · q/p.
        let top = k - 1;
        let ln_first = binomial_ln_pmf(top, n, p);
        // Walk with an increasing counter i: x = top - i.
        let ln = sum_from(ln_first, 0, |i| {
            let x = top.checked_sub(i)?;
            (x > 0).then(|| x as f64 / (n - x + 1) as f64 * q / p)
        });
        Tail::from_p(1.0 - ln.exp())
    }
}

/// `P(X >= k)` for `X ~ Poisson(lambda)`.
pub fn poisson_upper_tail(k: u64, lambda: f64) -> Tail {
    if k == 0 {
        return Tail::from_p(1.0);
    }
    if !(lambda > 0.0) || !lambda.is_finite() {
        return Tail::from_p(0.0);
    }
    if k as f64 > lambda {
        let ln_first = poisson_ln_pmf(k, lambda);
        Tail::from_ln(sum_from(ln_first, k, |x| Some(lambda / (x + 1) as f64)))
    } else {
        let top = k - 1;
        let ln_first = poisson_ln_pmf(top, lambda);
        let ln = sum_from(ln_first, 0, |i| {
            let x = top.checked_sub(i)?;
            (x > 0).then(|| x as f64 / lambda)
        });
        Tail::from_p(1.0 - ln.exp())
    }
}

/// `ln Γ(x)` for `x > 0`: Stirling's series with Loader's remainder above 15, shifted up by the
/// recurrence `Γ(x) = Γ(x + 1) / x` below.
pub fn ln_gamma(x: f64) -> f64 {
    if !(x > 0.0) || !x.is_finite() {
        return f64::NAN;
    }
    let mut shift = 0.0;
    let mut y = x;
    while y < 16.0 {
        shift += y.ln();
        y += 1.0;
    }
    // ln Γ(y) = ln((y-1)!) with n = y - 1 > 15: stirlerr(n) + (n + 1/2) ln n - n + ln √(2π).
    let n = y - 1.0;
    stirlerr(n) + (n + 0.5) * n.ln() - n + 0.5 * LN_2PI - shift
}

/// Regularised upper incomplete gamma `Q(a, x) = Γ(a, x) / Γ(a)`: the series for `x < a + 1`,
/// Lentz's continued fraction otherwise (Numerical Recipes §6.2).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if !(a > 0.0) || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let ln_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * ln_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (ln_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// Upper tail of the chi-square distribution with `df` degrees of freedom.
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

/// Benjamini–Hochberg q-values (false discovery rate), in the order of `p_values`.
/// NaN p-values get NaN q-values and do not count towards the number of tests.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p_values.len())
        .filter(|&i| !p_values[i].is_nan())
        .collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let m = order.len() as f64;
    let mut q = vec![f64::NAN; p_values.len()];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p_values[i] * m / (rank + 1) as f64).min(1.0);
        q[i] = running;
    }
    q
}

/// The 97.5 % quantile of the standard normal distribution (two-sided 95 % intervals).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `successes` out of `n` at `z` (e.g. [`Z_95`]); `None` when `n = 0`.
pub fn wilson(successes: f64, n: f64, z: f64) -> Option<(f64, f64)> {
    if !(n > 0.0) || !(successes >= 0.0) {
        return None;
    }
    let p = (successes / n).min(1.0);
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Quantile `q` (0–1) of `values` by linear interpolation between order statistics (Hyndman &
/// Fan type 7, numpy's and R's default). NaNs are ignored; `None` when nothing is left.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    quantile_sorted(&sorted, q)
}

/// [`quantile`] of an already sorted slice without NaNs.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || q.is_nan() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let (a, b) = (sorted[lo], sorted[hi.min(sorted.len() - 1)]);
    Some(if lo == hi {
        a
    } else {
        a + (h - lo as f64) * (b - a)
    })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // reference values as mpmath printed them
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
    }

    /// Reference values: `stats_reference.rs` (also matched by scipy 1.17.1
    /// `binomtest(60, 1000, 0.05, alternative='greater').pvalue` = 0.08673217838486103 and
    /// `binomtest(1100, 1000000, 0.001, …)` = 0.0009574669700285317), generated with mpmath (the command is in its
    /// header); 7/10 and 3/10 at p = 1/2 are hand-computed (176/1024, 968/1024).
    #[test]
    fn binomial_tail_matches_exact_sums() {
        // P(X >= 7 | n=10, p=1/2) = 176/1024.
        assert!(close(
            binomial_upper_tail(7, 10, 0.5).p,
            176.0 / 1024.0,
            1e-14
        ));
        // P(X >= 3 | 10, 1/2) = 1 - 56/1024.
        assert!(close(
            binomial_upper_tail(3, 10, 0.5).p,
            968.0 / 1024.0,
            1e-14
        ));
        assert_eq!(binomial_upper_tail(0, 5, 0.3).p, 1.0);
        assert_eq!(binomial_upper_tail(6, 5, 0.3).p, 0.0);
        for (k, n, p, expected) in REFERENCE_BINOMIAL {
            let got = binomial_upper_tail(*k, *n, *p);
            assert!(
                close(got.p, *expected, 1e-9),
                "P(X>={k}|{n},{p}) = {} want {expected}",
                got.p
            );
        }
    }

    #[test]
    fn binomial_tail_in_log_space_beyond_underflow() {
        // P(X >= 5000 | 10000, 0.01): far below f64's range; ln p from mpmath.
        let t = binomial_upper_tail(5000, 10_000, 0.01);
        assert_eq!(t.p, 0.0);
        assert!(close(t.ln_p, REFERENCE_LN_TAIL, 1e-9), "{}", t.ln_p);
    }

    #[test]
    fn poisson_tail_matches_exact_sums() {
        // P(X >= 1 | λ) = 1 - e^-λ.
        assert!(close(
            poisson_upper_tail(1, 2.0).p,
            1.0 - (-2.0f64).exp(),
            1e-14
        ));
        for (k, lambda, expected) in REFERENCE_POISSON {
            let got = poisson_upper_tail(*k, *lambda);
            assert!(
                close(got.p, *expected, 1e-9),
                "P(X>={k}|{lambda}) = {} want {expected}",
                got.p
            );
        }
        assert_eq!(poisson_upper_tail(3, 0.0).p, 0.0);
        assert_eq!(poisson_upper_tail(3, f64::NAN).p, 0.0);
    }

    #[test]
    fn chi_square_matches_scipy() {
        // scipy 1.17.1: chi2.sf(3.0, 1), chi2.sf(7.5, 3), chi2.sf(0.5, 5), chi2.sf(16.792940989216547, 1)
        for (x, df, expected) in [
            (3.0, 1.0, 0.08326451666355042),
            (7.5, 3.0, 0.0575584519726364),
            (0.5, 5.0, 0.9921232932326296),
            (16.792940989216547, 1.0, 4.168809109334511e-05),
        ] {
            let got = chi_square_sf(x, df);
            assert!(
                close(got, expected, 1e-9),
                "chi2.sf({x}, {df}) = {got}, want {expected}"
            );
        }
        // ln Γ: Γ(0.5) = √π, Γ(10) = 9!.
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-13);
        assert!(ln_gamma(-1.0).is_nan() && gamma_q(0.0, 1.0).is_nan());
        assert_eq!(chi_square_sf(0.0, 2.0), 1.0);
    }

    #[test]
    fn quantiles_match_numpy() {
        // numpy.percentile([1,2,3,4], [25,50,75]) = [1.75, 2.5, 3.25]
        let v = [4.0, 1.0, 3.0, 2.0, f64::NAN];
        assert_eq!(quantile(&v, 0.25), Some(1.75));
        assert_eq!(quantile(&v, 0.5), Some(2.5));
        assert_eq!(quantile(&v, 0.75), Some(3.25));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn wilson_and_bh() {
        // Wilson 95 % for 0/10: (0, 0.2775) (Newcombe 1998, Table I).
        let (lo, hi) = wilson(0.0, 10.0, Z_95).unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - 0.2775).abs() < 1e-4);
        assert_eq!(wilson(1.0, 0.0, Z_95), None);
        // scipy 1.17.1: false_discovery_control([0.01, 0.04, 0.03, 0.5]) =
        // [0.04, 0.05333333, 0.05333333, 0.5]
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
        for (a, b) in q.iter().zip([0.04, 0.16 / 3.0, 0.16 / 3.0, 0.5]) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    include!("stats_reference.rs");
}

// Generated with mpmath 1.3.0 at mp.dps = 60 (system python3): each binomial term computed
// independently as exp(loggamma(n+1) - loggamma(i+1) - loggamma(n-i+1) + i ln p + (n-i) ln q) and
// summed from k outwards (1 - the lower sum when k <= np), cross-checked with
// betainc(k, n-k+1, 0, p, regularized=True) where that converges; Poisson P(X>=k) =
// gammainc(k, 0, lambda, regularized=True).
const REFERENCE_BINOMIAL: &[(u64, u64, f64, f64)] = &[
    (60, 1000, 0.05, 0.086732178384861022),
    (30, 200, 0.1, 0.016326565931766445),
    (1100, 1000000, 0.001, 0.00095746697002854187),
    (5, 100000, 1e-05, 0.003659616905056132),
    (480000, 1000000, 0.48, 0.50039393823237441),
    (4900, 10000000, 0.0005, 0.92278794228623759),
    (5200, 10000000, 0.0005, 0.0025084285403476494),
    (12, 5000, 0.001, 0.0054283873818052951),
    (2, 3, 0.9, 0.97200000000000001),
];
const REFERENCE_POISSON: &[(u64, f64, f64)] = &[
    (10, 3.0, 0.0011024881301154797),
    (50, 30.0, 0.00051889146254803429),
    (3, 7.5, 0.9797432849433356),
    (1000, 900.0, 0.00054990226571178292),
    (200, 100.0, 9.3431500729883903e-19),
    (1, 0.001, 0.00099950016662500835),
];
const REFERENCE_LN_TAIL: f64 = -16149.451639857705;

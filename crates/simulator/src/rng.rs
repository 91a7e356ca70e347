//! A small deterministic PRNG (SplitMix64): the world's only source of randomness.

/// SplitMix64. Streams are derived from `(seed, stream, index)`, so an item's draws do not
/// depend on how many other items exist.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The generator for `stream` (a purpose tag) and `index` under `seed`.
    pub(crate) fn derive(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(mix(seed
            ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15))
            ^ mix(index ^ 0x5851_f42d)))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform integer in `[lo, hi]` (`lo` when `hi <= lo`).
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Log-uniform in `[lo, hi)` (at least 1), for delays spanning orders of magnitude.
    pub(crate) fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let lo = lo.max(1) as f64;
        let hi = (hi as f64).max(lo);
        let v = (lo.ln() + self.unit() * (hi.ln() - lo.ln())).exp();
        (v as u64).clamp(lo as u64, (hi as u64).max(lo as u64))
    }

    /// Index drawn with probability proportional to `weights` (non-positive weights never drawn).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> Option<usize> {
        let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        if total <= 0.0 || !total.is_finite() {
            return None;
        }
        let mut x = self.unit() * total;
        let mut last = None;
        for (i, w) in weights.iter().enumerate() {
            if *w > 0.0 {
                last = Some(i);
                if x < *w {
                    return Some(i);
                }
                x -= w;
            }
        }
        last
    }

    /// Exponential with the given mean.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_range() {
        let mut a = Rng::derive(7, 1, 2);
        let mut b = Rng::derive(7, 1, 2);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let u = a.unit();
            b.unit();
            assert!((0.0..1.0).contains(&u));
            let r = a.range(5, 9);
            b.range(5, 9);
            assert!((5..=9).contains(&r));
            let l = a.log_uniform(300, 1800);
            b.log_uniform(300, 1800);
            assert!((300..=1800).contains(&l), "{l}");
        }
        assert_ne!(
            Rng::derive(7, 1, 2).next_u64(),
            Rng::derive(7, 1, 3).next_u64()
        );
        assert_eq!(Rng::derive(1, 1, 1).weighted(&[0.0, 0.0]), None);
        assert_eq!(Rng::derive(1, 1, 1).weighted(&[0.0, 2.0]), Some(1));
    }
}

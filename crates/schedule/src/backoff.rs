//! Per-host back-off on `blocked`, and the seeded randomness it uses.

use serde::{Deserialize, Serialize};

use crate::duration::secs;

/// A source of random bits, passed in by the caller so the scheduler stays deterministic.
pub trait Entropy {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;

    /// A uniform value in `0..=max`.
    fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            // Multiply-shift: bias below 2^-64 * max, irrelevant for delays.
            Some(span) => ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as u64,
            None => self.next_u64(),
        }
    }
}

/// SplitMix64: a small seeded generator (Steele, Lea, Flood 2014), enough for jitter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitMix64(pub u64);

impl Entropy for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Exponential back-off with full jitter: after the `n`th consecutive block the host waits a
/// uniform time in `0..=min(cap, base·2^(n−1))`, and never less than the `Retry-After` the
/// platform gave. Reset by the next successful observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backoff {
    /// First ceiling, seconds (default 30 s).
    #[serde(with = "secs")]
    pub base: i64,
    /// Largest ceiling, seconds (default 1 h).
    #[serde(with = "secs")]
    pub cap: i64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: 30,
            cap: 3600,
        }
    }
}

impl Backoff {
    /// The wait after the `attempt`th consecutive block (1-based).
    pub fn delay(&self, attempt: u32, retry_after: Option<i64>, rng: &mut impl Entropy) -> i64 {
        let shift = attempt.saturating_sub(1).min(40);
        let ceiling = self
            .base
            .max(1)
            .saturating_mul(1 << shift)
            .min(self.cap.max(1));
        let jittered = rng.up_to(ceiling as u64) as i64;
        jittered.max(retry_after.unwrap_or(0))
    }
}

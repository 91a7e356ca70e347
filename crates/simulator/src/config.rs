//! What a simulated world is made of: [`SimConfig`], the [`FateDistribution`] of item states and
//! deletion delays, and the [`NoiseConfig`] of anti-crawl blocks, outages, ghosts and edits.

use serde::{Deserialize, Serialize};

use crate::SimError;

/// The true state of a simulated item at one moment; also the *fate* drawn for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ItemState {
    /// Publicly visible. As a fate: the item stays live.
    Live,
    /// Deleted by its author.
    AuthorDeleted,
    /// Removed by the platform (reports, moderation).
    PlatformRemoved,
    /// Withheld pending review; a review later restores it or removes it.
    UnderReview,
    /// Made visible to its author only.
    SelfOnly,
    /// Not viewable from the simulator's (single) vantage's region.
    RegionLocked,
}

impl ItemState {
    /// Every state, in declaration order.
    pub const ALL: [ItemState; 6] = [
        ItemState::Live,
        ItemState::AuthorDeleted,
        ItemState::PlatformRemoved,
        ItemState::UnderReview,
        ItemState::SelfOnly,
        ItemState::RegionLocked,
    ];

    /// The snake-case name used in the ground truth (`author_deleted`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            ItemState::Live => "live",
            ItemState::AuthorDeleted => "author_deleted",
            ItemState::PlatformRemoved => "platform_removed",
            ItemState::UnderReview => "under_review",
            ItemState::SelfOnly => "self_only",
            ItemState::RegionLocked => "region_locked",
        }
    }

    /// Whether the public can no longer see the item (deleted, removed, in review, self-only),
    /// as in `annals_model::State::is_disappearance`. Region locks are vantage effects.
    pub fn is_disappearance(&self) -> bool {
        matches!(
            self,
            ItemState::AuthorDeleted
                | ItemState::PlatformRemoved
                | ItemState::UnderReview
                | ItemState::SelfOnly
        )
    }
}

/// One bucket of the delay between publication and an item's fate: a delay log-uniform in
/// `[from_s, to_s)`, drawn with probability proportional to `weight`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DelayBucket {
    /// Lower bound, seconds after publication (inclusive).
    pub from_s: u64,
    /// Upper bound, seconds after publication (exclusive).
    pub to_s: u64,
    /// Relative weight.
    pub weight: f64,
}

/// How item fates are drawn.
///
/// The default follows the Weibo figures in research.md: about 16 % of items disappear
/// (Zhu et al. re-checked 1.3 M posts and found 16.25 % deleted), about 30 % of disappearances
/// happen 5–30 minutes after posting and about 90 % within 24 hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FateDistribution {
    /// Relative weight of each fate. A fate a platform cannot express (a region lock on Zhihu or
    /// Weibo, a review on Weibo or a web page, self-only on a web page) is redrawn among the
    /// fates that platform supports.
    pub weights: Vec<(ItemState, f64)>,
    /// Delay from publication to the fate's state change.
    pub delay: Vec<DelayBucket>,
    /// How long a review lasts, `[min, max]` seconds.
    pub review_s: (u64, u64),
    /// Probability that a review ends with the item restored (otherwise it is removed).
    pub review_restored: f64,
}

impl Default for FateDistribution {
    fn default() -> Self {
        FateDistribution {
            weights: vec![
                (ItemState::Live, 0.84),
                (ItemState::AuthorDeleted, 0.07),
                (ItemState::PlatformRemoved, 0.05),
                (ItemState::UnderReview, 0.02),
                (ItemState::SelfOnly, 0.015),
                (ItemState::RegionLocked, 0.005),
            ],
            delay: vec![
                DelayBucket {
                    from_s: 60,
                    to_s: 300,
                    weight: 0.05,
                },
                DelayBucket {
                    from_s: 300,
                    to_s: 1_800,
                    weight: 0.30,
                },
                DelayBucket {
                    from_s: 1_800,
                    to_s: 3_600,
                    weight: 0.20,
                },
                DelayBucket {
                    from_s: 3_600,
                    to_s: 86_400,
                    weight: 0.35,
                },
                DelayBucket {
                    from_s: 86_400,
                    to_s: 30 * 86_400,
                    weight: 0.10,
                },
            ],
            review_s: (1_800, 6 * 3_600),
            review_restored: 0.5,
        }
    }
}

impl FateDistribution {
    /// The configured probability that a disappearance happens in `[from_s, to_s)` after
    /// publication, assuming delays spread log-uniformly inside each bucket.
    pub fn delay_share(&self, from_s: u64, to_s: u64) -> f64 {
        let total: f64 = self.delay.iter().map(|b| b.weight.max(0.0)).sum();
        if total <= 0.0 {
            return 0.0;
        }
        let ln = |x: u64| (x.max(1) as f64).ln();
        self.delay
            .iter()
            .map(|b| {
                let lo = b.from_s.max(from_s);
                let hi = b.to_s.min(to_s);
                if hi <= lo || b.to_s <= b.from_s {
                    return 0.0;
                }
                b.weight.max(0.0) * (ln(hi) - ln(lo)) / (ln(b.to_s) - ln(b.from_s))
            })
            .sum::<f64>()
            / total
    }
}

/// Observation noise: things that look like trouble but are not item states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseConfig {
    /// Anti-crawl block episodes per platform per simulated day (Bilibili -352/-412, Zhihu
    /// 40352/40362, Weibo 418/432/`ok:-100`, web 429/403).
    pub blocks_per_day: f64,
    /// Length of a block episode, `[min, max]` seconds.
    pub block_s: (u64, u64),
    /// 5xx bursts per platform per simulated day.
    pub outages_per_day: f64,
    /// Length of a 5xx burst, `[min, max]` seconds.
    pub outage_s: (u64, u64),
    /// Probability that an item has one "ghost" flap: it answers as gone for a short window
    /// while it is in truth live. Never a deletion.
    pub ghost_prob: f64,
    /// Length of a ghost flap, `[min, max]` seconds.
    pub ghost_s: (u64, u64),
    /// Probability that an item's content is edited (once or twice) while live.
    pub edit_prob: f64,
}

impl Default for NoiseConfig {
    fn default() -> Self {
        NoiseConfig {
            blocks_per_day: 2.0,
            block_s: (120, 1_200),
            outages_per_day: 3.0,
            outage_s: (30, 300),
            ghost_prob: 0.02,
            ghost_s: (60, 600),
            edit_prob: 0.1,
        }
    }
}

/// Everything that defines a world. Same config, same world: every draw comes from `seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// PRNG seed.
    pub seed: u64,
    /// Number of items. Kinds rotate: Bilibili video, Zhihu answer, Weibo post, web page.
    pub items: usize,
    /// Length of the simulation, simulated seconds (noise episodes are drawn inside it).
    pub duration_s: u64,
    /// Items are published uniformly in `[0, publish_window_s]`.
    pub publish_window_s: u64,
    /// Unix time of simulated second 0 (for `pubdate`, `created_at`, …).
    pub epoch_unix: i64,
    /// Fates and their timing.
    pub fates: FateDistribution,
    /// Blocks, outages, ghosts, edits.
    pub noise: NoiseConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            items: 200,
            duration_s: 3 * 86_400,
            publish_window_s: 86_400,
            epoch_unix: 1_750_000_000,
            fates: FateDistribution::default(),
            noise: NoiseConfig::default(),
        }
    }
}

impl SimConfig {
    /// Check the config: positive total fate weight and delay weight, ordered ranges,
    /// probabilities in `[0, 1]`, non-negative rates.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |what: &str| Err(SimError::InvalidConfig(what.to_owned()));
        let fate_total: f64 = self.fates.weights.iter().map(|(_, w)| *w).sum();
        if self
            .fates
            .weights
            .iter()
            .any(|(_, w)| !w.is_finite() || *w < 0.0)
            || fate_total <= 0.0
        {
            return bad("fate weights must be finite, non-negative and not all zero");
        }
        if self.fates.delay.is_empty()
            || self
                .fates
                .delay
                .iter()
                .any(|b| b.to_s <= b.from_s || !b.weight.is_finite() || b.weight < 0.0)
            || self.fates.delay.iter().all(|b| b.weight <= 0.0)
        {
            return bad("delay buckets need from_s < to_s and non-negative weights, not all zero");
        }
        let ranges = [
            self.fates.review_s,
            self.noise.block_s,
            self.noise.outage_s,
            self.noise.ghost_s,
        ];
        if ranges.iter().any(|(lo, hi)| lo > hi) {
            return bad("every (min, max) range needs min <= max");
        }
        let probs = [
            self.fates.review_restored,
            self.noise.ghost_prob,
            self.noise.edit_prob,
        ];
        if probs.iter().any(|p| !(0.0..=1.0).contains(p)) {
            return bad("probabilities must lie in [0, 1]");
        }
        let rates = [self.noise.blocks_per_day, self.noise.outages_per_day];
        if rates.iter().any(|r| !r.is_finite() || *r < 0.0) {
            return bad("rates must be finite and non-negative");
        }
        if self.items > 10_000_000 {
            return bad("at most 10,000,000 items");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_delay_shares_follow_the_weibo_figures() {
        let fates = FateDistribution::default();
        assert!((fates.delay_share(0, 86_400) - 0.90).abs() < 1e-9);
        assert!((fates.delay_share(300, 1_800) - 0.30).abs() < 1e-9);
        assert!(SimConfig::default().validate().is_ok());
        let mut cfg = SimConfig::default();
        cfg.noise.ghost_prob = 2.0;
        assert!(cfg.validate().is_err());
    }
}

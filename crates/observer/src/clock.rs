//! Time for the observer: the system clock, or a scaled clock that agrees with an accelerated
//! simulator. Every scheduling decision reads [`Clock::now`]; nothing else reads the time.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of (possibly simulated) time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, unix seconds with a fraction.
    fn now_f64(&self) -> f64;

    /// Simulated seconds per real second (1 for the system clock).
    fn speed(&self) -> f64;

    /// Now, whole unix seconds.
    fn now(&self) -> i64 {
        self.now_f64().floor() as i64
    }

    /// The real duration of `secs` clock seconds.
    fn real(&self, secs: f64) -> Duration {
        Duration::from_secs_f64((secs / self.speed().max(1e-9)).clamp(0.0, 86_400.0))
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_f64(&self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    fn speed(&self) -> f64 {
        1.0
    }
}

/// `base + elapsed × speed`: the clock of an accelerated simulator, started at `base`.
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    base: f64,
    start: Instant,
    speed: f64,
}

impl ScaledClock {
    /// A clock reading `base` (unix seconds) now and running `speed` times faster than real time.
    pub fn new(base: f64, speed: f64) -> ScaledClock {
        ScaledClock {
            base,
            start: Instant::now(),
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
        }
    }
}

impl Clock for ScaledClock {
    fn now_f64(&self) -> f64 {
        self.base + self.start.elapsed().as_secs_f64() * self.speed
    }

    fn speed(&self) -> f64 {
        self.speed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_clock_runs_faster() {
        let c = ScaledClock::new(1_000.0, 600.0);
        assert!(c.now() >= 1_000);
        assert_eq!(c.real(600.0), Duration::from_secs(1));
        assert!(SystemClock.now() > 1_700_000_000);
    }
}

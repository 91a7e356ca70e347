//! Login rate limiting: a pure core. Time is an argument (`now`, any monotonic origin).
//!
//! Failed attempts are counted per client address and per user name. The first
//! [`LimitPolicy::free_failures`] failures of a key cost nothing; each further failure doubles the
//! wait before the next attempt (`base`, `2·base`, … up to `max`). A success clears the user
//! name's count and the address's count. Counts are forgotten after `forget` without failures.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How failures turn into waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitPolicy {
    /// Failures allowed before any wait.
    pub free_failures: u32,
    /// Wait after the first failure beyond the free ones.
    pub base: Duration,
    /// Longest wait.
    pub max: Duration,
    /// A key with no failure for this long is forgotten.
    pub forget: Duration,
    /// Keys kept at most (oldest forgotten first), so a flood of addresses cannot grow memory.
    pub max_keys: usize,
}

impl Default for LimitPolicy {
    fn default() -> Self {
        LimitPolicy {
            free_failures: 5,
            base: Duration::from_secs(1),
            max: Duration::from_secs(15 * 60),
            forget: Duration::from_secs(24 * 3600),
            max_keys: 100_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Strikes {
    failures: u32,
    last_failure: Instant,
    blocked_until: Option<Instant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Addr(IpAddr),
    User(String),
}

/// Failed login attempts per client address and per user name.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    policy: LimitPolicy,
    strikes: HashMap<Key, Strikes>,
}

impl LoginLimiter {
    /// A limiter with `policy`.
    pub fn new(policy: LimitPolicy) -> Self {
        LoginLimiter {
            policy,
            strikes: HashMap::new(),
        }
    }

    /// `Err(wait)` if an attempt from `addr` for `user` must wait `wait` (answer 429 with
    /// `Retry-After`); `Ok(())` if it may be checked. Does not count anything by itself.
    pub fn check(&self, addr: Option<IpAddr>, user: &str, now: Instant) -> Result<(), Duration> {
        let mut wait = Duration::ZERO;
        for key in keys(addr, user) {
            if let Some(s) = self.strikes.get(&key)
                && let Some(until) = s.blocked_until
                && until > now
            {
                wait = wait.max(until - now);
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failed attempt; returns the wait now imposed (zero while failures are free).
    pub fn failed(&mut self, addr: Option<IpAddr>, user: &str, now: Instant) -> Duration {
        self.prune(now);
        let policy = self.policy;
        let mut wait = Duration::ZERO;
        for key in keys(addr, user) {
            let s = self.strikes.entry(key).or_insert(Strikes {
                failures: 0,
                last_failure: now,
                blocked_until: None,
            });
            s.failures = s.failures.saturating_add(1);
            s.last_failure = now;
            if s.failures > policy.free_failures {
                let doublings = (s.failures - policy.free_failures - 1).min(30);
                let w = policy
                    .base
                    .checked_mul(1u32 << doublings)
                    .unwrap_or(policy.max)
                    .min(policy.max);
                s.blocked_until = Some(now + w);
                wait = wait.max(w);
            }
        }
        wait
    }

    /// A successful login: forgets the user name's and the address's failures.
    pub fn succeeded(&mut self, addr: Option<IpAddr>, user: &str) {
        for key in keys(addr, user) {
            self.strikes.remove(&key);
        }
    }

    /// Keys currently remembered.
    pub fn len(&self) -> usize {
        self.strikes.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.strikes.is_empty()
    }

    fn prune(&mut self, now: Instant) {
        let forget = self.policy.forget;
        self.strikes.retain(|_, s| {
            now.saturating_duration_since(s.last_failure) < forget
                || s.blocked_until.is_some_and(|u| u > now)
        });
        // Room for the (at most two) keys about to be added.
        if self.strikes.len() + 2 > self.policy.max_keys {
            let mut by_age: Vec<(Instant, Key)> = self
                .strikes
                .iter()
                .map(|(k, s)| (s.last_failure, k.clone()))
                .collect();
            by_age.sort_by_key(|(t, _)| *t);
            let excess = (self.strikes.len() + 2).saturating_sub(self.policy.max_keys);
            for (_, k) in by_age.into_iter().take(excess) {
                self.strikes.remove(&k);
            }
        }
    }
}

fn keys(addr: Option<IpAddr>, user: &str) -> Vec<Key> {
    let mut k = Vec::with_capacity(2);
    if let Some(a) = addr {
        k.push(Key::Addr(canonical_addr(a)));
    }
    k.push(Key::User(user.to_lowercase()));
    k
}

/// IPv4-mapped IPv6 addresses count as their IPv4 address; other IPv6 addresses count per /64,
/// since one host usually holds a whole /64.
fn canonical_addr(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V4(_) => a,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn five_free_failures_then_exponential_back_off() {
        let mut l = LoginLimiter::new(LimitPolicy::default());
        let t0 = Instant::now();
        let a = ip("192.0.2.1");
        for i in 0..5 {
            assert_eq!(l.check(a, "alice", t0), Ok(()), "attempt {i}");
            assert_eq!(l.failed(a, "alice", t0), Duration::ZERO);
        }
        assert_eq!(l.check(a, "alice", t0), Ok(()));
        assert_eq!(l.failed(a, "alice", t0), Duration::from_secs(1));
        assert_eq!(l.check(a, "alice", t0), Err(Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(l.check(a, "alice", t1), Ok(()));
        assert_eq!(l.failed(a, "alice", t1), Duration::from_secs(2));
        let t2 = t1 + Duration::from_secs(2);
        assert_eq!(l.failed(a, "alice", t2), Duration::from_secs(4));
        assert_eq!(
            l.check(a, "alice", t2 + Duration::from_secs(1)),
            Err(Duration::from_secs(3))
        );
        // The wait is capped.
        let mut t = t2;
        for _ in 0..40 {
            t += Duration::from_secs(3600);
            l.failed(a, "alice", t);
        }
        assert_eq!(l.check(a, "alice", t), Err(Duration::from_secs(15 * 60)));
    }

    #[test]
    fn limits_per_user_name_across_addresses_and_per_address_across_names() {
        let mut l = LoginLimiter::new(LimitPolicy::default());
        let t = Instant::now();
        for i in 0..6 {
            l.failed(ip(&format!("198.51.100.{i}")), "Alice", t);
        }
        // A new address guessing the same (case-folded) name must wait.
        assert!(l.check(ip("203.0.113.9"), "alice", t).is_err());
        // Another name from a clean address is not affected.
        assert_eq!(l.check(ip("203.0.113.9"), "bob", t), Ok(()));
        // One address trying many names is limited too.
        for i in 0..6 {
            l.failed(ip("203.0.113.7"), &format!("user{i}"), t);
        }
        assert!(l.check(ip("203.0.113.7"), "someone-new", t).is_err());
    }

    #[test]
    fn success_clears_and_old_failures_are_forgotten() {
        let policy = LimitPolicy::default();
        let mut l = LoginLimiter::new(policy);
        let t = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..4 {
            l.failed(a, "alice", t);
        }
        l.succeeded(a, "alice");
        assert!(l.is_empty());
        for _ in 0..4 {
            l.failed(a, "alice", t);
        }
        // A day later the four failures are forgotten: five more are free again.
        let later = t + policy.forget + Duration::from_secs(1);
        for _ in 0..5 {
            assert_eq!(l.failed(ip("192.0.2.2"), "bob", later), Duration::ZERO);
        }
        for _ in 0..5 {
            assert_eq!(l.failed(a, "alice", later), Duration::ZERO);
        }
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let mut l = LoginLimiter::new(LimitPolicy::default());
        let t = Instant::now();
        for i in 0..6 {
            l.failed(ip(&format!("2001:db8:1:2::{i}")), &format!("u{i}"), t);
        }
        assert!(l.check(ip("2001:db8:1:2:ffff::1"), "other", t).is_err());
        assert_eq!(l.check(ip("2001:db8:1:3::1"), "other", t), Ok(()));
        for i in 0..6 {
            l.failed(ip("::ffff:192.0.2.50"), &format!("v{i}"), t);
        }
        assert!(l.check(ip("192.0.2.50"), "other2", t).is_err());
    }

    #[test]
    fn memory_is_bounded() {
        let mut l = LoginLimiter::new(LimitPolicy {
            max_keys: 100,
            ..LimitPolicy::default()
        });
        let t = Instant::now();
        for i in 0..1000u32 {
            l.failed(Some(IpAddr::from(i.to_be_bytes())), "x", t);
        }
        assert!(l.len() <= 100, "{}", l.len());
    }
}

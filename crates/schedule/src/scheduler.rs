//! The scheduler: due queues, the request budget, per-host limits and back-off.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

use crate::backoff::{Backoff, Entropy};
use crate::error::Error;
use crate::policy::{ItemState, Policy};

/// An item in a [`Scheduler`] (dense: the scheduler hands them out in order from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ItemId(pub u32);

/// A host (rate-limit and back-off domain) in a [`Scheduler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HostId(pub u32);

/// A policy registered with [`Scheduler::add_policy`]; `PolicyId(0)` is the scheduler's first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PolicyId(pub u8);

/// The request budget.
///
/// Both limits are token buckets: requests refill continuously at `per_minute`, and at most
/// `burst` can be spent at once. The burst is what bounds catch-up: after downtime, or with a
/// backlog of overdue items, the scheduler never sends more than `burst` plus the rate, and it
/// drains the backlog by priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Requests per minute over all hosts.
    pub per_minute: u32,
    /// Largest burst over all hosts (default: 10 s of budget, at least 1).
    pub burst: u32,
    /// Requests per minute per host (overridable with [`Scheduler::set_host_limit`]).
    pub per_host_per_minute: u32,
    /// Largest burst per host.
    pub host_burst: u32,
}

impl Budget {
    /// `per_minute` overall and per host, bursts of 10 s worth.
    pub fn per_minute(per_minute: u32) -> Budget {
        let burst = (per_minute / 6).max(1);
        Budget {
            per_minute,
            burst,
            per_host_per_minute: per_minute,
            host_burst: burst,
        }
    }

    fn validate(&self) -> Result<(), Error> {
        if self.per_minute == 0 || self.burst == 0 {
            return Err(Error::InvalidBudget(
                "per_minute and burst must be positive".into(),
            ));
        }
        if self.per_host_per_minute == 0 || self.host_burst == 0 {
            return Err(Error::InvalidBudget(
                "per_host_per_minute and host_burst must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// What came of fetching an item (report it with [`Scheduler::record`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The platform answered about the item. Use [`ItemState::Confirming`] whenever
    /// `Timeline::needs_confirmation()` is true after the observation; this resets the host's
    /// back-off.
    Observed(ItemState),
    /// A transient failure (`error`): the item keeps its state and is retried after
    /// `min(its interval, confirm_delay)`.
    Failed,
    /// The host refused us (`blocked`): the host backs off; `retry_after` in seconds when the
    /// platform gave one.
    Blocked {
        /// The `Retry-After` value, seconds.
        retry_after: Option<i64>,
    },
}

/// A queued fetch; 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    due: i64,
    id: u32,
    seq: u32,
    priority: u8,
}

/// Waiting order: earliest due first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByDue(Entry);

impl Ord for ByDue {
    fn cmp(&self, other: &Self) -> Ordering {
        (Reverse(self.0.due), Reverse(self.0.id)).cmp(&(Reverse(other.0.due), Reverse(other.0.id)))
    }
}

impl PartialOrd for ByDue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Ready order: highest priority, then most overdue, then lowest id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByPriority(Entry);

impl Ord for ByPriority {
    fn cmp(&self, other: &Self) -> Ordering {
        let key = |e: &Entry| (e.priority, Reverse(e.due), Reverse(e.id));
        key(&self.0).cmp(&key(&other.0))
    }
}

impl PartialOrd for ByPriority {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

const NEVER: i64 = i64::MIN;
const FLAG_IN_FLIGHT: u8 = 1;
const FLAG_REMOVED: u8 = 2;

/// Per-item record; 32 bytes.
#[derive(Debug, Clone, Copy)]
struct Slot {
    first_seen: i64,
    last_observed: i64,
    host: u32,
    /// Bumped on every (re)queue; heap entries with an older value are stale.
    seq: u32,
    policy: u8,
    state: u8,
    flags: u8,
}

/// One token = 1/60000 of a request, so a per-minute rate refills exactly `rate·1000` per second.
const TOKEN: i64 = 60_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: i64,
    refilled_at: i64,
    per_minute: u32,
    burst: u32,
}

impl Bucket {
    fn new(per_minute: u32, burst: u32) -> Bucket {
        Bucket {
            tokens: i64::from(burst) * TOKEN,
            refilled_at: NEVER,
            per_minute,
            burst,
        }
    }

    fn refill(&mut self, now: i64) {
        if self.refilled_at != NEVER && now > self.refilled_at {
            let gained = (now - self.refilled_at).saturating_mul(i64::from(self.per_minute) * 1000);
            self.tokens = self
                .tokens
                .saturating_add(gained)
                .min(i64::from(self.burst) * TOKEN);
        }
        self.refilled_at = self.refilled_at.max(now);
    }

    fn has_one(&self) -> bool {
        self.tokens >= TOKEN
    }

    /// When the next whole token will be available (assuming refilled at `refilled_at`).
    fn next_token_at(&self) -> i64 {
        let missing = (TOKEN - self.tokens).max(0);
        let rate = (i64::from(self.per_minute) * 1000).max(1);
        self.refilled_at + (missing + rate - 1) / rate
    }
}

#[derive(Debug, Clone, Copy)]
struct Host {
    bucket: Bucket,
    attempt: u32,
    blocked_until: i64,
    /// When the current back-off round began (`NEVER`: not backing off).
    blocked_at: i64,
}

/// The re-observation scheduler: a sans-IO core the observer drives with its clock.
///
/// - Inputs: [`insert`](Scheduler::insert) / [`resume`](Scheduler::resume) items,
///   [`record`](Scheduler::record) what each fetch found.
/// - Output: [`poll`](Scheduler::poll) fills a buffer with the items to fetch now;
///   [`poll_timeout`](Scheduler::poll_timeout) says when to poll next.
///
/// Items due (by their [`Policy`]) move from a due-time heap to a priority heap; `poll` takes
/// from the priority heap while the global and per-host token buckets allow, so overdue items
/// are caught up by priority at the budgeted rate. An item handed out by `poll` is in flight
/// until `record` is called for it.
#[derive(Debug, Clone)]
pub struct Scheduler {
    policies: Vec<Policy>,
    budget: Budget,
    backoff: Backoff,
    items: Vec<Slot>,
    hosts: Vec<Host>,
    host_ids: HashMap<String, u32>,
    waiting: BinaryHeap<ByDue>,
    ready: BinaryHeap<ByPriority>,
    global: Bucket,
}

impl Scheduler {
    /// A scheduler whose `PolicyId(0)` is `policy`.
    pub fn new(policy: Policy, budget: Budget) -> Result<Scheduler, Error> {
        policy.validate()?;
        budget.validate()?;
        Ok(Scheduler {
            policies: vec![policy],
            budget,
            backoff: Backoff::default(),
            items: Vec::new(),
            hosts: Vec::new(),
            host_ids: HashMap::new(),
            waiting: BinaryHeap::new(),
            ready: BinaryHeap::new(),
            global: Bucket::new(budget.per_minute, budget.burst),
        })
    }

    /// Replaces the back-off settings.
    pub fn set_backoff(&mut self, backoff: Backoff) {
        self.backoff = backoff;
    }

    /// Reserves room for `items` items (avoids regrowth when loading a large watchlist).
    pub fn reserve(&mut self, items: usize) {
        self.items.reserve(items);
        self.waiting.reserve(items);
    }

    /// Registers another policy (for watchlists that name their own).
    pub fn add_policy(&mut self, policy: Policy) -> Result<PolicyId, Error> {
        policy.validate()?;
        if self.policies.len() >= 256 {
            return Err(Error::TooManyPolicies);
        }
        self.policies.push(policy);
        Ok(PolicyId((self.policies.len() - 1) as u8))
    }

    /// The host with this name, created with the budget's per-host limits on first use.
    pub fn host(&mut self, name: &str) -> HostId {
        if let Some(&id) = self.host_ids.get(name) {
            return HostId(id);
        }
        let id = self.hosts.len() as u32;
        self.hosts.push(Host {
            bucket: Bucket::new(self.budget.per_host_per_minute, self.budget.host_burst),
            attempt: 0,
            blocked_until: NEVER,
            blocked_at: NEVER,
        });
        self.host_ids.insert(name.to_owned(), id);
        HostId(id)
    }

    /// Sets one host's own limit (requests per minute, burst; zeros become 1).
    pub fn set_host_limit(&mut self, host: HostId, per_minute: u32, burst: u32) {
        if let Some(h) = self.hosts.get_mut(host.0 as usize) {
            h.bucket.per_minute = per_minute.max(1);
            h.bucket.burst = burst.max(1);
            h.bucket.tokens = h.bucket.tokens.min(i64::from(h.bucket.burst) * TOKEN);
        }
    }

    /// Starts watching a new item first seen at `first_seen`; it is due at once.
    pub fn insert(&mut self, host: HostId, policy: PolicyId, first_seen: i64, now: i64) -> ItemId {
        self.resume(host, policy, first_seen, ItemState::New, None, now)
    }

    /// Watches an item with a known state and last observation (reloading from the store).
    pub fn resume(
        &mut self,
        host: HostId,
        policy: PolicyId,
        first_seen: i64,
        state: ItemState,
        last_observed: Option<i64>,
        now: i64,
    ) -> ItemId {
        let id = self.items.len() as u32;
        let policy = if usize::from(policy.0) < self.policies.len() {
            policy.0
        } else {
            0
        };
        let state = if last_observed.is_none() {
            ItemState::New
        } else {
            state
        };
        self.items.push(Slot {
            first_seen,
            last_observed: last_observed.unwrap_or(NEVER),
            host: host.0,
            seq: 0,
            policy,
            state: state as u8,
            flags: 0,
        });
        self.requeue(id, now, None);
        ItemId(id)
    }

    /// Stops watching an item (its queue entries become stale).
    pub fn remove(&mut self, id: ItemId) {
        if let Some(slot) = self.items.get_mut(id.0 as usize) {
            slot.flags |= FLAG_REMOVED;
            slot.seq = slot.seq.wrapping_add(1);
        }
    }

    /// Number of items ever inserted (removed ones included).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item was ever inserted.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Entries due but not yet fetched (an upper bound: stale entries count until popped).
    pub fn backlog(&self) -> usize {
        self.ready.len()
    }

    /// The state the scheduler holds for an item.
    pub fn state(&self, id: ItemId) -> Option<ItemState> {
        self.items
            .get(id.0 as usize)
            .map(|slot| ItemState::from_u8(slot.state))
    }

    /// Approximate heap memory in bytes (items, queues, hosts).
    pub fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        self.items.capacity() * size_of::<Slot>()
            + (self.waiting.capacity() + self.ready.capacity()) * size_of::<Entry>()
            + self.hosts.capacity() * size_of::<Host>()
            + self.host_ids.capacity() * (size_of::<String>() + size_of::<u32>() + 16)
    }

    fn requeue(&mut self, id: u32, now: i64, not_before: Option<i64>) {
        let slot = &mut self.items[id as usize];
        slot.seq = slot.seq.wrapping_add(1);
        slot.flags &= !FLAG_IN_FLIGHT;
        let policy = &self.policies[usize::from(slot.policy)];
        let last = (slot.last_observed != NEVER).then_some(slot.last_observed);
        let (due, priority) =
            policy.next_due(ItemState::from_u8(slot.state), slot.first_seen, last, now);
        let due = not_before.map_or(due, |t| due.max(t));
        self.waiting.push(ByDue(Entry {
            due,
            id,
            seq: slot.seq,
            priority: priority.0,
        }));
    }

    fn is_current(&self, entry: &Entry) -> bool {
        let slot = &self.items[entry.id as usize];
        slot.seq == entry.seq && slot.flags == 0
    }

    /// Appends to `out` the items to fetch now, best first, within the budget.
    ///
    /// Items whose host is backing off or out of tokens wait until the host can take them; at
    /// most a bounded number of entries is examined per call, so a blocked host with a large
    /// backlog costs little.
    pub fn poll(&mut self, now: i64, out: &mut Vec<ItemId>) {
        while let Some(top) = self.waiting.peek() {
            if top.0.due > now {
                break;
            }
            let entry = self.waiting.pop().expect("peeked").0;
            if self.is_current(&entry) {
                self.ready.push(ByPriority(entry));
            }
        }
        self.global.refill(now);
        let mut scan_left = 64 + 8 * (self.global.tokens / TOKEN).max(0) as usize;
        while self.global.has_one() && scan_left > 0 {
            let Some(ByPriority(entry)) = self.ready.pop() else {
                break;
            };
            if !self.is_current(&entry) {
                continue;
            }
            scan_left -= 1;
            let host_index = self.items[entry.id as usize].host as usize;
            let Some(host) = self.hosts.get_mut(host_index) else {
                // Unknown host: no per-host limit.
                self.take(entry, out);
                continue;
            };
            host.bucket.refill(now);
            let wait_until = if host.blocked_until > now {
                Some(host.blocked_until)
            } else if !host.bucket.has_one() {
                Some(host.bucket.next_token_at())
            } else {
                None
            };
            match wait_until {
                Some(at) => self.waiting.push(ByDue(Entry {
                    due: at.max(now + 1),
                    ..entry
                })),
                None => {
                    host.bucket.tokens -= TOKEN;
                    self.take(entry, out);
                }
            }
        }
    }

    fn take(&mut self, entry: Entry, out: &mut Vec<ItemId>) {
        self.global.tokens -= TOKEN;
        self.items[entry.id as usize].flags |= FLAG_IN_FLIGHT;
        out.push(ItemId(entry.id));
    }

    /// When calling [`poll`](Scheduler::poll) next can return something: `None` when nothing
    /// is queued. May be `now` or earlier.
    pub fn poll_timeout(&self, now: i64) -> Option<i64> {
        let waiting = self.waiting.peek().map(|e| e.0.due);
        if self.ready.is_empty() {
            return waiting;
        }
        let mut bucket = self.global;
        bucket.refill(now);
        if bucket.has_one() {
            Some(now)
        } else {
            Some(bucket.next_token_at())
        }
    }

    /// Reports what the fetch of `id` (handed out by `poll`) found at `now`, and queues the
    /// item's next look. `rng` supplies the back-off jitter.
    pub fn record(&mut self, id: ItemId, outcome: Outcome, now: i64, rng: &mut impl Entropy) {
        let Some(slot) = self.items.get_mut(id.0 as usize) else {
            return;
        };
        if slot.flags & FLAG_REMOVED != 0 {
            return;
        }
        let host_index = slot.host as usize;
        match outcome {
            Outcome::Observed(state) => {
                slot.state = state as u8;
                slot.last_observed = now;
                if let Some(host) = self.hosts.get_mut(host_index) {
                    host.attempt = 0;
                    host.blocked_until = NEVER;
                    host.blocked_at = NEVER;
                }
                self.requeue(id.0, now, None);
            }
            Outcome::Failed => {
                let policy = &self.policies[usize::from(slot.policy)];
                let age = now.saturating_sub(slot.first_seen);
                let retry = policy.tier_for(age).1.min(policy.confirm_delay);
                self.requeue(id.0, now, Some(now.saturating_add(retry)));
            }
            Outcome::Blocked { retry_after } => {
                let until = match self.hosts.get_mut(host_index) {
                    Some(host) => {
                        // Requests already in flight when the host began refusing come back
                        // blocked too: they belong to the round under way (the host is still
                        // backing off, or the round began this very second) and must not
                        // escalate it, or one refused batch would jump to the cap at once.
                        let in_round = host.blocked_until > now || host.blocked_at == now;
                        if !in_round {
                            host.attempt = host.attempt.saturating_add(1);
                            host.blocked_at = now;
                        }
                        let delay = if in_round {
                            retry_after.unwrap_or(0)
                        } else {
                            self.backoff.delay(host.attempt, retry_after, rng)
                        };
                        host.blocked_until = host.blocked_until.max(now.saturating_add(delay));
                        host.blocked_until
                    }
                    None => now.saturating_add(retry_after.unwrap_or(self.backoff.base)),
                };
                self.requeue(id.0, now, Some(until.max(now + 1)));
            }
        }
    }

    /// When a host may be asked again (`None`: not backing off at `now`).
    pub fn host_blocked_until(&self, host: HostId, now: i64) -> Option<i64> {
        self.hosts
            .get(host.0 as usize)
            .map(|h| h.blocked_until)
            .filter(|&until| until > now)
    }
}

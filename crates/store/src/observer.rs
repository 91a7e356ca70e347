//! The observer's rows: watched items and their place in the persistent queue, observations,
//! content versions and events. Plain data; backends store them, the observer shell fills them.

use serde::Serialize;

/// An item to watch (or a child item discovered from a seed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchRow {
    /// Platform name (`bilibili`, `zhihu`, `weibo`, `web`).
    pub platform: String,
    /// The platform's id of the item.
    pub native_id: String,
    /// Canonical URL.
    pub canonical_url: String,
    /// Kind (`video`, `answer`, `post`, `page`, `feed`, `user`, …).
    pub kind: String,
    /// Watchlist name.
    pub list: String,
    /// Policy name (`default`, `hot`, `daily`, or a policy defined in `annals.toml`).
    pub policy: String,
    /// Rate-limit key: the platform, or the host of a web URL.
    pub host: String,
    /// Whether the item is a seed: its children become new items of the same list.
    pub seed: bool,
    /// The seed it was discovered from.
    pub parent_id: Option<i64>,
    /// When it was added (unix seconds): the origin of its age.
    pub added_at: i64,
}

/// A claimed queue entry: everything needed to observe the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Item row id.
    pub item_id: i64,
    /// Platform name.
    pub platform: String,
    /// The platform's id.
    pub native_id: String,
    /// Canonical URL.
    pub canonical_url: String,
    /// Kind.
    pub kind: String,
    /// Watchlist.
    pub list: String,
    /// Policy name.
    pub policy: String,
    /// Rate-limit key.
    pub host: String,
    /// Seed flag.
    pub seed: bool,
    /// Added (unix seconds).
    pub added_at: i64,
    /// The time it was due.
    pub next_due: i64,
    /// Its priority (higher first).
    pub priority: i64,
    /// Consecutive failed observations (blocked or error).
    pub failures: i64,
    /// The serialised timeline (JSON), `None` before the first observation.
    pub timeline: Option<String>,
}

/// One observation, compact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservationRow {
    /// Item row id.
    pub item_id: i64,
    /// Observation time (the WARC-Date of its first response), unix seconds.
    pub observed_at: i64,
    /// State name (`live`, `gone:author_deleted`, `blocked`, …).
    pub state: String,
    /// Platform code behind the state.
    pub code: Option<String>,
    /// Platform message behind the state.
    pub message: Option<String>,
    /// HTTP status of the first response (0: none).
    pub http_status: u16,
    /// Metrics as a small JSON object (`{"view":123,"like":"1.2万+"}`), `None` when there are none.
    pub metrics: Option<String>,
    /// Content hash, when the content was read.
    pub content_hash: Option<String>,
    /// `WARC-Record-ID` of the first response or revisit record.
    pub record_id: String,
}

/// A content version, stored once per item and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentRow {
    /// Item row id.
    pub item_id: i64,
    /// `sha256:<hex>`.
    pub content_hash: String,
    /// First observation with it.
    pub first_seen: i64,
    /// Title.
    pub title: Option<String>,
    /// Text.
    pub body: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Publication time as the platform gave it.
    pub published_at: Option<String>,
}

/// An event (appeared, edited, disappeared, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// Item row id.
    pub item_id: i64,
    /// Kind (`appeared`, `edited`, `restricted`, `unrestricted`, `disappeared`, `reappeared`,
    /// `reclassified`, `ghost`).
    pub kind: String,
    /// Time of the observation that produced it.
    pub at: i64,
    /// The state it is about.
    pub state: Option<String>,
    /// Last live observation, for disappearances and restrictions.
    pub last_seen_live: Option<i64>,
    /// First observation of the confirming run.
    pub first_seen_gone: Option<i64>,
    /// The whole event as JSON.
    pub detail: String,
}

/// The new scheduling and timeline state of an item after observations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemUpdate {
    /// Item row id.
    pub item_id: i64,
    /// Known (confirmed, or latest successful) state.
    pub state: Option<String>,
    /// Latest observation.
    pub last_observed: i64,
    /// Latest live observation.
    pub last_seen_live: Option<i64>,
    /// Observations added.
    pub observations: i64,
    /// Consecutive failures.
    pub failures: i64,
    /// Next due time.
    pub next_due: i64,
    /// Priority of the next observation.
    pub priority: i64,
    /// Serialised timeline.
    pub timeline: String,
}

/// Everything one writer batch derives, committed atomically.
#[derive(Debug, Clone, Default)]
pub struct ObserverBatch {
    /// New observations.
    pub observations: Vec<ObservationRow>,
    /// New content versions (duplicates are ignored).
    pub contents: Vec<ContentRow>,
    /// New events.
    pub events: Vec<EventRow>,
    /// Item updates (these also release the items' claims).
    pub updates: Vec<ItemUpdate>,
    /// The captures id up to which observations are now derived.
    pub derived_to: Option<i64>,
}

/// A watched item as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchInfo {
    /// Item row id.
    pub item_id: i64,
    /// Platform.
    pub platform: String,
    /// The platform's id.
    pub native_id: String,
    /// Canonical URL.
    pub url: String,
    /// Kind.
    pub kind: String,
    /// Watchlist.
    pub list: String,
    /// Policy.
    pub policy: String,
    /// Seed flag.
    pub seed: bool,
    /// Added (unix seconds).
    pub added_at: i64,
    /// Known state, `None` before the first observation.
    pub state: Option<String>,
    /// Latest observation.
    pub last_observed: Option<i64>,
    /// Latest live observation.
    pub last_seen_live: Option<i64>,
    /// Observations so far.
    pub observations: i64,
    /// Next due time.
    pub next_due: i64,
    /// Paused.
    pub paused: bool,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// At or after (unix seconds).
    pub since: Option<i64>,
    /// Kinds (`disappeared`, …); a kind `gone` is not special here, callers expand it.
    pub kinds: Vec<String>,
    /// One item.
    pub item_id: Option<i64>,
    /// Most rows.
    pub limit: Option<u64>,
}

/// An event joined with its item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventInfo {
    /// The event.
    #[serde(flatten)]
    pub event: EventRow,
    /// The item's canonical URL.
    pub url: String,
    /// The item's platform.
    pub platform: String,
}

/// The queue at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Items watched.
    pub items: u64,
    /// Items due now.
    pub due: u64,
    /// `due` is a lower bound: at least that many (counted only so far on a large queue).
    pub due_at_least: bool,
    /// Items claimed by a worker.
    pub claimed: u64,
    /// Earliest next due time among unclaimed, unpaused items.
    pub next_due: Option<i64>,
}

/// One watched item's life, as the analyses read it (`annals report`, `annals trend`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifeRow {
    /// Item row id.
    pub item_id: i64,
    /// Canonical URL.
    pub url: String,
    /// Platform.
    pub platform: String,
    /// Watchlist.
    pub list: String,
    /// When it was first watched (unix seconds).
    pub added_at: i64,
    /// Its first observation.
    pub first_observed: Option<i64>,
    /// Its last observation.
    pub last_observed: Option<i64>,
    /// Its last observation showing it live.
    pub last_seen_live: Option<i64>,
    /// Its current state.
    pub state: Option<String>,
    /// Earliest publication time of its content versions (RFC 3339, as stored).
    pub published_at: Option<String>,
    /// Title of its latest content version.
    pub title: Option<String>,
    /// Its first confirmed disappearance: `(last_seen_live, first_seen_gone, state)`.
    pub first_gone: Option<(i64, i64, String)>,
}

/// How many items of a list are in a state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateCount {
    /// Watchlist.
    pub list: String,
    /// State, `None` before the first observation.
    pub state: Option<String>,
    /// Items.
    pub items: u64,
}

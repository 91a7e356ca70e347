//! `/api/v1`: everything the pages show, as JSON, paginated; and the data functions the pages
//! render too (one query path for both).

use std::collections::{BTreeMap, HashMap};

use annals_store::{EventInfo, StateCount, WatchInfo};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Rows per page when not asked.
pub const DEFAULT_PER_PAGE: u64 = 50;
/// The most rows per page.
pub const MAX_PER_PAGE: u64 = 500;
/// Deepest page of an offset-paginated listing.
pub const MAX_PAGE: u64 = 2000;

/// An API error: JSON `{"error": "..."}` with a generic message (details go to the log).
#[derive(Debug)]
pub enum ApiError {
    /// 400 with a message for the user.
    BadRequest(String),
    /// 404.
    NotFound,
    /// 500 (already logged).
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, msg) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not found".to_string()),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal error".into()),
        };
        (status, Json(serde_json::json!({ "error": msg }))).into_response()
    }
}

/// The capture with this record id, as observations spell it (bare) or as the index does
/// (`<urn:uuid:…>`).
pub(crate) async fn find_capture(
    store: &dyn annals_store::Store,
    record_id: &str,
) -> Result<Option<annals_model::Capture>, annals_store::StoreError> {
    if let Some(c) = store.capture_by_record_id(record_id).await? {
        return Ok(Some(c));
    }
    if record_id.starts_with('<') {
        return Ok(None);
    }
    store.capture_by_record_id(&format!("<{record_id}>")).await
}

pub(crate) fn fail(what: &str, e: impl std::fmt::Display) -> ApiError {
    crate::internal(what, e);
    ApiError::Internal
}

/// `?page=&per_page=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    /// 1-based page.
    pub page: Option<u64>,
    /// Rows per page (1 to [`MAX_PER_PAGE`]).
    pub per_page: Option<u64>,
}

impl PageQuery {
    pub(crate) fn resolve(&self) -> Result<(u64, u64), ApiError> {
        let page = self.page.unwrap_or(1);
        let per = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 || page > MAX_PAGE {
            return Err(ApiError::BadRequest(format!(
                "page must be between 1 and {MAX_PAGE}"
            )));
        }
        if per == 0 || per > MAX_PER_PAGE {
            return Err(ApiError::BadRequest(format!(
                "per_page must be between 1 and {MAX_PER_PAGE}"
            )));
        }
        Ok((page, per))
    }
}

// ---------------------------------------------------------------- overview

/// A watchlist with its items counted by state.
#[derive(Debug, Clone, Serialize)]
pub struct ListSummary {
    pub list: String,
    pub total: u64,
    /// State name → items; `new` for items not yet observed.
    pub states: BTreeMap<String, u64>,
}

/// A disappearance: the interval it happened in and the reason (state).
#[derive(Debug, Clone, Serialize)]
pub struct Disappearance {
    pub item_id: i64,
    pub url: String,
    pub platform: String,
    pub kind: String,
    pub at: i64,
    pub state: Option<String>,
    pub last_seen_live: Option<i64>,
    pub first_seen_gone: Option<i64>,
}

impl From<EventInfo> for Disappearance {
    fn from(e: EventInfo) -> Disappearance {
        Disappearance {
            item_id: e.event.item_id,
            url: e.url,
            platform: e.platform,
            kind: e.event.kind,
            at: e.event.at,
            state: e.event.state,
            last_seen_live: e.event.last_seen_live,
            first_seen_gone: e.event.first_seen_gone,
        }
    }
}

/// A blocked host.
#[derive(Debug, Clone, Serialize)]
pub struct BlockedHostInfo {
    pub host: String,
    pub until: i64,
    pub strikes: i64,
}

/// The observer at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// Items watched.
    pub items: u64,
    /// Due now.
    pub due: u64,
    /// `due` is a lower bound (a large queue is counted only so far).
    pub due_at_least: bool,
    /// Claimed by a worker.
    pub claimed: u64,
    /// Earliest next due time.
    pub next_due: Option<i64>,
    /// HTTP requests per minute over the last 10 minutes (from the newest records).
    pub requests_per_min: f64,
    pub blocked_hosts: Vec<BlockedHostInfo>,
}

/// The ledger.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerInfo {
    pub size: u64,
    pub root: String,
    pub last_checkpoint_size: Option<u64>,
}

/// The overview page's data.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub lists: Vec<ListSummary>,
    pub disappearances: Vec<Disappearance>,
    pub health: Health,
    pub ledger: LedgerInfo,
}

/// Records inspected for the request rate.
const RATE_WINDOW_RECORDS: u64 = 5000;

pub(crate) fn disappearance_kinds() -> Vec<String> {
    vec!["disappeared".to_string()]
}

pub(crate) async fn overview_data(state: &AppState) -> Result<Overview, ApiError> {
    let obs = state.reading();
    let archive = obs.archive();
    let store = archive.store();
    let now = obs.clock().now();
    let counts = store
        .state_counts()
        .await
        .map_err(|e| fail("state counts", e))?;
    let lists = summarise(counts);
    let disappearances = store
        .recent_events(&disappearance_kinds(), 0, 20)
        .await
        .map_err(|e| fail("recent events", e))?
        .into_iter()
        .map(Disappearance::from)
        .collect();
    let q = store
        .queue_stats(now)
        .await
        .map_err(|e| fail("queue stats", e))?;
    let blocked = store
        .blocked_hosts(now)
        .await
        .map_err(|e| fail("blocked hosts", e))?;
    let max = store
        .max_capture_id()
        .await
        .map_err(|e| fail("max capture", e))?;
    let recent = store
        .captures_after(
            (max - RATE_WINDOW_RECORDS as i64).max(0),
            RATE_WINDOW_RECORDS,
        )
        .await
        .map_err(|e| fail("recent captures", e))?;
    let requests = recent
        .iter()
        // One response or revisit per HTTP exchange (an unchanged re-observation by `annals
        // run` is a revisit without a request record).
        .filter(|(_, c)| {
            matches!(c.record_type.as_str(), "response" | "revisit") && c.unix_time >= now - 600
        })
        .count();
    let ledger = archive
        .ledger_status()
        .await
        .map_err(|e| fail("ledger status", e))?;
    Ok(Overview {
        lists,
        disappearances,
        health: Health {
            items: q.items,
            due: q.due,
            due_at_least: q.due_at_least,
            claimed: q.claimed,
            next_due: q.next_due,
            requests_per_min: requests as f64 / 10.0,
            blocked_hosts: blocked
                .into_iter()
                .map(|(host, until, strikes)| BlockedHostInfo {
                    host,
                    until,
                    strikes,
                })
                .collect(),
        },
        ledger: LedgerInfo {
            size: ledger.size,
            root: ledger.root,
            last_checkpoint_size: ledger.last_checkpoint_size,
        },
    })
}

fn summarise(counts: Vec<StateCount>) -> Vec<ListSummary> {
    let mut lists: Vec<ListSummary> = Vec::new();
    for c in counts {
        if lists.last().map(|l| l.list != c.list).unwrap_or(true) {
            lists.push(ListSummary {
                list: c.list.clone(),
                total: 0,
                states: BTreeMap::new(),
            });
        }
        if let Some(l) = lists.last_mut() {
            l.total += c.items;
            *l.states
                .entry(c.state.unwrap_or_else(|| "new".into()))
                .or_default() += c.items;
        }
    }
    lists
}

/// The watchlists' names (from the same bounded counts as the overview).
pub(crate) async fn overview_lists(state: &AppState) -> Result<Vec<String>, ApiError> {
    let obs = state.reading();
    let counts = obs
        .archive()
        .store()
        .state_counts()
        .await
        .map_err(|e| fail("state counts", e))?;
    let mut lists: Vec<String> = counts.into_iter().map(|c| c.list).collect();
    lists.dedup();
    Ok(lists)
}

async fn api_overview(State(state): State<AppState>) -> Result<Json<Overview>, ApiError> {
    Ok(Json(overview_data(&state).await?))
}

// ---------------------------------------------------------------- items

/// `?list=&after=&per_page=`: keyset pagination by item id.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemsQuery {
    pub list: Option<String>,
    /// Items with an id above this (the previous page's `next_after`).
    pub after: Option<i64>,
    pub per_page: Option<u64>,
}

/// A page of items.
#[derive(Debug, Clone, Serialize)]
pub struct ItemsPage {
    pub items: Vec<WatchInfo>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

pub(crate) async fn items_data(state: &AppState, q: &ItemsQuery) -> Result<ItemsPage, ApiError> {
    let per = q.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if per == 0 || per > MAX_PER_PAGE {
        return Err(ApiError::BadRequest(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    let obs = state.reading();
    let items = obs
        .archive()
        .store()
        .watch_page(
            q.list.as_deref().filter(|l| !l.is_empty()),
            q.after.unwrap_or(0),
            per + 1,
        )
        .await
        .map_err(|e| fail("watch page", e))?;
    let mut items = items;
    let next_after = if items.len() as u64 > per {
        items.truncate(per as usize);
        items.last().map(|i| i.item_id)
    } else {
        None
    };
    Ok(ItemsPage { items, next_after })
}

async fn api_items(
    State(state): State<AppState>,
    Query(q): Query<ItemsQuery>,
) -> Result<Json<ItemsPage>, ApiError> {
    Ok(Json(items_data(&state, &q).await?))
}

// ---------------------------------------------------------------- one item

/// One metric's series: (time, value) with non-numeric readings (`"1.2万+"`, hidden) left out.
#[derive(Debug, Clone, Serialize)]
pub struct MetricSeries {
    pub name: String,
    pub points: Vec<(i64, f64)>,
}

/// A capture of the item (the first record of an observation).
#[derive(Debug, Clone, Serialize)]
pub struct CaptureInfo {
    pub record_id: String,
    pub observed_at: i64,
    pub state: String,
    pub http_status: u16,
    pub url: Option<String>,
    pub record_type: Option<String>,
    pub mime: Option<String>,
}

/// A content version, with the diff from the previous one.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub content_hash: String,
    pub first_seen: i64,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<String>,
    pub body: Option<String>,
    /// Line diff of the text against the previous version (`op`: `=`, `-`, `+`); empty for
    /// the first version.
    pub diff: Vec<crate::view::DiffLine>,
}

/// Everything the item page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    pub item: WatchInfo,
    pub events: Vec<annals_store::EventRow>,
    pub metrics: Vec<MetricSeries>,
    pub versions: Vec<VersionInfo>,
    pub captures: Vec<CaptureInfo>,
    /// Whether a proof bundle can be made (a checkpoint has been signed).
    pub proof_available: bool,
}

/// Captures listed on an item page (newest).
const ITEM_CAPTURES: usize = 200;

pub(crate) async fn item_data(state: &AppState, id: i64) -> Result<ItemDetail, ApiError> {
    let obs = state.reading();
    let archive = obs.archive();
    let store = archive.store();
    let item = store
        .watch_find(&id.to_string())
        .await
        .map_err(|e| fail("watch find", e))?
        .filter(|i| i.item_id == id)
        .ok_or(ApiError::NotFound)?;
    let events = store
        .events(&annals_store::EventFilter {
            item_id: Some(id),
            ..Default::default()
        })
        .await
        .map_err(|e| fail("events", e))?
        .into_iter()
        .map(|e| e.event)
        .collect();
    let observations = store
        .observations(id)
        .await
        .map_err(|e| fail("observations", e))?;
    let mut series: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for o in &observations {
        let Some(m) = o.metrics.as_deref() else {
            continue;
        };
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(m)
        else {
            continue;
        };
        for (k, v) in map {
            let n = match &v {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::Object(o) => o
                    .get("value")
                    .or_else(|| o.get("exact"))
                    .and_then(|x| x.as_f64())
                    .or_else(|| {
                        o.get("approx")
                            .and_then(|a| a.get("lower"))
                            .and_then(|x| x.as_f64())
                    }),
                _ => None,
            };
            if let Some(n) = n.filter(|n| n.is_finite()) {
                series.entry(k).or_default().push((o.observed_at, n));
            }
        }
    }
    let metrics = series
        .into_iter()
        .map(|(name, points)| MetricSeries { name, points })
        .collect();
    let contents = store.contents(id).await.map_err(|e| fail("contents", e))?;
    let mut versions: Vec<VersionInfo> = Vec::with_capacity(contents.len());
    for c in contents {
        let diff = match versions.last() {
            Some(prev) => crate::view::diff(
                prev.body.as_deref().unwrap_or(""),
                c.body.as_deref().unwrap_or(""),
            ),
            None => Vec::new(),
        };
        versions.push(VersionInfo {
            content_hash: c.content_hash,
            first_seen: c.first_seen,
            title: c.title,
            author: c.author,
            published_at: c.published_at,
            body: c.body,
            diff,
        });
    }
    let mut captures = Vec::new();
    for o in observations.iter().rev().take(ITEM_CAPTURES) {
        let c = find_capture(store, &o.record_id)
            .await
            .map_err(|e| fail("capture", e))?;
        captures.push(CaptureInfo {
            record_id: o.record_id.clone(),
            observed_at: o.observed_at,
            state: o.state.clone(),
            http_status: o.http_status,
            url: c.as_ref().and_then(|c| c.url.clone()),
            record_type: c.as_ref().map(|c| c.record_type.clone()),
            mime: c.as_ref().and_then(|c| c.mime.clone()),
        });
    }
    let proof_available = archive
        .ledger_status()
        .await
        .map(|s| s.last_checkpoint_size.is_some())
        .unwrap_or(false);
    Ok(ItemDetail {
        item,
        events,
        metrics,
        versions,
        captures,
        proof_available,
    })
}

async fn api_item(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ItemDetail>, ApiError> {
    Ok(Json(item_data(&state, id).await?))
}

// ---------------------------------------------------------------- events

/// `?kind=&page=&per_page=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventsQuery {
    /// An event kind (`disappeared`, `appeared`, …); all kinds when absent.
    pub kind: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// A page of events, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct EventsPage {
    pub page: u64,
    pub per_page: u64,
    pub events: Vec<Disappearance>,
    pub has_more: bool,
}

async fn api_events(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    let (page, per) = PageQuery {
        page: q.page,
        per_page: q.per_page,
    }
    .resolve()?;
    let kinds: Vec<String> = q.kind.iter().filter(|k| !k.is_empty()).cloned().collect();
    let obs = state.reading();
    let mut rows = obs
        .archive()
        .store()
        .recent_events(&kinds, (page - 1) * per, per + 1)
        .await
        .map_err(|e| fail("events", e))?;
    let has_more = rows.len() as u64 > per;
    rows.truncate(per as usize);
    Ok(Json(EventsPage {
        page,
        per_page: per,
        events: rows.into_iter().map(Disappearance::from).collect(),
        has_more,
    }))
}

// ---------------------------------------------------------------- search and trends

/// `?q=&list=&state=&platform=&since=&until=&page=&per_page=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub list: Option<String>,
    pub state: Option<String>,
    pub platform: Option<String>,
    /// RFC 3339, a date or unix seconds.
    pub since: Option<String>,
    pub until: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Opens the search index (once) and brings it up to date with the store.
pub(crate) async fn search_index(
    state: &AppState,
) -> Result<std::sync::Arc<annals_search::SearchIndex>, ApiError> {
    let obs = state.reading();
    let mut slot = state.search.lock().await;
    let index = match slot.as_ref() {
        Some(i) => i.clone(),
        None => {
            let i = annals_search::upkeep::open_index(obs.archive().root())
                .map_err(|e| fail("open search index", e))?;
            let i = std::sync::Arc::new(i);
            *slot = Some(i.clone());
            i
        }
    };
    // Derived data: even a read-only server keeps it current (it writes only DATA/search/).
    annals_search::upkeep::catch_up(obs.archive().store(), &index, None)
        .await
        .map_err(|e| fail("search catch-up", e))?;
    index.reload().map_err(|e| fail("search reload", e))?;
    Ok(index)
}

pub(crate) async fn search_data(
    state: &AppState,
    q: &SearchQuery,
) -> Result<(annals_search::Results, u64, u64), ApiError> {
    let (page, per) = PageQuery {
        page: q.page,
        per_page: q.per_page.or(Some(20)),
    }
    .resolve()?;
    let time = |s: &Option<String>, name: &str| -> Result<Option<i64>, ApiError> {
        match non_empty(s) {
            None => Ok(None),
            Some(t) => annals_search::parse_time(&t)
                .map(Some)
                .map_err(|_| ApiError::BadRequest(format!("{name}: not a time: {t}"))),
        }
    };
    let query = annals_search::Query {
        text: q.q.clone().unwrap_or_default(),
        list: non_empty(&q.list),
        state: non_empty(&q.state),
        platform: non_empty(&q.platform),
        since: time(&q.since, "since")?,
        until: time(&q.until, "until")?,
        limit: per as usize,
        offset: ((page - 1) * per) as usize,
    };
    if query.text.len() > annals_search::MAX_QUERY_BYTES {
        return Err(ApiError::BadRequest("query too long".into()));
    }
    let index = search_index(state).await?;
    let results = tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(|e| fail("search task", e))?;
    match results {
        Ok(r) => Ok((r, page, per)),
        Err(annals_search::Error::Query { message, .. }) => Err(ApiError::BadRequest(message)),
        Err(annals_search::Error::Time(t)) => Err(ApiError::BadRequest(format!("not a time: {t}"))),
        Err(e) => Err(fail("search", e)),
    }
}

/// A page of search results.
#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub page: u64,
    pub per_page: u64,
    #[serde(flatten)]
    pub results: annals_search::Results,
}

async fn api_search(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchPage>, ApiError> {
    let (results, page, per_page) = search_data(&state, &q).await?;
    Ok(Json(SearchPage {
        page,
        per_page,
        results,
    }))
}

/// `?terms=a,b&utc_offset=28800`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TrendQuery {
    /// Terms separated by commas or new lines (at most 8).
    pub terms: Option<String>,
    /// Seconds east of UTC for day boundaries (default: Beijing, 28800).
    pub utc_offset: Option<i64>,
}

/// One term's items per local day.
#[derive(Debug, Clone, Serialize)]
pub struct TrendSeries {
    pub term: String,
    /// (day start in unix seconds, items).
    pub days: Vec<(i64, u64)>,
}

/// Trends.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub utc_offset: i64,
    pub series: Vec<TrendSeries>,
}

pub(crate) fn split_terms(s: &str) -> Vec<String> {
    s.split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .take(8)
        .map(str::to_string)
        .collect()
}

pub(crate) async fn trend_data(state: &AppState, q: &TrendQuery) -> Result<Trend, ApiError> {
    let offset = q.utc_offset.unwrap_or(8 * 3600);
    if !(-14 * 3600..=14 * 3600).contains(&offset) {
        return Err(ApiError::BadRequest(
            "utc_offset must be within ±14 hours".into(),
        ));
    }
    let terms = split_terms(q.terms.as_deref().unwrap_or(""));
    if terms.is_empty() {
        return Ok(Trend {
            utc_offset: offset,
            series: Vec::new(),
        });
    }
    let index = search_index(state).await?;
    let series = tokio::task::spawn_blocking(move || {
        terms
            .into_iter()
            .map(|t| {
                let days = index.daily_counts(&annals_search::Query::new(t.clone()), offset)?;
                Ok(TrendSeries { term: t, days })
            })
            .collect::<Result<Vec<_>, annals_search::Error>>()
    })
    .await
    .map_err(|e| fail("trend task", e))?;
    match series {
        Ok(series) => Ok(Trend {
            utc_offset: offset,
            series,
        }),
        Err(annals_search::Error::Query { message, .. }) => Err(ApiError::BadRequest(message)),
        Err(e) => Err(fail("trend", e)),
    }
}

async fn api_trend(
    State(state): State<AppState>,
    Query(q): Query<TrendQuery>,
) -> Result<Json<Trend>, ApiError> {
    Ok(Json(trend_data(&state, &q).await?))
}

// ---------------------------------------------------------------- deletions

/// `?list=&min_term_items=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeletionsQuery {
    /// Only items of this watchlist.
    pub list: Option<String>,
    /// Terms need this many items to be tested (default 50, as `annals report deletions`).
    pub min_term_items: Option<u64>,
}

/// The headline figures of a deletion report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeletionSummary {
    pub items: u64,
    pub gone: u64,
    /// Items skipped for inconsistent times.
    pub excluded: u64,
    /// Median survival, Kaplan–Meier on interval midpoints (hours).
    pub km_median_h: Option<f64>,
    /// Median survival by the Turnbull NPMLE: an interval (hours; no upper end: beyond).
    pub turnbull_median_low_h: Option<f64>,
    pub turnbull_median_high_h: Option<f64>,
    /// Median time to deletion of the gone, fastest and slowest case (hours).
    pub median_latency_lower_h: Option<f64>,
    pub median_latency_upper_h: Option<f64>,
    /// Median detection resolution (first seen gone − last seen live, hours).
    pub median_resolution_h: Option<f64>,
}

/// One step of the Kaplan–Meier curve.
#[derive(Debug, Clone, Serialize)]
pub struct SurvivalStep {
    /// Hours since publication (or first observation).
    pub time_h: f64,
    pub at_risk: u64,
    pub events: u64,
    pub censored: u64,
    pub survival_prob: f64,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

/// One bin of the latency histogram (log-spaced edges; the last bin is open-ended).
#[derive(Debug, Clone, Serialize)]
pub struct LatencyBinInfo {
    pub lower_s: f64,
    pub upper_s: Option<f64>,
    /// Deletions (an interval's unit mass is spread over the bins it overlaps).
    pub deletions: f64,
    /// Share of all deletions.
    pub share: Option<f64>,
}

/// One term's exact binomial test against the overall share gone.
#[derive(Debug, Clone, Serialize)]
pub struct TermInfo {
    pub rank: u64,
    pub term: String,
    pub items: u64,
    pub gone: u64,
    pub gone_share: f64,
    pub p_value: f64,
    /// Benjamini–Hochberg q-value.
    pub q_value: f64,
}

/// Deletions of one group (a reason or a platform).
#[derive(Debug, Clone, Serialize)]
pub struct GroupInfo {
    pub group: String,
    pub items: u64,
    pub gone: u64,
    pub gone_share: f64,
    pub km_median_h: Option<f64>,
}

/// The Deletions page's data: `annals report deletions`' own analyses.
#[derive(Debug, Clone, Serialize)]
pub struct Deletions {
    pub list: Option<String>,
    /// When this report was computed (RFC 3339); `None` on a report of no items.
    pub computed_at: Option<String>,
    /// The items changed since: a new report is being computed (reload to see it).
    pub refreshing: bool,
    /// How the survival curve treats an interval (last seen live, first seen gone].
    pub estimator: String,
    pub min_term_items: u64,
    pub summary: DeletionSummary,
    pub survival: Vec<SurvivalStep>,
    pub latency: Vec<LatencyBinInfo>,
    /// Share of all items gone (the binomial tests' p0).
    pub overall_share: Option<f64>,
    /// Most significant first.
    pub terms: Vec<TermInfo>,
    pub by_reason: Vec<GroupInfo>,
    pub by_platform: Vec<GroupInfo>,
}

impl Deletions {
    /// A report of nothing yet: shown while the first one is computed, and filled in by
    /// `compute_deletions`.
    pub(crate) fn pending(q: &DeletionsQuery) -> Self {
        Deletions {
            list: non_empty(&q.list),
            computed_at: None,
            refreshing: false,
            estimator: SURVIVAL_ESTIMATOR.into(),
            min_term_items: q.min_term_items.unwrap_or(50),
            summary: DeletionSummary::default(),
            survival: Vec::new(),
            latency: Vec::new(),
            overall_share: None,
            terms: Vec::new(),
            by_reason: Vec::new(),
            by_platform: Vec::new(),
        }
    }
}

/// The survival estimator the curve shows.
pub const SURVIVAL_ESTIMATOR: &str = "kaplan-meier-interval-midpoint";

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn groups(groups: &[annals_analysis::deletions::GroupRow]) -> Vec<GroupInfo> {
    groups
        .iter()
        .map(|g| GroupInfo {
            group: g.group.clone(),
            items: g.items,
            gone: g.gone,
            gone_share: if g.items > 0 {
                g.gone as f64 / g.items as f64
            } else {
                0.0
            },
            km_median_h: g.km_median_h.and_then(finite),
        })
        .collect()
}

/// Reports kept per (list, min_term_items), at most this many.
const DELETIONS_KEPT: usize = 16;

/// How long a request waits for a report being computed before it is answered "computing"
/// (the page then reloads itself): a small archive's report comes in time, a million items'
/// (about 10 s) does not, and no request waits longer than this.
pub(crate) const DELETIONS_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// A list's Deletions report as kept (see [`deletions_data`]).
#[derive(Default)]
pub(crate) struct DeletionsEntry {
    /// The inputs' version of `report`.
    version: u64,
    /// The newest computed report.
    report: Option<Deletions>,
    /// A computation under way: when it started, and a flag set when it ends.
    running: Option<(i64, tokio::sync::watch::Receiver<bool>)>,
    /// The last computation failed (already logged).
    failed: bool,
}

/// The kept Deletions reports (see [`deletions_data`]).
pub(crate) type DeletionsCache = std::sync::Mutex<HashMap<(Option<String>, u64), DeletionsEntry>>;

/// What a request for a Deletions report gets.
pub(crate) enum DeletionsAnswer {
    /// The newest report (`refreshing` when a newer one is being computed).
    Ready(Box<Deletions>),
    /// The first report is being computed, since this time (Unix seconds).
    Computing { started_at: i64 },
}

/// A cheap version of what the Deletions report reads: the items by list and state (a
/// trigger-kept table), which moves whenever an item is added, disappears or reappears.
async fn deletions_version(state: &AppState) -> Result<u64, ApiError> {
    use std::hash::{Hash, Hasher};
    let counts = state
        .reading()
        .archive()
        .store()
        .state_counts()
        .await
        .map_err(|e| fail("state counts", e))?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for c in &counts {
        (&c.list, &c.state, c.items).hash(&mut h);
    }
    Ok(h.finish())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The Deletions page's data. Computing it reads every item's life and segments every title
/// (about 10 s at 1,000,000 items), so it is computed in the background and kept: a request
/// whose inputs have not changed is answered from the kept report; one whose inputs changed
/// is answered from it too, marked `refreshing`, while one recomputation runs. Without a kept
/// report a request waits at most [`DELETIONS_WAIT`] for the computation, then is answered
/// [`DeletionsAnswer::Computing`].
pub(crate) async fn deletions_data(
    state: &AppState,
    q: &DeletionsQuery,
) -> Result<DeletionsAnswer, ApiError> {
    let min_term_items = q.min_term_items.unwrap_or(50);
    if min_term_items == 0 || min_term_items > 1_000_000_000 {
        return Err(ApiError::BadRequest(
            "min_term_items must be between 1 and 1000000000".into(),
        ));
    }
    let key = (non_empty(&q.list), min_term_items);
    let version = deletions_version(state).await?;
    let mut done = {
        let mut kept = state.deletions.lock().unwrap_or_else(|p| p.into_inner());
        if !kept.contains_key(&key) && kept.len() >= DELETIONS_KEPT {
            // Only idle entries go: a running computation still finds its own.
            kept.retain(|_, e| e.running.is_some());
        }
        let e = kept.entry(key.clone()).or_default();
        if let Some(r) = &e.report
            && e.version == version
        {
            return Ok(DeletionsAnswer::Ready(Box::new(r.clone())));
        }
        if e.failed && e.report.is_none() && e.running.is_none() {
            // Said once; the next request tries again.
            e.failed = false;
            return Err(ApiError::Internal);
        }
        if e.running.is_none() {
            let (tx, rx) = tokio::sync::watch::channel(false);
            e.running = Some((unix_now(), rx));
            let (state, q, key) = (state.clone(), q.clone(), key.clone());
            tokio::spawn(async move {
                let fresh = compute_deletions(&state, &q).await;
                {
                    let mut kept = state.deletions.lock().unwrap_or_else(|p| p.into_inner());
                    let e = kept.entry(key).or_default();
                    e.running = None;
                    match fresh {
                        Ok(report) => {
                            e.version = version;
                            e.report = Some(report);
                            e.failed = false;
                        }
                        Err(_) => e.failed = true,
                    }
                }
                let _ = tx.send(true);
            });
        }
        if let Some(r) = &e.report {
            let mut r = r.clone();
            r.refreshing = true;
            return Ok(DeletionsAnswer::Ready(Box::new(r)));
        }
        match &e.running {
            Some((_, rx)) => rx.clone(),
            None => return Err(ApiError::Internal),
        }
    };
    let _ = tokio::time::timeout(DELETIONS_WAIT, done.wait_for(|d| *d)).await;
    let mut kept = state.deletions.lock().unwrap_or_else(|p| p.into_inner());
    let e = kept.entry(key).or_default();
    if let Some(r) = &e.report {
        return Ok(DeletionsAnswer::Ready(Box::new(r.clone())));
    }
    match &e.running {
        Some((started_at, _)) => Ok(DeletionsAnswer::Computing {
            started_at: *started_at,
        }),
        None => {
            e.failed = false;
            Err(ApiError::Internal)
        }
    }
}

/// `annals report deletions`' own analyses, computed now.
async fn compute_deletions(state: &AppState, q: &DeletionsQuery) -> Result<Deletions, ApiError> {
    use annals_analysis::deletions::{Grouping, Options, report};
    let list = non_empty(&q.list);
    let min_term_items = q.min_term_items.unwrap_or(50);
    let mut out = Deletions::pending(q);
    let rows = {
        let obs = state.reading();
        match annals_understand::lives(obs.archive().store(), list.as_deref()).await {
            Ok(rows) => rows,
            Err(annals_understand::Error::NoItems { .. }) => return Ok(out),
            Err(e) => return Err(fail("item lives", e)),
        }
    };
    // The same gathering and analyses as `annals report deletions --by reason|platform|term`
    // (the per-term tests need the titles' terms; they do not depend on the grouping).
    let computed = tokio::task::spawn_blocking(move || {
        let by = |g: Grouping| Options {
            group_by: Some(g),
            min_term_items,
            ..Options::default()
        };
        let with_terms = annals_understand::deletion_lives(&rows, true)?;
        drop(rows);
        let main = report(&with_terms, &by(Grouping::Reason))?;
        let (platforms, _) = annals_analysis::deletions::group_summaries(
            &with_terms,
            Grouping::Platform,
            min_term_items,
        );
        Ok::<_, annals_understand::Error>((main, platforms))
    })
    .await
    .map_err(|e| fail("deletions task", e))?;
    let (main, platforms) = computed.map_err(|e| fail("deletions", e))?;
    let s = &main.summary;
    out.summary = DeletionSummary {
        items: s.items,
        gone: s.gone,
        excluded: s.excluded,
        km_median_h: s.km_median_h.and_then(finite),
        turnbull_median_low_h: s.turnbull_median_h.and_then(|(a, _)| finite(a)),
        turnbull_median_high_h: s.turnbull_median_h.and_then(|(_, b)| b.and_then(finite)),
        median_latency_lower_h: s.median_latency_lower_h.and_then(finite),
        median_latency_upper_h: s.median_latency_upper_h.and_then(finite),
        median_resolution_h: s.median_resolution_h.and_then(finite),
    };
    out.survival = main
        .km
        .steps
        .iter()
        .filter(|k| k.time.is_finite() && k.survival.is_finite())
        .map(|k| SurvivalStep {
            time_h: k.time,
            at_risk: k.at_risk,
            events: k.events,
            censored: k.censored,
            survival_prob: k.survival,
            ci95_low: k.lower.and_then(finite),
            ci95_high: k.upper.and_then(finite),
        })
        .collect();
    let total: f64 = main.latency.iter().map(|b| b.deletions).sum();
    out.latency = main
        .latency
        .iter()
        .map(|b| LatencyBinInfo {
            lower_s: b.lower_s,
            upper_s: b.upper_s.and_then(finite),
            deletions: b.deletions,
            share: (total > 0.0).then(|| b.deletions / total),
        })
        .collect();
    out.overall_share = finite(main.overall_share);
    out.terms = main
        .terms
        .iter()
        .enumerate()
        .map(|(i, t)| TermInfo {
            rank: i as u64 + 1,
            term: t.term.clone(),
            items: t.items,
            gone: t.gone,
            gone_share: if t.items > 0 {
                t.gone as f64 / t.items as f64
            } else {
                0.0
            },
            p_value: t.p_value,
            q_value: t.q_value,
        })
        .collect();
    out.by_reason = groups(&main.groups);
    out.by_platform = groups(&platforms);
    out.computed_at = Some(crate::view::when(unix_now(), "").iso);
    Ok(out)
}

async fn api_deletions(
    State(state): State<AppState>,
    Query(q): Query<DeletionsQuery>,
) -> Result<Response, ApiError> {
    Ok(match deletions_data(&state, &q).await? {
        DeletionsAnswer::Ready(d) => Json(*d).into_response(),
        DeletionsAnswer::Computing { started_at } => (
            StatusCode::ACCEPTED,
            [(axum::http::header::RETRY_AFTER, "2")],
            Json(serde_json::json!({
                "status": "computing",
                "started_at": crate::view::when(started_at, "").iso,
                "retry_after_s": 2,
            })),
        )
            .into_response(),
    })
}

// ---------------------------------------------------------------- watch management

/// Items to watch.
#[derive(Debug, Clone, Deserialize)]
pub struct WatchRequest {
    /// URLs or ids.
    pub urls: Vec<String>,
    /// Watchlist (default `default`).
    pub list: Option<String>,
    /// Policy (default: the list's).
    pub policy: Option<String>,
    /// Watch their children.
    #[serde(default)]
    pub seed: bool,
}

/// What happened to each input.
#[derive(Debug, Clone, Serialize)]
pub struct WatchOutcomeInfo {
    pub input: String,
    pub url: Option<String>,
    pub item_id: Option<i64>,
    pub added: bool,
    pub error: Option<String>,
}

/// The most inputs one request may add.
pub const MAX_WATCH_INPUTS: usize = 10_000;

pub(crate) async fn watch_add(
    state: &AppState,
    req: &WatchRequest,
) -> Result<Vec<WatchOutcomeInfo>, ApiError> {
    let urls: Vec<String> = req
        .urls
        .iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        return Err(ApiError::BadRequest("no URL given".into()));
    }
    if urls.len() > MAX_WATCH_INPUTS {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_WATCH_INPUTS} URLs per request"
        )));
    }
    let list = req
        .list
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or("default")
        .to_string();
    let policy = req
        .policy
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let desk = state.desk.as_ref().ok_or(ApiError::NotFound)?;
    let outcomes = match desk.watch(urls, list, policy, req.seed).await {
        Ok(o) => o,
        Err(annals_observer::ObserverError::Config(m)) => return Err(ApiError::BadRequest(m)),
        Err(e) => return Err(fail("watch", e)),
    };
    Ok(outcomes
        .into_iter()
        .map(|o| WatchOutcomeInfo {
            input: o.input,
            url: o.url,
            item_id: o.item_id,
            added: o.added,
            error: o.error,
        })
        .collect())
}

async fn api_watch(
    State(state): State<AppState>,
    Json(req): Json<WatchRequest>,
) -> Result<Json<Vec<WatchOutcomeInfo>>, ApiError> {
    Ok(Json(watch_add(&state, &req).await?))
}

/// Pause or resume.
#[derive(Debug, Clone, Deserialize)]
pub struct PauseRequest {
    pub paused: bool,
}

pub(crate) async fn set_paused(state: &AppState, id: i64, paused: bool) -> Result<(), ApiError> {
    let obs = state.reading();
    let store = obs.archive().store();
    store
        .watch_find(&id.to_string())
        .await
        .map_err(|e| fail("watch find", e))?
        .filter(|i| i.item_id == id)
        .ok_or(ApiError::NotFound)?;
    let desk = state.desk.as_ref().ok_or(ApiError::NotFound)?;
    desk.set_paused(vec![id], paused)
        .await
        .map_err(|e| fail("set paused", e))
}

/// A seed to watch: what `annals seed add KIND TARGET --list NAME [--policy P]` adds.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedRequest {
    /// `feed`, `weibo-user`, `bilibili-uploader` or `zhihu-question`.
    pub kind: String,
    /// A URL or an id.
    pub target: String,
    pub list: Option<String>,
    pub policy: Option<String>,
}

pub(crate) async fn seed_add(
    state: &AppState,
    req: &SeedRequest,
) -> Result<Vec<WatchOutcomeInfo>, ApiError> {
    let target = req.target.trim();
    if target.is_empty() {
        return Err(ApiError::BadRequest("no target given".into()));
    }
    let input = match annals_observer::seed_input(req.kind.trim(), target) {
        Ok(i) => i,
        Err(e) => return Err(ApiError::BadRequest(e.to_string())),
    };
    watch_add(
        state,
        &WatchRequest {
            urls: vec![input],
            list: req.list.clone(),
            policy: req.policy.clone(),
            seed: true,
        },
    )
    .await
}

async fn api_seed(
    State(state): State<AppState>,
    Json(req): Json<SeedRequest>,
) -> Result<Json<Vec<WatchOutcomeInfo>>, ApiError> {
    Ok(Json(seed_add(&state, &req).await?))
}

/// A list's new policy.
#[derive(Debug, Clone, Deserialize)]
pub struct PolicyRequest {
    /// `default`, `hot`, `daily`, or a list defined in annals.toml.
    pub policy: String,
}

/// What a policy change did.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyOutcome {
    pub list: String,
    pub policy: String,
    /// Items of the list now observed with it.
    pub items: u64,
}

/// The longest list name accepted.
const MAX_LIST_NAME: usize = 200;

pub(crate) async fn set_list_policy(
    state: &AppState,
    list: &str,
    policy: &str,
) -> Result<PolicyOutcome, ApiError> {
    let list = list.trim();
    let policy = policy.trim();
    if list.is_empty() || list.len() > MAX_LIST_NAME {
        return Err(ApiError::BadRequest(format!(
            "list: give a name of 1 to {MAX_LIST_NAME} bytes"
        )));
    }
    let known = state
        .reading()
        .archive()
        .store()
        .watch_list(Some(list), Some(1))
        .await
        .map_err(|e| fail("watch list", e))?;
    if known.is_empty() {
        return Err(ApiError::NotFound);
    }
    let desk = state.desk.as_ref().ok_or(ApiError::NotFound)?;
    match desk
        .set_list_policy(list.to_string(), policy.to_string())
        .await
    {
        Ok(items) => Ok(PolicyOutcome {
            list: list.to_string(),
            policy: policy.to_string(),
            items,
        }),
        Err(annals_observer::ObserverError::Config(m)) => Err(ApiError::BadRequest(m)),
        Err(e) => Err(fail("set list policy", e)),
    }
}

async fn api_policy(
    State(state): State<AppState>,
    Path(list): Path<String>,
    Json(req): Json<PolicyRequest>,
) -> Result<Json<PolicyOutcome>, ApiError> {
    Ok(Json(set_list_policy(&state, &list, &req.policy).await?))
}

async fn api_pause(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<PauseRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    set_paused(&state, id, req.paused).await?;
    Ok(Json(
        serde_json::json!({ "item_id": id, "paused": req.paused }),
    ))
}

// ---------------------------------------------------------------- routes

async fn openapi(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(crate::openapi::document(state.public))
}

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let mut r = Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/overview", get(api_overview))
        .route("/api/v1/items", get(api_items))
        .route("/api/v1/items/{id}", get(api_item))
        .route("/api/v1/events", get(api_events))
        .route("/api/v1/search", get(api_search))
        .route("/api/v1/trend", get(api_trend))
        .route("/api/v1/deletions", get(api_deletions));
    if !state.public {
        r = r
            .route("/api/v1/watch", post(api_watch))
            .route("/api/v1/items/{id}/paused", post(api_pause))
            .route("/api/v1/seeds", post(api_seed))
            .route("/api/v1/lists/{list}/policy", post(api_policy));
    }
    r
}

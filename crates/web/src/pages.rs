//! Server-rendered pages (askama: every value is HTML-escaped; nothing archived is marked safe).

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

use crate::api::{self, ApiError};
use crate::i18n::{Lang, Msg};
use crate::view::{self, When, when};
use crate::{AppState, Archived, CsrfToken, html_response};

/// What every page's layout needs.
pub(crate) struct PageCtx {
    pub lang: Lang,
    pub t: &'static Msg,
    pub csrf: String,
    pub public: bool,
    /// The logged-in user (when the server asks for logins).
    pub user: Option<String>,
}

fn ctx(state: &AppState, uri: &Uri, headers: &HeaderMap, csrf: Option<&CsrfToken>) -> PageCtx {
    let q = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "lang")
            .map(|(_, v)| v.to_string())
    });
    let lang = Lang::negotiate(q.as_deref(), headers);
    PageCtx {
        lang,
        t: lang.msg(),
        csrf: csrf.map(|c| c.0.clone()).unwrap_or_default(),
        public: state.public,
        user: csrf.and_then(|c| c.1.clone()),
    }
}

/// A rendered page; sets the `lang` cookie when the language was chosen with `?lang=`.
fn render(t: &impl Template, page: &PageCtx, uri: &Uri) -> Response {
    match t.render() {
        Ok(body) => {
            let mut res = html_response(body);
            if uri.query().is_some_and(|q| q.contains("lang="))
                && let Ok(v) = format!(
                    "lang={}; Path=/; Max-Age=31536000; SameSite=Strict",
                    page.lang.code()
                )
                .parse()
            {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            crate::internal("render", e);
            error_page(
                page.lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                page.t.server_error,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: PageCtx,
    status: u16,
    message: &'a str,
}

/// An error page with a generic message (never a path or an error's own text).
pub(crate) fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let page = PageCtx {
        lang,
        t: lang.msg(),
        csrf: String::new(),
        public: false,
        user: None,
    };
    let body = ErrorPage {
        page,
        status: status.as_u16(),
        message,
    }
    .render()
    .unwrap_or_else(|_| "error".to_string());
    (status, html_response(body)).into_response()
}

fn page_error(page: &PageCtx, e: ApiError) -> Response {
    match e {
        ApiError::NotFound => error_page(page.lang, StatusCode::NOT_FOUND, page.t.not_found),
        ApiError::BadRequest(m) => error_page(
            page.lang,
            StatusCode::BAD_REQUEST,
            &format!("{}: {m}", page.t.bad_request),
        ),
        ApiError::Internal => error_page(
            page.lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            page.t.server_error,
        ),
    }
}

// ---------------------------------------------------------------- overview

struct GoneRow {
    item_id: i64,
    url: String,
    platform: String,
    last_seen_live: Option<When>,
    first_seen_gone: Option<When>,
    reason: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    page: PageCtx,
    data: api::Overview,
    gone: Vec<GoneRow>,
    blocked: Vec<(String, When)>,
}

async fn overview(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let data = match api::overview_data(&state).await {
        Ok(d) => d,
        Err(e) => return page_error(&page, e),
    };
    let gone = data
        .disappearances
        .iter()
        .map(|d| GoneRow {
            item_id: d.item_id,
            url: d.url.clone(),
            platform: d.platform.clone(),
            last_seen_live: d.last_seen_live.map(|t| when(t, &d.platform)),
            first_seen_gone: d.first_seen_gone.map(|t| when(t, &d.platform)),
            reason: d.state.clone().unwrap_or_default(),
        })
        .collect();
    let blocked = data
        .health
        .blocked_hosts
        .iter()
        .map(|h| (h.host.clone(), when(h.until, "")))
        .collect();
    let t = OverviewPage {
        page,
        data,
        gone,
        blocked,
    };
    render(&t, &t.page, &uri)
}

// ---------------------------------------------------------------- items

struct ItemRow {
    id: i64,
    url: String,
    platform: String,
    list: String,
    state: String,
    paused: bool,
    observations: i64,
    last_seen_live: Option<When>,
}

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsPage {
    page: PageCtx,
    list: String,
    rows: Vec<ItemRow>,
    next_after: Option<i64>,
}

async fn items(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Query(q): Query<api::ItemsQuery>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let data = match api::items_data(&state, &q).await {
        Ok(d) => d,
        Err(e) => return page_error(&page, e),
    };
    let rows = data
        .items
        .into_iter()
        .map(|i| ItemRow {
            id: i.item_id,
            state: i.state.unwrap_or_else(|| page.t.new_state.to_string()),
            last_seen_live: i.last_seen_live.map(|t| when(t, &i.platform)),
            url: i.url,
            platform: i.platform,
            list: i.list,
            paused: i.paused,
            observations: i.observations,
        })
        .collect();
    let t = ItemsPage {
        list: q.list.unwrap_or_default(),
        rows,
        next_after: data.next_after,
        page,
    };
    render(&t, &t.page, &uri)
}

// ---------------------------------------------------------------- item

type EventLine = (String, When, String, Option<When>, Option<When>);

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    page: PageCtx,
    d: api::ItemDetail,
    title: String,
    state: String,
    added: When,
    last_live: Option<When>,
    events: Vec<EventLine>,
    versions: Vec<(api::VersionInfo, When)>,
    captures: Vec<(api::CaptureInfo, When, String)>,
}

/// A capture's key in URLs: the record id in hex (record ids hold `:` and `<>`).
pub(crate) fn capture_key(record_id: &str) -> String {
    record_id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn record_id_of(key: &str) -> Option<String> {
    if !key.len().is_multiple_of(2) || key.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..key.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(key.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

async fn item(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Path(id): Path<String>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let Ok(id) = id.parse::<i64>() else {
        return page_error(&page, ApiError::NotFound);
    };
    let mut d = match api::item_data(&state, id).await {
        Ok(d) => d,
        Err(e) => return page_error(&page, e),
    };
    let p = d.item.platform.clone();
    let title = d
        .versions
        .iter()
        .rev()
        .find_map(|v| v.title.clone())
        .unwrap_or_else(|| d.item.url.clone());
    let events = d
        .events
        .iter()
        .map(|e| {
            (
                e.kind.clone(),
                when(e.at, &p),
                e.state.clone().unwrap_or_default(),
                e.last_seen_live.map(|t| when(t, &p)),
                e.first_seen_gone.map(|t| when(t, &p)),
            )
        })
        .collect();
    let versions = std::mem::take(&mut d.versions)
        .into_iter()
        .map(|v| {
            let w = when(v.first_seen, &p);
            (v, w)
        })
        .collect();
    let captures = std::mem::take(&mut d.captures)
        .into_iter()
        .map(|c| {
            let w = when(c.observed_at, &p);
            let k = capture_key(&c.record_id);
            (c, w, k)
        })
        .collect();
    let t = ItemPage {
        title,
        state: d
            .item
            .state
            .clone()
            .unwrap_or_else(|| page.t.new_state.to_string()),
        added: when(d.item.added_at, &p),
        last_live: d.item.last_seen_live.map(|t| when(t, &p)),
        events,
        versions,
        captures,
        d,
        page,
    };
    render(&t, &t.page, &uri)
}

async fn item_warc(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    let obs = state.reading();
    let archive = obs.archive();
    let store = archive.store();
    let result: Result<Vec<u8>, String> = async {
        if store
            .watch_find(&id.to_string())
            .await
            .map_err(|e| e.to_string())?
            .filter(|i| i.item_id == id)
            .is_none()
        {
            return Err(String::new());
        }
        let observations = store.observations(id).await.map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for o in observations {
            let Some(c) = api::find_capture(store, &o.record_id)
                .await
                .map_err(|e| e.to_string())?
            else {
                continue;
            };
            // A revisit's original comes first, once.
            if let Some(r) = &c.refers_to
                && let Some(orig) = store
                    .capture_by_record_id(r)
                    .await
                    .map_err(|e| e.to_string())?
                && seen.insert(orig.record_id.clone())
            {
                out.extend(archive.read_member(&orig).map_err(|e| e.to_string())?);
            }
            if seen.insert(c.record_id.clone()) {
                out.extend(archive.read_member(&c).map_err(|e| e.to_string())?);
            }
        }
        Ok(out)
    }
    .await;
    match result {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/warc+gzip".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"annals-item-{id}.warc.gz\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) if e.is_empty() => api::ApiError::NotFound.into_response(),
        Err(e) => api::fail("item warc", e).into_response(),
    }
}

/// A WACZ of one item's captures, made by the archive's own exporter (the selection of
/// `annals export wacz --list`, for one item) into a temporary file and streamed from it.
async fn item_wacz(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let path = std::env::temp_dir().join(format!(
        "annals-web-{}-{id}-{nanos}.wacz",
        std::process::id()
    ));
    // Pages read the archive and cannot sign: the observer signs a checkpoint first, so that
    // the package proves everything archived until now. A published archive (`--public`) is
    // never written by a GET: its latest checkpoint is used as it is.
    if let Some(desk) = &state.desk
        && let Err(e) = desk.checkpoint().await
    {
        tracing::warn!("item WACZ: no new checkpoint ({e}); the latest one is used");
    }
    let result = {
        let obs = state.reading();
        let mut opts = annals_archive::WaczExportOptions::default();
        opts.item = Some(id);
        opts.keep_checkpoint = true;
        opts.title = Some(format!("annals item {id}"));
        obs.archive().export_wacz(&path, opts).await
    };
    if let Err(e) = result {
        let _ = std::fs::remove_file(&path);
        return match e {
            annals_archive::ArchiveError::NotFound(_) => ApiError::NotFound.into_response(),
            e => api::fail("item wacz", e).into_response(),
        };
    }
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return api::fail("item wacz open", e).into_response();
        }
    };
    let len = file.metadata().await.map(|m| m.len()).ok();
    // The open file stays readable after its name is gone: nothing is left behind.
    let _ = std::fs::remove_file(&path);
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(axum::body::Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    let mut res = (
        [
            (header::CONTENT_TYPE, "application/wacz".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"annals-item-{id}.wacz\""),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response();
    if let Some(len) = len
        && let Ok(v) = len.to_string().parse()
    {
        res.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    res
}

async fn item_proof(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    let obs = state.reading();
    let archive = obs.archive();
    let store = archive.store();
    let observations = match store.observations(id).await {
        Ok(o) => o,
        Err(e) => return api::fail("observations", e).into_response(),
    };
    let Some(last) = observations.last() else {
        return api::ApiError::NotFound.into_response();
    };
    let capture = match api::find_capture(store, &last.record_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return api::ApiError::NotFound.into_response(),
        Err(e) => return api::fail("capture", e).into_response(),
    };
    let Some(url) = capture.url.clone() else {
        return api::ApiError::NotFound.into_response();
    };
    match archive.prove(&url, Some(capture.unix_time)).await {
        Ok(bundle) => (
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"annals-item-{id}-proof.json\""),
            )],
            axum::Json(bundle),
        )
            .into_response(),
        Err(e) => api::fail("prove", e).into_response(),
    }
}

// ---------------------------------------------------------------- captured pages

#[derive(Template)]
#[template(path = "capture.html")]
struct CapturePage {
    page: PageCtx,
    key: String,
    url: String,
    record_id: String,
    at: When,
    headers: String,
}

async fn load_capture(state: &AppState, key: &str) -> Result<annals_archive::Payload, ApiError> {
    let rid = record_id_of(key).ok_or(ApiError::NotFound)?;
    let obs = state.reading();
    let archive = obs.archive();
    let c = api::find_capture(archive.store(), &rid)
        .await
        .map_err(|e| api::fail("capture", e))?
        .ok_or(ApiError::NotFound)?;
    archive.payload(c).await.map_err(|e| match e {
        annals_archive::ArchiveError::NotFound(_) => ApiError::NotFound,
        e => api::fail("payload", e),
    })
}

async fn capture_page(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Path(key): Path<String>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let p = match load_capture(&state, &key).await {
        Ok(p) => p,
        Err(e) => return page_error(&page, e),
    };
    let t = CapturePage {
        key,
        url: p.capture.url.clone().unwrap_or_default(),
        record_id: p.capture.record_id.clone(),
        at: when(p.capture.unix_time, ""),
        headers: p
            .headers
            .as_deref()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .unwrap_or_default(),
        page,
    };
    render(&t, &t.page, &uri)
}

#[derive(Debug, Deserialize)]
struct RawQuery {
    download: Option<String>,
}

/// The archived payload itself, under `Content-Security-Policy: sandbox` (set by the security
/// layer for responses marked [`Archived`]): scripts never run, and the document has an opaque
/// origin, so it cannot read the UI's cookies or call the API.
async fn capture_raw(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<RawQuery>,
) -> Response {
    let p = match load_capture(&state, &key).await {
        Ok(p) => p,
        Err(e) => {
            let mut r = e.into_response();
            r.extensions_mut().insert(Archived);
            return r;
        }
    };
    let mut res = if q.download.is_some() {
        let mut body = p.headers.clone().unwrap_or_default();
        body.extend_from_slice(&p.body);
        (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"response.http\"".to_string(),
                ),
            ],
            body,
        )
            .into_response()
    } else {
        // Only inert types are served as themselves; anything else is shown as text.
        let mime = p
            .capture
            .mime
            .as_deref()
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let ct = match mime.as_str() {
            "text/html" | "application/xhtml+xml" => "text/html; charset=utf-8",
            "image/png" => "image/png",
            "image/jpeg" => "image/jpeg",
            "image/gif" => "image/gif",
            "image/webp" => "image/webp",
            _ => "text/plain; charset=utf-8",
        };
        ([(header::CONTENT_TYPE, ct)], p.body).into_response()
    };
    res.extensions_mut().insert(Archived);
    res
}

// ---------------------------------------------------------------- search and trends

struct HitRow {
    item_id: i64,
    url: String,
    platform: String,
    title: Vec<(String, bool)>,
    snippet: Vec<(String, bool)>,
    state: String,
    gone_since: Option<When>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: PageCtx,
    q: String,
    list: String,
    state: String,
    platform: String,
    since: String,
    until: String,
    states: Vec<String>,
    platforms: Vec<String>,
    searched: bool,
    error: Option<String>,
    total: usize,
    first: usize,
    hits: Vec<HitRow>,
    page_no: u64,
    prev_link: Option<String>,
    next_link: Option<String>,
}

fn search_link(q: &api::SearchQuery, page: u64) -> String {
    let enc = |s: &Option<String>| {
        s.as_deref()
            .unwrap_or("")
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    format!(
        "/search?q={}&list={}&state={}&platform={}&since={}&until={}&page={page}",
        enc(&q.q),
        enc(&q.list),
        enc(&q.state),
        enc(&q.platform),
        enc(&q.since),
        enc(&q.until)
    )
}

async fn search(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Query(q): Query<api::SearchQuery>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let searched = q.q.is_some();
    let mut t = SearchPage {
        q: q.q.clone().unwrap_or_default(),
        list: q.list.clone().unwrap_or_default(),
        state: q.state.clone().unwrap_or_default(),
        platform: q.platform.clone().unwrap_or_default(),
        since: q.since.clone().unwrap_or_default(),
        until: q.until.clone().unwrap_or_default(),
        states: ["live", "gone", "disappeared", "restricted"]
            .map(String::from)
            .to_vec(),
        platforms: ["bilibili", "zhihu", "weibo", "web", "feed"]
            .map(String::from)
            .to_vec(),
        searched,
        error: None,
        total: 0,
        first: 1,
        hits: Vec::new(),
        page_no: 1,
        prev_link: None,
        next_link: None,
        page,
    };
    if searched {
        match api::search_data(&state, &q).await {
            Ok((r, page_no, per)) => {
                t.total = r.total;
                t.first = r.offset + 1;
                t.page_no = page_no;
                if page_no > 1 {
                    t.prev_link = Some(search_link(&q, page_no - 1));
                }
                if r.offset + r.hits.len() < r.total && page_no < api::MAX_PAGE {
                    t.next_link = Some(search_link(&q, page_no + 1));
                }
                let _ = per;
                t.hits = r
                    .hits
                    .into_iter()
                    .map(|h| HitRow {
                        item_id: h.item_id,
                        title: view::marked_segments(&h.title_html),
                        snippet: view::marked_segments(&h.snippet_html),
                        state: h
                            .state
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "–".to_string()),
                        gone_since: h.gone_since.map(|g| when(g, &h.platform)),
                        url: h.url,
                        platform: h.platform,
                    })
                    .collect();
            }
            Err(ApiError::BadRequest(m)) => t.error = Some(m),
            Err(e) => return page_error(&t.page, e),
        }
    }
    render(&t, &t.page, &uri)
}

#[derive(Template)]
#[template(path = "trends.html")]
struct TrendsPage {
    page: PageCtx,
    terms: String,
}

async fn trends(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Query(q): Query<api::TrendQuery>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let t = TrendsPage {
        terms: api::split_terms(q.terms.as_deref().unwrap_or("")).join(","),
        page,
    };
    render(&t, &t.page, &uri)
}

// ---------------------------------------------------------------- deletions

/// A duration in hours as people read it (minutes, hours or days), in the page's language.
fn duration(h: Option<f64>, lang: Lang) -> String {
    let (min, hr, day) = match lang {
        Lang::En => ("min", "h", "days"),
        Lang::Zh => ("分钟", "小时", "天"),
    };
    match h {
        None => "–".into(),
        Some(h) if h < 1.0 => format!("{:.0} {min}", h * 60.0),
        Some(h) if h < 48.0 => format!("{h:.1} {hr}"),
        Some(h) => format!("{:.1} {day}", h / 24.0),
    }
}

fn percent(share: f64) -> String {
    format!("{:.1} %", 100.0 * share)
}

#[derive(Template)]
#[template(path = "deletions.html")]
struct DeletionsPage {
    page: PageCtx,
    list: String,
    api: String,
    gone_pct: String,
    km_median: String,
    turnbull_median: String,
    latency_median: String,
    resolution: String,
    /// (row, share gone, p, q)
    terms: Vec<(api::TermInfo, String, String, String)>,
    /// (row, share gone, median survival)
    reasons: Vec<(api::GroupInfo, String, String)>,
    platforms: Vec<(api::GroupInfo, String, String)>,
    d: api::Deletions,
    /// When the report was computed.
    computed_at: Option<When>,
    /// The first report is being computed, since then (the page reloads itself).
    computing: Option<When>,
}

async fn deletions(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Query(q): Query<api::DeletionsQuery>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let (d, computing) = match api::deletions_data(&state, &q).await {
        Ok(api::DeletionsAnswer::Ready(d)) => (*d, None),
        Ok(api::DeletionsAnswer::Computing { started_at }) => {
            let d = api::Deletions::pending(&q);
            (d, Some(when(started_at, "")))
        }
        Err(e) => return page_error(&page, e),
    };
    let computed_at = d
        .computed_at
        .as_deref()
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| when(t.unix_timestamp(), ""));
    let lang = page.lang;
    let s = &d.summary;
    let api = {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        if let Some(l) = &d.list {
            ser.append_pair("list", l);
        }
        ser.append_pair("min_term_items", &d.min_term_items.to_string());
        format!("/api/v1/deletions?{}", ser.finish())
    };
    let groups = |g: &[api::GroupInfo]| {
        g.iter()
            .map(|g| {
                (
                    g.clone(),
                    percent(g.gone_share),
                    duration(g.km_median_h, lang),
                )
            })
            .collect::<Vec<_>>()
    };
    let t = DeletionsPage {
        list: d.list.clone().unwrap_or_default(),
        api,
        gone_pct: format!("{:.1}", 100.0 * s.gone as f64 / s.items.max(1) as f64),
        km_median: duration(s.km_median_h, lang),
        turnbull_median: match (s.turnbull_median_low_h, s.turnbull_median_high_h) {
            (Some(a), Some(b)) => {
                format!("{} – {}", duration(Some(a), lang), duration(Some(b), lang))
            }
            (Some(a), None) => format!("> {}", duration(Some(a), lang)),
            _ => "–".into(),
        },
        latency_median: format!(
            "{} – {}",
            duration(s.median_latency_lower_h, lang),
            duration(s.median_latency_upper_h, lang)
        ),
        resolution: duration(s.median_resolution_h, lang),
        terms: d
            .terms
            .iter()
            .map(|t| {
                (
                    t.clone(),
                    percent(t.gone_share),
                    format!("{:.2e}", t.p_value),
                    format!("{:.2e}", t.q_value),
                )
            })
            .collect(),
        reasons: groups(&d.by_reason),
        platforms: groups(&d.by_platform),
        d,
        computed_at,
        computing,
        page,
    };
    let mut res = render(&t, &t.page, &uri);
    if t.computing.is_some() && res.status() == StatusCode::OK {
        *res.status_mut() = StatusCode::ACCEPTED;
    }
    res
}

// ---------------------------------------------------------------- watch

#[derive(Template)]
#[template(path = "watch.html")]
struct WatchPage {
    page: PageCtx,
    outcomes: Vec<api::WatchOutcomeInfo>,
    policy: Option<api::PolicyOutcome>,
    error: Option<String>,
    /// Watchlists, for the policy form.
    lists: Vec<String>,
}

async fn watch_page(
    state: &AppState,
    page: PageCtx,
    uri: &Uri,
    outcomes: Vec<api::WatchOutcomeInfo>,
    policy: Option<api::PolicyOutcome>,
    error: Option<String>,
) -> Response {
    let lists = match api::overview_lists(state).await {
        Ok(l) => l,
        Err(e) => return page_error(&page, e),
    };
    let t = WatchPage {
        page,
        outcomes,
        policy,
        error,
        lists,
    };
    render(&t, &t.page, uri)
}

async fn watch_form(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    watch_page(&state, page, &uri, Vec::new(), None, None).await
}

#[derive(Debug, Deserialize)]
struct WatchForm {
    urls: String,
    list: Option<String>,
    policy: Option<String>,
    seed: Option<String>,
}

/// A form's failure: a bad request is shown on the page, anything else as an error page.
async fn watch_failed(state: &AppState, page: PageCtx, uri: &Uri, e: ApiError) -> Response {
    match e {
        ApiError::BadRequest(m) => {
            let mut r = watch_page(state, page, uri, Vec::new(), None, Some(m)).await;
            if r.status() == StatusCode::OK {
                *r.status_mut() = StatusCode::BAD_REQUEST;
            }
            r
        }
        e => page_error(&page, e),
    }
}

async fn watch_post(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Form(f): Form<WatchForm>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let req = api::WatchRequest {
        urls: f.urls.lines().map(str::to_string).collect(),
        list: f.list,
        policy: f.policy,
        seed: f.seed.is_some(),
    };
    match api::watch_add(&state, &req).await {
        Ok(outcomes) => watch_page(&state, page, &uri, outcomes, None, None).await,
        Err(e) => watch_failed(&state, page, &uri, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct SeedForm {
    kind: String,
    target: String,
    list: Option<String>,
    policy: Option<String>,
}

async fn seed_post(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Form(f): Form<SeedForm>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    let req = api::SeedRequest {
        kind: f.kind,
        target: f.target,
        list: f.list,
        policy: f.policy,
    };
    match api::seed_add(&state, &req).await {
        Ok(outcomes) => watch_page(&state, page, &uri, outcomes, None, None).await,
        Err(e) => watch_failed(&state, page, &uri, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct PolicyForm {
    list: String,
    policy: String,
}

async fn policy_post(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    csrf: Option<Extension<CsrfToken>>,
    Form(f): Form<PolicyForm>,
) -> Response {
    let page = ctx(&state, &uri, &headers, csrf.as_deref());
    match api::set_list_policy(&state, &f.list, &f.policy).await {
        Ok(o) => watch_page(&state, page, &uri, Vec::new(), Some(o), None).await,
        Err(e) => watch_failed(&state, page, &uri, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct PauseForm {
    paused: String,
}

async fn pause_post(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<PauseForm>,
) -> Response {
    let page = ctx(&state, &uri, &headers, None);
    match api::set_paused(&state, id, f.paused == "true").await {
        Ok(()) => Redirect::to(&format!("/items/{id}")).into_response(),
        Err(e) => page_error(&page, e),
    }
}

pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let mut r = Router::new()
        .route("/", get(overview))
        .route("/items", get(items))
        .route("/items/{id}", get(item))
        .route("/items/{id}/records.warc.gz", get(item_warc))
        .route("/items/{id}/proof.json", get(item_proof))
        .route("/capture/{key}", get(capture_page))
        .route("/capture/{key}/raw", get(capture_raw))
        .route("/search", get(search))
        .route("/trends", get(trends))
        .route("/deletions", get(deletions))
        .route("/items/{id}/wacz", get(item_wacz));
    if !state.public {
        r = r
            .route("/watch", get(watch_form).post(watch_post))
            .route("/watch/seed", post(seed_post))
            .route("/watch/policy", post(policy_post))
            .route("/items/{id}/paused", post(pause_post));
    }
    r
}

//! annals' web UI and JSON API: server-rendered pages (askama, escaped by default), a little
//! vanilla JS and the vendored uPlot for charts (embedded: works offline), and `/api/v1` with an
//! OpenAPI document at `/api/v1/openapi.json`.
//!
//! # Brief overview
//! [`app`] builds the whole router over an [`AppState`] (an [`Observer`] over an open archive, or
//! a read-only one with [`AppState::public`]). Every response carries security headers (a strict
//! `Content-Security-Policy` for UI pages; the captured-page path adds `sandbox` and may only be
//! framed by the UI itself). Archived content is hostile: it is never inlined into a UI page, and
//! every archived string shown is escaped by the templates.
//!
//! Authentication lives in `annals-web-auth`; [`app_with`] mounts it (sessions, CSRF, logins) and
//! hands each page its session's CSRF token as a [`CsrfToken`] request extension.

#![recursion_limit = "512"]

use std::sync::Arc;

use annals_archive::Archive;
use annals_observer::{Clock, Observer, WatchDesk};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

pub mod api;
mod assets;
pub mod i18n;
pub mod openapi;
mod pages;
pub mod view;

pub use i18n::Lang;

/// The default address: loopback only.
pub const DEFAULT_BIND: &str = "127.0.0.1:8470";

/// The CSRF token of a request, inserted as an extension by the authentication layer
/// (`annals-web-auth`); pages put it in a `<meta name="csrf-token">` and in every form.
#[derive(Debug, Clone, Default)]
/// The second field is the logged-in user, if any (shown with a logout form).
pub struct CsrfToken(pub String, pub Option<String>);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Pages read through their own index connections: they never wait on the observer.
    pub(crate) reading: Arc<Reading>,
    /// Watch actions go to the task that owns the archive (absent when read-only).
    pub(crate) desk: Option<WatchDesk>,
    pub(crate) public: bool,
    pub(crate) search: Arc<tokio::sync::Mutex<Option<Arc<annals_search::SearchIndex>>>>,
    /// The kept Deletions reports.
    pub(crate) deletions: Arc<api::DeletionsCache>,
}

/// The archive as the pages read it, and the observer's clock.
pub(crate) struct Reading {
    archive: Archive,
    clock: Arc<dyn Clock>,
}

impl Reading {
    pub(crate) fn archive(&self) -> &Archive {
        &self.archive
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}

impl AppState {
    /// Serves `observer`'s archive with watch management (add, pause, resume): the observer
    /// moves to a task of its own that answers the watch actions, and pages read through
    /// [`Archive::reader`]. Call it inside a tokio runtime.
    pub fn new(observer: Observer) -> AppState {
        let reading = Reading {
            archive: observer.archive().reader(),
            clock: observer.clock().clone(),
        };
        let (desk, queue) = WatchDesk::new();
        let mut observer = observer;
        tokio::spawn(async move { observer.attend(queue).await });
        AppState::with_parts(reading, Some(desk), false)
    }

    /// Serves `observer`'s archive read-only: no watch management, no configuration shown, no
    /// POST route at all.
    pub fn public(observer: Observer) -> AppState {
        let clock = observer.clock().clone();
        let archive = observer.into_archive();
        AppState::with_parts(Reading { archive, clock }, None, true)
    }

    /// Serves the archive of a running observer (`annals run --bind`): pages read through
    /// `reader` (its [`Archive::reader`]), watch actions go to `desk`, which the observer
    /// answers as it runs ([`Observer::run_with`]). With `public`, read-only.
    pub fn beside(
        reader: Archive,
        clock: Arc<dyn Clock>,
        desk: WatchDesk,
        public: bool,
    ) -> AppState {
        let reading = Reading {
            archive: reader,
            clock,
        };
        AppState::with_parts(reading, (!public).then_some(desk), public)
    }

    fn with_parts(reading: Reading, desk: Option<WatchDesk>, public: bool) -> AppState {
        AppState {
            reading: Arc::new(reading),
            desk,
            public,
            search: Arc::new(tokio::sync::Mutex::new(None)),
            deletions: Arc::default(),
        }
    }

    /// What the pages read.
    pub(crate) fn reading(&self) -> &Reading {
        &self.reading
    }

    /// Whether the server is read-only.
    pub fn is_public(&self) -> bool {
        self.public
    }
}

/// The whole application without authentication: UI pages, captured-page views, assets and
/// `/api/v1`. Only for loopback without accounts and for tests; `annals serve` uses [`app_with`].
pub fn app(state: AppState) -> Router {
    app_with(state, None)
}

/// The whole application behind `annals-web-auth`: every visitor gets a session whose CSRF token
/// guards every form and mutating API call, logins are asked for when the mode requires them, and
/// the security headers cover the login page, redirects and 401s too.
pub fn app_with(state: AppState, auth: Option<Arc<annals_web_auth::Auth>>) -> Router {
    // The search index is opened (and brought up to date) in the background now rather than by
    // the first search, which would wait for it (0.2–0.4 s on a large archive). A failure here
    // is the first search's to report.
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let warm = state.clone();
        rt.spawn(async move {
            let _ = api::search_index(&warm).await;
        });
    }
    let router = pages::routes(&state)
        .merge(api::routes(&state))
        .merge(assets::routes())
        .fallback(not_found)
        .with_state(state);
    let router = match auth {
        Some(auth) => auth.protect(router.layer(middleware::from_fn(session_to_page))),
        None => router,
    };
    router.layer(middleware::from_fn(security_headers))
}

/// Hands the session's CSRF token and user to the pages (as [`CsrfToken`]).
async fn session_to_page(mut req: Request, next: Next) -> Response {
    if let Some(s) = req.extensions().get::<annals_web_auth::Session>().cloned() {
        req.extensions_mut().insert(CsrfToken(s.csrf, s.user));
    }
    next.run(req).await
}

async fn not_found(req: Request) -> Response {
    let lang = view::lang_of(&req);
    if req.uri().path().starts_with("/api/") {
        return api::ApiError::NotFound.into_response();
    }
    pages::error_page(lang, StatusCode::NOT_FOUND, lang.msg().not_found)
}

/// The policy of UI pages: only our own scripts, styles and images; no framing by others.
const UI_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     object-src 'none'; frame-ancestors 'none'";

/// The policy of captured pages: a sandbox without scripts or same-origin, framed only by the UI.
pub const CAPTURE_CSP: &str = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
     frame-ancestors 'self'";

/// Marks a response whose body is archived content (set by the captured-page handlers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Archived;

async fn security_headers(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let asset = req.uri().path().starts_with("/assets/");
    let mut res = next.run(req).await;
    let archived = res.extensions().get::<Archived>().is_some();
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    if archived {
        set(h, header::CONTENT_SECURITY_POLICY, CAPTURE_CSP);
        set(h, header::X_FRAME_OPTIONS, "SAMEORIGIN");
        set(h, header::CACHE_CONTROL, "private, max-age=3600");
    } else {
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            // The login page sends its own (stricter) policy.
            set(h, header::CONTENT_SECURITY_POLICY, UI_CSP);
        }
        set(h, header::X_FRAME_OPTIONS, "DENY");
        if asset {
            set(h, header::CACHE_CONTROL, "public, max-age=86400");
        } else if !h.contains_key(header::CACHE_CONTROL) {
            set(h, header::CACHE_CONTROL, "no-store");
        }
    }
    if api {
        let plain = h
            .get(header::CONTENT_TYPE)
            .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
        if plain {
            // axum's own rejections (bad query, path or JSON body) are plain text: the API
            // answers JSON `{"error": ...}` whatever failed.
            let status = res.status();
            let body = axum::body::to_bytes(std::mem::take(res.body_mut()), 64 * 1024)
                .await
                .unwrap_or_default();
            let msg = String::from_utf8_lossy(&body).into_owned();
            let mut new = (status, axum::Json(serde_json::json!({ "error": msg }))).into_response();
            for (k, v) in res.headers() {
                if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
                    new.headers_mut().insert(k.clone(), v.clone());
                }
            }
            return new;
        }
    }
    res
}

/// Logs an internal error and gives the status to show (never the error's text: it may hold
/// paths).
pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> StatusCode {
    tracing::error!("web: {what}: {e}");
    StatusCode::INTERNAL_SERVER_ERROR
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The client's address reaches the login limiter through the connect info.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

pub(crate) fn html_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

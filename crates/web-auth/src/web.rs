//! The shell: `Auth` (users, sessions, limiter behind locks), the `/login` and `/logout` routes,
//! and the middleware every request goes through.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::limit::{LimitPolicy, LoginLimiter};
use crate::policy::AuthMode;
use crate::session::{
    COOKIE, Lang, Session, SessionLimits, SessionStore, choose_lang, cookie_value, csrf_matches,
    escape_html, safe_next, session_cookie,
};
use crate::users::Users;

/// The header scripts send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Settings beyond the mode; `AuthConfig::default()` suits a server on loopback.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Add `Secure` to the session cookie (set it when served over HTTPS, e.g. behind a proxy).
    pub secure_cookie: bool,
    /// Session lifetimes and count.
    pub sessions: SessionLimits,
    /// Login back-off.
    pub limit: LimitPolicy,
    /// Path prefixes reachable without login (static assets); `/login` always is.
    pub public_prefixes: Vec<String>,
    /// Largest `application/x-www-form-urlencoded` body buffered to read its `csrf` field.
    pub max_form_bytes: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            secure_cookie: false,
            sessions: SessionLimits::default(),
            limit: LimitPolicy::default(),
            public_prefixes: vec![
                "/static/".into(),
                "/assets/".into(),
                "/favicon.ico".into(),
                "/robots.txt".into(),
            ],
            max_form_bytes: 1 << 20,
        }
    }
}

struct UsersState {
    users: Arc<Users>,
    /// The file's modification time when last read.
    mtime: Option<SystemTime>,
    checked: Option<Instant>,
}

/// The authentication layer's state, shared by the routes and the middleware.
pub struct Auth {
    mode: AuthMode,
    config: AuthConfig,
    users: RwLock<UsersState>,
    sessions: Mutex<SessionStore>,
    limiter: Mutex<LoginLimiter>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("mode", &self.mode).finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn mtime(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Auth {
    /// Login required or optional, default settings.
    pub fn new(users: Users, required: bool) -> Arc<Auth> {
        let mode = if required {
            AuthMode::Required
        } else {
            AuthMode::Optional
        };
        Auth::with_config(users, mode, AuthConfig::default())
    }

    /// Any mode (see [`crate::bind_policy`]) and settings.
    pub fn with_config(users: Users, mode: AuthMode, config: AuthConfig) -> Arc<Auth> {
        let m = if users.path().as_os_str().is_empty() {
            None
        } else {
            mtime(users.path())
        };
        Arc::new(Auth {
            mode,
            sessions: Mutex::new(SessionStore::new(config.sessions)),
            limiter: Mutex::new(LoginLimiter::new(config.limit)),
            config,
            users: RwLock::new(UsersState {
                users: Arc::new(users),
                mtime: m,
                checked: None,
            }),
        })
    }

    /// The mode: the UI hides management and configuration when it is [`AuthMode::Public`].
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// `/login` (GET, POST) and `/logout` (POST). Merge them into the application's router and
    /// put [`layer`] around the whole.
    pub fn routes(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/login", get(login_page).post(login_submit))
            .route("/logout", post(logout))
            .with_state(self.clone())
    }

    /// `app` with the routes merged in and the middleware around everything.
    pub fn protect(self: &Arc<Self>, app: Router) -> Router {
        app.merge(self.routes())
            .layer(axum::middleware::from_fn_with_state(self.clone(), layer))
    }

    /// The current users; re-reads `users.json` (at most once a second) when it changed, and
    /// ends the sessions of removed users and of users whose password changed.
    fn users(&self, now: Instant) -> Arc<Users> {
        {
            let st = self.users.read().unwrap_or_else(|p| p.into_inner());
            let fresh = st
                .checked
                .is_some_and(|c| now.saturating_duration_since(c) < Duration::from_secs(1));
            if fresh || st.users.path().as_os_str().is_empty() {
                return st.users.clone();
            }
        }
        let mut st = self.users.write().unwrap_or_else(|p| p.into_inner());
        st.checked = Some(now);
        let m = mtime(st.users.path());
        if m != st.mtime {
            let dir = st
                .users
                .path()
                .parent()
                .map(PathBuf::from)
                .unwrap_or_default();
            match Users::load(&dir) {
                Ok(u) => {
                    let u = Arc::new(u);
                    let keep = u.clone();
                    lock(&self.sessions)
                        .retain_users(|name, hash| keep.get(name).is_some_and(|x| x.hash == hash));
                    st.users = u;
                    st.mtime = m;
                }
                Err(e) => tracing::warn!("keeping the accounts read before: {e}"),
            }
        }
        st.users.clone()
    }

    fn is_public_path(&self, path: &str) -> bool {
        path == "/login"
            || self
                .config
                .public_prefixes
                .iter()
                .any(|p| path.starts_with(p.as_str()))
    }
}

/// An axum extractor for the visitor's session (present under [`layer`]).
impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The session cookie's id in a request, if any.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, COOKIE).map(str::to_string))
}

fn plain(status: StatusCode, text: &str) -> Response {
    let mut r = (status, format!("{text}\n")).into_response();
    harden(r.headers_mut());
    r
}

fn harden(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn set_cookie(resp: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn is_safe_method(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The middleware. Put it around the application and [`Auth::routes`]
/// (`axum::middleware::from_fn_with_state(auth.clone(), layer)`, or [`Auth::protect`]):
///
/// 1. finds the visitor's session from the `annals_session` cookie, or starts an anonymous one
///    (its cookie is added to the response);
/// 2. puts a [`Session`] in the request's extensions;
/// 3. in [`AuthMode::Public`], refuses POST/PUT/PATCH/DELETE (403);
/// 4. refuses POST/PUT/PATCH/DELETE without the session's CSRF token (403): header
///    `X-CSRF-Token`, or field `csrf` of an `application/x-www-form-urlencoded` body (buffered up
///    to [`AuthConfig::max_form_bytes`], then handed on intact);
/// 5. in [`AuthMode::Required`], answers a visitor not logged in with 401 JSON under `/api/`, a
///    redirect to `/login?next=…` for GET/HEAD pages, 401 otherwise; `/login` and the
///    [`AuthConfig::public_prefixes`] stay reachable.
pub async fn layer(State(auth): State<Arc<Auth>>, req: Request, next: Next) -> Response {
    let now = Instant::now();
    let _ = auth.users(now);
    let existing = session_id(req.headers());
    let found = existing.as_ref().and_then(|id| {
        let mut s = lock(&auth.sessions);
        s.touch(id, now).map(|e| (id.clone(), e))
    });
    let (entry, new_id) = match found {
        Some((_, e)) => (e, None),
        None => match lock(&auth.sessions).create(None, now) {
            Some((id, e)) => (e, Some(id)),
            None => {
                return plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "cannot start a session: the system's random source failed",
                );
            }
        },
    };
    let session = Session {
        user: entry.user.clone(),
        csrf: entry.csrf.clone(),
    };
    let mut resp = guarded(&auth, session, req, next).await;
    if let Some(id) = new_id {
        let rotated = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(COOKIE.as_bytes()));
        if !rotated {
            set_cookie(&mut resp, &session_cookie(&id, auth.config.secure_cookie));
        }
    }
    resp
}

async fn guarded(auth: &Auth, session: Session, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let mut body = body;
    if !is_safe_method(&parts.method) {
        if auth.mode.read_only() {
            return plain(
                StatusCode::FORBIDDEN,
                "forbidden: this annals is published read-only",
            );
        }
        let header_token = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let token = match header_token {
            Some(t) => Some(t),
            None if is_form(&parts.headers) => {
                let bytes = match to_bytes(body, auth.config.max_form_bytes).await {
                    Ok(b) => b,
                    Err(_) => {
                        return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
                    }
                };
                let t = form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == "csrf")
                    .map(|(_, v)| v.into_owned());
                body = Body::from(bytes);
                t
            }
            None => None,
        };
        if !token.is_some_and(|t| csrf_matches(&session.csrf, &t)) {
            return plain(
                StatusCode::FORBIDDEN,
                "forbidden: the form has expired or did not come from this site; reload the page and try again",
            );
        }
    }
    let path = parts.uri.path().to_string();
    if auth.mode.login_required() && session.user.is_none() && !auth.is_public_path(&path) {
        if path == "/api" || path.starts_with("/api/") {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"error\":\"login required\"}",
            )
                .into_response();
            harden(r.headers_mut());
            return r;
        }
        if matches!(parts.method, Method::GET | Method::HEAD) && path != "/logout" {
            let target = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let loc = format!("/login?next={}", encode_component(target));
            return redirect(&loc);
        }
        if path != "/logout" {
            return plain(StatusCode::UNAUTHORIZED, "login required");
        }
    }
    parts.extensions.insert(session);
    next.run(Request::from_parts(parts, body)).await
}

fn is_form(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn encode_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn redirect(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    harden(r.headers_mut());
    r
}

fn query_param(parts: &Parts, name: &str) -> Option<String> {
    form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn page_lang(parts: &Parts) -> Lang {
    let q = query_param(parts, "lang");
    let cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, "lang").map(str::to_string));
    let accept = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    choose_lang(q.as_deref(), cookie.as_deref(), accept)
}

struct Texts {
    title: &'static str,
    user: &'static str,
    password: &'static str,
    submit: &'static str,
    wrong: &'static str,
    too_many: &'static str,
    other_lang: &'static str,
    other_code: &'static str,
}

fn texts(lang: Lang) -> Texts {
    match lang {
        Lang::En => Texts {
            title: "Sign in to annals",
            user: "User name",
            password: "Password",
            submit: "Sign in",
            wrong: "Wrong user name or password.",
            too_many: "Too many failed attempts. Try again in {} seconds.",
            other_lang: "简体中文",
            other_code: "zh",
        },
        Lang::Zh => Texts {
            title: "登录 annals",
            user: "用户名",
            password: "密码",
            submit: "登录",
            wrong: "用户名或密码错误。",
            too_many: "失败次数过多，请在 {} 秒后重试。",
            other_lang: "English",
            other_code: "en",
        },
    }
}

const LOGIN_CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem;color:#222}\
label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}\
button{margin-top:1rem;padding:.4rem 1.2rem}.error{color:#a00}nav{margin-top:2rem;font-size:.9rem}";

fn login_html(lang: Lang, csrf: &str, next: &str, user: &str, error: Option<&str>) -> String {
    let t = texts(lang);
    let e = escape_html;
    let error = error
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", e(m)))
        .unwrap_or_default();
    let switch = format!(
        "/login?lang={}&next={}",
        t.other_code,
        encode_component(next)
    );
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"csrf-token\" content=\"{csrf}\"><title>{title}</title><style>{LOGIN_CSS}</style></head>\
<body><main><h1>{title}</h1>{error}\
<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"next\" value=\"{next}\">\
<label for=\"user\">{user_l}</label><input id=\"user\" name=\"user\" type=\"text\" value=\"{user}\" autocomplete=\"username\" required autofocus>\
<label for=\"password\">{pw_l}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">{submit}</button></form>\
<nav><a href=\"{switch}\" hreflang=\"{other}\">{other_lang}</a></nav></main></body></html>\n",
        lang = lang.tag(),
        csrf = e(csrf),
        title = e(t.title),
        next = e(next),
        user_l = e(t.user),
        user = e(user),
        pw_l = e(t.password),
        submit = e(t.submit),
        switch = e(&switch),
        other = t.other_code,
        other_lang = e(t.other_lang),
    )
}

fn html_response(status: StatusCode, body: String) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    let h = r.headers_mut();
    harden(h);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    r
}

fn session_of(parts: &Parts) -> Option<Session> {
    parts.extensions.get::<Session>().cloned()
}

async fn login_page(State(auth): State<Arc<Auth>>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    if auth.mode.read_only() {
        return plain(StatusCode::NOT_FOUND, "not found");
    }
    let Some(session) = session_of(&parts) else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the authentication layer is not installed",
        );
    };
    let next = query_param(&parts, "next")
        .filter(|n| safe_next(n).is_some())
        .unwrap_or_else(|| "/".to_string());
    if session.user.is_some() {
        return redirect(&next);
    }
    let lang = page_lang(&parts);
    html_response(
        StatusCode::OK,
        login_html(lang, &session.csrf, &next, "", None),
    )
}

async fn login_submit(State(auth): State<Arc<Auth>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if auth.mode.read_only() {
        return plain(StatusCode::NOT_FOUND, "not found");
    }
    let Some(session) = session_of(&parts) else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the authentication layer is not installed",
        );
    };
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    };
    let mut user = String::new();
    let mut password = String::new();
    let mut next = String::from("/");
    for (k, v) in form_urlencoded::parse(&bytes) {
        match &*k {
            "user" => user = v.trim().to_string(),
            "password" => password = v.into_owned(),
            "next" if safe_next(&v).is_some() => next = v.into_owned(),
            _ => {}
        }
    }
    let lang = page_lang(&parts);
    let t = texts(lang);
    let addr: Option<IpAddr> = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let now = Instant::now();
    let refuse = |status: StatusCode, msg: String, wait: Option<Duration>| {
        let mut r = html_response(
            status,
            login_html(lang, &session.csrf, &next, &user, Some(&msg)),
        );
        if let Some(w) = wait {
            let secs = w.as_secs() + u64::from(w.subsec_nanos() > 0);
            if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    };
    let too_many = |w: Duration| {
        let secs = (w.as_secs() + u64::from(w.subsec_nanos() > 0)).max(1);
        t.too_many.replace("{}", &secs.to_string())
    };
    if let Err(wait) = lock(&auth.limiter).check(addr, &user, now) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, too_many(wait), Some(wait));
    }
    let users = auth.users(now);
    let verified = {
        let users = users.clone();
        let (u, p) = (user.clone(), password);
        tokio::task::spawn_blocking(move || users.verify(&u, &p))
            .await
            .unwrap_or(false)
    };
    let hash = users.get(&user).map(|u| u.hash.clone());
    let (true, Some(hash)) = (verified, hash) else {
        let wait = lock(&auth.limiter).failed(addr, &user, Instant::now());
        tracing::info!(
            "failed login for {user:?} from {}",
            addr.map(|a| a.to_string()).unwrap_or_else(|| "?".into())
        );
        if wait.is_zero() {
            return refuse(StatusCode::UNAUTHORIZED, t.wrong.to_string(), None);
        }
        return refuse(StatusCode::TOO_MANY_REQUESTS, too_many(wait), Some(wait));
    };
    lock(&auth.limiter).succeeded(addr, &user);
    // A new id on login: a session id planted before login is worthless after it.
    let mut sessions = lock(&auth.sessions);
    if let Some(old) = session_id(&parts.headers) {
        sessions.remove(&old);
    }
    let Some((id, _)) = sessions.create(Some((user, hash)), Instant::now()) else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot start a session: the system's random source failed",
        );
    };
    drop(sessions);
    let mut r = redirect(&next);
    set_cookie(&mut r, &session_cookie(&id, auth.config.secure_cookie));
    r
}

async fn logout(State(auth): State<Arc<Auth>>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let mut sessions = lock(&auth.sessions);
    if let Some(old) = session_id(&parts.headers) {
        sessions.remove(&old);
    }
    let created = sessions.create(None, Instant::now());
    drop(sessions);
    let to = if auth.mode.login_required() {
        "/login"
    } else {
        "/"
    };
    let mut r = redirect(to);
    if let Some((id, _)) = created {
        set_cookie(&mut r, &session_cookie(&id, auth.config.secure_cookie));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_escapes_and_has_no_script() {
        let html = login_html(
            Lang::Zh,
            "tok\"en",
            "/a?b=<x>",
            "<script>alert(1)</script>",
            Some("x<y"),
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("value=\"tok&quot;en\""));
        assert!(html.contains("value=\"/a?b=&lt;x&gt;\""));
        assert!(html.contains("x&lt;y"));
        assert!(html.contains("用户名") && html.contains("lang=\"zh-CN\""));
        assert!(login_html(Lang::En, "t", "/", "", None).contains("User name"));
    }
}

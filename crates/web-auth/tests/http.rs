//! The authentication layer over real HTTP on loopback: a real axum server mounting `Auth`'s
//! routes and middleware around a small harness router, driven by reqwest.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use annals_web_auth::{Auth, AuthConfig, AuthMode, Session, Users};
use axum::Router;
use axum::routing::{get, post};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

const PASSWORD: &str = "correct horse battery staple";
const FORM: &str = "application/x-www-form-urlencoded";

/// An `application/x-www-form-urlencoded` body, as a browser sends it.
fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The harness application: a page, a form target echoing its body, an API, a static asset.
fn app() -> Router {
    Router::new()
        .route(
            "/",
            get(|s: Session| async move { format!("home user={:?}", s.user) }),
        )
        .route(
            "/items",
            get(|s: Session| async move { format!("items user={:?}", s.user) }),
        )
        .route(
            "/change",
            post(|body: String| async move { format!("changed: {body}") }),
        )
        .route(
            "/api/items",
            get(|| async { "[]" }).post(|| async { "posted" }),
        )
        .route("/static/app.css", get(|| async { "body{}" }))
        .route(
            "/form",
            get(|s: Session| async move { format!("{}{}", s.csrf_meta(), s.csrf_field()) }),
        )
}

struct Server {
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
}

async fn start(mode: AuthMode, with_user: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut users = Users::load(dir.path()).unwrap();
    if with_user {
        users.add("alice", PASSWORD).unwrap();
    }
    let auth: Arc<Auth> = Auth::with_config(users, mode, AuthConfig::default());
    let app = auth.protect(app());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        dir: dir.path().to_path_buf(),
        _dir: dir,
    }
}

/// The `annals_session` value a response sets, with the whole header line.
fn session_set(h: &HeaderMap) -> Option<(String, String)> {
    h.get_all(SET_COOKIE).iter().find_map(|v| {
        let line = v.to_str().ok()?.to_string();
        let id = line
            .strip_prefix("annals_session=")?
            .split(';')
            .next()?
            .to_string();
        Some((id, line))
    })
}

fn csrf_in(html: &str) -> String {
    let prefix = "name=\"csrf\" value=\"";
    let at = html.find(prefix).expect("csrf field") + prefix.len();
    html[at..at + 64].to_string()
}

impl Server {
    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }

    /// GET /login: (session id, csrf token, page).
    async fn login_page(&self, cookie: Option<&str>) -> (String, String, String) {
        let mut req = self.client.get(self.url("/login"));
        if let Some(c) = cookie {
            req = req.header("Cookie", format!("annals_session={c}"));
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let id = session_set(r.headers())
            .map(|(id, _)| id)
            .or(cookie.map(str::to_string))
            .expect("a session");
        let html = r.text().await.unwrap();
        (id.clone(), csrf_in(&html), html)
    }

    async fn post_login(
        &self,
        cookie: &str,
        csrf: &str,
        user: &str,
        password: &str,
        next: &str,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/login"))
            .header("Cookie", format!("annals_session={cookie}"))
            .header("Content-Type", FORM)
            .body(form(&[
                ("csrf", csrf),
                ("user", user),
                ("password", password),
                ("next", next),
            ]))
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        if let Some(c) = cookie {
            req = req.header("Cookie", format!("annals_session={c}"));
        }
        req.send().await.unwrap()
    }

    /// Logs alice in; returns (session id, csrf token of the new session).
    async fn login(&self) -> (String, String) {
        let (anon, csrf, _) = self.login_page(None).await;
        let r = self.post_login(&anon, &csrf, "alice", PASSWORD, "/").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (id, _) = session_set(r.headers()).expect("new session");
        let token = csrf_of(self, &id).await;
        assert_ne!(token, csrf, "a new session has a new token");
        (id, token)
    }
}

/// The csrf token of a session, from `<meta name="csrf-token">` as a UI page renders it.
async fn csrf_of(s: &Server, id: &str) -> String {
    let r = s.get("/form", Some(id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let prefix = "<meta name=\"csrf-token\" content=\"";
    let at = html.find(prefix).expect("meta") + prefix.len();
    let token = html[at..at + 64].to_string();
    assert_eq!(csrf_in(&html), token);
    token
}

#[tokio::test]
async fn login_succeeds_with_the_right_password_and_rotates_the_session() {
    let s = start(AuthMode::Required, true).await;

    // A page redirects to the login form, remembering where it was going.
    let r = s.get("/items?sort=new", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login?next=%2Fitems%3Fsort%3Dnew");

    let (anon, csrf, html) = s.login_page(None).await;
    assert!(html.contains("<form method=\"post\" action=\"/login\">"));
    assert!(!html.contains("<script"));

    // Cookie attributes.
    let r = s.get("/login", None).await;
    let (_, line) = session_set(r.headers()).unwrap();
    assert!(line.contains("; HttpOnly"), "{line}");
    assert!(line.contains("; SameSite=Strict"), "{line}");
    assert!(line.contains("; Path=/"), "{line}");
    assert!(!line.contains("Secure"), "{line}");
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");

    // Wrong password: 401, the form again with the message, no new session.
    let r = s
        .post_login(&anon, &csrf, "alice", "wrong password!", "/items")
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(session_set(r.headers()).is_none());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Wrong user name or password.")
    );
    // Unknown user: the same answer.
    let r = s
        .post_login(&anon, &csrf, "mallory", PASSWORD, "/items")
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Right password: redirect to next, a new session id.
    let r = s
        .post_login(&anon, &csrf, "alice", PASSWORD, "/items?sort=new")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/items?sort=new");
    let (id, line) = session_set(r.headers()).unwrap();
    assert_ne!(id, anon);
    assert!(line.contains("HttpOnly") && line.contains("SameSite=Strict"));
    let r = s.get("/items", Some(&id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "items user=Some(\"alice\")");
    // The pre-login id is worthless.
    let r = s.get("/items", Some(&anon)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // next must be local.
    let (anon2, csrf2, _) = s.login_page(None).await;
    let r = s
        .post_login(&anon2, &csrf2, "alice", PASSWORD, "//evil.example/x")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/");
}

#[tokio::test]
async fn api_answers_401_json_and_static_assets_stay_reachable() {
    let s = start(AuthMode::Required, true).await;
    let r = s.get("/api/items", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["content-type"], "application/json");
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["error"], "login required");
    let r = s.get("/static/app.css", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "body{}");
    let (id, _) = s.login().await;
    let r = s.get("/api/items", Some(&id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "[]");
}

#[tokio::test]
async fn csrf_token_guards_every_mutating_request_even_without_login() {
    // Loopback, no accounts: no login, but a page elsewhere must not be able to POST.
    let s = start(AuthMode::Optional, false).await;
    let r = s.get("/", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (id, _) = session_set(r.headers()).expect("an anonymous session");
    assert_eq!(r.text().await.unwrap(), "home user=None");
    let (_, csrf, _) = s.login_page(Some(&id)).await;

    let post = |cookie: Option<String>| {
        let mut r = s.client.post(s.url("/change"));
        if let Some(c) = cookie {
            r = r.header("Cookie", format!("annals_session={c}"));
        }
        r
    };
    // No cookie at all (what a cross-site form post looks like with SameSite=Strict).
    let r = post(None)
        .header("Content-Type", FORM)
        .body(form(&[("a", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A session but no token.
    let r = post(Some(id.clone()))
        .header("Content-Type", FORM)
        .body(form(&[("a", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = r.text().await.unwrap();
    assert!(body.starts_with("forbidden"), "{body}");
    // A wrong token, in the form and in the header.
    let wrong = "0".repeat(64);
    let r = post(Some(id.clone()))
        .header("Content-Type", FORM)
        .body(form(&[("a", "1"), ("csrf", wrong.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(Some(id.clone()))
        .header("X-CSRF-Token", &wrong)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The right token in a JSON body does not count: JSON must use the header.
    let r = post(Some(id.clone()))
        .header("Content-Type", "application/json")
        .body(format!("{{\"csrf\":\"{csrf}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The right token with another session's cookie.
    let other = session_set(s.get("/", None).await.headers()).unwrap().0;
    let r = post(Some(other))
        .header("Content-Type", FORM)
        .body(form(&[("csrf", csrf.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The right token in the form: accepted, and the handler gets the whole body.
    let r = post(Some(id.clone()))
        .header("Content-Type", FORM)
        .body(form(&[("a", "1"), ("csrf", csrf.as_str()), ("b", "国")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.text().await.unwrap(),
        format!("changed: a=1&csrf={csrf}&b=%E5%9B%BD")
    );
    // The right token in the header, any body.
    let r = post(Some(id.clone()))
        .header("X-CSRF-Token", &csrf)
        .header("Content-Type", "application/json")
        .body("{\"x\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "changed: {\"x\":1}");
    // An over-large form is refused, not truncated.
    let big = "a".repeat(2 << 20);
    let r = post(Some(id.clone()))
        .header("Content-Type", FORM)
        .body(form(&[("csrf", csrf.as_str()), ("big", big.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn failed_logins_are_rate_limited_with_retry_after() {
    let s = start(AuthMode::Required, true).await;
    let (anon, csrf, _) = s.login_page(None).await;
    for i in 0..5 {
        let r = s
            .post_login(&anon, &csrf, "alice", "not the password", "/")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = s
        .post_login(&anon, &csrf, "alice", "not the password", "/")
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    assert!(r.text().await.unwrap().contains("Too many failed attempts"));
    // While blocked even the right password is not checked.
    let r = s.post_login(&anon, &csrf, "alice", PASSWORD, "/").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // After the wait, the right password works (and clears the count).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = s.post_login(&anon, &csrf, "alice", PASSWORD, "/").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logout_without_the_token_is_refused() {
    let s = start(AuthMode::Required, true).await;
    let (id, _) = s.login().await;
    // No forced logout from another site.
    let r = s
        .client
        .post(s.url("/logout"))
        .header("Cookie", format!("annals_session={id}"))
        .header("Content-Type", FORM)
        .body(form(&[("x", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.get("/items", Some(&id)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn logout_with_token_invalidates_the_session() {
    let s = start(AuthMode::Required, true).await;
    let (id, token) = s.login().await;
    let r = s
        .client
        .post(s.url("/logout"))
        .header("Cookie", format!("annals_session={id}"))
        .header("Content-Type", FORM)
        .body(form(&[("csrf", token.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login");
    let (fresh, _) = session_set(r.headers()).expect("a fresh anonymous session");
    assert_ne!(fresh, id);
    let r = s.get("/items", Some(&id)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    let r = s.get("/api/items", Some(&id)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn public_mode_is_read_only_without_login() {
    let s = start(AuthMode::Public, false).await;
    let r = s.get("/items", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (id, _) = session_set(r.headers()).unwrap();
    assert_eq!(
        s.get("/login", Some(&id)).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = s
        .client
        .post(s.url("/api/items"))
        .header("Cookie", format!("annals_session={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("read-only"));
}

#[tokio::test]
async fn login_page_speaks_english_and_simplified_chinese() {
    let s = start(AuthMode::Required, true).await;
    let zh = s
        .client
        .get(s.url("/login"))
        .header("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        zh.contains("<html lang=\"zh-CN\">") && zh.contains("用户名"),
        "{zh}"
    );
    let en = s
        .client
        .get(s.url("/login?lang=en"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("User name"), "{en}");
    let by_cookie = s
        .client
        .get(s.url("/login"))
        .header("Cookie", "lang=zh")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(by_cookie.contains("登录"), "{by_cookie}");
    // next is escaped into the form, and dropped when not local.
    let page = s
        .get("/login?next=%2Fsearch%3Fq%3D%22%3E%3Cscript%3E", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>"));
    assert!(
        page.contains("value=\"/search?q=&quot;&gt;&lt;script&gt;\""),
        "{page}"
    );
    let page = s
        .get("/login?next=https%3A%2F%2Fevil.example%2F", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"next\" value=\"/\""), "{page}");
}

#[tokio::test]
async fn users_file_is_private_and_holds_no_password() {
    let s = start(AuthMode::Required, true).await;
    let path = s.dir.join("users.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(PASSWORD));
    assert!(!text.contains("horse"));
    assert!(text.contains("\"name\": \"alice\""));
    assert!(text.contains("$argon2id$v=19$m=19456,t=2,p=1$"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
}

#[tokio::test]
async fn a_password_change_ends_the_users_sessions_in_a_running_server() {
    let s = start(AuthMode::Required, true).await;
    let (id, _) = s.login().await;
    let mut users = Users::load(&s.dir).unwrap();
    users.set_password("alice", "a brand new password").unwrap();
    // The server re-reads the accounts file at most once a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = s.get("/items", Some(&id)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The new password works.
    let (anon, csrf, _) = s.login_page(None).await;
    let r = s
        .post_login(&anon, &csrf, "alice", "a brand new password", "/")
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

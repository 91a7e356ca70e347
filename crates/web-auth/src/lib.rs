//! annals' web authentication and security core, mounted by `crates/web` (`annals serve`).
//!
//! Pure cores: [`LoginLimiter`] (failed logins per client address and per user name, time passed
//! in), [`bind_policy`] (which addresses may serve without a login), and the session helpers
//! ([`safe_next`], [`csrf_matches`], [`session_cookie`], [`choose_lang`], [`escape_html`]).
//! Shells: [`Users`] (the accounts file) and [`Auth`] (sessions in memory, the `/login` and
//! `/logout` routes, the [`layer`] middleware).
//!
//! # How `crates/web` uses it
//!
//! ```no_run
//! # async fn serve(data: &std::path::Path, addr: std::net::SocketAddr, public: bool, app: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
//! use annals_web_auth::{Auth, AuthConfig, Users, bind_policy};
//! let users = Users::load(data)?;                       // DATA/users.json
//! let mode = bind_policy(addr, &users, public)?;         // refuses 0.0.0.0 without accounts
//! let auth = Auth::with_config(users, mode, AuthConfig::default());
//! let app = auth.protect(app);                           // + /login, /logout, the middleware
//! let listener = tokio::net::TcpListener::bind(addr).await?;
//! // Connect info gives the login limiter the client's address.
//! axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
//! # Ok(()) }
//! ```
//!
//! - Handlers take a [`Session`] (extractor, or `request.extensions().get::<Session>()`): `user`
//!   to show who is logged in and a logout form, `csrf` for `<meta name="csrf-token">`
//!   ([`Session::csrf_meta`]) and for a hidden `csrf` field in **every** form
//!   ([`Session::csrf_field`]). Scripts send the token in the `X-CSRF-Token` header. Every
//!   POST/PUT/PATCH/DELETE without it is refused with 403, so a web page elsewhere cannot make a
//!   browser change a local annals. Forms must be `application/x-www-form-urlencoded` (the
//!   layer reads `csrf` from the body and passes the body on intact); a `multipart/form-data`
//!   upload must send the header.
//! - Logout is a form: `<form method="post" action="/logout">` + the `csrf` field.
//! - [`AuthMode::Public`] (`--public`): no login, every mutating request is refused by the layer,
//!   `/login` answers 404; the UI must not show watchlist management or configuration
//!   (`auth.mode().read_only()`).
//! - Static assets under `/static/`, `/assets/`, `/favicon.ico`, `/robots.txt`
//!   ([`AuthConfig::public_prefixes`]) are reachable without login; `/api/...` answers 401 JSON
//!   `{"error":"login required"}`; other pages redirect to `/login?next=...`.
//! - Behind an HTTPS proxy set [`AuthConfig::secure_cookie`]. The limiter sees the proxy's address
//!   (forwarded headers are not trusted); the per-user-name limit still applies.
//!
//! # Decisions
//!
//! - Accounts exist → a login is required, on loopback too (creating an account is how one asks
//!   for it; other accounts of a shared machine reach 127.0.0.1 too). No accounts → loopback only.
//! - Passwords: argon2id (19 MiB, 2 passes, 1 lane), PHC strings in `DATA/users.json` (mode 0600,
//!   written atomically); at least [`MIN_PASSWORD_CHARS`] characters. Unknown names are verified
//!   against a dummy hash so timing does not reveal which names exist.
//! - Sessions: 256-bit random ids, in memory (a restart logs everyone out), ended after 12 h idle
//!   or 7 days; a new id on login; logout ends the session; `annals user passwd`/`rm` end the
//!   user's sessions in a running server (the file is re-read when it changes).
//! - Login limiting: 5 free failures per client address and per user name, then 1 s, 2 s, 4 s …
//!   up to 15 min (429 with `Retry-After`). Someone can thereby slow down a known user's logins,
//!   at most to one attempt per 15 minutes; that is the price of stopping distributed guessing.

mod limit;
mod policy;
mod session;
mod users;
mod web;

pub use limit::{LimitPolicy, LoginLimiter};
pub use policy::{AuthMode, BindError, bind_policy, is_loopback};
pub use session::{
    COOKIE, Lang, Session, SessionLimits, choose_lang, cookie_value, csrf_matches, escape_html,
    random_token, safe_next, session_cookie,
};
pub use users::{
    MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, USERS_FILE, User, UserError, Users,
    check_name, check_password, hash_password,
};
pub use web::{Auth, AuthConfig, CSRF_HEADER, layer};

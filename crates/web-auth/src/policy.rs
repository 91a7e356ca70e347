//! The bind rule: which addresses may serve without a login.

use std::net::{IpAddr, SocketAddr};

use crate::users::Users;

/// How the server treats visitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Loopback without accounts: no login needed; every visitor still gets an anonymous session
    /// whose CSRF token guards every POST/PUT/PATCH/DELETE.
    Optional,
    /// Every page and API call needs a logged-in user (except `/login` and static assets).
    Required,
    /// `--public`: read-only publishing. No login; every POST/PUT/PATCH/DELETE is refused (403)
    /// by the layer itself, and `/login` answers 404. The UI must also hide watchlist management
    /// and configuration (check [`crate::Auth::mode`]).
    Public,
}

impl AuthMode {
    /// Whether a visitor must be logged in.
    pub fn login_required(self) -> bool {
        self == AuthMode::Required
    }

    /// Whether mutating requests are refused outright.
    pub fn read_only(self) -> bool {
        self == AuthMode::Public
    }
}

/// Why the server refuses to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    /// Not loopback, no `--public`, and no account.
    #[error(
        "refusing to serve on {0} without authentication: create an account first with `annals user add NAME`, \
or bind to 127.0.0.1, or publish read-only with --public"
    )]
    NoUsers(SocketAddr),
}

/// Whether `ip` only reaches this machine (127.0.0.0/8, ::1, ::ffff:127.x.y.z).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The rule for `annals serve`:
///
/// - `public` → [`AuthMode::Public`] on any address (read-only, no login).
/// - any account exists → [`AuthMode::Required`], on loopback too: creating an account is how one
///   asks for a login (other accounts of a shared machine reach 127.0.0.1 as well).
/// - loopback without accounts → [`AuthMode::Optional`].
/// - any other address (0.0.0.0 and :: included) without accounts → [`BindError::NoUsers`].
pub fn bind_policy(addr: SocketAddr, users: &Users, public: bool) -> Result<AuthMode, BindError> {
    if public {
        Ok(AuthMode::Public)
    } else if !users.is_empty() {
        Ok(AuthMode::Required)
    } else if is_loopback(addr.ip()) {
        Ok(AuthMode::Optional)
    } else {
        Err(BindError::NoUsers(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bind_rule() {
        let none = Users::none();
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            bind_policy(a("127.0.0.1:8080"), &none, false),
            Ok(AuthMode::Optional)
        );
        assert_eq!(
            bind_policy(a("127.3.4.5:8080"), &none, false),
            Ok(AuthMode::Optional)
        );
        assert_eq!(
            bind_policy(a("[::1]:8080"), &none, false),
            Ok(AuthMode::Optional)
        );
        assert_eq!(
            bind_policy(a("[::ffff:127.0.0.1]:8080"), &none, false),
            Ok(AuthMode::Optional)
        );
        for open in [
            "0.0.0.0:8080",
            "[::]:8080",
            "192.168.1.2:80",
            "[2001:db8::1]:80",
        ] {
            let e = bind_policy(a(open), &none, false).unwrap_err();
            assert!(e.to_string().contains("annals user add NAME"), "{e}");
            assert_eq!(bind_policy(a(open), &none, true), Ok(AuthMode::Public));
        }
        let dir = tempfile::tempdir().unwrap();
        let mut users = Users::load(dir.path()).unwrap();
        users.add("alice", "a long enough password").unwrap();
        assert_eq!(
            bind_policy(a("0.0.0.0:80"), &users, false),
            Ok(AuthMode::Required)
        );
        assert_eq!(
            bind_policy(a("127.0.0.1:80"), &users, false),
            Ok(AuthMode::Required)
        );
        assert_eq!(
            bind_policy(a("127.0.0.1:80"), &users, true),
            Ok(AuthMode::Public)
        );
    }
}

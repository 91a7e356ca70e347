//! Sessions in memory and the pure helpers around them: tokens, cookies, CSRF comparison, the
//! `next` path, the page language, HTML escaping. Time is an argument.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE: &str = "annals_session";

/// What a handler learns about its visitor (in the request's extensions; also an extractor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The logged-in user, if any.
    pub user: Option<String>,
    /// The token every POST/PUT/PATCH/DELETE must carry: form field `csrf` or header
    /// `X-CSRF-Token`.
    pub csrf: String,
}

impl Session {
    /// `<meta name="csrf-token" content="…">` for the page head (scripts read it and send the
    /// `X-CSRF-Token` header).
    pub fn csrf_meta(&self) -> String {
        format!(
            "<meta name=\"csrf-token\" content=\"{}\">",
            escape_html(&self.csrf)
        )
    }

    /// `<input type="hidden" name="csrf" value="…">` for every form.
    pub fn csrf_field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            escape_html(&self.csrf)
        )
    }
}

/// A fresh 256-bit random token, as 64 hexadecimal digits; `None` if the system's random source
/// fails.
pub fn random_token() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Whether the token `given` is `expected`, in time independent of where they differ.
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// The `Set-Cookie` value for session `id`.
pub fn session_cookie(id: &str, secure: bool) -> String {
    let mut c = format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/");
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The value of cookie `name` in a `Cookie` header, if present.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"'))
    })
}

/// `next` if it is a path on this site (`/…`, not `//host` or `/\host`, no control characters,
/// whitespace or backslashes, which browsers may strip or turn into `/`); else `None`.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

/// A page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// 简体中文.
    Zh,
}

impl Lang {
    fn parse(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t == "en" || t.starts_with("en-") {
            Some(Lang::En)
        } else if t == "zh" || t.starts_with("zh-") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    /// The `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

/// The page language: `?lang=`, else cookie `lang`, else the best `Accept-Language` entry that
/// is English or Chinese, else English.
pub fn choose_lang(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Lang {
    if let Some(l) = query
        .and_then(Lang::parse)
        .or_else(|| cookie.and_then(Lang::parse))
    {
        return l;
    }
    let mut best: Option<(f32, Lang)> = None;
    for entry in accept.unwrap_or("").split(',') {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or("");
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(l) = Lang::parse(tag)
            && q > 0.0
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, l));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::En)
}

/// Escapes text for HTML content and quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One session as kept in memory.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub user: Option<String>,
    /// The user's password hash at login: a changed password ends the session.
    pub user_hash: Option<String>,
    pub csrf: String,
    pub created: Instant,
    pub last_seen: Instant,
}

/// How long sessions live and how many are kept.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after login whatever its use.
    pub absolute: Duration,
    /// Sessions kept at most; beyond, the least recently used anonymous ones go first.
    pub max: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: Duration::from_secs(12 * 3600),
            absolute: Duration::from_secs(7 * 24 * 3600),
            max: 50_000,
        }
    }
}

/// Session id → session.
#[derive(Debug)]
pub(crate) struct SessionStore {
    limits: SessionLimits,
    map: HashMap<String, Entry>,
}

impl SessionStore {
    pub fn new(limits: SessionLimits) -> Self {
        SessionStore {
            limits,
            map: HashMap::new(),
        }
    }

    fn alive(&self, e: &Entry, now: Instant) -> bool {
        now.saturating_duration_since(e.last_seen) < self.limits.idle
            && now.saturating_duration_since(e.created) < self.limits.absolute
    }

    /// The live session `id`, marked as used at `now`.
    pub fn touch(&mut self, id: &str, now: Instant) -> Option<Entry> {
        let alive = self.map.get(id).map(|e| self.alive(e, now))?;
        if !alive {
            self.map.remove(id);
            return None;
        }
        let e = self.map.get_mut(id)?;
        e.last_seen = now;
        Some(e.clone())
    }

    /// A new session; `None` if the random source fails.
    pub fn create(
        &mut self,
        user: Option<(String, String)>,
        now: Instant,
    ) -> Option<(String, Entry)> {
        if self.map.len() >= self.limits.max {
            self.evict(now);
        }
        let id = random_token()?;
        let (user, user_hash) = match user {
            Some((u, h)) => (Some(u), Some(h)),
            None => (None, None),
        };
        let e = Entry {
            user,
            user_hash,
            csrf: random_token()?,
            created: now,
            last_seen: now,
        };
        self.map.insert(id.clone(), e.clone());
        Some((id, e))
    }

    pub fn remove(&mut self, id: &str) {
        self.map.remove(id);
    }

    /// Ends the sessions of users `keep` rejects (given the user and the hash at login).
    pub fn retain_users(&mut self, keep: impl Fn(&str, &str) -> bool) {
        self.map.retain(|_, e| match (&e.user, &e.user_hash) {
            (Some(u), Some(h)) => keep(u, h),
            _ => true,
        });
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    fn evict(&mut self, now: Instant) {
        let limits = self.limits;
        self.map.retain(|_, e| {
            now.saturating_duration_since(e.last_seen) < limits.idle
                && now.saturating_duration_since(e.created) < limits.absolute
        });
        if self.map.len() < limits.max {
            return;
        }
        // Least recently used first, anonymous before logged-in; drop a tenth.
        let mut order: Vec<(bool, Instant, String)> = self
            .map
            .iter()
            .map(|(k, e)| (e.user.is_some(), e.last_seen, k.clone()))
            .collect();
        order.sort();
        let n = (limits.max / 10).max(1);
        for (_, _, k) in order.into_iter().take(n) {
            self.map.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        for ok in [
            "/",
            "/items?q=1",
            "/item/BV1xx#events",
            "/search?q=%E5%9B%BD",
        ] {
            assert_eq!(safe_next(ok), Some(ok));
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /x",
            "javascript:alert(1)",
            "evil.example",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(3000))), None);
    }

    #[test]
    fn cookie_attributes() {
        let c = session_cookie("abc", false);
        assert_eq!(c, "annals_session=abc; HttpOnly; SameSite=Strict; Path=/");
        assert!(session_cookie("abc", true).ends_with("; Secure"));
        assert_eq!(
            cookie_value("lang=zh; annals_session=xyz ; other=1", COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("lang=zh", COOKIE), None);
        assert_eq!(cookie_value("xannals_session=1", COOKIE), None);
        assert_eq!(cookie_value("", COOKIE), None);
    }

    #[test]
    fn csrf_compare() {
        let t = random_token().unwrap();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token().unwrap());
        assert!(csrf_matches(&t, &t.clone()));
        assert!(!csrf_matches(&t, &t[..63]));
        assert!(!csrf_matches(&t, ""));
        assert!(!csrf_matches("", ""));
        let mut other = t.clone().into_bytes();
        other[10] ^= 1;
        assert!(!csrf_matches(&t, std::str::from_utf8(&other).unwrap()));
    }

    #[test]
    fn language_choice() {
        assert_eq!(choose_lang(Some("zh"), Some("en"), Some("en")), Lang::Zh);
        assert_eq!(choose_lang(Some("xx"), Some("zh-CN"), Some("en")), Lang::Zh);
        assert_eq!(
            choose_lang(None, None, Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Lang::Zh
        );
        assert_eq!(
            choose_lang(None, None, Some("fr, en;q=0.5, zh;q=0.4")),
            Lang::En
        );
        assert_eq!(choose_lang(None, None, Some("de")), Lang::En);
        assert_eq!(choose_lang(None, None, Some(";;;,q=,zh;q=abc")), Lang::Zh);
        assert_eq!(choose_lang(None, None, None), Lang::En);
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn sessions_expire_when_idle_and_are_bounded() {
        let limits = SessionLimits {
            idle: Duration::from_secs(100),
            absolute: Duration::from_secs(1000),
            max: 20,
        };
        let mut s = SessionStore::new(limits);
        let t = Instant::now();
        let (id, e) = s.create(Some(("alice".into(), "h".into())), t).unwrap();
        assert_eq!(e.user.as_deref(), Some("alice"));
        assert!(s.touch(&id, t + Duration::from_secs(99)).is_some());
        assert!(s.touch(&id, t + Duration::from_secs(198)).is_some());
        assert!(s.touch(&id, t + Duration::from_secs(299)).is_none());
        assert!(s.touch(&id, t + Duration::from_secs(300)).is_none());
        // Absolute expiry despite use.
        let (id, _) = s.create(None, t).unwrap();
        let mut now = t;
        for _ in 0..20 {
            now += Duration::from_secs(60);
            s.touch(&id, now);
        }
        assert!(s.touch(&id, t + Duration::from_secs(1001)).is_none());
        // Bounded: logged-in sessions survive a flood of anonymous ones.
        let (alice, _) = s.create(Some(("alice".into(), "h".into())), t).unwrap();
        for i in 0..200 {
            s.create(None, t + Duration::from_millis(i)).unwrap();
        }
        assert!(s.len() <= 20, "{}", s.len());
        assert!(s.touch(&alice, t + Duration::from_secs(1)).is_some());
        // A password change ends that user's sessions.
        s.retain_users(|_, h| h != "h");
        assert!(s.touch(&alice, t + Duration::from_secs(2)).is_none());
    }
}

//! The observer's settings: the `[observer]` and `[lists.NAME]` tables of `annals.toml`.
//!
//! ```toml
//! [observer]
//! budget = "600/min"          # requests per minute over all hosts
//! host_budget = "120/min"     # per host (a platform, or a web host)
//! workers = 32                # requests in flight
//! confirmations = 2           # observations that confirm a disappearance
//! confirm_span = "15m"        # ... spanning at least this long (ghost flaps are shorter)
//! checkpoint_every = "10m"    # sign a ledger checkpoint this often (and at shutdown)
//!
//! [observer.platforms.weibo]
//! proxy = "socks5h://127.0.0.1:9050"
//! cookies_file = "/home/me/weibo-cookies.txt"   # sent, never archived
//!
//! [observer.endpoints]        # point a platform's base URL elsewhere (a simulator, a mirror)
//! "https://api.bilibili.com" = "http://127.0.0.1:8480"
//!
//! [lists.breaking]
//! policy = "hot"              # default | hot | daily, or a table of tiers
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use annals_schedule::{Backoff, Policy, PolicySpec};
use serde::Deserialize;

use crate::ObserverError;

/// `annals.toml` as the observer reads it (other tables are ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FileConfig {
    /// `[observer]`.
    #[serde(default)]
    pub observer: ObserverConfig,
    /// `[lists.NAME]`.
    #[serde(default)]
    pub lists: BTreeMap<String, ListConfig>,
}

/// `[lists.NAME]`: a watchlist's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListConfig {
    /// The policy of items added to the list without `--policy`.
    pub policy: PolicySpec,
}

/// Per-platform settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// Proxy URL (`http://`, `socks5h://`).
    pub proxy: Option<String>,
    /// A file holding the `Cookie` header value to send (never archived: redacted).
    pub cookies_file: Option<PathBuf>,
}

/// `[observer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObserverConfig {
    /// Global request budget, `N/min` or `N/s`.
    pub budget: String,
    /// Per-host request budget.
    pub host_budget: String,
    /// Requests in flight at most.
    pub workers: usize,
    /// Consecutive observations confirming a disappearance.
    pub confirmations: u32,
    /// Least time between the first and the confirming observation of a disappearance
    /// (`15m`): longer than the serving-node "ghost" flaps seen in the wild, so they are
    /// recorded as ghosts, not deletions. The interval's bounds are unaffected.
    pub confirm_span: String,
    /// Ledger checkpoint interval (`10m`); `0` for only at shutdown.
    pub checkpoint_every: String,
    /// Back-off for blocked hosts.
    pub backoff: Backoff,
    /// Base-URL rewrites: prefix → replacement.
    pub endpoints: BTreeMap<String, String>,
    /// Per-platform settings (`bilibili`, `zhihu`, `weibo`, `web`).
    pub platforms: BTreeMap<String, PlatformConfig>,
    /// User-Agent to send.
    pub user_agent: Option<String>,
    /// Whether an unchanged re-observation's revisit record is followed by its `request`
    /// record (`false` by default: the revisit keeps the URL, date, status and headers that
    /// are evidence, and the request is the one archived with the original response; `true`
    /// doubles the bytes of an unchanged re-observation).
    pub revisit_requests: bool,
}

impl Default for ObserverConfig {
    fn default() -> Self {
        ObserverConfig {
            budget: "600/min".into(),
            host_budget: "120/min".into(),
            workers: 32,
            confirmations: 2,
            confirm_span: "15m".into(),
            checkpoint_every: "10m".into(),
            backoff: Backoff::default(),
            endpoints: BTreeMap::new(),
            platforms: BTreeMap::new(),
            user_agent: None,
            revisit_requests: false,
        }
    }
}

/// Parses a rate: `600/min`, `10/s`, `36000/h`, or a bare number per minute. Returns requests
/// per second.
pub fn parse_rate(text: &str) -> Result<f64, ObserverError> {
    let t = text.trim();
    let (n, unit) = t.split_once('/').unwrap_or((t, "min"));
    let n: f64 = n
        .trim()
        .parse()
        .map_err(|_| ObserverError::Config(format!("not a rate: {text:?} (use e.g. 600/min)")))?;
    let per = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        other => {
            return Err(ObserverError::Config(format!(
                "unknown rate unit {other:?} in {text:?} (use /s, /min or /h)"
            )));
        }
    };
    if !(n.is_finite() && n > 0.0) {
        return Err(ObserverError::Config(format!(
            "a rate must be positive: {text:?}"
        )));
    }
    Ok(n / per)
}

impl ObserverConfig {
    /// The timeline settings: confirmations and their least span.
    pub fn timeline(&self) -> annals_timeline::Config {
        annals_timeline::Config {
            confirmations: self.confirmations.max(1),
            min_span_secs: annals_schedule::parse_secs(&self.confirm_span).unwrap_or(900),
        }
    }
}

impl FileConfig {
    /// Reads `annals.toml` in `root` (absent: defaults).
    pub fn load(root: &Path) -> Result<FileConfig, ObserverError> {
        let path = root.join("annals.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
            Err(e) => return Err(ObserverError::Config(format!("{}: {e}", path.display()))),
        };
        let cfg: FileConfig = toml::from_str(&text)
            .map_err(|e| ObserverError::Config(format!("{}: {e}", path.display())))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ObserverError> {
        parse_rate(&self.observer.budget)?;
        if annals_schedule::parse_secs(&self.observer.confirm_span).is_none() {
            return Err(ObserverError::Config(format!(
                "[observer] confirm_span {:?} is not a duration (use e.g. 15m)",
                self.observer.confirm_span
            )));
        }
        parse_rate(&self.observer.host_budget)?;
        for (name, list) in &self.lists {
            list.policy
                .resolve()
                .map_err(|e| ObserverError::Config(format!("[lists.{name}] policy: {e}")))?;
        }
        Ok(())
    }

    /// The policy named `name`: a list's configured policy when `name` is a list with one, a
    /// named policy (`default`, `hot`, `daily`), else the default.
    pub fn policy(&self, name: &str) -> Policy {
        if let Some(list) = self.lists.get(name)
            && let Ok(p) = list.policy.resolve()
        {
            return p;
        }
        Policy::named(name).unwrap_or_else(|_| Policy::standard())
    }

    /// The policy name for new items of `list` without an explicit `--policy`.
    pub fn list_policy(&self, list: &str) -> String {
        match self.lists.get(list).map(|l| &l.policy) {
            Some(PolicySpec::Named(n)) => n.clone(),
            Some(PolicySpec::Custom(_)) => list.to_string(),
            None => "default".into(),
        }
    }

    /// Rewrites `url` by the first matching `[observer.endpoints]` prefix.
    pub fn rewrite(&self, url: &str) -> String {
        for (from, to) in &self.observer.endpoints {
            if let Some(rest) = url.strip_prefix(from.as_str()) {
                return format!("{to}{rest}");
            }
        }
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("600/min").unwrap(), 10.0);
        assert_eq!(parse_rate("10/s").unwrap(), 10.0);
        assert_eq!(parse_rate("120").unwrap(), 2.0);
        assert!(parse_rate("x/min").is_err());
        assert!(parse_rate("5/fortnight").is_err());
        assert!(parse_rate("0/min").is_err());
    }

    #[test]
    fn reads_lists_and_endpoints() {
        let cfg: FileConfig = toml::from_str(
            "layout = 1\n[observer]\nbudget = \"60/min\"\n[observer.endpoints]\n\"https://api.bilibili.com\" = \"http://127.0.0.1:9\"\n[lists.breaking]\npolicy = \"hot\"\n",
        )
        .unwrap();
        assert_eq!(cfg.list_policy("breaking"), "hot");
        assert_eq!(cfg.list_policy("other"), "default");
        assert_eq!(
            cfg.rewrite("https://api.bilibili.com/x/web-interface/view?bvid=BV1"),
            "http://127.0.0.1:9/x/web-interface/view?bvid=BV1"
        );
        assert_eq!(cfg.policy("breaking"), Policy::hot());
    }
}

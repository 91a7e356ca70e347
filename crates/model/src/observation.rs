//! What a platform said about an [`Item`](crate::Item) at one moment: its [`State`], the raw
//! [`Signal`] behind that state, [`Metric`]s, [`Content`] and [`ChildRef`]s.
//!
//! Produced by the pure parsers in `annals-platforms`; stored and compared by the observer.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Who made an item disappear, as far as the evidence says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GoneReason {
    /// The author deleted it (e.g. Weibo "此微博已被作者删除", Bilibili owner `state -100`).
    AuthorDeleted,
    /// The platform removed or locked it (reports, moderation, police lock, duplicate merge).
    PlatformRemoved,
    /// It is gone and nothing says who did it (Bilibili `-404`, Zhihu `4041`).
    Unknown,
}

/// The normalised state of an item in one observation.
///
/// `Blocked` and `Error` are observation failures, not item states: they never count towards a
/// disappearance and leave the item's known state untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Publicly visible (possibly folded, labelled or with comments closed).
    Live,
    /// No longer viewable by the public, with attribution.
    Gone(GoneReason),
    /// Withheld pending moderation or processing (provisional disappearance).
    UnderReview,
    /// Visible to its author only (also: an author's visibility window that expired).
    SelfOnly,
    /// Not viewable from this vantage's region.
    RegionLocked,
    /// Viewable only when logged in, or with a membership/entitlement.
    LoginRequired,
    /// Anti-crawl, captcha, rate limit or our credentials refused: never a disappearance.
    Blocked,
    /// Transient failure or unparseable answer: timeout, 5xx, malformed JSON, unknown code.
    Error,
}

impl State {
    /// Every state, in declaration order (each [`GoneReason`] once).
    pub const ALL: [State; 10] = [
        State::Live,
        State::Gone(GoneReason::AuthorDeleted),
        State::Gone(GoneReason::PlatformRemoved),
        State::Gone(GoneReason::Unknown),
        State::UnderReview,
        State::SelfOnly,
        State::RegionLocked,
        State::LoginRequired,
        State::Blocked,
        State::Error,
    ];

    /// The stable name stored in the index: `live`, `gone:author_deleted`, ….
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Live => "live",
            State::Gone(GoneReason::AuthorDeleted) => "gone:author_deleted",
            State::Gone(GoneReason::PlatformRemoved) => "gone:platform_removed",
            State::Gone(GoneReason::Unknown) => "gone:unknown",
            State::UnderReview => "under_review",
            State::SelfOnly => "self_only",
            State::RegionLocked => "region_locked",
            State::LoginRequired => "login_required",
            State::Blocked => "blocked",
            State::Error => "error",
        }
    }

    /// Whether this state means the public can no longer see the item: `Gone`, `UnderReview`
    /// (provisional) and `SelfOnly`. Region locks, login walls, blocks and errors are not.
    pub fn is_disappearance(&self) -> bool {
        matches!(self, State::Gone(_) | State::UnderReview | State::SelfOnly)
    }

    /// Whether the observation failed (`Blocked`, `Error`) and says nothing about the item.
    pub fn is_observation_failure(&self) -> bool {
        matches!(self, State::Blocked | State::Error)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the stable [`State`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownState(pub String);

impl fmt::Display for UnknownState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown observation state {:?}", self.0)
    }
}

impl std::error::Error for UnknownState {}

impl FromStr for State {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One count as the platform showed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// An exact integer.
    Exact(u64),
    /// A rounded display such as `1.2万` or `100万+`: `lower` is the smallest value it can mean
    /// under the display (`12000`, `1000000`), `text` what was shown.
    Approx {
        /// Lower bound of the value.
        lower: u64,
        /// The text as shown.
        text: String,
    },
    /// The platform masked the count (`--`, negative, or similar).
    Hidden,
}

impl Metric {
    /// The exact value, or the lower bound of an approximate one.
    pub fn lower_bound(&self) -> Option<u64> {
        match self {
            Metric::Exact(n) => Some(*n),
            Metric::Approx { lower, .. } => Some(*lower),
            Metric::Hidden => None,
        }
    }
}

/// The raw platform signal an observation's state was derived from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Signal {
    /// HTTP status of the deciding response; `0` when no HTTP response was received.
    pub http_status: u16,
    /// The platform's own code as text (`"62002"`, `"4041"`, `"ok:0"`, `"errno:20101"`).
    pub code: Option<String>,
    /// The platform's message, or a description of the parse failure.
    pub message: Option<String>,
}

/// What the item says: its text and authorship.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Content {
    /// Title (video title, question title).
    pub title: Option<String>,
    /// Body text as the platform sent it (may be HTML for Zhihu and Weibo).
    pub text: Option<String>,
    /// Author's display name.
    pub author: Option<String>,
    /// Publication time, RFC 3339 in UTC (`2020-01-30T09:40:55Z`).
    pub published_at: Option<String>,
    /// Last edit time, RFC 3339 in UTC, when the platform states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Images, covers and other media the item shows.
    pub media_urls: Vec<String>,
}

/// Another item this one points to (a reposted original, a merge target).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChildRef {
    /// Platform name, as in [`Item::platform`](crate::Item::platform).
    pub platform: String,
    /// Native id, as in [`Item::native_id`](crate::Item::native_id).
    pub native_id: String,
    /// Canonical URL.
    pub url: String,
}

/// What one observation of an item found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The normalised state.
    pub state: State,
    /// The raw signal behind `state`.
    pub signal: Signal,
    /// Counts by name (`view`, `like`, `reposts_count`, …).
    pub metrics: BTreeMap<String, Metric>,
    /// The content, when the platform returned it.
    pub content: Option<Content>,
    /// Items referenced by this one.
    pub children: Vec<ChildRef>,
    /// `sha256:<hex>` of the content's canonical JSON, to notice edits.
    pub content_hash: Option<String>,
}

impl Observation {
    /// An observation with `state` and `signal` and nothing else.
    pub fn new(state: State, signal: Signal) -> Self {
        Observation {
            state,
            signal,
            metrics: BTreeMap::new(),
            content: None,
            children: Vec::new(),
            content_hash: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
            assert_eq!(state.to_string(), state.as_str());
        }
        assert!("gone".parse::<State>().is_err());
    }

    #[test]
    fn disappearance() {
        let yes: Vec<_> = State::ALL
            .into_iter()
            .filter(State::is_disappearance)
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            yes,
            [
                "gone:author_deleted",
                "gone:platform_removed",
                "gone:unknown",
                "under_review",
                "self_only"
            ]
        );
        assert!(!State::Blocked.is_disappearance());
        assert!(State::Blocked.is_observation_failure());
    }

    #[test]
    fn metric_bounds() {
        assert_eq!(Metric::Exact(5).lower_bound(), Some(5));
        let approx = Metric::Approx {
            lower: 12000,
            text: "1.2万".into(),
        };
        assert_eq!(approx.lower_bound(), Some(12000));
        assert_eq!(Metric::Hidden.lower_bound(), None);
    }
}

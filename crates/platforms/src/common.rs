//! Pieces every adapter shares: HTTP request/response values, count parsing, JSON access,
//! observation builders and the content hash.

use annals_model::{Content, Metric, Observation, Signal, State};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// An HTTP request an adapter wants made. The shell adds cookies, User-Agent and any signature
/// that [`Request::sign`] asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// HTTP method (`GET`).
    pub method: String,
    /// Absolute URL (unsigned).
    pub url: String,
    /// Headers the endpoint expects, as `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// The signature the endpoint needs, if any. Signing needs keys and the time, so the shell
    /// does it (for [`Signing::Wbi`]: [`crate::wbi::sign_url`] with keys from
    /// [`crate::wbi::nav_request`]).
    pub sign: Option<Signing>,
}

/// A request signature the shell must add before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signing {
    /// Bilibili WBI: `wts` and `w_rid` query parameters (platforms.md §1.8, [`crate::wbi`]).
    Wbi,
}

impl Request {
    pub(crate) fn get(url: String, headers: &[(&str, &str)]) -> Self {
        Request {
            method: "GET".to_owned(),
            url,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            sign: None,
        }
    }

    /// The same request, marked as needing `signing`.
    pub(crate) fn signed(mut self, signing: Signing) -> Self {
        self.sign = Some(signing);
        self
    }
}

/// An HTTP response handed back to an adapter (borrowed from the capture).
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The URL that was requested (the adapter recognises the endpoint from it).
    pub url: &'a str,
    /// HTTP status; `0` if no response arrived (timeout, connection error).
    pub status: u16,
    /// Response headers as `(name, value)`.
    pub headers: &'a [(String, String)],
    /// Response body (decoded from any transfer/content encoding).
    pub body: &'a [u8],
}

impl Response<'_> {
    /// A response header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The URL path without scheme, host, query or fragment.
    pub(crate) fn path(&self) -> &str {
        let rest = self.url.split_once("://").map_or(self.url, |(_, r)| r);
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        rest.find('/').map_or("/", |i| &rest[i..])
    }

    /// A query parameter's raw value.
    pub(crate) fn query(&self, key: &str) -> Option<&str> {
        let query = self.url.split_once('?')?.1.split('#').next()?;
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The body as JSON, if it is JSON.
    pub(crate) fn json(&self) -> Option<Value> {
        serde_json::from_slice(self.body).ok()
    }

    /// The body as (lossy) text, for HTML pages.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(self.body).into_owned()
    }
}

/// Parse a displayed count: `12146`, `"1.2万"`, `"100万+"`, `"36万次播放"`, `"--"`.
///
/// Integers are [`Metric::Exact`]; anything with 万 (10^4), 亿 (10^8) or a trailing `+` is
/// [`Metric::Approx`] with its lower bound; a masked count is [`Metric::Hidden`]. `None` when the
/// text is not a count at all.
///
/// ```
/// use annals_platforms::parse_count;
/// use annals_model::Metric;
/// assert_eq!(parse_count("1.2万"), Some(Metric::Approx { lower: 12000, text: "1.2万".into() }));
/// assert_eq!(parse_count("100万+").unwrap().lower_bound(), Some(1_000_000));
/// assert_eq!(parse_count("2387699"), Some(Metric::Exact(2387699)));
/// assert_eq!(parse_count("--"), Some(Metric::Hidden));
/// ```
pub fn parse_count(text: &str) -> Option<Metric> {
    let t = text.trim();
    if t.is_empty() || t.chars().all(|c| c == '-') {
        return Some(Metric::Hidden);
    }
    let digits_end = t
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(t.len(), |(i, _)| i);
    let (number, rest) = t.split_at(digits_end);
    let number: String = number.chars().filter(|&c| c != ',').collect();
    if number.is_empty() || number.starts_with('.') {
        return None;
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((&number, ""));
    if frac_part.contains('.') || frac_part.len() > 8 {
        return None;
    }
    let mut rest = rest.trim_start();
    let multiplier: u64 = if let Some(r) = rest.strip_prefix('万') {
        rest = r;
        10_000
    } else if let Some(r) = rest.strip_prefix('亿') {
        rest = r;
        100_000_000
    } else {
        1
    };
    let plus = rest.starts_with('+');
    // Anything after the number and unit must be a `+` or a Chinese label (`次播放`).
    if !rest.chars().all(|c| c == '+' || !c.is_ascii()) {
        return None;
    }
    let int: u64 = int_part.parse().ok()?;
    let scale = 10u64.pow(frac_part.len() as u32);
    let frac: u64 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().ok()?
    };
    let value = int
        .checked_mul(multiplier)?
        .checked_add(frac.checked_mul(multiplier)? / scale)?;
    if multiplier == 1 && !plus && frac_part.is_empty() {
        Some(Metric::Exact(value))
    } else {
        Some(Metric::Approx {
            lower: value,
            text: t.to_owned(),
        })
    }
}

/// A JSON count: number or displayed string. Negative numbers are masked counts.
pub(crate) fn metric(v: &Value) -> Option<Metric> {
    match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Some(Metric::Exact(u))
            } else if n.as_i64().is_some() {
                Some(Metric::Hidden)
            } else {
                let f = n.as_f64()?;
                (0.0..1e19).contains(&f).then_some(Metric::Exact(f as u64))
            }
        }
        Value::String(s) => parse_count(s),
        _ => None,
    }
}

/// Copy `fields` of `obj` into `metrics` under the names given (`(json field, metric name)`).
pub(crate) fn take_metrics(
    obj: &Value,
    fields: &[(&str, &str)],
    metrics: &mut std::collections::BTreeMap<String, Metric>,
) {
    for (field, name) in fields {
        if let Some(m) = obj.get(*field).and_then(metric) {
            metrics.insert((*name).to_owned(), m);
        }
    }
}

/// A JSON string, or a number rendered as text (ids, codes).
pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON integer, or a string holding one.
pub(crate) fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-empty JSON string field.
pub(crate) fn str_field(obj: &Value, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Truthy JSON: `true`, a non-zero number, `"1"`/`"true"`.
pub(crate) fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => s == "1" || s == "true",
        _ => false,
    }
}

/// Unix seconds in a JSON field → RFC 3339.
pub(crate) fn unix_field(obj: &Value, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(int_of)
        .filter(|&t| t > 0)
        .and_then(crate::time::rfc3339)
}

/// An observation with a state, the HTTP status, a code and a message.
pub(crate) fn observe(
    state: State,
    status: u16,
    code: Option<String>,
    message: Option<String>,
) -> Observation {
    Observation::new(
        state,
        Signal {
            http_status: status,
            code,
            message,
        },
    )
}

/// An `Error` observation describing what went wrong.
pub(crate) fn failure(status: u16, message: impl Into<String>) -> Observation {
    observe(State::Error, status, None, Some(message.into()))
}

/// Whether a body looks like an HTML page rather than JSON.
pub(crate) fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with('<') && (head.contains("<html") || head.contains("<!doctype"))
}

/// Attach content and its hash.
pub(crate) fn set_content(obs: &mut Observation, content: Content) {
    let canonical = serde_json::to_vec(&content).unwrap_or_default();
    let digest = Sha256::digest(&canonical);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    obs.content_hash = Some(format!("sha256:{hex}"));
    obs.content = Some(content);
}

/// Run `one` over every response and merge: the first response decides the state, signal,
/// content and children; later `Live` responses add metrics the first did not have.
pub(crate) fn merge(
    responses: &[Response<'_>],
    mut one: impl FnMut(&Response<'_>) -> Observation,
) -> Observation {
    let mut iter = responses.iter();
    let Some(first) = iter.next() else {
        return failure(0, "no response");
    };
    let mut obs = one(first);
    for resp in iter {
        let extra = one(resp);
        if extra.state == State::Live && !obs.state.is_observation_failure() {
            for (k, v) in extra.metrics {
                obs.metrics.entry(k).or_insert(v);
            }
        }
    }
    obs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let approx = |lower, text: &str| {
            Some(Metric::Approx {
                lower,
                text: text.to_owned(),
            })
        };
        assert_eq!(parse_count("0"), Some(Metric::Exact(0)));
        assert_eq!(parse_count("1,234"), Some(Metric::Exact(1234)));
        assert_eq!(parse_count("1.2万"), approx(12_000, "1.2万"));
        assert_eq!(parse_count("100万+"), approx(1_000_000, "100万+"));
        assert_eq!(parse_count("36万次播放"), approx(360_000, "36万次播放"));
        assert_eq!(parse_count("1.25亿"), approx(125_000_000, "1.25亿"));
        assert_eq!(parse_count("999+"), approx(999, "999+"));
        assert_eq!(parse_count("--"), Some(Metric::Hidden));
        for bad in [
            "abc",
            "1.2.3万",
            ".5万",
            "12k",
            "1e9",
            "99999999999999999999万",
        ] {
            assert_eq!(parse_count(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_metrics() {
        use serde_json::json;
        assert_eq!(metric(&json!(5)), Some(Metric::Exact(5)));
        assert_eq!(metric(&json!(-1)), Some(Metric::Hidden));
        assert_eq!(metric(&json!(null)), None);
        assert_eq!(
            metric(&json!("100万+")).unwrap().lower_bound(),
            Some(1_000_000)
        );
    }

    #[test]
    fn response_helpers() {
        let r = Response {
            url: "https://api.bilibili.com/x/web-interface/view?bvid=BV1xx411c7mQ#x",
            status: 200,
            headers: &[],
            body: b"",
        };
        assert_eq!(r.path(), "/x/web-interface/view");
        assert_eq!(r.query("bvid"), Some("BV1xx411c7mQ"));
        assert_eq!(r.query("aid"), None);
    }
}

//! Small pure helpers for the pages: times, snippets, diffs.

use axum::extract::Request;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::i18n::Lang;

/// The language of a request (`?lang=`, cookie, `Accept-Language`).
pub(crate) fn lang_of(req: &Request) -> Lang {
    let q = req.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "lang")
            .map(|(_, v)| v.to_string())
    });
    Lang::negotiate(q.as_deref(), req.headers())
}

/// A time for a `<time>` element: machine value (UTC, RFC 3339), the UTC text shown before the
/// script converts it, and the platform's local time for the hover title.
#[derive(Debug, Clone)]
pub(crate) struct When {
    pub iso: String,
    pub utc: String,
    pub platform: String,
}

/// UTC offset of a platform's own clock, in seconds (the Chinese platforms keep Beijing time).
pub(crate) fn platform_offset(platform: &str) -> i32 {
    match platform {
        "bilibili" | "zhihu" | "weibo" | "weibo-hot-search" => 8 * 3600,
        _ => 0,
    }
}

pub(crate) fn when(secs: i64, platform: &str) -> When {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(secs) else {
        return When {
            iso: String::new(),
            utc: secs.to_string(),
            platform: String::new(),
        };
    };
    let iso = t.format(&Rfc3339).unwrap_or_default();
    let utc = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let off = platform_offset(platform);
    let local = time::UtcOffset::from_whole_seconds(off)
        .map(|o| t.to_offset(o))
        .unwrap_or(t);
    let platform = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC{:+03}:00",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        off / 3600
    );
    When { iso, utc, platform }
}

/// Splits the search crate's escaped, `<mark>`-highlighted HTML back into plain text segments
/// (text, highlighted), so the templates escape every byte themselves and nothing archived is
/// ever marked safe.
pub(crate) fn marked_segments(html: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = html;
    let mut marked = false;
    loop {
        let tag = if marked { "</mark>" } else { "<mark>" };
        match rest.find(tag) {
            Some(i) => {
                if i > 0 {
                    out.push((unescape(&rest[..i]), marked));
                }
                rest = &rest[i + tag.len()..];
                marked = !marked;
            }
            None => {
                if !rest.is_empty() {
                    out.push((unescape(rest), marked));
                }
                return out;
            }
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiffLine {
    /// `=` same, `-` removed, `+` added.
    pub op: char,
    pub text: String,
}

/// Lines compared at most (a longer text is diffed on its first lines and says so).
const DIFF_LINES: usize = 2000;

/// A line diff (longest common subsequence) of two texts, unchanged runs kept short.
pub(crate) fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().take(DIFF_LINES).collect();
    let b: Vec<&str> = new.lines().take(DIFF_LINES).collect();
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: LCS length of a[i..], b[j..]; u16 keeps 2000×2000 at 8 MB.
    let mut lcs = vec![0u16; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * (m + 1) + j] = if a[i] == b[j] {
                lcs[(i + 1) * (m + 1) + j + 1].saturating_add(1)
            } else {
                lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(DiffLine {
                op: '=',
                text: a[i].to_string(),
            });
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i * (m + 1) + j + 1] >= lcs[(i + 1) * (m + 1) + j]) {
            out.push(DiffLine {
                op: '+',
                text: b[j].to_string(),
            });
            j += 1;
        } else {
            out.push(DiffLine {
                op: '-',
                text: a[i].to_string(),
            });
            i += 1;
        }
    }
    // Keep two lines of context around changes.
    let keep: Vec<bool> = (0..out.len())
        .map(|k| {
            let lo = k.saturating_sub(2);
            let hi = (k + 3).min(out.len());
            out[lo..hi].iter().any(|d| d.op != '=')
        })
        .collect();
    let mut short = Vec::new();
    let mut skipped = false;
    for (d, k) in out.into_iter().zip(keep) {
        if k {
            short.push(d);
            skipped = false;
        } else if !skipped {
            short.push(DiffLine {
                op: '=',
                text: "…".into(),
            });
            skipped = true;
        }
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_unescape_and_mark() {
        let s = marked_segments("a &lt;b&gt; <mark>x&amp;y</mark> z");
        assert_eq!(
            s,
            vec![
                ("a <b> ".to_string(), false),
                ("x&y".to_string(), true),
                (" z".to_string(), false)
            ]
        );
    }

    #[test]
    fn diff_finds_changed_line() {
        let d = diff("a\nb\nc", "a\nB\nc");
        assert_eq!(d.len(), 4);
        assert!(d.iter().any(|l| l.op == '-' && l.text == "b"));
        assert!(d.iter().any(|l| l.op == '+' && l.text == "B"));
    }

    #[test]
    fn platform_time_is_beijing_for_weibo() {
        let w = when(0, "weibo");
        assert_eq!(w.utc, "1970-01-01 00:00:00 UTC");
        assert_eq!(w.platform, "1970-01-01 08:00:00 UTC+08:00");
        assert_eq!(w.iso, "1970-01-01T00:00:00Z");
    }
}

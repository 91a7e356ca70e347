//! Dataset import (`annals import-table`): the rows of a researcher's CSV or JSONL table mapped
//! onto items, observations and disappearance events.
//!
//! Each row is archived first, as a WARC `resource` record (`urn:annals:row:…`) whose JSON body
//! holds the original row (`raw`) and what annals read from it. Observations and events are then
//! derived from those records exactly as from fetched responses, so the archive stays the truth,
//! the ledger covers the import, and `annals reindex` rebuilds it. Imported items are never
//! fetched: their place in the queue is "never".
//!
//! Pure: no IO, no clock. The shell reads the file and hands rows to [`Mapping::map_row`].
//!
//! ## The mapping
//! `--map url=COL|id=COL[+COL…],title=COL,text=COL,author=COL,published=COL,observed=COL,`
//! `gone_at=COL,reason=COL,state=COL,metric.NAME=COL`:
//! - `url` or `id` names the item. A URL annals knows (a Bilibili video, a Weibo post…) becomes
//!   that platform's item; `id` (several columns joined with `+`) names items of datasets with
//!   no URL, as `urn:annals:item:PLATFORM:ID` (`--platform`, default `table`).
//! - `observed` is when the row was seen (default: `published`). Each row is one observation.
//! - `state`: a value naming an annals state (`live`, `gone:author_deleted`, `under_review`…) or
//!   one of `gone`, `deleted`, `removed`, `censored`, `hidden`, `review` is that state; a deletion
//!   flag (`true`/`yes` gone, `false`/`no` live) too; any other value (`hot`, `rising`) means the
//!   item was seen, and is kept as the observation's code.
//! - `text_file`: the text is the content of a file the column names (the shell reads it, from
//!   the table's directory or `--files DIR`); it is archived with the row.
//! - `gone_at` (a time) and `reason` (as for `state`; default `gone:unknown`): the dataset's own
//!   statement that the item disappeared then.
//! - `metric.NAME`: a count (`12345`, `1,234`, `1.2万`, `100万+`).
//!
//! Times: RFC 3339 (`2026-07-24T00:42:00+08:00`), `YYYY-MM-DD[ HH:MM[:SS]]` in the given UTC
//! offset, or unix seconds / milliseconds.
//!
//! The dataset's statements are taken as they are: one observation of a disappearance confirms
//! it (the observer's own fetches need more, because a single fetch can mislead).

use std::collections::BTreeMap;

use annals_model::{Content, GoneReason, Metric, Observation, Signal, State};
use annals_platforms::{ItemRef, parse_count};
use annals_store::WatchRow;
use annals_warc::{RecordBuilder, WarcDate};
use serde::{Deserialize, Serialize};

/// Target-URI prefix of imported rows.
pub const ROW_URN: &str = "urn:annals:row:";

/// gzip level of the rows' records: a row is a few hundred bytes of JSON, for which level 1
/// (fixed Huffman codes) took a fraction of the archive's level 6 time (see README's import
/// figures for the size it costs).
pub const ROW_GZIP_LEVEL: u32 = 1;

/// Policy name of imported items (never fetched).
pub const IMPORTED_POLICY: &str = "imported";

/// Which column feeds which field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// `url=COL`.
    pub url: Option<String>,
    /// `id=COL[+COL…]`.
    pub id: Vec<String>,
    /// `title=COL`.
    pub title: Option<String>,
    /// `text=COL`.
    pub text: Option<String>,
    /// `text_file=COL`: the text is in a file the column names (read by the shell).
    pub text_file: Option<String>,
    /// `author=COL`.
    pub author: Option<String>,
    /// `published=COL`.
    pub published: Option<String>,
    /// `observed=COL`.
    pub observed: Option<String>,
    /// `gone_at=COL`.
    pub gone_at: Option<String>,
    /// `reason=COL`.
    pub reason: Option<String>,
    /// `state=COL`.
    pub state: Option<String>,
    /// `metric.NAME=COL`, in the order given.
    pub metrics: Vec<(String, String)>,
}

/// Reads the file a `text_file=` column names: its text, or why not.
pub type ReadText<'a> = &'a (dyn Fn(&str) -> Result<String, String> + Sync);

/// Where a row comes from and how to read it.
#[derive(Clone)]
pub struct RowContext<'a> {
    /// The file's name (no directories: the archive must not say where the researcher keeps it).
    pub source: &'a str,
    /// SHA-256 of the file, hex: ties every row to the exact file it came from.
    pub source_sha256: &'a str,
    /// 1-based line (CSV: the physical line the record starts on; JSONL: the line).
    pub line: u64,
    /// Watchlist of the items.
    pub list: &'a str,
    /// `--platform`: the platform of items named by `id`.
    pub platform: Option<&'a str>,
    /// Offset of times written without one, seconds east of UTC.
    pub utc_offset_s: i32,
    /// Reads the file a `text_file=` column names (the shell's IO).
    pub read_text: Option<ReadText<'a>>,
}

/// One imported row: the body of its archived record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// Always `table-row`.
    pub action: String,
    /// The file's name.
    pub source: String,
    /// SHA-256 of the file, hex.
    pub source_sha256: String,
    /// Its line.
    pub line: u64,
    /// Watchlist.
    pub list: String,
    /// Platform of the item.
    pub platform: String,
    /// The item's id on its platform (or in the dataset).
    pub native_id: String,
    /// The item's canonical URL (`urn:annals:item:…` for items named by id).
    pub url: String,
    /// Item kind (`video`, `post`, … or `row`).
    pub kind: String,
    /// When the row was seen, unix seconds.
    pub observed_at: i64,
    /// The state the row shows.
    pub state: State,
    /// The state column's own value, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Counts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, Metric>,
    /// Title, text, author, publication time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// When the dataset says the item disappeared, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone_at: Option<i64>,
    /// As what (a disappearance state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone_state: Option<State>,
    /// The row as read, column by column.
    pub raw: BTreeMap<String, String>,
}

impl Mapping {
    /// Parses `url=COL,title=COL,metric.view=COL,…`.
    pub fn parse(spec: &str) -> Result<Mapping, String> {
        let mut m = Mapping::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, col)) = part.split_once('=') else {
                return Err(format!("{part:?} is not KEY=COLUMN"));
            };
            let (key, col) = (key.trim(), col.trim());
            if col.is_empty() {
                return Err(format!("{key}= names no column"));
            }
            let slot = match key {
                "url" => &mut m.url,
                "id" => {
                    m.id = col.split('+').map(|c| c.trim().to_string()).collect();
                    if m.id.iter().any(String::is_empty) {
                        return Err(format!("id={col}: an empty column name"));
                    }
                    continue;
                }
                "title" => &mut m.title,
                "text" => &mut m.text,
                "text_file" => &mut m.text_file,
                "author" => &mut m.author,
                "published" => &mut m.published,
                "observed" => &mut m.observed,
                "gone_at" => &mut m.gone_at,
                "reason" => &mut m.reason,
                "state" => &mut m.state,
                k if k.starts_with("metric.") && k.len() > "metric.".len() => {
                    m.metrics
                        .push((k["metric.".len()..].to_string(), col.to_string()));
                    continue;
                }
                other => {
                    return Err(format!(
                        "unknown key {other:?}: use url, id, title, text, text_file, author, \
                         published, observed, gone_at, reason, state or metric.NAME"
                    ));
                }
            };
            if slot.is_some() {
                return Err(format!("{key} is mapped twice"));
            }
            *slot = Some(col.to_string());
        }
        if m.url.is_none() && m.id.is_empty() {
            return Err("map url=COL or id=COL: something must name each item".into());
        }
        if m.observed.is_none() && m.published.is_none() {
            return Err(
                "map observed=COL (when each row was seen), or at least published=COL".into(),
            );
        }
        Ok(m)
    }

    /// Every column the mapping reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut cols: Vec<&str> = [
            &self.url,
            &self.title,
            &self.text,
            &self.text_file,
            &self.author,
            &self.published,
            &self.observed,
            &self.gone_at,
            &self.reason,
            &self.state,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
        cols.extend(self.id.iter().map(String::as_str));
        cols.extend(self.metrics.iter().map(|(_, c)| c.as_str()));
        cols
    }

    /// Checks that every mapped column is in `header`.
    pub fn check_header(&self, header: &[String]) -> Result<(), String> {
        let missing: Vec<&str> = self
            .columns()
            .into_iter()
            .filter(|c| !header.iter().any(|h| h == c))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "no column {} in the file; its columns are: {}",
                missing
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                header.join(", ")
            ))
        }
    }

    /// Maps one row (`get` answers a column's value). An error names the field and the value:
    /// the row is then skipped whole.
    pub fn map_row(
        &self,
        get: impl Fn(&str) -> Option<String>,
        ctx: &RowContext<'_>,
    ) -> Result<TableRow, String> {
        let value = |col: &Option<String>| -> Option<String> {
            col.as_deref()
                .and_then(&get)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut raw = BTreeMap::new();
        for c in self.columns() {
            if let Some(v) = get(c) {
                raw.insert(c.to_string(), v);
            }
        }
        // The item.
        let url = value(&self.url);
        let (platform, native_id, canonical, kind) = if !self.id.is_empty() {
            let mut parts = Vec::with_capacity(self.id.len());
            for c in &self.id {
                match get(c)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                {
                    Some(v) => parts.push(v),
                    None => return Err(format!("id: column {c:?} is empty")),
                }
            }
            let id = parts.join("/");
            let platform = ctx.platform.unwrap_or("table").to_string();
            let canonical = match &url {
                Some(u) if is_absolute(u) => u.clone(),
                _ => format!("urn:annals:item:{platform}:{id}"),
            };
            (platform, id, canonical, "row".to_string())
        } else {
            let u = url.clone().ok_or("url: empty")?;
            if !is_absolute(&u) {
                return Err(format!(
                    "url {u:?} is not an absolute http(s) URL (map id=COL to name items by id)"
                ));
            }
            match ItemRef::parse(&u) {
                Ok(item) => {
                    let row =
                        crate::observer::watch_row(&item, ctx.list, IMPORTED_POLICY, false, 0);
                    (row.platform, row.native_id, row.canonical_url, row.kind)
                }
                Err(e) => return Err(format!("url {u:?}: {e}")),
            }
        };
        // When.
        let read_time = |field: &str, col: &Option<String>| -> Result<Option<i64>, String> {
            match value(col) {
                None => Ok(None),
                Some(v) => parse_time(&v, ctx.utc_offset_s)
                    .map(Some)
                    .ok_or_else(|| format!("{field}: cannot read {v:?} as a time")),
            }
        };
        let published = read_time("published", &self.published)?;
        let observed = match read_time("observed", &self.observed)? {
            Some(t) => t,
            None => published.ok_or_else(|| {
                if self.observed.is_some() {
                    "observed: empty".to_string()
                } else {
                    "published: empty (it stands for the observation time)".to_string()
                }
            })?,
        };
        let gone_at = read_time("gone_at", &self.gone_at)?;
        // What it showed.
        let status = value(&self.state);
        let state = match &status {
            Some(s) => state_word(s).unwrap_or(State::Live),
            None => State::Live,
        };
        let gone_state = match (gone_at, value(&self.reason)) {
            (None, _) => None,
            (Some(_), None) => Some(State::Gone(GoneReason::Unknown)),
            (Some(_), Some(r)) => Some(
                state_word(&r)
                    .filter(State::is_disappearance)
                    .unwrap_or(State::Gone(GoneReason::Unknown)),
            ),
        };
        let mut metrics = BTreeMap::new();
        for (name, col) in &self.metrics {
            let Some(v) = get(col)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            match parse_count(&v) {
                Some(m) => {
                    metrics.insert(name.clone(), m);
                }
                None => return Err(format!("metric.{name}: cannot read {v:?} as a count")),
            }
        }
        let text = match (value(&self.text), value(&self.text_file)) {
            (Some(t), _) => Some(t),
            (None, Some(path)) => match ctx.read_text {
                Some(read) => Some(read(&path).map_err(|e| format!("text_file: {e}"))?),
                None => return Err("text_file: no files to read from".into()),
            },
            (None, None) => None,
        };
        let content = Content {
            title: value(&self.title),
            text: text.filter(|t| !t.trim().is_empty()),
            author: value(&self.author),
            published_at: published.and_then(rfc3339),
            updated_at: None,
            media_urls: Vec::new(),
        };
        let has_content = content.title.is_some()
            || content.text.is_some()
            || content.author.is_some()
            || content.published_at.is_some();
        Ok(TableRow {
            action: "table-row".into(),
            source: ctx.source.to_string(),
            source_sha256: ctx.source_sha256.to_string(),
            line: ctx.line,
            list: ctx.list.to_string(),
            platform,
            native_id,
            url: canonical,
            kind,
            observed_at: observed,
            state,
            status,
            metrics,
            content: has_content.then_some(content),
            gone_at,
            gone_state,
            raw,
        })
    }
}

impl TableRow {
    /// The item's watch row (never due: imported items are not fetched).
    pub fn watch_row(&self) -> WatchRow {
        WatchRow {
            platform: self.platform.clone(),
            native_id: self.native_id.clone(),
            canonical_url: self.url.clone(),
            kind: self.kind.clone(),
            list: self.list.clone(),
            policy: IMPORTED_POLICY.into(),
            host: "table".into(),
            seed: false,
            parent_id: None,
            added_at: self.observed_at,
        }
    }

    /// The observation the row states.
    pub fn observation(&self) -> Observation {
        let mut obs = Observation::new(
            self.state,
            Signal {
                http_status: 0,
                code: self.status.clone(),
                message: Some(format!("{}:{}", self.source, self.line)),
            },
        );
        obs.metrics = self.metrics.clone();
        if let Some(c) = &self.content
            && self.state == State::Live
        {
            obs.content_hash = Some(content_hash(c));
            obs.content = Some(c.clone());
        }
        obs
    }

    /// The disappearance the row states with `gone_at`, as an observation at that time.
    pub fn gone_observation(&self) -> Option<(i64, Observation)> {
        let at = self.gone_at?;
        let state = self.gone_state.unwrap_or(State::Gone(GoneReason::Unknown));
        Some((
            at,
            Observation::new(
                state,
                Signal {
                    http_status: 0,
                    code: Some("gone_at".into()),
                    message: Some(format!("{}:{}", self.source, self.line)),
                },
            ),
        ))
    }

    /// The WARC `resource` record. Its date is the row's observation time: the record says what
    /// the dataset says was seen then (the import time is in the ledger's checkpoints).
    pub fn to_warc(&self) -> Vec<u8> {
        let id = annals_archive::new_record_id();
        let date = WarcDate::from_unix(self.observed_at, 0);
        let body = serde_json::to_vec(self).unwrap_or_default();
        RecordBuilder::new("resource", &id, &date)
            .target_uri(&row_urn(&self.source_sha256, self.line))
            .content_type("application/json")
            .build(&body)
    }

    /// Reads a row record's block.
    pub fn from_block(block: &[u8]) -> Option<TableRow> {
        serde_json::from_slice::<TableRow>(block)
            .ok()
            .filter(|r| r.action == "table-row")
    }
}

/// The WARC records of a chunk of rows, in order.
pub(crate) fn row_records(rows: &[TableRow]) -> Vec<Vec<u8>> {
    rows.iter().map(TableRow::to_warc).collect()
}

/// The Target-URI of a row's record: `urn:annals:row:` + the file's SHA-256 (16 hex digits) +
/// `:` + line. The same file imported twice gives the same URIs.
pub fn row_urn(file_sha256: &str, line: u64) -> String {
    let short: String = file_sha256.chars().take(16).collect();
    format!("{ROW_URN}{short}:{line}")
}

/// `sha256:<hex>` of the content's canonical JSON (as the platform adapters hash it).
pub(crate) fn content_hash(c: &Content) -> String {
    use sha2::{Digest, Sha256};
    let canonical = serde_json::to_vec(c).unwrap_or_default();
    let digest = Sha256::digest(&canonical);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn is_absolute(u: &str) -> bool {
    let l = u.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// A dataset's word for a state, if it names one.
pub fn state_word(word: &str) -> Option<State> {
    let w = word.trim().to_ascii_lowercase();
    if let Ok(s) = w.parse::<State>() {
        return Some(s);
    }
    Some(match w.as_str() {
        "gone" | "missing" | "404" | "unavailable" => State::Gone(GoneReason::Unknown),
        "deleted" | "author_deleted" | "self_deleted" => State::Gone(GoneReason::AuthorDeleted),
        "removed" | "censored" | "platform_removed" | "blocked_by_platform" => {
            State::Gone(GoneReason::PlatformRemoved)
        }
        "review" | "reviewing" | "under review" => State::UnderReview,
        // A deletion flag (`deleted_marker`): true means gone.
        "true" | "yes" | "y" => State::Gone(GoneReason::Unknown),
        "false" | "no" | "n" => State::Live,
        "hidden" | "private" | "self-only" => State::SelfOnly,
        _ => return None,
    })
}

/// Unix seconds of a time: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS[.f]]]` (or with `/`, or `T`) at
/// `offset_s` unless it carries `Z` or `±HH:MM`, or unix seconds (≤ 11 digits) / milliseconds.
pub fn parse_time(text: &str, offset_s: i32) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().ok()?;
        return Some(if t.len() >= 12 { n.div_euclid(1000) } else { n });
    }
    // Date part.
    let bytes = t.as_bytes();
    if bytes.len() < 8 {
        return None;
    }
    let (date, rest) = match t.find(['T', 't', ' ']) {
        Some(i) => (&t[..i], t[i + 1..].trim_start()),
        None => (t, ""),
    };
    let mut d = date.split(['-', '/']);
    let y: i32 = d.next()?.parse().ok()?;
    let mo: u8 = d.next()?.parse().ok()?;
    let da: u8 = d.next()?.parse().ok()?;
    if d.next().is_some() {
        return None;
    }
    let date = time::Date::from_calendar_date(y, time::Month::try_from(mo).ok()?, da).ok()?;
    // Time and offset.
    let (clock, offset) = split_offset(rest)?;
    let (h, mi, s) = if clock.is_empty() {
        (0, 0, 0)
    } else {
        let clock = clock.split('.').next()?;
        let mut c = clock.split(':');
        let h: u8 = c.next()?.parse().ok()?;
        let mi: u8 = c.next()?.parse().ok()?;
        let s: u8 = c.next().map_or(Some(0), |v| v.parse().ok())?;
        if c.next().is_some() {
            return None;
        }
        (h, mi, s)
    };
    let time = time::Time::from_hms(h, mi, s).ok()?;
    let offset = time::UtcOffset::from_whole_seconds(offset.unwrap_or(offset_s)).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .unix_timestamp(),
    )
}

/// Splits `HH:MM:SS(.f)?(Z|±HH:MM|±HHMM)?` into the clock and the offset in seconds.
fn split_offset(rest: &str) -> Option<(&str, Option<i32>)> {
    let rest = rest.trim();
    if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        return Some((c.trim_end(), Some(0)));
    }
    // A sign after the clock's first digits.
    if let Some(i) = rest.rfind(['+', '-']).filter(|&i| i > 0) {
        let (clock, off) = (&rest[..i], &rest[i..]);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hh: i32 = digits[..2].parse().ok()?;
        let mm: i32 = digits[2..].parse().ok()?;
        return Some((clock.trim_end(), Some(sign * (hh * 3600 + mm * 60))));
    }
    Some((rest, None))
}

/// RFC 3339 in UTC, seconds.
fn rfc3339(unix: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RowContext<'static> {
        RowContext {
            source: "hot.csv",
            source_sha256: "0123456789abcdef0123",
            line: 2,
            list: "hot",
            platform: Some("weibo-hot-search"),
            utc_offset_s: 8 * 3600,
            read_text: None,
        }
    }

    fn row(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        move |c: &str| map.get(c).cloned()
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2026-07-24T00:42:00+08:00", 0),
            Some(1_784_824_920)
        );
        assert_eq!(parse_time("2026-07-23T16:42:00Z", 0), Some(1_784_824_920));
        assert_eq!(
            parse_time("2026-07-23T16:42:00.123Z", 0),
            Some(1_784_824_920)
        );
        assert_eq!(
            parse_time("2026-07-24 00:42", 8 * 3600),
            Some(1_784_824_920)
        );
        assert_eq!(
            parse_time("2026/07/24 00:42:00 +0800", 0),
            Some(1_784_824_920)
        );
        assert_eq!(parse_time("2026-07-24", 0), Some(1_784_851_200));
        assert_eq!(parse_time("1784824920", 0), Some(1_784_824_920));
        assert_eq!(parse_time("1784824920123", 0), Some(1_784_824_920));
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026-07-24 25:00",
            "12:00",
        ] {
            assert_eq!(parse_time(bad, 0), None, "{bad}");
        }
    }

    #[test]
    fn mapping_errors_name_the_problem() {
        assert!(
            Mapping::parse("title=t")
                .unwrap_err()
                .contains("url=COL or id=COL")
        );
        assert!(Mapping::parse("id=a").unwrap_err().contains("observed=COL"));
        assert!(
            Mapping::parse("id=a,observed=t,colour=c")
                .unwrap_err()
                .contains("colour")
        );
        assert!(
            Mapping::parse("id=a,observed=t,observed=u")
                .unwrap_err()
                .contains("twice")
        );
        assert!(Mapping::parse("id=a+,observed=t").is_err());
        let m = Mapping::parse("id=day+text,observed=time,metric.heat=count").unwrap();
        let err = m
            .check_header(&["day".into(), "text".into(), "time".into()])
            .unwrap_err();
        assert!(
            err.contains("\"count\"") && err.contains("day, text, time"),
            "{err}"
        );
    }

    #[test]
    fn a_hot_search_row() {
        let m = Mapping::parse(
            "id=day_file+text,title=text,observed=snapshot_time,metric.heat=count,state=status",
        )
        .unwrap();
        let r = m
            .map_row(
                row(&[
                    ("day_file", "2026-07-24"),
                    ("text", "菲尔兹奖"),
                    ("snapshot_time", "2026-07-24T00:42:00+08:00"),
                    ("count", "3409256"),
                    ("status", "new"),
                ]),
                &ctx(),
            )
            .unwrap();
        assert_eq!(
            r.url,
            "urn:annals:item:weibo-hot-search:2026-07-24/菲尔兹奖"
        );
        assert_eq!(r.observed_at, 1_784_824_920);
        assert_eq!(r.state, State::Live);
        assert_eq!(r.status.as_deref(), Some("new"));
        assert_eq!(r.metrics["heat"], Metric::Exact(3_409_256));
        let obs = r.observation();
        assert!(obs.content_hash.is_some());
        assert_eq!(obs.signal.code.as_deref(), Some("new"));
        // Round trip through the archived record.
        let record = r.to_warc();
        let text = String::from_utf8_lossy(&record);
        assert!(text.contains("WARC-Target-URI: urn:annals:row:0123456789abcdef:2\r\n"));
        let body = &record[record.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
        let body = &body[..body.len() - 4];
        assert_eq!(TableRow::from_block(body), Some(r.clone()));
        // `gone` is a disappearance.
        let g = m
            .map_row(
                row(&[
                    ("day_file", "2026-07-24"),
                    ("text", "菲尔兹奖"),
                    ("snapshot_time", "2026-07-24T03:00:00+08:00"),
                    ("status", "gone"),
                ]),
                &ctx(),
            )
            .unwrap();
        assert_eq!(g.state, State::Gone(GoneReason::Unknown));
        assert!(g.observation().content.is_none());
    }

    #[test]
    fn bad_rows_say_why() {
        let m = Mapping::parse("url=u,observed=t,metric.view=v,gone_at=g,reason=r").unwrap();
        let ok = |pairs: &[(&str, &str)]| m.map_row(row(pairs), &ctx());
        let e = ok(&[("u", "/relative"), ("t", "2026-01-01")]).unwrap_err();
        assert!(e.contains("absolute"), "{e}");
        let e = ok(&[("u", "https://example.com/a"), ("t", "soon")]).unwrap_err();
        assert!(e.contains("observed") && e.contains("soon"), "{e}");
        let e = ok(&[
            ("u", "https://example.com/a"),
            ("t", "2026-01-01"),
            ("v", "many"),
        ])
        .unwrap_err();
        assert!(e.contains("metric.view"), "{e}");
        let r = ok(&[
            ("u", "https://www.bilibili.com/video/BV117411r7R1"),
            ("t", "2026-01-01"),
            ("v", "1.2万"),
            ("g", "2026-01-02 08:00"),
            ("r", "censored"),
        ])
        .unwrap();
        assert_eq!(r.platform, "bilibili");
        assert_eq!(r.kind, "video");
        assert_eq!(r.gone_at, Some(1_767_312_000));
        assert_eq!(r.gone_state, Some(State::Gone(GoneReason::PlatformRemoved)));
        assert_eq!(
            r.metrics["view"],
            Metric::Approx {
                lower: 12_000,
                text: "1.2万".into()
            }
        );
    }
}

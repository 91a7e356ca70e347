//! What the observer writes into the archive, and how it reads it back: watch requests as
//! WARC `resource` records (`urn:annals:watch:…`, JSON), and each observation's responses
//! tagged with the item they observe (`Annals-Item`), later responses of the same observation
//! pointing at the first with `WARC-Concurrent-To`.

use std::borrow::Cow;

use annals_platforms::Response;
use annals_store::WatchRow;
use annals_warc::{RecordBuilder, WarcDate, http};
use serde::{Deserialize, Serialize};

/// Target-URI prefix of watch records.
pub const WATCH_URN: &str = "urn:annals:watch:";

/// The WARC field naming the item an observation response belongs to.
pub const ITEM_FIELD: &str = "Annals-Item";

/// The JSON body of a watch record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchRecord {
    /// Always `watch`.
    pub action: String,
    /// Platform name.
    pub platform: String,
    /// Platform id.
    pub native_id: String,
    /// Canonical URL.
    pub url: String,
    /// Kind.
    pub kind: String,
    /// Watchlist.
    pub list: String,
    /// Policy name.
    pub policy: String,
    /// Rate-limit key.
    pub host: String,
    /// Seed flag.
    #[serde(default)]
    pub seed: bool,
    /// Canonical URL of the seed it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Unix seconds.
    pub added_at: i64,
}

impl WatchRecord {
    /// From a row (with the parent's URL, if any).
    pub fn from_row(row: &WatchRow, parent: Option<String>) -> WatchRecord {
        WatchRecord {
            action: "watch".into(),
            platform: row.platform.clone(),
            native_id: row.native_id.clone(),
            url: row.canonical_url.clone(),
            kind: row.kind.clone(),
            list: row.list.clone(),
            policy: row.policy.clone(),
            host: row.host.clone(),
            seed: row.seed,
            parent,
            added_at: row.added_at,
        }
    }

    /// Back to a row (the parent is resolved by the caller).
    pub fn to_row(&self) -> WatchRow {
        WatchRow {
            platform: self.platform.clone(),
            native_id: self.native_id.clone(),
            canonical_url: self.url.clone(),
            kind: self.kind.clone(),
            list: self.list.clone(),
            policy: self.policy.clone(),
            host: self.host.clone(),
            seed: self.seed,
            parent_id: None,
            added_at: self.added_at,
        }
    }

    /// The WARC `resource` record.
    pub fn to_warc(&self) -> Vec<u8> {
        let id = annals_archive::new_record_id();
        let date = WarcDate::from_unix(self.added_at, 0);
        let body = serde_json::to_vec(self).unwrap_or_default();
        RecordBuilder::new("resource", &id, &date)
            .target_uri(&format!("{WATCH_URN}{}", uuid::Uuid::new_v4()))
            .content_type("application/json")
            .build(&body)
    }

    /// Reads a watch record's block.
    pub fn from_block(block: &[u8]) -> Option<WatchRecord> {
        serde_json::from_slice::<WatchRecord>(block)
            .ok()
            .filter(|w| w.action == "watch")
    }
}

/// The JSON body of a watch-control record (also under [`WATCH_URN`]): items paused or
/// resumed, or a watchlist's policy changed. Archived like a watch request, so `annals reindex`
/// restores them in archive order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchControl {
    /// `pause`, `resume` or `policy`.
    pub action: String,
    /// Canonical URLs of the items paused or resumed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// The watchlist whose policy changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// The new policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Unix seconds.
    pub at: i64,
}

impl WatchControl {
    /// Items paused (`true`) or resumed.
    pub fn paused(items: Vec<String>, paused: bool, at: i64) -> WatchControl {
        WatchControl {
            action: if paused { "pause" } else { "resume" }.into(),
            items,
            list: None,
            policy: None,
            at,
        }
    }

    /// A list's policy set.
    pub fn policy(list: &str, policy: &str, at: i64) -> WatchControl {
        WatchControl {
            action: "policy".into(),
            items: Vec::new(),
            list: Some(list.to_string()),
            policy: Some(policy.to_string()),
            at,
        }
    }

    /// The WARC `resource` record.
    pub fn to_warc(&self) -> Vec<u8> {
        let id = annals_archive::new_record_id();
        let date = WarcDate::from_unix(self.at, 0);
        let body = serde_json::to_vec(self).unwrap_or_default();
        RecordBuilder::new("resource", &id, &date)
            .target_uri(&format!("{WATCH_URN}{}", uuid::Uuid::new_v4()))
            .content_type("application/json")
            .build(&body)
    }

    /// Reads a control record's block (`None` for a watch request or anything else).
    pub fn from_block(block: &[u8]) -> Option<WatchControl> {
        serde_json::from_slice::<WatchControl>(block)
            .ok()
            .filter(|w| match w.action.as_str() {
                "pause" | "resume" => true,
                "policy" => w.list.is_some() && w.policy.is_some(),
                _ => false,
            })
    }
}

/// A response as the parsers take it, owned: headers parsed, transfer and content coding
/// undone.
#[derive(Debug, Clone)]
pub struct OwnedResponse {
    /// The URL the adapter asked for (before any endpoint rewrite).
    pub url: String,
    /// HTTP status (0: none).
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Decoded body.
    pub body: Vec<u8>,
}

impl OwnedResponse {
    /// From an HTTP response message (status line, headers, body as transferred) or a head
    /// plus a separately given payload (a revisit's original).
    pub fn from_message(url: &str, message: &[u8], payload: Option<&[u8]>) -> OwnedResponse {
        let Some(head) = http::parse_head(message) else {
            return OwnedResponse {
                url: url.to_string(),
                status: 0,
                headers: Vec::new(),
                body: Vec::new(),
            };
        };
        let headers: Vec<(String, String)> = head
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        let raw: Cow<'_, [u8]> = match payload {
            Some(p) => Cow::Borrowed(p),
            None => http::payload(message, &head),
        };
        let body = match annals_platforms::web::decode_content(&headers, &raw) {
            Ok(b) => b.into_owned(),
            Err(_) => raw.into_owned(),
        };
        OwnedResponse {
            url: url.to_string(),
            status: head.status.unwrap_or(0),
            headers,
            body,
        }
    }

    /// Borrowed for the parsers.
    pub fn as_response(&self) -> Response<'_> {
        Response {
            url: &self.url,
            status: self.status,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_record_round_trips() {
        let row = WatchRow {
            platform: "bilibili".into(),
            native_id: "BV117411r7R1".into(),
            canonical_url: "https://www.bilibili.com/video/BV117411r7R1".into(),
            kind: "video".into(),
            list: "l".into(),
            policy: "hot".into(),
            host: "bilibili".into(),
            seed: false,
            parent_id: None,
            added_at: 1_700_000_000,
        };
        let rec = WatchRecord::from_row(&row, None);
        let warc = rec.to_warc();
        let read = annals_warc::WarcReader::new(&warc[..])
            .next()
            .unwrap()
            .unwrap();
        assert!(
            read.record
                .header
                .get("WARC-Target-URI")
                .unwrap()
                .starts_with(WATCH_URN)
        );
        let back = WatchRecord::from_block(&read.record.block).unwrap();
        assert_eq!(back.to_row(), row);
    }

    #[test]
    fn response_is_decoded() {
        let msg = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        let r = OwnedResponse::from_message("http://x/", msg, None);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"{}");
        let bad = OwnedResponse::from_message("http://x/", b"garbage", None);
        assert_eq!(bad.status, 0);
    }
}

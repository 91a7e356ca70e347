//! annals' platform adapters as pure code: item references in, HTTP requests out, HTTP
//! responses in, [`Observation`]s out. No IO, no clock: the observer (the shell) makes the
//! requests, stores the captures, and passes the capture time in.
//!
//! # Brief overview
//! - [`ItemRef`]: parse a URL or id (`BV…`, `av…`, Zhihu question/answer URLs, Weibo post and
//!   user URLs, any other http(s) URL as `web`, of kind [`Kind::Feed`] when the URL looks like a
//!   feed) into platform, [`Kind`], native id and canonical URL. [`aid_to_bvid`]/[`bvid_to_aid`] and [`mid_to_bid`]/[`bid_to_mid`] convert ids.
//! - [`requests`]: the API calls to make for an item ([`Request`]); a request marked
//!   [`Signing::Wbi`] must be signed by the shell with [`wbi::sign_url`] (keys from
//!   [`wbi::nav_request`], time passed in).
//! - [`parse`]: the responses ([`Response`]) → one [`Observation`]: a [`State`] with the raw
//!   signal, metrics ([`Metric`], including approximate counts such as `1.2万`), content and
//!   a content hash. **Parsers never fail**: empty or malformed bodies, CAPTCHA pages and 5xx
//!   answers become `Error` or `Blocked` observations that record what was seen.
//! - A Bilibili uploader (`space.bilibili.com/<mid>`, [`Kind::User`]) is observed through its
//!   video list; the videos are the observation's children.
//! - Per-platform modules [`bilibili`], [`zhihu`], [`weibo`], [`web`] expose the signal tables
//!   (`code_state`, `error_state`, `placeholder_state`, …) used by the parsers. [`web`] also
//!   decodes bodies (content encoding, charset) and extracts readable pages; [`feed`] reads
//!   RSS/Atom feeds. A `web` item is observed as a feed or a page depending on the response
//!   (the observer learns the `Content-Type` only after fetching).
//! - [`parse_weibo_time`] and [`parse_count`] parse Weibo's display times and counts.
//!
//! # Example
//! ```
//! use annals_platforms::{parse, requests, ItemRef, Response};
//! use annals_model::State;
//!
//! let item = ItemRef::parse("https://www.bilibili.com/video/BV117411r7R1").unwrap();
//! let request = &requests(&item)[0];
//! assert_eq!(request.url, "https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1");
//!
//! let body = r#"{"code":62002,"message":"稿件不可见","ttl":1}"#.as_bytes();
//! let response = Response { url: &request.url, status: 200, headers: &[], body };
//! let obs = parse(&item, &[response], 1_700_000_000);
//! assert_eq!(obs.state.as_str(), "gone:unknown");
//! assert_eq!(obs.signal.code.as_deref(), Some("62002"));
//! assert!(obs.state.is_disappearance());
//!
//! let garbage = Response { url: &request.url, status: 502, headers: &[], body: b"<html>" };
//! assert_eq!(parse(&item, &[garbage], 1_700_000_000).state, State::Error);
//! ```
#![deny(missing_docs)]

pub use annals_model::{ChildRef, Content, GoneReason, Metric, Observation, Signal, State};
pub use common::{Request, Response, Signing, parse_count};
pub use ids::{aid_to_bvid, bid_to_mid, bvid_to_aid, mid_to_bid};
pub use item::{ItemRef, ItemRefError, Kind, Platform};
pub use time::{Precision, WeiboTime, parse_weibo_time};

pub mod bilibili;
pub mod feed;
pub mod wbi;
pub mod web;
pub mod weibo;
pub mod zhihu;

mod common;
mod ids;
mod item;
mod time;

/// The requests to observe `item`, primary first.
pub fn requests(item: &ItemRef) -> Vec<Request> {
    match item.platform {
        Platform::Bilibili => bilibili::requests(item),
        Platform::Zhihu => zhihu::requests(item),
        Platform::Weibo => weibo::requests(item),
        Platform::Web => web::requests(item),
    }
}

/// Turn the responses to [`requests`] into an observation. The first response decides the
/// state; later ones only add metrics. `observed_at` is the capture time in unix seconds (the
/// WARC-Date), used for Weibo's relative times. Never panics, whatever the bytes.
pub fn parse(item: &ItemRef, responses: &[Response<'_>], observed_at: i64) -> Observation {
    match item.platform {
        Platform::Bilibili => bilibili::parse(item, responses),
        Platform::Zhihu => zhihu::parse(item, responses),
        Platform::Weibo => weibo::parse(item, responses, observed_at),
        Platform::Web => web::parse(item, responses),
    }
}

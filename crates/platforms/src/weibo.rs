//! Weibo posts and users on m.weibo.cn (platforms.md §3).
//!
//! Posts: `GET https://m.weibo.cn/statuses/show?id={mid}`. [`parse`] also reads
//! `statuses/extend` (long text + counts), a user timeline (`getIndex … containerid=107603…`,
//! the post's card), the comment lists (`comments/hotflow`, `api/comments/show`: only the total)
//! and old open-API bodies in which the post appears as a `retweeted_status` placeholder (the
//! way a deleted original's fate is read from its reposts).
//! Users: `GET https://m.weibo.cn/api/container/getIndex?type=uid&value={uid}&containerid=100505{uid}`.
//!
//! Metric names: posts `reposts_count`, `comments_count`, `attitudes_count` (counts may be
//! approximate, `100万+`), `comments_total` (comment lists' `total_number`); users
//! `statuses_count`, `followers_count`, `follow_count`.

use annals_model::{ChildRef, Content, GoneReason, Observation, State};
use serde_json::Value;

use crate::common::{
    Request, Response, failure, int_of, looks_like_html, merge, observe, set_content, str_field,
    take_metrics, text_of, truthy,
};
use crate::item::{ItemRef, Kind};
use crate::time::{parse_weibo_time, rfc3339};

const COUNT_FIELDS: [(&str, &str); 3] = [
    ("reposts_count", "reposts_count"),
    ("comments_count", "comments_count"),
    ("attitudes_count", "attitudes_count"),
];

/// The requests to observe a post or a user. The shell adds the visitor cookies (`SUB`, `SUBP`).
pub fn requests(item: &ItemRef) -> Vec<Request> {
    let headers = |referer: &str| {
        [
            ("MWeibo-Pwa", "1"),
            ("X-Requested-With", "XMLHttpRequest"),
            ("Accept", "application/json"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .chain([("Referer".to_owned(), referer.to_owned())])
        .collect()
    };
    let (url, referer) = match item.kind {
        Kind::User => {
            let uid = item.native_id.trim_start_matches("u/");
            (
                format!(
                    "https://m.weibo.cn/api/container/getIndex?type=uid&value={uid}&containerid=100505{uid}"
                ),
                item.canonical_url.clone(),
            )
        }
        _ => (
            format!("https://m.weibo.cn/statuses/show?id={}", item.native_id),
            format!("https://m.weibo.cn/detail/{}", item.native_id),
        ),
    };
    vec![Request {
        method: "GET".to_owned(),
        url,
        headers: headers(&referer),
        sign: None,
    }]
}

/// State for a placeholder status's text (a `deleted: "1"` record, or a `retweeted_status`
/// standing in for a vanished original), §3.4. `None` when the text is not a known placeholder.
pub fn placeholder_state(text: &str) -> Option<State> {
    if text.contains("已被作者删除") || text.contains("已被原作者删除") {
        Some(State::Gone(GoneReason::AuthorDeleted))
    } else if (text.contains("举报") || text.contains("投诉") || text.contains("社区"))
        && text.contains("删除")
    {
        Some(State::Gone(GoneReason::PlatformRemoved))
    } else if text.contains("没有这条微博的查看权限") {
        Some(State::SelfOnly)
    } else if text.contains("可见时间范围") || text.contains("仅展示半年内") {
        // The author's visibility window expired: author policy, reported as self-only.
        Some(State::SelfOnly)
    } else if text.contains("已被删除") || text.contains("微博不存在") {
        Some(State::Gone(GoneReason::Unknown))
    } else {
        None
    }
}

/// State for an `ok` other than 1, with `errno`/`error_code` and `msg`; unknown ones are `Error`.
pub fn error_state(ok: i64, errno: Option<i64>, msg: &str) -> State {
    match (ok, errno) {
        (-100, _) => State::Blocked,
        (_, Some(20101)) => State::Gone(GoneReason::Unknown),
        (_, Some(20112)) => State::Gone(GoneReason::PlatformRemoved),
        _ if msg.contains("不存在或暂无查看权限") => State::Gone(GoneReason::Unknown),
        _ if msg.contains("permission denied") => State::Gone(GoneReason::PlatformRemoved),
        // `这里还没有内容` is an empty result: it says nothing about the item.
        _ => State::Error,
    }
}

/// Observe a post or user. `observed_at` (unix seconds, the capture's WARC-Date) resolves
/// relative times such as `5分钟前` and `昨天 12:00`.
pub fn parse(item: &ItemRef, responses: &[Response<'_>], observed_at: i64) -> Observation {
    merge(responses, |r| parse_one(item, r, observed_at))
}

fn parse_one(item: &ItemRef, resp: &Response<'_>, observed_at: i64) -> Observation {
    let status = resp.status;
    if matches!(status, 403 | 418 | 429 | 432) {
        return observe(
            State::Blocked,
            status,
            Some(format!("http:{status}")),
            Some("throttled".to_owned()),
        );
    }
    let Some(json) = resp.json().filter(Value::is_object) else {
        return transport(resp);
    };
    if status >= 500 {
        return failure(status, "server error");
    }
    let errno = json
        .get("errno")
        .or_else(|| json.get("error_code"))
        .and_then(int_of);
    let msg = json
        .get("msg")
        .or_else(|| json.get("error"))
        .and_then(text_of);
    if let Some(ok) = json.get("ok").and_then(int_of).filter(|&ok| ok != 1) {
        let state = error_state(ok, errno, msg.as_deref().unwrap_or(""));
        let code = match errno {
            Some(e) => format!("ok:{ok}/errno:{e}"),
            None => format!("ok:{ok}"),
        };
        return observe(state, status, Some(code), msg);
    }
    if let Some(e) = errno {
        let state = error_state(0, Some(e), msg.as_deref().unwrap_or(""));
        return observe(state, status, Some(format!("errno:{e}")), msg);
    }
    if item.kind == Kind::User {
        return read_user(item, &json, status);
    }
    let path = resp.path();
    let data = json.get("data").unwrap_or(&Value::Null);
    let code = json.get("ok").map(|ok| format!("ok:{ok}"));
    if path.ends_with("/statuses/extend") && resp.query("id") == Some(item.native_id.as_str()) {
        let mut obs = observe(State::Live, status, code, None);
        take_metrics(data, &COUNT_FIELDS, &mut obs.metrics);
        let content = Content {
            text: str_field(data, "longTextContent"),
            ..Content::default()
        };
        set_content(&mut obs, content);
        return obs;
    }
    if path.contains("/comments/") {
        let post = resp.query("mid").or_else(|| resp.query("id"));
        if post == Some(item.native_id.as_str()) {
            let mut obs = observe(State::Live, status, code, None);
            take_metrics(
                data,
                &[("total_number", "comments_total")],
                &mut obs.metrics,
            );
            return obs;
        }
        return failure(status, "comment list of another post");
    }
    match find_status(&json, &item.native_id) {
        Some(st) => read_status(st, status, code, observed_at),
        None => failure(status, "post not in this response"),
    }
}

/// Every status object in a response: top level, `data`, timeline cards, and their reposts.
fn find_status<'a>(json: &'a Value, mid: &str) -> Option<&'a Value> {
    let mut candidates: Vec<&Value> = vec![json];
    if let Some(data) = json.get("data") {
        candidates.push(data);
        if let Some(cards) = data.get("cards").and_then(Value::as_array) {
            candidates.extend(cards.iter().filter_map(|c| c.get("mblog")));
        }
    }
    if let Some(list) = json.get("statuses").and_then(Value::as_array) {
        candidates.extend(list.iter());
    }
    let reposts: Vec<&Value> = candidates
        .iter()
        .filter_map(|c| c.get("retweeted_status"))
        .collect();
    candidates.extend(reposts);
    candidates.into_iter().find(|st| {
        ["id", "mid", "idstr"]
            .iter()
            .any(|k| st.get(*k).and_then(text_of).as_deref() == Some(mid))
    })
}

fn read_status(st: &Value, status: u16, code: Option<String>, observed_at: i64) -> Observation {
    let text = str_field(st, "text_raw").or_else(|| str_field(st, "text"));
    let placeholder = truthy(st.get("deleted")) || st.get("user").is_none_or(Value::is_null);
    if placeholder {
        let state = text
            .as_deref()
            .and_then(placeholder_state)
            .or_else(|| {
                // stablog: `visible.type 1` on a placeholder = "no permission".
                let vt = st
                    .get("visible")
                    .and_then(|v| v.get("type"))
                    .and_then(int_of);
                (vt == Some(1)).then_some(State::SelfOnly)
            })
            .unwrap_or(if truthy(st.get("deleted")) {
                State::Gone(GoneReason::Unknown)
            } else {
                State::Error
            });
        return observe(state, status, Some("deleted".to_owned()), text);
    }
    // A restricted audience (`visible.type != 0`) with content is still live for whoever sees it.
    let mut obs = observe(State::Live, status, code, None);
    take_metrics(st, &COUNT_FIELDS, &mut obs.metrics);
    let published_at = st
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|raw| parse_weibo_time(raw, observed_at))
        .and_then(|t| rfc3339(t.unix));
    let media_urls = st
        .get("pics")
        .and_then(Value::as_array)
        .map(|pics| {
            pics.iter()
                .filter_map(|p| {
                    p.get("large")
                        .and_then(|l| str_field(l, "url"))
                        .or_else(|| str_field(p, "url"))
                })
                .collect()
        })
        .unwrap_or_default();
    let content = Content {
        title: None,
        text,
        author: st.get("user").and_then(|u| str_field(u, "screen_name")),
        published_at,
        updated_at: None,
        media_urls,
    };
    set_content(&mut obs, content);
    if let Some(rt) = st.get("retweeted_status")
        && let Some(mid) = ["mid", "id", "idstr"]
            .iter()
            .find_map(|k| rt.get(*k).and_then(text_of))
    {
        obs.children.push(ChildRef {
            platform: "weibo".to_owned(),
            url: format!("https://m.weibo.cn/detail/{mid}"),
            native_id: mid,
        });
    }
    obs
}

fn read_user(item: &ItemRef, json: &Value, status: u16) -> Observation {
    let uid = item.native_id.trim_start_matches("u/");
    let Some(user) = json.get("data").and_then(|d| d.get("userInfo")) else {
        return failure(status, "no `userInfo` in response");
    };
    if user.get("id").and_then(text_of).as_deref() != Some(uid) {
        return failure(status, "response describes another user");
    }
    let mut obs = observe(State::Live, status, Some("ok:1".to_owned()), None);
    take_metrics(
        user,
        &[
            ("statuses_count", "statuses_count"),
            ("followers_count", "followers_count"),
            ("follow_count", "follow_count"),
        ],
        &mut obs.metrics,
    );
    let content = Content {
        title: str_field(user, "screen_name"),
        text: str_field(user, "description"),
        author: str_field(user, "screen_name"),
        media_urls: str_field(user, "profile_image_url").into_iter().collect(),
        ..Content::default()
    };
    set_content(&mut obs, content);
    obs
}

fn transport(resp: &Response<'_>) -> Observation {
    let status = resp.status;
    let html = looks_like_html(resp.body);
    let text = if html { resp.text() } else { String::new() };
    let to_passport = resp
        .header("location")
        .is_some_and(|l| l.contains("passport.weibo") || l.contains("visitor"));
    let state = match status {
        0 => State::Error,
        300..=399 if to_passport => State::Blocked,
        _ if text.contains("微博不存在或暂无查看权限") => {
            State::Gone(GoneReason::Unknown)
        }
        _ if text.contains("passport.weibo") || text.contains("visitor") => State::Blocked,
        _ => State::Error,
    };
    let what = if resp.body.is_empty() {
        "empty body"
    } else if html {
        "HTML page"
    } else {
        "malformed JSON"
    };
    observe(
        state,
        status,
        Some(format!("http:{status}")),
        Some(what.to_owned()),
    )
}

//! Bilibili videos and uploaders (platforms.md §1).
//!
//! Videos: the primary probe is `GET /x/web-interface/view?bvid=…` (no WBI signature needed).
//! Uploaders (`space.bilibili.com/<mid>`): `GET /x/space/wbi/arc/search?mid=…` (WBI-signed by
//! the shell, [`crate::wbi`]), newest first; its videos (`data.list.vlist[].bvid`) are the
//! observation's children, and `data.page.count` is the metric `videos`. [`parse`]
//! also reads the other recorded endpoints when the observer has them for the same video:
//! `archive/stat`, `x/v2/reply/count`, `x/v2/reply`, and the list endpoints `popular`,
//! `ranking/v2`, `wbi/search/type`, `space/wbi/arc/search` (the video's entry in the list).
//!
//! Metric names: `view`, `danmaku`, `reply`, `favorite`, `coin`, `share`, `like` (the `stat`
//! field names); list endpoints are mapped onto them (`play` → `view`, `video_review` →
//! `danmaku`, `comment`/`review` → `reply`, `favorites` → `favorite`); `reply_root` is
//! `x/v2/reply`'s root-comment count (`page.count`, while `page.acount` gives `reply`).

use annals_model::{ChildRef, Content, GoneReason, Observation, State};
use serde_json::Value;

use crate::common::{
    Request, Response, Signing, failure, int_of, looks_like_html, merge, observe, set_content,
    str_field, take_metrics, text_of, unix_field,
};
use crate::ids::{aid_to_bvid, bvid_to_aid, normalise_bvid};
use crate::item::{ItemRef, Kind};

const STAT_FIELDS: [(&str, &str); 7] = [
    ("view", "view"),
    ("danmaku", "danmaku"),
    ("reply", "reply"),
    ("favorite", "favorite"),
    ("coin", "coin"),
    ("share", "share"),
    ("like", "like"),
];

/// Videos the uploader list asks for per page (`ps`; the endpoint allows up to 50).
pub const UPLOADER_PAGE_SIZE: u32 = 30;

/// The requests to observe a video (`x/web-interface/view` by `bvid`) or an uploader (the first
/// page of `x/space/wbi/arc/search`, newest first, marked [`Signing::Wbi`]).
///
/// The shell adds a browser User-Agent, the `buvid3` cookie and the WBI signature; `Referer` is
/// set here.
pub fn requests(item: &ItemRef) -> Vec<Request> {
    if item.kind == Kind::User {
        let mid = item.bilibili_mid().unwrap_or("");
        let referer = format!("https://space.bilibili.com/{mid}/");
        return vec![
            Request::get(
                format!(
                    "https://api.bilibili.com/x/space/wbi/arc/search?mid={mid}&ps={UPLOADER_PAGE_SIZE}&pn=1&order=pubdate"
                ),
                &[("Referer", referer.as_str()), ("Accept", "application/json")],
            )
            .signed(Signing::Wbi),
        ];
    }
    vec![Request::get(
        format!(
            "https://api.bilibili.com/x/web-interface/view?bvid={}",
            item.native_id
        ),
        &[
            ("Referer", "https://www.bilibili.com/"),
            ("Accept", "application/json"),
        ],
    )]
}

/// State for a Bilibili API `code` (platforms.md §1.3, §5.2). `wbi` says whether the endpoint
/// is WBI-signed (there `-403` means a bad signature, i.e. `Blocked`). Code `0` is `Live`;
/// unknown codes are `Error`.
pub fn code_state(code: i64, message: &str, wbi: bool) -> State {
    match code {
        0 => State::Live,
        // Gone, cause unknown for a stranger; 62002 "稿件不可见" is "hidden" (possibly vantage).
        -404 | 62002 => State::Gone(GoneReason::Unknown),
        // 撞车跳转: merged into another id as a duplicate.
        -307 => State::Gone(GoneReason::PlatformRemoved),
        62004 => State::UnderReview,
        62012 => State::SelfOnly,
        -403 if wbi => State::Blocked,
        -403 => State::LoginRequired,
        -688 => State::RegionLocked,
        -10403 if message.contains("地区") => State::RegionLocked,
        // Entitlement: VIP-only, client not allowed, supporter-only, copyright restriction.
        -10403 | -689 | 87007 | 87008 | 10015002 => State::LoginRequired,
        // Comments closed: the video itself is live.
        12002 => State::Live,
        // Risk control, rate limits, our credentials refused.
        -352 | -412 | -799 | -509 | -101 | -111 => State::Blocked,
        // Transient server trouble, our own bad request, unknown codes.
        _ => State::Error,
    }
}

/// State for the archive `state` field that owners see (§1.4); `None` for an unknown value.
pub fn archive_state(state: i64) -> Option<State> {
    Some(match state {
        s if s >= 0 => State::Live,
        -1 | -6 | -7 | -8 | -10 | -13 => State::UnderReview,
        // Not yet public (scheduled, transcoding, …): withheld, like review.
        -9 | -11 | -12 | -15 | -16 | -20 | -30 | -40 => State::UnderReview,
        // -2 rejected, -3 police lock, -4 duplicate lock, -5 admin lock.
        -5..=-2 => State::Gone(GoneReason::PlatformRemoved),
        -14 => State::Gone(GoneReason::Unknown),
        -50 => State::SelfOnly,
        -100 => State::Gone(GoneReason::AuthorDeleted),
        _ => return None,
    })
}

/// State of one comment in a reply list (`state` field, §1.5): `17` is visible to its author only.
pub fn comment_state(state: i64) -> State {
    match state {
        17 => State::SelfOnly,
        _ => State::Live,
    }
}

/// Observe a video from its responses (first response decides; see [`crate::parse`]).
pub fn parse(item: &ItemRef, responses: &[Response<'_>]) -> Observation {
    merge(responses, |r| parse_one(item, r))
}

fn parse_one(item: &ItemRef, resp: &Response<'_>) -> Observation {
    let status = resp.status;
    let Some(json) = resp.json().filter(Value::is_object) else {
        return transport(resp);
    };
    let code = json.get("code").and_then(int_of);
    let message = json.get("message").and_then(text_of);
    let Some(code) = code else {
        return failure(status, "JSON without a Bilibili `code`");
    };
    let path = resp.path();
    let wbi = path.contains("/wbi/");
    let mut state = code_state(code, message.as_deref().unwrap_or(""), wbi);
    // A JSON answer with a 5xx or 412 status is still a failure of the observation.
    if status >= 500 {
        state = State::Error;
    } else if status == 412 {
        state = State::Blocked;
    }
    let mut obs = observe(state, status, Some(code.to_string()), message);
    if code != 0 || state != State::Live {
        return obs;
    }
    let data = json.get("data").unwrap_or(&Value::Null);
    if item.kind == Kind::User {
        if path.ends_with("/arc/search") {
            read_uploader(item, &mut obs, data);
        } else {
            obs.state = State::Error;
            obs.signal.message = Some(format!("unsupported endpoint {path} for an uploader"));
        }
        return obs;
    }
    let aid = bvid_to_aid(&item.native_id);
    match path {
        p if p.ends_with("/x/web-interface/view") || p.ends_with("/x/web-interface/wbi/view") => {
            read_view(&mut obs, data);
        }
        p if p.contains("/x/web-interface/view/detail")
            || p.contains("/x/web-interface/wbi/view/detail") =>
        {
            read_view(&mut obs, data.get("View").unwrap_or(&Value::Null));
        }
        p if p.ends_with("/archive/stat") => take_metrics(data, &STAT_FIELDS, &mut obs.metrics),
        p if p.ends_with("/x/v2/reply/count") => {
            take_metrics(data, &[("count", "reply")], &mut obs.metrics)
        }
        p if p.ends_with("/x/v2/reply") || p.ends_with("/x/v2/reply/main") => {
            let page = data.get("page").unwrap_or(&Value::Null);
            take_metrics(
                page,
                &[("acount", "reply"), ("count", "reply_root")],
                &mut obs.metrics,
            );
        }
        p if p.contains("/popular") || p.contains("/ranking/") => {
            let list = data.get("list").and_then(Value::as_array);
            match find_video(list, item, aid) {
                Some(entry) => {
                    take_metrics(
                        entry.get("stat").unwrap_or(&Value::Null),
                        &STAT_FIELDS,
                        &mut obs.metrics,
                    );
                    read_content(&mut obs, entry);
                }
                None => return not_listed(status, code),
            }
        }
        p if p.contains("/search/type") || p.contains("/arc/search") => {
            let list = data
                .get("result")
                .or_else(|| data.get("list").and_then(|l| l.get("vlist")))
                .and_then(Value::as_array);
            match find_video(list, item, aid) {
                Some(entry) => take_metrics(
                    entry,
                    &[
                        ("play", "view"),
                        ("video_review", "danmaku"),
                        // Uploader lists carry `comment` (and a zero `review`); search carries
                        // `review`: the later field wins.
                        ("review", "reply"),
                        ("comment", "reply"),
                        ("favorites", "favorite"),
                        ("like", "like"),
                    ],
                    &mut obs.metrics,
                ),
                None => return not_listed(status, code),
            }
        }
        _ => {
            obs.state = State::Error;
            obs.signal.message = Some(format!("unsupported Bilibili endpoint {path}"));
        }
    }
    obs
}

/// An uploader's video list (`data.list.vlist[]`): each video becomes a child.
fn read_uploader(item: &ItemRef, obs: &mut Observation, data: &Value) {
    let Some(vlist) = data
        .get("list")
        .and_then(|l| l.get("vlist"))
        .and_then(Value::as_array)
    else {
        obs.state = State::Error;
        obs.signal.message = Some("code 0 without `data.list.vlist`".to_owned());
        return;
    };
    let mid = item.bilibili_mid().unwrap_or("");
    for entry in vlist {
        if let Some(owner) = entry.get("mid").and_then(text_of)
            && owner != mid
        {
            obs.state = State::Error;
            obs.signal.message = Some(format!("list of uploader {owner}, not {mid}"));
            obs.children.clear();
            return;
        }
        let bvid = entry
            .get("bvid")
            .and_then(Value::as_str)
            .and_then(normalise_bvid)
            .or_else(|| {
                entry
                    .get("aid")
                    .and_then(Value::as_u64)
                    .and_then(aid_to_bvid)
            });
        if let Some(bvid) = bvid
            && !obs.children.iter().any(|c| c.native_id == bvid)
        {
            obs.children.push(ChildRef {
                platform: "bilibili".to_owned(),
                url: format!("https://www.bilibili.com/video/{bvid}"),
                native_id: bvid,
            });
        }
    }
    take_metrics(
        data.get("page").unwrap_or(&Value::Null),
        &[("count", "videos")],
        &mut obs.metrics,
    );
}

fn not_listed(status: u16, code: i64) -> Observation {
    observe(
        State::Error,
        status,
        Some(code.to_string()),
        Some("video not in this list response".to_owned()),
    )
}

fn find_video<'a>(
    list: Option<&'a Vec<Value>>,
    item: &ItemRef,
    aid: Option<u64>,
) -> Option<&'a Value> {
    list?.iter().find(|e| {
        e.get("bvid").and_then(Value::as_str) == Some(item.native_id.as_str())
            || (aid.is_some() && e.get("aid").and_then(Value::as_u64) == aid)
    })
}

fn read_view(obs: &mut Observation, data: &Value) {
    if !data.is_object() {
        obs.state = State::Error;
        obs.signal.message = Some("code 0 without `data`".to_owned());
        return;
    }
    if let Some(s) = data.get("state").and_then(int_of) {
        match archive_state(s) {
            Some(state) => obs.state = state,
            None => {
                obs.state = State::Error;
                obs.signal.message = Some(format!("unknown archive state {s}"));
            }
        }
        obs.signal.code = Some(format!("0/state:{s}"));
        if obs.state == State::Error {
            return;
        }
    }
    take_metrics(
        data.get("stat").unwrap_or(&Value::Null),
        &STAT_FIELDS,
        &mut obs.metrics,
    );
    if let Some(forward) = data
        .get("forward")
        .and_then(Value::as_u64)
        .filter(|&f| f > 0)
        && let Some(bvid) = aid_to_bvid(forward)
    {
        obs.children.push(ChildRef {
            platform: "bilibili".to_owned(),
            url: format!("https://www.bilibili.com/video/{bvid}"),
            native_id: bvid,
        });
    }
    read_content(obs, data);
}

fn read_content(obs: &mut Observation, data: &Value) {
    let content = Content {
        title: str_field(data, "title"),
        text: str_field(data, "desc"),
        author: data.get("owner").and_then(|o| str_field(o, "name")),
        published_at: unix_field(data, "pubdate"),
        updated_at: None,
        media_urls: str_field(data, "pic").into_iter().collect(),
    };
    set_content(obs, content);
}

/// A response that is not a JSON object: HTTP-level classification.
fn transport(resp: &Response<'_>) -> Observation {
    let status = resp.status;
    let html = looks_like_html(resp.body);
    let state = match status {
        0 => State::Error,
        // 412 HTML "出错啦! - bilibili.com" and 403: risk control, never deletion.
        412 | 403 | 429 => State::Blocked,
        _ if html && resp.text().contains("出错啦") => State::Blocked,
        _ => State::Error,
    };
    let what = if resp.body.is_empty() {
        "empty body"
    } else if html {
        "HTML page instead of JSON"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_url() {
        let item = ItemRef::parse("av170001").unwrap();
        let reqs = requests(&item);
        assert_eq!(reqs.len(), 1);
        assert_eq!(
            reqs[0].url,
            "https://api.bilibili.com/x/web-interface/view?bvid=BV17x411w7KC"
        );
    }

    #[test]
    fn uploader_request_is_wbi_signed() {
        let item = ItemRef::parse("https://space.bilibili.com/53456").unwrap();
        let reqs = requests(&item);
        assert_eq!(reqs.len(), 1);
        assert_eq!(
            reqs[0].url,
            "https://api.bilibili.com/x/space/wbi/arc/search?mid=53456&ps=30&pn=1&order=pubdate"
        );
        assert_eq!(reqs[0].sign, Some(Signing::Wbi));
        assert!(
            reqs[0]
                .headers
                .contains(&("Referer".into(), "https://space.bilibili.com/53456/".into()))
        );
        assert_eq!(requests(&ItemRef::parse("av170001").unwrap())[0].sign, None);
    }

    #[test]
    fn uploader_lists() {
        let item = ItemRef::parse("https://space.bilibili.com/7").unwrap();
        let url = "https://api.bilibili.com/x/space/wbi/arc/search?mid=7&ps=30&pn=1&order=pubdate&wts=1&w_rid=x";
        let obs = |body: &str| {
            parse(
                &item,
                &[Response {
                    url,
                    status: 200,
                    headers: &[],
                    body: body.as_bytes(),
                }],
            )
        };
        let listed = obs(
            r#"{"code":0,"data":{"list":{"vlist":[{"mid":7,"bvid":"BV17x411w7KC"},{"mid":7,"aid":1},{"mid":7,"bvid":"BV17x411w7KC"},{"mid":7,"bvid":"nope"}]},"page":{"count":4}}}"#,
        );
        assert_eq!(listed.state, State::Live);
        let ids: Vec<_> = listed
            .children
            .iter()
            .map(|c| c.native_id.as_str())
            .collect();
        assert_eq!(ids, ["BV17x411w7KC", "BV1xx411c7mQ"]);
        assert_eq!(listed.metrics["videos"], annals_model::Metric::Exact(4));
        let empty = obs(r#"{"code":0,"data":{"list":{"vlist":[]},"page":{"count":0}}}"#);
        assert_eq!((empty.state, empty.children.len()), (State::Live, 0));
        for (body, state) in [
            (r#"{"code":0,"data":{"list":{}}}"#, "error"),
            (
                r#"{"code":0,"data":{"list":{"vlist":[{"mid":8,"bvid":"BV17x411w7KC"}]}}}"#,
                "error",
            ),
            // A refused signature and risk control are blocks, never disappearances.
            (
                r#"{"code":-403,"message":"访问权限不足","ttl":1}"#,
                "blocked",
            ),
            (
                r#"{"code":-352,"message":"风控校验失败","ttl":1,"data":{"v_voucher":"v"}}"#,
                "blocked",
            ),
            (
                r#"{"code":-404,"message":"啥都木有","ttl":1}"#,
                "gone:unknown",
            ),
        ] {
            let o = obs(body);
            assert_eq!(o.state.as_str(), state, "{body}");
            assert!(o.children.is_empty(), "{body}");
        }
    }

    #[test]
    fn owner_states() {
        let item = ItemRef::parse("BV117411r7R1").unwrap();
        for (s, expected) in [
            (0, "live"),
            (1, "live"),
            (-1, "under_review"),
            (-40, "under_review"),
            (-50, "self_only"),
            (-100, "gone:author_deleted"),
            (-3, "gone:platform_removed"),
            (-14, "gone:unknown"),
            (-999, "error"),
        ] {
            let body = format!(
                r#"{{"code":0,"message":"0","data":{{"state":{s},"title":"t","stat":{{"view":5}}}}}}"#
            );
            let obs = parse(
                &item,
                &[Response {
                    url: "https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1",
                    status: 200,
                    headers: &[],
                    body: body.as_bytes(),
                }],
            );
            assert_eq!(obs.state.as_str(), expected, "state {s}");
        }
    }

    #[test]
    fn forward_is_a_child() {
        let item = ItemRef::parse("BV117411r7R1").unwrap();
        let body = br#"{"code":0,"data":{"state":0,"forward":170001,"stat":{"view":1}}}"#;
        let obs = parse(
            &item,
            &[Response {
                url: "https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1",
                status: 200,
                headers: &[],
                body,
            }],
        );
        assert_eq!(obs.state, State::Live);
        assert_eq!(obs.children[0].native_id, "BV17x411w7KC");
    }
}

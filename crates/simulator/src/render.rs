//! Responses: the real endpoint paths, JSON shapes, codes and messages (platforms.md), rendered
//! from what the world presents. The signal table is [`observed_as`].

use annals_model::{GoneReason, State};
use serde_json::{Value, json};

use crate::config::ItemState;
use crate::world::{NoiseKind, Presented, SimItem, SimKind, SimResponse, World};

/// The endpoints served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// `/x/web-interface/view` and `/x/web-interface/wbi/view`, by `bvid` or `aid`.
    BiliView,
    /// `/x/v2/reply/count?type=1&oid={aid}`.
    BiliReplyCount,
    /// `/api/v4/answers/{id}`.
    ZhihuAnswer,
    /// `/statuses/show?id={mid|bid}` (also under `/api/`).
    WeiboShow,
    /// `/statuses/extend?id={mid|bid}`.
    WeiboExtend,
    /// `/page/{id}`.
    Page,
}

impl Endpoint {
    fn kind(self) -> SimKind {
        match self {
            Endpoint::BiliView | Endpoint::BiliReplyCount => SimKind::BilibiliVideo,
            Endpoint::ZhihuAnswer => SimKind::ZhihuAnswer,
            Endpoint::WeiboShow | Endpoint::WeiboExtend => SimKind::WeiboPost,
            Endpoint::Page => SimKind::WebPage,
        }
    }
}

fn query<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Route a request to an endpoint and the numeric id it names (`None`: malformed id).
fn route(path: &str, q: &str) -> Option<(Endpoint, Option<u64>)> {
    let path = path.trim_end_matches('/');
    Some(match path {
        "/x/web-interface/view" | "/x/web-interface/wbi/view" => {
            let id = match (query(q, "bvid"), query(q, "aid")) {
                (Some(bvid), _) => annals_platforms::bvid_to_aid(bvid),
                (None, Some(aid)) => digits(aid.trim_start_matches(['a', 'v', 'A', 'V'])),
                (None, None) => None,
            };
            (Endpoint::BiliView, id)
        }
        "/x/v2/reply/count" => (Endpoint::BiliReplyCount, query(q, "oid").and_then(digits)),
        "/statuses/show" | "/api/statuses/show" | "/statuses/extend" | "/api/statuses/extend" => {
            let id = query(q, "id").and_then(|id| {
                digits(id).or_else(|| annals_platforms::bid_to_mid(id).and_then(|m| digits(&m)))
            });
            let endpoint = if path.ends_with("/extend") {
                Endpoint::WeiboExtend
            } else {
                Endpoint::WeiboShow
            };
            (endpoint, id)
        }
        _ => {
            if let Some(rest) = path.strip_prefix("/api/v4/answers/") {
                (Endpoint::ZhihuAnswer, digits(rest))
            } else if let Some(rest) = path.strip_prefix("/page/") {
                (Endpoint::Page, digits(rest))
            } else {
                return None;
            }
        }
    })
}

pub(crate) fn respond(world: &World, target: &str, now: u64) -> SimResponse {
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let target = target.split('#').next().unwrap_or("");
    let (path, q) = target.split_once('?').unwrap_or((target, ""));
    match path.trim_end_matches('/') {
        "/x/web-interface/nav" => return nav(world, now),
        "/x/space/wbi/arc/search" => return arc_search(world, q, now),
        _ => {}
    }
    let Some((endpoint, id)) = route(path, q) else {
        return SimResponse::new(404, "text/plain; charset=utf-8", "no such endpoint\n");
    };
    let kind = endpoint.kind();
    if let Some(noise) = world.noise_at(kind, now) {
        return match noise {
            NoiseKind::Block(v) => blocked(kind, v),
            NoiseKind::Outage(v) => outage(kind, v),
        };
    }
    let Some(id) = id else {
        return bad_request(kind);
    };
    let item = world.lookup(kind, id);
    let presented = item.map_or(Presented::NotYetPublished, |i| world.presented(i, now));
    match (presented, item) {
        (Presented::Blocked(v), _) => blocked(kind, v),
        (Presented::Outage(v), _) => outage(kind, v),
        (Presented::State(ItemState::Live), Some(item)) => live(world, endpoint, item, now),
        (Presented::State(state), Some(item)) => withheld(world, endpoint, item, state, now),
        _ => not_found(kind),
    }
}

/// What `annals_platforms::parse` makes of the primary probe's answer for `presented`.
pub(crate) fn observed_as(kind: SimKind, presented: Presented) -> State {
    use ItemState::*;
    let unknown = State::Gone(GoneReason::Unknown);
    match presented {
        Presented::Blocked(_) => State::Blocked,
        Presented::Outage(_) => State::Error,
        Presented::NotYetPublished | Presented::Ghost => unknown,
        Presented::State(Live) => State::Live,
        Presented::State(state) => match (kind, state) {
            (SimKind::BilibiliVideo, UnderReview) => State::UnderReview,
            (SimKind::BilibiliVideo, SelfOnly) => State::SelfOnly,
            (SimKind::BilibiliVideo, RegionLocked) => State::RegionLocked,
            (SimKind::ZhihuAnswer, PlatformRemoved) => State::Gone(GoneReason::PlatformRemoved),
            (SimKind::ZhihuAnswer, UnderReview) => State::UnderReview,
            (SimKind::ZhihuAnswer, SelfOnly) => State::SelfOnly,
            (SimKind::WebPage, AuthorDeleted) => State::Gone(GoneReason::AuthorDeleted),
            (SimKind::WebPage, RegionLocked) => State::RegionLocked,
            _ => unknown,
        },
    }
}

/// The signal name of a noise episode, for the ground truth.
pub(crate) fn noise_signal(kind: SimKind, noise: NoiseKind) -> &'static str {
    match (kind, noise) {
        (SimKind::BilibiliVideo, NoiseKind::Block(0)) => "-352",
        (SimKind::BilibiliVideo, NoiseKind::Block(1)) => "-412",
        (SimKind::BilibiliVideo, NoiseKind::Block(_)) => "http:412",
        (SimKind::ZhihuAnswer, NoiseKind::Block(0)) => "40352",
        (SimKind::ZhihuAnswer, NoiseKind::Block(1)) => "40362",
        (SimKind::ZhihuAnswer, NoiseKind::Block(_)) => "http:403",
        (SimKind::WeiboPost, NoiseKind::Block(0)) => "http:418",
        (SimKind::WeiboPost, NoiseKind::Block(1)) => "ok:-100",
        (SimKind::WeiboPost, NoiseKind::Block(_)) => "http:432",
        (SimKind::WebPage, NoiseKind::Block(1)) => "http:403",
        (SimKind::WebPage, NoiseKind::Block(_)) => "http:429",
        (SimKind::BilibiliVideo, NoiseKind::Outage(1)) => "-503",
        (_, NoiseKind::Outage(0)) => "http:502",
        (_, NoiseKind::Outage(1)) => "http:503",
        (_, NoiseKind::Outage(_)) => "http:504",
    }
}

fn bili(code: i64, message: &str, with_data: bool) -> SimResponse {
    let body = if with_data {
        json!({"code": code, "message": message, "ttl": 1, "data": null})
    } else {
        json!({"code": code, "message": message, "ttl": 1})
    };
    SimResponse::json(200, &body)
}

fn zhihu_error(status: u16, code: i64, name: Option<&str>, message: &str) -> SimResponse {
    let mut error = json!({"code": code, "message": message});
    if let Some(name) = name {
        error["name"] = json!(name);
    }
    SimResponse::json(status, &json!({ "error": error }))
}

fn weibo_gone() -> SimResponse {
    SimResponse::json(
        200,
        &json!({"ok": 0, "errno": "20101", "msg": "微博不存在或暂无查看权限!"}),
    )
}

fn page(status: u16, title: &str, text: &str) -> SimResponse {
    SimResponse::html(
        status,
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body><h1>{title}</h1><p>{text}</p></body></html>\n"
        ),
    )
}

fn blocked(kind: SimKind, variant: u8) -> SimResponse {
    match (kind, variant) {
        (SimKind::BilibiliVideo, 0) => {
            let voucher = "voucher_5e1d0c2a-0000-4000-8000-annalssim0001";
            SimResponse::json(
                200,
                &json!({"code": -352, "message": "风控校验失败", "ttl": 1,
                        "data": {"v_voucher": voucher}}),
            )
            .with_header("x-bili-gaia-vvoucher", voucher)
        }
        (SimKind::BilibiliVideo, 1) => bili(-412, "请求被拦截", true),
        (SimKind::BilibiliVideo, _) => page(412, "出错啦! - bilibili.com", "请求被拦截"),
        (SimKind::ZhihuAnswer, 0) => SimResponse::json(
            403,
            &json!({"error": {"need_login": true,
                "redirect": "https://www.zhihu.com/account/unhuman?type=S6E3V1&need_login=true",
                "code": 40352, "message": "系统监测到您的网络环境存在异常"}}),
        ),
        (SimKind::ZhihuAnswer, 1) => zhihu_error(429, 40362, None, "请求过于频繁，请稍后再试"),
        (SimKind::ZhihuAnswer, _) => page(403, "知乎", "你似乎来到了没有知识存在的荒原"),
        (SimKind::WeiboPost, 0) => SimResponse::new(418, "text/plain; charset=utf-8", ""),
        (SimKind::WeiboPost, 1) => SimResponse::json(
            200,
            &json!({"ok": -100, "url": "https://passport.weibo.com/visitor/visitor?entry=miniblog"}),
        ),
        (SimKind::WeiboPost, _) => SimResponse::new(432, "text/plain; charset=utf-8", ""),
        (SimKind::WebPage, 1) => page(403, "Just a moment...", "Checking your browser."),
        (SimKind::WebPage, _) => {
            page(429, "Too Many Requests", "Slow down.").with_header("retry-after", "120")
        }
    }
}

fn outage(kind: SimKind, variant: u8) -> SimResponse {
    if kind == SimKind::BilibiliVideo && variant == 1 {
        return bili(-503, "过载保护,服务暂不可用", true);
    }
    let status = match variant {
        0 => 502,
        1 => 503,
        _ => 504,
    };
    page(
        status,
        &format!("{status} Server Error"),
        "upstream failure",
    )
}

fn bad_request(kind: SimKind) -> SimResponse {
    match kind {
        SimKind::BilibiliVideo => bili(-400, "请求错误", true),
        SimKind::ZhihuAnswer => not_found(kind),
        SimKind::WeiboPost => weibo_gone(),
        SimKind::WebPage => page(404, "Not Found", "No such page."),
    }
}

fn not_found(kind: SimKind) -> SimResponse {
    match kind {
        SimKind::BilibiliVideo => bili(-404, "啥都木有", true),
        SimKind::ZhihuAnswer => zhihu_error(404, 4041, Some("NotFoundError"), "资源不存在"),
        SimKind::WeiboPost => weibo_gone(),
        SimKind::WebPage => page(404, "Not Found", "No such page."),
    }
}

/// An item that exists but is not publicly live.
fn withheld(
    world: &World,
    endpoint: Endpoint,
    item: &SimItem,
    state: ItemState,
    now: u64,
) -> SimResponse {
    use ItemState::*;
    match (item.kind, state) {
        (SimKind::BilibiliVideo, AuthorDeleted) => bili(-404, "啥都木有", true),
        (SimKind::BilibiliVideo, PlatformRemoved) => bili(62002, "稿件不可见", false),
        (SimKind::BilibiliVideo, UnderReview) => bili(62004, "稿件审核中", true),
        (SimKind::BilibiliVideo, SelfOnly) => bili(62012, "仅UP主自己可见", true),
        (SimKind::BilibiliVideo, _) => bili(-688, "地理区域限制", true),
        (SimKind::ZhihuAnswer, PlatformRemoved | UnderReview | SelfOnly)
            if endpoint == Endpoint::ZhihuAnswer =>
        {
            let mut body = zhihu_answer(world, item, now);
            match state {
                PlatformRemoved => {
                    body["suggest_edit"] = json!({
                        "status": true,
                        "reason": "回答建议修改：不友善内容",
                        "tip": "作者修改内容通过后，回答会重新显示",
                        "title": "",
                        "url": "",
                        "unnormal_details": {"status": "", "description": "", "reason": "",
                                             "reason_id": 0, "note": ""}
                    })
                }
                UnderReview => {
                    body["review_info"] =
                        json!({"is_reviewing": true, "tips": "内容审核中", "type": "review"})
                }
                _ => body["visible_only_to_author"] = json!(true),
            }
            SimResponse::json(200, &body)
        }
        (SimKind::ZhihuAnswer, _) => not_found(SimKind::ZhihuAnswer),
        (SimKind::WeiboPost, _) => weibo_gone(),
        (SimKind::WebPage, AuthorDeleted) => page(410, "Gone", "The author removed this page."),
        (SimKind::WebPage, RegionLocked) => page(
            451,
            "Unavailable For Legal Reasons",
            "This page is not available in your region.",
        ),
        (SimKind::WebPage, _) => page(404, "Not Found", "No such page."),
    }
}

fn live(world: &World, endpoint: Endpoint, item: &SimItem, now: u64) -> SimResponse {
    match endpoint {
        Endpoint::BiliView => SimResponse::json(
            200,
            &json!({"code": 0, "message": "0", "ttl": 1, "data": bili_view(world, item, now)}),
        ),
        Endpoint::BiliReplyCount => SimResponse::json(
            200,
            &json!({"code": 0, "message": "0", "ttl": 1,
                    "data": {"count": item.metrics(now)[2]}}),
        ),
        Endpoint::ZhihuAnswer => SimResponse::json(200, &zhihu_answer(world, item, now)),
        Endpoint::WeiboShow => SimResponse::json(
            200,
            &json!({"ok": 1, "data": weibo_status(world, item, now)}),
        ),
        Endpoint::WeiboExtend => {
            let m = item.metrics(now);
            SimResponse::json(
                200,
                &json!({"ok": 1, "data": {"ok": 1,
                    "longTextContent": weibo_text(item, now),
                    "reposts_count": weibo_count(m[1]),
                    "comments_count": weibo_count(m[2]),
                    "attitudes_count": weibo_count(m[3])}}),
            )
        }
        Endpoint::Page => {
            let v = item.version_at(now);
            page(
                200,
                &format!("Simulated page {}", item.number),
                &format!("Simulated article {}, version {v}.", item.number),
            )
        }
    }
}

/// `/x/web-interface/nav` as a guest sees it (the recorded shape: `code:-101` with `wbi_img`).
/// Blocks and outages of the platform apply here too.
fn nav(world: &World, now: u64) -> SimResponse {
    let kind = SimKind::BilibiliVideo;
    if let Some(noise) = world.noise_at(kind, now) {
        return match noise {
            NoiseKind::Block(v) => blocked(kind, v),
            NoiseKind::Outage(v) => outage(kind, v),
        };
    }
    let (img, sub) = world.wbi_keys(now);
    SimResponse::json(
        200,
        &json!({"code": -101, "message": "账号未登录", "ttl": 1, "data": {
            "isLogin": false,
            "wbi_img": {
                "img_url": format!("https://i0.hdslb.com/bfs/wbi/{img}.png"),
                "sub_url": format!("https://i0.hdslb.com/bfs/wbi/{sub}.png"),
            }
        }}),
    )
}

fn uploader_name(mid: u64) -> String {
    format!("模拟UP主{mid}")
}

/// `/x/space/wbi/arc/search?mid=…&ps=…&pn=…` (WBI-signed): the uploader's live videos, newest
/// first, in the recorded shape. A missing or wrong signature gets `-403 访问权限不足`.
fn arc_search(world: &World, q: &str, now: u64) -> SimResponse {
    let kind = SimKind::BilibiliVideo;
    if let Some(noise) = world.noise_at(kind, now) {
        return match noise {
            NoiseKind::Block(v) => blocked(kind, v),
            NoiseKind::Outage(v) => outage(kind, v),
        };
    }
    if !world.wbi_valid(q, now) {
        return bili(-403, "访问权限不足", false);
    }
    let Some(mid) = query(q, "mid").and_then(digits) else {
        return bili(-400, "请求错误", true);
    };
    let Some(videos) = world.uploader_videos(mid, now) else {
        return bili(-404, "啥都木有", true);
    };
    let ps = query(q, "ps").and_then(digits).unwrap_or(30).clamp(1, 50);
    let pn = query(q, "pn").and_then(digits).unwrap_or(1).max(1);
    let start = usize::try_from((pn - 1).saturating_mul(ps)).unwrap_or(usize::MAX);
    let vlist: Vec<Value> = videos
        .iter()
        .skip(start)
        .take(ps as usize)
        .map(|item| {
            let m = item.metrics(now);
            let v = item.version_at(now);
            let length = 60 + item.number % 600;
            json!({
                "comment": m[2],
                "typeid": 28,
                "play": m[0],
                "pic": format!("//i0.hdslb.com/bfs/archive/sim{}.jpg", item.number),
                "subtitle": "",
                "description": format!("模拟简介 {}，第{v}版", item.index),
                "copyright": "1",
                "title": format!("模拟视频 {} 第{v}版", item.index),
                "review": 0,
                "author": uploader_name(mid),
                "mid": mid,
                "created": world.unix(item.published_at),
                "length": format!("{:02}:{:02}", length / 60, length % 60),
                "video_review": m[1],
                "aid": item.number,
                "bvid": item.native_id,
                "hide_click": false,
                "is_pay": 0,
                "is_union_video": 0,
                "is_steins_gate": 0
            })
        })
        .collect();
    SimResponse::json(
        200,
        &json!({"code": 0, "message": "0", "ttl": 1, "data": {
            "list": {
                "tlist": {"3": {"tid": 3, "count": videos.len(), "name": "音乐"}},
                "vlist": vlist
            },
            "page": {"pn": pn, "ps": ps, "count": videos.len()},
            "episodic_button": {
                "text": "播放全部",
                "uri": format!("//www.bilibili.com/medialist/play/{mid}?from=space")
            }
        }}),
    )
}

fn bili_view(world: &World, item: &SimItem, now: u64) -> Value {
    let m = item.metrics(now);
    let pubdate = world.unix(item.published_at);
    let v = item.version_at(now);
    let mid = item.uploader.unwrap_or(crate::world::FIRST_UPLOADER_MID);
    json!({
        "bvid": item.native_id,
        "aid": item.number,
        "videos": 1,
        "tid": 28,
        "tname": "原创音乐",
        "copyright": 1,
        "pic": format!("http://i0.hdslb.com/bfs/archive/sim{}.jpg", item.number),
        "title": format!("模拟视频 {} 第{v}版", item.index),
        "pubdate": pubdate,
        "ctime": pubdate - 600,
        "desc": format!("模拟简介 {}，第{v}版", item.index),
        "state": 0,
        "duration": 60 + item.number % 600,
        "owner": {"mid": mid, "name": uploader_name(mid),
                  "face": format!("http://i0.hdslb.com/bfs/face/sim{mid}.jpg")},
        "stat": {
            "aid": item.number, "view": m[0], "danmaku": m[1], "reply": m[2], "favorite": m[3],
            "coin": m[4], "share": m[5], "now_rank": 0, "his_rank": 0, "like": m[6],
            "dislike": 0, "evaluation": "", "vt": 0
        },
        "dynamic": "",
        "cid": item.number + 1,
    })
}

fn zhihu_answer(world: &World, item: &SimItem, now: u64) -> Value {
    let m = item.metrics(now);
    let created = world.unix(item.published_at);
    let updated = world.unix(item.last_edit(now).unwrap_or(item.published_at));
    let v = item.version_at(now);
    let qid = 600_000_000 + item.index as u64;
    let token = format!("sim-person-{}", item.index);
    json!({
        "id": item.number.to_string(),
        "type": "answer",
        "answer_type": "normal",
        "url": format!("https://api.zhihu.com/answers/{}", item.number),
        "author": {
            "id": token, "name": format!("模拟用户{}", item.index), "url_token": token,
            "type": "people", "user_type": "people", "headline": "",
            "url": format!("https://www.zhihu.com/people/{token}"),
            "avatar_url": "https://pic.example/sim-avatar.jpg", "gender": -1,
            "is_org": false, "is_advertiser": false, "is_privacy": false
        },
        "question": {
            "id": qid.to_string(), "type": "question", "question_type": "normal",
            "title": format!("模拟问题 {qid}？"),
            "url": format!("https://api.zhihu.com/questions/{qid}"),
            "created": created - 3_600, "updated_time": created - 3_600
        },
        "content": format!("<p>模拟回答 {}，第{v}版。</p>", item.index),
        "excerpt": format!("模拟回答 {}，第{v}版。", item.index),
        "created_time": created,
        "updated_time": updated,
        "voteup_count": m[1],
        "comment_count": m[2],
        "thanks_count": m[3],
        "ip_info": "北京",
        "is_collapsed": false,
        "can_comment": {"reason": "", "status": true},
        "reaction": {"statistics": {
            "up_vote_count": m[1], "down_vote_count": m[5], "favorites": m[4],
            "like_count": m[3], "comment_count": m[2], "share_count": m[6], "pv_count": m[0]
        }},
    })
}

/// Weibo shows exact counts below a million and `100万+` from there (platforms.md §0.4).
fn weibo_count(n: u64) -> Value {
    if n >= 1_000_000 {
        json!("100万+")
    } else {
        json!(n)
    }
}

fn weibo_text(item: &SimItem, now: u64) -> String {
    format!("模拟微博 {}（第{}版）", item.index, item.version_at(now))
}

fn weibo_status(world: &World, item: &SimItem, now: u64) -> Value {
    let m = item.metrics(now);
    let uid = 5_000_000_000 + item.index as u64;
    let mid = item.number.to_string();
    let mut status = json!({
        "created_at": weibo_date(world.unix(item.published_at)),
        "id": mid,
        "mid": mid,
        "bid": annals_platforms::mid_to_bid(&mid).unwrap_or_default(),
        "text": weibo_text(item, now),
        "source": "微博 weibo.com",
        "favorited": false,
        "pic_ids": [],
        "is_paid": false,
        "user": {
            "id": uid, "screen_name": format!("模拟博主{uid}"),
            "profile_image_url": "https://tvax1.sinaimg.cn/sim.jpg",
            "profile_url": format!("https://m.weibo.cn/u/{uid}?uid={uid}"),
            "statuses_count": 100, "verified": false, "description": "",
            "gender": "f", "followers_count": 1_000, "follow_count": 100
        },
        "reposts_count": weibo_count(m[1]),
        "comments_count": weibo_count(m[2]),
        "attitudes_count": weibo_count(m[3]),
        "pending_approval_count": 0,
        "isLongText": false,
        "visible": {"type": 0, "list_id": 0},
    });
    if m[1..=3].iter().any(|&n| n >= 1_000_000) {
        status["number_display_strategy"] = json!({
            "apply_scenario_flag": 3, "display_text_min_number": 1_000_000,
            "display_text": "100万+"
        });
    }
    status
}

/// `Sat Jun 15 11:44:46 +0800 2019`: Weibo's `created_at`, in Asia/Shanghai.
pub(crate) fn weibo_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = unix + 8 * 3_600;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = annals_model::civil::civil_from_days(days);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} +0800 {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1).clamp(0, 11) as usize],
        day,
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60,
        year
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weibo_dates() {
        // The recorded example: 2019-06-15 03:44:46 UTC.
        assert_eq!(weibo_date(1_560_570_286), "Sat Jun 15 11:44:46 +0800 2019");
        assert_eq!(weibo_date(0), "Thu Jan 01 08:00:00 +0800 1970");
        let parsed = annals_platforms::parse_weibo_time(&weibo_date(1_750_000_000), 1_750_000_100);
        assert_eq!(parsed.map(|t| t.unix), Some(1_750_000_000));
    }

    #[test]
    fn routes() {
        assert_eq!(
            route("/x/web-interface/view", "bvid=BV117411r7R1"),
            Some((Endpoint::BiliView, Some(85_440_373)))
        );
        assert_eq!(
            route("/x/web-interface/view", "aid=85440373"),
            Some((Endpoint::BiliView, Some(85_440_373)))
        );
        assert_eq!(
            route("/x/web-interface/view", ""),
            Some((Endpoint::BiliView, None))
        );
        assert_eq!(
            route("/statuses/show", "id=HyZVegYAP"),
            Some((Endpoint::WeiboShow, Some(4_383_411_844_046_171)))
        );
        assert_eq!(
            route("/api/v4/answers/x1", ""),
            Some((Endpoint::ZhihuAnswer, None))
        );
        assert_eq!(route("/nope", ""), None);
    }
}

//! Every platform signal in platforms.md (§1.3, §1.4, §2.3, §2.4, §3.4, §3.5, §5.2) mapped to a
//! state, as a table: `(signal, item, url, HTTP status, body, expected state name)`.

use annals_platforms::{ItemRef, Response, State, bilibili, parse, zhihu};

const BV: &str = "BV117411r7R1";
const VIEW: &str = "https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1";
const WBI: &str = "https://api.bilibili.com/x/web-interface/wbi/view?bvid=BV117411r7R1";
const REPLY: &str = "https://api.bilibili.com/x/v2/reply?type=1&oid=85440373";
const PGC: &str = "https://api.bilibili.com/pgc/player/web/playurl?ep_id=1";
const ZA: &str = "https://www.zhihu.com/answer/1936787046304842491";
const ZA_API: &str = "https://www.zhihu.com/api/v4/answers/1936787046304842491";
const ZA_HTML: &str = "https://www.zhihu.com/question/1/answer/1936787046304842491";
const WB: &str = "https://m.weibo.cn/detail/4383411844046171";
const WB_API: &str = "https://m.weibo.cn/statuses/show?id=4383411844046171";
const PAGE: &str = "https://example.com/a";

fn bili(code: i64, message: &str) -> String {
    format!(r#"{{"code":{code},"message":"{message}","ttl":1,"data":null}}"#)
}

fn owner_state(state: i64) -> String {
    format!(r#"{{"code":0,"message":"0","data":{{"state":{state},"stat":{{"view":1}}}}}}"#)
}

fn zhihu_error(code: i64, message: &str) -> String {
    format!(r#"{{"error":{{"code":{code},"message":"{message}"}}}}"#)
}

fn answer(extra: &str) -> String {
    format!(
        r#"{{"id":"1936787046304842491","type":"answer","voteup_count":1,"question":{{"title":"q"}}{extra}}}"#
    )
}

fn status(extra: &str) -> String {
    format!(
        r#"{{"ok":1,"data":{{"id":"4383411844046171","mid":"4383411844046171","text":"t","user":{{"screen_name":"u"}},"reposts_count":1{extra}}}}}"#
    )
}

fn placeholder(text: &str, visible: i64) -> String {
    format!(
        r#"{{"retweeted_status":{{"deleted":"1","text":"{text}","created_at":"","mid":"4383411844046171","visible":{{"type":{visible}}}}}}}"#
    )
}

fn html(text: &str) -> String {
    format!("<!DOCTYPE html><html><head><title>{text}</title></head><body>{text}</body></html>")
}

fn table() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    u16,
    String,
    &'static str,
)> {
    vec![
        // Bilibili view (§1.3, §5.2)
        (
            "bili view code 0 state 0",
            BV,
            VIEW,
            200,
            owner_state(0),
            "live",
        ),
        (
            "bili view argue_info label (Limited)",
            BV,
            VIEW,
            200,
            r#"{"code":0,"data":{"state":0,"argue_info":{"argue_msg":"争议","argue_type":1}}}"#
                .into(),
            "live",
        ),
        (
            "bili -404 啥都木有",
            BV,
            VIEW,
            200,
            bili(-404, "啥都木有"),
            "gone:unknown",
        ),
        (
            "bili 62002 稿件不可见 (Hidden)",
            BV,
            VIEW,
            200,
            bili(62002, "稿件不可见"),
            "gone:unknown",
        ),
        (
            "bili 62004 稿件审核中",
            BV,
            VIEW,
            200,
            bili(62004, "稿件审核中"),
            "under_review",
        ),
        (
            "bili 62012 仅UP主自己可见",
            BV,
            VIEW,
            200,
            bili(62012, "仅UP主自己可见"),
            "self_only",
        ),
        (
            "bili -403 guest 访问权限不足",
            BV,
            VIEW,
            200,
            bili(-403, "访问权限不足"),
            "login_required",
        ),
        (
            "bili -307 撞车跳转 (Moved)",
            BV,
            VIEW,
            200,
            bili(-307, "撞车跳转"),
            "gone:platform_removed",
        ),
        (
            "bili data.forward set",
            BV,
            VIEW,
            200,
            r#"{"code":0,"data":{"state":0,"forward":170001}}"#.into(),
            "live",
        ),
        // Owner-visible archive states (§1.4)
        (
            "bili state 1 橙色通过",
            BV,
            VIEW,
            200,
            owner_state(1),
            "live",
        ),
        (
            "bili state -1 待审",
            BV,
            VIEW,
            200,
            owner_state(-1),
            "under_review",
        ),
        (
            "bili state -6 修复待审",
            BV,
            VIEW,
            200,
            owner_state(-6),
            "under_review",
        ),
        (
            "bili state -7 暂缓审核",
            BV,
            VIEW,
            200,
            owner_state(-7),
            "under_review",
        ),
        (
            "bili state -8 补档待审",
            BV,
            VIEW,
            200,
            owner_state(-8),
            "under_review",
        ),
        (
            "bili state -10 延迟审核",
            BV,
            VIEW,
            200,
            owner_state(-10),
            "under_review",
        ),
        (
            "bili state -13 允许评论待审",
            BV,
            VIEW,
            200,
            owner_state(-13),
            "under_review",
        ),
        (
            "bili state -2 被打回",
            BV,
            VIEW,
            200,
            owner_state(-2),
            "gone:platform_removed",
        ),
        (
            "bili state -3 网警锁定",
            BV,
            VIEW,
            200,
            owner_state(-3),
            "gone:platform_removed",
        ),
        (
            "bili state -4 被锁定 (duplicate)",
            BV,
            VIEW,
            200,
            owner_state(-4),
            "gone:platform_removed",
        ),
        (
            "bili state -5 管理员锁定",
            BV,
            VIEW,
            200,
            owner_state(-5),
            "gone:platform_removed",
        ),
        (
            "bili state -50 仅UP主可见",
            BV,
            VIEW,
            200,
            owner_state(-50),
            "self_only",
        ),
        (
            "bili state -100 用户删除",
            BV,
            VIEW,
            200,
            owner_state(-100),
            "gone:author_deleted",
        ),
        (
            "bili state -40 定时发布",
            BV,
            VIEW,
            200,
            owner_state(-40),
            "under_review",
        ),
        (
            "bili state -9 等待转码",
            BV,
            VIEW,
            200,
            owner_state(-9),
            "under_review",
        ),
        (
            "bili state -11 视频源待修",
            BV,
            VIEW,
            200,
            owner_state(-11),
            "under_review",
        ),
        (
            "bili state -12 转储失败",
            BV,
            VIEW,
            200,
            owner_state(-12),
            "under_review",
        ),
        (
            "bili state -15 分发中",
            BV,
            VIEW,
            200,
            owner_state(-15),
            "under_review",
        ),
        (
            "bili state -16 转码失败",
            BV,
            VIEW,
            200,
            owner_state(-16),
            "under_review",
        ),
        (
            "bili state -20 创建未提交",
            BV,
            VIEW,
            200,
            owner_state(-20),
            "under_review",
        ),
        (
            "bili state -30 创建已提交",
            BV,
            VIEW,
            200,
            owner_state(-30),
            "under_review",
        ),
        (
            "bili state -14 临时回收站",
            BV,
            VIEW,
            200,
            owner_state(-14),
            "gone:unknown",
        ),
        (
            "bili state unknown -77",
            BV,
            VIEW,
            200,
            owner_state(-77),
            "error",
        ),
        // Region and entitlement
        (
            "bili -10403 地区不可观看",
            BV,
            PGC,
            200,
            bili(-10403, "抱歉您所在地区不可观看！"),
            "region_locked",
        ),
        (
            "bili -688 地理区域限制",
            BV,
            VIEW,
            200,
            bili(-688, "地理区域限制"),
            "region_locked",
        ),
        (
            "bili -10403 大会员专享限制",
            BV,
            PGC,
            200,
            bili(-10403, "大会员专享限制"),
            "login_required",
        ),
        (
            "bili -10403 平台不可观看",
            BV,
            PGC,
            200,
            bili(-10403, "抱歉您所使用的平台不可观看！"),
            "login_required",
        ),
        (
            "bili 10015002 访问权限不足",
            BV,
            PGC,
            200,
            bili(10015002, "访问权限不足"),
            "login_required",
        ),
        (
            "bili 87007 supporter-only",
            BV,
            PGC,
            200,
            bili(87007, "充电专属"),
            "login_required",
        ),
        (
            "bili 87008 supporter-only",
            BV,
            PGC,
            200,
            bili(87008, "充电专属"),
            "login_required",
        ),
        (
            "bili -689 版权限制",
            BV,
            VIEW,
            200,
            bili(-689, "版权限制"),
            "login_required",
        ),
        // Comments (the video stays live)
        (
            "bili reply 12002 评论区已关闭",
            BV,
            REPLY,
            200,
            bili(12002, "评论区已关闭"),
            "live",
        ),
        (
            "bili reply 12009 bad type",
            BV,
            REPLY,
            200,
            bili(12009, "评论主体的type不合法"),
            "error",
        ),
        (
            "bili reply -404 无此项",
            BV,
            REPLY,
            200,
            bili(-404, "无此项"),
            "gone:unknown",
        ),
        // Anti-crawl, rate limits, auth (§1.7)
        (
            "bili -352 风控校验失败",
            BV,
            VIEW,
            200,
            r#"{"code":-352,"message":"风控校验失败","data":{"v_voucher":"voucher_x"}}"#.into(),
            "blocked",
        ),
        (
            "bili -403 on a WBI endpoint",
            BV,
            WBI,
            200,
            bili(-403, "访问权限不足"),
            "blocked",
        ),
        (
            "bili -412 JSON 请求被拦截",
            BV,
            VIEW,
            200,
            bili(-412, "请求被拦截"),
            "blocked",
        ),
        (
            "bili HTTP 412 HTML 出错啦",
            BV,
            VIEW,
            412,
            html("出错啦! - bilibili.com"),
            "blocked",
        ),
        (
            "bili HTTP 200 HTML 出错啦",
            BV,
            VIEW,
            200,
            html("出错啦! - bilibili.com"),
            "blocked",
        ),
        (
            "bili -799 请求过于频繁",
            BV,
            VIEW,
            200,
            bili(-799, "请求过于频繁，请稍后再试"),
            "blocked",
        ),
        (
            "bili -509 超出限制",
            BV,
            VIEW,
            200,
            bili(-509, "超出限制"),
            "blocked",
        ),
        (
            "bili -101 账号未登录",
            BV,
            VIEW,
            200,
            bili(-101, "账号未登录"),
            "blocked",
        ),
        (
            "bili -111 csrf",
            BV,
            VIEW,
            200,
            bili(-111, "csrf 校验失败"),
            "blocked",
        ),
        (
            "bili -500 服务器错误",
            BV,
            VIEW,
            200,
            bili(-500, "服务器错误"),
            "error",
        ),
        (
            "bili -503 过载保护",
            BV,
            VIEW,
            200,
            bili(-503, "过载保护"),
            "error",
        ),
        (
            "bili -504 服务调用超时",
            BV,
            VIEW,
            200,
            bili(-504, "服务调用超时"),
            "error",
        ),
        (
            "bili -400 请求错误",
            BV,
            VIEW,
            200,
            bili(-400, "请求错误"),
            "error",
        ),
        (
            "bili -401 未认证",
            BV,
            VIEW,
            200,
            bili(-401, "未认证"),
            "error",
        ),
        (
            "bili unknown code",
            BV,
            VIEW,
            200,
            bili(99999, "?"),
            "error",
        ),
        (
            "bili HTTP 502",
            BV,
            VIEW,
            502,
            "<html>bad gateway</html>".into(),
            "error",
        ),
        (
            "bili HTTP 500 with code 0",
            BV,
            VIEW,
            500,
            owner_state(0),
            "error",
        ),
        ("bili no response", BV, VIEW, 0, String::new(), "error"),
        // Zhihu (§2.3, §2.4)
        ("zhihu normal answer", ZA, ZA_API, 200, answer(""), "live"),
        (
            "zhihu 404 4041 资源不存在",
            ZA,
            ZA_API,
            404,
            r#"{"error":{"code":4041,"name":"NotFoundError","message":"资源不存在"}}"#.into(),
            "gone:unknown",
        ),
        (
            "zhihu HTML 404 荒原",
            ZA,
            ZA_HTML,
            404,
            html("你似乎来到了没有知识存在的荒原"),
            "gone:unknown",
        ),
        (
            "zhihu HTML 403 荒原 (bot wall)",
            ZA,
            ZA_HTML,
            403,
            html("你似乎来到了没有知识存在的荒原"),
            "blocked",
        ),
        (
            "zhihu HTML 200 该回答已被删除",
            ZA,
            ZA_HTML,
            200,
            html("该回答已被删除"),
            "gone:unknown",
        ),
        (
            "zhihu suggest_edit.status",
            ZA,
            ZA_API,
            200,
            answer(r#","suggest_edit":{"status":true,"reason":"不友善内容"}"#),
            "gone:platform_removed",
        ),
        (
            "zhihu is_collapsed (Limited)",
            ZA,
            ZA_API,
            200,
            answer(r#","is_collapsed":true,"collapse_reason":"x","collapsed_by":"admin""#),
            "live",
        ),
        (
            "zhihu review_info.is_reviewing",
            ZA,
            ZA_API,
            200,
            answer(r#","review_info":{"is_reviewing":true,"tips":"审核中"}"#),
            "under_review",
        ),
        (
            "zhihu visible_only_to_author",
            ZA,
            ZA_API,
            200,
            answer(r#","visible_only_to_author":true"#),
            "self_only",
        ),
        (
            "zhihu admin_closed_comment (Limited)",
            ZA,
            ZA_API,
            200,
            answer(r#","admin_closed_comment":true"#),
            "live",
        ),
        (
            "zhihu is_normal false",
            ZA,
            ZA_API,
            200,
            answer(r#","is_normal":false"#),
            "gone:unknown",
        ),
        (
            "zhihu HTTP 401",
            ZA,
            ZA_API,
            401,
            r#"{"error":{"code":100,"message":"请登录"}}"#.into(),
            "login_required",
        ),
        (
            "zhihu 403 10003",
            ZA,
            ZA_API,
            403,
            zhihu_error(10003, "请求参数异常，请升级客户端后重试。"),
            "blocked",
        ),
        (
            "zhihu 403 40352",
            ZA,
            ZA_API,
            403,
            zhihu_error(40352, "系统监测到您的网络环境存在异常"),
            "blocked",
        ),
        (
            "zhihu 40362",
            ZA,
            ZA_API,
            200,
            zhihu_error(40362, "请求过于频繁，请稍后再试"),
            "blocked",
        ),
        (
            "zhihu 10001",
            ZA,
            ZA_API,
            403,
            zhihu_error(10001, "请求参数异常"),
            "blocked",
        ),
        ("zhihu HTTP 503", ZA, ZA_API, 503, String::new(), "error"),
        // Weibo (§3.4, §3.5)
        (
            "weibo ok:1 visible.type 0",
            WB,
            WB_API,
            200,
            status(r#","visible":{"type":0,"list_id":0}"#),
            "live",
        ),
        (
            "weibo ok:1 visible.type 6 (restricted audience)",
            WB,
            WB_API,
            200,
            status(r#","visible":{"type":6,"list_id":0}"#),
            "live",
        ),
        (
            "weibo placeholder visible.type 1",
            WB,
            WB_API,
            200,
            placeholder("", 1),
            "self_only",
        ),
        (
            "weibo ok:0 errno 20101",
            WB,
            WB_API,
            200,
            r#"{"ok":0,"errno":"20101","msg":"微博不存在或暂无查看权限!"}"#.into(),
            "gone:unknown",
        ),
        (
            "weibo ok:0 msg only",
            WB,
            WB_API,
            200,
            r#"{"ok":0,"msg":"微博不存在或暂无查看权限!"}"#.into(),
            "gone:unknown",
        ),
        (
            "weibo HTML 微博-出错了",
            WB,
            WB,
            200,
            html("微博不存在或暂无查看权限!"),
            "gone:unknown",
        ),
        (
            "weibo placeholder 作者删除",
            WB,
            WB_API,
            200,
            placeholder("抱歉，此微博已被作者删除。查看帮助：http://t.cn/zWSudZc", 0),
            "gone:author_deleted",
        ),
        (
            "weibo placeholder 多人举报",
            WB,
            WB_API,
            200,
            placeholder(
                "该微博因被多人举报，根据《微博社区管理规定》，已被删除。查看帮助：http://t.cn/x",
                0,
            ),
            "gone:platform_removed",
        ),
        (
            "weibo placeholder 多人投诉",
            WB,
            WB_API,
            200,
            placeholder("该微博因被多人投诉，根据《微博社区公约》，已被删除", 0),
            "gone:platform_removed",
        ),
        (
            "weibo placeholder 作者设置 no permission",
            WB,
            WB_API,
            200,
            placeholder(
                "抱歉，由于作者设置，你暂时没有这条微博的查看权限哦。查看帮助：http://t.cn/x",
                0,
            ),
            "self_only",
        ),
        (
            "weibo placeholder 可见时间范围 (Expired)",
            WB,
            WB_API,
            200,
            placeholder("抱歉，根据作者设置的微博可见时间范围，此微博已不可见。", 0),
            "self_only",
        ),
        (
            "weibo placeholder 半年内 (Expired)",
            WB,
            WB_API,
            200,
            placeholder("抱歉，作者已设置仅展示半年内微博，此微博已不可见。", 0),
            "self_only",
        ),
        (
            "weibo open API 20112 permission denied",
            WB,
            WB_API,
            200,
            r#"{"error":"permission denied!","error_code":20112}"#.into(),
            "gone:platform_removed",
        ),
        (
            "weibo open API 20101 does not exist",
            WB,
            WB_API,
            200,
            r#"{"error":"Target weibo does not exist!","error_code":20101}"#.into(),
            "gone:unknown",
        ),
        (
            "weibo ok:-100 passport",
            WB,
            WB_API,
            200,
            r#"{"ok":-100,"url":"https://passport.weibo.com/sso/signin"}"#.into(),
            "blocked",
        ),
        ("weibo HTTP 418", WB, WB_API, 418, String::new(), "blocked"),
        ("weibo HTTP 432", WB, WB_API, 432, String::new(), "blocked"),
        (
            "weibo HTTP 403",
            WB,
            WB_API,
            403,
            html("Forbidden"),
            "blocked",
        ),
        (
            "weibo ok:0 这里还没有内容 (Empty)",
            WB,
            WB_API,
            200,
            r#"{"ok":0,"msg":"这里还没有内容"}"#.into(),
            "error",
        ),
        (
            "weibo HTTP 500",
            WB,
            WB_API,
            500,
            r#"{"ok":1}"#.into(),
            "error",
        ),
        // Web pages (§4): status only; soft-404s are the web adapter's TODO.
        ("web 200", PAGE, PAGE, 200, html("hello"), "live"),
        ("web 301", PAGE, PAGE, 301, String::new(), "error"),
        ("web 404", PAGE, PAGE, 404, String::new(), "gone:unknown"),
        (
            "web 410",
            PAGE,
            PAGE,
            410,
            String::new(),
            "gone:author_deleted",
        ),
        ("web 451", PAGE, PAGE, 451, String::new(), "region_locked"),
        ("web 401", PAGE, PAGE, 401, String::new(), "login_required"),
        ("web 403", PAGE, PAGE, 403, String::new(), "blocked"),
        ("web 429", PAGE, PAGE, 429, String::new(), "blocked"),
        ("web 503", PAGE, PAGE, 503, String::new(), "error"),
    ]
}

#[test]
fn every_signal_maps_to_its_state() {
    let mut failures = Vec::new();
    for (signal, item, url, status, body, expected) in table() {
        let item = ItemRef::parse(item).unwrap();
        let response = Response {
            url,
            status,
            headers: &[],
            body: body.as_bytes(),
        };
        let obs = parse(&item, &[response], 1_700_000_000);
        if obs.state.as_str() != expected {
            failures.push(format!(
                "{signal}: got {}, want {expected} ({:?})",
                obs.state, obs.signal
            ));
        }
        assert_eq!(obs.signal.http_status, status, "{signal}");
        if obs.state.is_observation_failure() {
            assert!(obs.content.is_none() && obs.metrics.is_empty(), "{signal}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn comment_signals() {
    // Bilibili reply list `state` (§1.5).
    assert_eq!(bilibili::comment_state(0), State::Live);
    assert_eq!(bilibili::comment_state(17), State::SelfOnly);
    // Zhihu comment_v5 objects (§2.3).
    for (extra, expected) in [
        ("", "live"),
        (r#","is_delete":true"#, "gone:unknown"),
        (r#","collapsed":true"#, "live"),
        (r#","reviewing":true"#, "under_review"),
        (r#","is_visible_only_to_myself":true"#, "self_only"),
    ] {
        let body = format!(r#"{{"id":"1","type":"comment","like_count":2{extra}}}"#);
        let obs = zhihu::parse_comment(body.as_bytes());
        assert_eq!(obs.state.as_str(), expected, "{extra}");
    }
}

#[test]
fn blocked_and_errors_are_never_disappearances() {
    for (signal, _, _, _, _, expected) in table() {
        let state: State = expected.parse().unwrap();
        if state.is_observation_failure() {
            assert!(!state.is_disappearance(), "{signal}");
        }
    }
}

#[test]
fn weibo_redirect_to_visitor_passport_is_blocked() {
    let item = ItemRef::parse(WB).unwrap();
    let headers = [(
        "Location".to_owned(),
        "https://visitor.passport.weibo.cn/visitor/visitor?entry=sinawap".to_owned(),
    )];
    let response = Response {
        url: WB_API,
        status: 302,
        headers: &headers,
        body: b"",
    };
    assert_eq!(parse(&item, &[response], 0).state, State::Blocked);
}

#[test]
fn observation_serialises_with_stable_names() {
    let item = ItemRef::parse("BV117411r7R1").unwrap();
    let body =
        br#"{"code":0,"data":{"state":0,"title":"t","pubdate":1580377255,"stat":{"view":7}}}"#;
    let response = Response {
        url: VIEW,
        status: 200,
        headers: &[],
        body,
    };
    let obs = parse(&item, &[response], 0);
    let json = serde_json::to_value(&obs).unwrap();
    assert_eq!(json["state"], "live");
    assert_eq!(json["metrics"]["view"], serde_json::json!({"exact": 7}));
    assert_eq!(json["content"]["published_at"], "2020-01-30T09:40:55Z");
    let back: annals_platforms::Observation = serde_json::from_value(json).unwrap();
    assert_eq!(back, obs);
}

//! Every recorded response in the shared platform fixtures parses to the right state and
//! metrics; truncated and garbled versions of each never panic.
//!
//! The fixtures live outside the repository (`/work/shared/fixtures/platforms`, licences in its
//! README); when absent the tests print `SKIPPED:` and pass.

use std::collections::BTreeMap;
use std::path::PathBuf;

use annals_platforms::{GoneReason, ItemRef, Metric, Observation, Response, State, parse, zhihu};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/platforms"
);

/// 2019-06-15 12:00:00 +08:00, just after the Weibo bodies were recorded.
const OBSERVED_AT: i64 = 1_560_571_200;

fn read(file: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(DIR).join(file);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("SKIPPED: fixture {} not readable ({e})", path.display());
            None
        }
    }
}

/// One fixture: which item it is read for, at which URL and status.
struct Case {
    file: &'static str,
    item: &'static str,
    url: &'static str,
    status: u16,
}

const fn case(file: &'static str, item: &'static str, url: &'static str, status: u16) -> Case {
    Case {
        file,
        item,
        url,
        status,
    }
}

const BV_VIEW: &str = "https://api.bilibili.com/x/web-interface/view?bvid=BV117411r7R1";
const ZH_ANSWER: &str = "https://www.zhihu.com/api/v4/answers/1936787046304842491";

const CASES: &[Case] = &[
    case(
        "bilibili_any_352-risk-control-v-voucher.json",
        "BV117411r7R1",
        "https://api.bilibili.com/x/web-interface/wbi/view?bvid=BV117411r7R1",
        200,
    ),
    case(
        "bilibili_archive-stat_412-ua-blocked.json",
        "BV1es411D7sW",
        "https://api.bilibili.com/x/web-interface/archive/stat?bvid=BV1es411D7sW",
        200,
    ),
    case(
        "bilibili_archive-stat_ok.json",
        "BV1es411D7sW",
        "https://api.bilibili.com/x/web-interface/archive/stat?bvid=BV1es411D7sW",
        200,
    ),
    case(
        "bilibili_nav_101-guest-wbi-img.json",
        "BV117411r7R1",
        "https://api.bilibili.com/x/web-interface/nav",
        200,
    ),
    case(
        "bilibili_pgc-playurl_-10403-region-locked.json",
        "BV117411r7R1",
        "https://api.bilibili.com/pgc/player/web/playurl?ep_id=1",
        200,
    ),
    case(
        "bilibili_popular_ok.json",
        "BV1tz421i7zb",
        "https://api.bilibili.com/x/web-interface/popular?ps=20&pn=1",
        200,
    ),
    case(
        "bilibili_ranking-v2_ok.json",
        "BV1Eg411v7a1",
        "https://api.bilibili.com/x/web-interface/ranking/v2?rid=0&type=all",
        200,
    ),
    case(
        "bilibili_reply-count_ok.json",
        "av2",
        "https://api.bilibili.com/x/v2/reply/count?type=1&oid=2",
        200,
    ),
    case(
        "bilibili_reply_ok.json",
        "av2",
        "https://api.bilibili.com/x/v2/reply?type=1&oid=2&sort=1&ps=5&pn=1&nohot=1",
        200,
    ),
    case(
        "bilibili_search-type_ok.json",
        "BV1De411p77r",
        "https://api.bilibili.com/x/web-interface/wbi/search/type?search_type=video&keyword=x",
        200,
    ),
    case(
        "bilibili_space-arc-search_ok.json",
        "BV1sz4y1y7KJ",
        "https://api.bilibili.com/x/space/wbi/arc/search?mid=53456&ps=2&pn=1",
        200,
    ),
    case(
        "bilibili_view_-404-not-found.json",
        "BV117411r7R1",
        BV_VIEW,
        200,
    ),
    case(
        "bilibili_view_62002-invisible.json",
        "BV117411r7R1",
        BV_VIEW,
        200,
    ),
    case(
        "bilibili_view_62004-under-review.json",
        "BV117411r7R1",
        BV_VIEW,
        200,
    ),
    case("bilibili_view_ok.json", "BV117411r7R1", BV_VIEW, 200),
    case(
        "weibo_comments-hotflow_ok.json",
        "https://m.weibo.cn/detail/4383183661430868",
        "https://m.weibo.cn/comments/hotflow?id=4383183661430868&mid=4383183661430868&max_id_type=0",
        200,
    ),
    case(
        "weibo_comments-show_ok.json",
        "https://m.weibo.cn/detail/4383183661430868",
        "https://m.weibo.cn/api/comments/show?id=4383183661430868&page=1",
        200,
    ),
    case(
        "weibo_getindex-timeline_ok.json",
        "https://m.weibo.cn/detail/4383183661430868",
        "https://m.weibo.cn/api/container/getIndex?type=uid&value=1669879400&containerid=1076031669879400&page=2",
        200,
    ),
    case(
        "weibo_getindex-userinfo_ok.json",
        "https://m.weibo.cn/u/1669879400",
        "https://m.weibo.cn/api/container/getIndex?type=uid&value=1669879400",
        200,
    ),
    case(
        "weibo_status_retweeted-deleted-by-author.json",
        "https://m.weibo.cn/detail/3550665877669686",
        "https://api.weibo.com/2/statuses/user_timeline.json",
        200,
    ),
    case(
        "weibo_statuses-extend_ok.json",
        "https://m.weibo.cn/detail/4383487819465288",
        "https://m.weibo.cn/statuses/extend?id=4383487819465288",
        200,
    ),
    case(
        "weibo_statuses-show_ok.json",
        "https://m.weibo.cn/status/HyZVegYAP",
        "https://m.weibo.cn/statuses/show?id=4383411844046171",
        200,
    ),
    case(
        "zhihu_answer_ok.json",
        "https://www.zhihu.com/answer/1936787046304842491",
        ZH_ANSWER,
        200,
    ),
    case(
        "zhihu_any_403-10003-unsigned-request.json",
        "https://www.zhihu.com/answer/1936787046304842491",
        ZH_ANSWER,
        403,
    ),
    case(
        "zhihu_any_403-40352-risk-control.json",
        "https://www.zhihu.com/answer/1936787046304842491",
        ZH_ANSWER,
        403,
    ),
    case(
        "zhihu_any_40362-rate-limited.json",
        "https://www.zhihu.com/answer/1936787046304842491",
        ZH_ANSWER,
        200,
    ),
    case(
        "zhihu_any_404-4041-not-found.json",
        "https://www.zhihu.com/answer/1936787046304842491",
        ZH_ANSWER,
        404,
    ),
    // Parsed with `zhihu::parse_comment` (see `check_fixture`).
    case(
        "zhihu_comment_ok.json",
        "",
        "https://www.zhihu.com/api/v4/comment_v5/comments/11253652875",
        200,
    ),
    case(
        "zhihu_question-similar_ok.json",
        "https://www.zhihu.com/question/569033658",
        "https://www.zhihu.com/api/v4/questions/562083816/similar-questions?include=data%5B*%5D.answer_count",
        200,
    ),
];

fn observe_case(c: &Case, body: &[u8], status: u16) -> Observation {
    if c.file == "zhihu_comment_ok.json" {
        return zhihu::parse_comment(body);
    }
    let item = ItemRef::parse(c.item).expect(c.item);
    let response = Response {
        url: c.url,
        status,
        headers: &[],
        body,
    };
    parse(&item, &[response], OBSERVED_AT)
}

fn exact(pairs: &[(&str, u64)]) -> BTreeMap<String, Metric> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Metric::Exact(*v)))
        .collect()
}

/// Parse `file` as its [`Case`] says and compare state, code and the whole metric map.
fn check(
    file: &str,
    state: State,
    code: Option<&str>,
    metrics: &[(&str, u64)],
) -> Option<Observation> {
    let c = CASES.iter().find(|c| c.file == file).expect(file);
    let body = read(file)?;
    let obs = observe_case(c, &body, c.status);
    assert_eq!(obs.state, state, "{file}: {obs:?}");
    if let Some(code) = code {
        assert_eq!(obs.signal.code.as_deref(), Some(code), "{file}");
    }
    assert_eq!(obs.signal.http_status, c.status, "{file}");
    assert_eq!(obs.metrics, exact(metrics), "{file}");
    Some(obs)
}

const GONE_UNKNOWN: State = State::Gone(GoneReason::Unknown);

mod bilibili {
    use super::*;

    #[test]
    fn view_ok() {
        let Some(obs) = check(
            "bilibili_view_ok.json",
            State::Live,
            Some("0/state:0"),
            &[
                ("view", 2387699),
                ("danmaku", 12146),
                ("reply", 2671),
                ("favorite", 58591),
                ("coin", 72578),
                ("share", 9598),
                ("like", 160683),
            ],
        ) else {
            return;
        };
        let content = obs.content.expect("content");
        assert_eq!(
            content.title.as_deref(),
            Some("当我给拜年祭的快板加了电音配乐…")
        );
        assert_eq!(content.author.as_deref(), Some("陈楒潼桶桶桶"));
        assert_eq!(
            content.published_at.as_deref(),
            Some("2020-01-30T09:40:55Z")
        );
        assert_eq!(
            content.media_urls,
            ["http://i1.hdslb.com/bfs/archive/ea0dd34bf41e23a68175680a00e3358cd249105f.jpg"]
        );
        assert!(obs.content_hash.unwrap().starts_with("sha256:"));
        assert!(obs.children.is_empty());
    }

    #[test]
    fn view_not_found() {
        check(
            "bilibili_view_-404-not-found.json",
            GONE_UNKNOWN,
            Some("-404"),
            &[],
        );
    }

    #[test]
    fn view_invisible() {
        let obs = check(
            "bilibili_view_62002-invisible.json",
            GONE_UNKNOWN,
            Some("62002"),
            &[],
        );
        if let Some(obs) = obs {
            assert_eq!(obs.signal.message.as_deref(), Some("稿件不可见"));
        }
    }

    #[test]
    fn view_under_review() {
        check(
            "bilibili_view_62004-under-review.json",
            State::UnderReview,
            Some("62004"),
            &[],
        );
    }

    #[test]
    fn risk_control_352() {
        check(
            "bilibili_any_352-risk-control-v-voucher.json",
            State::Blocked,
            Some("-352"),
            &[],
        );
    }

    #[test]
    fn ua_blocked_412() {
        check(
            "bilibili_archive-stat_412-ua-blocked.json",
            State::Blocked,
            Some("-412"),
            &[],
        );
    }

    #[test]
    fn guest_nav_101() {
        check(
            "bilibili_nav_101-guest-wbi-img.json",
            State::Blocked,
            Some("-101"),
            &[],
        );
    }

    #[test]
    fn pgc_region_locked() {
        check(
            "bilibili_pgc-playurl_-10403-region-locked.json",
            State::RegionLocked,
            Some("-10403"),
            &[],
        );
    }

    #[test]
    fn archive_stat_ok() {
        check(
            "bilibili_archive-stat_ok.json",
            State::Live,
            Some("0"),
            &[
                ("view", 26408224),
                ("danmaku", 161919),
                ("reply", 52825),
                ("favorite", 892560),
                ("coin", 599649),
                ("share", 240573),
                ("like", 628592),
            ],
        );
    }

    #[test]
    fn popular_entry() {
        check(
            "bilibili_popular_ok.json",
            State::Live,
            Some("0"),
            &[
                ("view", 2465053),
                ("danmaku", 8467),
                ("reply", 4426),
                ("favorite", 46567),
                ("coin", 168267),
                ("share", 23180),
                ("like", 403250),
            ],
        );
    }

    #[test]
    fn ranking_entry() {
        check(
            "bilibili_ranking-v2_ok.json",
            State::Live,
            Some("0"),
            &[
                ("view", 1156543),
                ("danmaku", 14224),
                ("reply", 5601),
                ("favorite", 28753),
                ("coin", 58324),
                ("share", 6548),
                ("like", 136884),
            ],
        );
    }

    #[test]
    fn reply_count() {
        check(
            "bilibili_reply-count_ok.json",
            State::Live,
            Some("0"),
            &[("reply", 65521)],
        );
    }

    #[test]
    fn reply_page() {
        check(
            "bilibili_reply_ok.json",
            State::Live,
            Some("0"),
            &[("reply", 76792), ("reply_root", 60971)],
        );
    }

    #[test]
    fn search_entry() {
        check(
            "bilibili_search-type_ok.json",
            State::Live,
            Some("0"),
            &[
                ("view", 1037655),
                ("danmaku", 2616),
                ("favorite", 27341),
                ("reply", 1265),
            ],
        );
    }

    #[test]
    fn space_arc_search_entry() {
        check(
            "bilibili_space-arc-search_ok.json",
            State::Live,
            Some("0"),
            &[("view", 1275661), ("reply", 3558), ("danmaku", 7470)],
        );
    }

    /// The recorded guest `nav` body's keys reproduce the documented mixin key (platforms.md
    /// §1.8), and sign the documented vector.
    #[test]
    fn nav_keys_reproduce_the_documented_mixin_key() {
        let Some(body) = read("bilibili_nav_101-guest-wbi-img.json") else {
            return;
        };
        let keys = annals_platforms::wbi::keys_from_nav(&body).unwrap();
        assert_eq!(keys.img_key(), "7cd084941338484aae1ad9425b84077c");
        assert_eq!(keys.sub_key(), "4932caff0ff746eab6f01bf08b70ac45");
        assert_eq!(keys.mixin_key(), "ea1db124af3c7062474693fa704f4ff8");
        assert!(
            annals_platforms::wbi::sign_url(
                "https://api.bilibili.com/x/x?mid=11997177&token=&platform=web&web_location=1550101",
                &keys,
                1703513649,
            )
            .ends_with("&w_rid=7d4428b3f2f9ee2811e116ec6fd41a4f")
        );
    }

    /// The recorded uploader list, read for the uploader: its videos are the children.
    #[test]
    fn space_arc_search_for_the_uploader() {
        let Some(body) = read("bilibili_space-arc-search_ok.json") else {
            return;
        };
        let item = ItemRef::parse("https://space.bilibili.com/53456").unwrap();
        let request = &annals_platforms::requests(&item)[0];
        assert_eq!(request.sign, Some(annals_platforms::Signing::Wbi));
        let obs = parse(
            &item,
            &[Response {
                url: &request.url,
                status: 200,
                headers: &[],
                body: &body,
            }],
            OBSERVED_AT,
        );
        assert_eq!(obs.state, State::Live, "{obs:?}");
        assert_eq!(obs.metrics, exact(&[("videos", 176)]));
        let children: Vec<_> = obs.children.iter().map(|c| c.url.as_str()).collect();
        assert_eq!(children.len(), 2, "{children:?}");
        assert_eq!(children[0], "https://www.bilibili.com/video/BV1sz4y1y7KJ");
        for child in &obs.children {
            let r = ItemRef::parse(&child.url).unwrap();
            assert_eq!(r.native_id, child.native_id);
        }
        // Read for another uploader, the same list is an error, not that uploader's videos.
        let other = ItemRef::parse("https://space.bilibili.com/1").unwrap();
        let obs = parse(
            &other,
            &[Response {
                url: &request.url,
                status: 200,
                headers: &[],
                body: &body,
            }],
            OBSERVED_AT,
        );
        assert_eq!(obs.state, State::Error);
        assert!(obs.children.is_empty());
    }

    #[test]
    fn list_without_the_video_is_no_observation() {
        let Some(body) = read("bilibili_popular_ok.json") else {
            return;
        };
        let item = ItemRef::parse("BV117411r7R1").unwrap();
        let url = "https://api.bilibili.com/x/web-interface/popular";
        let obs = parse(
            &item,
            &[Response {
                url,
                status: 200,
                headers: &[],
                body: &body,
            }],
            0,
        );
        assert_eq!(obs.state, State::Error);
        assert!(obs.metrics.is_empty());
    }

    #[test]
    fn http_412_is_blocked_whatever_the_body() {
        let Some(body) = read("bilibili_archive-stat_412-ua-blocked.json") else {
            return;
        };
        let item = ItemRef::parse("BV117411r7R1").unwrap();
        for body in [&body[..], b"<!DOCTYPE html><html><title>\xe5\x87\xba\xe9\x94\x99\xe5\x95\xa6! - bilibili.com</title></html>"] {
            let obs = parse(&item, &[Response { url: BV_VIEW, status: 412, headers: &[], body }], 0);
            assert_eq!(obs.state, State::Blocked);
            assert_eq!(obs.signal.http_status, 412);
        }
    }
}

mod zhihu_fixtures {
    use super::*;

    #[test]
    fn answer_ok() {
        let Some(obs) = check(
            "zhihu_answer_ok.json",
            State::Live,
            None,
            &[
                ("voteup_count", 101),
                ("comment_count", 71),
                ("thanks_count", 7),
                ("favorites", 42),
                ("down_vote_count", 3),
                ("like_count", 7),
            ],
        ) else {
            return;
        };
        let content = obs.content.expect("content");
        assert_eq!(content.title.as_deref(), Some("如何评价kotlin？"));
        assert_eq!(
            content.published_at.as_deref(),
            Some("2025-08-07T05:53:35Z")
        );
        assert_eq!(content.updated_at.as_deref(), Some("2025-08-07T09:57:14Z"));
        assert!(content.text.is_some_and(|t| !t.is_empty()));
    }

    #[test]
    fn unsigned_10003() {
        check(
            "zhihu_any_403-10003-unsigned-request.json",
            State::Blocked,
            Some("10003"),
            &[],
        );
    }

    #[test]
    fn risk_control_40352() {
        check(
            "zhihu_any_403-40352-risk-control.json",
            State::Blocked,
            Some("40352"),
            &[],
        );
    }

    #[test]
    fn rate_limited_40362() {
        check(
            "zhihu_any_40362-rate-limited.json",
            State::Blocked,
            Some("40362"),
            &[],
        );
    }

    #[test]
    fn not_found_4041() {
        let obs = check(
            "zhihu_any_404-4041-not-found.json",
            GONE_UNKNOWN,
            Some("4041"),
            &[],
        );
        if let Some(obs) = obs {
            assert_eq!(obs.signal.message.as_deref(), Some("资源不存在"));
        }
    }

    #[test]
    fn comment_ok() {
        let obs = check(
            "zhihu_comment_ok.json",
            State::Live,
            None,
            &[
                ("like_count", 37),
                ("dislike_count", 0),
                ("child_comment_count", 0),
            ],
        );
        if let Some(obs) = obs {
            assert_eq!(
                obs.content.unwrap().published_at.as_deref(),
                Some("2025-08-07T07:11:34Z")
            );
        }
    }

    #[test]
    fn similar_questions_entry() {
        let obs = check(
            "zhihu_question-similar_ok.json",
            State::Live,
            None,
            &[
                ("answer_count", 96),
                ("follower_count", 99),
                ("comment_count", 0),
            ],
        );
        if let Some(obs) = obs {
            let content = obs.content.unwrap();
            assert_eq!(
                content.title.as_deref(),
                Some("为什么新一代的年轻人越来越拒绝生孩子？")
            );
        }
    }
}

mod weibo {
    use super::*;

    const COUNTS: [&str; 3] = ["reposts_count", "comments_count", "attitudes_count"];

    #[test]
    fn statuses_show_ok() {
        let Some(obs) = check(
            "weibo_statuses-show_ok.json",
            State::Live,
            Some("ok:1"),
            &[(COUNTS[0], 0), (COUNTS[1], 0), (COUNTS[2], 0)],
        ) else {
            return;
        };
        let content = obs.content.expect("content");
        assert_eq!(content.author.as_deref(), Some("九月九的晴天"));
        assert_eq!(content.text.as_deref(), Some("转发微博"));
        assert_eq!(
            content.published_at.as_deref(),
            Some("2019-06-15T03:44:46Z")
        );
        assert_eq!(obs.children.len(), 1);
        assert_eq!(obs.children[0].native_id, "4383404751066167");
        assert_eq!(
            obs.children[0].url,
            "https://m.weibo.cn/detail/4383404751066167"
        );
    }

    #[test]
    fn statuses_show_reposted_original() {
        let Some(body) = read("weibo_statuses-show_ok.json") else {
            return;
        };
        let item = ItemRef::parse("https://m.weibo.cn/status/HyZJN4tmf").unwrap();
        let url = "https://m.weibo.cn/statuses/show?id=4383411844046171";
        let obs = parse(
            &item,
            &[Response {
                url,
                status: 200,
                headers: &[],
                body: &body,
            }],
            OBSERVED_AT,
        );
        assert_eq!(obs.state, State::Live);
        assert_eq!(
            obs.metrics,
            exact(&[(COUNTS[0], 1), (COUNTS[1], 0), (COUNTS[2], 0)])
        );
        let content = obs.content.unwrap();
        assert_eq!(content.author.as_deref(), Some("upupming"));
        assert_eq!(
            content.published_at.as_deref(),
            Some("2019-06-15T03:16:35Z")
        );
    }

    #[test]
    fn statuses_extend_ok() {
        let obs = check(
            "weibo_statuses-extend_ok.json",
            State::Live,
            Some("ok:1"),
            &[(COUNTS[0], 0), (COUNTS[1], 0), (COUNTS[2], 0)],
        );
        if let Some(obs) = obs {
            assert!(obs.content.unwrap().text.is_some_and(|t| !t.is_empty()));
        }
    }

    #[test]
    fn timeline_card() {
        let Some(obs) = check(
            "weibo_getindex-timeline_ok.json",
            State::Live,
            None,
            &[(COUNTS[0], 240492), (COUNTS[1], 95535), (COUNTS[2], 348872)],
        ) else {
            return;
        };
        let content = obs.content.unwrap();
        assert_eq!(content.author.as_deref(), Some("Dear-迪丽热巴"));
        // "06-14" in the capture's year, 00:00 Asia/Shanghai.
        assert_eq!(
            content.published_at.as_deref(),
            Some("2019-06-13T16:00:00Z")
        );
        assert_eq!(content.media_urls.len(), 3);
    }

    #[test]
    fn timeline_card_with_approximate_counts() {
        let Some(body) = read("weibo_getindex-timeline_ok.json") else {
            return;
        };
        let item = ItemRef::parse("https://m.weibo.cn/detail/4379188905591760").unwrap();
        let url = "https://m.weibo.cn/api/container/getIndex?containerid=1076031669879400&page=2";
        let obs = parse(
            &item,
            &[Response {
                url,
                status: 200,
                headers: &[],
                body: &body,
            }],
            OBSERVED_AT,
        );
        assert_eq!(obs.state, State::Live);
        let approx = Metric::Approx {
            lower: 1_000_000,
            text: "100万+".to_owned(),
        };
        let expected: BTreeMap<String, Metric> = [
            (COUNTS[0].to_owned(), approx.clone()),
            (COUNTS[1].to_owned(), approx),
            (COUNTS[2].to_owned(), Metric::Exact(1_049_077)),
        ]
        .into();
        assert_eq!(obs.metrics, expected);
    }

    #[test]
    fn user_info() {
        let obs = check(
            "weibo_getindex-userinfo_ok.json",
            State::Live,
            Some("ok:1"),
            &[
                ("statuses_count", 1008),
                ("followers_count", 63357736),
                ("follow_count", 240),
            ],
        );
        if let Some(obs) = obs {
            assert_eq!(
                obs.content.unwrap().author.as_deref(),
                Some("Dear-迪丽热巴")
            );
        }
    }

    #[test]
    fn comments_hotflow_total() {
        check(
            "weibo_comments-hotflow_ok.json",
            State::Live,
            Some("ok:1"),
            &[("comments_total", 133519)],
        );
    }

    #[test]
    fn comments_show_total() {
        check(
            "weibo_comments-show_ok.json",
            State::Live,
            Some("ok:1"),
            &[("comments_total", 125020)],
        );
    }

    #[test]
    fn retweeted_placeholder_deleted_by_author() {
        let obs = check(
            "weibo_status_retweeted-deleted-by-author.json",
            State::Gone(GoneReason::AuthorDeleted),
            Some("deleted"),
            &[],
        );
        if let Some(obs) = obs {
            assert!(
                obs.signal
                    .message
                    .unwrap()
                    .starts_with("抱歉，此微博已被作者删除")
            );
        }
    }
}

/// The table above covers every file in the fixture directory, and nothing else.
#[test]
fn every_fixture_is_covered() {
    let Ok(dir) = std::fs::read_dir(DIR) else {
        eprintln!("SKIPPED: fixture directory {DIR} absent");
        return;
    };
    let mut files: Vec<String> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    let mut covered: Vec<String> = CASES.iter().map(|c| c.file.to_owned()).collect();
    covered.sort();
    assert_eq!(files, covered);
}

/// Truncated, garbled and mis-statused versions of every fixture: no panic, and a body that is
/// not JSON gives `Error` or `Blocked`.
#[test]
fn garbage_never_panics() {
    for c in CASES {
        let Some(body) = read(c.file) else { return };
        let step = (body.len() / 150).max(1);
        let mut cuts: Vec<usize> = (0..body.len()).step_by(step).collect();
        cuts.extend(body.len().saturating_sub(8)..body.len());
        for cut in cuts {
            let truncated = &body[..cut];
            for status in [200, c.status, 403, 412, 500] {
                let obs = observe_case(c, truncated, status);
                if serde_json::from_slice::<serde_json::Value>(truncated).is_err() {
                    assert!(
                        obs.state.is_observation_failure(),
                        "{} cut at {cut}, status {status}: {:?}",
                        c.file,
                        obs.state
                    );
                }
            }
        }
        // Flip bytes across the body.
        let mut garbled = body.clone();
        for i in (0..garbled.len()).step_by(7) {
            garbled[i] ^= 0x5a;
        }
        let _ = observe_case(c, &garbled, 200);
        // Right JSON, wrong shapes.
        for odd in [
            &b""[..],
            b"null",
            b"[]",
            b"42",
            b"\"x\"",
            b"{}",
            b"{\"code\":\"abc\"}",
            b"{\"code\":0,\"data\":[]}",
            b"{\"ok\":1,\"data\":null}",
            b"{\"error\":null}",
            b"{\"code\":0,\"data\":{\"stat\":{\"view\":-1,\"like\":1e300}}}",
            b"\xff\xfe\x00<html>",
        ] {
            let obs = observe_case(c, odd, 200);
            assert!(
                obs.state != State::Live || !odd.is_empty(),
                "{}: empty body is never live",
                c.file
            );
        }
        // The HTML CAPTCHA page some endpoints send instead of JSON.
        let captcha = b"<!DOCTYPE html><html><head><title>\xe9\xaa\x8c\xe8\xaf\x81</title></head><body>captcha</body></html>";
        let obs = observe_case(c, captcha, 200);
        assert!(
            obs.state.is_observation_failure(),
            "{}: {:?}",
            c.file,
            obs.state
        );
    }
}

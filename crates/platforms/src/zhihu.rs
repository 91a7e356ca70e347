//! Zhihu questions and answers (platforms.md §2).
//!
//! Endpoints: `GET /api/v4/answers/{id}?include=…` and `GET /api/v4/questions/{id}?include=…`.
//! Zhihu requires the `x-zse-93`/`x-zse-96` signature and the `d_c0` cookie on these calls; the
//! signature is the shell's job (unsigned calls answer 403 `10003`, which maps to `Blocked`).
//! [`parse`] also reads a question's entry in `similar-questions` lists.
//!
//! Metric names: answers `voteup_count`, `comment_count`, `thanks_count`, `visited_count`, and
//! from `reaction.statistics` `favorites`, `down_vote_count`, `like_count`; questions
//! `answer_count`, `follower_count`, `visit_count`, `comment_count`, `voteup_count`,
//! `read_count` (each only when present).

use annals_model::{Content, GoneReason, Observation, State};
use serde_json::Value;

use crate::common::{
    Request, Response, failure, int_of, looks_like_html, merge, observe, set_content, str_field,
    take_metrics, text_of, truthy, unix_field,
};
use crate::item::{ItemRef, Kind};

const ANSWER_INCLUDE: &str = "content,excerpt,voteup_count,comment_count,thanks_count,\
visited_count,created_time,updated_time,reaction,is_collapsed,collapse_reason,\
suggest_edit,review_info,visible_only_to_author,is_normal,admin_closed_comment,question";
const QUESTION_INCLUDE: &str = "read_count,visit_count,answer_count,voteup_count,\
comment_count,follower_count,detail,excerpt,author,created,updated_time,status,review_info";

/// The requests to observe a question or answer.
pub fn requests(item: &ItemRef) -> Vec<Request> {
    let id = item.zhihu_id();
    let url = match item.kind {
        Kind::Question => format!(
            "https://www.zhihu.com/api/v4/questions/{id}?include={}",
            encode(QUESTION_INCLUDE)
        ),
        _ => format!(
            "https://www.zhihu.com/api/v4/answers/{id}?include={}",
            encode(ANSWER_INCLUDE)
        ),
    };
    vec![Request::get(
        url,
        &[
            ("x-api-version", "3.0.91"),
            ("x-app-za", "OS=Web"),
            ("x-requested-with", "fetch"),
            ("Referer", &item.canonical_url),
        ],
    )]
}

fn encode(s: &str) -> String {
    s.replace(',', "%2C")
}

/// State for a Zhihu `error.code` at an HTTP status (§2.3, §2.4); unknown codes are `Error`.
pub fn error_state(status: u16, code: i64) -> State {
    match (status, code) {
        (_, 4041) => State::Gone(GoneReason::Unknown),
        // Signing broken, automation detected, risk control, rate limit.
        (_, 10003 | 10001 | 40352 | 40362) => State::Blocked,
        (401, _) => State::LoginRequired,
        (403 | 429, _) => State::Blocked,
        _ => State::Error,
    }
}

/// State of an answer object from its moderation fields (§2.3).
pub fn answer_state(answer: &Value) -> State {
    if truthy(answer.get("visible_only_to_author")) {
        State::SelfOnly
    } else if truthy(
        answer
            .get("review_info")
            .and_then(|r| r.get("is_reviewing")),
    ) {
        State::UnderReview
    } else if truthy(answer.get("suggest_edit").and_then(|s| s.get("status"))) {
        // Hidden from others by the platform until the author edits.
        State::Gone(GoneReason::PlatformRemoved)
    } else if answer.get("is_normal") == Some(&Value::Bool(false))
        || answer.get("is_visible") == Some(&Value::Bool(false))
    {
        State::Gone(GoneReason::Unknown)
    } else {
        // Collapsed answers and closed comments are still live (a `Limited` signal).
        State::Live
    }
}

/// State of a comment object (`comment_v5`): deleted, under review, self-only or live.
pub fn comment_state(comment: &Value) -> State {
    if truthy(comment.get("is_delete")) {
        State::Gone(GoneReason::Unknown)
    } else if truthy(comment.get("reviewing")) {
        State::UnderReview
    } else if truthy(comment.get("is_visible_only_to_myself")) {
        State::SelfOnly
    } else {
        State::Live
    }
}

/// Observe one comment object (as found in `root_comment`/`child_comment` lists): state and
/// `like_count`, `dislike_count`, `child_comment_count`.
pub fn parse_comment(comment: &[u8]) -> Observation {
    let Ok(json) = serde_json::from_slice::<Value>(comment) else {
        return failure(200, "malformed JSON");
    };
    if json.get("type").and_then(Value::as_str) != Some("comment") {
        return failure(200, "not a Zhihu comment object");
    }
    let mut obs = observe(comment_state(&json), 200, None, None);
    take_metrics(
        &json,
        &[
            ("like_count", "like_count"),
            ("dislike_count", "dislike_count"),
            ("child_comment_count", "child_comment_count"),
        ],
        &mut obs.metrics,
    );
    let content = Content {
        text: str_field(&json, "content"),
        author: json.get("author").and_then(|a| str_field(a, "name")),
        published_at: unix_field(&json, "created_time"),
        ..Content::default()
    };
    set_content(&mut obs, content);
    obs
}

/// Observe a question or answer from its responses.
pub fn parse(item: &ItemRef, responses: &[Response<'_>]) -> Observation {
    merge(responses, |r| parse_one(item, r))
}

fn parse_one(item: &ItemRef, resp: &Response<'_>) -> Observation {
    let status = resp.status;
    let Some(json) = resp.json().filter(Value::is_object) else {
        return transport(resp);
    };
    if let Some(err) = json.get("error") {
        let code = err.get("code").and_then(int_of);
        let message = err.get("message").and_then(text_of);
        let state = match code {
            Some(c) => error_state(status, c),
            None => State::Error,
        };
        return observe(state, status, code.map(|c| c.to_string()), message);
    }
    if status != 200 {
        return failure(status, format!("HTTP {status} without a Zhihu error body"));
    }
    let id = item.zhihu_id();
    let path = resp.path();
    if path.ends_with("/similar-questions") || json.get("data").is_some_and(Value::is_array) {
        let entry = json.get("data").and_then(Value::as_array).and_then(|list| {
            list.iter()
                .find(|e| e.get("id").and_then(text_of).as_deref() == Some(id))
        });
        return match entry {
            Some(q) => read_question(q, status),
            None => failure(status, "item not in this list response"),
        };
    }
    let matches = json.get("id").and_then(text_of).as_deref() == Some(id);
    match json.get("type").and_then(Value::as_str) {
        Some("answer") if matches && item.kind == Kind::Answer => read_answer(&json, status),
        Some("question") if matches && item.kind == Kind::Question => read_question(&json, status),
        _ => failure(status, "response does not describe this item"),
    }
}

fn read_answer(answer: &Value, status: u16) -> Observation {
    let mut obs = observe(answer_state(answer), status, None, None);
    take_metrics(
        answer,
        &[
            ("voteup_count", "voteup_count"),
            ("comment_count", "comment_count"),
            ("thanks_count", "thanks_count"),
            ("visited_count", "visited_count"),
        ],
        &mut obs.metrics,
    );
    if let Some(stats) = answer.get("reaction").and_then(|r| r.get("statistics")) {
        take_metrics(
            stats,
            &[
                ("favorites", "favorites"),
                ("down_vote_count", "down_vote_count"),
                ("like_count", "like_count"),
            ],
            &mut obs.metrics,
        );
    }
    let content = Content {
        title: answer.get("question").and_then(|q| str_field(q, "title")),
        text: str_field(answer, "content").or_else(|| str_field(answer, "excerpt")),
        author: answer.get("author").and_then(|a| str_field(a, "name")),
        published_at: unix_field(answer, "created_time"),
        updated_at: unix_field(answer, "updated_time"),
        media_urls: Vec::new(),
    };
    set_content(&mut obs, content);
    obs
}

fn read_question(question: &Value, status: u16) -> Observation {
    let mut obs = observe(answer_state(question), status, None, None);
    take_metrics(
        question,
        &[
            ("answer_count", "answer_count"),
            ("follower_count", "follower_count"),
            ("visit_count", "visit_count"),
            ("comment_count", "comment_count"),
            ("voteup_count", "voteup_count"),
            ("read_count", "read_count"),
        ],
        &mut obs.metrics,
    );
    let content = Content {
        title: str_field(question, "title"),
        text: str_field(question, "detail"),
        author: question.get("author").and_then(|a| str_field(a, "name")),
        published_at: unix_field(question, "created"),
        updated_at: unix_field(question, "updated_time"),
        media_urls: Vec::new(),
    };
    set_content(&mut obs, content);
    obs
}

/// A response that is not a JSON object: HTML pages and transport failures.
fn transport(resp: &Response<'_>) -> Observation {
    let status = resp.status;
    let text = if looks_like_html(resp.body) {
        resp.text()
    } else {
        String::new()
    };
    let state = match status {
        0 => State::Error,
        404 if text.contains("没有知识存在的荒原") => State::Gone(GoneReason::Unknown),
        200 if text.contains("该回答已被删除") => State::Gone(GoneReason::Unknown),
        401 => State::LoginRequired,
        403 | 429 => State::Blocked,
        _ if text.contains("/account/unhuman") => State::Blocked,
        _ => State::Error,
    };
    let what = if resp.body.is_empty() {
        "empty body"
    } else if !text.is_empty() {
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

//! The analyser as seen through searches, the query syntax, filters and snippets.

use annals_model::{GoneReason, State};
use annals_search::{Error, IndexedVersion, Query, parse_time};

use crate::{find, ids, index_of, version};

#[test]
fn two_character_word_inside_a_long_word() {
    let (_dir, index) = index_of(&[
        version(1, "", "今天奏响中华人民共和国国歌。"),
        version(2, "", "国家统计局发布数据。"),
    ]);
    assert_eq!(find(&index, "国歌"), [1]);
    assert_eq!(find(&index, "人民"), [1]);
    assert_eq!(find(&index, "中华人民共和国"), [1]);
    assert_eq!(find(&index, "国家"), [2]);
}

#[test]
fn traditional_and_simplified_find_each_other() {
    let (_dir, index) = index_of(&[
        version(1, "網絡審查", "這篇文章討論網絡審查與言論自由。"),
        version(2, "网络安全", "这篇文章讨论网络安全法。"),
    ]);
    assert_eq!(find(&index, "网络"), [1, 2]);
    assert_eq!(find(&index, "網絡"), [1, 2]);
    assert_eq!(find(&index, "审查"), [1]);
    assert_eq!(find(&index, "安全"), [2]);
    assert_eq!(find(&index, "\"網絡安全\""), [2]);
    // The snippet shows the text as written, traditional characters included.
    let hit = &index.search(&Query::new("网络审查")).unwrap().hits[0];
    assert!(
        hit.snippet_html.contains("<mark>網絡</mark>"),
        "{}",
        hit.snippet_html
    );
}

#[test]
fn phrases_and_words() {
    let (_dir, index) = index_of(&[
        version(1, "", "他们讨论了网络审查的问题。"),
        version(2, "", "审查制度很严格，网络上看不到。"),
        version(3, "", "Hello, world! Said the program."),
        version(4, "", "The world said hello back."),
    ]);
    assert_eq!(find(&index, "网络 审查"), [1, 2]);
    assert_eq!(find(&index, "\"网络审查\""), [1]);
    assert_eq!(find(&index, "\"网络 审查\""), [1]);
    // A phrase ignores punctuation between its words, not other words.
    assert_eq!(find(&index, "hello world"), [3, 4]);
    assert_eq!(find(&index, "\"hello world\""), [3]);
    assert_eq!(find(&index, "\"world hello\""), Vec::<i64>::new());
}

#[test]
fn boolean_operators() {
    let (_dir, index) = index_of(&[
        version(1, "", "苹果和香蕉"),
        version(2, "", "只有苹果"),
        version(3, "", "只有香蕉"),
    ]);
    assert_eq!(
        find(&index, "苹果 香蕉"),
        [1],
        "words are all required by default"
    );
    assert_eq!(find(&index, "苹果 AND 香蕉"), [1]);
    assert_eq!(find(&index, "苹果 OR 香蕉"), [1, 2, 3]);
    assert_eq!(find(&index, "苹果 NOT 香蕉"), [2]);
    assert_eq!(find(&index, "苹果 -香蕉"), [2]);
    assert_eq!(
        find(&index, "NOT 苹果"),
        [3],
        "a negation alone means everything else"
    );
    assert_eq!(find(&index, "(苹果 OR 香蕉) AND NOT 只有"), [1]);
    assert_eq!(find(&index, "(苹果 OR 香蕉) -只有"), [1]);
    assert_eq!(find(&index, "苹果 AND NOT 香蕉"), [2]);
    assert_eq!(find(&index, "NOT 苹果 NOT 香蕉"), Vec::<i64>::new());
    assert_eq!(find(&index, "NOT (苹果 AND 香蕉)"), [2, 3]);
}

#[test]
fn english_is_lowercased_folded_and_stemmed() {
    let (_dir, index) = index_of(&[
        version(1, "Censorship RUNNING wild", "Café owners were Arrested"),
        version(2, "", "nothing to see"),
    ]);
    for q in [
        "censorship",
        "CENSORSHIP",
        "run",
        "runs",
        "cafe",
        "café",
        "arrest",
        "ｒｕｎ",
    ] {
        assert_eq!(find(&index, q), [1], "{q}");
    }
}

fn filtered_index() -> (tempfile::TempDir, annals_search::SearchIndex) {
    let day = |d: &str| parse_time(d).unwrap();
    let mut a = version(1, "新闻一", "疫情 报道");
    a.platform = "weibo".into();
    a.lists = vec!["wuhan".into(), "all".into()];
    a.published_at = Some(day("2020-01-30"));
    a.author = Some("李文亮".into());
    let mut b = version(2, "新闻二", "疫情 视频");
    b.platform = "bilibili".into();
    b.lists = vec!["all".into()];
    b.published_at = Some(day("2020-02-15"));
    let mut c = version(3, "新闻三", "疫情 回答");
    c.platform = "zhihu".into();
    c.lists = vec!["wuhan".into()];
    c.published_at = None;
    c.observed_at = day("2021-06-01");
    let (dir, index) = index_of(&[a, b, c]);
    let mut writer = index.writer().unwrap();
    writer
        .set_state(
            1,
            State::Gone(GoneReason::AuthorDeleted),
            Some(day("2020-02-07")),
        )
        .unwrap();
    writer.set_state(2, State::Live, None).unwrap();
    writer
        .set_state(
            3,
            State::Gone(GoneReason::PlatformRemoved),
            Some(day("2021-07-01")),
        )
        .unwrap();
    writer.commit().unwrap();
    (dir, index)
}

#[test]
fn platform_list_state_filters() {
    let (_dir, index) = filtered_index();
    let q = |f: &dyn Fn(&mut Query)| {
        let mut q = Query::new("疫情");
        f(&mut q);
        ids(&index, &q)
    };
    assert_eq!(q(&|_| {}), [1, 2, 3]);
    assert_eq!(q(&|q| q.platform = Some("bilibili".into())), [2]);
    assert_eq!(q(&|q| q.platform = Some("Weibo".into())), [1]);
    assert_eq!(q(&|q| q.list = Some("wuhan".into())), [1, 3]);
    assert_eq!(q(&|q| q.state = Some("gone".into())), [1, 3]);
    assert_eq!(q(&|q| q.state = Some("disappeared".into())), [1, 3]);
    assert_eq!(q(&|q| q.state = Some("gone:author_deleted".into())), [1]);
    assert_eq!(q(&|q| q.state = Some("live".into())), [2]);
    assert_eq!(
        q(&|q| q.state = Some("self_only".into())),
        Vec::<i64>::new()
    );
    assert_eq!(
        q(&|q| {
            q.state = Some("gone".into());
            q.list = Some("wuhan".into());
            q.platform = Some("zhihu".into());
        }),
        [3]
    );
    // Field filters in the syntax.
    assert_eq!(find(&index, "疫情 platform:weibo"), [1]);
    assert_eq!(find(&index, "疫情 list:all -platform:weibo"), [2]);
    assert_eq!(find(&index, "author:李文亮"), [1]);
    assert_eq!(find(&index, "title:新闻三"), [3]);
    // A misspelt state is an error, not an empty page.
    let err = index
        .search(&Query {
            state: Some("deleted".into()),
            ..Query::new("疫情")
        })
        .unwrap_err();
    assert!(err.to_string().contains("unknown state"), "{err}");
}

#[test]
fn hits_carry_the_current_state() {
    let (_dir, index) = filtered_index();
    let results = index.search(&Query::new("视频 OR 报道")).unwrap();
    assert_eq!(results.total, 2);
    let one = results.hits.iter().find(|h| h.item_id == 1).unwrap();
    assert_eq!(one.state, Some(State::Gone(GoneReason::AuthorDeleted)));
    assert_eq!(one.gone_since, Some(parse_time("2020-02-07").unwrap()));
    assert_eq!(one.platform, "weibo");
    assert_eq!(one.lists, ["wuhan", "all"]);
    assert_eq!(one.author.as_deref(), Some("李文亮"));
    let two = results.hits.iter().find(|h| h.item_id == 2).unwrap();
    assert_eq!(two.state, Some(State::Live));
    assert_eq!(two.gone_since, None);

    // A state change replaces the previous state and re-analyses nothing.
    let mut writer = index.writer().unwrap();
    writer.set_state(2, State::UnderReview, Some(100)).unwrap();
    writer.commit().unwrap();
    let hit = &index.search(&Query::new("视频")).unwrap().hits[0];
    assert_eq!(hit.state, Some(State::UnderReview));
    assert_eq!(hit.gone_since, Some(100));
    assert_eq!(
        ids(
            &index,
            &Query {
                state: Some("live".into()),
                ..Query::new("疫情")
            }
        ),
        Vec::<i64>::new()
    );
}

#[test]
fn date_ranges() {
    let (_dir, index) = filtered_index();
    let t = |d: &str| Some(parse_time(d).unwrap());
    let range = |since, until| {
        ids(
            &index,
            &Query {
                since,
                until,
                ..Query::new("疫情")
            },
        )
    };
    assert_eq!(range(t("2020-02-01"), None), [2, 3]);
    assert_eq!(range(None, t("2020-02-01")), [1]);
    assert_eq!(
        range(t("2020-01-30"), t("2020-01-31")),
        [1],
        "since is inclusive"
    );
    assert_eq!(
        range(t("2020-02-15T00:00:01Z"), t("2021-06-01")),
        Vec::<i64>::new(),
        "until is exclusive"
    );
    // `date` falls back to the observation time when nothing says when it was published.
    assert_eq!(range(t("2021-01-01"), None), [3]);
    // The syntax.
    assert_eq!(
        find(&index, "疫情 published:[2020-01-01 TO 2020-02-01]"),
        [1]
    );
    assert_eq!(find(&index, "疫情 published:>=2020-02-01"), [2]);
    assert_eq!(find(&index, "published:2020-01-30"), [1]);
    assert_eq!(find(&index, "疫情 date:[2021-01-01 TO *]"), [3]);
    assert_eq!(
        find(
            &index,
            "疫情 observed:[2021-06-01T00:00:00Z TO 2021-06-02T00:00:00Z]"
        ),
        [3]
    );
}

#[test]
fn snippets_are_escaped_and_marked() {
    let mut v = version(1, "<b>标题</b> & 网络", "");
    v.text = Some(format!(
        "{} <script>alert('网络')</script> 网络审查 & more {}",
        "前言。".repeat(80),
        "后记。".repeat(80)
    ));
    let (_dir, index) = index_of(&[v]);
    let hit = &index.search(&Query::new("网络")).unwrap().hits[0];
    let html = &hit.snippet_html;
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;<mark>网络</mark>&#39;)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("<mark>网络</mark>审查 &amp; more"), "{html}");
    assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
    assert_eq!(
        hit.title_html,
        "&lt;b&gt;标题&lt;/b&gt; &amp; <mark>网络</mark>"
    );
    // Only the marks are markup.
    let stripped = html.replace("<mark>", "").replace("</mark>", "");
    assert!(!stripped.contains('<') && !stripped.contains('>'), "{html}");
}

#[test]
fn snippet_from_comments_when_only_they_match() {
    let mut v = version(1, "标题", "正文没有那个词。");
    v.comments = vec!["第一条评论".into(), "评论里提到了国歌".into()];
    let (_dir, index) = index_of(&[v]);
    let hit = &index.search(&Query::new("国歌")).unwrap().hits[0];
    assert_eq!(hit.snippet_html, "评论里提到了<mark>国歌</mark>");
}

#[test]
fn empty_query_lists_newest_first_and_pages() {
    let mut versions = Vec::new();
    for i in 1..=25 {
        let mut v = version(i, &format!("第{i}条"), "内容");
        v.observed_at = 1_600_000_000 + i * 60;
        versions.push(v);
    }
    let (_dir, index) = index_of(&versions);
    let page1 = index
        .search(&Query {
            limit: 10,
            ..Query::new("")
        })
        .unwrap();
    assert_eq!(page1.total, 25);
    assert_eq!(
        page1.hits.iter().map(|h| h.item_id).collect::<Vec<_>>(),
        (16..=25).rev().collect::<Vec<_>>()
    );
    let page3 = index
        .search(&Query {
            limit: 10,
            offset: 20,
            ..Query::new("内容")
        })
        .unwrap();
    assert_eq!(page3.total, 25);
    assert_eq!(page3.hits.len(), 5);
    assert_eq!(page3.offset, 20);
    let beyond = index
        .search(&Query {
            offset: 1_000_000_000,
            ..Query::new("内容")
        })
        .unwrap();
    assert!(beyond.hits.is_empty());
    assert_eq!(
        index
            .search(&Query {
                limit: usize::MAX,
                ..Query::new("内容")
            })
            .unwrap()
            .hits
            .len(),
        25
    );
}

#[test]
fn bad_syntax_is_an_error_not_a_panic() {
    let (_dir, index) = index_of(&[version(1, "标题", "正文 text")]);
    for bad in [
        "state:gone",
        "nosuchfield:x",
        "published:[yesterday TO today]",
        "item:abc",
        "title:[a TO",
    ] {
        match index.search(&Query::new(bad)) {
            Err(Error::Query { query, message }) => {
                assert_eq!(query, bad);
                assert!(!message.is_empty());
            }
            other => panic!("{bad:?}: expected a query error, got {other:?}"),
        }
    }
    let huge = "网络 ".repeat(2000);
    assert!(matches!(
        index.search(&Query::new(huge)),
        Err(Error::Query { .. })
    ));
    let err = index
        .search(&Query::new("state:gone"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("--state"), "{err}");
    // Whatever the input: an answer or an error, never a panic.
    for odd in [
        "\"",
        "\"unclosed",
        "(",
        ")",
        "((((",
        "AND",
        "OR",
        "NOT",
        "-",
        "+",
        "*",
        ":",
        "::",
        "title:",
        "^2",
        "a^",
        "a~",
        "[",
        "]",
        "{}",
        "\\",
        "'",
        "网络\"审查",
        "!!!",
        "。。。",
        "title:(",
        "published:>",
        "published:[* TO *]",
        "date:2020-13-45",
        "\u{0}",
        "𠀀𠀁",
        "a AND AND b",
        "NOT NOT a",
        "-(-a)",
        "*:*",
        "title:\"\"",
        "\"\"",
        "  ",
    ] {
        let _ = index.search(&Query::new(odd));
    }
}

#[test]
fn user_dictionary_makes_a_coded_term_one_token() {
    use annals_search::{Analyzer, SearchConfig, SearchIndex};
    // "蜡烛熊" is a made-up coded term: jieba alone splits it.
    let text = "他们又在讨论蜡烛熊了。";
    let plain = Analyzer::new(None).unwrap();
    assert!(
        !plain.terms(text).contains(&"蜡烛熊".to_string()),
        "{:?}",
        plain.terms(text)
    );

    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("userdict.txt");
    std::fs::write(&dict, "# platform slang\n蜡烛熊 n\n膜蛤 500 n\n河蟹 12x\n").unwrap();
    // A malformed line is refused, naming the line.
    let err = Analyzer::new(Some(&dict)).unwrap_err();
    assert!(err.to_string().contains("line 4"), "{err}");
    std::fs::write(&dict, "# platform slang\n蜡烛熊 n\n膜蛤 500 n\n").unwrap();
    let with = Analyzer::new(Some(&dict)).unwrap();
    assert!(
        with.terms(text).contains(&"蜡烛熊".to_string()),
        "{:?}",
        with.terms(text)
    );
    // Traditional spelling in a query still meets it.
    assert!(with.terms("蠟燭熊").contains(&"蜡烛熊".to_string()));

    let config = SearchConfig {
        user_dict: Some(dict.clone()),
        ..crate::small_config()
    };
    let index = SearchIndex::open(&dir.path().join("index"), &config).unwrap();
    let mut writer = index.writer().unwrap();
    writer.add(&version(1, "", text)).unwrap();
    writer.add(&version(2, "", "蜡烛和熊都有。")).unwrap();
    writer.commit().unwrap();
    drop(writer);
    assert_eq!(find(&index, "蜡烛熊"), [1]);
    assert_eq!(find(&index, "蠟燭熊"), [1]);
    assert!(!index.needs_rebuild().unwrap());

    // Opened with another dictionary, the index says it should be rebuilt.
    std::fs::write(&dict, "蜡烛熊\n").unwrap();
    let other = SearchIndex::open(&dir.path().join("index"), &config).unwrap();
    assert!(other.needs_rebuild().unwrap());
}

#[test]
fn html_bodies_index_as_text() {
    let mut v: IndexedVersion = version(1, "", "");
    v.text = Some(annals_search::text_from_html(
        "<p>网络<b>审查</b></p><p>第二段&amp;更多</p>",
    ));
    let (_dir, index) = index_of(&[v]);
    assert_eq!(find(&index, "\"网络审查\""), [1]);
    assert_eq!(find(&index, "b"), Vec::<i64>::new());
}

#[test]
fn snippets_of_long_texts_come_from_around_the_match() {
    let long = format!(
        "{}重要的发现在这里。{}",
        "无关的句子。".repeat(400),
        "结尾的句子。".repeat(400)
    );
    let mut english = "Filler words go here. ".repeat(300);
    english.push_str("The protesters were RUNNING away.");
    let (_dir, index) = index_of(&[version(1, "", &long), version(2, "", &english)]);
    let hit = &index.search(&Query::new("发现")).unwrap().hits[0];
    assert!(
        hit.snippet_html.contains("重要的<mark>发现</mark>在这里"),
        "{}",
        hit.snippet_html
    );
    assert!(hit.snippet_html.starts_with('…') && hit.snippet_html.ends_with('…'));
    // A stemmed term that is not literally in the text falls back to analysing it whole.
    let hit = &index.search(&Query::new("runs")).unwrap().hits[0];
    assert!(
        hit.snippet_html.contains("<mark>RUNNING</mark>"),
        "{}",
        hit.snippet_html
    );
}

#[test]
fn extreme_times_do_not_overflow() {
    let mut a = version(1, "", "极端时间");
    a.published_at = Some(i64::MAX);
    a.observed_at = i64::MIN;
    let (_dir, index) = index_of(&[a]);
    assert_eq!(find(&index, "极端"), [1]);
    let q = Query {
        since: Some(i64::MIN),
        until: None,
        ..Query::new("极端")
    };
    assert_eq!(ids(&index, &q), [1]);
    let q = Query {
        since: Some(i64::MAX),
        until: Some(i64::MIN),
        ..Query::new("极端")
    };
    assert!(ids(&index, &q).is_empty());
}

/// Deterministic noise: documents and queries built from Chinese, Latin, operators, quotes,
/// brackets, control and astral characters. Every search answers or errs; none panics.
#[test]
fn noise_never_panics() {
    const PIECES: &[&str] = &[
        "网络",
        "審查",
        "国歌",
        "AND",
        "OR",
        "NOT",
        "-",
        "+",
        "\"",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        "title:",
        "published:",
        "date:2020-01-01",
        "*",
        "^",
        "~",
        "\\",
        " ",
        "，",
        "。",
        "🎉",
        "\u{0}",
        "\u{202E}",
        "𠀀",
        "Ｒｕｎ",
        "café",
        "2020-13-99",
        "TO",
        "'",
        "<b>",
        "&amp;",
        "\n",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut noise = |n: usize| -> String {
        (0..n)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect()
    };
    let versions: Vec<_> = (1..=20)
        .map(|i| version(i, &noise(5), &noise(60)))
        .collect();
    let (_dir, index) = index_of(&versions);
    for _ in 0..400 {
        let text = noise(6);
        match index.search(&Query::new(text.clone())) {
            Ok(results) => {
                for hit in results.hits {
                    let stripped = hit
                        .snippet_html
                        .replace("<mark>", "")
                        .replace("</mark>", "");
                    assert!(!stripped.contains('<'), "{text:?}: {}", hit.snippet_html);
                }
            }
            Err(Error::Query { .. }) => {}
            Err(other) => panic!("{text:?}: {other}"),
        }
    }
}

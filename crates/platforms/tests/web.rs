//! The generic web adapter: state, extraction, charsets, content encodings, hashing; and the
//! RSS/Atom feed adapter. Fixtures are written inline.

use std::io::Write;

use annals_model::{ChildRef, Metric, Observation};
use annals_platforms::{ItemRef, Kind, Platform, Response, feed, parse, web};

const PAGE: &str = "https://news.example.org/2024/03/story.html";

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn observe_at(url: &str, status: u16, hdrs: &[(&str, &str)], body: &[u8]) -> Observation {
    let item = ItemRef::parse(url).unwrap();
    let hdrs = headers(hdrs);
    let response = Response {
        url,
        status,
        headers: &hdrs,
        body,
    };
    parse(&item, &[response], 1_700_000_000)
}

fn observe(status: u16, hdrs: &[(&str, &str)], body: &[u8]) -> Observation {
    observe_at(PAGE, status, hdrs, body)
}

fn text(obs: &Observation) -> &str {
    obs.content
        .as_ref()
        .and_then(|c| c.text.as_deref())
        .unwrap_or_default()
}

const PARAS: [&str; 3] = [
    "The river rose four metres overnight, flooding the lower town and cutting the only road to the valley.",
    "Residents said the warning came too late. Many had to leave their houses by boat before dawn, carrying what they could.",
    "The council promised an inquiry into why the sirens stayed silent, and said repairs to the levee would start next week.",
];

fn article_html(paras: &[&str], indent: &str) -> String {
    let body: String = paras
        .iter()
        .map(|p| format!("{indent}<p>{p}</p>\n"))
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Flood hits lower town | Example News</title>
<meta property="og:title" content="Flood hits lower town">
<meta property="og:image" content="/img/cover.jpg">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-05T08:09:10+08:00">
<meta property="article:modified_time" content="2024-03-06T00:00:00Z">
<link rel="canonical" href="https://news.example.org/story/123">
<script>var tracking = "do not extract me";</script>
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Flood hits lower town</h1>
{body}<img src="photos/boat.jpg" alt="boat">
<img data-src="//cdn.example.org/lazy.png">
</article>
<footer>Copyright Example News</footer>
</body></html>"#
    )
}

#[test]
fn live_page_extraction() {
    let html = article_html(&PARAS, "");
    let obs = observe(200, &[("Content-Type", "text/html")], html.as_bytes());
    assert_eq!(obs.state.as_str(), "live");
    assert_eq!(obs.signal.code.as_deref(), Some("http:200"));
    let content = obs.content.as_ref().unwrap();
    assert_eq!(content.title.as_deref(), Some("Flood hits lower town"));
    assert_eq!(content.author.as_deref(), Some("Jane Doe"));
    assert_eq!(
        content.published_at.as_deref(),
        Some("2024-03-05T00:09:10Z")
    );
    assert_eq!(content.updated_at.as_deref(), Some("2024-03-06T00:00:00Z"));
    assert_eq!(
        content.media_urls,
        [
            "https://news.example.org/img/cover.jpg",
            "https://news.example.org/2024/03/photos/boat.jpg",
            "https://cdn.example.org/lazy.png",
        ]
    );
    // Readable text: the three paragraphs, nothing from nav, script or footer.
    let paragraphs: Vec<&str> = text(&obs).split("\n\n").collect();
    for p in PARAS {
        assert!(paragraphs.contains(&p), "missing {p:?} in {paragraphs:?}");
    }
    for junk in ["do not extract me", "Copyright", "World"] {
        assert!(!text(&obs).contains(junk), "{junk} in {:?}", text(&obs));
    }
    // The canonical URL differs from the fetched one: recorded as a child.
    assert_eq!(
        obs.children,
        [ChildRef {
            platform: "web".into(),
            native_id: "https://news.example.org/story/123".into(),
            url: "https://news.example.org/story/123".into(),
        }]
    );
    let page = web::extract(&html, PAGE);
    assert_eq!(
        page.canonical_url.as_deref(),
        Some("https://news.example.org/story/123")
    );
    assert_eq!(
        obs.content_hash.as_deref(),
        Some(web::text_hash(page.title.as_deref(), &page.text).as_str())
    );
}

#[test]
fn title_and_text_fallbacks() {
    // No og:title, a <base>, a tiny body readability may reject: body text is used.
    let html = "<html><head><title>  Short \n page </title><base href=\"https://cdn.example.net/a/\"></head>\
                <body><script>x()</script><p>Only line.</p><img src=\"b.png\"></body></html>";
    let obs = observe(200, &[], html.as_bytes());
    let content = obs.content.as_ref().unwrap();
    assert_eq!(content.title.as_deref(), Some("Short page"));
    assert_eq!(content.text.as_deref(), Some("Only line."));
    assert_eq!(content.media_urls, ["https://cdn.example.net/a/b.png"]);
    assert!(obs.children.is_empty());
    assert_eq!(content.published_at, None);
}

const CHINESE: &str =
    "北京市今日发布暴雨预警，全市中小学停课一天。气象台提醒市民减少外出，注意防范山洪和城市内涝。";

fn gbk_page(meta: &str) -> Vec<u8> {
    let html = format!(
        "<html><head>{meta}<title>暴雨预警</title></head><body><article><p>{CHINESE}</p>\
         <p>{CHINESE}</p></article></body></html>"
    );
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&html);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn gbk_page_via_meta_detection_and_header() {
    for (case, meta, hdrs) in [
        (
            "meta http-equiv",
            r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#,
            vec![("Content-Type", "text/html")],
        ),
        (
            "meta charset",
            r#"<meta charset="GBK">"#,
            vec![("Content-Type", "text/html")],
        ),
        ("detection", "", vec![]),
        (
            "header",
            "",
            vec![("Content-Type", "text/html; charset=GB18030")],
        ),
    ] {
        let body = gbk_page(meta);
        assert!(
            std::str::from_utf8(&body).is_err(),
            "{case}: fixture is not GBK"
        );
        let obs = observe(200, &hdrs, &body);
        let content = obs.content.as_ref().unwrap();
        assert_eq!(content.title.as_deref(), Some("暴雨预警"), "{case}");
        assert!(text(&obs).contains(CHINESE), "{case}: {:?}", text(&obs));
        assert!(!text(&obs).contains('\u{fffd}'), "{case}");
    }
    // The decoder reports what it used.
    let (decoded, name) = web::decode_html(&gbk_page(""), None, "https://example.cn/");
    assert_eq!(name, "GBK");
    assert!(decoded.contains(CHINESE));
}

#[test]
fn big5_and_bom() {
    let html = "<html><head><meta charset=big5><title>臺灣新聞</title></head><body><p>颱風來襲，學校停課。</p></body></html>";
    let (bytes, _, _) = encoding_rs::BIG5.encode(html);
    let obs = observe(200, &[], &bytes);
    assert_eq!(
        obs.content.as_ref().unwrap().title.as_deref(),
        Some("臺灣新聞")
    );
    assert!(text(&obs).contains("颱風來襲，學校停課。"));
    // A UTF-8 BOM beats a wrong header.
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice("<title>中文</title><p>正文</p>".as_bytes());
    let (decoded, name) = web::decode_html(&bom, Some("text/html; charset=iso-8859-1"), PAGE);
    assert_eq!(name, "UTF-8");
    assert!(decoded.starts_with("<title>中文"));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn content_encodings() {
    let html = article_html(&PARAS, "");
    let plain = observe(200, &[], html.as_bytes());
    let gz = gzip(html.as_bytes());
    let gzipped = observe(
        200,
        &[("Content-Encoding", "gzip"), ("Content-Type", "text/html")],
        &gz,
    );
    assert_eq!(gzipped.state.as_str(), "live");
    assert_eq!(gzipped.content, plain.content);
    assert_eq!(gzipped.content_hash, plain.content_hash);
    // Gzip magic without the header is still decoded.
    assert_eq!(observe(200, &[], &gz).content_hash, plain.content_hash);
    // A header on an already-decoded body is harmless.
    let already = observe(200, &[("Content-Encoding", "gzip")], html.as_bytes());
    assert_eq!(already.content_hash, plain.content_hash);
    // zlib-wrapped deflate.
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(html.as_bytes()).unwrap();
    let deflated = observe(
        200,
        &[("Content-Encoding", "deflate")],
        &zlib.finish().unwrap(),
    );
    assert_eq!(deflated.content_hash, plain.content_hash);
    // A truncated gzip stream is an error, not a page.
    let cut = observe(200, &[("Content-Encoding", "gzip")], &gz[..gz.len() / 2]);
    assert_eq!(cut.state.as_str(), "error");
    assert!(cut.signal.message.as_deref().unwrap().contains("gzip"));
    assert!(cut.content.is_none());
}

#[test]
fn states_from_status_and_body() {
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: &[(u16, Headers, &str, &str)] = &[
        (
            404,
            &[],
            "<html><title>Not Found</title></html>",
            "gone:unknown",
        ),
        (410, &[], "", "gone:author_deleted"),
        (451, &[], "", "region_locked"),
        (401, &[], "", "login_required"),
        (
            403,
            &[],
            "<form><input type=\"password\" name=\"pw\"></form>",
            "login_required",
        ),
        (403, &[], "<p>请先登录后查看</p>", "login_required"),
        (403, &[], "<p>Forbidden</p>", "blocked"),
        (
            403,
            &[],
            "<title>Just a moment...</title><p>Sign in</p>",
            "blocked",
        ),
        (429, &[("Retry-After", "30")], "", "blocked"),
        (
            503,
            &[],
            "<title>Just a moment...</title><script src=\"/cdn-cgi/challenge-platform/h/b\"></script>",
            "blocked",
        ),
        (503, &[("cf-mitigated", "challenge")], "", "blocked"),
        (503, &[], "<h1>Service Unavailable</h1>", "error"),
        (500, &[], "", "error"),
        (502, &[], "<html>", "error"),
        (0, &[], "", "error"),
    ];
    for (status, hdrs, body, want) in cases {
        let obs = observe(*status, hdrs, body.as_bytes());
        assert_eq!(obs.state.as_str(), *want, "{status} {body:?}");
        assert_eq!(obs.signal.http_status, *status);
        assert!(obs.content.is_none() && obs.content_hash.is_none());
    }
    let moved = observe(301, &[("Location", "https://news.example.org/new")], b"");
    assert_eq!(moved.state.as_str(), "error");
    assert_eq!(
        moved.signal.message.as_deref(),
        Some("redirect to https://news.example.org/new")
    );
}

#[test]
fn hash_ignores_markup_but_not_text() {
    let hash = |html: &str| observe(200, &[], html.as_bytes()).content_hash.unwrap();
    let base = hash(&article_html(&PARAS, ""));
    // Re-indented, re-wrapped, extra attributes and inline markup.
    let reindented = article_html(&PARAS, "\n        ");
    assert_eq!(hash(&reindented), base);
    let marked_up = article_html(&PARAS, "")
        .replace("<p>", "<p class=\"para\" data-x=\"1\">")
        .replace("four metres", "<b>four</b> <span>metres</span>")
        .replace("the valley.", "the\n   valley.");
    assert_eq!(hash(&marked_up), base);
    let other_image = article_html(&PARAS, "").replace("cover.jpg", "cover-2x.jpg");
    assert_eq!(hash(&other_image), base);
    // A changed word is an edit.
    let edited = article_html(&PARAS, "").replace("four metres", "five metres");
    assert_ne!(hash(&edited), base);
    let retitled = article_html(&PARAS, "").replace(
        "og:title\" content=\"Flood hits lower town",
        "og:title\" content=\"Flood hits town",
    );
    assert_ne!(hash(&retitled), base);
}

#[test]
fn non_html_bodies_hash_bytes() {
    let obs = observe(
        200,
        &[("Content-Type", "image/png")],
        b"\x89PNG\r\n\x1a\n....",
    );
    assert_eq!(obs.state.as_str(), "live");
    assert!(obs.content.is_none());
    assert!(obs.content_hash.unwrap().starts_with("sha256:"));
}

/// Every prefix of a page and some garbage: no panic, a state for each.
#[test]
fn garbage_and_truncated_html_never_panic() {
    let html = article_html(&PARAS, "  ");
    let gbk = gbk_page("<meta charset=gbk>");
    let step = 7;
    for end in (0..html.len()).step_by(step) {
        let _ = observe(200, &[], &html.as_bytes()[..end]);
    }
    for end in (0..gbk.len()).step_by(step) {
        let _ = observe(200, &[], &gbk[..end]);
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for len in [0usize, 1, 2, 3, 16, 257, 4096] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        for hdrs in [
            &[][..],
            &[("Content-Encoding", "gzip")][..],
            &[("Content-Encoding", "br")][..],
            &[("Content-Type", "application/rss+xml")][..],
        ] {
            let _ = observe(200, hdrs, &bytes);
        }
    }
    for weird in [
        "<<<<>>>>",
        "<html><body><p>unclosed <b><i><table><tr><td>",
        "<meta charset=\"\u{1}\"><meta charset=utf-16><p>x",
        "<img src=\"http://[::1\"><link rel=canonical href=\"::::\">",
        "\u{feff}",
    ] {
        let obs = observe(200, &[], weird.as_bytes());
        assert_eq!(obs.state.as_str(), "live", "{weird:?}");
    }
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
     xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example &amp; Friends</title>
  <link>https://blog.example.com/</link>
  <description>Notes from the field</description>
  <lastBuildDate>Tue, 05 Mar 2024 08:09:10 +0800</lastBuildDate>
  <atom:link rel="self" href="https://blog.example.com/feed.xml"/>
  <image><url>/logo.png</url><title>logo</title></image>
  <item>
    <title>First post</title>
    <link>https://blog.example.com/posts/1</link>
    <comments>https://blog.example.com/posts/1#comments</comments>
    <slash:comments>12</slash:comments>
    <pubDate>Mon, 04 Mar 2024 10:00:00 GMT</pubDate>
  </item>
  <item>
    <title><![CDATA[A <video> repost]]></title>
    <link>https://www.bilibili.com/video/av85440373/</link>
    <slash:comments>3</slash:comments>
  </item>
  <item>
    <title>Relative link</title>
    <link>/posts/3</link>
  </item>
  <item>
    <title>Guid only</title>
    <guid>https://blog.example.com/posts/4</guid>
  </item>
  <item>
    <title>Not a permalink</title>
    <guid isPermaLink="false">post-5</guid>
  </item>
</channel>
</rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
  <title type="text">Atom Example</title>
  <subtitle>A subtitle</subtitle>
  <link href="https://atom.example.com/"/>
  <link rel="self" href="https://atom.example.com/atom.xml"/>
  <updated>2024-03-05T08:09:10Z</updated>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <entry>
    <title>Entry one</title>
    <link rel="alternate" type="text/html" href="https://atom.example.com/one"/>
    <link rel="replies" type="application/atom+xml" href="https://atom.example.com/one/comments" thr:count="7"/>
    <id>tag:atom.example.com,2024:1</id>
    <published>2024-03-01T00:00:00+08:00</published>
    <updated>2024-03-02T00:00:00Z</updated>
  </entry>
  <entry>
    <title>Entry two</title>
    <link href="https://www.zhihu.com/question/562083816/answer/1936787046304842491"/>
    <id>tag:atom.example.com,2024:2</id>
    <thr:total>5</thr:total>
    <link rel="replies" href="x" thr:count="9"/>
  </entry>
  <entry>
    <title>Id only</title>
    <id>https://atom.example.com/three</id>
  </entry>
  <entry>
    <title>No URL at all</title>
    <id>tag:atom.example.com,2024:4</id>
  </entry>
</feed>"#;

fn child(platform: &str, native_id: &str, url: &str) -> ChildRef {
    ChildRef {
        platform: platform.into(),
        native_id: native_id.into(),
        url: url.into(),
    }
}

#[test]
fn rss_feed() {
    let url = "https://blog.example.com/feed.xml";
    assert_eq!(ItemRef::parse(url).unwrap().kind, Kind::Feed);
    let obs = observe_at(url, 200, &[], RSS.as_bytes());
    assert_eq!(obs.state.as_str(), "live");
    let content = obs.content.as_ref().unwrap();
    assert_eq!(content.title.as_deref(), Some("Example & Friends"));
    assert_eq!(content.text.as_deref(), Some("Notes from the field"));
    assert_eq!(content.updated_at.as_deref(), Some("2024-03-05T00:09:10Z"));
    assert_eq!(content.media_urls, ["https://blog.example.com/logo.png"]);
    assert_eq!(
        obs.children,
        [
            child(
                "web",
                "https://blog.example.com/posts/1",
                "https://blog.example.com/posts/1"
            ),
            child(
                "bilibili",
                "BV117411r7R1",
                "https://www.bilibili.com/video/BV117411r7R1"
            ),
            child(
                "web",
                "https://blog.example.com/posts/3",
                "https://blog.example.com/posts/3"
            ),
            child(
                "web",
                "https://blog.example.com/posts/4",
                "https://blog.example.com/posts/4"
            ),
        ]
    );
    let metrics: Vec<(&str, &Metric)> = obs.metrics.iter().map(|(k, v)| (k.as_str(), v)).collect();
    assert_eq!(
        metrics,
        [
            (
                "comments:https://blog.example.com/posts/1",
                &Metric::Exact(12)
            ),
            (
                "comments:https://www.bilibili.com/video/BV117411r7R1",
                &Metric::Exact(3)
            ),
            ("entries", &Metric::Exact(5)),
        ]
    );
    let parsed = feed::parse_feed(RSS).unwrap();
    assert_eq!(parsed.format, feed::Format::Rss);
    assert_eq!(parsed.entries[1].title.as_deref(), Some("A <video> repost"));
    assert_eq!(
        parsed.entries[0].published_at.as_deref(),
        Some("2024-03-04T10:00:00Z")
    );
    assert_eq!(parsed.entries[4].url(), None);
}

#[test]
fn atom_feed_on_a_page_item_by_content_type() {
    // The URL looks like a page; the Content-Type says feed.
    let url = "https://atom.example.com/";
    assert_eq!(ItemRef::parse(url).unwrap().kind, Kind::Page);
    let obs = observe_at(
        url,
        200,
        &[("Content-Type", "application/atom+xml; charset=utf-8")],
        ATOM.as_bytes(),
    );
    assert_eq!(obs.state.as_str(), "live");
    let content = obs.content.as_ref().unwrap();
    assert_eq!(content.title.as_deref(), Some("Atom Example"));
    assert_eq!(content.text.as_deref(), Some("A subtitle"));
    assert_eq!(content.updated_at.as_deref(), Some("2024-03-05T08:09:10Z"));
    assert_eq!(
        obs.children,
        [
            child(
                "web",
                "https://atom.example.com/one",
                "https://atom.example.com/one"
            ),
            child(
                "zhihu",
                "answer/1936787046304842491",
                "https://www.zhihu.com/answer/1936787046304842491"
            ),
            child(
                "web",
                "https://atom.example.com/three",
                "https://atom.example.com/three"
            ),
        ]
    );
    assert_eq!(
        obs.metrics.get("comments:https://atom.example.com/one"),
        Some(&Metric::Exact(7))
    );
    // thr:total wins over a later thr:count.
    assert_eq!(
        obs.metrics
            .get("comments:https://www.zhihu.com/answer/1936787046304842491"),
        Some(&Metric::Exact(5))
    );
    assert_eq!(obs.metrics.get("entries"), Some(&Metric::Exact(4)));
    let parsed = feed::parse_feed(ATOM).unwrap();
    assert_eq!(parsed.format, feed::Format::Atom);
    assert_eq!(parsed.link.as_deref(), Some("https://atom.example.com/"));
    assert_eq!(
        parsed.entries[0].published_at.as_deref(),
        Some("2024-02-29T16:00:00Z")
    );
}

#[test]
fn sniffed_feed_and_gzip_and_gbk_feed() {
    // No Content-Type, page URL: the root element decides.
    let obs = observe_at(
        "https://blog.example.com/latest",
        200,
        &[],
        &gzip(RSS.as_bytes()),
    );
    assert_eq!(obs.metrics.get("entries"), Some(&Metric::Exact(5)));
    // A GB18030 feed declared in the XML declaration.
    let xml = "<?xml version=\"1.0\" encoding=\"gb18030\"?><rss version=\"2.0\"><channel><title>中文频道</title>\
               <item><title>新闻</title><link>https://weibo.com/1669879400/HyZVegYAP</link></item></channel></rss>";
    let (bytes, _, _) = encoding_rs::GB18030.encode(xml);
    let obs = observe_at("https://cn.example.com/rss", 200, &[], &bytes);
    assert_eq!(
        obs.content.as_ref().unwrap().title.as_deref(),
        Some("中文频道")
    );
    assert_eq!(
        obs.children,
        [child(
            "weibo",
            "4383411844046171",
            "https://m.weibo.cn/detail/4383411844046171"
        )]
    );
    // RSS 1.0 (RDF).
    let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="https://r.example.com/"><title>RDF feed</title></channel>
      <item rdf:about="https://r.example.com/1"><title>One</title><link>https://r.example.com/1</link></item>
    </rdf:RDF>"#;
    let obs = observe_at("https://r.example.com/index.rdf", 200, &[], rdf.as_bytes());
    assert_eq!(
        obs.content.as_ref().unwrap().title.as_deref(),
        Some("RDF feed")
    );
    assert_eq!(obs.children.len(), 1);
    // A 404 feed is gone like a page.
    let gone = observe_at("https://blog.example.com/feed.xml", 404, &[], b"");
    assert_eq!(gone.state.as_str(), "gone:unknown");
}

#[test]
fn malformed_feeds_are_errors() {
    let url = "https://blog.example.com/feed.xml";
    for (case, xml) in [
        ("truncated", &RSS[..RSS.len() / 2]),
        ("mismatched", "<rss><channel><title>x</channel></rss>"),
        (
            "not a feed",
            "<?xml version=\"1.0\"?><urlset><url/></urlset>",
        ),
        ("empty", ""),
        ("two roots", "<rss></rss><rss></rss>"),
    ] {
        let obs = observe_at(
            url,
            200,
            &[("Content-Type", "application/rss+xml")],
            xml.as_bytes(),
        );
        assert_eq!(obs.state.as_str(), "error", "{case}");
        assert!(obs.signal.message.is_some(), "{case}");
        assert!(obs.children.is_empty() && obs.metrics.is_empty(), "{case}");
        assert!(feed::parse_feed(xml).is_err(), "{case}");
    }
    // Every prefix of both samples, and the same bytes as pages: no panic.
    for sample in [RSS, ATOM] {
        for end in 0..sample.len() {
            if let Some(prefix) = sample.get(..end) {
                let _ = feed::parse_feed(prefix);
                let _ = observe_at(url, 200, &[], prefix.as_bytes());
            }
        }
    }
    // Feed-ish URL serving HTML: parsed as a page.
    let obs = observe_at(
        url,
        200,
        &[("Content-Type", "text/html")],
        b"<html><title>Oops</title></html>",
    );
    assert_eq!(obs.content.unwrap().title.as_deref(), Some("Oops"));
    // The feed module's own entry point agrees with the dispatch.
    let item = ItemRef::parse(url).unwrap();
    assert_eq!(item.platform, Platform::Web);
    let hdrs = headers(&[]);
    let resp = Response {
        url,
        status: 200,
        headers: &hdrs,
        body: RSS.as_bytes(),
    };
    assert_eq!(feed::parse(&item, &[resp]), parse(&item, &[resp], 0));
}

/// Chinese articles from the deleted-articles corpus (Markdown), rendered to simple HTML pages:
/// readability must keep every paragraph. Skipped when the corpus is absent.
#[test]
fn deleted_articles_corpus_keeps_paragraphs() {
    let dir = std::path::Path::new("/work/shared/data/deleted-articles/_posts");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("SKIPPED: {} not present", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    let mut checked = 0;
    for path in paths {
        let Ok(markdown) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Body after the front matter; plain prose paragraphs only.
        let body = markdown.splitn(3, "---").nth(2).unwrap_or("");
        let paragraphs: Vec<String> = body
            .split("\n\n")
            .map(|p| p.trim().replace("**", ""))
            .filter(|p| {
                p.chars().count() >= 30
                    && !p.contains(['[', ']', '<', '>', '!', '#', '|', '*', '`', '_', '&'])
                    && !p.starts_with(['-', '+', '1', '2', '3'])
                    && !p.contains('\n')
            })
            .take(12)
            .collect();
        if paragraphs.len() < 4 {
            continue;
        }
        let title = path.file_stem().unwrap().to_string_lossy().into_owned();
        let html = format!(
            "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
             <div class=\"sidebar\"><a href=\"/\">首页</a><a href=\"/about\">关于</a></div>\
             <article>{}</article><div class=\"footer\">版权所有</div></body></html>",
            paragraphs
                .iter()
                .map(|p| format!("<p>{p}</p>\n"))
                .collect::<String>()
        );
        // As GBK without any charset declaration too, when every character fits.
        let undeclared = html.replace("<meta charset=\"utf-8\">", "");
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&undeclared);
        let mut bodies = vec![html.as_bytes().to_vec()];
        if !unmappable {
            bodies.push(gbk.into_owned());
        }
        for body in bodies {
            let obs = observe_at("https://archive.example.cn/post.html", 200, &[], &body);
            assert_eq!(obs.state.as_str(), "live", "{title}");
            let got: Vec<&str> = text(&obs).split("\n\n").collect();
            for p in &paragraphs {
                let squeezed: String = p.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(
                    got.contains(&squeezed.as_str()),
                    "{title}: paragraph lost: {squeezed:?}\n got {got:?}"
                );
            }
            assert!(!text(&obs).contains("版权所有"), "{title}");
        }
        checked += 1;
        if checked == 3 {
            break;
        }
    }
    assert_eq!(checked, 3, "too few usable posts in the corpus");
}

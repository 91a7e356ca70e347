//! Generic web pages (platforms.md §4): state from the HTTP status and the body, then the
//! page's title, readable text, canonical URL, author, dates and media.
//!
//! # Pipeline
//! 1. [`decode_content`]: undo a `gzip`/`deflate` `Content-Encoding` still on the stored body.
//! 2. Feed or page? A `web` item whose response is a feed (a feed `Content-Type`, or an XML
//!    body whose root is `<rss>`, `<feed>` or `<rdf:RDF>`, or an item of [`Kind::Feed`] whose
//!    body is not HTML) goes to [`crate::feed`]. The observer only learns the `Content-Type`
//!    after fetching, so this choice is made on the response, not on the [`ItemRef`].
//! 3. [`decode_html`]: bytes → text. The charset comes from a byte-order mark, else the
//!    `Content-Type` header, else `<meta charset>` / `<meta http-equiv>` (or the XML
//!    declaration) in the first 4 KiB, else a `chardetng` guess (with the host's TLD as hint).
//!    The BOM goes first, as in the WHATWG encoding sniffing algorithm, because it cannot lie.
//! 4. [`classify`]: the state (below). Only `live` pages are extracted.
//! 5. [`extract`]: a [`Page`] from the HTML. The readable text is `dom_smoothie`'s readability
//!    output, falling back to the body text without scripts and styles.
//!
//! # States
//! | HTTP | body | state |
//! |---|---|---|
//! | 2xx | | `live` |
//! | 404 | | `gone:unknown` |
//! | 410 | | `gone:author_deleted` (gone on purpose: the publisher) |
//! | 451 | | `region_locked` (RFC 7725; legal blocks are usually vantage-specific) |
//! | 401 | | `login_required` |
//! | 403 | login form or "sign in"/"登录" text, no challenge markers | `login_required` |
//! | 403, 429 | otherwise | `blocked` |
//! | 503 | anti-bot challenge markers (Cloudflare, captcha, 安全验证) | `blocked` |
//! | 3xx, 5xx, other | | `error` (3xx: the message records the `Location`) |
//!
//! # Observation
//! `content`: title, readable text (paragraphs separated by a blank line), author,
//! `published_at`/`updated_at` (RFC 3339 UTC), media URLs (`og:image`, `twitter:image`,
//! `img` `src`/`data-src`, absolute). `children`: the `<link rel=canonical>` target when it
//! differs from the page URL. `content_hash`: [`text_hash`] of the title and readable text with
//! all whitespace removed, so re-indentation and markup-only changes are not edits. Non-text
//! bodies (images, PDFs) have no content and hash their bytes.

use std::borrow::Cow;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use annals_model::{ChildRef, Content, GoneReason, Observation, State};
use dom_query::Document;
use encoding_rs::Encoding;
use sha2::{Digest, Sha256};

use crate::common::{Request, Response, failure, observe};
use crate::item::{ItemRef, Kind};

/// Decompressed bodies larger than this are refused (a compression bomb is not a page).
const MAX_DECODED: u64 = 64 << 20;

/// One `GET` of the page itself.
pub fn requests(item: &ItemRef) -> Vec<Request> {
    vec![Request::get(item.canonical_url.clone(), &[])]
}

/// State for an HTTP status of a page, ignoring the body (§5.2 "Web" rows).
pub fn status_state(status: u16) -> State {
    match status {
        200..=299 => State::Live,
        404 => State::Gone(GoneReason::Unknown),
        // 410: removed on purpose by the publisher.
        410 => State::Gone(GoneReason::AuthorDeleted),
        451 => State::RegionLocked,
        401 => State::LoginRequired,
        403 | 429 => State::Blocked,
        // Redirects (the shell follows them), 5xx, no response, anything else.
        _ => State::Error,
    }
}

/// State for a response, looking at headers and the (decoded) body text for login walls and
/// anti-bot challenges. See the module table.
pub fn classify(status: u16, headers: &[(String, String)], body: &str) -> State {
    let head: String = body.chars().take(65_536).collect::<String>().to_lowercase();
    match status {
        403 if has_login_hint(headers, &head) && !has_block_marker(headers, &head) => {
            State::LoginRequired
        }
        503 if has_block_marker(headers, &head) => State::Blocked,
        _ => status_state(status),
    }
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Anti-bot challenge pages: Cloudflare, generic captchas, Chinese "security check" pages.
fn has_block_marker(headers: &[(String, String)], lower_body: &str) -> bool {
    if header(headers, "cf-mitigated").is_some() {
        return true;
    }
    const MARKERS: [&str; 12] = [
        "cf-chl-",
        "/cdn-cgi/challenge-platform/",
        "just a moment...",
        "attention required! | cloudflare",
        "ddos protection by",
        "captcha",
        "are you a robot",
        "unusual traffic",
        "安全验证",
        "人机验证",
        "验证码",
        "访问过于频繁",
    ];
    MARKERS.iter().any(|m| lower_body.contains(m))
}

/// Login walls: a password field, "sign in"/"log in" text, or a `WWW-Authenticate` header.
fn has_login_hint(headers: &[(String, String)], lower_body: &str) -> bool {
    if header(headers, "www-authenticate").is_some() {
        return true;
    }
    if header(headers, "location").is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("login") || l.contains("signin")
    }) {
        return true;
    }
    const HINTS: [&str; 10] = [
        "type=\"password\"",
        "type='password'",
        "type=password",
        "log in",
        "login",
        "sign in",
        "signin",
        "登录",
        "登陆",
        "請登入",
    ];
    HINTS.iter().any(|h| lower_body.contains(h))
}

/// Undo a `Content-Encoding` (`gzip`, `x-gzip`, `deflate`, `identity`, or a list of them) left
/// on a stored body. A body that is already decoded despite the header (it does not start with
/// the gzip magic or a zlib header) is returned as is; a gzip body without the header is
/// decoded too. `Err` describes a corrupt stream or an encoding this crate cannot undo (`br`,
/// `zstd`) on a body that is not plain text.
pub fn decode_content<'b>(
    headers: &[(String, String)],
    body: &'b [u8],
) -> Result<Cow<'b, [u8]>, String> {
    let mut out: Cow<'b, [u8]> = Cow::Borrowed(body);
    let codings: Vec<String> = header(headers, "content-encoding")
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if codings.is_empty() {
        if is_gzip(&out)
            && let Ok(decoded) = gunzip(&out)
        {
            return Ok(Cow::Owned(decoded));
        }
        return Ok(out);
    }
    // Codings are listed in the order they were applied: undo the last first.
    for coding in codings.iter().rev() {
        let decoded = match coding.as_str() {
            "gzip" | "x-gzip" if is_gzip(&out) => gunzip(&out)?,
            "deflate" if is_zlib(&out) => inflate(flate2::read::ZlibDecoder::new(&out[..]))
                .map_err(|e| format!("corrupt deflate body: {e}"))?,
            // Already decoded by whoever stored it.
            _ if looks_like_text(&out) => continue,
            "deflate" => inflate(flate2::read::DeflateDecoder::new(&out[..]))
                .map_err(|e| format!("corrupt deflate body: {e}"))?,
            other => return Err(format!("body not decodable as content-encoding {other:?}")),
        };
        out = Cow::Owned(decoded);
    }
    Ok(out)
}

fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

fn is_zlib(body: &[u8]) -> bool {
    matches!(body, [a, b, ..] if a & 0x0f == 8 && (u16::from(*a) << 8 | u16::from(*b)) % 31 == 0)
}

/// Text-ish: starts (after a BOM and whitespace) with `<` or `{`, or is valid UTF-8.
fn looks_like_text(body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let trimmed = head.trim_ascii_start();
    trimmed
        .first()
        .is_some_and(|b| matches!(b, b'<' | b'{' | b'['))
        || std::str::from_utf8(body).is_ok()
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, String> {
    inflate(flate2::read::MultiGzDecoder::new(body)).map_err(|e| format!("corrupt gzip body: {e}"))
}

fn inflate(reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let n = reader.take(MAX_DECODED + 1).read_to_end(&mut out)?;
    if n as u64 > MAX_DECODED {
        return Err(std::io::Error::other("decoded body over 64 MiB"));
    }
    Ok(out)
}

/// The `charset` parameter of a `Content-Type` value.
pub(crate) fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).trim())
    })
}

/// A charset declared in the document itself: `<meta charset>`, `<meta http-equiv
/// content="…; charset=…">` or `<?xml … encoding="…"?>`, within the first 4 KiB.
pub(crate) fn declared_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = body[..body.len().min(4096)].to_ascii_lowercase();
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let value_after = |tag: &[u8], key: &[u8]| -> Option<&'static Encoding> {
        let at = find(tag, key, 0)? + key.len();
        let rest = tag[at..]
            .trim_ascii_start()
            .strip_prefix(b"=")?
            .trim_ascii_start();
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest
            .iter()
            .position(|b| matches!(b, b'"' | b'\'' | b';' | b'>' | b'/') || b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let encoding = Encoding::for_label(&rest[..end])?;
        // A document cannot declare itself UTF-16 in ASCII (WHATWG: treat as UTF-8).
        Some(
            if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
                encoding_rs::UTF_8
            } else {
                encoding
            },
        )
    };
    let trimmed = head.trim_ascii_start();
    if trimmed.starts_with(b"<?xml") {
        let end = find(trimmed, b"?>", 0).unwrap_or(trimmed.len());
        if let Some(encoding) = value_after(&trimmed[..end], b"encoding") {
            return Some(encoding);
        }
    }
    let mut from = 0;
    while let Some(start) = find(&head, b"<meta", from) {
        let end = find(&head, b">", start).unwrap_or(head.len());
        if let Some(encoding) = value_after(&head[start..end], b"charset") {
            return Some(encoding);
        }
        from = start + 5;
    }
    None
}

/// The host's top-level domain, as `chardetng` wants it (lower-case ASCII letters/digits).
fn tld_of(url: &str) -> Option<Vec<u8>> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?.split(':').next()?;
    let tld = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()?
        .to_ascii_lowercase();
    (!tld.is_empty() && tld.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| tld.into_bytes())
}

/// Decode an HTML (or XML) body to text. Returns the text and the name of the encoding used
/// (`UTF-8`, `GBK`, `gb18030`, `Big5`, …). Order: BOM, `Content-Type` charset, in-document
/// declaration, `chardetng` guess. Malformed sequences become U+FFFD.
pub fn decode_html(body: &[u8], content_type: Option<&str>, url: &str) -> (String, &'static str) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom_len..]);
        return (text.into_owned(), encoding.name());
    }
    let encoding = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| declared_charset(body))
        .unwrap_or_else(|| {
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(&body[..body.len().min(1 << 20)], true);
            let tld = tld_of(url);
            detector.guess(tld.as_deref(), chardetng::Utf8Detection::Allow)
        });
    let (text, _) = encoding.decode_without_bom_handling(body);
    (text.into_owned(), encoding.name())
}

/// What [`extract`] finds in a page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Page {
    /// `og:title`, else `<title>`, else the first `<h1>`.
    pub title: Option<String>,
    /// Readable text: paragraphs separated by one blank line, lines trimmed.
    pub text: String,
    /// `<link rel=canonical>` (absolute).
    pub canonical_url: Option<String>,
    /// `meta name=author`, `article:author` (when not a URL), `og:article:author`.
    pub author: Option<String>,
    /// `article:published_time` and friends, RFC 3339 UTC.
    pub published_at: Option<String>,
    /// `article:modified_time`, `og:updated_time`, RFC 3339 UTC.
    pub updated_at: Option<String>,
    /// `og:image`, `twitter:image`, then `img` sources, absolute, without duplicates.
    pub media_urls: Vec<String>,
}

/// The `content` of the first `<meta>` whose `property`, `name` or `itemprop` is one of `keys`
/// (case-insensitive), trimmed, non-empty.
fn meta(doc: &Document, keys: &[&str]) -> Option<String> {
    let metas = doc.select("meta");
    for key in keys {
        for node in metas.nodes() {
            let matches = ["property", "name", "itemprop"].iter().any(|attr| {
                node.attr(attr)
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case(key))
            });
            if !matches {
                continue;
            }
            if let Some(content) = node.attr("content") {
                let content = content.trim();
                if !content.is_empty() {
                    return Some(content.to_owned());
                }
            }
        }
    }
    None
}

fn resolve(base: Option<&url::Url>, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with("data:") || href.starts_with("javascript:") {
        return None;
    }
    let resolved = match base {
        Some(base) => base.join(href).ok()?,
        None => url::Url::parse(href).ok()?,
    };
    matches!(resolved.scheme(), "http" | "https").then(|| resolved.to_string())
}

/// Collapse the text: trim every line, drop empty lines, separate paragraphs by one blank line.
fn tidy(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Body text without scripts, styles and other non-content elements.
fn body_text(html: &str) -> String {
    let doc = Document::from(html);
    doc.select("script, style, noscript, template, head, svg")
        .remove();
    let body = doc.select("body");
    if body.exists() {
        tidy(&body.formatted_text())
    } else {
        tidy(&doc.formatted_text())
    }
}

fn readable_text(doc: Document, url: &str) -> Option<String> {
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..Default::default()
    };
    // Readability is a large body of heuristics; a bug in it must not take the observer down.
    let text = catch_unwind(AssertUnwindSafe(|| {
        let mut readability =
            dom_smoothie::Readability::with_document(doc, Some(url), Some(config)).ok()?;
        readability
            .parse()
            .ok()
            .map(|article| article.text_content.to_string())
    }))
    .ok()
    .flatten()?;
    let text = tidy(&text);
    (!text.is_empty()).then_some(text)
}

/// Extract a [`Page`] from HTML text. `url` is the page's URL, used to resolve relative links.
pub fn extract(html: &str, url: &str) -> Page {
    let doc = Document::from(html);
    let page_url = url::Url::parse(url).ok();
    let base = doc
        .select("base[href]")
        .attr("href")
        .and_then(|href| resolve(page_url.as_ref(), &href))
        .and_then(|b| url::Url::parse(&b).ok())
        .or(page_url);
    let base = base.as_ref();

    let title = meta(&doc, &["og:title"])
        .or_else(|| non_empty(doc.select("title").first().text().as_ref()))
        .or_else(|| non_empty(doc.select("h1").first().text().as_ref()));
    let canonical_url = doc
        .select("link[rel][href]")
        .nodes()
        .iter()
        .find(|n| {
            n.attr("rel").is_some_and(|rel| {
                rel.split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("canonical"))
            })
        })
        .and_then(|n| n.attr("href"))
        .and_then(|href| resolve(base, &href));
    let author = meta(
        &doc,
        &["author", "article:author", "og:article:author", "byline"],
    )
    .filter(|a| !a.starts_with("http://") && !a.starts_with("https://"));
    let published_at = meta(
        &doc,
        &[
            "article:published_time",
            "og:article:published_time",
            "og:published_time",
            "datePublished",
            "pubdate",
            "publishdate",
            "publish-date",
        ],
    )
    .and_then(|t| crate::time::web_time(&t));
    let updated_at = meta(
        &doc,
        &[
            "article:modified_time",
            "og:updated_time",
            "og:article:modified_time",
            "dateModified",
        ],
    )
    .and_then(|t| crate::time::web_time(&t));

    let mut media_urls: Vec<String> = Vec::new();
    let mut push = |u: Option<String>| {
        if let Some(u) = u
            && !media_urls.contains(&u)
            && media_urls.len() < 200
        {
            media_urls.push(u);
        }
    };
    for key in [
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "twitter:image",
    ] {
        push(meta(&doc, &[key]).and_then(|u| resolve(base, &u)));
    }
    for img in doc.select("img").nodes() {
        let src = ["src", "data-src", "data-original"].iter().find_map(|a| {
            img.attr(a)
                .filter(|v| !v.trim().is_empty() && !v.starts_with("data:"))
        });
        push(src.and_then(|s| resolve(base, &s)));
    }

    let text = readable_text(doc, url).unwrap_or_else(|| body_text(html));
    Page {
        title,
        text,
        canonical_url,
        author,
        published_at,
        updated_at,
        media_urls,
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// `sha256:<hex>` of the title and text with all whitespace removed: stable across
/// re-indentation, re-wrapping and markup-only changes, different when a word changes.
pub fn text_hash(title: Option<&str>, text: &str) -> String {
    let mut hasher = Sha256::new();
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    hasher.update(squeeze(title.unwrap_or("")).as_bytes());
    hasher.update([0u8]);
    hasher.update(squeeze(text).as_bytes());
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// Whether a `Content-Type` names a feed.
fn is_feed_type(mime: &str) -> bool {
    mime.contains("rss+xml") || mime.contains("atom+xml") || mime.contains("rdf+xml")
}

/// The root element of an XML body is `<rss>`, `<feed>` or `<…:RDF>`.
pub(crate) fn sniff_feed_root(body: &[u8]) -> bool {
    let mut rest = &body[..body.len().min(8192)];
    rest = rest.strip_prefix(b"\xef\xbb\xbf").unwrap_or(rest);
    loop {
        rest = rest.trim_ascii_start();
        let skip_to = |rest: &[u8], end: &[u8]| {
            rest.windows(end.len())
                .position(|w| w == end)
                .map(|i| i + end.len())
        };
        let next = if rest.starts_with(b"<?") {
            skip_to(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_to(rest, b"-->")
        } else if rest.starts_with(b"<!") {
            skip_to(rest, b">")
        } else {
            break;
        };
        match next {
            Some(n) => rest = &rest[n..],
            None => return false,
        }
    }
    let Some(tag) = rest.strip_prefix(b"<") else {
        return false;
    };
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
        .unwrap_or(tag.len());
    let name = &tag[..end];
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    name == b"rss" || local == b"feed" || local == b"RDF"
}

/// Whether `resp` (with its decoded `body`) is a feed rather than a page: see the module doc.
pub(crate) fn is_feed(item: &ItemRef, resp: &Response<'_>, body: &[u8]) -> bool {
    let mime = resp
        .header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if is_feed_type(&mime) {
        return true;
    }
    if mime == "text/html" || mime == "application/xhtml+xml" {
        return false;
    }
    sniff_feed_root(body) || (item.kind == Kind::Feed && !crate::common::looks_like_html(body))
}

/// Observe a page (or a feed, see the module doc) from the response to its own URL (the first
/// response). Never panics.
pub fn parse(item: &ItemRef, responses: &[Response<'_>]) -> Observation {
    let Some(resp) = responses.first() else {
        return failure(0, "no response");
    };
    let body = decode_content(resp.headers, resp.body);
    let bytes: &[u8] = body.as_deref().unwrap_or(resp.body);
    if (200..300).contains(&resp.status) && is_feed(item, resp, bytes) {
        return match &body {
            Ok(body) => crate::feed::observe_feed(resp, body),
            Err(message) => failure(resp.status, message.clone()),
        };
    }
    observe_page(resp, body)
}

fn observe_page(resp: &Response<'_>, body: Result<Cow<'_, [u8]>, String>) -> Observation {
    let status = resp.status;
    let content_type = resp.header("content-type");
    let (text, _) = match &body {
        Ok(bytes) => decode_html(bytes, content_type, resp.url),
        Err(_) => (String::new(), "UTF-8"),
    };
    let state = classify(status, resp.headers, &text);
    let message = match status {
        300..=399 => Some(match resp.header("location") {
            Some(location) => format!("redirect to {location}"),
            None => "redirect without Location".to_owned(),
        }),
        _ => None,
    };
    let mut obs = observe(state, status, Some(format!("http:{status}")), message);
    if state != State::Live {
        return obs;
    }
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(message) => return failure(status, message),
    };
    let mime = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let textual = mime.is_empty()
        || mime.starts_with("text/")
        || mime.contains("html")
        || mime.contains("xml");
    if !textual {
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        obs.content_hash = Some(format!("sha256:{hex}"));
        return obs;
    }
    let page = extract(&text, resp.url);
    obs.content_hash = Some(text_hash(page.title.as_deref(), &page.text));
    if let Some(canonical) = &page.canonical_url
        && canonical.trim_end_matches('/') != resp.url.trim_end_matches('/')
        && let Ok(target) = ItemRef::parse(canonical)
    {
        obs.children.push(ChildRef {
            platform: target.platform.as_str().to_owned(),
            native_id: target.native_id,
            url: canonical.clone(),
        });
    }
    obs.content = Some(Content {
        title: page.title,
        text: (!page.text.is_empty()).then_some(page.text),
        author: page.author,
        published_at: page.published_at,
        updated_at: page.updated_at,
        media_urls: page.media_urls,
    });
    obs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_params_and_declarations() {
        assert_eq!(charset_param("text/html; charset=GBK"), Some("GBK"));
        assert_eq!(charset_param("text/html;charset=\"utf-8\""), Some("utf-8"));
        assert_eq!(charset_param("text/html"), None);
        let gb = declared_charset(
            b"<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=gb2312\">",
        );
        assert_eq!(gb.map(|e| e.name()), Some("GBK"));
        let big5 = declared_charset(b"<meta charset='big5'>");
        assert_eq!(big5.map(|e| e.name()), Some("Big5"));
        let xml = declared_charset(b"<?xml version=\"1.0\" encoding=\"GB18030\"?><rss>");
        assert_eq!(xml.map(|e| e.name()), Some("gb18030"));
        assert_eq!(declared_charset(b"<meta name=x content=y>"), None);
        assert_eq!(declared_charset(b"<meta charset"), None);
    }

    #[test]
    fn tlds() {
        assert_eq!(
            tld_of("https://news.example.CN:8080/x").as_deref(),
            Some(&b"cn"[..])
        );
        assert_eq!(tld_of("https://例子.中国/"), None);
        assert_eq!(tld_of("nonsense"), None);
    }

    #[test]
    fn feed_roots() {
        assert!(sniff_feed_root(
            b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c --><rss version=\"2.0\">"
        ));
        assert!(sniff_feed_root(
            b"<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        ));
        assert!(sniff_feed_root(b"<rdf:RDF xmlns:rdf=\"x\">"));
        assert!(!sniff_feed_root(b"<!DOCTYPE html><html>"));
        assert!(!sniff_feed_root(b"<?xml version='1.0'?><urlset>"));
        assert!(!sniff_feed_root(b"<?xml unterminated"));
    }
}

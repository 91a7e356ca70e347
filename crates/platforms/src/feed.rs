//! RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feeds (platforms.md §4).
//!
//! A feed is a `web` item: [`ItemRef::parse`] gives URLs ending in `.rss`, `.atom`, `.xml`,
//! `/feed` or `/rss` the kind [`Kind::Feed`](crate::Kind::Feed), and [`crate::web::parse`]
//! sends any `web` response that turns out to be a feed here (see the `web` module doc).
//!
//! # Observation
//! - `content`: the feed's title, description/subtitle as text, `lastBuildDate`/`updated` as
//!   `updated_at`, the channel image or Atom logo as media.
//! - `children`: one [`ChildRef`] per entry with a URL (the entry's `link`, else a permalink
//!   `guid`, else an http(s) Atom `id`), resolved against the feed URL and run through
//!   [`ItemRef::parse`], so a Bilibili, Zhihu or Weibo link becomes that platform's item.
//! - `metrics`: `entries` (how many entries the feed lists) and, per entry that states one,
//!   `comments:<entry URL>` from `<slash:comments>`, `<thr:total>` or Atom
//!   `<link rel="replies" thr:count="…">`. The entry URL is the child's canonical URL.
//!
//! Malformed XML, a truncated document or a root that is not a feed is an `error` observation
//! whose message says what was wrong. An entry missing from a later observation may just have
//! aged out of the feed's window: it is not a disappearance by itself.

use annals_model::{ChildRef, Content, Metric, Observation, State};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

use crate::common::{Response, failure, observe, parse_count, set_content};
use crate::item::ItemRef;
use crate::web;

/// Why a document is not a readable feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The XML is not well-formed.
    #[error("malformed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset in the decoded text where the reader stopped.
        position: u64,
        /// The XML reader's description.
        message: String,
    },
    /// The document ends inside an element.
    #[error("truncated feed: document ends inside <{element}>")]
    Truncated {
        /// The innermost open element.
        element: String,
    },
    /// The root element is not `rss`, `feed` or `rdf:RDF`.
    #[error("not an RSS or Atom feed (root element {root:?})")]
    NotAFeed {
        /// The root element's local name (empty when there is none).
        root: String,
    },
}

/// Which feed format a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// RSS 2.0 (and 0.9x): `<rss><channel><item>`.
    Rss,
    /// RSS 1.0: `<rdf:RDF><channel/><item>`.
    Rdf,
    /// Atom 1.0: `<feed><entry>`.
    Atom,
}

/// A parsed feed, as the document states it (links not yet resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Feed {
    /// The format.
    pub format: Format,
    /// Channel/feed title.
    pub title: Option<String>,
    /// RSS `description` or Atom `subtitle`.
    pub description: Option<String>,
    /// The site's link (RSS `link`, Atom `link rel=alternate`).
    pub link: Option<String>,
    /// `lastBuildDate`/`pubDate` or Atom `updated`, RFC 3339 UTC.
    pub updated_at: Option<String>,
    /// RSS `image/url` or Atom `logo`/`icon`.
    pub image: Option<String>,
    /// The entries, in document order.
    pub entries: Vec<Entry>,
}

/// One RSS `item` or Atom `entry`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Entry {
    /// Title.
    pub title: Option<String>,
    /// The entry's page (RSS `link`, Atom `link rel=alternate`), as written.
    pub link: Option<String>,
    /// RSS `guid` or Atom `id`.
    pub id: Option<String>,
    /// Whether the RSS `guid` is a permalink (`isPermaLink`, default true).
    pub id_is_permalink: bool,
    /// `pubDate`, `dc:date` or Atom `published`/`updated`, RFC 3339 UTC.
    pub published_at: Option<String>,
    /// Comment count (`slash:comments`, `thr:total`, `thr:count`).
    pub comments: Option<Metric>,
}

impl Entry {
    /// The URL that identifies the entry: `link`, else a permalink `guid`, else an http(s) id.
    pub fn url(&self) -> Option<&str> {
        let http = |s: &&str| {
            let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
            lower.starts_with("http://") || lower.starts_with("https://")
        };
        self.link.as_deref().filter(|l| !l.is_empty()).or_else(|| {
            self.id
                .as_deref()
                .filter(|id| self.id_is_permalink || http(id))
                .filter(http)
        })
    }
}

const ATOM: &str = "http://www.w3.org/2005/Atom";
const SLASH: &str = "http://purl.org/rss/1.0/modules/slash/";
const THR: &str = "http://purl.org/syndication/thread/1.0";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const RSS1: &str = "http://purl.org/rss/1.0/";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// Namespaces the parser cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    None,
    Atom,
    Slash,
    Thr,
    Dc,
    Rss1,
    Rdf,
    Other,
}

fn ns_of(resolved: &ResolveResult<'_>) -> Ns {
    match resolved {
        ResolveResult::Unbound => Ns::None,
        ResolveResult::Bound(Namespace(ns)) => match *ns {
            ATOM => Ns::Atom,
            SLASH => Ns::Slash,
            THR => Ns::Thr,
            DC => Ns::Dc,
            RSS1 => Ns::Rss1,
            RDF => Ns::Rdf,
            _ => Ns::Other,
        },
        // Sloppy feeds use the usual prefixes without declaring them.
        ResolveResult::Unknown(prefix) => match prefix.as_str() {
            "atom" => Ns::Atom,
            "slash" => Ns::Slash,
            "thr" => Ns::Thr,
            "dc" => Ns::Dc,
            "rdf" => Ns::Rdf,
            _ => Ns::Other,
        },
    }
}

struct Frame {
    ns: Ns,
    local: String,
    text: String,
}

struct Parser {
    format: Option<Format>,
    stack: Vec<Frame>,
    feed: Feed,
    /// The open entry and the stack index of its element.
    entry: Option<(usize, Entry)>,
    /// `thr:total` seen in the open entry (wins over `thr:count` and `slash:comments`).
    entry_total: bool,
}

impl Parser {
    /// Whether `ns` is the format's own vocabulary (unprefixed RSS, RSS 1.0, or Atom).
    fn plain(&self, ns: Ns) -> bool {
        match self.format {
            Some(Format::Atom) => matches!(ns, Ns::Atom | Ns::None),
            _ => matches!(ns, Ns::None | Ns::Rss1),
        }
    }

    fn open(
        &mut self,
        ns: Ns,
        local: &str,
        attrs: &[(Ns, String, String)],
    ) -> Result<(), FeedError> {
        if self.stack.is_empty() {
            self.format = match (ns, local) {
                (Ns::None, "rss") => Some(Format::Rss),
                (Ns::Rdf, "RDF") => Some(Format::Rdf),
                (Ns::Atom | Ns::None, "feed") => Some(Format::Atom),
                _ => {
                    return Err(FeedError::NotAFeed {
                        root: local.to_owned(),
                    });
                }
            };
        }
        let attr = |name: &str| {
            attrs
                .iter()
                .find(|(ans, n, _)| *ans == Ns::None && n == name)
                .map(|(_, _, v)| v.as_str())
        };
        let plain = self.plain(ns);
        let entry_open = self.entry.is_some();
        if plain && !entry_open && matches!(local, "item" | "entry") && !self.stack.is_empty() {
            self.entry = Some((
                self.stack.len(),
                Entry {
                    id_is_permalink: true,
                    ..Entry::default()
                },
            ));
            self.entry_total = false;
        }
        let direct_in_entry =
            matches!(&self.entry, Some((depth, _)) if *depth + 1 == self.stack.len());
        if let Some((_, entry)) = self.entry.as_mut()
            && direct_in_entry
        {
            if plain && local == "guid" {
                entry.id_is_permalink =
                    !attr("isPermaLink").is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
            }
            if (ns == Ns::Atom || (plain && self.format == Some(Format::Atom))) && local == "link" {
                let rel = attr("rel").unwrap_or("alternate").trim();
                let href = attr("href").map(str::trim).filter(|h| !h.is_empty());
                if rel == "alternate" && entry.link.is_none() {
                    entry.link = href.map(str::to_owned);
                }
                if rel == "replies" && !self.entry_total {
                    let count = attrs
                        .iter()
                        .find(|(ans, n, _)| *ans == Ns::Thr && n == "count")
                        .and_then(|(_, _, v)| parse_count(v))
                        .filter(|m| *m != Metric::Hidden);
                    if count.is_some() {
                        entry.comments = count;
                    }
                }
            }
        } else if !entry_open
            && self.stack.len() == self.channel_depth() + 1
            && plain
            && local == "link"
            && self.format == Some(Format::Atom)
            && attr("rel").unwrap_or("alternate").trim() == "alternate"
            && self.feed.link.is_none()
        {
            self.feed.link = attr("href").map(|h| h.trim().to_owned());
        }
        self.stack.push(Frame {
            ns,
            local: local.to_owned(),
            text: String::new(),
        });
        Ok(())
    }

    /// Stack index of the element holding the feed-level fields (`channel` or `feed`).
    fn channel_depth(&self) -> usize {
        match self.format {
            Some(Format::Atom) => 0,
            _ => 1,
        }
    }

    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let text = frame.text.trim().to_owned();
        if let Some(parent) = self.stack.last_mut() {
            parent.text.push_str(&frame.text);
        }
        let depth = self.stack.len();
        let plain = self.plain(frame.ns);
        let value = (!text.is_empty()).then(|| text.clone());
        if let Some((entry_depth, _)) = &self.entry {
            let entry_depth = *entry_depth;
            if depth == entry_depth {
                if let Some((_, entry)) = self.entry.take() {
                    self.feed.entries.push(entry);
                }
                return;
            }
            if depth != entry_depth + 1 {
                return;
            }
            let Some((_, entry)) = self.entry.as_mut() else {
                return;
            };
            match (frame.ns, frame.local.as_str()) {
                (_, "title") if plain => {
                    entry.title = entry.title.take().or(value);
                }
                (_, "link") if plain && self.format != Some(Format::Atom) => {
                    entry.link = entry.link.take().or(value);
                }
                (_, "guid" | "id") if plain => entry.id = value,
                (_, "pubDate" | "published") if plain => {
                    entry.published_at = value.and_then(|v| crate::time::web_time(&v));
                }
                (Ns::Dc, "date") | (_, "updated") if plain || frame.ns == Ns::Dc => {
                    entry.published_at = entry
                        .published_at
                        .take()
                        .or_else(|| value.and_then(|v| crate::time::web_time(&v)));
                }
                (Ns::Slash, "comments") => {
                    if !self.entry_total
                        && let Some(count) = parse_count(&text).filter(|m| *m != Metric::Hidden)
                    {
                        entry.comments = Some(count);
                    }
                }
                (Ns::Thr, "total") => {
                    if let Some(count) = parse_count(&text).filter(|m| *m != Metric::Hidden) {
                        entry.comments = Some(count);
                        self.entry_total = true;
                    }
                }
                _ => {}
            }
            return;
        }
        let channel = self.channel_depth();
        if depth == channel + 1 && plain {
            match frame.local.as_str() {
                "title" => self.feed.title = self.feed.title.take().or(value),
                "description" | "subtitle" => {
                    self.feed.description = self.feed.description.take().or(value)
                }
                "link" if self.format != Some(Format::Atom) => {
                    self.feed.link = self.feed.link.take().or(value)
                }
                "lastBuildDate" | "updated" | "pubDate" => {
                    self.feed.updated_at = self
                        .feed
                        .updated_at
                        .take()
                        .or_else(|| value.and_then(|v| crate::time::web_time(&v)));
                }
                "logo" | "icon" if self.format == Some(Format::Atom) => {
                    self.feed.image = self.feed.image.take().or(value);
                }
                _ => {}
            }
        } else if plain
            && frame.local == "url"
            && self.stack.last().is_some_and(|p| p.local == "image")
            && self.feed.image.is_none()
        {
            self.feed.image = value;
        }
    }

    fn text(&mut self, s: &str) {
        if let Some(frame) = self.stack.last_mut() {
            frame.text.push_str(s);
        }
    }
}

fn attributes(reader: &mut NsReader<&[u8]>, start: &BytesStart<'_>) -> Vec<(Ns, String, String)> {
    let mut out = Vec::new();
    for attr in start.attributes().with_checks(false).flatten() {
        if attr.key.as_ref().starts_with("xmlns") {
            continue;
        }
        let (resolved, local) = reader.resolver_mut().resolve_attribute(attr.key);
        let ns = ns_of(&resolved);
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| attr.value.clone().into_owned());
        out.push((ns, local.as_ref().to_owned(), value));
    }
    out
}

/// An entity reference's text: character references, the XML five, `&nbsp;`; others verbatim.
fn entity(name: &str) -> String {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse().ok(),
        };
        if let Some(c) = code.and_then(char::from_u32).filter(|&c| c != '\0') {
            return c.to_string();
        }
    }
    match name {
        "amp" => "&".to_owned(),
        "lt" => "<".to_owned(),
        "gt" => ">".to_owned(),
        "quot" => "\"".to_owned(),
        "apos" => "'".to_owned(),
        "nbsp" => "\u{a0}".to_owned(),
        other => format!("&{other};"),
    }
}

/// Parse an RSS 2.0, RSS 1.0 or Atom 1.0 document. Never panics.
///
/// ```
/// use annals_platforms::feed::parse_feed;
/// let xml = r#"<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
///   <channel><title>Blog</title>
///     <item><title>One</title><link>https://example.com/1</link><slash:comments>4</slash:comments></item>
///   </channel></rss>"#;
/// let feed = parse_feed(xml).unwrap();
/// assert_eq!(feed.title.as_deref(), Some("Blog"));
/// assert_eq!(feed.entries[0].url(), Some("https://example.com/1"));
/// assert_eq!(feed.entries[0].comments.as_ref().and_then(|m| m.lower_bound()), Some(4));
/// assert!(parse_feed("<rss><channel><title>cut").is_err());
/// ```
pub fn parse_feed(xml: &str) -> Result<Feed, FeedError> {
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().allow_dangling_amp = true;
    let mut parser = Parser {
        format: None,
        stack: Vec::new(),
        feed: Feed {
            format: Format::Rss,
            title: None,
            description: None,
            link: None,
            updated_at: None,
            image: None,
            entries: Vec::new(),
        },
        entry: None,
        entry_total: false,
    };
    let mut seen_root = false;
    loop {
        let event = reader.read_resolved_event();
        let (ns, event) = match event {
            Ok((resolved, event)) => (ns_of(&resolved), event),
            Err(e) => {
                return Err(FeedError::Xml {
                    position: reader.error_position(),
                    message: e.to_string(),
                });
            }
        };
        match event {
            Event::Start(start) | Event::Empty(start) if seen_root && parser.stack.is_empty() => {
                return Err(FeedError::Xml {
                    position: reader.buffer_position(),
                    message: format!("second root element <{}>", start.local_name().as_ref()),
                });
            }
            Event::Start(start) => {
                let attrs = attributes(&mut reader, &start);
                parser.open(ns, start.local_name().as_ref(), &attrs)?;
                seen_root = true;
            }
            Event::Empty(start) => {
                let attrs = attributes(&mut reader, &start);
                parser.open(ns, start.local_name().as_ref(), &attrs)?;
                seen_root = true;
                parser.close();
            }
            Event::End(_) => parser.close(),
            Event::Text(text) => parser.text(&text.xml10_content()),
            Event::CData(cdata) => parser.text(&cdata.xml10_content()),
            Event::GeneralRef(reference) => parser.text(&entity(&reference.into_inner())),
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = parser.stack.last() {
        return Err(FeedError::Truncated {
            element: open.local.clone(),
        });
    }
    let Some(format) = parser.format else {
        return Err(FeedError::NotAFeed {
            root: String::new(),
        });
    };
    parser.feed.format = format;
    Ok(parser.feed)
}

/// Resolve `href` against the feed URL; absolute http(s) only.
fn absolute(base: Option<&url::Url>, href: &str) -> Option<String> {
    let joined = match base {
        Some(base) => base.join(href.trim()).ok()?,
        None => url::Url::parse(href.trim()).ok()?,
    };
    matches!(joined.scheme(), "http" | "https").then(|| joined.to_string())
}

/// Observe a feed from the response to its URL (the first response). Never panics.
pub fn parse(_item: &ItemRef, responses: &[Response<'_>]) -> Observation {
    let Some(resp) = responses.first() else {
        return failure(0, "no response");
    };
    match web::decode_content(resp.headers, resp.body) {
        Ok(body) => observe_feed(resp, &body),
        Err(message) if (200..300).contains(&resp.status) => failure(resp.status, message),
        Err(_) => observe_feed(resp, b""),
    }
}

/// Observe a feed from a response whose body has no content encoding left.
pub(crate) fn observe_feed(resp: &Response<'_>, body: &[u8]) -> Observation {
    let status = resp.status;
    let (text, _) = web::decode_html(body, resp.header("content-type"), resp.url);
    let state = web::classify(status, resp.headers, &text);
    let mut obs = observe(state, status, Some(format!("http:{status}")), None);
    if state != State::Live {
        return obs;
    }
    let feed = match parse_feed(&text) {
        Ok(feed) => feed,
        Err(e) => return failure(status, e.to_string()),
    };
    let base = url::Url::parse(resp.url).ok();
    obs.metrics.insert(
        "entries".to_owned(),
        Metric::Exact(feed.entries.len() as u64),
    );
    for entry in &feed.entries {
        let Some(url) = entry.url().and_then(|u| absolute(base.as_ref(), u)) else {
            continue;
        };
        let Ok(target) = ItemRef::parse(&url) else {
            continue;
        };
        if let Some(comments) = &entry.comments {
            obs.metrics.insert(
                format!("comments:{}", target.canonical_url),
                comments.clone(),
            );
        }
        let child = ChildRef {
            platform: target.platform.as_str().to_owned(),
            native_id: target.native_id,
            url: target.canonical_url,
        };
        if !obs.children.contains(&child) {
            obs.children.push(child);
        }
    }
    let content = Content {
        title: feed.title,
        text: feed.description,
        author: None,
        published_at: None,
        updated_at: feed.updated_at,
        media_urls: feed
            .image
            .and_then(|i| absolute(base.as_ref(), &i))
            .into_iter()
            .collect(),
    };
    set_content(&mut obs, content);
    obs
}

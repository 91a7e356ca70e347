//! [`ItemRef`]: which platform an id or URL belongs to, its native id and canonical URL.

use annals_model::Item;

use crate::ids::{aid_to_bvid, bid_to_mid, normalise_bvid};

/// A platform annals has an adapter for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// bilibili.com videos.
    Bilibili,
    /// zhihu.com questions and answers.
    Zhihu,
    /// weibo.com / m.weibo.cn posts and users.
    Weibo,
    /// Any other http(s) page.
    Web,
}

impl Platform {
    /// The name stored in [`Item::platform`]: `bilibili`, `zhihu`, `weibo`, `web`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Platform::Bilibili => "bilibili",
            Platform::Zhihu => "zhihu",
            Platform::Weibo => "weibo",
            Platform::Web => "web",
        }
    }
}

/// What kind of thing on the platform an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A Bilibili video (native id: `BV…`).
    Video,
    /// A Zhihu question (native id: `question/<qid>`).
    Question,
    /// A Zhihu answer (native id: `answer/<answer id>`).
    Answer,
    /// A Weibo post (native id: the numeric `mid`).
    Post,
    /// A Weibo user (native id: `u/<uid>`) or a Bilibili uploader (native id: `space/<mid>`,
    /// canonical URL `https://space.bilibili.com/<mid>`; observed through the uploader's video
    /// list, whose videos are its children).
    User,
    /// A web page (native id: the URL).
    Page,
    /// An RSS or Atom feed on the web (platform `web`, native id: the URL). Chosen from the URL
    /// by [`ItemRef::parse`]; a `Page` item whose response is a feed is still parsed as one.
    Feed,
}

/// A reference to a watched item: platform, kind, native id and canonical URL.
///
/// ```
/// use annals_platforms::{ItemRef, Kind, Platform};
/// let item = ItemRef::parse("https://www.bilibili.com/video/av85440373/?p=1").unwrap();
/// assert_eq!(item.platform, Platform::Bilibili);
/// assert_eq!(item.kind, Kind::Video);
/// assert_eq!(item.native_id, "BV117411r7R1");
/// assert_eq!(item.canonical_url, "https://www.bilibili.com/video/BV117411r7R1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemRef {
    /// The platform.
    pub platform: Platform,
    /// The kind of item.
    pub kind: Kind,
    /// Native id, unique within the platform (see [`Kind`] for the form).
    pub native_id: String,
    /// The URL a person would open.
    pub canonical_url: String,
}

/// Why a string is not an item reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ItemRefError {
    /// The input is empty or whitespace.
    #[error("empty item reference")]
    Empty,
    /// Neither a known platform id nor an http(s) URL.
    #[error("not a platform id or http(s) URL: {input:?}")]
    NotRecognised {
        /// The input as given.
        input: String,
    },
    /// A platform URL or id whose id part is malformed (bad BV checksum, aid out of range, …).
    #[error("invalid {platform} id {id:?}")]
    InvalidId {
        /// Platform name.
        platform: &'static str,
        /// The offending id.
        id: String,
    },
    /// An [`Item`] whose platform and native id do not form a reference.
    #[error("item {platform}/{native_id} is not a valid reference")]
    BadItem {
        /// `Item::platform`.
        platform: String,
        /// `Item::native_id`.
        native_id: String,
    },
}

fn invalid(platform: &'static str, id: &str) -> ItemRefError {
    ItemRefError::InvalidId {
        platform,
        id: id.to_owned(),
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 24 && s.bytes().all(|b| b.is_ascii_digit())
}

impl ItemRef {
    /// Parse a URL or a bare id (`BV…`, `av…`).
    ///
    /// Bilibili `bilibili.com/video/<BV|av>`, uploaders `space.bilibili.com/<mid>`; Zhihu `zhihu.com/question/<q>`,
    /// `…/question/<q>/answer/<a>`, `zhihu.com/answer/<a>`; Weibo `weibo.com/<uid>/<bid|mid>`,
    /// `weibo.com/u/<uid>`, `m.weibo.cn/detail/<mid|bid>`, `m.weibo.cn/status/<bid|mid>`,
    /// `m.weibo.cn/u/<uid>`, `m.weibo.cn/profile/<uid>`. Any other http(s) URL (including
    /// `b23.tv` short links, which are redirects) is a `web` page, of kind [`Kind::Feed`] when
    /// its path ends in `.rss`, `.atom`, `.xml`, `/feed` or `/rss` (a trailing `/` allowed).
    /// The kind is only a hint: [`crate::parse`] decides page or feed on the response.
    pub fn parse(input: &str) -> Result<ItemRef, ItemRefError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ItemRefError::Empty);
        }
        let prefix = input.get(..2).unwrap_or("");
        if prefix.eq_ignore_ascii_case("bv") && !input.contains('/') {
            return Self::bilibili(input);
        }
        if prefix.eq_ignore_ascii_case("av") && digits(&input[2..]) {
            return Self::bilibili(input);
        }
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(ItemRefError::NotRecognised {
                input: input.to_owned(),
            });
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(ItemRefError::NotRecognised {
                input: input.to_owned(),
            });
        }
        let rest = rest.split('#').next().unwrap_or("");
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_query) = rest.split_at(authority_end);
        let host = authority.rsplit('@').next().unwrap_or("");
        let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
        if host.is_empty() {
            return Err(ItemRefError::NotRecognised {
                input: input.to_owned(),
            });
        }
        let path = path_query.split('?').next().unwrap_or("");
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let web = || ItemRef::web(&scheme, authority, path_query);

        if host == "bilibili.com" || host.ends_with(".bilibili.com") {
            if let ["video", id, ..] = segs[..] {
                return Self::bilibili(id);
            }
            if host == "space.bilibili.com"
                && let [mid, ..] = segs[..]
                && digits(mid)
            {
                return Ok(Self::bilibili_uploader(mid));
            }
            return Ok(web());
        }
        if host == "zhihu.com" || host.ends_with(".zhihu.com") {
            return Ok(match segs[..] {
                ["question", _, "answer", a, ..] | ["answer", a, ..] if digits(a) => {
                    Self::zhihu(Kind::Answer, a)
                }
                ["question", q, ..] if digits(q) => Self::zhihu(Kind::Question, q),
                _ => web(),
            });
        }
        if matches!(host.as_str(), "weibo.com" | "www.weibo.com" | "m.weibo.cn") {
            return match segs[..] {
                ["u" | "profile", uid] if digits(uid) => Ok(Self::weibo_user(uid)),
                ["detail" | "status", id] => Self::weibo_post(id),
                [uid, id] if digits(uid) && host != "m.weibo.cn" => Self::weibo_post(id),
                _ => Ok(web()),
            };
        }
        Ok(web())
    }

    /// Rebuild a reference from a stored [`Item`].
    pub fn from_item(item: &Item) -> Result<ItemRef, ItemRefError> {
        let bad = || ItemRefError::BadItem {
            platform: item.platform.clone(),
            native_id: item.native_id.clone(),
        };
        let id = item.native_id.as_str();
        let parsed = match item.platform.as_str() {
            "bilibili" => match id.strip_prefix("space/") {
                Some(mid) if digits(mid) => Self::bilibili_uploader(mid),
                Some(_) => return Err(bad()),
                None => Self::bilibili(id).map_err(|_| bad())?,
            },
            "zhihu" => match id.split_once('/') {
                Some(("question", q)) if digits(q) => Self::zhihu(Kind::Question, q),
                Some(("answer", a)) if digits(a) => Self::zhihu(Kind::Answer, a),
                _ => return Err(bad()),
            },
            "weibo" => match id.strip_prefix("u/") {
                Some(uid) if digits(uid) => Self::weibo_user(uid),
                Some(_) => return Err(bad()),
                None if digits(id) => Self::weibo_post(id).map_err(|_| bad())?,
                None => return Err(bad()),
            },
            "web" => match Self::parse(id) {
                Ok(r) if r.platform == Platform::Web => r,
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        };
        Ok(parsed)
    }

    /// The model's [`Item`] for this reference (no row id yet).
    pub fn to_item(&self) -> Item {
        Item {
            id: None,
            platform: self.platform.as_str().to_owned(),
            native_id: self.native_id.clone(),
            canonical_url: self.canonical_url.clone(),
        }
    }

    fn bilibili(id: &str) -> Result<ItemRef, ItemRefError> {
        let bvid = if id.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("av")) {
            let aid: u64 = id[2..].parse().map_err(|_| invalid("bilibili", id))?;
            aid_to_bvid(aid).ok_or_else(|| invalid("bilibili", id))?
        } else {
            normalise_bvid(id).ok_or_else(|| invalid("bilibili", id))?
        };
        Ok(ItemRef {
            platform: Platform::Bilibili,
            kind: Kind::Video,
            canonical_url: format!("https://www.bilibili.com/video/{bvid}"),
            native_id: bvid,
        })
    }

    fn bilibili_uploader(mid: &str) -> ItemRef {
        ItemRef {
            platform: Platform::Bilibili,
            kind: Kind::User,
            native_id: format!("space/{mid}"),
            canonical_url: format!("https://space.bilibili.com/{mid}"),
        }
    }

    /// The Bilibili uploader's `mid` of an uploader item (`space/<mid>`).
    pub(crate) fn bilibili_mid(&self) -> Option<&str> {
        self.native_id.strip_prefix("space/")
    }

    fn zhihu(kind: Kind, id: &str) -> ItemRef {
        let path = match kind {
            Kind::Question => format!("question/{id}"),
            _ => format!("answer/{id}"),
        };
        ItemRef {
            platform: Platform::Zhihu,
            kind,
            canonical_url: format!("https://www.zhihu.com/{path}"),
            native_id: path,
        }
    }

    fn weibo_post(id: &str) -> Result<ItemRef, ItemRefError> {
        let mid = if digits(id) {
            id.to_owned()
        } else {
            bid_to_mid(id).ok_or_else(|| invalid("weibo", id))?
        };
        Ok(ItemRef {
            platform: Platform::Weibo,
            kind: Kind::Post,
            canonical_url: format!("https://m.weibo.cn/detail/{mid}"),
            native_id: mid,
        })
    }

    fn weibo_user(uid: &str) -> ItemRef {
        ItemRef {
            platform: Platform::Weibo,
            kind: Kind::User,
            native_id: format!("u/{uid}"),
            canonical_url: format!("https://m.weibo.cn/u/{uid}"),
        }
    }

    fn web(scheme: &str, authority: &str, path_query: &str) -> ItemRef {
        let authority = match authority.rsplit_once('@') {
            Some((user, host)) => format!("{user}@{}", host.to_ascii_lowercase()),
            None => authority.to_ascii_lowercase(),
        };
        let path_query = if path_query.is_empty() || path_query.starts_with('?') {
            format!("/{path_query}")
        } else {
            path_query.to_owned()
        };
        let url = format!("{scheme}://{authority}{path_query}");
        let path = path_query
            .split('?')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let path = path.strip_suffix('/').unwrap_or(&path);
        let feed = [".rss", ".atom", ".xml", "/feed", "/rss"]
            .iter()
            .any(|end| path.ends_with(end));
        ItemRef {
            platform: Platform::Web,
            kind: if feed { Kind::Feed } else { Kind::Page },
            native_id: url.clone(),
            canonical_url: url,
        }
    }

    /// The Zhihu numeric id (question or answer id) for Zhihu items.
    pub(crate) fn zhihu_id(&self) -> &str {
        self.native_id
            .split_once('/')
            .map_or(self.native_id.as_str(), |(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, platform: Platform, kind: Kind, native: &str, url: &str) {
        let item = ItemRef::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(
            (
                item.platform,
                item.kind,
                item.native_id.as_str(),
                item.canonical_url.as_str()
            ),
            (platform, kind, native, url),
            "{input}"
        );
        assert_eq!(
            ItemRef::from_item(&item.to_item()).as_ref(),
            Ok(&item),
            "{input}"
        );
        assert_eq!(
            ItemRef::parse(&item.canonical_url).as_ref(),
            Ok(&item),
            "{input}"
        );
    }

    #[test]
    fn bilibili() {
        let url = "https://www.bilibili.com/video/BV117411r7R1";
        for input in [
            "BV117411r7R1",
            "bv117411r7R1",
            "av85440373",
            "AV85440373",
            "https://www.bilibili.com/video/BV117411r7R1/?spm_id_from=333",
            "http://m.bilibili.com/video/av85440373",
            "https://bilibili.com/video/BV117411r7R1#reply",
        ] {
            check(input, Platform::Bilibili, Kind::Video, "BV117411r7R1", url);
        }
        assert!(matches!(
            ItemRef::parse("BV117411r7R0"),
            Err(ItemRefError::InvalidId { .. })
        ));
        assert!(matches!(
            ItemRef::parse("av0"),
            Err(ItemRefError::InvalidId { .. })
        ));
        for input in [
            "https://space.bilibili.com/53456",
            "https://space.bilibili.com/53456/video?tid=0",
            "http://SPACE.bilibili.com/53456/",
        ] {
            check(
                input,
                Platform::Bilibili,
                Kind::User,
                "space/53456",
                "https://space.bilibili.com/53456",
            );
        }
        // Other space pages are web pages, and a bad uploader id is no reference.
        assert_eq!(
            ItemRef::parse("https://space.bilibili.com/")
                .unwrap()
                .platform,
            Platform::Web
        );
        assert!(
            ItemRef::from_item(&Item {
                platform: "bilibili".into(),
                native_id: "space/x1".into(),
                ..Item::default()
            })
            .is_err()
        );
        check(
            "https://b23.tv/AbCdEf",
            Platform::Web,
            Kind::Page,
            "https://b23.tv/AbCdEf",
            "https://b23.tv/AbCdEf",
        );
    }

    #[test]
    fn zhihu() {
        let answer = "https://www.zhihu.com/answer/1936787046304842491";
        for input in [
            "https://www.zhihu.com/question/1924054028658116132/answer/1936787046304842491",
            "https://zhihu.com/answer/1936787046304842491?utm=x",
        ] {
            check(
                input,
                Platform::Zhihu,
                Kind::Answer,
                "answer/1936787046304842491",
                answer,
            );
        }
        check(
            "https://www.zhihu.com/question/562083816",
            Platform::Zhihu,
            Kind::Question,
            "question/562083816",
            "https://www.zhihu.com/question/562083816",
        );
    }

    #[test]
    fn weibo() {
        let url = "https://m.weibo.cn/detail/4383411844046171";
        for input in [
            "https://weibo.com/1669879400/HyZVegYAP",
            "https://m.weibo.cn/detail/4383411844046171",
            "https://m.weibo.cn/status/HyZVegYAP",
            "https://m.weibo.cn/status/4383411844046171?from=x",
        ] {
            check(input, Platform::Weibo, Kind::Post, "4383411844046171", url);
        }
        check(
            "https://weibo.com/u/1669879400",
            Platform::Weibo,
            Kind::User,
            "u/1669879400",
            "https://m.weibo.cn/u/1669879400",
        );
    }

    #[test]
    fn web_and_errors() {
        check(
            "HTTPS://Example.COM:8080?q=1#frag",
            Platform::Web,
            Kind::Page,
            "https://example.com:8080/?q=1",
            "https://example.com:8080/?q=1",
        );
        for feed in [
            "https://example.com/index.xml",
            "https://example.com/blog/feed/",
            "https://example.com/feed?format=rss",
            "https://example.com/posts.RSS",
            "https://example.com/atom.atom",
            "https://example.com/rss",
        ] {
            check(feed, Platform::Web, Kind::Feed, feed, feed);
        }
        for page in ["https://example.com/feeds", "https://example.com/xml/page"] {
            check(page, Platform::Web, Kind::Page, page, page);
        }
        assert_eq!(ItemRef::parse("  "), Err(ItemRefError::Empty));
        assert!(matches!(
            ItemRef::parse("ftp://x/y"),
            Err(ItemRefError::NotRecognised { .. })
        ));
        assert!(matches!(
            ItemRef::parse("hello"),
            Err(ItemRefError::NotRecognised { .. })
        ));
        assert!(
            ItemRef::from_item(&Item {
                platform: "zhihu".into(),
                native_id: "123".into(),
                ..Item::default()
            })
            .is_err()
        );
    }
}

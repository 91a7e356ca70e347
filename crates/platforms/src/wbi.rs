//! WBI signing of Bilibili web API requests (`w_rid`, `wts`; platforms.md §1.8), as pure code:
//! keys and the time are arguments.
//!
//! The web front end signs some endpoints (`/x/space/wbi/arc/search`, `/x/web-interface/wbi/…`)
//! with two keys published by `GET /x/web-interface/nav` (which answers guests too, with
//! `code:-101`). The keys rotate, so the shell caches them, refreshes them after a few hours,
//! and drops them when a signed call answers `-403` or `-352` ([`signature_rejected`]).
//!
//! ```
//! use annals_platforms::wbi::{Keys, sign_url};
//!
//! let keys = Keys::new("7cd084941338484aae1ad9425b84077c", "4932caff0ff746eab6f01bf08b70ac45").unwrap();
//! assert_eq!(keys.mixin_key(), "ea1db124af3c7062474693fa704f4ff8");
//! let url = sign_url("https://api.bilibili.com/x/test?foo=114&bar=514&zab=1919810", &keys, 1702204169);
//! assert_eq!(
//!     url,
//!     "https://api.bilibili.com/x/test?bar=514&foo=114&wts=1702204169&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4"
//! );
//! ```

use md5::{Digest, Md5};
use serde_json::Value;

use crate::common::{Request, int_of};

/// Where the keys come from: the navigation-bar endpoint (no login needed).
pub const NAV_URL: &str = "https://api.bilibili.com/x/web-interface/nav";

/// The permutation that turns `img_key + sub_key` into the mixin key (its first 32 entries are
/// used).
pub const MIXIN_KEY_ENC_TAB: [usize; 64] = [
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9, 42, 19, 29,
    28, 14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40, 61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25,
    54, 21, 56, 59, 6, 63, 57, 62, 11, 36, 20, 34, 44, 52,
];

/// Why WBI keys could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WbiError {
    /// A key is not 32 ASCII letters and digits.
    #[error("WBI key {key:?} is not 32 ASCII letters and digits")]
    BadKey {
        /// The offending key.
        key: String,
    },
    /// The `nav` body is not JSON, or has no `data.wbi_img.img_url`/`sub_url`.
    #[error("no WBI keys in the nav response: {reason}")]
    NoKeys {
        /// What was missing, with the response's `code` and `message` when it had them.
        reason: String,
    },
}

/// The two WBI keys (`img_key`, `sub_key`): the file-name stems of `wbi_img.img_url` and
/// `sub_url` in a `nav` response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Keys {
    img_key: String,
    sub_key: String,
    mixin_key: String,
}

impl Keys {
    /// Keys from their text; each must be 32 ASCII letters and digits.
    pub fn new(img_key: &str, sub_key: &str) -> Result<Keys, WbiError> {
        for key in [img_key, sub_key] {
            if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(WbiError::BadKey {
                    key: key.to_owned(),
                });
            }
        }
        let raw: Vec<u8> = img_key.bytes().chain(sub_key.bytes()).collect();
        // 64 ASCII bytes and indices below 64: every lookup is in range.
        let mixin_key = MIXIN_KEY_ENC_TAB[..32]
            .iter()
            .map(|&i| char::from(raw[i]))
            .collect();
        Ok(Keys {
            img_key: img_key.to_owned(),
            sub_key: sub_key.to_owned(),
            mixin_key,
        })
    }

    /// `img_key`.
    pub fn img_key(&self) -> &str {
        &self.img_key
    }

    /// `sub_key`.
    pub fn sub_key(&self) -> &str {
        &self.sub_key
    }

    /// The 32-character mixin key appended to the query before hashing.
    pub fn mixin_key(&self) -> &str {
        &self.mixin_key
    }
}

/// The request that fetches the keys. The shell archives its exchange like any other; it
/// observes no item.
pub fn nav_request() -> Request {
    Request::get(
        NAV_URL.to_owned(),
        &[
            ("Referer", "https://www.bilibili.com/"),
            ("Accept", "application/json"),
        ],
    )
}

/// The keys in a `nav` response body (`code` `0`, or `-101` for a guest: both carry them).
///
/// ```
/// let body = r#"{"code":-101,"message":"账号未登录","data":{"isLogin":false,"wbi_img":{
///   "img_url":"https://i0.hdslb.com/bfs/wbi/7cd084941338484aae1ad9425b84077c.png",
///   "sub_url":"https://i0.hdslb.com/bfs/wbi/4932caff0ff746eab6f01bf08b70ac45.png"}}}"#.as_bytes();
/// let keys = annals_platforms::wbi::keys_from_nav(body).unwrap();
/// assert_eq!(keys.mixin_key(), "ea1db124af3c7062474693fa704f4ff8");
/// ```
pub fn keys_from_nav(body: &[u8]) -> Result<Keys, WbiError> {
    let json: Value = serde_json::from_slice(body).map_err(|e| WbiError::NoKeys {
        reason: format!("not JSON ({e})"),
    })?;
    let wbi = json.get("data").and_then(|d| d.get("wbi_img"));
    let stem = |field: &str| -> Option<String> {
        let url = wbi?.get(field)?.as_str()?;
        let name = url.split(['?', '#']).next()?.rsplit('/').next()?;
        Some(name.split('.').next().unwrap_or(name).to_owned())
    };
    match (stem("img_url"), stem("sub_url")) {
        (Some(img), Some(sub)) => Keys::new(&img, &sub),
        _ => {
            let code = json.get("code").and_then(int_of);
            let message = json.get("message").and_then(Value::as_str).unwrap_or("");
            Err(WbiError::NoKeys {
                reason: match code {
                    Some(c) => format!("code {c} {message:?} without data.wbi_img"),
                    None => "no data.wbi_img".to_owned(),
                },
            })
        }
    }
}

/// Percent-encodes like JavaScript's `encodeURIComponent` with upper-case hex: letters, digits
/// and `-_.~` stay, every other byte of the UTF-8 text becomes `%XX` (space is `%20`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (a malformed escape is kept as it is; `+` stays `+`).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The signed query for `params` (decoded keys and values; order does not matter) at `wts`
/// (unix seconds): `wts` added, sorted by key, `!'()*` removed from values, encoded with
/// [`encode`], and `&w_rid=` the MD5 of that query followed by the mixin key. Existing `w_rid`
/// and `wts` parameters are replaced.
pub fn sign(params: &[(String, String)], keys: &Keys, wts: i64) -> String {
    let mut pairs: Vec<(&str, String)> = params
        .iter()
        .filter(|(k, _)| k != "w_rid" && k != "wts")
        .map(|(k, v)| {
            let clean: String = v.chars().filter(|c| !"!'()*".contains(*c)).collect();
            (k.as_str(), clean)
        })
        .collect();
    let wts = wts.to_string();
    pairs.push(("wts", wts));
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let digest = Md5::digest(format!("{query}{}", keys.mixin_key()).as_bytes());
    let w_rid: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{query}&w_rid={w_rid}")
}

/// `url` with its query signed by [`sign`] (a fragment is dropped; a URL without a query gets
/// one holding only `wts` and `w_rid`).
pub fn sign_url(url: &str, keys: &Keys, wts: i64) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect();
    format!("{base}?{}", sign(&params, keys, wts))
}

/// Whether a signed endpoint's answer says the signature (or the keys behind it) was refused:
/// Bilibili `code` `-403` (访问权限不足) or `-352` (风控校验失败). The shell then drops its
/// keys so that the next signed request fetches fresh ones. The observation itself is
/// `blocked` ([`crate::bilibili::code_state`]), never a disappearance.
pub fn signature_rejected(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|json| json.get("code").and_then(int_of))
        .is_some_and(|code| code == -403 || code == -352)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_keys() -> Keys {
        Keys::new(
            "7cd084941338484aae1ad9425b84077c",
            "4932caff0ff746eab6f01bf08b70ac45",
        )
        .unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn documented_vectors() {
        let keys = doc_keys();
        assert_eq!(keys.mixin_key(), "ea1db124af3c7062474693fa704f4ff8");
        assert_eq!(
            sign(
                &params(&[("foo", "114"), ("bar", "514"), ("zab", "1919810")]),
                &keys,
                1702204169
            ),
            "bar=514&foo=114&wts=1702204169&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4"
        );
        assert_eq!(
            sign(
                &params(&[
                    ("mid", "11997177"),
                    ("token", ""),
                    ("platform", "web"),
                    ("web_location", "1550101"),
                ]),
                &keys,
                1703513649
            ),
            "mid=11997177&platform=web&token=&web_location=1550101&wts=1703513649&w_rid=7d4428b3f2f9ee2811e116ec6fd41a4f"
        );
    }

    #[test]
    fn encoding_and_filtering() {
        assert_eq!(encode("a b+c/d~é"), "a%20b%2Bc%2Fd~%C3%A9");
        let keys = doc_keys();
        // `!'()*` are removed from values before encoding; an old signature is replaced.
        let signed = sign_url(
            "https://x.invalid/p?keyword=a%20(b)!*&w_rid=old&wts=1#frag",
            &keys,
            5,
        );
        assert!(
            signed.starts_with("https://x.invalid/p?keyword=a%20b&wts=5&w_rid="),
            "{signed}"
        );
        assert_eq!(signed.matches("w_rid").count(), 1);
        // Encoded and decoded inputs sign alike.
        assert_eq!(
            sign_url("https://x.invalid/p?q=%E4%B8%AD", &keys, 9),
            sign_url("https://x.invalid/p?q=中", &keys, 9)
        );
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn bad_keys_and_nav_bodies() {
        assert!(matches!(
            Keys::new("short", "4932caff0ff746eab6f01bf08b70ac45"),
            Err(WbiError::BadKey { .. })
        ));
        assert!(
            Keys::new(
                "7cd084941338484aae1ad9425b84077é",
                "4932caff0ff746eab6f01bf08b70ac45"
            )
            .is_err()
        );
        for body in [
            &b""[..],
            b"<html>",
            r#"{"code":-412,"message":"请求被拦截"}"#.as_bytes(),
            br#"{"code":0,"data":{"wbi_img":{"img_url":"x"}}}"#,
            br#"{"code":0,"data":{"wbi_img":{"img_url":7,"sub_url":[]}}}"#,
        ] {
            assert!(
                keys_from_nav(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let err = keys_from_nav(r#"{"code":-412,"message":"请求被拦截"}"#.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("-412"), "{err}");
    }

    #[test]
    fn rejection_codes() {
        assert!(signature_rejected(
            r#"{"code":-403,"message":"访问权限不足"}"#.as_bytes()
        ));
        assert!(signature_rejected(
            r#"{"code":-352,"message":"风控校验失败"}"#.as_bytes()
        ));
        assert!(!signature_rejected(br#"{"code":0}"#));
        assert!(!signature_rejected(br#"{"code":-404}"#));
        assert!(!signature_rejected(b"not json"));
    }
}

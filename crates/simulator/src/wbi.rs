//! The simulated Bilibili's side of WBI signing (platforms.md §1.8): the keys it publishes on
//! `/x/web-interface/nav`, rotating every simulated day, and the check of `w_rid`/`wts` on
//! `/x/space/wbi/arc/search`.
//!
//! Written apart from `annals_platforms::wbi` on purpose (its own table, encoding and query
//! handling, checked against the documented vectors below): the simulator is the server, and a
//! bug in annals' signer must make it answer `-403`, not be mirrored by it.

use md5::{Digest, Md5};

/// The published permutation of `img_key + sub_key` (platforms.md §1.8).
const TABLE: [u8; 64] = [
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9, 42, 19, 29,
    28, 14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40, 61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25,
    54, 21, 56, 59, 6, 63, 57, 62, 11, 36, 20, 34, 44, 52,
];

/// A pair of WBI keys (`img_key`, `sub_key`), 32 lower-case hex digits each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimKeys {
    pub(crate) img: String,
    pub(crate) sub: String,
}

/// The keys of simulated day `day` in the world `seed`.
pub(crate) fn keys_for_day(seed: u64, day: u64) -> SimKeys {
    let mut rng = crate::rng::Rng::derive(seed, 3, day);
    let mut hex = || {
        let (a, b) = (rng.next_u64(), rng.next_u64());
        format!("{a:016x}{b:016x}")
    };
    SimKeys {
        img: hex(),
        sub: hex(),
    }
}

fn mixin(keys: &SimKeys) -> Option<Vec<u8>> {
    let raw = format!("{}{}", keys.img, keys.sub).into_bytes();
    TABLE[..32]
        .iter()
        .map(|&i| raw.get(usize::from(i)).copied())
        .collect()
}

fn unhex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Undo `%XX` escapes, as a server reading its query does.
fn unescape(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).and_then(|&x| unhex(x)),
            b.get(i + 2).and_then(|&x| unhex(x)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// RFC 3986 unreserved bytes stay; everything else is `%XX`, upper-case.
fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        let unreserved = b.is_ascii_alphanumeric() || b"-_.~".contains(&b);
        if unreserved {
            out.push(b);
        } else {
            out.extend([b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
}

/// The `w_rid` a request with these (decoded) parameters, `wts` included, must carry.
fn expected_w_rid(params: &[(Vec<u8>, Vec<u8>)], keys: &SimKeys) -> Option<String> {
    let mut sorted: Vec<&(Vec<u8>, Vec<u8>)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut text = Vec::new();
    for (n, (key, value)) in sorted.into_iter().enumerate() {
        if n > 0 {
            text.push(b'&');
        }
        escape(key, &mut text);
        text.push(b'=');
        let kept: Vec<u8> = value
            .iter()
            .copied()
            .filter(|b| !matches!(b, b'!' | b'\'' | b'(' | b')' | b'*'))
            .collect();
        escape(&kept, &mut text);
    }
    text.extend(mixin(keys)?);
    let digest = Md5::digest(&text);
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether the raw query `q` is correctly signed with `keys`: `wts` is a number and `w_rid`
/// the MD5 of the other parameters (sorted, filtered, re-encoded) followed by the mixin key.
pub(crate) fn verify(q: &str, keys: &SimKeys) -> bool {
    let mut params = Vec::new();
    let mut w_rid = None;
    let mut wts = None;
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (unescape(k), unescape(v));
        match k.as_slice() {
            b"w_rid" => w_rid = Some(v),
            b"wts" => {
                wts = Some(v.clone());
                params.push((k, v));
            }
            _ => params.push((k, v)),
        }
    }
    let wts_ok =
        wts.is_some_and(|t| !t.is_empty() && t.len() <= 12 && t.iter().all(u8::is_ascii_digit));
    match (wts_ok, w_rid, expected_w_rid(&params, keys)) {
        (true, Some(got), Some(want)) => got == want.as_bytes(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_keys() -> SimKeys {
        SimKeys {
            img: "7cd084941338484aae1ad9425b84077c".into(),
            sub: "4932caff0ff746eab6f01bf08b70ac45".into(),
        }
    }

    #[test]
    fn documented_vectors_verify() {
        let keys = doc_keys();
        assert_eq!(mixin(&keys).unwrap(), b"ea1db124af3c7062474693fa704f4ff8");
        assert!(verify(
            "zab=1919810&foo=114&bar=514&wts=1702204169&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4",
            &keys
        ));
        assert!(verify(
            "mid=11997177&token=&platform=web&web_location=1550101&w_rid=7d4428b3f2f9ee2811e116ec6fd41a4f&wts=1703513649",
            &keys
        ));
    }

    #[test]
    fn wrong_or_missing_signatures_fail() {
        let keys = doc_keys();
        for q in [
            // Another wts, another value, a missing or malformed part.
            "bar=514&foo=114&zab=1919810&wts=1702204170&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4",
            "bar=515&foo=114&zab=1919810&wts=1702204169&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4",
            "bar=514&foo=114&zab=1919810&wts=1702204169",
            "bar=514&foo=114&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4",
            "bar=514&foo=114&zab=1919810&wts=x&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4",
            "",
        ] {
            assert!(!verify(q, &keys), "{q}");
        }
        // The right signature under other keys.
        let other = keys_for_day(1, 0);
        assert!(!verify(
            "bar=514&foo=114&zab=1919810&wts=1702204169&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4",
            &other
        ));
    }

    #[test]
    fn values_are_filtered_and_encoded() {
        // Signed by hand: "keyword=a%20b%E4%B8%AD&wts=1" + mixin, with `(` `)` `!` dropped.
        let keys = doc_keys();
        let mut text = b"keyword=a%20b%E4%B8%AD&wts=1".to_vec();
        text.extend(b"ea1db124af3c7062474693fa704f4ff8");
        let w_rid: String = Md5::digest(&text)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(verify(
            &format!("keyword=a%20(b)!%E4%B8%AD&wts=1&w_rid={w_rid}"),
            &keys
        ));
    }

    #[test]
    fn keys_rotate_daily() {
        let k = keys_for_day(7, 0);
        assert_eq!(k, keys_for_day(7, 0));
        assert_ne!(k, keys_for_day(7, 1));
        assert_ne!(k, keys_for_day(8, 0));
        assert_eq!((k.img.len(), k.sub.len()), (32, 32));
    }
}

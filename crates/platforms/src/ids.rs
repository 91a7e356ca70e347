//! Identifier conversions: Bilibili av ↔ BV (platforms.md §1.9), Weibo mid ↔ bid (§3.2).

const XOR_CODE: u64 = 23_442_827_791_579;
const MASK_CODE: u64 = 2_251_799_813_685_247;
const MAX_AID: u64 = 1 << 51;
const BV_ALPHABET: &[u8; 58] = b"FcwAPNKTMug3GV5Lj7EJnHpWsx4tb8haYeviqBz6rkCy12mUSDQX9RdoZf";
const B62_ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Bilibili `aid` → `BV…` id. `None` for `0` and for aids at or above 2^51.
///
/// ```
/// assert_eq!(annals_platforms::aid_to_bvid(85440373).as_deref(), Some("BV117411r7R1"));
/// ```
pub fn aid_to_bvid(aid: u64) -> Option<String> {
    if aid == 0 || aid >= MAX_AID {
        return None;
    }
    let mut buf = *b"BV1000000000";
    let mut t = (MAX_AID | aid) ^ XOR_CODE;
    let mut i = 11;
    while t > 0 && i >= 3 {
        buf[i] = BV_ALPHABET[(t % 58) as usize];
        t /= 58;
        i -= 1;
    }
    buf.swap(3, 9);
    buf.swap(4, 7);
    String::from_utf8(buf.to_vec()).ok()
}

/// `BV…` id → Bilibili `aid`. Accepts a lower-case `bv` prefix; `None` if malformed.
///
/// ```
/// assert_eq!(annals_platforms::bvid_to_aid("BV1xx411c7mQ"), Some(1));
/// ```
pub fn bvid_to_aid(bvid: &str) -> Option<u64> {
    let bytes = bvid.as_bytes();
    if bytes.len() != 12 || !bytes[..2].eq_ignore_ascii_case(b"BV") || bytes[2] != b'1' {
        return None;
    }
    let mut buf = [0u8; 12];
    buf.copy_from_slice(bytes);
    buf.swap(3, 9);
    buf.swap(4, 7);
    let mut t: u64 = 0;
    for &c in &buf[3..] {
        let digit = BV_ALPHABET.iter().position(|&a| a == c)? as u64;
        t = t.checked_mul(58)?.checked_add(digit)?;
    }
    let aid = (t & MASK_CODE) ^ XOR_CODE;
    (aid != 0 && aid < MAX_AID).then_some(aid)
}

/// Normalise a `BV…` id: `BV` prefix upper-case, validity checked by a round trip.
pub(crate) fn normalise_bvid(bvid: &str) -> Option<String> {
    let aid = bvid_to_aid(bvid)?;
    let canonical = aid_to_bvid(aid)?;
    (canonical[2..] == bvid[2..]).then_some(canonical)
}

/// Weibo numeric `mid` → base-62 `bid` (`4383411844046171` → `HyZVegYAP`). `None` if not digits.
///
/// ```
/// assert_eq!(annals_platforms::mid_to_bid("4383411844046171").as_deref(), Some("HyZVegYAP"));
/// ```
pub fn mid_to_bid(mid: &str) -> Option<String> {
    if mid.is_empty() || mid.len() > 30 || !mid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut groups = Vec::new();
    let mut end = mid.len();
    while end > 0 {
        let start = end.saturating_sub(7);
        groups.push(&mid[start..end]);
        end = start;
    }
    groups.reverse();
    let mut out = String::new();
    for (i, group) in groups.iter().enumerate() {
        let mut n: u64 = group.parse().ok()?;
        let mut enc = Vec::new();
        while n > 0 {
            enc.push(B62_ALPHABET[(n % 62) as usize]);
            n /= 62;
        }
        if i > 0 {
            while enc.len() < 4 {
                enc.push(b'0');
            }
        } else if enc.is_empty() {
            enc.push(b'0');
        }
        enc.reverse();
        out.push_str(std::str::from_utf8(&enc).ok()?);
    }
    Some(out)
}

/// Weibo base-62 `bid` → numeric `mid` (`HyZVegYAP` → `4383411844046171`). `None` if malformed.
///
/// ```
/// assert_eq!(annals_platforms::bid_to_mid("HyZVegYAP").as_deref(), Some("4383411844046171"));
/// ```
pub fn bid_to_mid(bid: &str) -> Option<String> {
    if bid.is_empty() || bid.len() > 20 || !bid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut groups = Vec::new();
    let mut end = bid.len();
    while end > 0 {
        let start = end.saturating_sub(4);
        groups.push(&bid[start..end]);
        end = start;
    }
    groups.reverse();
    let mut out = String::new();
    for (i, group) in groups.iter().enumerate() {
        let mut n: u64 = 0;
        for c in group.bytes() {
            let digit = B62_ALPHABET.iter().position(|&a| a == c)? as u64;
            n = n * 62 + digit;
        }
        if n >= 10_000_000 {
            return None;
        }
        if i > 0 {
            out.push_str(&format!("{n:07}"));
        } else {
            out.push_str(&n.to_string());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: [(u64, &str); 5] = [
        (1, "BV1xx411c7mQ"),
        (170001, "BV17x411w7KC"),
        (2271112, "BV1es411D7sW"),
        (85440373, "BV117411r7R1"),
        (111298867365120, "BV1L9Uoa9EUx"),
    ];

    #[test]
    fn av_bv_vectors() {
        for (aid, bvid) in VECTORS {
            assert_eq!(aid_to_bvid(aid).as_deref(), Some(bvid), "aid {aid}");
            assert_eq!(bvid_to_aid(bvid), Some(aid), "{bvid}");
        }
        assert_eq!(aid_to_bvid(0), None);
        assert_eq!(aid_to_bvid(MAX_AID), None);
        assert_eq!(bvid_to_aid("BV1xx411c7m"), None);
        assert_eq!(
            bvid_to_aid("BV1xx411c7m0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(
            normalise_bvid("bv1xx411c7mQ").as_deref(),
            Some("BV1xx411c7mQ")
        );
    }

    #[test]
    fn mid_bid_vectors() {
        for (mid, bid) in [
            ("4383411844046171", "HyZVegYAP"),
            ("4383404751066167", "HyZJN4tmf"),
            ("4383183984547669", "HyTZIj53v"),
            ("4383183661430868", "HyTZc60ew"),
        ] {
            assert_eq!(mid_to_bid(mid).as_deref(), Some(bid), "{mid}");
            assert_eq!(bid_to_mid(bid).as_deref(), Some(mid), "{bid}");
        }
        assert_eq!(mid_to_bid("12a"), None);
        assert_eq!(bid_to_mid("Hy-Z"), None);
    }
}

//! Python's `str.encode('idna')` (IDNA 2003: nameprep, then punycode).
//!
//! The `surt` package sends every non-ASCII host through this codec, so its
//! rules (not UTS #46, not IDNA 2008) decide the key: `ß` becomes `ss`, `℡`
//! becomes `tel`, a soft hyphen disappears, and a label that fails makes the
//! caller keep the raw bytes. The mapping, prohibition and bidi tables are
//! generated from Python's `stringprep` module (`tools/gen_nameprep.py`).
//!
//! One known gap: Python normalises with Unicode 3.2 (NFKC), we use the
//! current Unicode tables of `unicode-normalization`. Characters unassigned in
//! 3.2 are passed through untouched as Python does; the remaining differences
//! are the few decomposition corrections made since 3.2.

use unicode_normalization::UnicodeNormalization;

use crate::nameprep_tables::{L, MAP, PROHIBITED, RAND_AL, UNASSIGNED_3_2};

/// Encodes a host name; `None` where Python raises `UnicodeError`.
pub(crate) fn encode(input: &str) -> Option<Vec<u8>> {
    if input.is_empty() {
        return Some(Vec::new());
    }
    if input.is_ascii() {
        let labels: Vec<&str> = input.split('.').collect();
        let (last, init) = labels.split_last()?;
        if init
            .iter()
            .any(|label| label.is_empty() || label.len() >= 64)
            || last.len() >= 64
        {
            return None;
        }
        return Some(input.as_bytes().to_vec());
    }
    let mut labels: Vec<&str> = input
        .split(['.', '\u{3002}', '\u{ff0e}', '\u{ff61}'])
        .collect();
    let trailing_dot = labels.last().is_some_and(|label| label.is_empty());
    if trailing_dot {
        labels.pop();
    }
    let mut out = Vec::with_capacity(input.len() + 8);
    for (i, label) in labels.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        out.extend_from_slice(&to_ascii(label)?);
    }
    if trailing_dot {
        out.push(b'.');
    }
    Some(out)
}

/// RFC 3490 ToASCII with `AllowUnassigned` and without STD3 rules.
fn to_ascii(label: &str) -> Option<Vec<u8>> {
    let valid_len = |len: usize| (1..64).contains(&len);
    if label.is_ascii() {
        return valid_len(label.len()).then(|| label.as_bytes().to_vec());
    }
    let label = nameprep(label)?;
    if label.is_ascii() {
        return valid_len(label.len()).then(|| label.into_bytes());
    }
    if label.starts_with("xn--") {
        return None;
    }
    let mut out = b"xn--".to_vec();
    punycode_encode(&label, &mut out)?;
    valid_len(out.len()).then_some(out)
}

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let cp = u32::from(c);
    ranges
        .binary_search_by(|&(low, high)| {
            if high < cp {
                std::cmp::Ordering::Less
            } else if low > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// RFC 3491 nameprep as Python's `encodings.idna.nameprep`.
fn nameprep(label: &str) -> Option<String> {
    let mut mapped = String::with_capacity(label.len());
    for c in label.chars() {
        match MAP.binary_search_by_key(&u32::from(c), |&(cp, _)| cp) {
            Ok(i) => mapped.push_str(MAP[i].1),
            Err(_) => mapped.push(c),
        }
    }
    // NFKC, leaving code points unassigned in Unicode 3.2 alone: they are
    // starters that never compose, so the text between them normalises
    // independently.
    let mut normalized = String::with_capacity(mapped.len());
    let mut segment_start = 0;
    for (i, c) in mapped.char_indices() {
        if in_ranges(UNASSIGNED_3_2, c) {
            normalized.extend(mapped[segment_start..i].nfkc());
            normalized.push(c);
            segment_start = i + c.len_utf8();
        }
    }
    normalized.extend(mapped[segment_start..].nfkc());

    if normalized.chars().any(|c| in_ranges(PROHIBITED, c)) {
        return None;
    }
    if normalized.chars().any(|c| in_ranges(RAND_AL, c)) {
        let first = normalized
            .chars()
            .next()
            .is_some_and(|c| in_ranges(RAND_AL, c));
        let last = normalized
            .chars()
            .next_back()
            .is_some_and(|c| in_ranges(RAND_AL, c));
        if normalized.chars().any(|c| in_ranges(L, c)) || !first || !last {
            return None;
        }
    }
    Some(normalized)
}

/// RFC 3492 punycode, as Python's `punycode` codec writes it.
fn punycode_encode(input: &str, out: &mut Vec<u8>) -> Option<()> {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    fn adapt(mut delta: u32, num_points: u32, first_time: bool) -> u32 {
        delta /= if first_time { 700 } else { 2 };
        delta += delta / num_points;
        let mut k = 0;
        while delta > ((BASE - T_MIN) * T_MAX) / 2 {
            delta /= BASE - T_MIN;
            k += BASE;
        }
        k + (BASE - T_MIN + 1) * delta / (delta + 38)
    }
    fn digit(d: u32) -> u8 {
        // Only called with d < 36.
        b"abcdefghijklmnopqrstuvwxyz0123456789"[d as usize % 36]
    }
    let code_points: Vec<u32> = input.chars().map(u32::from).collect();
    let basic: Vec<u8> = input.bytes().filter(u8::is_ascii).collect();
    let n_basic = u32::try_from(basic.len()).ok()?;
    out.extend_from_slice(&basic);
    if !basic.is_empty() {
        out.push(b'-');
    }
    let mut n: u32 = 0x80;
    let mut delta: u32 = 0;
    let mut bias: u32 = 72;
    let mut handled = n_basic;
    let total = u32::try_from(code_points.len()).ok()?;
    while handled < total {
        let m = code_points.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in &code_points {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == n_basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn python_idna_codec_examples() {
        let cases: [(&str, Option<&str>); 9] = [
            ("中国.cn", Some("xn--fiqs8s.cn")),
            ("straße.de", Some("strasse.de")),
            ("bücher.example.", Some("xn--bcher-kva.example.")),
            ("ÄÖÜ.de", Some("xn--4ca0bs.de")),
            ("℡.com", Some("tel.com")),
            ("a..中", None),
            ("ab\u{ad}.com", Some("ab.com")),
            ("例え。テスト", Some("xn--r8jz45g.xn--zckzah")),
            ("a\u{200b}.中", Some("a.xn--fiq")),
        ];
        for (input, expected) in cases {
            let got = encode(input).map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
            assert_eq!(got.as_deref(), expected, "input {input:?}");
        }
    }
}

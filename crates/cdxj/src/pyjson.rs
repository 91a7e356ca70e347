//! JSON text exactly as Python's `json.dumps` writes it with default settings.
//!
//! cdxj-indexer serialises each index entry with `json.dumps(dict)`: separators
//! `", "` and `": "`, `ensure_ascii=True` (every character outside `' '..='~'`
//! becomes `\uXXXX` with lower-case hex, astral characters a surrogate pair),
//! short escapes for `\n \r \t \b \f \" \\`, and no escaping of `/`. Only the
//! shapes the index needs are covered: strings, `null`, and flat objects of
//! them. The writers append to a caller's `String` and allocate nothing else.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `value` as a Python-`json.dumps` string literal, quotes included.
///
/// ```
/// let mut out = String::new();
/// annals_cdxj::push_json_str(&mut out, "稿件 \"x\"/\n");
/// assert_eq!(out, r#""\u7a3f\u4ef6 \"x\"/\n""#);
/// ```
pub fn push_json_str(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    let bytes = value.as_bytes();
    let mut clean_from = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\' {
            continue;
        }
        if byte & 0xC0 == 0x80 {
            // UTF-8 continuation byte: handled with its lead byte.
            continue;
        }
        out.push_str(&value[clean_from..i]);
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let c = value[i..].chars().next().unwrap_or('\u{fffd}');
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_u_escape(out, *unit);
                }
                clean_from = i + c.len_utf8();
                continue;
            }
        }
        clean_from = i + 1;
    }
    out.push_str(&value[clean_from..]);
    out.push('"');
}

fn push_u_escape(out: &mut String, unit: u16) {
    let digits = [
        b'\\',
        b'u',
        HEX[usize::from(unit >> 12)],
        HEX[usize::from((unit >> 8) & 15)],
        HEX[usize::from((unit >> 4) & 15)],
        HEX[usize::from(unit & 15)],
    ];
    // The escape is pure ASCII.
    out.extend(digits.iter().map(|&b| char::from(b)));
}

/// Appends a flat JSON object of string (or `null`) values, keys in the given
/// order, exactly as Python's `json.dumps` writes the equivalent `dict`.
///
/// ```
/// let mut out = String::new();
/// annals_cdxj::push_json_object(&mut out, [("url", Some("http://a/é")), ("requestBody", None)]);
/// assert_eq!(out, r#"{"url": "http://a/\u00e9", "requestBody": null}"#);
/// ```
pub fn push_json_object<'a, I>(out: &mut String, pairs: I)
where
    I: IntoIterator<Item = (&'a str, Option<&'a str>)>,
{
    out.push('{');
    for (i, (key, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_json_str(out, key);
        out.push_str(": ");
        match value {
            Some(value) => push_json_str(out, value),
            None => out.push_str("null"),
        }
    }
    out.push('}');
}

/// Python's `json.dumps` of a `dict` of strings, as a new `String`.
///
/// ```
/// assert_eq!(annals_cdxj::dumps_pairs(&[("a", "1"), ("b", "😀")]), r#"{"a": "1", "b": "\ud83d\ude00"}"#);
/// ```
pub fn dumps_pairs(pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(
        16 + pairs
            .iter()
            .map(|(k, v)| k.len() + v.len() + 8)
            .sum::<usize>(),
    );
    push_json_object(
        &mut out,
        pairs.iter().map(|&(key, value)| (key, Some(value))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{dumps_pairs, push_json_str};

    fn quoted(value: &str) -> String {
        let mut out = String::new();
        push_json_str(&mut out, value);
        out
    }

    #[test]
    fn escapes_like_python() {
        assert_eq!(quoted(""), r#""""#);
        assert_eq!(quoted("a/b"), r#""a/b""#);
        assert_eq!(quoted("\u{0}\u{1f}\u{7f}"), r#""\u0000\u001f\u007f""#);
        assert_eq!(quoted("\u{8}\u{c}\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(quoted("\"\\"), r#""\"\\""#);
        assert_eq!(
            quoted("é中\u{ffff}𝄞"),
            r#""\u00e9\u4e2d\uffff\ud834\udd1e""#
        );
    }

    #[test]
    fn cdxj_line_shape() {
        assert_eq!(
            dumps_pairs(&[("url", "https://x/"), ("status", "200")]),
            r#"{"url": "https://x/", "status": "200"}"#
        );
        assert_eq!(dumps_pairs(&[]), "{}");
    }
}

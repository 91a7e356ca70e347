//! Character folding applied before segmentation: traditional → simplified Chinese, full-width
//! ASCII → ASCII, lower case, Latin accents removed.
//!
//! Every rule maps one `char` to one `char`, so the folded text has exactly as many characters as
//! the original and a token's character range in the folded text is its range in the original:
//! highlighting uses the original text unchanged.
//!
//! The traditional → simplified table is OpenCC's `TSCharacters.txt` (Apache-2.0), read from the
//! `hanconv` crate, which embeds it; nothing is downloaded. Where OpenCC lists several simplified
//! candidates (`乾 → 干 乾`) the first, the usual one, is taken. Folding is by character, not by
//! phrase: for search both sides go through the same table, so 網絡 and 网络 meet at 网络 whichever
//! one a document or a query uses.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The traditional → simplified character table, built once (about 4,000 entries).
fn table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::with_capacity(4200);
        for (traditional, simplified) in hanconv::RawDictionary::TSCharacters.iter() {
            if let (Some(from), Some(to)) = (single_char(traditional), single_char(simplified))
                && from != to
            {
                map.insert(from, to);
            }
        }
        map
    })
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Folds one character: traditional → simplified, full-width ASCII (U+FF01..U+FF5E) and the
/// ideographic space → ASCII, then lower case when the lower case is a single character, then
/// Latin accents removed.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let c = table().get(&c).copied().unwrap_or(c);
    let mut lower = c.to_lowercase();
    let c = match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    };
    strip_accent(c)
}

/// The unaccented letter of a lower-case Latin letter with a diacritic (Latin-1, Latin
/// Extended-A, pinyin tone marks), so that jieba, which only joins ASCII letters into words,
/// keeps `café` and `nǐhǎo` whole. Letters that are not one ASCII letter plus marks (`ß`, `æ`,
/// `þ`) are left alone.
fn strip_accent(c: char) -> char {
    match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ǎ' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' | 'ŧ' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => c,
    }
}

/// Folds a whole string, character by character (same number of characters out as in).
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_to_simplified() {
        assert_eq!(fold("網絡審查"), "网络审查");
        assert_eq!(fold("中華人民共和國國歌"), "中华人民共和国国歌");
        assert_eq!(fold("臺灣"), "台湾");
        // Simplified text is unchanged.
        assert_eq!(fold("网络审查"), "网络审查");
    }

    #[test]
    fn width_and_case() {
        assert_eq!(fold("ＡＢＣ１２３"), "abc123");
        assert_eq!(fold("Hello　World"), "hello world");
        assert_eq!(fold("ÉCOLE Nǐ hǎo"), "ecole ni hao");
    }

    #[test]
    fn same_length_in_chars() {
        let text = "İstanbul 網絡 ＡＢＣ 🎉 ß";
        assert_eq!(fold(text).chars().count(), text.chars().count());
    }
}

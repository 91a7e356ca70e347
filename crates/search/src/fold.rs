//! Character folding applied before segmentation: traditional → simplified Chinese, full-width
//! ASCII → ASCII, lower case, Latin accents removed.
//!
//! Every rule maps one character to one character (a phrase of n characters to n characters),
//! so the folded text has exactly as many characters as the original and a token's character
//! range in the folded text is its range in the original: highlighting uses the original text
//! unchanged.
//!
//! The traditional → simplified tables are OpenCC's `TSCharacters.txt` and those phrases of
//! `TSPhrases.txt` whose simplified form has as many characters (Apache-2.0), read from the
//! `hanconv` crate, which embeds them; nothing is downloaded. Where OpenCC lists several simplified
//! candidates (`乾 → 干 乾`) the first, the usual one, is taken. Both documents and queries go
//! through the same tables, so 網絡 and 网络 meet at 网络 whichever one either side uses. The
//! fold of a character may depend on its neighbours (`乾坤` stays, `乾淨` → `干净`), so a query
//! for one character alone can, rarely, fold differently from the same character in a phrase.

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
    fold_char_with(c, true)
}

fn fold_char_with(c: char, simplify: bool) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let c = if simplify {
        table().get(&c).copied().unwrap_or(c)
    } else {
        c
    };
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
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' => {
            'u'
        }
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        _ => c,
    }
}

/// OpenCC's traditional → simplified phrases (`TSPhrases.txt`, about 280) whose simplified form
/// has as many characters, by first character, longest first. They fix what the character table
/// alone cannot: `瞭解` → `了解`, `反覆` → `反复` (`瞭` and `覆` are also simplified characters).
/// Traditional phrase → simplified phrase, as characters.
type Phrase = (Vec<char>, Vec<char>);

fn phrases() -> &'static HashMap<char, Vec<Phrase>> {
    static PHRASES: OnceLock<HashMap<char, Vec<Phrase>>> = OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut map: HashMap<char, Vec<Phrase>> = HashMap::new();
        for (traditional, simplified) in hanconv::RawDictionary::TSPhrases.iter() {
            let from: Vec<char> = traditional.chars().collect();
            let to: Vec<char> = simplified.chars().collect();
            if from.len() == to.len()
                && let Some(&first) = from.first()
            {
                map.entry(first).or_default().push((from, to));
            }
        }
        for candidates in map.values_mut() {
            candidates.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        }
        map
    })
}

/// Folds a whole string: phrases first, then character by character. Always as many characters
/// out as in.
pub fn fold(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let phrases = phrases();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let matched = phrases.get(&c).and_then(|candidates| {
            candidates
                .iter()
                .find(|(from, _)| chars.get(i..i + from.len()) == Some(from.as_slice()))
        });
        match matched {
            Some((from, to)) => {
                out.extend(to.iter().map(|&t| fold_char_with(t, false)));
                i += from.len();
            }
            None => {
                out.push(fold_char(c));
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_to_simplified() {
        assert_eq!(fold("網絡審查"), "网络审查");
        assert_eq!(fold("中華人民共和國國歌"), "中华人民共和国国歌");
        assert_eq!(fold("臺灣"), "台湾");
        // Phrases the character table cannot fold alone.
        assert_eq!(fold("瞭解反覆"), "了解反复");
        assert_eq!(fold("乾坤 乾淨"), "乾坤 干净");
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

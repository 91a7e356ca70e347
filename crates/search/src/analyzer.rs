//! The analyser: text → terms, the same at index and at query time.
//!
//! The chain, in order:
//! 1. **Fold** each character ([`crate::fold`]): traditional → simplified, full-width → ASCII,
//!    lower case, Latin accents removed (`é` → `e`, pinyin `ǎ` → `a`). One character in, one out, so offsets stay those of the original text.
//! 2. **Segment** the folded text with jieba in search mode (`cut_for_search`, HMM on): every
//!    word of the segmentation plus the dictionary words of 2 and 3 characters inside longer ones,
//!    so `国歌` is a term of `中华人民共和国国歌` and so are `中华`, `人民`, `共和国`. Latin words,
//!    numbers and `a-b.c` compounds (whole and parts) come out as jieba splits them. Words of the
//!    user dictionary (folded the same way) are segmented as one word.
//! 3. **Drop** tokens with no letter or digit: whitespace, punctuation, symbols, emoji.
//! 4. **Position** of a token = the number of letters and digits before it. Overlapping search-
//!    mode tokens thus get consistent positions, and a phrase matches across punctuation and
//!    spacing differences but not across another word.
//! 5. **ASCII-fold** what step 1 left (`ß` → `ss`), drop tokens over [`MAX_TOKEN_BYTES`], **stem** English
//!    (Snowball; CJK tokens pass unchanged).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream,
    Tokenizer,
};

use crate::Error;
use crate::fold;

/// Tokens longer than this many bytes are dropped (base64 blobs, long URLs without separators).
pub const MAX_TOKEN_BYTES: usize = 120;

/// The name the analyser is registered under in the index.
pub(crate) const TOKENIZER_NAME: &str = "annals";

/// Segmentation and folding, shared by every clone of the tokenizer (jieba's dictionary takes
/// a few tens of megabytes and a few hundred milliseconds to load, so it is loaded once).
#[derive(Clone)]
pub struct Analyzer {
    jieba: Arc<Jieba>,
    fingerprint: String,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

/// Version of the analyser chain; part of the fingerprint, so a change here asks for a reindex.
const CHAIN_VERSION: u32 = 1;

impl Analyzer {
    /// jieba's built-in dictionary plus, if given, a user dictionary file (see
    /// [`Analyzer::with_user_dict_text`] for its format).
    pub fn new(user_dict: Option<&Path>) -> Result<Analyzer, Error> {
        match user_dict {
            None => Analyzer::with_user_dict_text(None, ""),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| Error::UserDict {
                    path: path.to_owned(),
                    line: 0,
                    message: source.to_string(),
                })?;
                Analyzer::with_user_dict_text(Some(path), &text)
            }
        }
    }

    /// jieba's dictionary plus the entries of `text`, in jieba's user dictionary format: one word
    /// a line, optionally followed by a frequency and a part-of-speech tag, separated by
    /// whitespace (`蛤蛤 1000 n`), or by a tag alone (`蛤蛤 n`). Blank lines and lines starting with `#` are ignored. Without a
    /// frequency, jieba's `suggest_freq` picks one just high enough to keep the word whole.
    /// `path` only names the source in errors.
    pub fn with_user_dict_text(path: Option<&Path>, text: &str) -> Result<Analyzer, Error> {
        let mut jieba = Jieba::new();
        for (idx, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let Some(word) = fields.next() else { continue };
            let second = fields.next();
            let third = fields.next();
            // As in Python jieba: `word`, `word freq`, `word freq tag` or `word tag`.
            let (freq, tag) = match (second, third) {
                (None, _) => (None, None),
                (Some(f), tag) => match f.parse::<usize>() {
                    Ok(freq) => (Some(freq), tag),
                    Err(_) if tag.is_none() && f.chars().all(|c| c.is_ascii_alphabetic()) => {
                        (None, Some(f))
                    }
                    Err(_) => {
                        return Err(Error::UserDict {
                            path: path
                                .map_or_else(|| PathBuf::from("<user dictionary>"), Path::to_owned),
                            line: idx + 1,
                            message: format!(
                                "expected `word [frequency] [tag]`; {f:?} is not a frequency"
                            ),
                        });
                    }
                },
            };
            jieba.add_word(&fold::fold(word), freq, tag);
        }
        Ok(Analyzer {
            jieba: Arc::new(jieba),
            fingerprint: format!(
                "chain-v{CHAIN_VERSION}/dict-{:016x}",
                fnv1a(text.as_bytes())
            ),
        })
    }

    /// Identifies the analysis: the chain's version and a hash of the user dictionary. Stored
    /// with the index, so a shell can tell that the index was built with another dictionary.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The terms of `text` as the index stores them, in token order (for inspection and tests).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.text_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// A segmenter for many texts in a row: [`Analyzer::terms`] without building the chain
    /// again for each text (the deletion report segments a million titles).
    pub fn segmenter(&self) -> Segmenter {
        Segmenter {
            analyzer: self.text_analyzer(),
        }
    }

    /// The full chain as a tantivy analyser.
    pub(crate) fn text_analyzer(&self) -> TextAnalyzer {
        TextAnalyzer::builder(SegmentTokenizer {
            jieba: Arc::clone(&self.jieba),
        })
        .filter(AsciiFoldingFilter)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(Stemmer::new(Language::English))
        .build()
    }
}

/// The analysis chain, built once, for text after text (see [`Analyzer::segmenter`]).
pub struct Segmenter {
    analyzer: TextAnalyzer,
}

impl Segmenter {
    /// The terms of `text`, as [`Analyzer::terms`] gives them.
    pub fn terms(&mut self, text: &str) -> Vec<String> {
        let mut stream = self.analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }
}

/// 64-bit FNV-1a: a stable hash for the fingerprint (std's hasher is not stable across builds).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Steps 1 to 4 of the chain.
#[derive(Clone)]
struct SegmentTokenizer {
    jieba: Arc<Jieba>,
}

impl Tokenizer for SegmentTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: segment(&self.jieba, text),
            next: 0,
            empty: Token::default(),
        }
    }
}

/// Segments `text` into tokens whose offsets are byte offsets into `text` itself.
fn segment(jieba: &Jieba, text: &str) -> Vec<Token> {
    let folded = fold::fold(text);
    // Byte offset in `text` of each character, plus the end.
    let mut char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    char_starts.push(text.len());
    // Letters and digits before each character of the folded text.
    let mut kept_before: Vec<u32> = Vec::with_capacity(char_starts.len());
    let mut kept: u32 = 0;
    for c in folded.chars() {
        kept_before.push(kept);
        if c.is_alphanumeric() {
            kept = kept.saturating_add(1);
        }
    }
    kept_before.push(kept);

    let mut tokens: Vec<Token> = jieba
        .cut_for_search(&folded, true)
        .into_iter()
        .filter(|t| t.word.chars().any(char::is_alphanumeric))
        .filter_map(|t| {
            Some(Token {
                offset_from: *char_starts.get(t.start)?,
                offset_to: *char_starts.get(t.end)?,
                position: *kept_before.get(t.start)? as usize,
                text: t.word.to_owned(),
                position_length: 1,
            })
        })
        .collect();
    // Offsets must not go backwards (tantivy's snippet code subtracts them), and each term's
    // positions must grow: order by start, then by length.
    tokens.sort_by_key(|t| (t.offset_from, t.offset_to));
    tokens
}

/// A token stream over tokens computed up front.
struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
    /// Returned by `token()` before the first `advance()` or on an empty stream.
    empty: Token,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.tokens
            .get(self.next.wrapping_sub(1))
            .unwrap_or(&self.empty)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.tokens.get_mut(self.next.wrapping_sub(1)) {
            Some(token) => token,
            None => &mut self.empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        Analyzer::new(None).unwrap()
    }

    #[test]
    fn two_character_words_inside_long_ones() {
        let terms = analyzer().terms("中华人民共和国国歌");
        assert!(terms.contains(&"国歌".to_string()), "{terms:?}");
        assert!(terms.contains(&"人民".to_string()), "{terms:?}");
        assert!(terms.contains(&"中华人民共和国".to_string()), "{terms:?}");
    }

    #[test]
    fn punctuation_and_space_dropped() {
        let terms = analyzer().terms("微博热搜：人工智能，大模型！ 「测试」 ... 🎉");
        for t in &terms {
            assert!(t.chars().any(char::is_alphanumeric), "{t:?} in {terms:?}");
        }
        assert!(terms.contains(&"人工智能".to_string()), "{terms:?}");
    }

    #[test]
    fn traditional_folds_to_simplified() {
        let a = analyzer();
        assert_eq!(a.terms("網絡審查"), a.terms("网络审查"));
    }

    #[test]
    fn english_lowercased_folded_stemmed() {
        let terms = analyzer().terms("Running CENSORSHIP Café");
        assert_eq!(terms, ["run", "censorship", "cafe"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "「網絡」Hello";
        let mut ta = analyzer().text_analyzer();
        let mut stream = ta.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let t = stream.token();
            seen.push(text[t.offset_from..t.offset_to].to_string());
        }
        assert!(seen.contains(&"網絡".to_string()), "{seen:?}");
        assert!(seen.contains(&"Hello".to_string()), "{seen:?}");
    }

    #[test]
    fn positions_skip_punctuation() {
        let mut ta = analyzer().text_analyzer();
        let mut stream = ta.token_stream("hello, world");
        let mut positions = Vec::new();
        while stream.advance() {
            positions.push((stream.token().text.clone(), stream.token().position));
        }
        assert_eq!(positions, [("hello".into(), 0), ("world".into(), 5)]);
    }

    #[test]
    fn user_dictionary_errors_name_the_line() {
        let err = Analyzer::with_user_dict_text(None, "好词 12\n坏词 12x\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn empty_and_odd_input() {
        let a = analyzer();
        assert!(a.terms("").is_empty());
        assert!(a.terms("   \n\t，。！").is_empty());
        let _ = a.terms("\u{0}\u{FFFF}\u{10FFFF}a\u{301}");
    }
}

//! annals' full-text search: a [tantivy] index of every content version of every watched item,
//! with Chinese segmentation, English stemming and traditional/simplified folding.
//!
//! # Brief overview
//! - [`SearchIndex`]: opens (or creates) the index in a directory, or in memory; searches it.
//! - [`SearchWriter`]: the single writer: [`add`](SearchWriter::add) an [`IndexedVersion`],
//!   [`set_state`](SearchWriter::set_state) of an item, delete, [`commit`](SearchWriter::commit)
//!   with watermarks.
//! - [`Query`] → [`Results`] of [`Hit`]s with HTML snippets and the item's current state.
//! - [`SearchIndex::daily_counts`]: how many items match a [`Query`] on each day, from the index
//!   alone (trends over millions of versions).
//! - [`Analyzer`]: the text analysis, shared by indexing and querying.
//! - [`text_from_html`], [`parse_time`], [`escape_html`]: helpers for the shells.
//!
//! # What is indexed
//! One document per content version (`add`), keyed by `(item_id, version)`: adding the same key
//! again replaces it, so replaying versions is harmless. Analysed fields (searchable by words and
//! phrases, and stored for snippets): `title`, `text`, `author`, `comments` (one value per
//! comment). Exact fields: `platform`, `list` (one value per watch list), `url`, `item`,
//! `version`. Dates (seconds precision): `published`, `observed` and `date` (the publication
//! time, or the observation time when the platform gives none; [`Query::since`]/[`Query::until`]
//! filter on it).
//!
//! A hit is a version: an item with several matching versions appears once for each (the shell
//! may group them by `item_id`).
//!
//! An item's current state is a separate small document per item (`set_state`): a state change
//! (an item deleted, restored) replaces that document alone and never re-analyses the item's
//! texts. The state filter ([`Query::state`]) first collects the items in that state, then
//! restricts the search to them; hits carry the state and `gone_since` read from it.
//!
//! # The analyser chain
//! Fold each character (traditional → simplified with OpenCC's character table, full-width →
//! ASCII, lower case) → segment with jieba in search mode plus the user dictionary (so `国歌` is
//! found in `中华人民共和国国歌`) → drop tokens without a letter or digit (punctuation, spaces,
//! emoji) → position = letters and digits before the token (phrases ignore punctuation) →
//! ASCII-fold → drop tokens over 120 bytes → English Snowball stemmer. The same chain analyses
//! queries, so `網絡` finds `网络` and `Running` finds `run`. Details in [`analyzer`].
//!
//! # Query syntax
//! tantivy's: words (all required by default), `"a phrase"`, `AND`, `OR`, `NOT` / `-word`,
//! parentheses, `field:value` for the fields above (`title:审查`, `author:"某人"`,
//! `platform:weibo`, `list:news`), ranges on dates: `published:[2020-01-01 TO 2021-01-01]`,
//! `observed:>=2020-06-01`, `date:2020-01-30` (that day). Plain dates mean midnight UTC; full RFC
//! 3339 times work too. A query that does not parse is an [`Error::Query`] whose message is meant
//! for the user. The item state is not part of the syntax: it is the [`Query::state`] option.
//!
//! # Watermarks: keeping up, and catching up after a crash
//! The index is derived data: `annals reindex` rebuilds it ([`SearchWriter::clear`], add every
//! version and state, commit), and while `annals run` works the shell feeds it new versions and
//! state changes. To resume after a crash the shell names its own monotonic positions, e.g.
//! `"versions"` (the highest content-version row id given to `add`) and `"events"` (the highest
//! timeline event id given to `set_state`), and sets them with
//! [`SearchWriter::set_watermark`] before [`SearchWriter::commit`]. **Contract:** a commit
//! stores the documents and the watermarks in one atomic step (tantivy's commit payload), so
//! after any crash [`SearchIndex::watermark`] is a position up to which everything is indexed;
//! the shell re-sends everything after it. Changes after the last commit are lost with the
//! process, and re-sending is idempotent (`add` replaces by key; `set_state` replaces the item's
//! state), so a lagging watermark costs time, never correctness. The commit also records the
//! analyser's [fingerprint](Analyzer::fingerprint); [`SearchIndex::needs_rebuild`] says when the
//! user dictionary (or the chain) changed since.
//!
//! # Example
//! ```
//! use annals_search::{IndexedVersion, Query, SearchConfig, SearchIndex};
//! let index = SearchIndex::open_in_ram(&SearchConfig::default())?;
//! let mut writer = index.writer()?;
//! writer.add(&IndexedVersion {
//!     item_id: 1,
//!     version: "sha256:aa".into(),
//!     platform: "weibo".into(),
//!     title: Some("中华人民共和国国歌".into()),
//!     observed_at: 1_580_377_255,
//!     ..IndexedVersion::default()
//! })?;
//! writer.set_watermark("versions", 1);
//! writer.commit()?;
//! let results = index.search(&Query::new("国歌"))?;
//! assert_eq!(results.total, 1);
//! assert_eq!(results.hits[0].title_html, "中华人民共和国<mark>国歌</mark>");
//! assert_eq!(index.watermark("versions")?, Some(1));
//! # Ok::<(), annals_search::Error>(())
//! ```
#![deny(missing_docs)]

pub use analyzer::{Analyzer, MAX_TOKEN_BYTES};
pub use error::Error;
pub use html::text_from_html;
pub use index::{IndexedVersion, SearchConfig, SearchIndex, SearchWriter, parse_time};
pub use search::{
    DEFAULT_LIMIT, Hit, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_BYTES, Query, Results, escape_html,
};

pub mod analyzer;
mod daily;
mod error;
pub mod fold;
mod html;
mod index;
mod schema;
mod search;
pub mod upkeep;

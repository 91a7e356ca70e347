//! The index schema: one document per content version, one per item state.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::TOKENIZER_NAME;

/// `kind` of a content-version document.
pub(crate) const KIND_VERSION: &str = "version";
/// `kind` of an item-state document.
pub(crate) const KIND_STATE: &str = "state";

/// Field handles, looked up once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub kind: Field,
    pub key: Field,
    pub item: Field,
    pub version: Field,
    pub platform: Field,
    pub list: Field,
    pub url: Field,
    pub title: Field,
    pub text: Field,
    pub author: Field,
    pub comments: Field,
    pub published: Field,
    pub observed: Field,
    pub date: Field,
    pub state: Field,
    pub state_name: Field,
    pub gone_since: Field,
}

/// Names a user may write before `:` in a query.
pub(crate) const QUERY_FIELDS: &[&str] = &[
    "title",
    "text",
    "author",
    "comments",
    "platform",
    "list",
    "url",
    "item",
    "version",
    "published",
    "observed",
    "date",
];

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let date = DateOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast()
        .set_precision(DateTimePrecision::Seconds);
    let item = NumericOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast();
    let fields = Fields {
        kind: b.add_text_field("kind", STRING),
        key: b.add_text_field("key", STRING),
        item: b.add_i64_field("item", item),
        version: b.add_text_field("version", STRING | STORED),
        platform: b.add_text_field("platform", STRING | STORED),
        list: b.add_text_field("list", STRING | STORED),
        url: b.add_text_field("url", STRING | STORED),
        title: b.add_text_field("title", analysed.clone()),
        text: b.add_text_field("text", analysed.clone()),
        author: b.add_text_field("author", analysed.clone()),
        comments: b.add_text_field("comments", analysed),
        published: b.add_date_field("published", date.clone()),
        observed: b.add_date_field("observed", date.clone()),
        date: b.add_date_field("date", date.clone()),
        // On state documents only; `_`-prefixed so the query syntax does not offer them (the
        // state filter is a search option).
        state: b.add_text_field("_state", STRING),
        state_name: b.add_text_field("_state_name", STORED),
        gone_since: b.add_date_field("_gone_since", DateOptions::default().set_stored()),
    };
    (b.build(), fields)
}

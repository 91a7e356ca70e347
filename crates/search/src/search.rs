//! Searching: the query, its filters, hits with highlighted snippets and the item's state.

use std::collections::{HashMap, HashSet};
use std::ops::{Bound, Range};
use std::sync::Arc;

use annals_model::State;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, DocSetCollector, FilterCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, Query as TantivyQuery, QueryParser,
    QueryParserError, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::Error;
use crate::index::{SearchIndex, date_time, state_terms, stored_secs};
use crate::schema::{KIND_VERSION, QUERY_FIELDS};

/// Hits per page when [`Query::limit`] is 0.
pub const DEFAULT_LIMIT: usize = 20;
/// The most hits one page may ask for.
pub const MAX_LIMIT: usize = 1000;
/// The deepest offset a query may ask for (deep pages cost as much as all pages before them).
pub const MAX_OFFSET: usize = 100_000;
/// The longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 4096;
/// Snippet length, in bytes of text (about 100 Chinese characters).
const SNIPPET_BYTES: usize = 300;

/// A search: the user's query text plus the filters a shell offers as options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// The query in tantivy's syntax over the analysed fields; empty matches every version
    /// (then hits come newest first). See the crate docs for the syntax.
    pub text: String,
    /// Only items on this watch list.
    pub list: Option<String>,
    /// Only items whose current state is this: a state name (`gone:author_deleted`, `live`, …),
    /// a family (`gone`), or `disappeared` (any [`State::is_disappearance`] state).
    pub state: Option<String>,
    /// Only this platform (`bilibili`, `zhihu`, `weibo`, `web`, `feed`).
    pub platform: Option<String>,
    /// Only versions dated at or after this (seconds; the date is the publication time, or the
    /// observation time when the platform gives none).
    pub since: Option<i64>,
    /// Only versions dated before this (seconds, same date).
    pub until: Option<i64>,
    /// Hits per page: 0 means [`DEFAULT_LIMIT`]; at most [`MAX_LIMIT`].
    pub limit: usize,
    /// Hits to skip (pagination); at most [`MAX_OFFSET`].
    pub offset: usize,
}

impl Query {
    /// A query for `text` with no filters and the default page.
    pub fn new(text: impl Into<String>) -> Query {
        Query {
            text: text.into(),
            ..Query::default()
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// How many versions match in all.
    pub total: usize,
    /// The offset this page starts at.
    pub offset: usize,
    /// The page: best first (newest first for an empty query text).
    pub hits: Vec<Hit>,
}

/// One matching content version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The item's row id.
    pub item_id: i64,
    /// The version (content hash) that matched.
    pub version: String,
    /// Platform name.
    pub platform: String,
    /// Watch lists.
    pub lists: Vec<String>,
    /// Canonical URL.
    pub url: String,
    /// Title as indexed.
    pub title: Option<String>,
    /// The title, HTML-escaped, with matches in `<mark>`; empty without a title.
    pub title_html: String,
    /// Author as indexed.
    pub author: Option<String>,
    /// About 100 characters of the text around its best match (or of a comment, when only the
    /// comments match; or the start of the text, when only the title or author does),
    /// HTML-escaped, with matches in `<mark>`; `…` marks a cut. The start of the text for an
    /// empty query text.
    pub snippet_html: String,
    /// Publication time (seconds).
    pub published_at: Option<i64>,
    /// When this version was first observed (seconds).
    pub observed_at: i64,
    /// The item's current state, if one was recorded.
    pub state: Option<State>,
    /// When the item was first seen gone (seconds), for a disappearance.
    pub gone_since: Option<i64>,
    /// Relevance (BM25; 0 for an empty query text).
    pub score: f32,
}

impl SearchIndex {
    /// Runs a query. A query the parser does not accept is an [`Error::Query`] with a message for
    /// the user, never a panic.
    pub fn search(&self, query: &Query) -> Result<Results, Error> {
        let searcher = self.reader.searcher();
        let text = query.text.trim();
        let (full, user_query, in_state) = self.filtered_query(&searcher, query)?;

        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let offset = query.offset.min(MAX_OFFSET);
        let page = TopDocs::with_limit(limit).and_offset(offset);
        let (total, ranked): (usize, Vec<(f32, DocAddress)>) = if text.is_empty() {
            let (total, docs) = search_in(
                &searcher,
                &full,
                in_state.as_ref(),
                (
                    Count,
                    page.order_by_fast_field::<DateTime>("date", Order::Desc),
                ),
            )
            .map_err(|s| self.tantivy(s))?;
            (total, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
        } else {
            search_in(
                &searcher,
                &full,
                in_state.as_ref(),
                (Count, page.order_by_score()),
            )
            .map_err(|s| self.tantivy(s))?
        };

        let snippets = if text.is_empty() {
            None
        } else {
            Some(Snippets::new(&*user_query, self))
        };
        let mut hits = Vec::with_capacity(ranked.len());
        for (score, address) in ranked {
            let doc: TantivyDocument = searcher.doc(address).map_err(|s| self.tantivy(s))?;
            hits.push(self.hit(&searcher, &doc, score, snippets.as_ref())?);
        }
        Ok(Results {
            total,
            offset,
            hits,
        })
    }

    /// The user's query with every filter of `query` (kind, platform, list, dates, state), the
    /// user's query alone (for snippets), and the items in the wanted state when there are too
    /// many for a term filter: then the caller filters matches by their `item` fast field (see
    /// [`search_in`]).
    pub(crate) fn filtered_query(
        &self,
        searcher: &Searcher,
        query: &Query,
    ) -> Result<Filtered, Error> {
        let f = &self.fields;
        let text = query.text.trim();
        if text.len() > MAX_QUERY_BYTES {
            return Err(Error::Query {
                query: query.text.clone(),
                message: format!("too long ({} bytes; at most {MAX_QUERY_BYTES})", text.len()),
            });
        }
        let user_query: Box<dyn TantivyQuery> = if text.is_empty() {
            Box::new(AllQuery)
        } else {
            self.parse_user_query(text)?
        };

        let mut in_state = None;
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![
            (Occur::Must, user_query.box_clone()),
            (
                Occur::Must,
                term_query(Term::from_field_text(f.kind, KIND_VERSION)),
            ),
        ];
        if let Some(platform) = non_empty(&query.platform) {
            let platform = platform.to_lowercase();
            clauses.push((
                Occur::Must,
                term_query(Term::from_field_text(f.platform, &platform)),
            ));
        }
        if let Some(list) = non_empty(&query.list) {
            clauses.push((Occur::Must, term_query(Term::from_field_text(f.list, list))));
        }
        if query.since.is_some() || query.until.is_some() {
            let lower = query.since.map_or(Bound::Unbounded, |s| {
                Bound::Included(Term::from_field_date(f.date, date_time(s)))
            });
            let upper = query.until.map_or(Bound::Unbounded, |s| {
                Bound::Excluded(Term::from_field_date(f.date, date_time(s)))
            });
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        if let Some(state) = non_empty(&query.state) {
            let state = state.to_lowercase();
            check_state_filter(&query.text, &state)?;
            let items = self.items_in_state(searcher, &state)?;
            if items.is_empty() {
                clauses.push((Occur::Must, Box::new(EmptyQuery)));
            } else if items.len() <= MAX_TERM_FILTER_ITEMS {
                clauses.push((
                    Occur::Must,
                    Box::new(TermSetQuery::new(
                        items.into_iter().map(|id| Term::from_field_i64(f.item, id)),
                    )),
                ));
            } else {
                in_state = Some(Arc::new(items.into_iter().collect()));
            }
        }
        Ok((BooleanQuery::new(clauses), user_query, in_state))
    }

    fn parse_user_query(&self, text: &str) -> Result<Box<dyn TantivyQuery>, Error> {
        let f = &self.fields;
        let mut parser =
            QueryParser::for_index(&self.index, vec![f.title, f.text, f.author, f.comments]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 2.0);
        let rewritten = expand_dates(text);
        match parser.parse_query(&rewritten) {
            Ok(q) => Ok(everything_but(lift_negations(q))),
            // `NOT x` alone: everything but x.
            Err(QueryParserError::AllButQueryForbidden) => parser
                .parse_query(&format!("* {rewritten}"))
                .map(lift_negations)
                .map_err(|e| query_error(text, e)),
            Err(e) => Err(query_error(text, e)),
        }
    }

    /// Item ids whose state document carries `state`.
    fn items_in_state(&self, searcher: &Searcher, state: &str) -> Result<Vec<i64>, Error> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.state, state),
            IndexRecordOption::Basic,
        );
        let addresses = searcher
            .search(&query, &DocSetCollector)
            .map_err(|s| self.tantivy(s))?;
        let mut by_segment: HashMap<u32, Vec<u32>> = HashMap::new();
        for a in addresses {
            by_segment.entry(a.segment_ord).or_default().push(a.doc_id);
        }
        let mut ids = Vec::new();
        for (segment, docs) in by_segment {
            let column = searcher
                .segment_reader(segment)
                .fast_fields()
                .i64("item")
                .map_err(|s| self.tantivy(s))?;
            ids.extend(docs.into_iter().filter_map(|d| column.first(d)));
        }
        Ok(ids)
    }

    /// The item's state document: state and gone-since.
    fn item_state(
        &self,
        searcher: &Searcher,
        item_id: i64,
    ) -> Result<(Option<State>, Option<i64>), Error> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.key, &format!("s/{item_id}")),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|s| self.tantivy(s))?;
        let Some((_, address)) = top.first() else {
            return Ok((None, None));
        };
        let doc: TantivyDocument = searcher.doc(*address).map_err(|s| self.tantivy(s))?;
        let state = doc
            .get_first(self.fields.state_name)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<State>().ok());
        Ok((state, stored_secs(&doc, self.fields.gone_since)))
    }

    fn hit(
        &self,
        searcher: &Searcher,
        doc: &TantivyDocument,
        score: f32,
        snippets: Option<&Snippets>,
    ) -> Result<Hit, Error> {
        let f = &self.fields;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let item_id = doc.get_first(f.item).and_then(|v| v.as_i64()).unwrap_or(0);
        let title = text_of(f.title);
        let body = text_of(f.text);
        let comments: Vec<&str> = doc.get_all(f.comments).filter_map(|v| v.as_str()).collect();
        let (title_html, snippet_html) = match snippets {
            Some(s) => (
                title.as_deref().map_or_else(String::new, |t| s.title(t)),
                s.body(body.as_deref().unwrap_or(""), &comments),
            ),
            None => (
                title.as_deref().map_or_else(String::new, escape_html),
                lead(body.as_deref().unwrap_or("")),
            ),
        };
        let (state, gone_since) = self.item_state(searcher, item_id)?;
        Ok(Hit {
            item_id,
            version: text_of(f.version).unwrap_or_default(),
            platform: text_of(f.platform).unwrap_or_default(),
            lists: doc
                .get_all(f.list)
                .filter_map(|v| v.as_str())
                .map(str::to_owned)
                .collect(),
            url: text_of(f.url).unwrap_or_default(),
            title,
            title_html,
            author: text_of(f.author),
            snippet_html,
            published_at: stored_secs(doc, f.published),
            observed_at: stored_secs(doc, f.observed).unwrap_or(0),
            state,
            gone_since,
            score,
        })
    }
}

/// Items in a state, when a state filter is applied to matches rather than in the query.
pub(crate) type ItemSet = Arc<HashSet<i64>>;

/// What [`SearchIndex::filtered_query`] returns: the full query, the user's query alone, and
/// the items a state filter keeps when it is applied to matches.
pub(crate) type Filtered = (BooleanQuery, Box<dyn TantivyQuery>, Option<ItemSet>);

/// Up to this many items in the wanted state, the state filter is a term set in the query; more
/// (50,000 gone items among a million) and looking each term up costs more than checking every
/// match's `item` fast field against a hash set.
const MAX_TERM_FILTER_ITEMS: usize = 1024;

/// Runs `collector` over the matches of `query`, keeping only the items of `items` if given.
fn search_in<C: Collector>(
    searcher: &Searcher,
    query: &dyn TantivyQuery,
    items: Option<&ItemSet>,
    collector: C,
) -> tantivy::Result<C::Fruit> {
    match items {
        None => searcher.search(query, &collector),
        Some(items) => {
            let items = Arc::clone(items);
            searcher.search(
                query,
                &FilterCollector::new(
                    "item".to_owned(),
                    move |id: i64| items.contains(&id),
                    collector,
                ),
            )
        }
    }
}

/// tantivy parses `a AND NOT b` as `a AND (NOT b)`, and a group of exclusions alone matches
/// nothing; a user means `a` without `b`. Such required groups are merged into their parent.
fn lift_negations(query: Box<dyn TantivyQuery>) -> Box<dyn TantivyQuery> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    for (occur, sub) in boolean.clauses() {
        let sub = lift_negations(sub.box_clone());
        let only_exclusions = sub.downcast_ref::<BooleanQuery>().is_some_and(|b| {
            !b.clauses().is_empty() && b.clauses().iter().all(|(o, _)| *o == Occur::MustNot)
        });
        match sub.downcast_ref::<BooleanQuery>() {
            Some(group) if *occur == Occur::Must && only_exclusions => {
                clauses.extend(group.clauses().iter().map(|(o, q)| (*o, q.box_clone())));
            }
            _ => clauses.push((*occur, sub)),
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

/// `NOT x` alone parses to a query with only excluded clauses, which matches nothing; a user
/// means "everything but x".
fn everything_but(query: Box<dyn TantivyQuery>) -> Box<dyn TantivyQuery> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let clauses = boolean.clauses();
    if clauses.is_empty() || clauses.iter().any(|(occur, _)| *occur != Occur::MustNot) {
        return query;
    }
    let mut with_all: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![(Occur::Must, Box::new(AllQuery))];
    with_all.extend(clauses.iter().map(|(occur, q)| (*occur, q.box_clone())));
    Box::new(BooleanQuery::new(with_all))
}

fn term_query(term: Term) -> Box<dyn TantivyQuery> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Refuses a state filter that no state can satisfy, so a typo is not silently "no results".
fn check_state_filter(query: &str, state: &str) -> Result<(), Error> {
    let known = State::ALL
        .into_iter()
        .flat_map(state_terms)
        .any(|t| t == state);
    if known {
        Ok(())
    } else {
        let mut names: Vec<&str> = State::ALL.into_iter().flat_map(state_terms).collect();
        names.sort_unstable();
        names.dedup();
        Err(Error::Query {
            query: query.to_owned(),
            message: format!("unknown state {state:?} (one of: {})", names.join(", ")),
        })
    }
}

fn query_error(query: &str, error: QueryParserError) -> Error {
    let message = match error {
        QueryParserError::FieldDoesNotExist(field) => {
            let hint = if field == "state" {
                "; filter by state with the state option (--state)"
            } else {
                ""
            };
            format!(
                "unknown field {field:?} (fields: {}){hint}",
                QUERY_FIELDS.join(", ")
            )
        }
        QueryParserError::SyntaxError(detail) => format!(
            "syntax error ({detail}); write words, \"a phrase\", AND / OR / NOT, field:value, \
             published:[2020-01-01 TO 2021-01-01]"
        ),
        QueryParserError::DateFormatError(_) => {
            "expected a date such as 2020-01-30 or 2020-01-30T09:40:55Z".to_owned()
        }
        other => other.to_string(),
    };
    Error::Query {
        query: query.to_owned(),
        message,
    }
}

/// The date fields of the query syntax.
const DATE_FIELDS: &[&str] = &["published", "observed", "date"];

/// Lets users write plain dates for the date fields: `published:2020-01-30` becomes that day
/// (`[2020-01-30T00:00:00Z TO 2020-01-31T00:00:00Z}`), and a date inside a range or after `>`,
/// `>=`, `<`, `<=` becomes midnight UTC. Everything else is left as written.
pub(crate) fn expand_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while !rest.is_empty() {
        let Some((start, field)) = next_date_field(rest) else {
            out.push_str(rest);
            break;
        };
        let value_start = start + field.len() + 1;
        out.push_str(&rest[..value_start]);
        let value = &rest[value_start..];
        let consumed = if value.starts_with('[') || value.starts_with('{') {
            let end = value.find([']', '}']).map_or(value.len(), |i| i + 1);
            out.push_str(&midnight_dates(&value[..end]));
            end
        } else if value.starts_with(['>', '<']) {
            let end = value
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(value.len());
            out.push_str(&midnight_dates(&value[..end]));
            end
        } else {
            let end = value
                .find(|c: char| c.is_whitespace() || c == ')')
                .unwrap_or(value.len());
            match day_range(&value[..end]) {
                Some(range) => out.push_str(&range),
                None => out.push_str(&value[..end]),
            }
            end
        };
        rest = &value[consumed..];
    }
    out
}

/// The first `published:` (etc.) at a word start in `text`: its byte offset and the field name.
fn next_date_field(text: &str) -> Option<(usize, &'static str)> {
    let mut best: Option<(usize, &'static str)> = None;
    for field in DATE_FIELDS {
        let pattern = format!("{field}:");
        let mut from = 0;
        while let Some(i) = text[from..].find(&pattern) {
            let at = from + i;
            let at_word_start = text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '+' | '-'));
            if at_word_start {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, field));
                }
                break;
            }
            from = at + pattern.len();
        }
    }
    best
}

/// Whether `s` starts with `YYYY-MM-DD`.
fn is_date_at(s: &[u8]) -> bool {
    s.len() >= 10
        && s[..4].iter().all(u8::is_ascii_digit)
        && s[4] == b'-'
        && s[5..7].iter().all(u8::is_ascii_digit)
        && s[7] == b'-'
        && s[8..10].iter().all(u8::is_ascii_digit)
}

/// Appends `T00:00:00Z` to every bare `YYYY-MM-DD` in `s`.
fn midnight_dates(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 20);
    let mut i = 0;
    while i < bytes.len() {
        let preceded_by_digit = i > 0 && bytes[i - 1].is_ascii_digit();
        if !preceded_by_digit && is_date_at(&bytes[i..]) {
            out.push_str(&s[i..i + 10]);
            if bytes.get(i + 10) != Some(&b'T') {
                out.push_str("T00:00:00Z");
            }
            i += 10;
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8().max(1);
        }
    }
    out
}

/// `YYYY-MM-DD` alone → the range of that day.
fn day_range(value: &str) -> Option<String> {
    if value.len() != 10 || !is_date_at(value.as_bytes()) {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(value, &format).ok()?;
    let next = day.next_day()?;
    let next = next.format(&format).ok()?;
    Some(format!("[{value}T00:00:00Z TO {next}T00:00:00Z}}"))
}

/// Snippet makers for one query: the analyser and the query's terms in each field.
struct Snippets {
    title: FieldSnippets,
    text: FieldSnippets,
    comments: FieldSnippets,
}

/// The query's terms in one field, and the analyser that finds them in a stored text.
struct FieldSnippets {
    analyzer: TextAnalyzer,
    terms: HashSet<String>,
}

impl FieldSnippets {
    /// The byte ranges of `text` whose analysed token is one of the query's terms, merged.
    fn marks(&self, text: &str) -> Vec<Range<usize>> {
        if self.terms.is_empty() {
            return Vec::new();
        }
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut marks = Vec::new();
        while stream.advance() {
            let token = stream.token();
            if self.terms.contains(&token.text) && token.offset_from < token.offset_to {
                marks.push(token.offset_from..token.offset_to);
            }
        }
        tantivy::snippet::collapse_overlapped_ranges(&marks)
    }

    /// A fragment of about [`SNIPPET_BYTES`] of `source` with the most matches, starting a little
    /// before the first of them, as HTML; `None` if no query term is in `source`. Long texts are
    /// cut to a window around the first literal occurrence of a term before analysis, so a page of
    /// long articles does not cost a full segmentation of each.
    fn snippet(&self, source: &str) -> Option<String> {
        let (start, text) = window(source, &self.terms).unwrap_or((0, source));
        let marks = self.marks(text);
        let lead_in = SNIPPET_BYTES / 4;
        // The fragment starting `lead_in` before mark `i` that holds the most marks.
        let mut best: Option<(usize, usize)> = None; // (count, index of first mark)
        let mut last = 0;
        for (i, mark) in marks.iter().enumerate() {
            let end = mark.start.saturating_sub(lead_in) + SNIPPET_BYTES;
            last = last.max(i);
            while last + 1 < marks.len() && marks[last + 1].end <= end {
                last += 1;
            }
            let count = last + 1 - i;
            if best.is_none_or(|(c, _)| count > c) {
                best = Some((count, i));
            }
        }
        let (_, first) = best?;
        let from = floor_boundary(text, marks[first].start.saturating_sub(lead_in));
        let mut to = ceil_boundary(text, from + SNIPPET_BYTES);
        let inside: Vec<&Range<usize>> = marks
            .iter()
            .filter(|m| m.start >= from && m.start < to)
            .collect();
        if let Some(m) = inside.last() {
            to = to.max(m.end);
        }
        let mut html = String::with_capacity(to - from + 64);
        if start + from > 0 {
            html.push('…');
        }
        let mut at = from;
        for mark in inside {
            html.push_str(&escape_html(text.get(at..mark.start).unwrap_or("")));
            html.push_str("<mark>");
            html.push_str(&escape_html(text.get(mark.start..mark.end).unwrap_or("")));
            html.push_str("</mark>");
            at = mark.end;
        }
        html.push_str(&escape_html(text.get(at..to).unwrap_or("")));
        if start + to < source.len() {
            html.push('…');
        }
        Some(html)
    }

    /// The whole `text` as HTML with the query's terms in `<mark>`.
    fn whole(&self, text: &str) -> String {
        let mut html = String::with_capacity(text.len() + 32);
        let mut at = 0;
        for mark in self.marks(text) {
            html.push_str(&escape_html(text.get(at..mark.start).unwrap_or("")));
            html.push_str("<mark>");
            html.push_str(&escape_html(text.get(mark.start..mark.end).unwrap_or("")));
            html.push_str("</mark>");
            at = mark.end;
        }
        html.push_str(&escape_html(text.get(at..).unwrap_or("")));
        html
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Texts shorter than this are analysed whole for their snippet.
const WINDOW_MIN_BYTES: usize = 4 * SNIPPET_BYTES;

/// `(byte offset, slice)` of `text` around the first occurrence of one of `terms` (found in the
/// folded text; terms are folded too). `None` when the text is short or no term occurs literally
/// (a stemmed English term): then the whole text is analysed.
fn window<'a>(text: &'a str, terms: &HashSet<String>) -> Option<(usize, &'a str)> {
    if text.len() <= WINDOW_MIN_BYTES {
        return None;
    }
    let folded = crate::fold::fold(text);
    let first = terms.iter().filter_map(|t| folded.find(t.as_str())).min()?;
    let char_index = folded.get(..first)?.chars().count();
    let at = text.char_indices().nth(char_index).map(|(b, _)| b)?;
    let from = floor_boundary(text, at.saturating_sub(SNIPPET_BYTES));
    let to = ceil_boundary(text, at + 2 * SNIPPET_BYTES);
    Some((from, text.get(from..to)?))
}

impl Snippets {
    fn new(query: &dyn TantivyQuery, index: &SearchIndex) -> Snippets {
        let f = &index.fields;
        let make = |field| {
            let mut terms = HashSet::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field
                    && let Some(text) = term.value().as_str()
                {
                    terms.insert(text.to_owned());
                }
            });
            FieldSnippets {
                analyzer: index.analyzer.text_analyzer(),
                terms,
            }
        };
        Snippets {
            title: make(f.title),
            text: make(f.text),
            comments: make(f.comments),
        }
    }

    fn title(&self, title: &str) -> String {
        self.title.whole(title)
    }

    fn body(&self, text: &str, comments: &[&str]) -> String {
        if let Some(html) = self.text.snippet(text) {
            return html;
        }
        comments
            .iter()
            .find_map(|c| self.comments.snippet(c))
            .unwrap_or_else(|| lead(text))
    }
}

/// The start of a text, escaped, when nothing in it matched.
fn lead(text: &str) -> String {
    let mut end = text.len().min(SNIPPET_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut html = escape_html(text[..end].trim());
    if end < text.len() {
        html.push('…');
    }
    html
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_expand() {
        assert_eq!(
            expand_dates("网络 published:2020-01-30"),
            "网络 published:[2020-01-30T00:00:00Z TO 2020-01-31T00:00:00Z}"
        );
        assert_eq!(
            expand_dates("published:[2020-01-01 TO 2021-01-01] x"),
            "published:[2020-01-01T00:00:00Z TO 2021-01-01T00:00:00Z] x"
        );
        assert_eq!(
            expand_dates("(observed:>=2020-01-01)"),
            "(observed:>=2020-01-01T00:00:00Z)"
        );
        assert_eq!(
            expand_dates("date:[2020-01-01T08:00:00Z TO *]"),
            "date:[2020-01-01T08:00:00Z TO *]"
        );
        // Not a date field, or not at a word start: unchanged.
        assert_eq!(expand_dates("title:2020-01-01"), "title:2020-01-01");
        assert_eq!(
            expand_dates("unpublished:2020-01-01"),
            "unpublished:2020-01-01"
        );
        assert_eq!(expand_dates("published:"), "published:");
        assert_eq!(
            expand_dates("published:[2020-01-01 TO"),
            "published:[2020-01-01T00:00:00Z TO"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn lead_cuts_on_char_boundary() {
        let text = "网".repeat(200);
        let html = lead(&text);
        assert!(html.ends_with('…'));
        assert_eq!(html.chars().count(), 101);
    }
}

//! Opening the index, writing to it, and the watermarks committed with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use annals_model::State;
use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::schema::Value;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::Error;
use crate::analyzer::{Analyzer, TOKENIZER_NAME};
use crate::schema::{self, Fields, KIND_STATE, KIND_VERSION};

/// tantivy's minimum indexing memory per thread (15 MB).
const MEMORY_BUDGET_NUM_BYTES_MIN: usize = 15_000_000;

/// How to open an index.
#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// A jieba user dictionary (`word [freq] [tag]` a line) for platform slang and coded terms;
    /// in the data directory by convention. Changing it changes
    /// [`SearchIndex::needs_rebuild`]: documents indexed before keep their old segmentation.
    pub user_dict: Option<PathBuf>,
    /// Indexing threads (tantivy segments built in parallel). Default: the machine's cores,
    /// at most 4.
    pub writer_threads: usize,
    /// Total indexing memory before a segment is flushed, in bytes (at least 15 MB a thread).
    pub writer_memory_bytes: usize,
    /// Background merges run at once (at least 1). Each merge holds the merged segments'
    /// dictionaries and buffers; tantivy's default of 4 made the heap rise in steps as merges
    /// of growing segments overlapped.
    pub merge_threads: usize,
    /// Segments with this many documents or more are no longer merged (tantivy's
    /// `LogMergePolicy::set_max_docs_before_merge`): a merge never rewrites the whole index, so
    /// its memory does not grow with it. An index of N documents keeps about N / this many
    /// large segments, each searched in turn.
    pub max_docs_before_merge: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            user_dict: None,
            writer_threads: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, 4),
            writer_memory_bytes: 128 << 20,
            merge_threads: 1,
            max_docs_before_merge: 300_000,
        }
    }
}

/// One content version of an item, as indexed. Times are seconds since the epoch (see
/// [`parse_time`] for text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedVersion {
    /// The item's row id in the store.
    pub item_id: i64,
    /// Identifies the version among the item's versions: the store's content hash
    /// (`sha256:…`). Adding the same `(item_id, version)` again replaces the document.
    pub version: String,
    /// `bilibili`, `zhihu`, `weibo`, `web`, `feed`.
    pub platform: String,
    /// The watch lists the item is on.
    pub lists: Vec<String>,
    /// The canonical URL.
    pub url: String,
    /// Title, if any.
    pub title: Option<String>,
    /// Body as plain text (convert HTML bodies first, e.g. with [`crate::text_from_html`]).
    pub text: Option<String>,
    /// Author's display name.
    pub author: Option<String>,
    /// Comments' texts, one string each.
    pub comments: Vec<String>,
    /// Publication time, when the platform gives one.
    pub published_at: Option<i64>,
    /// When annals first saw this version.
    pub observed_at: i64,
}

/// The commit payload: what a shell needs to resume, and what the index was built with.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CommitData {
    format: u32,
    analyzer: String,
    watermarks: BTreeMap<String, i64>,
}

const COMMIT_FORMAT: u32 = 1;

/// A search index: a tantivy index plus the analyser it was opened with. Cheap to clone; clones
/// share the index, its reader and the analyser.
#[derive(Clone)]
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) analyzer: Analyzer,
    pub(crate) path: PathBuf,
    config: SearchConfig,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.path)
            .field("analyzer", &self.analyzer)
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index if needed.
    ///
    /// Fails with [`Error::Incompatible`] if `dir` holds an index with another schema.
    pub fn open(dir: &Path, config: &SearchConfig) -> Result<SearchIndex, Error> {
        let analyzer = Analyzer::new(config.user_dict.as_deref())?;
        std::fs::create_dir_all(dir).map_err(|e| Error::Open {
            path: dir.to_owned(),
            message: e.to_string(),
        })?;
        let directory = MmapDirectory::open(dir).map_err(|e| Error::Open {
            path: dir.to_owned(),
            message: e.to_string(),
        })?;
        let (schema, fields) = schema::build();
        let index = Index::open_or_create(directory, schema).map_err(|e| match e {
            tantivy::TantivyError::SchemaError(message) => Error::Incompatible {
                path: dir.to_owned(),
                message,
            },
            source => Error::Tantivy {
                path: dir.to_owned(),
                source,
            },
        })?;
        SearchIndex::finish(
            index,
            fields,
            analyzer,
            dir.to_owned(),
            config,
            ReloadPolicy::OnCommitWithDelay,
        )
    }

    /// An index in memory (tests, previews).
    pub fn open_in_ram(config: &SearchConfig) -> Result<SearchIndex, Error> {
        let analyzer = Analyzer::new(config.user_dict.as_deref())?;
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        SearchIndex::finish(
            index,
            fields,
            analyzer,
            PathBuf::from("<memory>"),
            config,
            ReloadPolicy::Manual,
        )
    }

    fn finish(
        index: Index,
        fields: Fields,
        analyzer: Analyzer,
        path: PathBuf,
        config: &SearchConfig,
        reload: ReloadPolicy,
    ) -> Result<SearchIndex, Error> {
        index
            .tokenizers()
            .register(TOKENIZER_NAME, analyzer.text_analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(reload)
            .try_into()
            .map_err(|source| Error::Tantivy {
                path: path.clone(),
                source,
            })?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            analyzer,
            path,
            config: config.clone(),
        })
    }

    /// Makes searches see the last commit now. Commits through this index's writer are seen at
    /// once anyway; commits by another process (the daemon, while a web shell searches) are
    /// picked up by an on-disk index within about a second, or at this call.
    pub fn reload(&self) -> Result<(), Error> {
        self.reader.reload().map_err(|s| self.tantivy(s))
    }

    /// The analyser (to inspect how a text is segmented).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Where the index lives (`<memory>` for [`SearchIndex::open_in_ram`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the single writer. Another writer on the same directory, in this process or another,
    /// makes this fail (tantivy's lock file) until it is dropped.
    pub fn writer(&self) -> Result<SearchWriter, Error> {
        let threads = self.config.writer_threads.clamp(1, 8);
        let per_thread =
            (self.config.writer_memory_bytes / threads).max(MEMORY_BUDGET_NUM_BYTES_MIN);
        let options = tantivy::indexer::IndexWriterOptions::builder()
            .num_worker_threads(threads)
            .memory_budget_per_thread(per_thread)
            .num_merge_threads(self.config.merge_threads.clamp(1, 8))
            .build();
        let writer = self
            .index
            .writer_with_options(options)
            .map_err(|source| self.tantivy(source))?;
        let mut policy = tantivy::indexer::LogMergePolicy::default();
        policy.set_max_docs_before_merge(self.config.max_docs_before_merge.max(1));
        writer.set_merge_policy(Box::new(policy));
        let data = self.commit_data()?;
        Ok(SearchWriter {
            index: self.clone(),
            writer,
            watermarks: data.watermarks,
        })
    }

    /// The watermark `name` as of the last commit (see the crate docs for the contract).
    pub fn watermark(&self, name: &str) -> Result<Option<i64>, Error> {
        Ok(self.commit_data()?.watermarks.get(name).copied())
    }

    /// Every watermark as of the last commit.
    pub fn watermarks(&self) -> Result<BTreeMap<String, i64>, Error> {
        Ok(self.commit_data()?.watermarks)
    }

    /// The analyser fingerprint of the last commit (`None` before the first commit).
    pub fn built_with(&self) -> Result<Option<String>, Error> {
        let data = self.commit_data()?;
        Ok((!data.analyzer.is_empty()).then_some(data.analyzer))
    }

    /// Whether documents in the index were analysed differently from what this analyser would
    /// do (another user dictionary, another analyser version): a reason to rebuild.
    pub fn needs_rebuild(&self) -> Result<bool, Error> {
        Ok(self
            .built_with()?
            .is_some_and(|f| f != self.analyzer.fingerprint()))
    }

    /// Number of content versions indexed, as of the last commit.
    pub fn num_versions(&self) -> Result<u64, Error> {
        let searcher = self.reader.searcher();
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.kind, KIND_VERSION),
            tantivy::schema::IndexRecordOption::Basic,
        );
        searcher
            .search(&query, &tantivy::collector::Count)
            .map(|n| n as u64)
            .map_err(|source| self.tantivy(source))
    }

    /// Number of segments searches go through, as of the last reload (a measure of the merge
    /// policy: each is searched in turn).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    fn commit_data(&self) -> Result<CommitData, Error> {
        let metas = self.index.load_metas().map_err(|s| self.tantivy(s))?;
        match metas.payload {
            None => Ok(CommitData::default()),
            Some(text) => {
                let data: CommitData =
                    serde_json::from_str(&text).map_err(|e| Error::CommitData {
                        path: self.path.clone(),
                        message: e.to_string(),
                    })?;
                if data.format > COMMIT_FORMAT {
                    return Err(Error::Incompatible {
                        path: self.path.clone(),
                        message: format!("commit data format {}", data.format),
                    });
                }
                Ok(data)
            }
        }
    }

    pub(crate) fn tantivy(&self, source: tantivy::TantivyError) -> Error {
        Error::Tantivy {
            path: self.path.clone(),
            source,
        }
    }
}

/// The index's single writer. Changes become visible to searches, and durable, at
/// [`SearchWriter::commit`]; dropping the writer without committing discards them.
pub struct SearchWriter {
    index: SearchIndex,
    writer: IndexWriter<TantivyDocument>,
    watermarks: BTreeMap<String, i64>,
}

impl std::fmt::Debug for SearchWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchWriter")
            .field("index", &self.index.path)
            .field("watermarks", &self.watermarks)
            .finish()
    }
}

impl SearchWriter {
    /// Adds (or replaces) one content version.
    pub fn add(&mut self, version: &IndexedVersion) -> Result<(), Error> {
        let key = version_key(version.item_id, &version.version);
        self.writer
            .delete_term(Term::from_field_text(self.index.fields.key, &key));
        self.add_document(version, &key)
    }

    /// Adds one content version the caller knows is not in the index: each version once into
    /// an empty index (a rebuild after [`SearchWriter::clear`]). Unlike [`SearchWriter::add`]
    /// it queues no delete of an older copy, and the writer keeps a delete operation in memory
    /// until the commit (hundreds of bytes each): a rebuild of millions of versions stays small.
    /// Adding the same version twice this way indexes it twice.
    pub fn add_new(&mut self, version: &IndexedVersion) -> Result<(), Error> {
        let key = version_key(version.item_id, &version.version);
        self.add_document(version, &key)
    }

    fn add_document(&mut self, version: &IndexedVersion, key: &str) -> Result<(), Error> {
        let f = &self.index.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.kind, KIND_VERSION);
        doc.add_text(f.key, key);
        doc.add_i64(f.item, version.item_id);
        doc.add_text(f.version, &version.version);
        doc.add_text(f.platform, &version.platform);
        for list in &version.lists {
            doc.add_text(f.list, list);
        }
        doc.add_text(f.url, &version.url);
        for (field, value) in [
            (f.title, &version.title),
            (f.text, &version.text),
            (f.author, &version.author),
        ] {
            if let Some(value) = value {
                doc.add_text(field, value);
            }
        }
        for comment in &version.comments {
            doc.add_text(f.comments, comment);
        }
        if let Some(published) = version.published_at {
            doc.add_date(f.published, date_time(published));
        }
        doc.add_date(f.observed, date_time(version.observed_at));
        doc.add_date(
            f.date,
            date_time(version.published_at.unwrap_or(version.observed_at)),
        );
        self.writer
            .add_document(doc)
            .map_err(|s| self.index.tantivy(s))?;
        Ok(())
    }

    /// Records an item's current state, replacing the previous one. Only a small state document
    /// is written: the item's versions are not re-analysed. `gone_since` is when the item was
    /// first seen gone (the timeline's `first_seen_gone`), for disappearance states.
    pub fn set_state(
        &mut self,
        item_id: i64,
        state: State,
        gone_since: Option<i64>,
    ) -> Result<(), Error> {
        let f = &self.index.fields;
        let key = state_key(item_id);
        self.writer.delete_term(Term::from_field_text(f.key, &key));
        let mut doc = TantivyDocument::new();
        doc.add_text(f.kind, KIND_STATE);
        doc.add_text(f.key, &key);
        doc.add_i64(f.item, item_id);
        for term in state_terms(state) {
            doc.add_text(f.state, term);
        }
        doc.add_text(f.state_name, state.as_str());
        if let Some(since) = gone_since {
            doc.add_date(f.gone_since, date_time(since));
        }
        self.writer
            .add_document(doc)
            .map_err(|s| self.index.tantivy(s))?;
        Ok(())
    }

    /// Removes one version of an item.
    pub fn delete_version(&mut self, item_id: i64, version: &str) {
        let key = version_key(item_id, version);
        self.writer
            .delete_term(Term::from_field_text(self.index.fields.key, &key));
    }

    /// Removes an item: all its versions and its state.
    pub fn delete_item(&mut self, item_id: i64) {
        self.writer
            .delete_term(Term::from_field_i64(self.index.fields.item, item_id));
    }

    /// Removes every document and forgets every watermark (the start of a rebuild). Like every
    /// change, it takes effect at the next commit.
    pub fn clear(&mut self) -> Result<(), Error> {
        self.writer
            .delete_all_documents()
            .map_err(|s| self.index.tantivy(s))?;
        self.watermarks.clear();
        Ok(())
    }

    /// Sets watermark `name` to `value`; it is stored by the next commit, atomically with the
    /// documents added before it.
    pub fn set_watermark(&mut self, name: &str, value: i64) {
        self.watermarks.insert(name.to_owned(), value);
    }

    /// The watermark `name` as this writer will commit it.
    pub fn watermark(&self, name: &str) -> Option<i64> {
        self.watermarks.get(name).copied()
    }

    /// Makes every change so far durable and visible to searches, together with the watermarks.
    pub fn commit(&mut self) -> Result<(), Error> {
        let data = CommitData {
            format: COMMIT_FORMAT,
            analyzer: self.index.analyzer.fingerprint().to_owned(),
            watermarks: self.watermarks.clone(),
        };
        let payload = serde_json::to_string(&data).map_err(|e| Error::CommitData {
            path: self.index.path.clone(),
            message: e.to_string(),
        })?;
        let mut prepared = self
            .writer
            .prepare_commit()
            .map_err(|s| self.index.tantivy(s))?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(|s| self.index.tantivy(s))?;
        self.index
            .reader
            .reload()
            .map_err(|s| self.index.tantivy(s))?;
        release_free_heap();
        Ok(())
    }

    /// Discards every change since the last commit (watermarks included).
    pub fn rollback(&mut self) -> Result<(), Error> {
        self.writer.rollback().map_err(|s| self.index.tantivy(s))?;
        self.watermarks = self.index.commit_data()?.watermarks;
        Ok(())
    }

    /// Commits, then waits for background merges to finish (end of a rebuild).
    pub fn finish(mut self) -> Result<(), Error> {
        self.commit()?;
        let SearchWriter { index, writer, .. } = self;
        writer
            .wait_merging_threads()
            .map_err(|s| index.tantivy(s))?;
        index.reader.reload().map_err(|s| index.tantivy(s))
    }
}

/// Hands the heap's free pages back to the system after a commit: the segments' indexing
/// buffers (up to `writer_memory_bytes`, allocated by tantivy's indexing threads) were just
/// freed, and glibc keeps freed memory in each thread's arena, below the arena's top, resident
/// until asked. Without it the heap while indexing 1,000,000 posts ended anywhere between 386
/// and 466 MB from run to run; with it, 217–258 MB at 250,000 to 1,000,000 posts (`annals bench
/// search`). Other C libraries are not asked.
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn version_key(item_id: i64, version: &str) -> String {
    format!("v/{item_id}/{version}")
}

fn state_key(item_id: i64) -> String {
    format!("s/{item_id}")
}

/// The terms a state is found by: its name, its family (`gone` for every `gone:*`), and
/// `disappeared` for every [`State::is_disappearance`] state.
pub(crate) fn state_terms(state: State) -> Vec<&'static str> {
    let name = state.as_str();
    let mut terms = vec![name];
    if let Some((family, _)) = name.split_once(':') {
        terms.push(family);
    }
    if state.is_disappearance() {
        terms.push("disappeared");
    }
    terms
}

/// Parses a time as annals writes them: RFC 3339 (`2020-01-30T09:40:55Z`, any offset), a date
/// (`2020-01-30`, midnight UTC) or seconds since the epoch; returns seconds since the epoch.
pub fn parse_time(text: &str) -> Result<i64, Error> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<i64>() {
        return Ok(secs);
    }
    if let Ok(t) = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
    {
        return Ok(t.unix_timestamp());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(text, &date_format) {
        return Ok(d.midnight().assume_utc().unix_timestamp());
    }
    Err(Error::Time(text.to_owned()))
}

/// Seconds → tantivy's date, clamped to what it can hold (nanoseconds in an i64: years 1678 to
/// 2262), so that no input overflows.
pub(crate) fn date_time(secs: i64) -> DateTime {
    const LIMIT: i64 = i64::MAX / 1_000_000_000;
    DateTime::from_timestamp_secs(secs.clamp(-LIMIT, LIMIT))
}

/// Reads a stored date field as seconds.
pub(crate) fn stored_secs(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<i64> {
    doc.get_first(field)
        .and_then(|v| v.as_datetime())
        .map(|d| d.into_timestamp_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("0").unwrap(), 0);
        assert_eq!(parse_time("2020-01-30T09:40:55Z").unwrap(), 1580377255);
        assert_eq!(parse_time("2020-01-30T17:40:55+08:00").unwrap(), 1580377255);
        assert_eq!(parse_time("2020-01-30").unwrap(), 1580342400);
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn state_terms_include_family() {
        use annals_model::GoneReason;
        assert_eq!(
            state_terms(State::Gone(GoneReason::AuthorDeleted)),
            ["gone:author_deleted", "gone", "disappeared"]
        );
        assert_eq!(state_terms(State::Live), ["live"]);
    }
}

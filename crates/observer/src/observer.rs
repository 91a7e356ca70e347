//! [`Observer`]: an archive plus the observer's settings and clock.

use std::collections::HashMap;
use std::sync::Arc;

use annals_archive::Archive;
use annals_model::{Item, State};
use annals_platforms::{ItemRef, Kind, Platform};
use annals_store::{Due, ObserverBatch, Store, WatchRow};
use annals_timeline::Timeline;
use serde::Serialize;

use crate::derive::{apply, load_timeline};
use crate::records::{ITEM_FIELD, OwnedResponse, WATCH_URN, WatchControl, WatchRecord};
use crate::table::{ROW_URN, TableRow};
use crate::{Clock, FileConfig, ObserverError};

/// The observer over one data directory.
#[derive(Debug)]
pub struct Observer {
    pub(crate) archive: Archive,
    pub(crate) config: FileConfig,
    pub(crate) clock: Arc<dyn Clock>,
}

/// What `watch` did with one input.
#[derive(Debug, Clone, Serialize)]
pub struct WatchOutcome {
    /// The input as given.
    pub input: String,
    /// Canonical URL, when the input was understood.
    pub url: Option<String>,
    /// Platform.
    pub platform: Option<String>,
    /// Item row id.
    pub item_id: Option<i64>,
    /// Whether it is newly watched.
    pub added: bool,
    /// Why it was not added.
    pub error: Option<String>,
}

/// What a catch-up derived.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CatchUpReport {
    /// Watch records applied.
    pub watches: u64,
    /// Observations derived.
    pub observations: u64,
    /// Events derived.
    pub events: u64,
    /// Records read.
    pub records: u64,
}

/// The rate-limit key of an item: the platform, or a web page's host.
pub fn host_key(item: &ItemRef) -> String {
    match item.platform {
        Platform::Web => item
            .canonical_url
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(rest))
            .unwrap_or(&item.canonical_url)
            .to_ascii_lowercase(),
        p => p.as_str().to_string(),
    }
}

/// The kind name of an item.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Video => "video",
        Kind::Question => "question",
        Kind::Answer => "answer",
        Kind::Post => "post",
        Kind::User => "user",
        Kind::Page => "page",
        Kind::Feed => "feed",
        _ => "other",
    }
}

/// The item reference of a queue entry.
pub fn item_ref(due: &Due) -> Result<ItemRef, String> {
    ItemRef::from_item(&Item {
        id: Some(due.item_id),
        platform: due.platform.clone(),
        native_id: due.native_id.clone(),
        canonical_url: due.canonical_url.clone(),
    })
    .map_err(|e| e.to_string())
}

/// A watch row for an item reference.
pub fn watch_row(item: &ItemRef, list: &str, policy: &str, seed: bool, at: i64) -> WatchRow {
    WatchRow {
        platform: item.platform.as_str().to_string(),
        native_id: item.native_id.clone(),
        canonical_url: item.canonical_url.clone(),
        kind: kind_name(item.kind).to_string(),
        list: list.to_string(),
        policy: policy.to_string(),
        host: host_key(item),
        seed,
        parent_id: None,
        added_at: at,
    }
}

/// An item as `apply_row` needs it.
struct ItemKey {
    item_id: i64,
}

/// The items of one table import, kept from chunk to chunk ([`Observer::import_rows_in`]): an
/// item met in an earlier chunk is neither looked up nor read back from the store again, as
/// `catch_up` keeps its items for a whole `annals reindex` (the same rows result). Nothing else
/// writes the queue rows during an import, which holds the data directory's lock; should a
/// catch-up derive new records first, the session starts over. Bounded: past
/// [`RowImport::MAX_ITEMS`] items it is emptied and refilled from the store.
#[derive(Default)]
pub struct RowImport {
    ids: HashMap<String, i64>,
    items: HashMap<i64, (Due, Timeline)>,
}

impl RowImport {
    /// Items kept at most (each with its parsed timeline: 25,000 items of the bench's table
    /// with their timelines' text too raised the import's peak RSS by about 55 MB).
    pub const MAX_ITEMS: usize = 50_000;

    fn clear(&mut self) {
        self.ids.clear();
        self.items.clear();
    }
}

impl std::fmt::Debug for RowImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowImport")
            .field("items", &self.items.len())
            .finish()
    }
}

/// A group of response records forming one observation, while catching up.
struct Group {
    item_url: String,
    first_id: String,
    at: i64,
    responses: Vec<OwnedResponse>,
}

impl Observer {
    /// An observer over `archive`, with settings and clock.
    pub fn new(archive: Archive, config: FileConfig, clock: Arc<dyn Clock>) -> Observer {
        Observer {
            archive,
            config,
            clock,
        }
    }

    /// The archive.
    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// The archive, mutably.
    pub fn archive_mut(&mut self) -> &mut Archive {
        &mut self.archive
    }

    /// Gives the archive back.
    pub fn into_archive(self) -> Archive {
        self.archive
    }

    /// The settings.
    pub fn config(&self) -> &FileConfig {
        &self.config
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn store(&self) -> &dyn Store {
        self.archive.store()
    }

    /// Watches `inputs` (URLs or ids) in `list` with `policy` (default: the list's). Inputs no
    /// adapter understands are reported, not fatal; an http(s) URL no platform claims is a web
    /// page (or feed).
    pub async fn watch(
        &mut self,
        inputs: &[String],
        list: &str,
        policy: Option<&str>,
        seed: bool,
    ) -> Result<Vec<WatchOutcome>, ObserverError> {
        if let Some(p) = policy {
            annals_schedule::Policy::named(p)
                .map(|_| ())
                .or_else(|_| {
                    if self.config.lists.contains_key(p) {
                        Ok(())
                    } else {
                        Err(ObserverError::Config(format!(
                            "unknown policy {p:?}: use default, hot, daily, or a list defined in annals.toml"
                        )))
                    }
                })?;
        }
        // An explicit policy, else the one last set for the list, else annals.toml's.
        let policy = match policy {
            Some(p) => p.to_string(),
            None => match self.store().list_policy(list).await? {
                Some(p) => p,
                None => self.config.list_policy(list),
            },
        };
        // In chunks: memory stays flat however long the list is.
        let mut outcomes = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(2000) {
            outcomes.extend(self.watch_chunk(chunk, list, &policy, seed).await?);
        }
        Ok(outcomes)
    }

    async fn watch_chunk(
        &mut self,
        inputs: &[String],
        list: &str,
        policy: &str,
        seed: bool,
    ) -> Result<Vec<WatchOutcome>, ObserverError> {
        let now = self.clock.now();
        let mut outcomes = Vec::new();
        let mut records = Vec::new();
        let mut rows = Vec::new();
        for input in inputs {
            match ItemRef::parse(input) {
                Ok(item) => {
                    let row = watch_row(&item, list, policy, seed, now);
                    records.push(WatchRecord::from_row(&row, None).to_warc());
                    outcomes.push(WatchOutcome {
                        input: input.clone(),
                        url: Some(item.canonical_url.clone()),
                        platform: Some(row.platform.clone()),
                        item_id: None,
                        added: false,
                        error: None,
                    });
                    rows.push(row);
                }
                Err(e) => outcomes.push(WatchOutcome {
                    input: input.clone(),
                    url: None,
                    platform: None,
                    item_id: None,
                    added: false,
                    error: Some(e.to_string()),
                }),
            }
        }
        if records.is_empty() {
            return Ok(outcomes);
        }
        // Derive everything archived before, so that the watermark can then jump over the
        // records written here, whose rows are added directly. A crash in between only makes
        // the next catch-up add them again, which changes nothing.
        self.catch_up(None).await?;
        self.archive.append_records(records).await?;
        let added = self.store().watch_add(&rows, now).await?;
        let to = self.store().max_capture_id().await?;
        self.store()
            .commit_observed(&ObserverBatch {
                derived_to: Some(to),
                ..ObserverBatch::default()
            })
            .await?;
        let mut results = added.into_iter();
        for o in outcomes.iter_mut().filter(|o| o.url.is_some()) {
            if let Some((id, new)) = results.next() {
                o.item_id = Some(id);
                o.added = new;
            }
        }
        Ok(outcomes)
    }

    /// Pauses (or resumes) items: a control record is archived (so `annals reindex` restores
    /// it), then the queue rows change. Returns how many items it named.
    pub async fn set_paused(
        &mut self,
        item_ids: &[i64],
        paused: bool,
    ) -> Result<u64, ObserverError> {
        let mut urls = Vec::with_capacity(item_ids.len());
        for id in item_ids {
            if let Some(i) = self
                .store()
                .watch_find(&id.to_string())
                .await?
                .filter(|i| i.item_id == *id)
            {
                urls.push(i.url);
            }
        }
        if urls.is_empty() {
            return Ok(0);
        }
        let control = WatchControl::paused(urls, paused, self.clock.now());
        self.archive_control(&control).await
    }

    /// Sets the policy of every item of a watchlist (`default`, `hot`, `daily` or a list
    /// defined in annals.toml), archived as a control record. Returns the items it covers.
    pub async fn set_list_policy(
        &mut self,
        list: &str,
        policy: &str,
    ) -> Result<u64, ObserverError> {
        self.check_policy(policy)?;
        let control = WatchControl::policy(list, policy, self.clock.now());
        self.archive_control(&control).await
    }

    fn check_policy(&self, p: &str) -> Result<(), ObserverError> {
        annals_schedule::Policy::named(p).map(|_| ()).or_else(|_| {
            if self.config.lists.contains_key(p) {
                Ok(())
            } else {
                Err(ObserverError::Config(format!(
                    "unknown policy {p:?}: use default, hot, daily, or a list defined in annals.toml"
                )))
            }
        })
    }

    /// Archives a control record and applies it, as `watch` does with watch requests.
    async fn archive_control(&mut self, control: &WatchControl) -> Result<u64, ObserverError> {
        self.catch_up(None).await?;
        self.archive.append_records(vec![control.to_warc()]).await?;
        let n = self.apply_control(control, &mut HashMap::new()).await?;
        let to = self.store().max_capture_id().await?;
        self.store()
            .commit_observed(&ObserverBatch {
                derived_to: Some(to),
                ..ObserverBatch::default()
            })
            .await?;
        Ok(n)
    }

    /// Applies a control record to the queue rows (and to catch-up's cached rows).
    async fn apply_control(
        &self,
        control: &WatchControl,
        cache: &mut HashMap<i64, (Due, Timeline)>,
    ) -> Result<u64, ObserverError> {
        match control.action.as_str() {
            "pause" | "resume" => {
                let ids: Vec<i64> = self
                    .store()
                    .watch_find_ids(&control.items)
                    .await?
                    .into_iter()
                    .flatten()
                    .collect();
                self.store()
                    .set_paused(&ids, control.action == "pause")
                    .await?;
                Ok(ids.len() as u64)
            }
            "policy" => {
                let (Some(list), Some(policy)) = (&control.list, &control.policy) else {
                    return Ok(0);
                };
                for (due, _) in cache.values_mut() {
                    if &due.list == list {
                        due.policy = policy.clone();
                    }
                }
                Ok(self.store().set_list_policy(list, policy).await?)
            }
            _ => Ok(0),
        }
    }

    /// Imports mapped table rows: archives each as a `resource` record (fsynced, indexed and
    /// in the ledger), then derives its item, observation and events like any archived record.
    /// Call it with chunks of a few thousand rows: each chunk is archived and derived before
    /// the call returns.
    pub async fn import_rows(&mut self, rows: &[TableRow]) -> Result<CatchUpReport, ObserverError> {
        self.import_rows_in(rows, &mut RowImport::default()).await
    }

    /// [`Observer::import_rows`] for one chunk of a longer import: `session` keeps the items
    /// met so far, so later chunks only look up and read back the items new to them.
    pub async fn import_rows_in(
        &mut self,
        rows: &[TableRow],
        session: &mut RowImport,
    ) -> Result<CatchUpReport, ObserverError> {
        if rows.is_empty() {
            return Ok(CatchUpReport::default());
        }
        // Derive everything archived before, so that the watermark can then jump over the rows
        // archived here, which are derived from memory (as `catch_up` would derive them from
        // their records). A crash in between only leaves them to the next catch-up.
        if self.catch_up(None).await?.records > 0 {
            session.clear();
        }
        if session.items.len() > RowImport::MAX_ITEMS {
            session.clear();
        }
        let records = crate::table::row_records(rows);
        let captures = self
            .archive
            .append_records_at_level(records, crate::table::ROW_GZIP_LEVEL)
            .await?;
        let mut report = CatchUpReport {
            records: captures.len() as u64,
            ..CatchUpReport::default()
        };
        let mut batch = ObserverBatch::default();
        self.row_items(rows, session, &mut report).await?;
        let RowImport { ids, items } = session;
        for (row, c) in rows.iter().zip(&captures) {
            let rid = c.record_id.trim_matches(['<', '>']).to_string();
            self.apply_row(row, &rid, items, ids, &mut batch, &mut report)
                .await?;
        }
        batch.derived_to = Some(self.store().max_capture_id().await?);
        self.store().commit_observed(&batch).await?;
        Ok(report)
    }

    /// The items of a chunk of rows, found or added in a few statements: each row's item
    /// (as `apply_row` would find or add it) with its queue state and timeline.
    async fn row_items(
        &mut self,
        rows: &[TableRow],
        session: &mut RowImport,
        report: &mut CatchUpReport,
    ) -> Result<(), ObserverError> {
        let mut urls: Vec<String> = Vec::new();
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            if session
                .ids
                .get(row.url.as_str())
                .is_some_and(|id| session.items.contains_key(id))
            {
                continue;
            }
            if !first.contains_key(row.url.as_str()) {
                first.insert(row.url.as_str(), i);
                urls.push(row.url.clone());
            }
        }
        let found = self.store().watch_find_ids(&urls).await?;
        let mut by_url: HashMap<String, i64> = HashMap::with_capacity(urls.len());
        let mut missing: Vec<&TableRow> = Vec::new();
        for (url, id) in urls.iter().zip(found) {
            match id {
                Some(id) => {
                    by_url.insert(url.clone(), id);
                }
                None => missing.push(&rows[first[url.as_str()]]),
            }
        }
        if !missing.is_empty() {
            let watch: Vec<WatchRow> = missing.iter().map(|r| r.watch_row()).collect();
            let added = self.store().watch_add(&watch, i64::MAX).await?;
            report.watches += missing.len() as u64;
            for (row, (id, _)) in missing.iter().zip(added) {
                by_url.insert(row.url.clone(), id);
            }
        }
        let item_ids: Vec<i64> = {
            let mut v: Vec<i64> = by_url
                .values()
                .copied()
                .filter(|id| !session.items.contains_key(id))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let once = annals_timeline::Config {
            confirmations: 1,
            min_span_secs: 0,
        };
        if !item_ids.is_empty() {
            for mut due in self.store().due_items(&item_ids).await? {
                // Kept parsed only: the text would double what each cached item holds.
                let t = load_timeline(due.timeline.take().as_deref(), once);
                session.items.insert(due.item_id, (due, t));
            }
        }
        session.ids.extend(by_url);
        Ok(())
    }

    /// Derives watch rows, observations and events from every record archived since the last
    /// derivation (all of them after `annals reindex`). `progress` gets (done, total) records.
    pub async fn catch_up(
        &mut self,
        progress: Option<&(dyn Fn(u64, u64) + Sync)>,
    ) -> Result<CatchUpReport, ObserverError> {
        let mut report = CatchUpReport::default();
        let start = self.store().derived_to().await?;
        let end = self.store().max_capture_id().await?;
        if end <= start {
            return Ok(report);
        }
        let backoff = self.config.observer.backoff;
        let confirmations = self.config.observer.timeline();
        let mut after = start;
        let mut group: Option<Group> = None;
        let mut cache: HashMap<i64, (Due, Timeline)> = HashMap::new();
        let mut ids: HashMap<String, i64> = HashMap::new();
        let mut batch = ObserverBatch::default();
        let mut watches: Vec<(WatchRow, i64)> = Vec::new();
        loop {
            let page = self.store().captures_after(after, 2000).await?;
            let Some(last) = page.last().map(|(id, _)| *id) else {
                break;
            };
            for (_, c) in &page {
                report.records += 1;
                let is_watch = c.record_type == "resource"
                    && c.url.as_deref().is_some_and(|u| u.starts_with(WATCH_URN));
                let is_row = c.record_type == "resource"
                    && c.url.as_deref().is_some_and(|u| u.starts_with(ROW_URN));
                if is_row {
                    let record = self.archive.read_record(c)?;
                    if let Some(row) = TableRow::from_block(&record.block) {
                        // The group before it is complete (rows never join one).
                        self.finish_group(
                            group.take(),
                            &mut cache,
                            &mut batch,
                            &mut report,
                            &backoff,
                            confirmations,
                        )
                        .await?;
                        self.add_watches(&mut watches).await?;
                        let rid = c.record_id.trim_matches(['<', '>']).to_string();
                        self.apply_row(&row, &rid, &mut cache, &mut ids, &mut batch, &mut report)
                            .await?;
                    }
                    continue;
                }
                let is_response = matches!(c.record_type.as_str(), "response" | "revisit");
                if !is_watch && !is_response {
                    continue;
                }
                let record = self.archive.read_record(c)?;
                if is_watch {
                    if let Some(control) = WatchControl::from_block(&record.block) {
                        // Applies to the items watched before it.
                        self.add_watches(&mut watches).await?;
                        self.apply_control(&control, &mut cache).await?;
                        report.watches += 1;
                        continue;
                    }
                    if let Some(w) = WatchRecord::from_block(&record.block) {
                        let mut row = w.to_row();
                        if let Some(parent) = &w.parent {
                            self.add_watches(&mut watches).await?;
                            row.parent_id =
                                self.store().watch_find(parent).await?.map(|i| i.item_id);
                        }
                        watches.push((row, w.added_at));
                        report.watches += 1;
                    }
                    continue;
                }
                // Observations need their items: watch rows first.
                self.add_watches(&mut watches).await?;
                let Some(item_url) = record.header.get(ITEM_FIELD).map(str::to_string) else {
                    continue;
                };
                let concurrent = record
                    .header
                    .get("WARC-Concurrent-To")
                    .map(|s| s.trim().trim_matches(['<', '>']).to_string());
                let url = c.url.clone().unwrap_or_default();
                let response = if c.record_type == "revisit" {
                    let original = match &c.refers_to {
                        Some(r) => self.store().capture_by_record_id(r).await?,
                        None => None,
                    };
                    match original {
                        Some(o) => {
                            let orig = self.archive.read_record(&o)?;
                            let payload = annals_warc::http::parse_head(&orig.block)
                                .map(|h| annals_warc::http::payload(&orig.block, &h).into_owned())
                                .unwrap_or_default();
                            OwnedResponse::from_message(&url, &record.block, Some(&payload))
                        }
                        None => OwnedResponse::from_message(&url, &record.block, None),
                    }
                } else {
                    OwnedResponse::from_message(&url, &record.block, None)
                };
                let rid = c.record_id.trim_matches(['<', '>']).to_string();
                let joins = match (&group, &concurrent) {
                    (Some(g), Some(cc)) => g.first_id == *cc && g.item_url == item_url,
                    _ => false,
                };
                if joins {
                    if let Some(g) = group.as_mut() {
                        g.responses.push(response);
                    }
                } else {
                    self.finish_group(
                        group.take(),
                        &mut cache,
                        &mut batch,
                        &mut report,
                        &backoff,
                        confirmations,
                    )
                    .await?;
                    group = Some(Group {
                        item_url,
                        first_id: rid,
                        at: c.unix_time,
                        responses: vec![response],
                    });
                }
            }
            after = last;
            if batch.observations.len() >= 2000 {
                // Keep the open group: it may continue on the next page.
                batch.derived_to = group.as_ref().map_or(Some(after), |_| None);
                if batch.derived_to.is_some() {
                    self.store().commit_observed(&batch).await?;
                    batch = ObserverBatch::default();
                }
            }
            if let Some(p) = progress {
                p((after - start).max(0) as u64, (end - start).max(0) as u64);
            }
        }
        self.add_watches(&mut watches).await?;
        self.finish_group(
            group.take(),
            &mut cache,
            &mut batch,
            &mut report,
            &backoff,
            confirmations,
        )
        .await?;
        batch.derived_to = Some(after);
        self.store().commit_observed(&batch).await?;
        Ok(report)
    }

    /// Adds pending watch rows, each due at its own time, in one transaction per due time.
    async fn add_watches(&self, watches: &mut Vec<(WatchRow, i64)>) -> Result<(), ObserverError> {
        if watches.is_empty() {
            return Ok(());
        }
        let mut i = 0;
        while i < watches.len() {
            let due = watches[i].1;
            let j = watches[i..]
                .iter()
                .position(|(_, d)| *d != due)
                .map_or(watches.len(), |k| i + k);
            let rows: Vec<WatchRow> = watches[i..j].iter().map(|(r, _)| r.clone()).collect();
            self.store().watch_add(&rows, due).await?;
            i = j;
        }
        watches.clear();
        Ok(())
    }

    /// Derives the rows of one imported table row: its item (never due), its observation, and
    /// the events its timeline completes. A dataset's statement is taken as it is: one
    /// observation confirms a disappearance.
    async fn apply_row(
        &mut self,
        row: &TableRow,
        record_id: &str,
        cache: &mut HashMap<i64, (Due, Timeline)>,
        ids: &mut HashMap<String, i64>,
        batch: &mut ObserverBatch,
        report: &mut CatchUpReport,
    ) -> Result<(), ObserverError> {
        // Rows of one item follow each other: its id is looked up (or the item added) once.
        let item_id = match ids.get(&row.url) {
            Some(id) => *id,
            None => {
                let id = match self.store().watch_find(&row.url).await? {
                    Some(info) => info.item_id,
                    None => {
                        let added = self.store().watch_add(&[row.watch_row()], i64::MAX).await?;
                        report.watches += 1;
                        match added.first() {
                            Some((id, _)) => *id,
                            None => return Ok(()),
                        }
                    }
                };
                if ids.len() > 200_000 {
                    ids.clear();
                }
                ids.insert(row.url.clone(), id);
                id
            }
        };
        let info = ItemKey { item_id };
        if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(info.item_id) {
            let Some(due) = self.store().due_item(info.item_id).await? else {
                return Ok(());
            };
            let once = annals_timeline::Config {
                confirmations: 1,
                min_span_secs: 0,
            };
            let t = load_timeline(due.timeline.as_deref(), once);
            slot.insert((due, t));
        }
        let Some((due, timeline)) = cache.get_mut(&info.item_id) else {
            return Ok(());
        };
        let policy = self.config.policy(&due.policy);
        let backoff = self.config.observer.backoff;
        let mut observations = vec![(row.observed_at, row.observation())];
        if let Some(gone) = row.gone_observation()
            && !matches!(timeline.phase(), annals_timeline::Phase::Gone(_))
        {
            observations.push(gone);
        }
        // The dataset's text is kept even when the row says the item is gone: a table of
        // deleted posts is read for what they said.
        if let (Some(c), State::Gone(_) | State::UnderReview | State::SelfOnly) =
            (&row.content, row.state)
        {
            batch.contents.push(annals_store::ContentRow {
                item_id: info.item_id,
                content_hash: crate::table::content_hash(c),
                first_seen: row.observed_at,
                title: c.title.clone(),
                body: c.text.clone(),
                author: c.author.clone(),
                published_at: c.published_at.clone(),
            });
        }
        for (at, obs) in observations {
            let mut applied = apply(due, timeline, &obs, at, record_id, &policy, &backoff, None);
            // Imported items are never fetched.
            applied.update.next_due = i64::MAX;
            applied.update.failures = 0;
            // The cached queue row as the store now holds it (a later row of the item, in this
            // chunk or the next, sees what a fresh read would), its timeline kept parsed only
            // (`timeline` beside it; nothing reads the cached text).
            due.timeline = None;
            due.next_due = applied.update.next_due;
            due.failures = applied.update.failures;
            due.priority = applied.update.priority;
            report.observations += 1;
            report.events += applied.events.len() as u64;
            batch.observations.push(applied.observation);
            batch.contents.extend(applied.content);
            batch.events.extend(applied.events);
            batch.updates.push(applied.update);
        }
        Ok(())
    }

    async fn finish_group(
        &mut self,
        group: Option<Group>,
        cache: &mut HashMap<i64, (Due, Timeline)>,
        batch: &mut ObserverBatch,
        report: &mut CatchUpReport,
        backoff: &annals_schedule::Backoff,
        confirmations: annals_timeline::Config,
    ) -> Result<(), ObserverError> {
        let Some(g) = group else { return Ok(()) };
        let Some(info) = self.store().watch_find(&g.item_url).await? else {
            tracing::debug!("observation of an unwatched item {}: skipped", g.item_url);
            return Ok(());
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(info.item_id) {
            let Some(due) = self.store().due_item(info.item_id).await? else {
                return Ok(());
            };
            let t = load_timeline(due.timeline.as_deref(), confirmations);
            slot.insert((due, t));
        }
        let Some((due, timeline)) = cache.get_mut(&info.item_id) else {
            return Ok(());
        };
        let Ok(item) = crate::observer::item_ref(due) else {
            return Ok(());
        };
        // Redirect hops that were followed are not the answer.
        let n = g.responses.len();
        let answers: Vec<_> = g
            .responses
            .iter()
            .enumerate()
            .filter(|(i, r)| !(i + 1 < n && (300..400).contains(&r.status)))
            .map(|(_, r)| r.as_response())
            .collect();
        let obs = annals_platforms::parse(&item, &answers, g.at);
        let retry_after = answers
            .first()
            .and_then(|r| r.header("retry-after"))
            .and_then(|v| v.trim().parse::<i64>().ok());
        let policy = self.config.policy(&due.policy);
        let applied = apply(
            due,
            timeline,
            &obs,
            g.at,
            &g.first_id,
            &policy,
            backoff,
            retry_after,
        );
        due.failures = applied.update.failures;
        due.priority = applied.update.priority;
        due.timeline = Some(applied.update.timeline.clone());
        report.observations += 1;
        report.events += applied.events.len() as u64;
        batch.observations.push(applied.observation);
        batch.contents.extend(applied.content);
        batch.events.extend(applied.events);
        batch.updates.push(applied.update);
        Ok(())
    }
}

/// The input `annals seed add KIND TARGET` watches (as a seed) for a seed kind: `feed` (an
/// RSS/Atom URL), `weibo-user`, `bilibili-uploader` or `zhihu-question` (a URL or an id).
pub fn seed_input(kind: &str, target: &str) -> Result<String, ObserverError> {
    let digits = target.chars().all(|c| c.is_ascii_digit());
    match kind {
        "feed" => Ok(target.to_string()),
        "weibo-user" => Ok(if digits {
            format!("https://m.weibo.cn/u/{target}")
        } else {
            target.to_string()
        }),
        "bilibili-uploader" => {
            let input = if digits {
                format!("https://space.bilibili.com/{target}")
            } else {
                target.to_string()
            };
            match ItemRef::parse(&input) {
                Ok(r) if r.kind == Kind::User && r.platform == Platform::Bilibili => Ok(input),
                _ => Err(ObserverError::Other(format!(
                    "{target:?} is not a Bilibili uploader: give its mid (digits) or https://space.bilibili.com/MID"
                ))),
            }
        }
        "zhihu-question" => Ok(if digits {
            format!("https://www.zhihu.com/question/{target}")
        } else {
            target.to_string()
        }),
        other => Err(ObserverError::Other(format!(
            "unknown seed kind {other:?}: use feed, weibo-user, bilibili-uploader or zhihu-question"
        ))),
    }
}

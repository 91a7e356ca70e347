//! The search index's upkeep, shared by the CLI (`annals search`, `annals run`) and the web UI:
//! the index (`DATA/search/`) is derived from the store's content versions and events, caught up
//! from two watermarks stored in its commit data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use annals_model::State;
use annals_store::{Store, StoreError, WatchInfo};

use crate::{Error, IndexedVersion, SearchConfig, SearchIndex, text_from_html};

fn store_error(e: StoreError) -> Error {
    Error::Store(e.to_string())
}

/// The index directory inside the data directory.
pub const SEARCH_DIR: &str = "search";
/// The user dictionary for jieba (`word [freq] [tag]` per line), when present.
pub const USER_DICT: &str = "userdict.txt";

const CONTENTS: &str = "contents";
const EVENTS: &str = "events";
const PAGE: u64 = 2000;
/// Versions between commits during a catch-up.
pub const COMMIT_EVERY: u64 = 100_000;

/// Opens (creating) the data directory's search index, with its user dictionary if there is one.
pub fn open_index(root: &Path) -> Result<SearchIndex, Error> {
    let dict = root.join(USER_DICT);
    let config = SearchConfig {
        user_dict: dict.is_file().then_some(dict),
        ..SearchConfig::default()
    };
    let dir = root.join(SEARCH_DIR);
    match SearchIndex::open(&dir, &config) {
        Ok(i) => Ok(i),
        Err(Error::Incompatible { .. }) => {
            // Derived data from another version of annals: rebuild it.
            std::fs::remove_dir_all(&dir).map_err(|e| Error::Open {
                path: dir.clone(),
                message: format!("cannot remove the old index: {e}"),
            })?;
            SearchIndex::open(&dir, &config)
        }
        Err(e) => Err(e),
    }
}

/// What a catch-up did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Caught {
    /// Content versions indexed.
    pub versions: u64,
    /// State changes recorded.
    pub states: u64,
    /// Whether another process held the writer (nothing was done).
    pub busy: bool,
}

/// Brings the index up to date with the store. If another process is writing the index (the
/// daemon), does nothing and says so.
pub async fn catch_up(
    store: &dyn Store,
    index: &SearchIndex,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Caught, Error> {
    let mut caught = Caught::default();
    let mut writer = match index.writer() {
        Ok(w) => w,
        Err(_) => {
            caught.busy = true;
            return Ok(caught);
        }
    };
    let mut fresh = false;
    if index.needs_rebuild()? {
        // The user dictionary changed: every version is segmented anew.
        writer.clear()?;
        fresh = true;
    }
    let mut items: HashMap<i64, Option<WatchInfo>> = HashMap::new();
    // Content versions.
    let mut committed = 0;
    let mut after = writer.watermark(CONTENTS).unwrap_or(0);
    // Building from nothing, each stored version (unique in the store) is added once: no
    // older copy to replace, so none is looked for (which keeps a rebuild's memory flat).
    let fresh = fresh || (after == 0 && index.num_versions()? == 0);
    loop {
        let page = store
            .contents_after(after, PAGE)
            .await
            .map_err(store_error)?;
        let Some(last) = page.last().map(|(n, _)| *n) else {
            break;
        };
        for (_, c) in &page {
            if let std::collections::hash_map::Entry::Vacant(slot) = items.entry(c.item_id) {
                slot.insert(
                    store
                        .watch_find(&c.item_id.to_string())
                        .await
                        .map_err(store_error)?,
                );
            }
            let Some(Some(info)) = items.get(&c.item_id) else {
                continue;
            };
            let text = c.body.as_deref().map(|b| {
                if b.contains('<') && b.contains('>') {
                    text_from_html(b)
                } else {
                    b.to_string()
                }
            });
            let version = IndexedVersion {
                item_id: c.item_id,
                version: c.content_hash.clone(),
                platform: info.platform.clone(),
                lists: vec![info.list.clone()],
                url: info.url.clone(),
                title: c.title.clone(),
                text,
                author: c.author.clone(),
                comments: Vec::new(),
                published_at: c
                    .published_at
                    .as_deref()
                    .and_then(|p| crate::parse_time(p).ok()),
                observed_at: c.first_seen,
            };
            if fresh {
                writer.add_new(&version)?;
            } else {
                writer.add(&version)?;
            }
            caught.versions += 1;
        }
        after = last;
        writer.set_watermark(CONTENTS, after);
        if let Some(p) = progress {
            p(caught.versions);
        }
        // A commit now and then bounds the writer's memory on a large rebuild (and keeps
        // the progress if it is interrupted).
        if caught.versions - committed >= COMMIT_EVERY {
            writer.commit()?;
            committed = caught.versions;
        }
        if items.len() > 100_000 {
            items.clear();
        }
    }
    // State changes.
    let mut after = writer.watermark(EVENTS).unwrap_or(0);
    loop {
        let page = store.events_after(after, PAGE).await.map_err(store_error)?;
        let Some(last) = page.last().map(|(n, _)| *n) else {
            break;
        };
        for (_, e) in &page {
            let Some(state) = e
                .event
                .state
                .as_deref()
                .and_then(|s| s.parse::<State>().ok())
            else {
                continue;
            };
            if state.is_observation_failure() {
                continue;
            }
            let since = state
                .is_disappearance()
                .then_some(e.event.first_seen_gone)
                .flatten();
            writer.set_state(e.event.item_id, state, since)?;
            caught.states += 1;
        }
        after = last;
        writer.set_watermark(EVENTS, after);
    }
    writer.finish()?;
    Ok(caught)
}

/// Moves the index's watermarks without indexing: the next [`catch_up`] starts after content
/// version `contents_after` and event `events_after` (store row numbers). For benchmarks whose
/// synthetic store holds more than they want indexed; an archive's index must never skip rows.
pub fn skip_to(index: &SearchIndex, contents_after: i64, events_after: i64) -> Result<(), Error> {
    let mut writer = index.writer()?;
    writer.set_watermark(CONTENTS, contents_after);
    writer.set_watermark(EVENTS, events_after);
    writer.finish()
}

/// Removes the index (after `annals reindex`: the next search rebuilds it from the new rows).
pub fn forget(root: &Path) -> Result<(), Error> {
    let dir: PathBuf = root.join(SEARCH_DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::Open {
            path: dir.clone(),
            message: format!("cannot remove it: {e}"),
        })?;
    }
    Ok(())
}

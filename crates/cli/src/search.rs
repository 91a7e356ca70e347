//! `annals search` and the search index's upkeep: the index (`DATA/search/`, tantivy) is derived
//! from the store's content versions and events, caught up from two watermarks before every
//! search and every minute while `annals run` observes; `annals reindex` deletes it, and the
//! next search rebuilds it.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use annals_model::State;
use annals_search::{IndexedVersion, Query, SearchConfig, SearchIndex, text_from_html};
use annals_store::{Store, WatchInfo};
use anyhow::{Context, Result};

use crate::Cli;
use crate::args::SearchArgs;

/// The index directory inside the data directory.
pub const SEARCH_DIR: &str = "search";
/// The user dictionary for jieba (`word [freq] [tag]` per line), when present.
pub const USER_DICT: &str = "userdict.txt";

const CONTENTS: &str = "contents";
const EVENTS: &str = "events";
const PAGE: u64 = 2000;
/// Versions between commits during a catch-up.
pub(crate) const COMMIT_EVERY: u64 = 100_000;

/// Opens (creating) the data directory's search index, with its user dictionary if there is one.
pub fn open_index(root: &Path) -> Result<SearchIndex> {
    let dict = root.join(USER_DICT);
    let config = SearchConfig {
        user_dict: dict.is_file().then_some(dict),
        ..SearchConfig::default()
    };
    let dir = root.join(SEARCH_DIR);
    match SearchIndex::open(&dir, &config) {
        Ok(i) => Ok(i),
        Err(annals_search::Error::Incompatible { .. }) => {
            // Derived data from another version of annals: rebuild it.
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove the old index {}", dir.display()))?;
            Ok(SearchIndex::open(&dir, &config)?)
        }
        Err(e) => Err(e.into()),
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
) -> Result<Caught> {
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
        let page = store.contents_after(after, PAGE).await?;
        let Some(last) = page.last().map(|(n, _)| *n) else {
            break;
        };
        for (_, c) in &page {
            if let std::collections::hash_map::Entry::Vacant(slot) = items.entry(c.item_id) {
                slot.insert(store.watch_find(&c.item_id.to_string()).await?);
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
                    .and_then(|p| annals_search::parse_time(p).ok()),
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
        let page = store.events_after(after, PAGE).await?;
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

/// Removes the index (after `annals reindex`: the next search rebuilds it from the new rows).
pub fn forget(root: &Path) -> Result<()> {
    let dir: PathBuf = root.join(SEARCH_DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    Ok(())
}

pub async fn search(cli: &Cli, args: &SearchArgs) -> Result<()> {
    let archive = crate::open(cli, false).await?;
    let index = open_index(archive.root())?;
    let pb = (!cli.quiet).then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message("indexing new content versions");
        pb
    });
    let tick = |n: u64| {
        if let Some(pb) = &pb {
            pb.set_message(format!("indexing new content versions: {n}"));
            pb.tick();
        }
    };
    let caught = catch_up(archive.store(), &index, Some(&tick)).await?;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    if caught.busy && !cli.quiet {
        eprintln!("annals: annals run is updating the index; results may be up to a minute behind");
    }
    let limit = args.limit.clamp(1, annals_search::MAX_LIMIT);
    let query = Query {
        text: args.query.clone(),
        list: args.list.clone(),
        state: args.state.clone(),
        platform: args.platform.clone(),
        since: crate::time_arg(&args.since, "--since")?,
        until: crate::time_arg(&args.until, "--until")?,
        limit,
        offset: args.page.saturating_sub(1).saturating_mul(limit),
    };
    let results = index.search(&query)?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &results)?;
        writeln!(out)?;
        return Ok(());
    }
    let color = io::stdout().is_terminal();
    let marks = |html: &str| -> String {
        let (open, close) = if color {
            ("\x1b[1;33m", "\x1b[0m")
        } else {
            ("[", "]")
        };
        unescape(&html.replace("<mark>", open).replace("</mark>", close))
    };
    for (i, h) in results.hits.iter().enumerate() {
        let state = match (&h.state, h.gone_since) {
            (Some(s), Some(t)) => format!("{s} since {}", crate::observe::rfc3339(t)),
            (Some(s), None) => s.to_string(),
            (None, _) => "-".into(),
        };
        let title = if h.title_html.is_empty() {
            "(no title)".to_string()
        } else {
            marks(&h.title_html)
        };
        writeln!(
            out,
            "{}. {title}  [{}; {state}]",
            results.offset + i + 1,
            h.platform
        )?;
        writeln!(out, "   {}", h.url)?;
        if !h.snippet_html.is_empty() {
            writeln!(out, "   {}", marks(&h.snippet_html).replace('\n', " "))?;
        }
    }
    let shown = results.hits.len();
    writeln!(
        out,
        "{} matching versions{}",
        results.total,
        if results.total > results.offset + shown {
            format!(
                "; showing {}–{} (--page {} for more)",
                results.offset + 1,
                results.offset + shown,
                args.page.max(1) + 1
            )
        } else {
            String::new()
        }
    )?;
    Ok(())
}

/// The few character references `escape_html` writes, undone for the terminal.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Keeps the index within a minute of the store while `annals run` observes, through a second
/// connection to the index database (the observer holds the first). Abort the task to stop it.
pub fn keep_up(root: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let store = match annals_store_sqlite::SqliteStore::open(
            &root.join(annals_archive::INDEX_DB),
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("search index not kept up: {e}");
                return;
            }
        };
        let index = match open_index(&root) {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!("search index not kept up: {e}");
                return;
            }
        };
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            if let Err(e) = catch_up(&store, &index, None).await {
                tracing::warn!("search index: {e}");
            }
        }
    })
}

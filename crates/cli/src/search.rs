//! `annals search` and the search index's upkeep: the index (`DATA/search/`, tantivy) is derived
//! from the store's content versions and events, caught up from two watermarks before every
//! search and every minute while `annals run` observes; `annals reindex` deletes it, and the
//! next search rebuilds it.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use annals_search::Query;
use anyhow::Result;

use crate::Cli;
use crate::args::SearchArgs;

pub use annals_search::upkeep::{catch_up, forget, open_index};

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

//! The analyses' inputs gathered from the index: an item's life (`Store::item_lives` rows turned
//! into `annals_analysis::ItemLife`s, the clock starting at publication or at the first
//! observation) and its title's terms, segmented as the search index does. `annals report
//! deletions` and the web UI's Deletions page both call [`deletions`] (or its parts), so the
//! figures they show are the same.

use annals_analysis::{DeletionReport, ItemLife, deletions as del};
use annals_store::{LifeRow, Store, StoreError};

/// What went wrong while gathering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Nothing to analyse: no items (in that list).
    #[error("{}", no_items(.list.as_deref()))]
    NoItems {
        /// The list asked for, if any.
        list: Option<String>,
    },
    /// The index failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The analysis refused its options.
    #[error(transparent)]
    Analysis(#[from] annals_analysis::Error),
    /// The term analyser could not be built.
    #[error(transparent)]
    Search(#[from] annals_search::Error),
}

fn no_items(list: Option<&str>) -> String {
    match list {
        Some(l) => format!("no items in list {l:?} (annals watch ls shows the lists)"),
        None => "no items yet: watch some (annals watch add URL) or import a table (annals import-table)"
            .to_string(),
    }
}

/// Unix seconds of an RFC 3339 time as stored (`2020-01-30T09:40:55Z`, or with an offset).
fn unix_of(text: &str) -> Option<i64> {
    annals_observer::table::parse_time(text, 0)
}

/// An item's life for the analyses. Its clock starts at publication when the content says when
/// that was, else at its first observation (or when it was watched).
pub fn life(row: &LifeRow, terms: Vec<String>) -> ItemLife {
    let first_observed = row.first_observed.unwrap_or(row.added_at);
    let published = row.published_at.as_deref().and_then(unix_of);
    let origin = published.unwrap_or(first_observed);
    let last_live = match &row.first_gone {
        Some((live, _, _)) => *live,
        None => row
            .last_seen_live
            .or(row.last_observed)
            .unwrap_or(first_observed),
    };
    ItemLife {
        item_id: row.url.clone(),
        platform: row.platform.clone(),
        reason: row.first_gone.as_ref().map(|(_, _, s)| s.clone()),
        published_at: origin,
        // Observed from publication on, unless the first look came later (delayed entry).
        first_observed: (published.is_some() && first_observed > origin).then_some(first_observed),
        last_seen_live: last_live.max(origin),
        first_seen_gone: row.first_gone.as_ref().map(|(_, g, _)| *g),
        terms,
    }
}

/// The lives of a list's items (or of every item); [`Error::NoItems`] when there are none.
pub async fn lives(store: &dyn Store, list: Option<&str>) -> Result<Vec<LifeRow>, Error> {
    let rows = store.item_lives(list).await?;
    if rows.is_empty() {
        return Err(Error::NoItems {
            list: list.map(str::to_string),
        });
    }
    Ok(rows)
}

/// The analyses' items; with `terms`, each carries the words of its title, segmented as the
/// search index does (jieba, folding; no user dictionary), on up to four threads.
pub fn deletion_lives(rows: &[LifeRow], terms: bool) -> Result<Vec<ItemLife>, Error> {
    if !terms {
        return Ok(rows.iter().map(|r| life(r, Vec::new())).collect());
    }
    let analyzer = annals_search::Analyzer::new(None)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let chunk = rows.len().div_ceil(threads).max(1);
    Ok(std::thread::scope(|s| {
        let parts: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                let mut segmenter = analyzer.segmenter();
                s.spawn(move || {
                    part.iter()
                        .map(|r| {
                            let terms = r
                                .title
                                .as_deref()
                                .map(|t| segmenter.terms(t))
                                .unwrap_or_default();
                            life(r, terms)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    }))
}

/// The deletion report of `rows` (terms are gathered when `options` groups by term).
pub fn deletion_report(rows: &[LifeRow], options: &del::Options) -> Result<DeletionReport, Error> {
    let items = deletion_lives(rows, options.group_by == Some(del::Grouping::Term))?;
    Ok(del::report(&items, options)?)
}

/// [`lives`] then [`deletion_report`]: what `annals report deletions` computes.
pub async fn deletions(
    store: &dyn Store,
    list: Option<&str>,
    options: &del::Options,
) -> Result<DeletionReport, Error> {
    let rows = lives(store, list).await?;
    deletion_report(&rows, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> LifeRow {
        LifeRow {
            item_id: 1,
            url: "https://example.org/a".into(),
            platform: "web".into(),
            list: "default".into(),
            added_at: 100,
            first_observed: Some(200),
            last_observed: Some(900),
            last_seen_live: Some(800),
            state: None,
            first_gone: None,
            published_at: None,
            title: Some("国歌法 national anthem".into()),
        }
    }

    #[test]
    fn clock_starts_at_first_observation_without_publication() {
        let l = life(&row(), Vec::new());
        assert_eq!(l.published_at, 200);
        assert_eq!(l.first_observed, None);
        assert_eq!(l.last_seen_live, 800);
        assert_eq!(l.first_seen_gone, None);
    }

    #[test]
    fn publication_gives_delayed_entry_and_gone_interval() {
        let mut r = row();
        r.published_at = Some("1970-01-01T00:00:50Z".into());
        r.first_gone = Some((700, 750, "deleted".into()));
        let l = life(&r, Vec::new());
        assert_eq!(l.published_at, 50);
        assert_eq!(l.first_observed, Some(200));
        assert_eq!(l.last_seen_live, 700);
        assert_eq!(l.first_seen_gone, Some(750));
        assert_eq!(l.reason.as_deref(), Some("deleted"));
    }

    #[test]
    fn terms_come_from_the_title_only_when_asked() {
        let rows = vec![row()];
        assert!(deletion_lives(&rows, false).unwrap()[0].terms.is_empty());
        let with = deletion_lives(&rows, true).unwrap();
        assert!(
            with[0].terms.iter().any(|t| t == "anthem"),
            "{:?}",
            with[0].terms
        );
    }

    #[test]
    fn no_items_says_what_to_do() {
        assert_eq!(
            Error::NoItems {
                list: Some("x".into())
            }
            .to_string(),
            "no items in list \"x\" (annals watch ls shows the lists)"
        );
    }
}

//! Counting matching items per day from the index alone (trends over millions of versions).
//!
//! The query (with every filter of [`Query`]) runs once; a collector reads the `item` and `date`
//! fast fields of each match (columnar, no stored document is opened, nothing is re-segmented),
//! keeps each item's earliest matching date, and buckets those dates by local day.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::index::SearchIndex;
use crate::search::ItemSet;
use crate::{Error, Query};

const DAY: i64 = 86_400;

impl SearchIndex {
    /// How many items match `query` on each day: `(day_start, items)` pairs, days ascending,
    /// days without a match left out. `day_start` is the unix second at which the local day
    /// begins, for a fixed UTC offset `utc_offset_s` (`28_800` for Beijing time).
    ///
    /// An item counts once, on the earliest date (the publication time, or the observation time
    /// when the platform gives none) among its versions that match, as annals' trends count
    /// items. Every filter of the query applies (`state`, `platform`, `list`, `since`, `until`);
    /// `limit` and `offset` do not. An empty query text counts every item.
    pub fn daily_counts(&self, query: &Query, utc_offset_s: i64) -> Result<Vec<(i64, u64)>, Error> {
        let searcher = self.reader.searcher();
        let (full, _, in_state) = self.filtered_query(&searcher, query)?;
        let earliest = searcher
            .search(&full, &EarliestByItem { in_state })
            .map_err(|s| self.tantivy(s))?;
        let mut days: HashMap<i64, u64> = HashMap::new();
        for secs in earliest.into_values() {
            *days.entry(day_start(secs, utc_offset_s)).or_default() += 1;
        }
        let mut days: Vec<(i64, u64)> = days.into_iter().collect();
        days.sort_unstable();
        Ok(days)
    }
}

/// The unix second at which the local day holding `secs` begins.
fn day_start(secs: i64, utc_offset_s: i64) -> i64 {
    let local = secs.saturating_add(utc_offset_s);
    local.div_euclid(DAY) * DAY - utc_offset_s
}

/// Each matching item's earliest `date`, in seconds; only items of `in_state` if given.
struct EarliestByItem {
    in_state: Option<ItemSet>,
}

struct SegmentEarliest {
    item: Column<i64>,
    date: Column<tantivy::DateTime>,
    in_state: Option<ItemSet>,
    earliest: HashMap<i64, i64>,
}

impl Collector for EarliestByItem {
    type Fruit = HashMap<i64, i64>;
    type Child = SegmentEarliest;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentEarliest> {
        let fast = reader.fast_fields();
        Ok(SegmentEarliest {
            item: fast.i64("item")?,
            date: fast.date("date")?,
            in_state: self.in_state.clone(),
            earliest: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<i64, i64>>) -> tantivy::Result<HashMap<i64, i64>> {
        let mut fruits = fruits.into_iter();
        let mut all = fruits.next().unwrap_or_default();
        for fruit in fruits {
            for (item, secs) in fruit {
                all.entry(item)
                    .and_modify(|e| *e = (*e).min(secs))
                    .or_insert(secs);
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentEarliest {
    type Fruit = HashMap<i64, i64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let (Some(item), Some(date)) = (self.item.first(doc), self.date.first(doc)) else {
            return;
        };
        if self.in_state.as_ref().is_some_and(|s| !s.contains(&item)) {
            return;
        }
        let secs = date.into_timestamp_secs();
        self.earliest
            .entry(item)
            .and_modify(|e| *e = (*e).min(secs))
            .or_insert(secs);
    }

    fn harvest(self) -> HashMap<i64, i64> {
        self.earliest
    }
}

#[cfg(test)]
mod tests {
    use super::day_start;

    #[test]
    fn days_start_at_local_midnight() {
        // 2020-01-30T09:40:55Z.
        assert_eq!(day_start(1_580_377_255, 0), 1_580_342_400);
        // 17:40:55 in Beijing: the day began at 2020-01-29T16:00:00Z.
        assert_eq!(day_start(1_580_377_255, 28_800), 1_580_313_600);
        // 2020-01-30T20:00:00Z is already the 31st in Beijing.
        assert_eq!(day_start(1_580_414_400, 28_800), 1_580_400_000);
        assert_eq!(day_start(-1, 0), -86_400);
    }
}

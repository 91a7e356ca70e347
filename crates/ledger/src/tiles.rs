//! C2SP `tlog-tiles`: the log published as static files; see [`Tile`].

use std::fmt::Write as _;

use crate::LedgerError;
use crate::hash::{Hash, MAX_SIZE, Tree};
use crate::proof::HashReader;

/// Hashes per full tile (the tile height is fixed at 8 levels).
pub const TILE_WIDTH: u16 = 256;

/// Tree levels per tile level.
const TILE_HEIGHT: u32 = 8;

fn malformed(reason: &'static str) -> LedgerError {
    LedgerError::MalformedTile { reason }
}

/// One hash tile (or, at level 0, the entry bundle with the same coordinates).
///
/// A hash tile holds up to 256 consecutive hashes of one level of the tree: tile level `L`
/// holds the hashes of tree level `8·L` (level 0 = leaf hashes), so each hash of tile level
/// `L+1` is the root of one full tile of level `L`. A tile with fewer than 256 hashes is
/// *partial* (`.p/<W>` in its path); partial tiles are never hashed into the level above. An
/// entry bundle holds the entries of one level-0 tile, each as a big-endian `u16` length and the
/// bytes.
///
/// Tiles for tree size 70,000 (the spec's worked example):
///
/// ```
/// use annals_ledger::{Tile, tiles_for_size};
///
/// let tiles = tiles_for_size(70_000);
/// let level0: Vec<_> = tiles.iter().filter(|t| t.level == 0).collect();
/// assert_eq!(level0.len(), 274); // 273 full + 1 partial
/// assert_eq!(level0[273].path(), "tile/0/273.p/112");
/// assert_eq!(Tile { level: 1, index: 1, width: 17 }.path(), "tile/1/001.p/17");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// Tile level `L`: holds tree level `8·L`.
    pub level: u8,
    /// Index `N` of the tile within its level.
    pub index: u64,
    /// Number of hashes, 1–256; below 256 the tile is partial.
    pub width: u16,
}

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    /// `tile/<L>/<N>[.p/<W>]`: 32-byte hashes.
    Hashes,
    /// `tile/entries/<N>[.p/<W>]`: the entries of a level-0 tile.
    Entries,
}

/// Encodes a tile index as path elements: zero-padded groups of three digits, all but the last
/// prefixed with `x` (1234067 → `x001/x234/067`).
pub fn encode_index(index: u64) -> String {
    let mut groups = Vec::new();
    let mut n = index;
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(groups.len() * 5);
    for (i, group) in groups.iter().rev().enumerate() {
        if i > 0 {
            out.push('/');
        }
        if i + 1 < groups.len() {
            out.push('x');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{group:03}");
    }
    out
}

impl Tile {
    fn suffix(&self) -> String {
        let mut out = encode_index(self.index);
        if self.width < TILE_WIDTH {
            let _ = write!(out, ".p/{}", self.width);
        }
        out
    }

    /// The hash tile path, `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, self.suffix())
    }

    /// The entry bundle path `tile/entries/<N>[.p/<W>]`; `None` above level 0.
    pub fn entries_path(&self) -> Option<String> {
        (self.level == 0).then(|| format!("tile/entries/{}", self.suffix()))
    }

    /// Whether the tile holds all 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// Parses a hash tile or entry bundle path (without the log prefix), accepting exactly the
    /// canonical form [`Tile::path`] and [`Tile::entries_path`] produce.
    pub fn parse_path(path: &str) -> Result<(TileKind, Tile), LedgerError> {
        let rest = path
            .strip_prefix("tile/")
            .ok_or(malformed("path does not start with tile/"))?;
        let (first, rest) = rest
            .split_once('/')
            .ok_or(malformed("path has no tile index"))?;
        let (kind, level) = if first == "entries" {
            (TileKind::Entries, 0)
        } else {
            let level = parse_decimal(first, 63).ok_or(malformed("bad tile level"))?;
            (TileKind::Hashes, level as u8)
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((index_part, width)) => {
                let width = parse_decimal(width, u64::from(TILE_WIDTH) - 1)
                    .filter(|w| *w > 0)
                    .ok_or(malformed("bad partial tile width"))?;
                (index_part, width as u16)
            }
            None => (rest, TILE_WIDTH),
        };
        let index = parse_index(index_part).ok_or(malformed("bad tile index"))?;
        Ok((
            kind,
            Tile {
                level,
                index,
                width,
            },
        ))
    }
}

/// Decimal without leading zeros, at most `max`.
fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse::<u64>().ok().filter(|n| *n <= max)
}

fn parse_index(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split('/').collect();
    let (last, init) = parts.split_last()?;
    let mut index: u64 = 0;
    for (i, part) in init.iter().enumerate() {
        let digits = part.strip_prefix('x')?;
        if i == 0 && digits == "000" {
            return None;
        }
        index = index
            .checked_mul(1000)?
            .checked_add(three_digits(digits)?)?;
    }
    index.checked_mul(1000)?.checked_add(three_digits(last)?)
}

fn three_digits(s: &str) -> Option<u64> {
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Number of hashes at tile level `level` for a tree of `size` leaves.
fn hashes_at(size: u64, level: u32) -> u64 {
    size.checked_shr(TILE_HEIGHT * level).unwrap_or(0)
}

/// Width of tile `index` of tile level `level` in a tree of `size` leaves (0 if absent).
fn width_in(size: u64, level: u32, index: u64) -> u16 {
    let count = hashes_at(size, level);
    let start = index.saturating_mul(u64::from(TILE_WIDTH));
    count.saturating_sub(start).min(u64::from(TILE_WIDTH)) as u16
}

/// Every tile (full and partial) of a tree of `size` leaves, level by level, in index order.
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    new_tiles(0, size)
}

/// The tiles of a tree of `new_size` leaves that a tree of `old_size` leaves does not have (new
/// tiles, and partial tiles that grew): what a log writes after growing. Empty if
/// `old_size >= new_size`.
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    if old_size >= new_size {
        return tiles;
    }
    for level in 0u32.. {
        let count = hashes_at(new_size, level);
        if count == 0 {
            break;
        }
        let first = hashes_at(old_size, level) / u64::from(TILE_WIDTH);
        let last = (count - 1) / u64::from(TILE_WIDTH);
        for index in first..=last {
            let width = width_in(new_size, level, index);
            if width != width_in(old_size, level, index) {
                tiles.push(Tile {
                    level: level as u8,
                    index,
                    width,
                });
            }
        }
    }
    tiles
}

/// The contents of `tile`: its hashes concatenated, read from `reader` (e.g. a slice of leaf
/// hashes, or a [`Tree`]'s `append_with` output stored by the shell).
pub fn tile_data<R: HashReader + ?Sized>(reader: &R, tile: &Tile) -> Result<Vec<u8>, LedgerError> {
    if tile.width == 0 || tile.width > TILE_WIDTH || u32::from(tile.level) * TILE_HEIGHT >= 63 {
        return Err(malformed("tile width or level out of range"));
    }
    let level = tile.level * TILE_HEIGHT as u8;
    let first = tile
        .index
        .checked_mul(u64::from(TILE_WIDTH))
        .ok_or(malformed("tile index out of range"))?;
    let mut out = Vec::with_capacity(usize::from(tile.width) * 32);
    for i in 0..u64::from(tile.width) {
        out.extend_from_slice(&reader.subtree_hash(level, first + i)?);
    }
    Ok(out)
}

/// The first leaf index a log must supply to [`grow_tiles`] when growing from `old_size`: the
/// start of the level-0 tile that holds leaf `old_size` (`old_size` rounded down to a multiple of
/// 256).
pub fn grow_start(old_size: u64) -> u64 {
    old_size - old_size % u64::from(TILE_WIDTH)
}

/// The tiles (with their contents) a log writes when it grows from `old_size` to `new_size`
/// leaves: exactly [`new_tiles`]`(old_size, new_size)`, computed incrementally.
///
/// `leaves` are the leaf hashes from index [`grow_start`]`(old_size)` up to `new_size`. `read`
/// returns stored hash tiles of the tree of `old_size` leaves; it is asked only for the partial
/// tiles on that tree's right edge (the hashes the new leaves do not determine), so the cost is
/// proportional to the growth, not to the tree. With `old_size == 0`, `read` is never called.
///
/// The stored level-0 partial tile, when there is one, must be a prefix of the new leaves:
/// otherwise the log was rewritten and this is an error, as is a tile `read` cannot provide.
pub fn grow_tiles<F>(
    old_size: u64,
    new_size: u64,
    leaves: &[Hash],
    read: F,
) -> Result<Vec<(Tile, Vec<u8>)>, LedgerError>
where
    F: Fn(&Tile) -> Option<Vec<u8>>,
{
    let width = u64::from(TILE_WIDTH);
    if old_size > new_size {
        return Err(LedgerError::SizeOutOfRange {
            size: old_size,
            limit: new_size,
        });
    }
    if new_size > MAX_SIZE {
        return Err(LedgerError::SizeOutOfRange {
            size: new_size,
            limit: MAX_SIZE,
        });
    }
    let start0 = grow_start(old_size);
    if leaves.len() as u64 != new_size - start0 {
        return Err(malformed("leaves do not cover the growth"));
    }
    let mut out = Vec::new();
    // Hashes of the current tile level from index `start` (a multiple of 256) on.
    let mut start = start0;
    let mut cur: Vec<Hash> = leaves.to_vec();
    for level in 0u32.. {
        let count_new = hashes_at(new_size, level);
        if count_new == 0 {
            break;
        }
        let count_old = hashes_at(old_size, level);
        // The stored partial tile at level 0 must be a prefix of the new leaves.
        let old_width = count_old - start;
        if level == 0 && old_width > 0 {
            let tile = Tile {
                level: 0,
                index: start / width,
                width: old_width as u16,
            };
            let stored = read(&tile).ok_or(LedgerError::HashUnavailable {
                level: 0,
                index: start,
            })?;
            if stored.as_slice() != cur[..old_width as usize].concat().as_slice() {
                return Err(malformed(
                    "the stored partial tile is not a prefix of the new leaves (log rewritten)",
                ));
            }
        }
        for index in start / width..=(count_new - 1) / width {
            let w = width_in(new_size, level, index);
            if w == width_in(old_size, level, index) {
                continue;
            }
            let from = (index * width - start) as usize;
            let data = cur
                .get(from..from + usize::from(w))
                .ok_or(malformed("tile hashes out of range"))?
                .concat();
            out.push((
                Tile {
                    level: level as u8,
                    index,
                    width: w,
                },
                data,
            ));
        }
        // The next level: old hashes from the stored partial tile, new ones from full tiles here.
        let next_old = hashes_at(old_size, level + 1);
        let next_new = hashes_at(new_size, level + 1);
        if next_new == 0 {
            break;
        }
        let next_start = grow_start(next_old);
        let mut next: Vec<Hash> = Vec::with_capacity((next_new - next_start) as usize);
        if next_old > next_start {
            let tile = Tile {
                level: (level + 1) as u8,
                index: next_start / width,
                width: (next_old - next_start) as u16,
            };
            let stored = read(&tile).ok_or(LedgerError::HashUnavailable {
                level: ((level + 1) * TILE_HEIGHT) as u8,
                index: next_start,
            })?;
            if stored.len() != usize::from(tile.width) * 32 {
                return Err(malformed("tile data length does not match its width"));
            }
            for chunk in stored.chunks_exact(32) {
                let mut h = [0u8; 32];
                h.copy_from_slice(chunk);
                next.push(h);
            }
        }
        for j in next_old..next_new {
            let from = (j * width - start) as usize;
            let full = cur
                .get(from..from + usize::from(TILE_WIDTH))
                .ok_or(malformed("tile hashes out of range"))?;
            next.push(crate::hash::root(full));
        }
        start = next_start;
        cur = next;
    }
    Ok(out)
}

/// Reads subtree hashes from stored tiles of a tree of known size, for proof generation over a
/// log that does not keep its leaf hashes in memory.
///
/// `fetch` returns the contents of the tile asked for (exact coordinates and width for this tree
/// size), or `None` if it is unavailable. Each subtree hash costs one tile fetch and at most 255
/// node hashes; cache tiles in `fetch` when generating many proofs.
pub struct TileHashReader<F> {
    size: u64,
    fetch: F,
}

impl<F: Fn(&Tile) -> Option<Vec<u8>>> TileHashReader<F> {
    /// A reader for the tree of `size` leaves whose tiles `fetch` returns.
    pub fn new(size: u64, fetch: F) -> TileHashReader<F> {
        TileHashReader { size, fetch }
    }
}

impl<F: Fn(&Tile) -> Option<Vec<u8>>> HashReader for TileHashReader<F> {
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        let unavailable = LedgerError::HashUnavailable { level, index };
        if level >= 63 || self.size > MAX_SIZE {
            return Err(unavailable);
        }
        // The subtree must lie inside the tree.
        match index
            .checked_add(1)
            .and_then(|n| n.checked_mul(1u64 << level))
        {
            Some(end) if end <= self.size => {}
            _ => return Err(unavailable),
        }
        let tile_level = u32::from(level) / TILE_HEIGHT;
        let rel = u32::from(level) % TILE_HEIGHT;
        let first = index << rel; // index at tree level 8·tile_level
        let tile = Tile {
            level: tile_level as u8,
            index: first / u64::from(TILE_WIDTH),
            width: width_in(self.size, tile_level, first / u64::from(TILE_WIDTH)),
        };
        let data = (self.fetch)(&tile).ok_or(unavailable)?;
        if data.len() != usize::from(tile.width) * 32 {
            return Err(malformed("tile data length does not match its width"));
        }
        let start = (first % u64::from(TILE_WIDTH)) as usize;
        let count = 1usize << rel;
        let hashes = data
            .get(start * 32..(start + count) * 32)
            .ok_or(malformed("tile too short for the subtree"))?;
        let mut tree = Tree::new();
        for chunk in hashes.chunks_exact(32) {
            let mut hash = [0u8; 32];
            hash.copy_from_slice(chunk);
            tree.push(hash, |_, _, _| {});
        }
        Ok(tree.root())
    }
}

/// Encodes an entry bundle: each entry as a big-endian `u16` length and its bytes. A bundle
/// holds 1 to 256 entries of at most 65,535 bytes each.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, LedgerError> {
    if entries.is_empty() || entries.len() > usize::from(TILE_WIDTH) {
        return Err(malformed("a bundle holds 1 to 256 entries"));
    }
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.as_ref().len() + 2).sum());
    for entry in entries {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len())
            .map_err(|_| LedgerError::EntryTooLarge { len: entry.len() })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Decodes an entry bundle into its entries (1 to 256); rejects truncation.
pub fn decode_bundle(bundle: &[u8]) -> Result<Vec<&[u8]>, LedgerError> {
    let mut entries = Vec::new();
    let mut rest = bundle;
    while !rest.is_empty() {
        if entries.len() == usize::from(TILE_WIDTH) {
            return Err(malformed("bundle holds more than 256 entries"));
        }
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or(malformed("bundle truncated in a length prefix"))?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(malformed("bundle truncated in an entry"));
        }
        let (entry, tail) = tail.split_at(len);
        entries.push(entry);
        rest = tail;
    }
    if entries.is_empty() {
        return Err(malformed("empty bundle"));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::proof::{consistency_proof, inclusion_proof};

    #[test]
    fn index_encoding() {
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(67), "067");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(encode_index(u64::MAX), "x018/x446/x744/x073/x709/x551/615");
        for n in [0, 5, 999, 1000, 1234067, u64::MAX] {
            assert_eq!(parse_index(&encode_index(n)), Some(n));
        }
    }

    #[test]
    fn paths() {
        let tile = Tile {
            level: 0,
            index: 1234067,
            width: 256,
        };
        assert_eq!(tile.path(), "tile/0/x001/x234/067");
        assert_eq!(tile.entries_path().unwrap(), "tile/entries/x001/x234/067");
        let partial = Tile {
            level: 2,
            index: 0,
            width: 1,
        };
        assert_eq!(partial.path(), "tile/2/000.p/1");
        assert_eq!(partial.entries_path(), None);
        for (kind, tile) in [(TileKind::Hashes, tile), (TileKind::Hashes, partial)] {
            assert_eq!(Tile::parse_path(&tile.path()).unwrap(), (kind, tile));
        }
        assert_eq!(
            Tile::parse_path("tile/entries/x001/x234/067.p/5").unwrap(),
            (
                TileKind::Entries,
                Tile {
                    level: 0,
                    index: 1234067,
                    width: 5
                }
            )
        );
        for bad in [
            "",
            "tile/",
            "tile/0",
            "tile/00/000",
            "tile/64/000",
            "tile/0/0",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x01/002",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/05",
            "tile/0/000.p/",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/-1/000",
            "tiles/0/000",
        ] {
            assert!(Tile::parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn spec_worked_example_70000() {
        let tiles = tiles_for_size(70_000);
        let at = |level: u8| -> Vec<Tile> {
            tiles.iter().copied().filter(|t| t.level == level).collect()
        };
        let level0 = at(0);
        assert_eq!(level0.iter().filter(|t| t.is_full()).count(), 273);
        assert_eq!(
            level0.last(),
            Some(&Tile {
                level: 0,
                index: 273,
                width: 112
            })
        );
        assert_eq!(
            at(1),
            [
                Tile {
                    level: 1,
                    index: 0,
                    width: 256
                },
                Tile {
                    level: 1,
                    index: 1,
                    width: 17
                }
            ]
        );
        assert_eq!(
            at(2),
            [Tile {
                level: 2,
                index: 0,
                width: 1
            }]
        );
        assert_eq!(tiles.len(), 274 + 2 + 1);
        assert!(tiles_for_size(0).is_empty());
        assert_eq!(tiles_for_size(256).len(), 2); // tile/0/000 and tile/1/000.p/1
    }

    #[test]
    fn new_tiles_after_growth() {
        assert_eq!(
            new_tiles(70_000, 70_001),
            [Tile {
                level: 0,
                index: 273,
                width: 113
            }]
        );
        let grown = new_tiles(70_000, 70_000 + 144);
        assert_eq!(
            grown,
            [
                Tile {
                    level: 0,
                    index: 273,
                    width: 256
                },
                Tile {
                    level: 1,
                    index: 1,
                    width: 18
                }
            ]
        );
        assert!(new_tiles(5, 5).is_empty());
        assert!(new_tiles(6, 5).is_empty());
        // Growing step by step touches a superset of the final tiles.
        let mut all: Vec<Tile> = (0..600).flat_map(|n| new_tiles(n, n + 1)).collect();
        all.sort();
        for tile in tiles_for_size(600) {
            assert!(all.binary_search(&tile).is_ok(), "{tile:?}");
        }
    }

    #[test]
    fn proofs_from_tiles_match_proofs_from_leaves() {
        let size = 70_000u64;
        let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut store = std::collections::HashMap::new();
        for tile in tiles_for_size(size) {
            store.insert(tile, tile_data(leaves.as_slice(), &tile).unwrap());
        }
        // Level-1 hash 0 is the root of the first level-0 tile.
        let tile1 = &store[&Tile {
            level: 1,
            index: 0,
            width: 256,
        }];
        assert_eq!(&tile1[..32], &crate::hash::root(&leaves[..256]));

        let reader = TileHashReader::new(size, |tile: &Tile| store.get(tile).cloned());
        assert_eq!(
            crate::proof::tree_hash(&reader, size).unwrap(),
            crate::hash::root(&leaves)
        );
        for index in [0, 1, 255, 256, 65_535, 65_536, 69_999] {
            assert_eq!(
                inclusion_proof(&reader, index, size).unwrap(),
                inclusion_proof(leaves.as_slice(), index, size).unwrap()
            );
        }
        for old in [1, 255, 256, 1000, 65_536, 69_999] {
            assert_eq!(
                consistency_proof(&reader, old, size).unwrap(),
                consistency_proof(leaves.as_slice(), old, size).unwrap()
            );
        }
        // A missing tile is an error, not a panic.
        let empty = TileHashReader::new(size, |_: &Tile| None);
        assert!(inclusion_proof(&empty, 5, size).is_err());
        let wrong = TileHashReader::new(size, |_: &Tile| Some(vec![0; 31]));
        assert!(inclusion_proof(&wrong, 5, size).is_err());
    }

    #[test]
    fn grown_tiles_match_tiles_from_all_leaves() {
        let leaves: Vec<Hash> = (0..70_000u64)
            .map(|i| leaf_hash(&i.to_be_bytes()))
            .collect();
        let mut store: std::collections::HashMap<Tile, Vec<u8>> = Default::default();
        let mut old = 0u64;
        for new in [
            1u64, 2, 255, 256, 257, 511, 4000, 65_535, 65_536, 65_537, 65_800, 70_000,
        ] {
            let start = grow_start(old) as usize;
            let grown = grow_tiles(old, new, &leaves[start..new as usize], |t: &Tile| {
                store.get(t).cloned()
            })
            .unwrap();
            let tiles: Vec<Tile> = grown.iter().map(|(t, _)| *t).collect();
            assert_eq!(tiles, new_tiles(old, new), "{old} -> {new}");
            for (tile, data) in grown {
                assert_eq!(
                    data,
                    tile_data(leaves.as_slice(), &tile).unwrap(),
                    "{tile:?}"
                );
                store.insert(tile, data);
            }
            let reader = TileHashReader::new(new, |t: &Tile| store.get(t).cloned());
            assert_eq!(
                crate::proof::tree_hash(&reader, new).unwrap(),
                crate::hash::root(&leaves[..new as usize])
            );
            old = new;
        }
        // From scratch in one step gives the same tiles.
        let all = grow_tiles(0, 70_000, &leaves, |_: &Tile| None).unwrap();
        assert_eq!(all.len(), tiles_for_size(70_000).len());
        // A rewritten leaf under a stored partial tile is refused; a missing tile is an error.
        let mut forged = leaves[256..300].to_vec();
        forged[3][0] ^= 1;
        let lookup = |t: &Tile| store.get(t).cloned();
        let mut small: std::collections::HashMap<Tile, Vec<u8>> = Default::default();
        for (t, d) in grow_tiles(0, 260, &leaves[..260], |_: &Tile| None).unwrap() {
            small.insert(t, d);
        }
        assert!(grow_tiles(260, 300, &forged, |t: &Tile| small.get(t).cloned()).is_err());
        assert!(grow_tiles(260, 300, &leaves[256..300], |_: &Tile| None).is_err());
        assert!(grow_tiles(260, 300, &leaves[256..299], lookup).is_err());
        assert!(grow_tiles(300, 260, &[], |_: &Tile| None).is_err());
    }

    #[test]
    fn bundles() {
        let entries: Vec<Vec<u8>> = vec![b"a".to_vec(), Vec::new(), vec![7; 300]];
        let bundle = encode_bundle(&entries).unwrap();
        assert_eq!(&bundle[..3], b"\x00\x01a");
        assert_eq!(&bundle[3..5], b"\x00\x00");
        assert_eq!(&bundle[5..7], &300u16.to_be_bytes());
        let decoded = decode_bundle(&bundle).unwrap();
        assert_eq!(decoded, [&b"a"[..], b"", &[7; 300][..]]);
        for cut in 1..bundle.len() {
            if cut != 3 && cut != 5 {
                assert!(decode_bundle(&bundle[..cut]).is_err(), "cut {cut}");
            }
        }
        assert!(decode_bundle(b"").is_err());
        assert!(encode_bundle::<&[u8]>(&[]).is_err());
        assert!(encode_bundle(&[vec![0u8; 65_536]]).is_err());
        assert!(encode_bundle(&vec![b"x"; 257]).is_err());
        let max: Vec<&[u8]> = vec![b""; 256];
        assert_eq!(
            decode_bundle(&encode_bundle(&max).unwrap()).unwrap().len(),
            256
        );
        assert!(decode_bundle(&[0u8; 2 * 257]).is_err());
    }
}

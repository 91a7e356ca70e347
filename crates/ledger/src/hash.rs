//! RFC 6962 §2.1 Merkle tree hashing with SHA-256, and an incremental tree that keeps only its
//! frontier.

use sha2::{Digest, Sha256};

use crate::LedgerError;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Largest tree size accepted anywhere in this crate: 2^63, so that every interior index and
/// every "largest power of two below n" fits a `u64`.
pub(crate) const MAX_SIZE: u64 = 1 << 63;

/// The leaf hash of an entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut block = [0u8; 65];
    block[0] = 1;
    block[1..33].copy_from_slice(left);
    block[33..].copy_from_slice(right);
    Sha256::digest(block).into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The RFC 6962 root (`MTH`) of a list of leaf hashes. O(n) time, O(log n) memory.
pub fn root(leaf_hashes: &[Hash]) -> Hash {
    let mut tree = Tree::new();
    for leaf in leaf_hashes {
        tree.push(*leaf, |_, _, _| {});
    }
    tree.root()
}

/// An append-only Merkle tree that stores only its frontier: the roots of the maximal complete
/// subtrees, one per set bit of the size (a "compact range" covering `[0, size)`).
///
/// Memory is O(log n). An append costs one node hash per carry, one on average, so two SHA-256
/// calls amortised counting the caller's [`leaf_hash`]. The state can be saved with
/// [`Tree::frontier`] and restored with [`Tree::from_frontier`].
///
/// ```
/// use annals_ledger::{Tree, leaf_hash, root};
///
/// let leaves: Vec<_> = [b"a", b"b", b"c"].iter().map(|e| leaf_hash(*e)).collect();
/// let mut tree = Tree::new();
/// for leaf in &leaves {
///     tree.append(*leaf).unwrap();
/// }
/// assert_eq!(tree.size(), 3);
/// assert_eq!(tree.root(), root(&leaves));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    size: u64,
    /// Roots of the complete subtrees, largest (leftmost) first.
    frontier: Vec<Hash>,
}

impl Tree {
    /// The empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// Restores a tree from its size and frontier as returned by [`Tree::frontier`].
    pub fn from_frontier(size: u64, frontier: Vec<Hash>) -> Result<Tree, LedgerError> {
        let expected = size.count_ones() as usize;
        if frontier.len() != expected {
            return Err(LedgerError::InvalidTreeState {
                size,
                expected,
                actual: frontier.len(),
            });
        }
        if size > MAX_SIZE {
            return Err(LedgerError::SizeOutOfRange {
                size,
                limit: MAX_SIZE,
            });
        }
        Ok(Tree { size, frontier })
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the maximal complete subtrees, leftmost (largest) first; subtree `i` has
    /// `2^k` leaves for the `i`-th highest set bit `k` of the size.
    pub fn frontier(&self) -> &[Hash] {
        &self.frontier
    }

    /// Appends a leaf hash (see [`leaf_hash`]) and returns its index.
    ///
    /// Fails only if the tree already holds 2^63 leaves.
    pub fn append(&mut self, leaf: Hash) -> Result<u64, LedgerError> {
        self.append_with(leaf, |_, _, _| {})
    }

    /// Like [`Tree::append`], and calls `completed(level, index, hash)` for every complete
    /// subtree this append finishes, bottom-up: the leaf itself at level 0, then each carry.
    ///
    /// A storage shell uses this to write tiles as it goes: the level-0, 8, 16, … hashes are the
    /// contents of the level-0, 1, 2, … hash tiles.
    ///
    /// Fails only if the tree already holds 2^63 leaves.
    pub fn append_with(
        &mut self,
        leaf: Hash,
        completed: impl FnMut(u8, u64, &Hash),
    ) -> Result<u64, LedgerError> {
        if self.size >= MAX_SIZE {
            return Err(LedgerError::SizeOutOfRange {
                size: self.size.saturating_add(1),
                limit: MAX_SIZE,
            });
        }
        Ok(self.push(leaf, completed))
    }

    /// Appends without the size check: for callers whose leaves come from a slice, which can
    /// never hold 2^63 hashes.
    pub(crate) fn push(&mut self, leaf: Hash, mut completed: impl FnMut(u8, u64, &Hash)) -> u64 {
        let index = self.size;
        let mut hash = leaf;
        let mut level = 0u8;
        let mut carry = index;
        completed(0, index, &hash);
        while carry & 1 == 1 {
            // A set bit always has a frontier entry: count_ones(size) == frontier.len().
            let left = self.frontier.pop().unwrap_or_default();
            hash = node_hash(&left, &hash);
            carry >>= 1;
            level += 1;
            completed(level, index >> level, &hash);
        }
        self.frontier.push(hash);
        self.size += 1;
        index
    }

    /// The RFC 6962 root of the tree: [`empty_root`] when empty. O(log n).
    pub fn root(&self) -> Hash {
        let mut iter = self.frontier.iter().rev();
        let Some(last) = iter.next() else {
            return empty_root();
        };
        iter.fold(*last, |right, left| node_hash(left, &right))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(hash: &Hash) -> String {
        hash.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn published_hash_vectors() {
        // formats.md §6.1.
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(hex(&root(&[])), hex(&empty_root()));
        assert_eq!(
            hex(&leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            hex(&leaf_hash(b"a")),
            "022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c"
        );
        let [a, b, c] = [b"a", b"b", b"c"].map(|e| leaf_hash(e));
        assert_eq!(
            hex(&root(&[a, b])),
            "b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb"
        );
        assert_eq!(
            hex(&root(&[a, b, c])),
            "36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1"
        );
        assert_eq!(root(&[a, b, c]), node_hash(&root(&[a, b]), &c));
        assert_eq!(root(&[a]), a);
    }

    #[test]
    fn append_reports_completed_subtrees() {
        let mut tree = Tree::new();
        let mut seen = Vec::new();
        for i in 0..8u8 {
            tree.append_with(leaf_hash(&[i]), |level, index, _| seen.push((level, index)))
                .unwrap();
        }
        let level1: Vec<_> = seen.iter().filter(|(l, _)| *l == 1).map(|p| p.1).collect();
        assert_eq!(level1, [0, 1, 2, 3]);
        assert!(seen.contains(&(3, 0)));
        assert_eq!(tree.frontier().len(), 1);
        let restored = Tree::from_frontier(8, tree.frontier().to_vec()).unwrap();
        assert_eq!(restored.root(), tree.root());
        assert!(Tree::from_frontier(7, tree.frontier().to_vec()).is_err());
        let mut full = Tree::from_frontier(MAX_SIZE, vec![[0; 32]]).unwrap();
        assert!(full.append([1; 32]).is_err());
        assert_eq!(full.size(), MAX_SIZE);
    }

    #[test]
    #[ignore = "throughput measurement; run with --release -- --ignored --nocapture"]
    fn append_throughput() {
        const N: u64 = 1_000_000;
        let start = std::time::Instant::now();
        let mut tree = Tree::new();
        for i in 0..N {
            tree.append(leaf_hash(&i.to_be_bytes())).unwrap();
        }
        let root = tree.root();
        let elapsed = start.elapsed();
        println!(
            "appended {N} leaves (leaf hash included) in {:.3} s: {:.0} leaves/s; root {}",
            elapsed.as_secs_f64(),
            N as f64 / elapsed.as_secs_f64(),
            hex(&root)
        );
        let start = std::time::Instant::now();
        let leaf = leaf_hash(b"x");
        let mut tree = Tree::new();
        for _ in 0..N {
            tree.append(leaf).unwrap();
        }
        std::hint::black_box(tree.root());
        let elapsed = start.elapsed();
        println!(
            "appended {N} precomputed leaf hashes in {:.3} s: {:.0} leaves/s",
            elapsed.as_secs_f64(),
            N as f64 / elapsed.as_secs_f64()
        );
    }
}

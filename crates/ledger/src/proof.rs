//! Inclusion and consistency proofs (RFC 9162 §2.1.3 and §2.1.4, identical to RFC 6962 §2.1.1
//! and §2.1.2).
//!
//! Generation reads the hashes of complete subtrees through a [`HashReader`], so the same code
//! serves a slice of leaf hashes in memory and a log stored as tiles
//! ([`TileHashReader`](crate::TileHashReader)). Verification needs only the proof, the sizes and
//! the roots, and never panics.
//!
//! A proof is a list of hashes, ordered from the leaf side to the root side as in the RFCs.

use crate::LedgerError;
use crate::hash::{Hash, MAX_SIZE, Tree, empty_root, node_hash};

/// A source of the hashes of complete ("perfect") subtrees, from which proofs are generated.
///
/// Implemented for a slice of leaf hashes in memory and, over stored tiles, by
/// [`TileHashReader`](crate::TileHashReader); a storage shell can implement it over its own
/// table of level hashes.
///
/// The subtree at `level` `L` and `index` `N` is `MTH(D[N·2^L .. (N+1)·2^L])`; level 0 holds the
/// leaf hashes. Proof generation only asks for subtrees that lie entirely inside the tree size
/// it was given.
pub trait HashReader {
    /// The hash of the complete subtree at `level`, `index`.
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Hash, LedgerError>;
}

/// Leaf hashes in memory: every subtree hash is recomputed from the leaves (O(2^level)), so a
/// proof costs O(n). Fine for tests and small logs; large logs read tiles instead.
impl HashReader for [Hash] {
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        let unavailable = LedgerError::HashUnavailable { level, index };
        if level >= 63 {
            return Err(unavailable);
        }
        let width = 1u64 << level;
        let start = index.checked_mul(width).ok_or(unavailable.clone())?;
        let end = start.checked_add(width).ok_or(unavailable.clone())?;
        let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
            return Err(unavailable);
        };
        let leaves = self.get(start..end).ok_or(unavailable)?;
        let mut tree = Tree::new();
        for leaf in leaves {
            tree.push(*leaf, |_, _, _| {});
        }
        Ok(tree.root())
    }
}

impl HashReader for Vec<Hash> {
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        self.as_slice().subtree_hash(level, index)
    }
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        (**self).subtree_hash(level, index)
    }
}

/// `MTH(D[start..end])` for a range whose start is aligned to the largest power of two not above
/// its length (every range a proof needs is), built from complete subtrees.
fn range_hash<R: HashReader + ?Sized>(
    reader: &R,
    start: u64,
    end: u64,
) -> Result<Hash, LedgerError> {
    debug_assert!(start < end);
    // Complete subtrees left to right, largest first; then fold from the right.
    let mut parts: Vec<Hash> = Vec::with_capacity(64);
    let mut at = start;
    while at < end {
        let level = 63 - (end - at).leading_zeros();
        // Alignment is guaranteed for the ranges used below; a misaligned range would be a bug.
        debug_assert_eq!(at % (1u64 << level), 0);
        parts.push(reader.subtree_hash(level as u8, at >> level)?);
        at += 1u64 << level;
    }
    let mut iter = parts.into_iter().rev();
    let last = iter.next().unwrap_or_else(empty_root);
    Ok(iter.fold(last, |right, left| node_hash(&left, &right)))
}

/// The root of the first `size` leaves of `reader`.
pub fn tree_hash<R: HashReader + ?Sized>(reader: &R, size: u64) -> Result<Hash, LedgerError> {
    check_size(size)?;
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(reader, 0, size)
}

fn check_size(size: u64) -> Result<(), LedgerError> {
    if size > MAX_SIZE {
        return Err(LedgerError::SizeOutOfRange {
            size,
            limit: MAX_SIZE,
        });
    }
    Ok(())
}

/// Largest power of two strictly below `n` (`n >= 2`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The inclusion proof (audit path) of leaf `index` in the tree of the first `size` leaves.
///
/// A proof is a list of hashes ordered from the leaf side to the root side, as in RFC 9162;
/// its wire form is their concatenation.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    reader: &R,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, LedgerError> {
    check_size(size)?;
    if index >= size {
        return Err(LedgerError::IndexOutOfRange { index, size });
    }
    // PATH(m, D[start..end]), descending iteratively; siblings are collected root-side first.
    let mut proof = Vec::new();
    let (mut start, mut end) = (0u64, size);
    while end - start > 1 {
        let k = split_point(end - start);
        let mid = start + k;
        if index < mid {
            proof.push(range_hash(reader, mid, end)?);
            end = mid;
        } else {
            proof.push(range_hash(reader, start, mid)?);
            start = mid;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The consistency proof between the tree of the first `old_size` leaves and that of the first
/// `new_size` leaves. Empty when the sizes are equal or `old_size` is 0.
pub fn consistency_proof<R: HashReader + ?Sized>(
    reader: &R,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, LedgerError> {
    check_size(new_size)?;
    if old_size > new_size {
        return Err(LedgerError::SizeOutOfRange {
            size: old_size,
            limit: new_size,
        });
    }
    let mut proof = Vec::new();
    if old_size == 0 || old_size == new_size {
        return Ok(proof);
    }
    // SUBPROOF(m, D[start..end], complete), descending iteratively.
    let (mut start, mut end, mut m, mut complete) = (0u64, new_size, old_size, true);
    while m != end - start {
        let k = split_point(end - start);
        if m <= k {
            proof.push(range_hash(reader, start + k, end)?);
            end = start + k;
        } else {
            proof.push(range_hash(reader, start, start + k)?);
            start += k;
            m -= k;
            complete = false;
        }
    }
    if !complete {
        proof.push(range_hash(reader, start, end)?);
    }
    proof.reverse();
    Ok(proof)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves with root `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), LedgerError> {
    if index >= size {
        return Err(LedgerError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if snode == 0 {
            return Err(LedgerError::InvalidProof {
                reason: "inclusion proof is too long",
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(LedgerError::InvalidProof {
            reason: "inclusion proof is too short",
        });
    }
    if &r != root {
        return Err(LedgerError::InvalidProof {
            reason: "inclusion proof leads to a different root",
        });
    }
    Ok(())
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots; an empty old tree needs an empty proof and
/// `old_root` equal to [`empty_root`].
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), LedgerError> {
    if old_size > new_size {
        return Err(LedgerError::SizeOutOfRange {
            size: old_size,
            limit: new_size,
        });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(LedgerError::InvalidProof {
                reason: "consistency proof must be empty",
            });
        }
        let expected = if old_size == 0 {
            empty_root()
        } else {
            *new_root
        };
        if old_root != &expected {
            return Err(LedgerError::InvalidProof {
                reason: "roots differ",
            });
        }
        return Ok(());
    }
    let Some((first, rest)) = proof.split_first() else {
        return Err(LedgerError::InvalidProof {
            reason: "consistency proof is empty",
        });
    };
    // If the old tree is a complete subtree, its root is the implicit first proof element.
    let (seed, path) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        (first, rest)
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in path {
        if snode == 0 {
            return Err(LedgerError::InvalidProof {
                reason: "consistency proof is too long",
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(LedgerError::InvalidProof {
            reason: "consistency proof is too short",
        });
    }
    if &fr != old_root {
        return Err(LedgerError::InvalidProof {
            reason: "consistency proof leads to a different old root",
        });
    }
    if &sr != new_root {
        return Err(LedgerError::InvalidProof {
            reason: "consistency proof leads to a different new root",
        });
    }
    Ok(())
}

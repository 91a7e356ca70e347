//! Proof generation and verification, cross-checked against two independent implementations:
//! the `ct-merkle` crate and a naive recursive transcription of RFC 6962 §2.1 written here.

use annals_ledger::{
    Hash, LedgerError, Tree, consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash,
    root, tree_hash, verify_consistency, verify_inclusion,
};
use ct_merkle::RootHash;
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use proptest::prelude::*;
use sha2_ct::Sha256;

/// Naive RFC 6962 §2.1, recursive, straight from the text.
mod rfc {
    use super::*;

    fn k(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    pub fn mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_root(),
            1 => d[0],
            n => node_hash(&mth(&d[..k(n)]), &mth(&d[k(n)..])),
        }
    }

    pub fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
        let n = d.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = k(n);
        if m < k {
            let mut p = path(m, &d[..k]);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = path(m - k, &d[k..]);
            p.push(mth(&d[..k]));
            p
        }
    }

    fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { Vec::new() } else { vec![mth(d)] };
        }
        let k = k(n);
        if m <= k {
            let mut p = subproof(m, &d[..k], b);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = subproof(m - k, &d[k..], false);
            p.push(mth(&d[..k]));
            p
        }
    }

    pub fn proof(m: usize, d: &[Hash]) -> Vec<Hash> {
        if m == 0 || m == d.len() {
            Vec::new()
        } else {
            subproof(m, d, true)
        }
    }
}

fn entries(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("entry {i}").into_bytes()).collect()
}

fn ct_tree(entries: &[Vec<u8>]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut tree = MemoryBackedTree::new();
    for entry in entries {
        tree.push(entry.clone());
    }
    tree
}

fn flat(proof: &[Hash]) -> Vec<u8> {
    proof.concat()
}

fn ct_root(hash: &Hash, size: u64) -> RootHash<Sha256> {
    RootHash::new((*hash).into(), size)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn roots_agree(n in 0usize..600) {
        let entries = entries(n);
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let mut tree = Tree::new();
        for leaf in &leaves {
            tree.append(*leaf).unwrap();
        }
        prop_assert_eq!(tree.root(), root(&leaves));
        prop_assert_eq!(tree.root(), rfc::mth(&leaves));
        prop_assert_eq!(tree_hash(leaves.as_slice(), n as u64).unwrap(), rfc::mth(&leaves));
        if n > 0 {
            let ct_root = ct_tree(&entries).root();
            prop_assert_eq!(&tree.root()[..], &ct_root.as_bytes()[..]);
        }
    }

    #[test]
    fn inclusion_agrees(n in 1usize..400, seed in any::<u64>()) {
        let index = (seed % n as u64) as usize;
        let entries = entries(n);
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let size = n as u64;
        let root = root(&leaves);

        let proof = inclusion_proof(leaves.as_slice(), index as u64, size).unwrap();
        prop_assert_eq!(&proof, &rfc::path(index, &leaves));
        let ct = ct_tree(&entries);
        let ct_proof = ct.prove_inclusion(index);
        prop_assert_eq!(flat(&proof), ct_proof.as_bytes().to_vec());

        verify_inclusion(&leaves[index], index as u64, size, &proof, &root).unwrap();
        prop_assert!(ct.root().verify_inclusion(&entries[index], index as u64, &ct_proof).is_ok());

        // Any change makes verification fail.
        let other = leaf_hash(b"not in the log");
        prop_assert!(verify_inclusion(&other, index as u64, size, &proof, &root).is_err());
        if n > 1 {
            let wrong = (index + 1) % n;
            prop_assert!(verify_inclusion(&leaves[index], wrong as u64, size, &proof, &root).is_err());
            let mut bad = proof.clone();
            let at = (seed as usize / n) % bad.len();
            bad[at][(seed % 32) as usize] ^= 1;
            prop_assert!(verify_inclusion(&leaves[index], index as u64, size, &bad, &root).is_err());
            let mut short = proof.clone();
            short.pop();
            prop_assert!(verify_inclusion(&leaves[index], index as u64, size, &short, &root).is_err());
        }
        let mut long = proof.clone();
        long.push(other);
        prop_assert!(verify_inclusion(&leaves[index], index as u64, size, &long, &root).is_err());
        // (A wrong size is not always detected: RFC 9162 proofs for index m in trees of sizes n
        // and n' can coincide, which is why a proof is checked against a signed (size, root).)
    }

    #[test]
    fn consistency_agrees(n in 1usize..400, seed in any::<u64>()) {
        let old = 1 + (seed % n as u64) as usize; // 1..=n
        let entries = entries(n);
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let (old_size, new_size) = (old as u64, n as u64);
        let old_root = root(&leaves[..old]);
        let new_root = root(&leaves);

        let proof = consistency_proof(leaves.as_slice(), old_size, new_size).unwrap();
        prop_assert_eq!(&proof, &rfc::proof(old, &leaves));
        verify_consistency(old_size, new_size, &old_root, &new_root, &proof).unwrap();

        if old < n {
            let ct = ct_tree(&entries);
            let ct_proof = ct.prove_consistency(n - old);
            prop_assert_eq!(flat(&proof), ct_proof.as_bytes().to_vec());
            let ours = ct_merkle::ConsistencyProof::<Sha256>::try_from_bytes(flat(&proof)).unwrap();
            prop_assert!(ct.root().verify_consistency(&ct_root(&old_root, old_size), &ours).is_ok());

            let mut bad = proof.clone();
            let at = (seed as usize / n) % bad.len();
            bad[at][(seed % 32) as usize] ^= 1;
            prop_assert!(verify_consistency(old_size, new_size, &old_root, &new_root, &bad).is_err());
            let mut short = proof.clone();
            short.pop();
            prop_assert!(verify_consistency(old_size, new_size, &old_root, &new_root, &short).is_err());
            let mut long = proof.clone();
            long.push(old_root);
            prop_assert!(verify_consistency(old_size, new_size, &old_root, &new_root, &long).is_err());
            prop_assert!(verify_consistency(old_size, new_size, &new_root, &new_root, &proof).is_err());
            let forked = leaf_hash(b"forked");
            prop_assert!(verify_consistency(old_size, new_size, &old_root, &forked, &proof).is_err());
        }
        // An empty old tree is consistent with everything, with an empty proof.
        prop_assert!(verify_consistency(0, new_size, &empty_root(), &new_root, &[]).is_ok());
        prop_assert!(verify_consistency(0, new_size, &old_root, &new_root, &[]).is_err());
    }

    #[test]
    fn verifiers_never_panic(
        index in any::<u64>(),
        size in any::<u64>(),
        old in any::<u64>(),
        proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
        a in any::<[u8; 32]>(),
        b in any::<[u8; 32]>(),
    ) {
        let _ = verify_inclusion(&a, index, size, &proof, &b);
        let _ = verify_inclusion(&a, index % size.max(1), size, &proof, &b);
        let _ = verify_consistency(old, size, &a, &b, &proof);
        let _ = verify_consistency(old % size.max(1), size, &a, &b, &proof);
        let leaves = [a, b];
        let _ = inclusion_proof(leaves.as_slice(), index, size);
        let _ = consistency_proof(leaves.as_slice(), old, size);
    }
}

#[test]
fn sizes_beyond_the_leaves_are_errors() {
    let leaves: Vec<Hash> = (0u8..5).map(|i| leaf_hash(&[i])).collect();
    assert!(matches!(
        inclusion_proof(leaves.as_slice(), 1, 9),
        Err(LedgerError::HashUnavailable { .. })
    ));
    assert!(matches!(
        inclusion_proof(leaves.as_slice(), 5, 5),
        Err(LedgerError::IndexOutOfRange { index: 5, size: 5 })
    ));
    assert!(consistency_proof(leaves.as_slice(), 6, 5).is_err());
    assert!(inclusion_proof(leaves.as_slice(), 0, u64::MAX).is_err());
    assert!(
        verify_inclusion(
            &leaves[0],
            u64::MAX - 1,
            u64::MAX,
            &[leaves[1]; 64],
            &leaves[2]
        )
        .is_err()
    );
    assert!(
        verify_consistency(
            u64::MAX - 1,
            u64::MAX,
            &leaves[0],
            &leaves[1],
            &[leaves[1]; 64]
        )
        .is_err()
    );
}

#[test]
fn exhaustive_small_trees() {
    // Every (index, size) and (old, new) pair up to 70 leaves, against the RFC transcription.
    let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    for n in 1..=leaves.len() {
        let d = &leaves[..n];
        let root = rfc::mth(d);
        for m in 0..n {
            let proof = inclusion_proof(d, m as u64, n as u64).unwrap();
            assert_eq!(proof, rfc::path(m, d));
            verify_inclusion(&d[m], m as u64, n as u64, &proof, &root).unwrap();
        }
        for m in 0..=n {
            let proof = consistency_proof(d, m as u64, n as u64).unwrap();
            assert_eq!(proof, rfc::proof(m, d), "m={m} n={n}");
            verify_consistency(m as u64, n as u64, &rfc::mth(&d[..m]), &root, &proof).unwrap();
        }
    }
}

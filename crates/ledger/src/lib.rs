//! The ledger core: a tamper-evident Merkle log of WARC records, as public specs define it.
//!
//! Every archived record becomes one [`Entry`] (digest, file, offset, length, record id, date),
//! appended as a leaf of an RFC 6962 / RFC 9162 Merkle tree. The log publishes signed
//! [`Checkpoint`]s (C2SP `tlog-checkpoint` in a C2SP `signed-note`, Ed25519) and can be served as
//! C2SP `tlog-tiles`, so standard log clients and witnesses can check that a capture existed and
//! was not altered.
//!
//! # Brief overview
//! - [`leaf_hash`], [`node_hash`], [`empty_root`], [`root`]: RFC 6962 hashing. [`Tree`] appends
//!   leaf hashes keeping only its frontier (O(log n) memory).
//! - [`inclusion_proof`], [`consistency_proof`] generate proofs from any [`HashReader`] (a slice
//!   of leaf hashes, or stored tiles through [`TileHashReader`]); [`verify_inclusion`] and
//!   [`verify_consistency`] check them.
//! - [`Entry`]: the versioned binary leaf format that binds one WARC record (format on the type).
//! - [`Checkpoint`], [`Note`], [`Signer`], [`Verifier`]: checkpoint bodies, signed notes, and the
//!   `PRIVATE+KEY+…` / `name+id+key` key texts of Go's `sumdb/note`.
//! - [`Tile`], [`tiles_for_size`], [`new_tiles`], [`tile_data`], [`encode_bundle`],
//!   [`decode_bundle`]: tile paths, which tiles exist, and their contents; [`grow_tiles`]: the
//!   tiles a log writes as it grows, computed from the new leaves and its right-edge tiles.
//! - [`timestamp_request`], [`parse_timestamp_reply`]: RFC 3161 time-stamps of checkpoints
//!   (request, and the reply's status, message imprint and generation time).
//!
//! **Invariant:** bytes in, bytes out. No IO, no clock, no randomness: keys, seeds and entries
//! are passed in, and storage is the caller's (through [`HashReader`] or tile fetches).
//! **Invariant:** no panic on any input; malformed notes, keys, proofs, tiles and entries are a
//! [`LedgerError`].
//!
//! # Example
//! ```
//! use annals_ledger::{
//!     Checkpoint, Signer, Tree, inclusion_proof, leaf_hash, verify_inclusion,
//! };
//!
//! let entries: [&[u8]; 3] = [b"a", b"b", b"c"];
//! let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
//! let mut tree = Tree::new();
//! for leaf in &leaves {
//!     tree.append(*leaf).unwrap();
//! }
//!
//! // The log signs a checkpoint (the seed comes from the caller's key store).
//! let signer = Signer::new("annals.example/log", [0x2a; 32]).unwrap();
//! let signed = Checkpoint::new("annals.example/log", tree.size(), tree.root())
//!     .sign(&signer)
//!     .unwrap();
//!
//! // A verifier checks the checkpoint, then that entry "b" is in it.
//! let checkpoint = Checkpoint::open(signed.as_bytes(), &[signer.verifier()]).unwrap();
//! let proof = inclusion_proof(leaves.as_slice(), 1, checkpoint.size).unwrap();
//! verify_inclusion(&leaf_hash(b"b"), 1, checkpoint.size, &proof, &checkpoint.root).unwrap();
//! ```
#![deny(missing_docs)]

pub use checkpoint::Checkpoint;
pub use entry::{ENTRY_VERSION, Entry, MAX_ENTRY_LEN};
pub use error::LedgerError;
pub use hash::{Hash, Tree, empty_root, leaf_hash, node_hash, root};
pub use note::{
    ALG_ED25519, MAX_SIGNATURES, Note, NoteSignature, Signer, Verifier, is_valid_key_name, key_id,
};
pub use proof::{
    HashReader, consistency_proof, inclusion_proof, tree_hash, verify_consistency, verify_inclusion,
};
pub use tiles::{
    TILE_WIDTH, Tile, TileHashReader, TileKind, decode_bundle, encode_bundle, encode_index,
    grow_start, grow_tiles, new_tiles, tile_data, tiles_for_size,
};
pub use tsp::{TimestampReply, TimestampToken, parse_timestamp_reply, timestamp_request};

mod checkpoint;
mod entry;
mod error;
mod hash;
mod note;
mod proof;
mod tiles;
mod tsp;

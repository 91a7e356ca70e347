//! No panic on any input: every parser and verifier returns an error on garbage.

use annals_ledger::{Checkpoint, Entry, Note, Signer, Tile, Verifier, decode_bundle, tile_data};
use proptest::prelude::*;

fn signer() -> Signer {
    Signer::new("annals.example/log", [3; 32]).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let verifiers = [signer().verifier()];
        let _ = Note::parse(&bytes);
        let _ = Note::open(&bytes, &verifiers);
        let _ = Checkpoint::open(&bytes, &verifiers);
        let _ = Entry::decode(&bytes);
        let _ = decode_bundle(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Checkpoint::parse(text);
            let _ = Tile::parse_path(text);
            let _ = Signer::from_key_text(text);
            let _ = Verifier::from_key_text(text);
        }
    }

    #[test]
    fn arbitrary_text(text in "(\\PC|\n| |\\+|—|/|[0-9a-fx.p]){0,120}") {
        let verifiers = [signer().verifier()];
        let _ = Note::open(text.as_bytes(), &verifiers);
        let _ = Checkpoint::parse(&text);
        let _ = Tile::parse_path(&text);
        let _ = Signer::from_key_text(&text);
        let _ = Verifier::from_key_text(&text);
        let _ = Signer::new(&text, [0; 32]);
    }

    #[test]
    fn mutated_signed_checkpoints(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let signer = signer();
        let signed = Checkpoint::new("annals.example/log", 42, [9; 32]).sign(&signer).unwrap();
        let mut bytes = signed.clone().into_bytes();
        let i = at.index(bytes.len());
        let unchanged = bytes[i] == byte;
        bytes[i] = byte;
        let opened = Checkpoint::open(&bytes, &[signer.verifier()]);
        if unchanged {
            prop_assert!(opened.is_ok());
        } else {
            // A changed byte in the text or in the signature is always caught; the only
            // accepted mutations are none.
            prop_assert!(opened.is_err(), "{:?}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn mutated_entries(at in any::<prop::sample::Index>(), byte in any::<u8>(), v1 in any::<bool>()) {
        // Both formats: 2 (written now) and 1 (with the record's id and date).
        let entry = Entry {
            record_sha256: [1; 32],
            file: "a.warc.gz".into(),
            offset: 7,
            length: 9,
            v1: v1.then(|| ("<urn:uuid:x>".into(), "2024-01-01T00:00:00Z".into())),
        };
        let mut bytes = entry.encode().unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(decoded) = Entry::decode(&bytes) {
            // Whatever decodes re-encodes to the same bytes: one encoding per entry.
            prop_assert_eq!(decoded.encode().unwrap(), bytes);
        }
    }

    #[test]
    fn arbitrary_tiles(level in any::<u8>(), index in any::<u64>(), width in any::<u16>()) {
        let tile = Tile { level, index, width };
        let leaves = [[0u8; 32]; 3];
        let _ = tile_data(leaves.as_slice(), &tile);
        let path = tile.path();
        if (1..=256).contains(&width) && level < 64 {
            prop_assert_eq!(Tile::parse_path(&path).unwrap().1, tile);
        }
    }
}

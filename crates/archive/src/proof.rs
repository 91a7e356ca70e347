//! Proof bundles: everything needed to check, offline and without annals' data directory, that a
//! record was in the log when a checkpoint was signed, and is unaltered.
//!
//! A bundle holds the stored record (its gzip member), its ledger entry, the leaf index, an RFC
//! 9162 inclusion proof, the signed C2SP checkpoint it verifies against, and the log's verifier
//! key. Checking it with a key obtained out of band (`--key annals.pub`) proves the record
//! against the archivist's published key; checking it with the embedded key proves only that
//! the bundle is internally consistent.

use annals_ledger::{Checkpoint, Entry, Hash, Verifier, leaf_hash, verify_inclusion};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::{Archive, ArchiveError};

/// Format identifier written in every bundle.
pub const PROOF_FORMAT: &str = "annals-proof/1";

/// A self-contained proof that one record is in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofBundle {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// The record's target URL.
    pub url: Option<String>,
    /// `WARC-Record-ID`.
    pub record_id: String,
    /// `WARC-Date`.
    pub date: String,
    /// The stored record (one gzip member of a WARC file), base64.
    pub record: String,
    /// The ledger entry (binary, version 1), base64.
    pub entry: String,
    /// Index of the record's leaf in the log.
    pub leaf_index: u64,
    /// The inclusion proof, base64 hashes, leaf to root.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (C2SP signed note) the proof verifies against.
    pub checkpoint: String,
    /// The log's verifier key (`name+id+base64`), for convenience; check it against the key the
    /// archivist published.
    pub verifier_key: String,
}

/// What a successful check established.
#[derive(Debug, Clone, Serialize)]
pub struct ProofSummary {
    /// The record's URL.
    pub url: Option<String>,
    /// `WARC-Date` of the record.
    pub date: String,
    /// The log's origin.
    pub origin: String,
    /// Tree size of the checkpoint.
    pub tree_size: u64,
    /// Whether the key used came from outside the bundle.
    pub key_from_outside: bool,
    /// The record's payload length in bytes (decompressed record).
    pub record_bytes: u64,
}

fn b64d(what: &str, text: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(text.trim())
        .map_err(|_| format!("{what} is not valid base64"))
}

/// Checks a bundle. `key` is a verifier key text obtained out of band; without it the embedded
/// key is used. Returns what was proven, or the first reason it fails.
pub fn verify_bundle(bundle: &ProofBundle, key: Option<&str>) -> Result<ProofSummary, String> {
    if bundle.format != PROOF_FORMAT {
        return Err(format!(
            "unknown proof format {:?} (expected {PROOF_FORMAT})",
            bundle.format
        ));
    }
    let key_text = key.unwrap_or(&bundle.verifier_key);
    let verifier =
        Verifier::from_key_text(key_text.trim()).map_err(|e| format!("verifier key: {e}"))?;
    let cp = Checkpoint::open(
        bundle.checkpoint.as_bytes(),
        std::slice::from_ref(&verifier),
    )
    .map_err(|e| {
        format!(
            "the checkpoint's signature does not verify with key {}: {e}",
            verifier.name()
        )
    })?;
    let entry_bytes = b64d("entry", &bundle.entry)?;
    let entry = Entry::decode(&entry_bytes).map_err(|e| format!("ledger entry: {e}"))?;
    let record = b64d("record", &bundle.record)?;
    let digest = annals_warc::digest::hex_encode(&sha2_256(&record));
    if digest != annals_warc::digest::hex_encode(&entry.record_sha256)
        || record.len() as u64 != entry.length
    {
        return Err(
            "the record bytes do not match the ledger entry: the record was altered".into(),
        );
    }
    // A format 1 entry also names the record's id (format 2 leaves it to the record's digest).
    if let Some((record_id, _)) = &entry.v1
        && *record_id != bundle.record_id
    {
        return Err("the record id in the bundle is not the one in the ledger entry".into());
    }
    let proof: Vec<Hash> = bundle
        .inclusion_proof
        .iter()
        .map(|h| {
            b64d("proof hash", h).and_then(|b| {
                <[u8; 32]>::try_from(b).map_err(|_| "proof hash is not 32 bytes".to_string())
            })
        })
        .collect::<Result<_, _>>()?;
    verify_inclusion(
        &leaf_hash(&entry_bytes),
        bundle.leaf_index,
        cp.size,
        &proof,
        &cp.root,
    )
    .map_err(|e| format!("the inclusion proof does not lead to the signed root: {e}"))?;
    // The record itself must parse and be the one named.
    let parsed = annals_warc::WarcReader::new(&record[..])
        .next()
        .and_then(Result::ok)
        .ok_or("the record bytes are not a WARC record")?;
    if parsed.record.header.record_id() != Some(bundle.record_id.as_str()) {
        return Err("the WARC record's id differs from the bundle's".into());
    }
    let date = match entry.v1 {
        Some((_, date)) => date,
        None => parsed
            .record
            .header
            .get("WARC-Date")
            .unwrap_or_default()
            .to_string(),
    };
    Ok(ProofSummary {
        url: parsed.record.header.target_uri().map(str::to_string),
        date,
        origin: cp.origin,
        tree_size: cp.size,
        key_from_outside: key.is_some(),
        record_bytes: parsed.record.block.len() as u64,
    })
}

fn sha2_256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

impl Archive {
    /// A proof bundle for the capture of `url` closest to `at`, against the latest checkpoint.
    pub async fn prove(&self, url: &str, at: Option<i64>) -> Result<ProofBundle, ArchiveError> {
        let capture = self.closest(url, at).await?;
        let member = self.read_member(&capture)?;
        let leaves = self.store.ledger_leaves().await?;
        let index = leaves
            .iter()
            .position(|(f, o, _)| f == &capture.warc_file && *o == capture.offset)
            .ok_or_else(|| {
                ArchiveError::Invalid(format!(
                    "{url}: the record has no ledger leaf; run `annals verify`"
                ))
            })?;
        let hashes: Vec<Hash> = leaves
            .iter()
            .map(|(_, _, h)| {
                annals_warc::digest::hex_decode(h)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .unwrap_or([0; 32])
            })
            .collect();
        let (size, note) = self.latest_checkpoint()?.ok_or_else(|| {
            ArchiveError::Invalid("no checkpoint yet: run `annals ledger checkpoint` first".into())
        })?;
        if index as u64 >= size {
            return Err(ArchiveError::Invalid(format!(
                "{url}: the record was archived after the last checkpoint (tree size {size}); run `annals ledger checkpoint` first"
            )));
        }
        let proof = annals_ledger::inclusion_proof(&hashes, index as u64, size)
            .map_err(|e| ArchiveError::Invalid(format!("ledger: {e}")))?;
        let entry = crate::ledger::entry_for(&capture, index as u64, self.entry_v2_from)?;
        let entry_bytes = entry
            .encode()
            .map_err(|e| ArchiveError::Invalid(format!("ledger entry: {e}")))?;
        let status = self.ledger_status().await?;
        Ok(ProofBundle {
            format: PROOF_FORMAT.into(),
            url: capture.url.clone(),
            record_id: capture.record_id.clone(),
            date: capture.date.clone(),
            record: STANDARD.encode(&member),
            entry: STANDARD.encode(&entry_bytes),
            leaf_index: index as u64,
            inclusion_proof: proof.iter().map(|h| STANDARD.encode(h)).collect(),
            checkpoint: note,
            verifier_key: status.verifier_key,
        })
    }
}

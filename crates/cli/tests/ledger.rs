//! The ledger catches tampering: each kind of damage is done to a real data directory and
//! `annals verify` must name it.

use std::path::{Path, PathBuf};

mod common;
use common::{annals, member_len, only_warc, resource_member, run as ok};

fn verify_fails(data: &Path, full: bool) -> String {
    let mut cmd = annals(data);
    cmd.arg("verify");
    if full {
        cmd.arg("--full");
    }
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "verify should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// An archive with two checkpoints, made from generated records (no shared data needed).
fn setup(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    let mut input = Vec::new();
    for i in 0..40 {
        input.extend(resource_member(
            &format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            &format!("urn:text:item/{i}"),
            1_700_000_000 + i,
            format!("post number {i}: what was said").as_bytes(),
        ));
        if i == 19 {
            let first = dir.join("first.warc.gz");
            std::fs::write(&first, &input).unwrap();
            ok(annals(&data).arg("import").arg(&first));
            ok(annals(&data).args(["ledger", "checkpoint"]));
        }
    }
    let all = dir.join("all.warc.gz");
    std::fs::write(&all, &input).unwrap();
    ok(annals(&data).arg("import").arg(&all));
    ok(annals(&data).args(["ledger", "checkpoint"]));
    ok(annals(&data).args(["verify", "--full"]));
    let warc = only_warc(&data);
    (data, warc)
}

fn record_offset(data: &Path, url: &str) -> u64 {
    let out = ok(annals(data).args(["records", "--json", "--url", url]));
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    v["offset"].as_u64().unwrap()
}

#[test]
fn status_shows_size_root_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, _) = setup(tmp.path());
    let out = ok(annals(&data).args(["ledger", "status", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["size"], 41, "40 records and the warcinfo");
    assert_eq!(v["last_checkpoint_size"], 41);
    assert!(
        v["verifier_key"]
            .as_str()
            .unwrap()
            .starts_with(v["origin"].as_str().unwrap())
    );
    let key = data.join("ledger/annals.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn flipped_byte_names_the_record() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, warc) = setup(tmp.path());
    let offset = record_offset(&data, "urn:text:item/7");
    let mut bytes = std::fs::read(&warc).unwrap();
    bytes[offset as usize + 30] ^= 0x01;
    std::fs::write(&warc, bytes).unwrap();
    let out = verify_fails(&data, false);
    let name = warc.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        out.contains(&format!(
            "{name} at byte {offset}: stored record is damaged"
        )),
        "{out}"
    );
    assert!(
        out.contains("00000000-0000-4000-8000-000000000007"),
        "{out}"
    );
}

#[test]
fn reindexing_an_altered_record_is_caught_by_the_checkpoints() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, warc) = setup(tmp.path());
    // Rewrite record 3 with different text but valid gzip and digests, then rebuild the index:
    // the record itself now "verifies", but the log no longer matches what was signed.
    let offset = record_offset(&data, "urn:text:item/3") as usize;
    let bytes = std::fs::read(&warc).unwrap();
    let old_len = member_len(&bytes, offset);
    let member = resource_member(
        "urn:uuid:00000000-0000-4000-8000-000000000003",
        "urn:text:item/3",
        1_700_000_003,
        b"post number 3: something else entirely",
    );
    let rewritten = [&bytes[..offset], &member[..], &bytes[offset + old_len..]].concat();
    std::fs::write(&warc, rewritten).unwrap();
    ok(annals(&data).arg("reindex"));
    let out = verify_fails(&data, false);
    assert!(
        out.contains("the log was rewritten after checkpoint 21"),
        "{out}"
    );
    assert!(
        out.contains("the log was rewritten after checkpoint 41"),
        "{out}"
    );
}

#[test]
fn deleted_and_inserted_records_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, warc) = setup(tmp.path());
    // Delete a record from the middle of the file, then rebuild the index from the files.
    let offset = record_offset(&data, "urn:text:item/30") as usize;
    let bytes = std::fs::read(&warc).unwrap();
    let len = member_len(&bytes, offset);
    std::fs::write(&warc, [&bytes[..offset], &bytes[offset + len..]].concat()).unwrap();
    ok(annals(&data).arg("reindex"));
    let out = verify_fails(&data, false);
    assert!(
        out.contains("the log was rewritten after checkpoint 41"),
        "{out}"
    );
    assert!(
        !out.contains("checkpoint 21"),
        "the first 21 leaves are untouched: {out}"
    );

    // A signed checkpoint that was edited no longer verifies.
    let cp = data.join("ledger/checkpoints/21");
    let text = std::fs::read_to_string(&cp)
        .unwrap()
        .replacen("\n21\n", "\n22\n", 1);
    std::fs::write(&cp, text).unwrap();
    let out = verify_fails(&data, false);
    assert!(out.contains("checkpoint 21: bad signature"), "{out}");
}

#[test]
fn signing_is_refused_after_a_rewrite() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, warc) = setup(tmp.path());
    let offset = record_offset(&data, "urn:text:item/5") as usize;
    let bytes = std::fs::read(&warc).unwrap();
    let len = member_len(&bytes, offset);
    std::fs::write(&warc, [&bytes[..offset], &bytes[offset + len..]].concat()).unwrap();
    ok(annals(&data).arg("reindex"));
    let out = annals(&data)
        .args(["ledger", "checkpoint"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to sign"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn proof_bundles_verify_offline_and_catch_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, _) = setup(tmp.path());
    let proof = tmp.path().join("proof.json");
    ok(annals(&data)
        .args(["prove", "urn:text:item/12", "-o"])
        .arg(&proof));
    // Offline: another directory, no data directory at all.
    let key = data.join("ledger/annals.pub");
    let nowhere = tmp.path().join("nowhere");
    let out = ok(annals(&nowhere)
        .arg("verify-proof")
        .arg(&proof)
        .arg("--key")
        .arg(&key));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("valid: urn:text:item/12 captured 2023-11-14T22:13:32.000000Z")
            && text.contains("signed by the given key"),
        "{text}"
    );
    assert!(
        !nowhere.exists(),
        "verify-proof must not create a data directory"
    );

    // The record's bytes altered inside the bundle.
    let mut bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    let other = tmp.path().join("other.json");
    ok(annals(&data)
        .args(["prove", "urn:text:item/13", "-o"])
        .arg(&other));
    let other_v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
    bundle["record"] = other_v["record"].clone();
    let forged = tmp.path().join("forged.json");
    std::fs::write(&forged, bundle.to_string()).unwrap();
    let out = annals(&nowhere)
        .arg("verify-proof")
        .arg(&forged)
        .arg("--key")
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the record bytes do not match the ledger entry")
    );

    // A key that is not the archivist's.
    let other_dir = tmp.path().join("other-archive");
    ok(annals(&other_dir).arg("init"));
    let out = annals(&nowhere)
        .arg("verify-proof")
        .arg(&proof)
        .arg("--key")
        .arg(other_dir.join("ledger/annals.pub"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signature does not verify"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A record archived after the last checkpoint cannot be proven yet.
    let late = tmp.path().join("late.warc.gz");
    let member = resource_member(
        "urn:uuid:00000000-0000-4000-8000-0000000000ff",
        "urn:text:late",
        1_800_000_000,
        b"late",
    );
    std::fs::write(&late, member).unwrap();
    ok(annals(&data).arg("import").arg(&late));
    let out = annals(&data)
        .args(["prove", "urn:text:late"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("after the last checkpoint"));
    ok(annals(&data).args(["ledger", "checkpoint"]));
    ok(annals(&data)
        .args(["prove", "urn:text:late", "-o"])
        .arg(tmp.path().join("late.json")));
}

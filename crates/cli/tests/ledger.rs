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

/// `annals prove URL -o PROOF`, then `annals verify-proof PROOF --key` the data directory's
/// public key, run from `elsewhere` (no data directory); returns what verify-proof printed.
fn prove_offline(data: &Path, url: &str, proof: &Path, elsewhere: &Path) -> String {
    ok(annals(data).args(["prove", url, "-o"]).arg(proof));
    let out = ok(annals(elsewhere)
        .arg("verify-proof")
        .arg(proof)
        .arg("--key")
        .arg(data.join("ledger/annals.pub")));
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
    // The exact finding, and with --full nothing more than the damage itself: the records
    // after it are neither "deleted" nor "inserted".
    let full = verify_fails(&data, true);
    let damaged = full
        .lines()
        .find(|l| l.starts_with("record: "))
        .unwrap_or_default()
        .to_string();
    assert!(
        damaged.starts_with(&format!(
            "record: {name} at byte {offset}: stored record is damaged: record digest is sha256:"
        )) && damaged.ends_with("(<urn:uuid:00000000-0000-4000-8000-000000000007>)"),
        "{full}"
    );
    assert_eq!(
        full.lines().filter(|l| l.starts_with("record: ")).count(),
        1,
        "{full}"
    );
    assert!(
        !full.contains("deleted?") && !full.contains("inserted?"),
        "{full}"
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
    let nowhere = tmp.path().join("nowhere");
    let text = prove_offline(&data, "urn:text:item/12", &proof, &nowhere);
    let key = data.join("ledger/annals.pub");
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

// ---- Tiles: the log as C2SP tlog-tiles static files ----

use sha2_ct::{Digest, Sha256};

type H = [u8; 32];

fn sha(parts: &[&[u8]]) -> H {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// RFC 6962 MTH, recursive, from the text of the RFC (independent of annals-ledger).
fn mth(leaves: &[H]) -> H {
    match leaves.len() {
        0 => sha(&[]),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            sha(&[&[1], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

/// tlog-tiles index encoding (`x001/x234/067`), written out again here on purpose.
fn tile_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

fn tile_path(kind: &str, index: u64, width: u64) -> String {
    if width == 256 {
        format!("tile/{kind}/{}", tile_index(index))
    } else {
        format!("tile/{kind}/{}.p/{width}", tile_index(index))
    }
}

fn hashes(data: &[u8]) -> Vec<H> {
    assert_eq!(data.len() % 32, 0);
    data.chunks(32).map(|c| c.try_into().unwrap()).collect()
}

/// (size, root) of a signed checkpoint note.
fn checkpoint_body(text: &str) -> (u64, H) {
    use base64::Engine as _;
    let lines: Vec<&str> = text.lines().collect();
    let size = lines[1].parse().unwrap();
    let root = base64::engine::general_purpose::STANDARD
        .decode(lines[2])
        .unwrap();
    (size, root.try_into().unwrap())
}

/// Recomputes the root of a tree of `size` leaves from the tile files under `log` alone, checks
/// every level-1 hash against the level-0 tile it summarises and every entry bundle against the
/// leaf hashes, and cross-checks the root with ct-merkle over the entries.
fn root_from_tiles(log: &Path, size: u64) -> H {
    let read = |rel: String| std::fs::read(log.join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut leaves: Vec<H> = Vec::new();
    let mut entries: Vec<Vec<u8>> = Vec::new();
    for index in 0..size.div_ceil(256) {
        let width = (size - index * 256).min(256);
        let tile = hashes(&read(tile_path("0", index, width)));
        assert_eq!(tile.len() as u64, width);
        let bundle = read(tile_path("entries", index, width));
        let mut rest = &bundle[..];
        let mut n = 0;
        while !rest.is_empty() {
            let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
            let entry = &rest[2..2 + len];
            assert_eq!(
                sha(&[&[0], entry]),
                tile[n],
                "entry {} of bundle {index}",
                n
            );
            entries.push(entry.to_vec());
            rest = &rest[2 + len..];
            n += 1;
        }
        assert_eq!(n as u64, width, "bundle {index} holds one entry per leaf");
        leaves.extend(tile);
    }
    let full = size / 256;
    if full > 0 {
        let level1 = hashes(&read(tile_path("1", 0, full)));
        for (i, h) in level1.iter().enumerate() {
            assert_eq!(*h, mth(&leaves[i * 256..(i + 1) * 256]), "level-1 hash {i}");
        }
    }
    let root = mth(&leaves);
    let mut ct = ct_merkle::mem_backed_tree::MemoryBackedTree::<Sha256, Vec<u8>>::new();
    for e in entries {
        ct.push(e);
    }
    assert_eq!(&root[..], &ct.root().as_bytes()[..], "ct-merkle agrees");
    root
}

fn import_items(data: &Path, dir: &Path, range: std::ops::Range<u64>) {
    let mut input = Vec::new();
    for i in range.clone() {
        input.extend(resource_member(
            &format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            &format!("urn:text:item/{i}"),
            1_700_000_000 + i as i64,
            format!("post number {i}").as_bytes(),
        ));
    }
    let file = dir.join(format!("items-{}.warc.gz", range.start));
    std::fs::write(&file, &input).unwrap();
    ok(annals(data).arg("import").arg(&file));
}

#[test]
fn tiles_on_disk_hash_to_each_signed_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, _) = setup(tmp.path());
    let log = data.join("ledger");
    let mut sizes = vec![41];
    let mut full_tile_mtime = None;
    for (step, range) in [(0, 40..340), (1, 340..640)] {
        import_items(&data, tmp.path(), range);
        let out = annals(&data)
            .args(["ledger", "checkpoint"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let note = String::from_utf8_lossy(&out.stdout).to_string();
        let (size, root) = checkpoint_body(&note);
        sizes.push(size);
        assert_eq!(
            std::fs::read_to_string(log.join("checkpoint")).unwrap(),
            note
        );
        assert_eq!(
            root_from_tiles(&log, size),
            root,
            "tiles of checkpoint {size}"
        );
        // Full tiles are written once: the third checkpoint does not rewrite tile/0/000.
        let mtime = std::fs::metadata(log.join("tile/0/000"))
            .unwrap()
            .modified()
            .unwrap();
        if step == 1 {
            assert_eq!(Some(mtime), full_tile_mtime, "tile/0/000 was rewritten");
        }
        full_tile_mtime = Some(mtime);
    }
    assert_eq!(sizes, [41, 341, 641]);
    assert!(log.join("tile/0/002.p/129").is_file());
    assert!(log.join("tile/1/000.p/2").is_file());
    assert!(log.join("tile/entries/002.p/129").is_file());
    // Partial tiles of earlier checkpoints stay, so clients holding them can still read the tree.
    for size in [41u64, 341] {
        let text = std::fs::read_to_string(log.join(format!("checkpoints/{size}"))).unwrap();
        assert_eq!(root_from_tiles(&log, size), checkpoint_body(&text).1);
    }
    assert!(!log.join("tile.new").exists(), "staging folder removed");
    // Nothing new: no new checkpoint, no tile written.
    let before = std::fs::read_dir(log.join("checkpoints")).unwrap().count();
    let out = ok(annals(&data).args(["ledger", "checkpoint"]));
    assert_eq!(
        checkpoint_body(&String::from_utf8_lossy(&out.stdout)).0,
        641
    );
    assert_eq!(
        std::fs::read_dir(log.join("checkpoints")).unwrap().count(),
        before
    );
    ok(annals(&data).args(["verify", "--full"]));

    // Tiles deleted (e.g. a data directory from before tiles existed) are rebuilt.
    std::fs::remove_dir_all(log.join("tile")).unwrap();
    ok(annals(&data).args(["ledger", "checkpoint"]));
    assert_eq!(
        root_from_tiles(&log, 641),
        checkpoint_body(&std::fs::read_to_string(log.join("checkpoint")).unwrap()).1
    );

    // An altered published tile is a finding.
    let tile = log.join("tile/0/001");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&tile, bytes).unwrap();
    let out = verify_fails(&data, false);
    assert!(
        out.contains(
            "tiles: ledger/tile/0/001 does not match the log at checkpoint 641: the published tiles were altered"
        ),
        "{out}"
    );
}

#[test]
fn inserted_record_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, warc) = setup(tmp.path());
    // A record slipped into the middle of the file behind annals' back.
    let offset = record_offset(&data, "urn:text:item/30") as usize;
    let bytes = std::fs::read(&warc).unwrap();
    let forged = resource_member(
        "urn:uuid:00000000-0000-4000-8000-00000000beef",
        "urn:text:forged",
        1_700_000_030,
        b"words never said",
    );
    std::fs::write(
        &warc,
        [&bytes[..offset], &forged[..], &bytes[offset..]].concat(),
    )
    .unwrap();
    let out = verify_fails(&data, true);
    let name = warc.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        out.contains(&format!(
            "file: {name} byte {offset}: a record the index and log do not know (inserted?): <urn:uuid:00000000-0000-4000-8000-00000000beef>"
        )),
        "{out}"
    );
    // Rebuilding the index from the altered file makes the log disagree with checkpoint 41 only.
    ok(annals(&data).arg("reindex"));
    let out = verify_fails(&data, false);
    assert!(
        out.contains("the log was rewritten after checkpoint 41"),
        "{out}"
    );
    assert!(!out.contains("checkpoint 21"), "{out}");
}

// ---- RFC 3161 time-stamps from a real TSA on loopback: `openssl ts -reply` behind HTTP ----

fn openssl(args: &[&str], dir: &Path) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a TSA certificate (extendedKeyUsage=critical,timeStamping) and an `openssl ts` config.
fn make_tsa(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "30",
        "-subj",
        "/CN=annals test CA",
    ]);
    openssl(&ca, dir);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=annals test TSA",
    ]);
    openssl(&csr, dir);
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.crt",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
        ],
        dir,
    );
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    let cnf = dir.join("tsa.cnf");
    std::fs::write(
        &cnf,
        format!(
            "[ tsa ]\ndefault_tsa = tsa_config1\n\n[ tsa_config1 ]\ndir = {}\n\
             serial = $dir/tsaserial\ncrypto_device = builtin\nsigner_cert = $dir/tsa.crt\n\
             certs = $dir/ca.crt\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\n\
             default_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5.6\n\
             digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = yes\n\
             tsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            dir.display()
        ),
    )
    .unwrap();
    cnf
}

/// Serves POST /tsr on 127.0.0.1 by piping the query through `openssl ts -reply`. Returns the
/// port and a counter of requests answered.
fn serve_tsa(dir: PathBuf) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let served = count.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().route(
                "/tsr",
                axum::routing::post(move |body: axum::body::Bytes| {
                    let dir = dir.clone();
                    let served = served.clone();
                    async move {
                        let n = served.fetch_add(1, Ordering::SeqCst);
                        let query = dir.join(format!("q{n}.tsq"));
                        let reply = dir.join(format!("r{n}.tsr"));
                        std::fs::write(&query, &body).unwrap();
                        let out = tokio::process::Command::new("openssl")
                            .args(["ts", "-reply", "-config"])
                            .arg(dir.join("tsa.cnf"))
                            .arg("-queryfile")
                            .arg(&query)
                            .arg("-signer")
                            .arg(dir.join("tsa.crt"))
                            .arg("-inkey")
                            .arg(dir.join("tsa.key"))
                            .arg("-out")
                            .arg(&reply)
                            .output()
                            .await
                            .unwrap();
                        if !out.status.success() {
                            return (
                                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                                [("content-type", "text/plain")],
                                out.stderr,
                            );
                        }
                        (
                            axum::http::StatusCode::OK,
                            [("content-type", "application/timestamp-reply")],
                            std::fs::read(&reply).unwrap(),
                        )
                    }
                }),
            );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (port, count)
}

fn set_tsa(data: &Path, url: &str) {
    let path = data.join("annals.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let base = text.split("[ledger]").next().unwrap().to_string();
    std::fs::write(
        &path,
        format!("{base}[ledger]\ntsa_url = \"{url}\"\ntsa_timeout = 10\n"),
    )
    .unwrap();
}

#[test]
fn checkpoints_are_time_stamped_by_a_real_tsa() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: openssl is not installed (apt-get install openssl)");
        return;
    }
    use std::sync::atomic::Ordering;
    let tmp = tempfile::tempdir().unwrap();
    let (data, _) = setup(tmp.path());
    let tsa_dir = tmp.path().join("tsa");
    make_tsa(&tsa_dir);
    let (port, served) = serve_tsa(tsa_dir.clone());

    // The TSA is down: the checkpoint is signed all the same, with a warning.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!(
        "http://127.0.0.1:{}/tsr",
        closed.local_addr().unwrap().port()
    );
    drop(closed);
    set_tsa(&data, &dead);
    import_items(&data, tmp.path(), 100..101);
    let out = ok(annals(&data).args(["ledger", "checkpoint"]));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("annals: warning: checkpoint 42 has no time-stamp: TSA http://127.0.0.1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!data.join("ledger/checkpoints/42.tsr").exists());

    // The TSA is back: the next call stamps the unchanged checkpoint, later calls do nothing.
    set_tsa(&data, &format!("http://127.0.0.1:{port}/tsr"));
    ok(annals(&data).args(["ledger", "checkpoint"]));
    assert_eq!(served.load(Ordering::SeqCst), 1);
    assert!(data.join("ledger/checkpoints/42.tsr").is_file());
    ok(annals(&data).args(["ledger", "checkpoint"]));
    assert_eq!(
        served.load(Ordering::SeqCst),
        1,
        "nothing changed, nothing sent"
    );

    // A new checkpoint is stamped when it is signed.
    import_items(&data, tmp.path(), 101..103);
    ok(annals(&data).args(["ledger", "checkpoint"]));
    assert_eq!(served.load(Ordering::SeqCst), 2);

    // The peer check: openssl verifies the token's signature and imprint over the checkpoint.
    for size in [42, 44] {
        let out = std::process::Command::new("openssl")
            .args(["ts", "-verify", "-in"])
            .arg(data.join(format!("ledger/checkpoints/{size}.tsr")))
            .arg("-data")
            .arg(data.join(format!("ledger/checkpoints/{size}")))
            .arg("-CAfile")
            .arg(tsa_dir.join("ca.crt"))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Verification: OK"),
            "openssl ts -verify {size}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // annals verify checks the imprints and reports genTime.
    let out = ok(annals(&data).args(["verify", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stamps = v["timestamps"].as_array().unwrap();
    assert_eq!(stamps.len(), 2, "{v}");
    assert_eq!(stamps[0]["size"], 42);
    assert_eq!(stamps[0]["policy"], "1.2.3.4.1");
    let year: u32 = stamps[1]["gen_time"].as_str().unwrap()[..4]
        .parse()
        .unwrap();
    assert!(year >= 2024, "{v}");
    let out = ok(annals(&data).arg("verify"));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("timestamp: checkpoint 44 stamped by the TSA at "),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A token moved to another checkpoint does not stamp it.
    std::fs::copy(
        data.join("ledger/checkpoints/44.tsr"),
        data.join("ledger/checkpoints/42.tsr"),
    )
    .unwrap();
    let out = verify_fails(&data, false);
    assert!(
        out.contains(
            "timestamp: ledger/checkpoints/42.tsr: its message imprint is not the SHA-256 of the checkpoint"
        ),
        "{out}"
    );
}

/// A log begun before entry format 2 (entries that also named the record's id and date) keeps
/// its format 1 leaves after the upgrade: new leaves are in format 2, and `annals verify`,
/// `annals reindex`, the published tiles and proof bundles all agree with the checkpoints
/// signed before and after.
#[test]
fn a_log_begun_in_entry_format_1_keeps_verifying_after_the_upgrade() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(annals(&data).arg("init"));
    let format = data.join("ledger/entry-format");
    assert_eq!(
        std::fs::read_to_string(&format).unwrap(),
        "entry format 2 from leaf 0\n",
        "a new log is in format 2 from its first leaf"
    );
    // The version before format 2, as far as the ledger is concerned: every leaf in format 1.
    std::fs::write(&format, "entry format 2 from leaf 1000000\n").unwrap();
    import_items(&data, tmp.path(), 0..300);
    ok(annals(&data).args(["ledger", "checkpoint"]));
    std::fs::remove_file(&format).unwrap();
    // The first open by this version marks where format 2 begins.
    import_items(&data, tmp.path(), 300..700);
    let from: u64 = std::fs::read_to_string(&format)
        .unwrap()
        .trim()
        .strip_prefix("entry format 2 from leaf ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(from > 300, "{from}");
    ok(annals(&data).args(["ledger", "checkpoint"]));
    ok(annals(&data).args(["verify", "--full"]));

    // The entry bundles hold format 1 below the mark and format 2 from it on.
    let log = data.join("ledger");
    let mut versions = Vec::new();
    for bundle in ["tile/entries/000", "tile/entries/001"] {
        let bytes = std::fs::read(log.join(bundle)).unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let len = u16::from_be_bytes([bytes[at], bytes[at + 1]]) as usize;
            versions.push(bytes[at + 2]);
            at += 2 + len;
        }
    }
    assert_eq!(versions.len(), 512);
    let first_v2 = versions.iter().position(|&v| v == 2).unwrap();
    assert_eq!(first_v2 as u64, from);
    assert!(versions[..first_v2].iter().all(|&v| v == 1));
    assert!(versions[first_v2..].iter().all(|&v| v == 2));
    assert!(
        std::fs::metadata(log.join("tile/entries/001"))
            .unwrap()
            .len()
            < 256 * 120,
        "format 2 entries are smaller"
    );

    // Proofs of a format 1 leaf and of a format 2 leaf verify offline.
    for (i, url) in [(0, "urn:text:item/5"), (1, "urn:text:item/350")] {
        let proof = tmp.path().join(format!("proof{i}.json"));
        let text = prove_offline(&data, url, &proof, &tmp.path().join("nowhere"));
        assert!(
            text.starts_with(&format!("valid: {url} captured 20")),
            "{text}"
        );
    }

    // Rebuilt from the WARC files alone, the index holds the same tree as the signed checkpoint.
    ok(annals(&data).arg("reindex"));
    ok(annals(&data).args(["verify", "--full"]));
    let before = std::fs::read_to_string(log.join("checkpoint")).unwrap();
    let out = ok(annals(&data).args(["ledger", "checkpoint"]));
    assert_eq!(
        checkpoint_body(&String::from_utf8_lossy(&out.stdout)),
        checkpoint_body(&before)
    );
}

//! `annals export wacz` checked by peers, and `annals import` of every py-wacz fixture.
//!
//! Peers (each test prints `SKIPPED:` and returns when one is missing):
//! - `wacz validate` (PyPI `wacz` 0.6.0): layout, frictionless manifest, every hash, the digest
//!   file, `signedData.created == created`;
//! - `wacz validate --verify-auth`: passes on unsigned exports; on anonymous signatures py-wacz
//!   0.6.0 (with `authsign` 0.6.1) cannot pass, whoever wrote the file: its verifier requires the
//!   domain fields (`formats.md` §5.1). The test asserts it fails there and nowhere earlier, and
//!   checks the anonymous signature with pyca/cryptography instead: ECDSA P-384, SHA-256, raw
//!   `r || s`, exactly what WebCrypto (and so ReplayWeb.page) verifies;
//! - `warcio check` on every WARC inside;
//! - the inclusion proofs in `annals/proofs.jsonl` are checked with `annals verify-proof`'s own
//!   checker (`annals_archive::verify_bundle`) against the WACZ's checkpoint and log key.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{annals, fail, run, shared_warcs};

/// Whether `program --help` runs; prints `SKIPPED: …` if not.
fn have(program: &str, install: &str) -> bool {
    let ok = Command::new(program)
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: {program} is not on PATH ({install}); the peer checks did not run");
    }
    ok
}

fn python_has(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: python3 module {module} is absent; that check did not run");
    }
    ok
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Extracts every file entry of `wacz` into `dir`; returns the entry names.
fn extract(wacz: &Path, dir: &Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(fs::File::open(wacz).unwrap()).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let path = dir.join(&name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        fs::write(&path, bytes).unwrap();
        if name.starts_with("archive/") {
            assert_eq!(
                entry.compression(),
                zip::CompressionMethod::Stored,
                "{name} must be STOREd"
            );
        }
        names.push(name);
    }
    names
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Imports two shared WARCs into a fresh data directory.
fn archive_with_records(tmp: &Path) -> Option<PathBuf> {
    let warcs = shared_warcs()?;
    let data = tmp.join("data");
    let sample = warcs.join("pywb_sample_archive/warcs");
    run(annals(&data)
        .arg("import")
        .arg(sample.join("iana.warc.gz"))
        .arg(sample.join("example.warc.gz")));
    Some(data)
}

const VERIFY_ANONYMOUS: &str = r#"
import base64, hashlib, json, sys, zipfile
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
z = zipfile.ZipFile(sys.argv[1])
h = "sha256:" + hashlib.sha256(z.read("datapackage.json")).hexdigest()
s = json.loads(z.read("datapackage-digest.json"))["signedData"]
assert s["hash"] == h, "signedData.hash is not the hash of datapackage.json"
assert sorted(s) == ["created", "hash", "publicKey", "signature", "software"], sorted(s)
key = serialization.load_der_public_key(base64.b64decode(s["publicKey"]))
assert key.curve.name == "secp384r1", key.curve.name
raw = base64.b64decode(s["signature"])
assert len(raw) == 96, len(raw)
der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
key.verify(der, s["hash"].encode(), ec.ECDSA(hashes.SHA256()))
print("sha256:" + hashlib.sha256(base64.b64decode(s["publicKey"])).hexdigest())
"#;

#[test]
fn signed_export_passes_the_peers_and_carries_its_proofs() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(data) = archive_with_records(tmp.path()) else {
        return;
    };
    let out = tmp.path().join("out.wacz");
    let report = json(&run(annals(&data)
        .args(["export", "wacz", "--sign", "--text", "--json"])
        .arg(&out)));
    assert_eq!(report["records"], 350, "{report}");
    assert_eq!(report["proofs"], 350, "{report}");
    assert_eq!(report["unproven"], 0, "{report}");
    assert_eq!(report["checkpoint_size"], 350, "{report}");
    assert_eq!(report["index"], "indexes/index.cdxj", "{report}");
    assert_eq!(report["pages"], 17, "{report}");
    let fingerprint = report["signer_fingerprint"].as_str().unwrap().to_string();
    assert!(fingerprint.starts_with("sha256:"), "{report}");

    // The key stays private and is reused.
    let key = data.join("ledger/wacz-signing.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = json(&run(annals(&data)
        .args(["export", "wacz", "--sign", "--json"])
        .arg(tmp.path().join("again.wacz"))));
    assert_eq!(
        again["signer_fingerprint"].as_str(),
        Some(fingerprint.as_str())
    );

    // Our own reader: every hash and the signature.
    let imported = run(annals(&tmp.path().join("other")).arg("import").arg(&out));
    let said = String::from_utf8_lossy(&imported.stdout);
    assert!(
        said.contains(&format!(
            "all hashes match, signed by an anonymous key, fingerprint {fingerprint}"
        )),
        "{said}"
    );
    assert!(said.contains("350 records read, 350 added"), "{said}");

    // The layout and the evidence.
    let dir = tmp.path().join("unzipped");
    let names = extract(&out, &dir);
    for needed in [
        "indexes/index.cdxj",
        "pages/pages.jsonl",
        "annals/checkpoint",
        "annals/log.pub",
        "annals/proofs.jsonl",
        "datapackage.json",
        "datapackage-digest.json",
    ] {
        assert!(names.iter().any(|n| n == needed), "{needed} in {names:?}");
    }
    let pages = fs::read_to_string(dir.join("pages/pages.jsonl")).unwrap();
    assert!(pages.starts_with(
        "{\"format\": \"json-pages-1.0\", \"id\": \"pages\", \"title\": \"All Pages\""
    ));
    assert!(pages.contains("\"title\":\"Example Domain\""), "{pages}");
    assert!(
        pages.lines().next().unwrap().contains("\"hasText\": true"),
        "{pages}"
    );
    assert!(
        pages.contains("\"text\":\"This domain is established"),
        "{pages}"
    );
    let checkpoint = fs::read_to_string(dir.join("annals/checkpoint")).unwrap();
    let log_key = fs::read_to_string(dir.join("annals/log.pub")).unwrap();
    let published = fs::read_to_string(data.join("ledger/annals.pub")).unwrap();
    assert_eq!(log_key.trim(), published.trim());
    let proofs = fs::read_to_string(dir.join("annals/proofs.jsonl")).unwrap();
    let mut checked = 0;
    for line in proofs.lines() {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        let warc = fs::read(dir.join(p["path"].as_str().unwrap())).unwrap();
        let (offset, length) = (
            p["offset"].as_u64().unwrap() as usize,
            p["length"].as_u64().unwrap() as usize,
        );
        let bundle = annals_archive::ProofBundle {
            format: annals_archive::PROOF_FORMAT.into(),
            url: p["url"].as_str().map(str::to_string),
            record_id: p["record_id"].as_str().unwrap().into(),
            date: String::new(),
            record: base64(&warc[offset..offset + length]),
            entry: p["entry"].as_str().unwrap().into(),
            leaf_index: p["leaf_index"].as_u64().unwrap(),
            inclusion_proof: p["inclusion_proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect(),
            checkpoint: checkpoint.clone(),
            verifier_key: String::new(),
        };
        annals_archive::verify_bundle(&bundle, Some(published.trim()))
            .unwrap_or_else(|e| panic!("proof of {line}: {e}"));
        checked += 1;
    }
    assert_eq!(checked, 350);

    // Peers.
    if have("warcio", "pip install warcio==1.8.1") {
        for name in names.iter().filter(|n| n.starts_with("archive/")) {
            let o = Command::new("warcio")
                .args(["check", "-v"])
                .arg(dir.join(name))
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "warcio check {name}: {}",
                String::from_utf8_lossy(&o.stdout)
            );
        }
    }
    if have("wacz", "pip install wacz==0.6.0") {
        let o = Command::new("wacz")
            .args(["validate", "-f"])
            .arg(&out)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "wacz validate: {text}");
        assert!(text.contains("Validation succeeded"), "{text}");

        // --verify-auth: py-wacz hands signedData to authsign, which knows only the domain
        // shape. It must get that far (every other check passed) and fail there.
        let o = Command::new("wacz")
            .args(["validate", "--verify-auth", "-f"])
            .arg(&out)
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        if o.status.success() {
            eprintln!("NOTE: wacz validate --verify-auth accepted the anonymous signature");
        } else {
            assert!(
                text.contains("authsign package not found")
                    || (text.contains("domainCert") && text.contains("Field required")),
                "wacz validate --verify-auth failed before the signature step: {text}"
            );
            eprintln!(
                "NOTE: wacz validate --verify-auth cannot verify anonymous signatures \
                 (py-wacz 0.6.0 / authsign need the domain fields); checked with pyca/cryptography"
            );
        }
    }
    if python_has("cryptography") {
        let o = Command::new("python3")
            .args(["-c", VERIFY_ANONYMOUS])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "pyca/cryptography rejects the signature: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), fingerprint);
    }
}

#[test]
fn unsigned_and_since_exports_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(data) = archive_with_records(tmp.path()) else {
        return;
    };
    let all = tmp.path().join("all.wacz");
    let r = json(&run(annals(&data)
        .args(["export", "wacz", "--json"])
        .arg(&all)));
    assert!(r["signer_fingerprint"].is_null(), "{r}");
    let since = tmp.path().join("since.wacz");
    let r = json(&run(annals(&data)
        .args(["export", "wacz", "--json", "--since", "2014-01-27"])
        .arg(&since)));
    // example.warc.gz's records are from 2014-01-27; the newest iana.warc.gz ones from the 26th.
    assert!(r["records"].as_u64().unwrap() >= 2, "{r}");
    assert_eq!(
        r["proofs"].as_u64().unwrap() + 1,
        r["records"].as_u64().unwrap(),
        "every record but the new warcinfo has a proof: {r}"
    );
    let dir = tmp.path().join("since");
    let names = extract(&since, &dir);
    let warcs: Vec<&String> = names.iter().filter(|n| n.starts_with("archive/")).collect();
    assert_eq!(warcs.len(), 1, "{names:?}");
    // The index points into the new WARC.
    let index = fs::read_to_string(dir.join("indexes/index.cdxj")).unwrap();
    let warc_name = warcs[0].trim_start_matches("archive/");
    assert!(
        index
            .lines()
            .all(|l| l.contains(&format!("\"filename\": \"{warc_name}\""))),
        "{index}"
    );
    if have("wacz", "pip install wacz==0.6.0") {
        for (wacz, args) in [
            (&all, vec!["validate", "--verify-auth", "-f"]),
            (&since, vec!["validate", "-f"]),
        ] {
            let o = Command::new("wacz").args(&args).arg(wacz).output().unwrap();
            assert!(
                o.status.success(),
                "wacz {args:?} {}: {}",
                wacz.display(),
                String::from_utf8_lossy(&o.stdout)
            );
        }
    }
    if have("warcio", "pip install warcio==1.8.1") {
        let o = Command::new("warcio")
            .args(["check", "-v"])
            .arg(dir.join(warcs[0]))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }

    let err = fail(
        annals(&data)
            .args(["export", "wacz", "--list", "news"])
            .arg(tmp.path().join("list.wacz")),
    );
    assert!(
        err.contains("nothing archived for an item watched in list news"),
        "{err}"
    );
    assert!(!tmp.path().join("list.wacz").exists());
    let err = fail(
        annals(&data)
            .args(["export", "wacz", "--since", "2030-01-01"])
            .arg(tmp.path().join("none.wacz")),
    );
    assert!(err.contains("nothing archived"), "{err}");
}

/// A WACZ whose manifest was changed after signing, with every hash recomputed to match: only
/// the signature can tell, and it does.
#[test]
fn a_re_hashed_manifest_breaks_the_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(data) = archive_with_records(tmp.path()) else {
        return;
    };
    let out = tmp.path().join("out.wacz");
    run(annals(&data).args(["export", "wacz", "--sign"]).arg(&out));
    let mut zip = zip::ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
    let forged = tmp.path().join("forged.wacz");
    let mut w = zip::ZipWriter::new(fs::File::create(&forged).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut datapackage = Vec::new();
    let mut digest = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        match name.as_str() {
            "datapackage.json" => datapackage = bytes,
            "datapackage-digest.json" => digest = bytes,
            _ => {
                w.start_file(name, stored).unwrap();
                w.write_all(&bytes).unwrap();
            }
        }
    }
    let mut manifest: serde_json::Value = serde_json::from_slice(&datapackage).unwrap();
    manifest["title"] = "Not what was signed".into();
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let hash = annals_warc::digest::sha256_hex(&manifest);
    let mut digest: serde_json::Value = serde_json::from_slice(&digest).unwrap();
    digest["hash"] = hash.clone().into();
    digest["signedData"]["hash"] = hash.into();
    w.start_file("datapackage.json", stored).unwrap();
    w.write_all(&manifest).unwrap();
    w.start_file("datapackage-digest.json", stored).unwrap();
    w.write_all(&serde_json::to_vec(&digest).unwrap()).unwrap();
    w.finish().unwrap();

    let err = fail(annals(&tmp.path().join("other")).arg("import").arg(&forged));
    assert!(
        err.contains("signature INVALID: the signature does not verify with the embedded key"),
        "{err}"
    );
}

#[test]
fn every_py_wacz_fixture_imports_or_says_why() {
    let Some(warcs) = shared_warcs() else {
        return;
    };
    let fixtures = warcs.join("py-wacz_fixtures");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let valid: &[(&str, &str)] = &[
        (
            "valid_example_1.wacz",
            "WACZ 1.0.0, 1 WARC, 4 resources checked, all hashes match, unsigned",
        ),
        (
            "valid_example_2.wacz",
            "WACZ 1.1.1, 1 WARC, 4 resources checked, all hashes match, unsigned",
        ),
        (
            "valid_signed_example_1.wacz",
            "all hashes match, signed by btrix-sign-test.webrecorder.net (ECDSA signature valid \
             with the key of its certificate from CN=R3,O=Let's Encrypt,C=US; chain of 3 \
             certificates each signed by the next, all valid at 2022-01-18T19:00:12Z, ending at \
             ISRG Root X1 (cross-signed by DST Root CA X3), a root authsign pins; RFC 3161 \
             timestamp valid: 2022-01-18T19:00:12Z by www.freetsa.org, chain of 2 ending at \
             self-signed www.freetsa.org (sha256 \
             a6379e7cecc05faa3cbf076013d745e327bbbaa38c0b9af22469d4701d18aabc); certificate chain \
             not checked against a root store, revocation not checked)",
        ),
    ];
    for (name, says) in valid {
        let out = run(annals(&data).arg("import").arg(fixtures.join(name)));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(says), "{name}: {text}");
    }
    let invalid: &[(&str, &str)] = &[
        (
            "invalid_example_1.wacz",
            "INVALID WACZ (no wacz_version), 0 WARCs, 0 resources checked, unsigned; 6 problems: \
             datapackage.json has no wacz_version;",
        ),
        (
            "invalid_signed_example_1.wacz",
            "signature INVALID: the certificate chain ends at CN=(STAGING) Bogus Broccoli X2",
        ),
    ];
    for (name, says) in invalid {
        let err = fail(annals(&data).arg("import").arg(fixtures.join(name)));
        assert!(err.contains(says), "{name}: {err}");
        assert!(err.contains("not imported"), "{name}: {err}");
    }
}

/// Above 1,000 index lines the index is `index.cdx.gz` + `index.idx` (made on a thread of its
/// own while the WARCs are copied): the blocks decompress to exactly `annals export cdxj`, each
/// `index.idx` line names its block's first key, offset, length and digest, and py-wacz accepts
/// the package.
#[test]
fn large_index_is_compressed_in_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut input = Vec::new();
    for i in 0..1500 {
        input.extend(common::resource_member(
            &format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
            &format!("https://example.com/page/{i}"),
            1_700_000_000 + i,
            format!("body {i}").as_bytes(),
        ));
    }
    let warc = tmp.path().join("many.warc.gz");
    fs::write(&warc, input).unwrap();
    run(annals(&data).arg("import").arg(&warc));
    let wacz = tmp.path().join("many.wacz");
    run(annals(&data).args(["export", "wacz"]).arg(&wacz));
    let cdxj = tmp.path().join("all.cdxj");
    run(annals(&data).args(["export", "cdxj"]).arg(&cdxj));

    let dir = tmp.path().join("x");
    let names = extract(&wacz, &dir);
    assert!(
        names.iter().any(|n| n == "indexes/index.cdx.gz")
            && names.iter().any(|n| n == "indexes/index.idx"),
        "{names:?}"
    );
    let gz = fs::read(dir.join("indexes/index.cdx.gz")).unwrap();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, fs::read_to_string(&cdxj).unwrap());
    let idx = fs::read_to_string(dir.join("indexes/index.idx")).unwrap();
    let mut blocks = 0;
    for line in idx.lines().skip(1) {
        let mut parts = line.splitn(3, ' ');
        let (key, ts) = (parts.next().unwrap(), parts.next().unwrap());
        let v: serde_json::Value = serde_json::from_str(parts.next().unwrap()).unwrap();
        let (off, len) = (
            v["offset"].as_u64().unwrap() as usize,
            v["length"].as_u64().unwrap() as usize,
        );
        let mut first = String::new();
        flate2::read::GzDecoder::new(&gz[off..off + len])
            .read_to_string(&mut first)
            .unwrap();
        assert!(first.starts_with(&format!("{key} {ts} ")), "{line}");
        blocks += 1;
    }
    assert_eq!(blocks, 2, "1,500 resources in blocks of 1,024 lines");
    // The streamed proofs: one per record (the warcinfo record included), in leaf order, across
    // five full 256-leaf chunks and a partial one.
    let proofs = fs::read_to_string(dir.join("annals/proofs.jsonl")).unwrap();
    let mut n = 0u64;
    for line in proofs.lines() {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(p["leaf_index"].as_u64(), Some(n), "{line}");
        assert_eq!(p["tree_size"].as_u64(), Some(1501), "{line}");
        n += 1;
    }
    assert_eq!(n, 1501);

    // `--since`, streamed: the 1,400 records from the 100th on in one new WARC, their index
    // sorted (externally) and compressed, and a proof of each that checks against the signed
    // root, across six 256-leaf chunks.
    let since = tmp.path().join("since.wacz");
    let r: serde_json::Value = serde_json::from_slice(
        &run(annals(&data)
            .args([
                "export",
                "wacz",
                "--json",
                "--since",
                "2023-11-14T22:15:00Z",
            ])
            .arg(&since))
        .stdout,
    )
    .unwrap();
    assert_eq!(r["records"].as_u64(), Some(1401), "{r}");
    assert_eq!(r["proofs"].as_u64(), Some(1400), "{r}");
    assert_eq!(r["unproven"].as_u64(), Some(0), "{r}");
    assert_eq!(r["pages"].as_u64(), Some(0), "resources are no pages: {r}");
    let sdir = tmp.path().join("s");
    let names = extract(&since, &sdir);
    let warcs: Vec<&String> = names.iter().filter(|n| n.starts_with("archive/")).collect();
    assert_eq!(warcs.len(), 1, "{names:?}");
    let warc_name = warcs[0].trim_start_matches("archive/");
    let gz = fs::read(sdir.join("indexes/index.cdx.gz")).unwrap();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 1400, "{}", lines.len());
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(&format!("\"filename\": \"{warc_name}\""))),
        "the index points into the new WARC"
    );
    let warc = fs::read(sdir.join(warcs[0])).unwrap();
    let checkpoint = fs::read_to_string(sdir.join("annals/checkpoint")).unwrap();
    let published = fs::read_to_string(data.join("ledger/annals.pub")).unwrap();
    let proofs = fs::read_to_string(sdir.join("annals/proofs.jsonl")).unwrap();
    let mut leaves = Vec::new();
    for line in proofs.lines() {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(p["path"].as_str(), Some(warcs[0].as_str()), "{line}");
        let (offset, length) = (
            p["offset"].as_u64().unwrap() as usize,
            p["length"].as_u64().unwrap() as usize,
        );
        let bundle = annals_archive::ProofBundle {
            format: annals_archive::PROOF_FORMAT.into(),
            url: p["url"].as_str().map(str::to_string),
            record_id: p["record_id"].as_str().unwrap().into(),
            date: String::new(),
            record: base64(&warc[offset..offset + length]),
            entry: p["entry"].as_str().unwrap().into(),
            leaf_index: p["leaf_index"].as_u64().unwrap(),
            inclusion_proof: p["inclusion_proof"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect(),
            checkpoint: checkpoint.clone(),
            verifier_key: String::new(),
        };
        annals_archive::verify_bundle(&bundle, Some(published.trim()))
            .unwrap_or_else(|e| panic!("proof of {line}: {e}"));
        leaves.push(p["leaf_index"].as_u64().unwrap());
    }
    // Leaf 0 is the import's warcinfo record, then the resources in order.
    assert_eq!(leaves, (101..1501).collect::<Vec<u64>>());

    if have("wacz", "pip install wacz==0.6.0") {
        for w in [&wacz, &since] {
            let o = Command::new("wacz")
                .args(["validate", "-f"])
                .arg(w)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        }
    }
    if have("warcio", "pip install warcio==1.8.1") {
        let o = Command::new("warcio")
            .args(["check", "-v"])
            .arg(sdir.join(warcs[0]))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
}

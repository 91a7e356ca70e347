//! WACZ signatures (wacz-auth 0.1.0): signing with an anonymous ECDSA P-384 key, and checking
//! both allowed `signedData` shapes.
//!
//! What is signed, in both shapes, is the UTF-8 bytes of the `hash` string itself
//! (`"sha256:<hex>"`), with ECDSA over SHA-256:
//!
//! - **anonymous** (ArchiveWeb.page): `publicKey` is the base64 DER SubjectPublicKeyInfo of a
//!   P-384 key and `signature` the base64 raw `r || s` (IEEE P1363, 96 bytes), as WebCrypto
//!   produces and wabac.js verifies. The key is trusted only through out-of-band distribution,
//!   so the check reports its fingerprint (`sha256:` of the DER key) for comparison.
//! - **domain** (authsign): `signature` is a DER ECDSA signature made with the key of the
//!   first certificate of `domainCert`. The check verifies it, matches the certificate's
//!   common name to `domain`, checks the chain's internal consistency (each certificate's
//!   signature verified with the next one's key, every certificate valid at `created`), and
//!   that it ends at one of the roots authsign pins (by SHA-256 fingerprint). The RFC 3161
//!   `timeSignature`, when present, is verified too: a token over the `signature` string,
//!   signed by the first `timestampCert` certificate, `genTime` within 10 minutes of
//!   `created`, that chain consistent. Nothing is checked against a system root store and
//!   revocation is not checked (offline); the report says so.
//!
//! Signing is deterministic (RFC 6979): no randomness is needed once a key exists.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p384::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p384::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use x509_cert::der::Encode;

use crate::pki::{Cert, check_chain, check_timestamp};

use crate::write::hex;

/// SHA-256 fingerprints of the root certificates authsign 0.6 trusts for domain certificates
/// (its `trusted/roots.yaml`): Let's Encrypt ISRG Root X1, X2, the DST-cross-signed ISRG Root
/// X1 and its cross-signed variant. The staging roots are deliberately absent.
const TRUSTED_DOMAIN_ROOTS: &[(&str, &str)] = &[
    (
        "96bcec06264976f37460779acf28c5a7cfe8a3c0aae11a8ffcee05c0bddf08c6",
        "ISRG Root X1",
    ),
    (
        "69729b8e15a86efc177a57afb7171dfc64add28c2fca8cf1507e34453ccb1470",
        "ISRG Root X2",
    ),
    (
        "6d99fb265eb1c5b3744765fcbc648f3cd8e1bffafdc4c2f99b9d47cf7ff1c24f",
        "ISRG Root X1 (cross-signed by DST Root CA X3)",
    ),
    (
        "ee5f7abd6981bb0255632cd8f49283451b4b18844d12040b44ee00f07b8fe2c6",
        "ISRG Root X1 (cross-signed)",
    ),
];

/// Why a signing key could not be loaded or made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("WACZ signing key: {0}")]
pub struct KeyError(String);

/// An anonymous ECDSA P-384 signing key, as ArchiveWeb.page uses.
#[derive(Clone)]
pub struct AnonymousSigner {
    key: p384::ecdsa::SigningKey,
}

impl fmt::Debug for AnonymousSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnonymousSigner")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl AnonymousSigner {
    /// A key from 48 secret bytes (from the OS's random source); fails for the rare byte strings
    /// that are not a valid P-384 scalar (zero, or not below the group order): draw again.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<AnonymousSigner, KeyError> {
        let key = p384::ecdsa::SigningKey::from_slice(bytes)
            .map_err(|_| KeyError("not a valid P-384 secret scalar".to_owned()))?;
        Ok(AnonymousSigner { key })
    }

    /// Loads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<AnonymousSigner, KeyError> {
        let key = p384::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map_err(|error| KeyError(format!("not a P-384 PKCS#8 PEM private key: {error}")))?;
        Ok(AnonymousSigner { key })
    }

    /// The private key as PKCS#8 PEM, to store (mode 0600).
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        self.key
            .to_pkcs8_pem(p384::pkcs8::LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|error| KeyError(error.to_string()))
    }

    /// The DER SubjectPublicKeyInfo of the public key.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.key
            .verifying_key()
            .to_public_key_der()
            .map(|doc| doc.as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// `publicKey` as written in `signedData`: base64 of [`public_key_der`](Self::public_key_der).
    pub fn public_key_base64(&self) -> String {
        STANDARD.encode(self.public_key_der())
    }

    /// `sha256:<hex>` of the DER public key: what a reader compares with the fingerprint the
    /// archivist published.
    pub fn fingerprint(&self) -> String {
        key_fingerprint(&self.public_key_der())
    }

    /// `signature` as written in `signedData`: base64 of the raw `r || s` ECDSA P-384 signature,
    /// over SHA-256 of the bytes of `hash` (the `"sha256:<hex>"` string).
    pub fn sign_hash_string(&self, hash: &str) -> String {
        let prehash = Sha256::digest(hash.as_bytes());
        // Signing a 32-byte prehash with a valid key cannot fail.
        let signature: p384::ecdsa::Signature = match self.key.sign_prehash(&prehash) {
            Ok(signature) => signature,
            Err(_) => return String::new(),
        };
        STANDARD.encode(signature.to_bytes())
    }
}

fn key_fingerprint(der: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(der)))
}

/// What checking a package's signature found; `Display` is one clause for a CLI line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureCheck {
    /// No signature.
    Unsigned,
    /// An anonymous signature that verifies with its embedded key.
    AnonymousValid {
        /// `sha256:<hex>` of the DER public key: compare it with the one the signer published.
        key_fingerprint: String,
        /// `signedData.software`.
        software: Option<String>,
    },
    /// A domain signature (authsign) that verifies with the key of its certificate, whose name
    /// matches, whose chain is internally consistent (each certificate signed by the next, all
    /// valid at `created`) and ends at a root authsign pins; with its RFC 3161 timestamp
    /// verified when there is one. Not checked: a system root store, revocation.
    DomainValid {
        /// The domain that signed.
        domain: String,
        /// The issuer of the domain certificate (e.g. `CN=R3,O=Let's Encrypt,C=US`).
        issuer: String,
        /// Certificates in `domainCert`.
        chain_length: usize,
        /// The pinned root the chain ends at.
        root: String,
        /// `signedData.created`, at which the chain was found valid.
        created: String,
        /// The verified RFC 3161 timestamp, if `signedData` has one.
        timestamp: Option<TimestampCheck>,
    },
    /// The signature does not hold.
    Invalid {
        /// Why, in a short clause.
        reason: String,
    },
}

/// A verified RFC 3161 timestamp of a domain signature: the token is over the `signature`
/// string, signed by the first `timestampCert` certificate, its `genTime` within 10 minutes of
/// `created`, and the `timestampCert` chain consistent at `genTime`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimestampCheck {
    /// `genTime`, RFC 3339.
    pub gen_time: String,
    /// The time-stamping authority (common name of its certificate).
    pub tsa: String,
    /// Certificates in `timestampCert`.
    pub chain_length: usize,
    /// The common name of the chain's last certificate.
    pub top: String,
    /// Whether that certificate is self-signed (its signature verified).
    pub top_self_signed: bool,
    /// SHA-256 (hex) of that certificate, to compare with a trusted one.
    pub top_fingerprint: String,
}

impl SignatureCheck {
    /// True unless [`Invalid`](Self::Invalid).
    pub fn is_ok(&self) -> bool {
        !matches!(self, SignatureCheck::Invalid { .. })
    }
}

impl fmt::Display for SignatureCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureCheck::Unsigned => f.write_str("unsigned"),
            SignatureCheck::AnonymousValid {
                key_fingerprint, ..
            } => write!(
                f,
                "signed by an anonymous key, fingerprint {key_fingerprint} (ECDSA P-384 signature valid; \
                 trust the key only if its fingerprint came from the signer)"
            ),
            SignatureCheck::DomainValid {
                domain,
                issuer,
                chain_length,
                root,
                created,
                timestamp,
            } => {
                write!(
                    f,
                    "signed by {domain} (ECDSA signature valid with the key of its certificate \
                     from {issuer}; chain of {chain_length} certificates each signed by the next, \
                     all valid at {created}, ending at {root}, a root authsign pins; "
                )?;
                match timestamp {
                    Some(t) => write!(
                        f,
                        "RFC 3161 timestamp valid: {} by {}, chain of {} ending at {}{} (sha256 {}); ",
                        t.gen_time,
                        t.tsa,
                        t.chain_length,
                        if t.top_self_signed {
                            "self-signed "
                        } else {
                            ""
                        },
                        t.top,
                        t.top_fingerprint
                    )?,
                    None => f.write_str("no RFC 3161 timestamp; ")?,
                }
                f.write_str(
                    "certificate chain not checked against a root store, revocation not checked)",
                )
            }
            SignatureCheck::Invalid { reason } => write!(f, "signature INVALID: {reason}"),
        }
    }
}

/// Checks `signedData` (the parsed object) against `datapackage_hash`, the `sha256:<hex>` of
/// the stored `datapackage.json`. Never panics; anything unusable is
/// [`SignatureCheck::Invalid`] with the reason.
pub fn check_signed_data(signed: &Map<String, Value>, datapackage_hash: &str) -> SignatureCheck {
    match check(signed, datapackage_hash) {
        Ok(check) => check,
        Err(reason) => SignatureCheck::Invalid { reason },
    }
}

fn field<'a>(signed: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    signed
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("signedData has no string `{key}`"))
}

fn check(signed: &Map<String, Value>, datapackage_hash: &str) -> Result<SignatureCheck, String> {
    let hash = field(signed, "hash")?;
    if !hash.eq_ignore_ascii_case(datapackage_hash) {
        return Err(format!(
            "signedData.hash {hash} is not the hash of datapackage.json ({datapackage_hash})"
        ));
    }
    let signature = STANDARD
        .decode(field(signed, "signature")?.trim())
        .map_err(|_| "signedData.signature is not base64".to_owned())?;
    let prehash = Sha256::digest(hash.as_bytes());
    if signed.contains_key("domain") || signed.contains_key("domainCert") {
        return check_domain(signed, &prehash, &signature);
    }
    let key = STANDARD
        .decode(field(signed, "publicKey")?.trim())
        .map_err(|_| "signedData.publicKey is not base64".to_owned())?;
    if !verify_ecdsa(&key, &prehash, &signature)? {
        return Err(format!(
            "the signature does not verify with the embedded key {}",
            key_fingerprint(&key)
        ));
    }
    Ok(SignatureCheck::AnonymousValid {
        key_fingerprint: key_fingerprint(&key),
        software: signed
            .get("software")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Verifies an ECDSA P-256 or P-384 signature (raw `r || s` or DER) over a SHA-256 prehash with
/// a DER SubjectPublicKeyInfo. `Err` if the key is unusable.
fn verify_ecdsa(spki: &[u8], prehash: &[u8], signature: &[u8]) -> Result<bool, String> {
    if let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_der(spki) {
        let signature = p384::ecdsa::Signature::from_slice(signature)
            .or_else(|_| p384::ecdsa::Signature::from_der(signature));
        return Ok(signature.is_ok_and(|s| key.verify_prehash(prehash, &s).is_ok()));
    }
    if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(spki) {
        let signature = p256::ecdsa::Signature::from_slice(signature)
            .or_else(|_| p256::ecdsa::Signature::from_der(signature));
        return Ok(signature.is_ok_and(|s| key.verify_prehash(prehash, &s).is_ok()));
    }
    Err("the public key is not an ECDSA P-256 or P-384 key".to_owned())
}

/// The DER certificates of a PEM chain, in order.
fn pem_chain(text: &str) -> Result<Vec<Vec<u8>>, String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let end = after
            .find(END)
            .ok_or("domainCert has a certificate without its END line")?;
        let body: String = after[..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        out.push(
            STANDARD
                .decode(body)
                .map_err(|_| "domainCert holds a certificate that is not base64")?,
        );
        rest = &after[end + END.len()..];
    }
    if out.is_empty() {
        return Err("domainCert holds no PEM certificate".to_owned());
    }
    Ok(out)
}

fn check_domain(
    signed: &Map<String, Value>,
    prehash: &[u8],
    signature: &[u8],
) -> Result<SignatureCheck, String> {
    let domain = field(signed, "domain")?;
    let created_text = field(signed, "created")?;
    let created = unix_seconds(created_text)
        .ok_or_else(|| format!("signedData.created {created_text:?} is not an RFC 3339 time"))?;
    let certs = pem_chain(field(signed, "domainCert")?)?
        .into_iter()
        .map(Cert::from_der)
        .collect::<Result<Vec<Cert>, String>>()
        .map_err(|error| format!("domainCert holds an {error}"))?;
    let Some(leaf) = certs.first() else {
        return Err("domainCert holds no PEM certificate".to_owned());
    };
    let tbs = &leaf.cert.tbs_certificate;
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|error| format!("domain certificate key: {error}"))?;
    if !verify_ecdsa(&spki, prehash, signature)? {
        return Err(format!(
            "the signature does not verify with the key of the certificate for {}",
            tbs.subject
        ));
    }
    if !leaf.common_name().eq_ignore_ascii_case(domain) {
        return Err(format!(
            "the certificate is for {}, not for the claimed domain {domain}",
            tbs.subject
        ));
    }
    let chain = check_chain(&certs, created, "the domainCert chain")?;
    let Some((_, root)) = TRUSTED_DOMAIN_ROOTS
        .iter()
        .find(|(trusted, _)| *trusted == chain.top_fingerprint)
    else {
        return Err(format!(
            "the certificate chain ends at {} (sha256 {}), which is not a root authsign trusts",
            chain.top, chain.top_fingerprint
        ));
    };
    let timestamp = match (signed.get("timeSignature"), signed.get("timestampCert")) {
        (None, None) => None,
        (Some(token), Some(chain_pem)) => {
            let (Some(token), Some(chain_pem)) = (token.as_str(), chain_pem.as_str()) else {
                return Err("signedData.timeSignature or timestampCert is not a string".to_owned());
            };
            let token = STANDARD
                .decode(token.trim())
                .map_err(|_| "signedData.timeSignature is not base64".to_owned())?;
            let tsa_certs = pem_chain(chain_pem)
                .map_err(|e| e.replace("domainCert", "timestampCert"))?
                .into_iter()
                .map(Cert::from_der)
                .collect::<Result<Vec<Cert>, String>>()
                .map_err(|error| format!("timestampCert holds an {error}"))?;
            let Some(tsa) = tsa_certs.first() else {
                return Err("timestampCert holds no PEM certificate".to_owned());
            };
            // The token is over the `signature` string as stored (its ASCII base64).
            let signature_text = field(signed, "signature")?;
            let stamp = check_timestamp(&token, signature_text.as_bytes(), tsa)
                .map_err(|e| format!("timeSignature: {e}"))?;
            if (stamp.gen_unix - created).abs() > STAMP_TOLERANCE_SECONDS {
                return Err(format!(
                    "the RFC 3161 genTime {} is more than 10 minutes from signedData.created {created_text}",
                    stamp.gen_time
                ));
            }
            let tsa_chain = check_chain(&tsa_certs, stamp.gen_unix, "the timestampCert chain")?;
            Some(TimestampCheck {
                gen_time: rfc3339_of_generalized(&stamp.gen_time),
                tsa: tsa.common_name(),
                chain_length: tsa_chain.length,
                top: certs_top_name(&tsa_certs),
                top_self_signed: tsa_chain.top_self_signed,
                top_fingerprint: tsa_chain.top_fingerprint,
            })
        }
        _ => {
            return Err(
                "signedData has timeSignature without timestampCert, or the reverse".to_owned(),
            );
        }
    };
    Ok(SignatureCheck::DomainValid {
        domain: domain.to_owned(),
        issuer: tbs.issuer.to_string(),
        chain_length: chain.length,
        root: (*root).to_owned(),
        created: created_text.to_owned(),
        timestamp,
    })
}

/// authsign's `STAMP_DURATION`: the timestamp's `genTime` must lie this close to `created`.
const STAMP_TOLERANCE_SECONDS: i64 = 10 * 60;

fn certs_top_name(certs: &[Cert]) -> String {
    certs.last().map(Cert::common_name).unwrap_or_default()
}

/// `YYYY-MM-DDThh:mm:ss[.f]Z` of a GeneralizedTime, or the text as it is.
fn rfc3339_of_generalized(g: &str) -> String {
    if g.len() < 15 || !g.is_char_boundary(14) || !g.as_bytes()[..14].iter().all(u8::is_ascii_digit)
    {
        return g.to_owned();
    }
    format!(
        "{}-{}-{}T{}:{}:{}{}",
        &g[0..4],
        &g[4..6],
        &g[6..8],
        &g[8..10],
        &g[10..12],
        &g[12..14],
        &g[14..]
    )
}

/// Seconds since the epoch of an RFC 3339 UTC time (`2022-01-18T19:00:12Z`, fractions and
/// offsets allowed).
pub(crate) fn unix_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        let s = std::str::from_utf8(b.get(from..to)?).ok()?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn signer() -> AnonymousSigner {
        AnonymousSigner::from_secret_bytes(&[7u8; 48]).unwrap()
    }

    fn signed_data(signer: &AnonymousSigner, hash: &str) -> Map<String, Value> {
        let Value::Object(map) = json!({
            "hash": hash,
            "created": "2024-01-01T00:00:00Z",
            "software": "test",
            "signature": signer.sign_hash_string(hash),
            "publicKey": signer.public_key_base64(),
        }) else {
            unreachable!()
        };
        map
    }

    #[test]
    fn anonymous_round_trip() {
        let signer = signer();
        let hash = "sha256:00ff";
        let check = check_signed_data(&signed_data(&signer, hash), hash);
        assert_eq!(
            check,
            SignatureCheck::AnonymousValid {
                key_fingerprint: signer.fingerprint(),
                software: Some("test".into())
            }
        );
        assert_eq!(
            STANDARD
                .decode(signer.sign_hash_string(hash))
                .unwrap()
                .len(),
            96
        );
    }

    #[test]
    fn tampering_is_caught() {
        let signer = signer();
        let hash = "sha256:00ff";
        let mut data = signed_data(&signer, hash);
        assert!(!check_signed_data(&data, "sha256:00fe").is_ok());
        data.insert("hash".into(), json!("sha256:00fe"));
        let check = check_signed_data(&data, "sha256:00fe");
        assert!(
            matches!(&check, SignatureCheck::Invalid { reason } if reason.contains("does not verify")),
            "{check}"
        );
        let other = AnonymousSigner::from_secret_bytes(&[9u8; 48]).unwrap();
        let mut data = signed_data(&signer, hash);
        data.insert("publicKey".into(), json!(other.public_key_base64()));
        assert!(!check_signed_data(&data, hash).is_ok());
        data.insert("publicKey".into(), json!("AAAA"));
        assert!(!check_signed_data(&data, hash).is_ok());
        data.insert("signature".into(), json!("%%%"));
        assert!(!check_signed_data(&data, hash).is_ok());
    }

    #[test]
    fn pem_round_trip() {
        let signer = signer();
        let pem = signer.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = AnonymousSigner::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(back.fingerprint(), signer.fingerprint());
        assert!(AnonymousSigner::from_pkcs8_pem("nonsense").is_err());
        assert!(AnonymousSigner::from_secret_bytes(&[0u8; 48]).is_err());
    }

    #[test]
    fn rfc3339_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2022-01-18T19:00:12Z"), Some(1_642_532_412));
        assert_eq!(
            unix_seconds("2022-01-18T20:00:12.5+01:00"),
            Some(1_642_532_412)
        );
        assert_eq!(unix_seconds("yesterday"), None);
    }
}

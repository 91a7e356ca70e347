//! The X.509 and CMS checks a domain signature needs, offline: a certificate's signature by
//! its issuer's key (RSA PKCS#1 v1.5 or ECDSA, through aws-lc-rs), a PEM chain's internal
//! consistency, and an RFC 3161 time-stamp token (CMS `SignedData` over a `TSTInfo`).
//!
//! There is no trust store here: a chain is checked link by link (each certificate signed by
//! the next, each valid at the given time) and its top is reported, so the caller can compare
//! it with the roots it pins and say that nothing was checked against a system root store.
//! Revocation is not checked. DER is read by hand, as nested tag-length-value elements: every
//! read is bounds-checked and malformed input is an `Err` with a short reason, never a panic.

use aws_lc_rs::signature::{self as alg, UnparsedPublicKey, VerificationAlgorithm};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::der::Decode;
use x509_cert::der::asn1::ObjectIdentifier;

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const GENERALIZED_TIME: u8 = 0x18;
const CONTEXT_0: u8 = 0xa0;
const CONTEXT_1: u8 = 0xa1;

const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";
const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const CONTENT_TYPE_ATTR: &str = "1.2.840.113549.1.9.3";
const MESSAGE_DIGEST_ATTR: &str = "1.2.840.113549.1.9.4";

/// One DER element: its tag, its contents, and the bytes after it.
fn next(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("truncated DER element")?;
    if tag & 0x1f == 0x1f {
        return Err("multi-byte DER tag".to_owned());
    }
    let (&first, mut rest) = rest.split_first().ok_or("truncated DER length")?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err("unsupported or truncated DER length".to_owned());
        }
        let (digits, tail) = rest.split_at(n);
        rest = tail;
        digits
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if rest.len() < len {
        return Err("DER element runs past its container".to_owned());
    }
    let (contents, rest) = rest.split_at(len);
    Ok((tag, contents, rest))
}

/// The next element, which must have tag `want`: its contents and the bytes after it.
fn expect<'a>(input: &'a [u8], want: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), String> {
    let (tag, contents, rest) = next(input).map_err(|e| format!("{what}: {e}"))?;
    if tag != want {
        return Err(format!("{what}: unexpected DER tag 0x{tag:02x}"));
    }
    Ok((contents, rest))
}

/// The whole next element (tag and length included) and the bytes after it.
fn element(input: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let (_, _, rest) = next(input)?;
    Ok((&input[..input.len() - rest.len()], rest))
}

/// Dotted text of an OID's DER contents.
fn oid_text(contents: &[u8]) -> String {
    ObjectIdentifier::from_bytes(contents)
        .map(|oid| oid.to_string())
        .unwrap_or_else(|_| "(malformed OID)".to_owned())
}

/// The OID at the start of an `AlgorithmIdentifier`'s contents.
fn algorithm_oid(algorithm_identifier: &[u8], what: &str) -> Result<String, String> {
    let (oid, _) = expect(algorithm_identifier, OID, what)?;
    Ok(oid_text(oid))
}

/// `digest_oid`'s hash of `bytes`.
fn digest(digest_oid: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    Ok(match digest_oid {
        SHA256 => Sha256::digest(bytes).to_vec(),
        SHA384 => Sha384::digest(bytes).to_vec(),
        SHA512 => Sha512::digest(bytes).to_vec(),
        other => return Err(format!("digest algorithm {other} not supported")),
    })
}

/// A certificate, parsed, with the raw bytes a signature check needs.
pub(crate) struct Cert {
    /// The parsed certificate.
    pub(crate) cert: Certificate,
    /// The whole DER.
    pub(crate) der: Vec<u8>,
    /// The DER of `tbsCertificate`, as signed.
    tbs: Vec<u8>,
    /// The DER of the issuer `Name` and the serial's contents, for CMS `IssuerAndSerialNumber`.
    issuer_der: Vec<u8>,
    serial: Vec<u8>,
}

impl Cert {
    /// Parses one DER certificate.
    pub(crate) fn from_der(der: Vec<u8>) -> Result<Cert, String> {
        let cert =
            Certificate::from_der(&der).map_err(|e| format!("unreadable certificate: {e}"))?;
        let (body, _) = expect(&der, SEQUENCE, "certificate")?;
        let (tbs, _) = element(body)?;
        let (mut fields, _) = expect(tbs, SEQUENCE, "tbsCertificate")?;
        if fields.first() == Some(&CONTEXT_0) {
            fields = element(fields)?.1; // [0] version
        }
        let (serial, rest) = expect(fields, INTEGER, "certificate serial")?;
        let (_, rest) = element(rest)?; // signature AlgorithmIdentifier
        let (issuer, _) = element(rest)?;
        Ok(Cert {
            tbs: tbs.to_vec(),
            issuer_der: issuer.to_vec(),
            serial: serial.to_vec(),
            cert,
            der,
        })
    }

    /// The subject as RFC 4514 text (`CN=R3,O=Let's Encrypt,C=US`).
    pub(crate) fn subject(&self) -> String {
        self.cert.tbs_certificate.subject.to_string()
    }

    /// The subject's common name, or the whole subject if it has none.
    pub(crate) fn common_name(&self) -> String {
        self.cert
            .tbs_certificate
            .subject
            .0
            .iter()
            .find_map(|rdn| rdn.to_string().strip_prefix("CN=").map(str::to_owned))
            .unwrap_or_else(|| self.subject())
    }

    /// Whether subject and issuer are the same name (a root, or a self-issued certificate).
    fn self_issued(&self) -> bool {
        self.cert.tbs_certificate.subject == self.cert.tbs_certificate.issuer
    }

    /// Whether the certificate is valid at `unix` seconds.
    fn valid_at(&self, unix: i64) -> bool {
        let validity = &self.cert.tbs_certificate.validity;
        let from = validity.not_before.to_unix_duration().as_secs();
        let until = validity.not_after.to_unix_duration().as_secs();
        i64::try_from(from).is_ok_and(|from| from <= unix)
            && i64::try_from(until).is_ok_and(|until| unix <= until)
    }

    /// `not_before to not_after`, for messages.
    fn validity_text(&self) -> String {
        let validity = &self.cert.tbs_certificate.validity;
        format!("{} to {}", validity.not_before, validity.not_after)
    }

    /// The `AlgorithmIdentifier` OIDs of the subject public key: (algorithm, curve if EC).
    fn key_kind(&self) -> (String, Option<String>) {
        let spki = &self.cert.tbs_certificate.subject_public_key_info;
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            .map(|oid| oid.to_string());
        (spki.algorithm.oid.to_string(), curve)
    }

    /// Verifies `signature` over `message` with this certificate's key; `signature_oid` is the
    /// signature algorithm, and `digest_oid` the digest when the algorithm does not name one
    /// (CMS `rsaEncryption` / `id-ecPublicKey`).
    pub(crate) fn verify(
        &self,
        signature_oid: &str,
        digest_oid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        let (key_oid, curve) = self.key_kind();
        let (kind, digest) = match signature_oid {
            "1.2.840.113549.1.1.11" => ("rsa", SHA256),
            "1.2.840.113549.1.1.12" => ("rsa", SHA384),
            "1.2.840.113549.1.1.13" => ("rsa", SHA512),
            "1.2.840.10045.4.3.2" => ("ec", SHA256),
            "1.2.840.10045.4.3.3" => ("ec", SHA384),
            RSA_ENCRYPTION => ("rsa", digest_oid.unwrap_or_default()),
            EC_PUBLIC_KEY => ("ec", digest_oid.unwrap_or_default()),
            other => return Err(format!("signature algorithm {other} not supported")),
        };
        let algorithm: &'static dyn VerificationAlgorithm =
            match (kind, key_oid.as_str(), curve.as_deref(), digest) {
                ("rsa", RSA_ENCRYPTION, _, SHA256) => &alg::RSA_PKCS1_2048_8192_SHA256,
                ("rsa", RSA_ENCRYPTION, _, SHA384) => &alg::RSA_PKCS1_2048_8192_SHA384,
                ("rsa", RSA_ENCRYPTION, _, SHA512) => &alg::RSA_PKCS1_2048_8192_SHA512,
                ("ec", EC_PUBLIC_KEY, Some(P256), SHA256) => &alg::ECDSA_P256_SHA256_ASN1,
                ("ec", EC_PUBLIC_KEY, Some(P256), SHA384) => &alg::ECDSA_P256_SHA384_ASN1,
                ("ec", EC_PUBLIC_KEY, Some(P384), SHA256) => &alg::ECDSA_P384_SHA256_ASN1,
                ("ec", EC_PUBLIC_KEY, Some(P384), SHA384) => &alg::ECDSA_P384_SHA384_ASN1,
                _ => {
                    return Err(format!(
                        "signature algorithm {signature_oid} (digest {digest:?}) with a {key_oid} \
                         key{} not supported",
                        curve.map(|c| format!(" on curve {c}")).unwrap_or_default()
                    ));
                }
            };
        let key = self
            .cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        UnparsedPublicKey::new(algorithm, key)
            .verify(message, signature)
            .map_err(|_| "signature does not verify".to_owned())
    }

    /// Whether `issuer`'s key signed this certificate.
    fn signed_by(&self, issuer: &Cert) -> Result<(), String> {
        let signature = self.cert.signature.as_bytes().ok_or_else(|| {
            format!(
                "the signature of {} is not a whole number of bytes",
                self.subject()
            )
        })?;
        issuer.verify(
            &self.cert.signature_algorithm.oid.to_string(),
            None,
            &self.tbs,
            signature,
        )
    }
}

/// What a consistent chain looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainFacts {
    /// How many certificates it holds.
    pub(crate) length: usize,
    /// The subject of its last certificate.
    pub(crate) top: String,
    /// SHA-256 (hex) of the last certificate's DER.
    pub(crate) top_fingerprint: String,
    /// Whether the last certificate is self-signed (its signature verified with its own key).
    pub(crate) top_self_signed: bool,
}

/// Checks a chain's internal consistency: every certificate valid at `at` (unix seconds),
/// each issued (name) and signed (key) by the next, and the last, if self-issued, signed by
/// itself. `what` names the chain in errors (`domainCert`).
pub(crate) fn check_chain(certs: &[Cert], at: i64, what: &str) -> Result<ChainFacts, String> {
    let Some(top) = certs.last() else {
        return Err(format!("{what} holds no certificate"));
    };
    for cert in certs {
        if !cert.valid_at(at) {
            return Err(format!(
                "{what}: {} is not valid at the signing time ({})",
                cert.subject(),
                cert.validity_text()
            ));
        }
    }
    for pair in certs.windows(2) {
        let (child, parent) = (&pair[0], &pair[1]);
        if child.cert.tbs_certificate.issuer != parent.cert.tbs_certificate.subject {
            return Err(format!(
                "{what} is broken: {} is issued by {}, not by the next certificate {}",
                child.subject(),
                child.cert.tbs_certificate.issuer,
                parent.subject()
            ));
        }
        child.signed_by(parent).map_err(|e| {
            format!(
                "{what}: the certificate {} is not signed by the key of {} ({e})",
                child.subject(),
                parent.subject()
            )
        })?;
    }
    let top_self_signed = top.self_issued() && top.signed_by(top).is_ok();
    if top.self_issued() && !top_self_signed {
        return Err(format!(
            "{what}: the self-issued certificate {} does not verify with its own key",
            top.subject()
        ));
    }
    Ok(ChainFacts {
        length: certs.len(),
        top: top.subject(),
        top_fingerprint: crate::write::hex(&Sha256::digest(&top.der)),
        top_self_signed,
    })
}

/// What a verified RFC 3161 token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Timestamp {
    /// `genTime` as encoded (`YYYYMMDDhhmmss[.f]Z`).
    pub(crate) gen_time: String,
    /// `genTime` in unix seconds.
    pub(crate) gen_unix: i64,
}

/// Verifies a DER `TimeStampResp` (or a bare `TimeStampToken`): status granted, the `TSTInfo`'s
/// message imprint is the hash of `message`, the CMS signed attributes name the `TSTInfo` and
/// its digest, and the signature verifies with `tsa`'s key (which the `IssuerAndSerialNumber`
/// must name, when the token uses one).
pub(crate) fn check_timestamp(der: &[u8], message: &[u8], tsa: &Cert) -> Result<Timestamp, String> {
    let (resp, _) = expect(der, SEQUENCE, "timeSignature")?;
    // TimeStampResp { status PKIStatusInfo, timeStampToken } or ContentInfo { OID, [0] }.
    let token = match next(resp)? {
        (SEQUENCE, status_info, token) => {
            let (status, _) = expect(status_info, INTEGER, "timeSignature status")?;
            if !matches!(status, [0] | [1]) {
                return Err("the time-stamp reply is not granted".to_owned());
            }
            let (token, _) = expect(token, SEQUENCE, "timeSignature token")?;
            token
        }
        _ => resp,
    };
    let (content_type, rest) = expect(token, OID, "token content type")?;
    if oid_text(content_type) != SIGNED_DATA {
        return Err("the token is not CMS SignedData".to_owned());
    }
    let (explicit, _) = expect(rest, CONTEXT_0, "token content")?;
    let (signed_data, _) = expect(explicit, SEQUENCE, "SignedData")?;
    let (_, rest) = expect(signed_data, INTEGER, "SignedData version")?;
    let (_, rest) = expect(rest, SET, "SignedData digestAlgorithms")?;
    let (encap, mut rest) = expect(rest, SEQUENCE, "SignedData encapContentInfo")?;
    let (econtent_type, econtent) = expect(encap, OID, "eContentType")?;
    if oid_text(econtent_type) != TST_INFO {
        return Err("the token's content is not a TSTInfo".to_owned());
    }
    let (explicit, _) = expect(econtent, CONTEXT_0, "eContent")?;
    let (tst_der, _) = expect(explicit, OCTET_STRING, "eContent")?;
    // Skip the optional certificates [0] and crls [1].
    while let Some(&tag) = rest.first() {
        if tag != CONTEXT_0 && tag != CONTEXT_1 {
            break;
        }
        rest = element(rest)?.1;
    }
    let (signer_infos, _) = expect(rest, SET, "SignedData signerInfos")?;
    let (signer_info, _) = expect(signer_infos, SEQUENCE, "SignerInfo")?;

    // TSTInfo: version, policy, messageImprint, serialNumber, genTime, ...
    let (tst, _) = expect(tst_der, SEQUENCE, "TSTInfo")?;
    let (_, rest) = expect(tst, INTEGER, "TSTInfo version")?;
    let (_, rest) = expect(rest, OID, "TSTInfo policy")?;
    let (imprint, rest) = expect(rest, SEQUENCE, "TSTInfo messageImprint")?;
    let (imprint_alg, hashed) = expect(imprint, SEQUENCE, "messageImprint algorithm")?;
    let imprint_alg = algorithm_oid(imprint_alg, "messageImprint algorithm")?;
    let (hashed, _) = expect(hashed, OCTET_STRING, "messageImprint hash")?;
    let (_, rest) = expect(rest, INTEGER, "TSTInfo serialNumber")?;
    let (gen_time, _) = expect(rest, GENERALIZED_TIME, "TSTInfo genTime")?;
    let gen_time = String::from_utf8_lossy(gen_time).into_owned();
    if digest(&imprint_alg, message)? != hashed {
        return Err("the time-stamp token is not over the signature".to_owned());
    }
    let gen_unix = generalized_time_unix(&gen_time)
        .ok_or_else(|| format!("the time-stamp genTime {gen_time:?} is unreadable"))?;

    // SignerInfo: version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature.
    let (_, rest) = expect(signer_info, INTEGER, "SignerInfo version")?;
    let (sid_tag, sid, rest) = next(rest)?;
    if sid_tag == SEQUENCE {
        let (issuer, serial) = element(sid)?;
        let (serial, _) = expect(serial, INTEGER, "SignerInfo serial")?;
        if issuer != tsa.issuer_der.as_slice() || serial != tsa.serial.as_slice() {
            return Err(format!(
                "the time-stamp token names another signer than the first timestampCert \
                 certificate ({})",
                tsa.subject()
            ));
        }
    }
    let (digest_alg, rest) = expect(rest, SEQUENCE, "SignerInfo digestAlgorithm")?;
    let digest_alg = algorithm_oid(digest_alg, "SignerInfo digestAlgorithm")?;
    let (attrs, rest) = expect(rest, CONTEXT_0, "SignerInfo signedAttrs")?;
    let (signature_alg, rest) = expect(rest, SEQUENCE, "SignerInfo signatureAlgorithm")?;
    let signature_alg = algorithm_oid(signature_alg, "SignerInfo signatureAlgorithm")?;
    let (signature, _) = expect(rest, OCTET_STRING, "SignerInfo signature")?;

    let (mut content_type_ok, mut digest_ok) = (false, false);
    let mut list = attrs;
    while !list.is_empty() {
        let (attr, tail) = expect(list, SEQUENCE, "signed attribute")?;
        list = tail;
        let (attr_type, values) = expect(attr, OID, "signed attribute type")?;
        let (values, _) = expect(values, SET, "signed attribute values")?;
        match oid_text(attr_type).as_str() {
            CONTENT_TYPE_ATTR => {
                let (value, _) = expect(values, OID, "content-type attribute")?;
                content_type_ok = oid_text(value) == TST_INFO;
            }
            MESSAGE_DIGEST_ATTR => {
                let (value, _) = expect(values, OCTET_STRING, "message-digest attribute")?;
                digest_ok = digest(&digest_alg, tst_der)? == value;
            }
            _ => {}
        }
    }
    if !content_type_ok {
        return Err("the token's signed content-type attribute is not TSTInfo".to_owned());
    }
    if !digest_ok {
        return Err("the token's signed message digest is not the TSTInfo's".to_owned());
    }
    // What is signed is the DER of the attributes as a SET (RFC 5652 §5.4).
    let mut signed = Vec::with_capacity(attrs.len() + 6);
    signed.push(SET);
    let len = attrs.len();
    if len < 0x80 {
        signed.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        signed.push(0x80 | (bytes.len() - skip) as u8);
        signed.extend_from_slice(&bytes[skip..]);
    }
    signed.extend_from_slice(attrs);
    tsa.verify(&signature_alg, Some(&digest_alg), &signed, signature)
        .map_err(|e| {
            format!(
                "the time-stamp token's signature does not verify with the key of {} ({e})",
                tsa.subject()
            )
        })?;
    Ok(Timestamp { gen_time, gen_unix })
}

/// Unix seconds of a GeneralizedTime `YYYYMMDDhhmmss[.f]Z`.
fn generalized_time_unix(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 15 || !b[..14].iter().all(u8::is_ascii_digit) || !text.ends_with('Z') {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[8..10],
        &text[10..12],
        &text[12..14]
    );
    crate::signature::unix_seconds(&rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_der_is_an_error() {
        assert!(next(&[]).is_err());
        assert!(next(&[0x30]).is_err());
        assert!(next(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(next(&[0x30, 0x05, 1]).is_err());
        assert!(next(&[0x1f, 0x01, 0]).is_err());
        assert_eq!(
            next(&[0x04, 0x01, 7, 9]).unwrap(),
            (0x04, &[7u8][..], &[9u8][..])
        );
        assert!(Cert::from_der(vec![0x30, 0x00]).is_err());
        assert!(check_chain(&[], 0, "x").is_err());
    }

    #[test]
    fn generalized_times() {
        assert_eq!(
            generalized_time_unix("20220118190012Z"),
            Some(1_642_532_412)
        );
        assert_eq!(
            generalized_time_unix("20220118190012.25Z"),
            Some(1_642_532_412)
        );
        assert_eq!(generalized_time_unix("2022011819Z"), None);
    }
}

//! RFC 3161 time-stamp protocol: the request a log sends for a checkpoint, and enough of the
//! reply to check it (status, message imprint, nonce, generation time).
//!
//! Hand-written DER, the minimum the protocol needs: a `TimeStampReq` is a fixed shape, and a
//! reply is read as nested tag-length-value elements without interpreting anything else. The
//! CMS signature of the token is **not** checked here (that needs the TSA's certificate chain;
//! `openssl ts -verify` does it): this module proves which message a stored token is about and
//! when the TSA says it saw it.

use crate::LedgerError;
use crate::hash::Hash;

/// DER of the SHA-256 object identifier, 2.16.840.1.101.3.4.2.1.
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// id-signedData, 1.2.840.113549.1.7.2.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// id-ct-TSTInfo, 1.2.840.113549.1.9.16.1.4.
const OID_TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const GENERALIZED_TIME: u8 = 0x18;
const CONTEXT_0: u8 = 0xa0;

fn malformed(reason: &'static str) -> LedgerError {
    LedgerError::MalformedTimestamp { reason }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    out.push(tag);
    push_len(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

/// A DER INTEGER holding the unsigned `n`.
fn uint(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut v = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        v.push(0);
    }
    v.extend_from_slice(&bytes[skip..]);
    tlv(INTEGER, &v)
}

/// The DER `TimeStampReq` (RFC 3161 §2.4.1) for a message whose SHA-256 is `message_sha256`:
/// version 1, no policy, the given nonce, and `certReq` true so the reply carries the TSA's
/// certificate. Send it with `Content-Type: application/timestamp-query`.
///
/// ```
/// let req = annals_ledger::timestamp_request(&[7; 32], 42);
/// assert_eq!(&req[..2], &[0x30, 0x3c]);
/// ```
pub fn timestamp_request(message_sha256: &Hash, nonce: u64) -> Vec<u8> {
    let algorithm = [tlv(OID, OID_SHA256), tlv(NULL, &[])].concat();
    let imprint = [tlv(SEQUENCE, &algorithm), tlv(OCTET_STRING, message_sha256)].concat();
    let body = [
        uint(1),
        tlv(SEQUENCE, &imprint),
        uint(nonce),
        tlv(BOOLEAN, &[0xff]),
    ]
    .concat();
    tlv(SEQUENCE, &body)
}

/// One DER element: its tag, its contents, and the bytes after it.
fn next(input: &[u8]) -> Result<(u8, &[u8], &[u8]), LedgerError> {
    let (&tag, rest) = input.split_first().ok_or(malformed("truncated element"))?;
    if tag & 0x1f == 0x1f {
        return Err(malformed("multi-byte tags are not used by RFC 3161"));
    }
    let (&first, mut rest) = rest.split_first().ok_or(malformed("truncated length"))?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(malformed("unsupported length encoding"));
        }
        if rest.len() < n {
            return Err(malformed("truncated length"));
        }
        let (digits, tail) = rest.split_at(n);
        rest = tail;
        digits
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if rest.len() < len {
        return Err(malformed("element runs past its container"));
    }
    let (contents, rest) = rest.split_at(len);
    Ok((tag, contents, rest))
}

/// The next element, which must have tag `want`.
fn expect<'a>(
    input: &'a [u8],
    want: u8,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), LedgerError> {
    let (tag, contents, rest) = next(input)?;
    if tag != want {
        return Err(malformed(what));
    }
    Ok((contents, rest))
}

/// A small non-negative DER INTEGER.
fn small_uint(contents: &[u8]) -> Result<u64, LedgerError> {
    if contents.is_empty() || contents.len() > 8 || contents[0] & 0x80 != 0 {
        return Err(malformed("integer out of range"));
    }
    Ok(contents
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Dotted text of a DER object identifier.
fn oid_text(contents: &[u8]) -> Result<String, LedgerError> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for (i, b) in contents.iter().enumerate() {
        if acc > (u64::MAX >> 7) {
            return Err(malformed("object identifier arc too large"));
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        } else if i + 1 == contents.len() {
            return Err(malformed("truncated object identifier"));
        }
    }
    if arcs.is_empty() {
        return Err(malformed("empty object identifier"));
    }
    Ok(arcs
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

/// What a TSA answered, as far as a log needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampReply {
    /// `PKIStatus`: 0 granted, 1 granted with modifications, 2 rejection, 3 waiting,
    /// 4 revocation warning, 5 revocation notification.
    pub status: u64,
    /// The `statusString` texts, if any (the TSA's reason for a refusal).
    pub status_text: Vec<String>,
    /// The token's content, when a token was granted.
    pub token: Option<TimestampToken>,
}

/// The `TSTInfo` of a time-stamp token: what the TSA signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampToken {
    /// The TSA policy under which the token was issued (dotted OID).
    pub policy: String,
    /// The message imprint's hash algorithm (dotted OID; SHA-256 is `2.16.840.1.101.3.4.2.1`).
    pub hash_algorithm: String,
    /// The message imprint: the hash of the time-stamped message.
    pub message_imprint: Vec<u8>,
    /// The token's serial number (big-endian bytes as encoded).
    pub serial: Vec<u8>,
    /// `genTime` as encoded (`YYYYMMDDhhmmss[.f]Z`).
    pub gen_time: String,
    /// The nonce echoed from the request, if any (big-endian bytes as encoded).
    pub nonce: Option<Vec<u8>>,
}

impl TimestampToken {
    /// Whether the imprint is the SHA-256 `hash`.
    pub fn imprints_sha256(&self, hash: &Hash) -> bool {
        self.hash_algorithm == "2.16.840.1.101.3.4.2.1" && self.message_imprint == hash[..]
    }

    /// Whether the token echoes the request's `nonce`.
    pub fn has_nonce(&self, nonce: u64) -> bool {
        let Some(got) = &self.nonce else {
            return false;
        };
        let digits: &[u8] = match got.iter().position(|b| *b != 0) {
            Some(i) => &got[i..],
            None => &[],
        };
        digits.len() <= 8 && digits.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)) == nonce
    }

    /// `genTime` as RFC 3339 (`2026-01-02T03:04:05Z`, fractions kept), or as encoded if it is
    /// not the `YYYYMMDDhhmmss` form.
    pub fn gen_time_rfc3339(&self) -> String {
        let t = self.gen_time.as_bytes();
        if t.len() < 15 || !t[..14].iter().all(u8::is_ascii_digit) || !self.gen_time.ends_with('Z')
        {
            return self.gen_time.clone();
        }
        let g = &self.gen_time;
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
}

/// Parses a DER `TimeStampResp` (RFC 3161 §2.4.2), as a TSA returns it and as
/// `openssl ts -reply` writes it. The token, when present, is read down to its `TSTInfo`; its
/// signature is not checked (see the module documentation).
pub fn parse_timestamp_reply(der: &[u8]) -> Result<TimestampReply, LedgerError> {
    let (resp, trailing) = expect(der, SEQUENCE, "reply is not a SEQUENCE")?;
    if !trailing.is_empty() {
        return Err(malformed("bytes after the reply"));
    }
    let (status_info, rest) = expect(resp, SEQUENCE, "no PKIStatusInfo")?;
    let (status, mut more) = expect(status_info, INTEGER, "no PKIStatus")?;
    let status = small_uint(status)?;
    let mut status_text = Vec::new();
    if !more.is_empty() {
        let (tag, contents, tail) = next(more)?;
        if tag == SEQUENCE {
            let mut texts = contents;
            while !texts.is_empty() {
                let (_, text, tail) = next(texts)?;
                status_text.push(String::from_utf8_lossy(text).into_owned());
                texts = tail;
            }
            more = tail;
        }
    }
    let _ = more; // failInfo, if any, is not needed: status says it failed.
    let token = if rest.is_empty() {
        None
    } else {
        Some(parse_token(rest)?.0)
    };
    if token.is_none() && status <= 1 {
        return Err(malformed("granted status without a token"));
    }
    Ok(TimestampReply {
        status,
        status_text,
        token,
    })
}

/// Parses a `TimeStampToken` (a CMS `ContentInfo` holding `SignedData` over a `TSTInfo`); returns
/// it and the bytes after it.
fn parse_token(der: &[u8]) -> Result<(TimestampToken, &[u8]), LedgerError> {
    let (content_info, after) = expect(der, SEQUENCE, "token is not a ContentInfo")?;
    let (oid, rest) = expect(content_info, OID, "token has no content type")?;
    if oid != OID_SIGNED_DATA {
        return Err(malformed("token is not CMS SignedData"));
    }
    let (explicit, _) = expect(rest, CONTEXT_0, "token has no content")?;
    let (signed_data, _) = expect(explicit, SEQUENCE, "SignedData is not a SEQUENCE")?;
    let (_, rest) = expect(signed_data, INTEGER, "SignedData has no version")?;
    let (_, rest) = expect(rest, SET, "SignedData has no digest algorithms")?;
    let (encap, _) = expect(rest, SEQUENCE, "SignedData has no encapsulated content")?;
    let (oid, rest) = expect(encap, OID, "no encapsulated content type")?;
    if oid != OID_TST_INFO {
        return Err(malformed("encapsulated content is not a TSTInfo"));
    }
    let (explicit, _) = expect(rest, CONTEXT_0, "no encapsulated content")?;
    let (tst_der, _) = expect(explicit, OCTET_STRING, "eContent is not an OCTET STRING")?;
    Ok((parse_tst_info(tst_der)?, after))
}

fn parse_tst_info(der: &[u8]) -> Result<TimestampToken, LedgerError> {
    let (tst, _) = expect(der, SEQUENCE, "TSTInfo is not a SEQUENCE")?;
    let (version, rest) = expect(tst, INTEGER, "TSTInfo has no version")?;
    if small_uint(version)? != 1 {
        return Err(malformed("TSTInfo version is not 1"));
    }
    let (policy, rest) = expect(rest, OID, "TSTInfo has no policy")?;
    let (imprint, rest) = expect(rest, SEQUENCE, "TSTInfo has no message imprint")?;
    let (algorithm, hashed) = expect(imprint, SEQUENCE, "imprint has no algorithm")?;
    let (alg_oid, _) = expect(algorithm, OID, "imprint algorithm has no OID")?;
    let (hashed, _) = expect(hashed, OCTET_STRING, "imprint has no hash")?;
    let (serial, rest) = expect(rest, INTEGER, "TSTInfo has no serial number")?;
    let (gen_time, mut rest) = expect(rest, GENERALIZED_TIME, "TSTInfo has no genTime")?;
    // accuracy (SEQUENCE), ordering (BOOLEAN), then the nonce: the first INTEGER.
    let mut nonce = None;
    while !rest.is_empty() {
        let (tag, contents, tail) = next(rest)?;
        if tag == INTEGER {
            nonce = Some(contents.to_vec());
            break;
        }
        if tag != SEQUENCE && tag != BOOLEAN {
            break;
        }
        rest = tail;
    }
    Ok(TimestampToken {
        policy: oid_text(policy)?,
        hash_algorithm: oid_text(alg_oid)?,
        message_imprint: hashed.to_vec(),
        serial: serial.to_vec(),
        gen_time: String::from_utf8_lossy(gen_time).into_owned(),
        nonce,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply as `openssl ts -reply` builds it, assembled by hand: status, then a token.
    fn reply(status: u64, imprint: &[u8], nonce: Option<u64>) -> Vec<u8> {
        let mut tst = [
            uint(1),
            tlv(OID, &[0x2a, 0x03, 0x04]),
            tlv(
                SEQUENCE,
                &[
                    tlv(SEQUENCE, &[tlv(OID, OID_SHA256), tlv(NULL, &[])].concat()),
                    tlv(OCTET_STRING, imprint),
                ]
                .concat(),
            ),
            uint(7),
            tlv(GENERALIZED_TIME, b"20260102030405.5Z"),
            tlv(SEQUENCE, &uint(1)),
        ]
        .concat();
        if let Some(n) = nonce {
            tst.extend(uint(n));
        }
        let encap = [
            tlv(OID, OID_TST_INFO),
            tlv(CONTEXT_0, &tlv(OCTET_STRING, &tlv(SEQUENCE, &tst))),
        ]
        .concat();
        let signed = [uint(3), tlv(SET, &[]), tlv(SEQUENCE, &encap), tlv(SET, &[])].concat();
        let token = tlv(
            SEQUENCE,
            &[
                tlv(OID, OID_SIGNED_DATA),
                tlv(CONTEXT_0, &tlv(SEQUENCE, &signed)),
            ]
            .concat(),
        );
        tlv(SEQUENCE, &[tlv(SEQUENCE, &uint(status)), token].concat())
    }

    #[test]
    fn request_shape() {
        let req = timestamp_request(&[0xab; 32], 0x80);
        // SEQUENCE { 1, SEQUENCE { SEQUENCE { sha256, NULL }, OCTET STRING }, nonce, TRUE }
        let (body, rest) = expect(&req, SEQUENCE, "").unwrap();
        assert!(rest.is_empty());
        let (v, rest) = expect(body, INTEGER, "").unwrap();
        assert_eq!(v, [1]);
        let (imprint, rest) = expect(rest, SEQUENCE, "").unwrap();
        let (alg, hash) = expect(imprint, SEQUENCE, "").unwrap();
        assert_eq!(
            oid_text(expect(alg, OID, "").unwrap().0).unwrap(),
            "2.16.840.1.101.3.4.2.1"
        );
        assert_eq!(expect(hash, OCTET_STRING, "").unwrap().0, [0xab; 32]);
        let (nonce, rest) = expect(rest, INTEGER, "").unwrap();
        assert_eq!(nonce, [0x00, 0x80], "positive: a leading zero");
        assert_eq!(expect(rest, BOOLEAN, "").unwrap().0, [0xff]);
        assert_eq!(uint(0), [2, 1, 0]);
        assert_eq!(uint(u64::MAX)[..3], [2, 9, 0]);
        let mut long = Vec::new();
        push_len(&mut long, 300);
        assert_eq!(long, [0x82, 0x01, 0x2c]);
    }

    #[test]
    fn reply_round_trip() {
        let hash = [5u8; 32];
        let r = parse_timestamp_reply(&reply(0, &hash, Some(0xfeed))).unwrap();
        assert_eq!(r.status, 0);
        let t = r.token.unwrap();
        assert!(t.imprints_sha256(&hash));
        assert!(!t.imprints_sha256(&[6; 32]));
        assert!(t.has_nonce(0xfeed));
        assert!(!t.has_nonce(1));
        assert_eq!(t.policy, "1.2.3.4");
        assert_eq!(t.gen_time_rfc3339(), "2026-01-02T03:04:05.5Z");
        let no_nonce = parse_timestamp_reply(&reply(0, &hash, None)).unwrap();
        assert!(!no_nonce.token.unwrap().has_nonce(0xfeed));
    }

    #[test]
    fn refusals_and_garbage_are_errors_not_panics() {
        let rejected = tlv(
            SEQUENCE,
            &tlv(
                SEQUENCE,
                &[uint(2), tlv(SEQUENCE, &tlv(0x0c, b"bad alg"))].concat(),
            ),
        );
        let r = parse_timestamp_reply(&rejected).unwrap();
        assert_eq!(
            (r.status, r.status_text, r.token),
            (2, vec!["bad alg".into()], None)
        );
        let granted_without_token = tlv(SEQUENCE, &tlv(SEQUENCE, &uint(0)));
        assert!(parse_timestamp_reply(&granted_without_token).is_err());
        let good = reply(0, &[1; 32], Some(9));
        for cut in 0..good.len() {
            assert!(parse_timestamp_reply(&good[..cut]).is_err(), "cut {cut}");
        }
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            let _ = parse_timestamp_reply(&bad);
        }
        assert!(parse_timestamp_reply(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(parse_timestamp_reply(&[0x3f, 0x00]).is_err());
    }
}

//! Digests as WARC writes them (`sha1:<BASE32>`, `sha256:<hex>`) and as real files spell them.

use sha1::{Digest as _, Sha1};
use sha2::Sha256;

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 Base32, upper case, with `=` padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes RFC 4648 Base32 in either case, padding optional. `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u64, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Lower-case hexadecimal.
pub fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// Decodes hexadecimal in either case. `None` on odd length or a non-hex character.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let val = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|p| Some((val(p[0])? << 4) | val(p[1])?))
        .collect()
}

/// `sha1:<BASE32>`, the label and encoding annals writes for `WARC-Payload-Digest`.
pub fn sha1_base32(bytes: &[u8]) -> String {
    format!("sha1:{}", base32_encode(&Sha1::digest(bytes)))
}

/// `sha256:<hex>`, the label and encoding annals writes for `WARC-Block-Digest`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("sha256:{}", hex_encode(&Sha256::digest(bytes)))
}

/// Hash algorithms found in WARC digest fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes).
    Sha256,
    /// MD5 (16 bytes); read, never written.
    Md5,
    /// SHA-512 (64 bytes); read, never written.
    Sha512,
}

/// A digest field value decoded to raw bytes, whatever label and encoding it was written with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDigest {
    /// The algorithm named by the label.
    pub algorithm: Algorithm,
    /// The decoded digest bytes.
    pub bytes: Vec<u8>,
}

/// Parses `label:value` leniently: `sha1`/`sha-1`/`SHA1`, Base16 or Base32 told apart by length.
pub fn parse_digest(field: &str) -> Option<ParsedDigest> {
    let (label, value) = field.trim().split_once(':')?;
    let algorithm = match label.to_ascii_lowercase().replace('-', "").as_str() {
        "sha1" => Algorithm::Sha1,
        "sha256" => Algorithm::Sha256,
        "md5" => Algorithm::Md5,
        "sha512" => Algorithm::Sha512,
        _ => return None,
    };
    let len = match algorithm {
        Algorithm::Sha1 => 20,
        Algorithm::Sha256 => 32,
        Algorithm::Md5 => 16,
        Algorithm::Sha512 => 64,
    };
    let value = value.trim();
    let bytes = if value.len() == len * 2 {
        hex_decode(value)?
    } else {
        base32_decode(value)?
    };
    (bytes.len() == len).then_some(ParsedDigest { algorithm, bytes })
}

/// Whether `field` (any label/encoding) is the digest of `data`. `None` when the field is unreadable.
pub fn digest_matches(field: &str, data: &[u8]) -> Option<bool> {
    let parsed = parse_digest(field)?;
    let actual: Vec<u8> = match parsed.algorithm {
        Algorithm::Sha1 => Sha1::digest(data).to_vec(),
        Algorithm::Sha256 => Sha256::digest(data).to_vec(),
        Algorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
        Algorithm::Md5 => return None,
    };
    Some(actual == parsed.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_payload_vectors() {
        assert_eq!(sha1_base32(b""), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
        assert_eq!(
            sha256_hex(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn base32_round_trip_all_lengths() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base32_decode(&base32_encode(&data)).unwrap(), data);
        }
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI======");
    }

    #[test]
    fn lenient_labels_and_encodings() {
        let hex = "sha-256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(digest_matches(hex, b""), Some(true));
        assert_eq!(
            digest_matches("SHA1:3i42h3s6nnfq2msvx7xzkyayscx5qbyj", b""),
            Some(true)
        );
        assert_eq!(
            digest_matches("sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", b"x"),
            Some(false)
        );
        assert_eq!(digest_matches("crc32:abcd", b""), None);
        assert_eq!(digest_matches("sha1:!!!", b""), None);
    }
}

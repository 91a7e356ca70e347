//! C2SP signed notes with Ed25519 keys, and the key text encodings of Go's `sumdb/note`.
//!
//! A signed note is its text (ending in `\n`), a blank line, then one or more lines
//! `— <key name> <base64(4-byte key ID || signature)>`. The signature covers the text including
//! its final newline. Implements C2SP `signed-note` as published in 2024 (Ed25519, type `0x01`,
//! only); signatures of other types are carried and ignored, like any from an unknown key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::LedgerError;

/// Signature type byte of Ed25519 keys (RFC 8032).
pub const ALG_ED25519: u8 = 0x01;

/// Most signature lines a note may carry; the spec requires accepting at least 16.
pub const MAX_SIGNATURES: usize = 100;

const SIG_PREFIX: &str = "\u{2014} ";

/// The key ID: the first four bytes, big-endian, of `SHA-256(name || 0x0A || alg || public key)`.
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', alg]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Whether `name` is a valid key name: non-empty, no Unicode white space, no control
/// character, no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c.is_control() || c == '+')
}

fn check_name(name: &str) -> Result<(), LedgerError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(LedgerError::InvalidKeyName(name.to_owned()))
    }
}

/// Checks what the spec requires of note text: non-empty, ends in `\n`, no control characters
/// other than `\n`.
fn check_text(text: &str) -> Result<(), LedgerError> {
    if !text.ends_with('\n') {
        return Err(LedgerError::MalformedNote {
            reason: "text does not end with a newline",
        });
    }
    check_chars(text)
}

fn check_chars(text: &str) -> Result<(), LedgerError> {
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(LedgerError::MalformedNote {
            reason: "control character other than newline",
        });
    }
    Ok(())
}

/// Splits `s` at the first `+`.
fn chop(s: &str) -> (&str, &str) {
    s.split_once('+').unwrap_or((s, ""))
}

fn parse_id(hex: &str) -> Result<u32, LedgerError> {
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LedgerError::MalformedKey {
            reason: "key ID is not 8 hex digits",
        });
    }
    u32::from_str_radix(hex, 16).map_err(|_| LedgerError::MalformedKey {
        reason: "key ID is not 8 hex digits",
    })
}

/// Decodes `base64(0x01 || 32 key bytes)`.
fn parse_ed25519_key(b64: &str) -> Result<[u8; 32], LedgerError> {
    let bytes = STANDARD
        .decode(b64)
        .map_err(|_| LedgerError::MalformedKey {
            reason: "key is not standard base64",
        })?;
    let Some((&alg, key)) = bytes.split_first() else {
        return Err(LedgerError::MalformedKey {
            reason: "empty key",
        });
    };
    if alg != ALG_ED25519 {
        return Err(LedgerError::MalformedKey {
            reason: "unsupported key type (only Ed25519, 0x01)",
        });
    }
    key.try_into().map_err(|_| LedgerError::MalformedKey {
        reason: "Ed25519 key is not 32 bytes",
    })
}

fn encode_ed25519_key(key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(33);
    bytes.push(ALG_ED25519);
    bytes.extend_from_slice(key);
    STANDARD.encode(bytes)
}

/// An Ed25519 note signer: a key name and a 32-byte seed (the RFC 8032 private key).
#[derive(Clone)]
pub struct Signer {
    name: String,
    id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("id", &format_args!("{:08x}", self.id))
            .finish_non_exhaustive()
    }
}

/// The `<name>+<8-hex key ID>+<base64(0x01 || key)>` fields shared by signer and verifier key
/// texts (after the signer's `PRIVATE+KEY+`): the name checked, the ID and the 32 key bytes.
fn parse_key_fields(text: &str) -> Result<(&str, u32, [u8; 32]), LedgerError> {
    let (name, rest) = chop(text);
    let (id, b64) = chop(rest);
    check_name(name)?;
    Ok((name, parse_id(id)?, parse_ed25519_key(b64)?))
}

/// A key text's stated ID must be the one its name and key derive.
fn check_key_id(derived: u32, stated: u32) -> Result<(), LedgerError> {
    if derived == stated {
        Ok(())
    } else {
        Err(LedgerError::MalformedKey {
            reason: "key ID does not match the key",
        })
    }
}

impl Signer {
    /// A signer from a key name and an Ed25519 seed; the caller supplies the randomness.
    pub fn new(name: &str, seed: [u8; 32]) -> Result<Signer, LedgerError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, ALG_ED25519, key.verifying_key().as_bytes());
        Ok(Signer {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<8-hex key ID>+<base64(0x01 || seed)>` and checks the key ID.
    pub fn from_key_text(text: &str) -> Result<Signer, LedgerError> {
        let text = text.trim_end_matches(['\n', '\r']);
        let (private, rest) = chop(text);
        let (key, rest) = chop(rest);
        if private != "PRIVATE" || key != "KEY" {
            return Err(LedgerError::MalformedKey {
                reason: "signer key does not start with PRIVATE+KEY+",
            });
        }
        let (name, id, seed) = parse_key_fields(rest)?;
        let signer = Signer::new(name, seed)?;
        check_key_id(signer.id, id)?;
        Ok(signer)
    }

    /// The key text `PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>`. Secret: store it as such.
    pub fn key_text(&self) -> String {
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            encode_ed25519_key(self.key.as_bytes())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs a note text (which must end in `\n`) and returns the note's signature line data.
    pub fn sign(&self, text: &str) -> Result<NoteSignature, LedgerError> {
        check_text(text)?;
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.id,
            signature: self.key.sign(text.as_bytes()).to_bytes().to_vec(),
        })
    }
}

/// An Ed25519 note verifier: key name, key ID and public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// A verifier from a key name and a 32-byte Ed25519 public key.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Verifier, LedgerError> {
        check_name(name)?;
        let key = VerifyingKey::from_bytes(&public_key).map_err(|_| LedgerError::MalformedKey {
            reason: "not an Ed25519 public key",
        })?;
        Ok(Verifier {
            name: name.to_owned(),
            id: key_id(name, ALG_ED25519, &public_key),
            key,
        })
    }

    /// Parses `<name>+<8-hex key ID>+<base64(0x01 || public key)>` and checks the key ID.
    pub fn from_key_text(text: &str) -> Result<Verifier, LedgerError> {
        let (name, id, public_key) = parse_key_fields(text.trim_end_matches(['\n', '\r']))?;
        let verifier = Verifier::new(name, public_key)?;
        check_key_id(verifier.id, id)?;
        Ok(verifier)
    }

    /// The key text `<name>+<id>+<base64(0x01 || public key)>`.
    pub fn key_text(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.id,
            encode_ed25519_key(self.key.as_bytes())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether `signature` is a valid signature of `text` by this key (RFC 8032, checked with
    /// `ed25519-dalek`'s `verify_strict`: non-canonical and small-order encodings are refused).
    pub fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(text, &signature).is_ok()
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key ID.
    pub key_id: u32,
    /// The signature bytes (64 for Ed25519; other types differ).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line `— <name> <base64(key ID || signature)>\n`.
    pub fn line(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + self.signature.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, STANDARD.encode(bytes))
    }
}

/// A parsed signed note: text and signature lines, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// Signs `text` (non-empty, ending in `\n`, no control characters other than `\n`) with
    /// every signer; at least one signer is needed.
    pub fn sign(text: &str, signers: &[&Signer]) -> Result<Note, LedgerError> {
        check_text(text)?;
        if signers.is_empty() {
            return Err(LedgerError::MalformedNote {
                reason: "a note needs at least one signature",
            });
        }
        let signatures = signers
            .iter()
            .map(|signer| signer.sign(text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// Parses a signed note without verifying it: UTF-8, no control characters other than
    /// `\n`, text, blank line, at least one well-formed signature line, at most
    /// [`MAX_SIGNATURES`].
    pub fn parse(msg: &[u8]) -> Result<Note, LedgerError> {
        let msg = std::str::from_utf8(msg).map_err(|_| LedgerError::MalformedNote {
            reason: "not UTF-8",
        })?;
        check_chars(msg)?;
        let Some(split) = msg.rfind("\n\n") else {
            return Err(LedgerError::MalformedNote {
                reason: "no blank line before the signatures",
            });
        };
        let (text, sigs) = (&msg[..split + 1], &msg[split + 2..]);
        if sigs.is_empty() || !sigs.ends_with('\n') {
            return Err(LedgerError::MalformedNote {
                reason: "signature block missing or not ending in a newline",
            });
        }
        let mut signatures = Vec::new();
        for line in sigs[..sigs.len() - 1].split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(LedgerError::TooManySignatures {
                    limit: MAX_SIGNATURES,
                });
            }
            signatures.push(parse_signature_line(line)?);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// Parses and verifies a signed note against known verifiers; see [`Note::verify`].
    pub fn open(msg: &[u8], verifiers: &[Verifier]) -> Result<Note, LedgerError> {
        let note = Note::parse(msg)?;
        note.verify(verifiers)?;
        Ok(note)
    }

    /// Verifies the signatures against known verifiers and returns the ones that verified.
    ///
    /// Signatures whose name and key ID match no verifier are ignored; one that matches and does
    /// not verify is [`LedgerError::BadSignature`]; none verifying is
    /// [`LedgerError::NoVerifiedSignature`].
    pub fn verify(&self, verifiers: &[Verifier]) -> Result<Vec<&NoteSignature>, LedgerError> {
        let mut verified: Vec<&NoteSignature> = Vec::new();
        for signature in &self.signatures {
            let mut known = verifiers
                .iter()
                .filter(|v| v.id == signature.key_id && v.name == signature.name)
                .peekable();
            if known.peek().is_none() {
                continue;
            }
            if !known.any(|v| v.verify(self.text.as_bytes(), &signature.signature)) {
                return Err(LedgerError::BadSignature {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                });
            }
            if !verified
                .iter()
                .any(|s| s.key_id == signature.key_id && s.name == signature.name)
            {
                verified.push(signature);
            }
        }
        if verified.is_empty() {
            return Err(LedgerError::NoVerifiedSignature);
        }
        Ok(verified)
    }

    /// The signed text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature (e.g. a witness cosignature) after the existing ones.
    pub fn push_signature(&mut self, signature: NoteSignature) {
        self.signatures.push(signature);
    }

    /// The serialised note: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1 + 120 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.line());
        }
        out
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, LedgerError> {
    let malformed = |reason| LedgerError::MalformedNote { reason };
    let line = line.strip_prefix(SIG_PREFIX).ok_or(malformed(
        "signature line does not start with an em dash and space",
    ))?;
    let (name, b64) = line
        .split_once(' ')
        .ok_or(malformed("signature line has no space after the key name"))?;
    if !is_valid_key_name(name) {
        return Err(malformed("invalid key name in signature line"));
    }
    let bytes = STANDARD
        .decode(b64)
        .map_err(|_| malformed("signature is not standard base64"))?;
    if bytes.len() < 5 {
        return Err(malformed("signature too short"));
    }
    let (id, signature) = bytes.split_at(4);
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
        signature: signature.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                              then you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn go_sumdb_published_vector() {
        let signer = Signer::from_key_text(PETER_SKEY).unwrap();
        assert_eq!(signer.key_text(), PETER_SKEY);
        assert_eq!(signer.key_id(), 0xc74f20a3);
        assert_eq!(signer.verifier().key_text(), PETER_VKEY);
        let note = Note::sign(PETER_TEXT, &[&signer]).unwrap();
        let text = note.to_text();
        assert_eq!(text, format!("{PETER_TEXT}\n{PETER_SIG}"));
        let verifier = Verifier::from_key_text(PETER_VKEY).unwrap();
        let opened = Note::open(text.as_bytes(), &[verifier]).unwrap();
        assert_eq!(opened.text(), PETER_TEXT);
    }

    #[test]
    fn verification_rules() {
        let peter = Signer::from_key_text(PETER_SKEY).unwrap();
        let other = Signer::new("other.example/log", [7; 32]).unwrap();
        let note = Note::sign(PETER_TEXT, &[&other, &peter]).unwrap().to_text();
        // Unknown keys are ignored.
        assert!(Note::open(note.as_bytes(), &[peter.verifier()]).is_ok());
        assert_eq!(
            Note::open(note.as_bytes(), &[]),
            Err(LedgerError::NoVerifiedSignature)
        );
        // A bad signature from a known key rejects the note even if another verifies.
        let mut forged = Note::parse(note.as_bytes()).unwrap();
        forged.signatures[0].signature[0] ^= 1;
        let forged = forged.to_text();
        assert!(matches!(
            Note::open(forged.as_bytes(), &[peter.verifier(), other.verifier()]),
            Err(LedgerError::BadSignature { .. })
        ));
        assert!(Note::open(forged.as_bytes(), &[peter.verifier()]).is_ok());
        // Altered text.
        let altered = note.replacen("cryptography", "cryptographY", 1);
        assert!(Note::open(altered.as_bytes(), &[peter.verifier()]).is_err());
        // Same name, other key: ID differs, so it is unknown, not bad.
        let impostor = Signer::new("PeterNeumann", [9; 32]).unwrap();
        assert_eq!(
            Note::open(note.as_bytes(), &[impostor.verifier()]),
            Err(LedgerError::NoVerifiedSignature)
        );
    }

    #[test]
    fn malformed_notes_and_keys() {
        let peter = Signer::from_key_text(PETER_SKEY).unwrap();
        let v = [peter.verifier()];
        for bad in [
            &b""[..],
            b"\n",
            b"\n\n",
            b"text\n",
            b"text\n\n",
            b"text\n\n\xe2\x80\x94 PeterNeumann x08go/\n",
            b"text\n\n- PeterNeumann AAAAAAAA\n",
            b"text\n\n\xe2\x80\x94 PeterNeumann AAAAAAAA",
            b"text\n\n\xe2\x80\x94 PeterNeumann AAAA\n",
            b"text\n\n\xe2\x80\x94 Peter+Neumann AAAAAAAA\n",
            b"te\rxt\n\n\xe2\x80\x94 PeterNeumann AAAAAAAA\n",
            b"\xff\n\n\xe2\x80\x94 PeterNeumann AAAAAAAA\n",
        ] {
            assert!(Note::open(bad, &v).is_err(), "{bad:?}");
        }
        let many = format!(
            "t\n\n{}",
            "\u{2014} a AAAAAAAA\n".repeat(MAX_SIGNATURES + 1)
        );
        assert_eq!(
            Note::parse(many.as_bytes()),
            Err(LedgerError::TooManySignatures {
                limit: MAX_SIGNATURES
            })
        );
        assert!(Note::sign("no newline", &[&peter]).is_err());
        assert!(Note::sign("no signers\n", &[]).is_err());
        assert!(Signer::new("a\u{1}b", [0; 32]).is_err());
        for bad in [
            "",
            "PRIVATE+KEY",
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD",
            "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            PETER_VKEY,
        ] {
            assert!(Signer::from_key_text(bad).is_err(), "{bad}");
        }
        for bad in [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a2+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW+",
            PETER_SKEY,
        ] {
            assert!(Verifier::from_key_text(bad).is_err(), "{bad}");
        }
        assert!(Signer::new("a b", [0; 32]).is_err());
        assert!(Signer::new("", [0; 32]).is_err());
    }
}

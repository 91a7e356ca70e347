//! C2SP `tlog-checkpoint` bodies: origin, tree size, root hash, optional extension lines.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::LedgerError;
use crate::hash::Hash;
use crate::note::{Note, Signer, Verifier};

/// A checkpoint: the signed statement "the log `origin` has `size` entries with root `root`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique identity of the log; should be a schema-less URL without spaces or `+`, and equal
    /// to the log's key name.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// RFC 6962 root of the first `size` entries.
    pub root: Hash,
    /// Opaque, non-empty extension lines (not recommended by the spec); usually empty.
    pub extensions: Vec<String>,
}

fn malformed(reason: &'static str) -> LedgerError {
    LedgerError::MalformedCheckpoint { reason }
}

fn check_line(line: &str, what: &'static str) -> Result<(), LedgerError> {
    if line.is_empty() || line.chars().any(char::is_control) {
        return Err(malformed(what));
    }
    Ok(())
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n` then each extension line.
    pub fn to_text(&self) -> Result<String, LedgerError> {
        check_line(&self.origin, "origin is empty or has control characters")?;
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for line in &self.extensions {
            check_line(line, "extension line is empty or has control characters")?;
            out.push_str(line);
            out.push('\n');
        }
        Ok(out)
    }

    /// Parses a checkpoint body (the text of a note, final newline included).
    pub fn parse(text: &str) -> Result<Checkpoint, LedgerError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(malformed("text does not end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        check_line(origin, "origin is empty or has control characters")?;
        let size = lines.next().ok_or(malformed("missing tree size"))?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(malformed(
                "tree size is not a decimal without leading zeros",
            ));
        }
        let size = size
            .parse::<u64>()
            .map_err(|_| malformed("tree size does not fit 64 bits"))?;
        let root = lines.next().ok_or(malformed("missing root hash"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(malformed("root hash is not base64 of 32 bytes"))?;
        let extensions = lines
            .map(|line| {
                check_line(line, "extension line is empty or has control characters")
                    .map(|()| line.to_owned())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint and returns the signed note text.
    pub fn sign(&self, signer: &Signer) -> Result<String, LedgerError> {
        Ok(Note::sign(&self.to_text()?, &[signer])?.to_text())
    }

    /// Verifies a signed checkpoint against known verifiers (see [`Note::verify`]) and parses
    /// it. The caller checks that `origin` is the log it expects.
    pub fn open(msg: &[u8], verifiers: &[Verifier]) -> Result<Checkpoint, LedgerError> {
        let note = Note::open(msg, verifiers)?;
        Checkpoint::parse(note.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, root};

    const SKEY: &str =
        "PRIVATE+KEY+annals.example/log+9252e834+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
    const VKEY: &str = "annals.example/log+9252e834+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    const SIGNED: &str = "annals.example/log\n3\nNmQuc8JUCrEh46a/lUWwokmCzYMOsT080Z3jzmwCHsE=\n\n\
        \u{2014} annals.example/log klLoNHGrWXTdEacxhSI+KQaA/MKi/U2v37wzMj7QPoEQxYSD/K0uttg8fk0Kby8IBcl8McMjv8/lM/IpfTc1/xa9IgI=\n";

    #[test]
    fn annals_published_vector() {
        let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
        let signer = Signer::new("annals.example/log", seed).unwrap();
        assert_eq!(signer.key_text(), SKEY);
        assert_eq!(signer.verifier().key_text(), VKEY);
        assert_eq!(Signer::from_key_text(SKEY).unwrap().key_text(), SKEY);

        let leaves = [b"a", b"b", b"c"].map(|e| leaf_hash(e));
        let checkpoint = Checkpoint::new("annals.example/log", 3, root(&leaves));
        assert_eq!(checkpoint.sign(&signer).unwrap(), SIGNED);

        let verifier = Verifier::from_key_text(VKEY).unwrap();
        assert_eq!(
            Checkpoint::open(SIGNED.as_bytes(), std::slice::from_ref(&verifier)).unwrap(),
            checkpoint
        );
        let tampered = SIGNED.replacen("\n3\n", "\n4\n", 1);
        assert!(Checkpoint::open(tampered.as_bytes(), &[verifier]).is_err());
    }

    #[test]
    fn parse_rules() {
        let root_b64 = STANDARD.encode([0u8; 32]);
        let ok = format!("o\n0\n{root_b64}\next one\n");
        let parsed = Checkpoint::parse(&ok).unwrap();
        assert_eq!(parsed.size, 0);
        assert_eq!(parsed.extensions, ["ext one"]);
        assert_eq!(parsed.to_text().unwrap(), ok);
        for bad in [
            String::new(),
            "o\n1\n".into(),
            format!("o\n1\n{root_b64}"),
            format!("\n1\n{root_b64}\n"),
            format!("o\n01\n{root_b64}\n"),
            format!("o\n-1\n{root_b64}\n"),
            format!("o\n+1\n{root_b64}\n"),
            format!("o\n18446744073709551616\n{root_b64}\n"),
            format!("o\n1\n{}\n", &root_b64[..43]),
            format!("o\n1\n{}\n", STANDARD.encode([0u8; 31])),
            format!("o\n1\n{root_b64}\n\n"),
            format!("o\n1\n{root_b64}\next\n\n"),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }
}

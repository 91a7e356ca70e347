//! The ledger entry: what one leaf of the log says about one WARC record; see [`Entry`].

use crate::LedgerError;

/// Version byte of the entry format annals writes now (format 2 on [`Entry`]).
pub const ENTRY_VERSION: u8 = 2;

/// Version byte of the first entry format, which also named the record's id and date; logs
/// written before format 2 keep their format 1 entries, and both decode.
pub const ENTRY_VERSION_1: u8 = 1;

/// Largest encoded entry, fixed by the `uint16` length prefix of entry bundles.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

const FIXED_LEN: usize = 1 + 32 + 8 + 8;

/// One ledger leaf: binds a WARC record's stored bytes to its file and position.
///
/// # Format, version 2 (written now)
///
/// A deterministic binary encoding; all integers are big-endian, strings are UTF-8 with a
/// `u16` byte-length prefix:
///
/// | bytes | field |
/// |---|---|
/// | 1 | version, `0x02` |
/// | 32 | `record_sha256`: SHA-256 of the record exactly as stored, i.e. of the `length` bytes at `offset` in the file (the gzip member when the file is compressed) |
/// | 8 | `offset` of the record in the file (`u64`) |
/// | 8 | `length` of the stored record in bytes (`u64`) |
/// | 2 + n | `file`: the WARC file name, no directory (e.g. `annals-20240101120000-00001.warc.gz`) |
///
/// # Format, version 1 (read; written by logs before version 2)
///
/// Version byte `0x01`, the same four fields, then two more strings: `record_id` (the
/// `WARC-Record-ID` value as written, angle brackets included) and `date` (the `WARC-Date` value
/// as written). Version 2 leaves them out: both are headers of the record, so the record's
/// SHA-256 already binds them, and they took 77 of an entry's 165 bytes.
///
/// Nothing follows the last field. The strings must be non-empty and contain no control
/// characters. The whole entry is at most 65,535 bytes so that it fits a tlog-tiles entry
/// bundle. Decoding accepts exactly what encoding produces, so an entry has one encoding and its
/// leaf hash identifies it.
///
/// A verifier holding the WARC file recomputes `record_sha256` over `file[offset..offset+length]`
/// and checks the leaf's inclusion proof against a signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// SHA-256 of the record's stored bytes (`length` bytes at `offset` in `file`).
    pub record_sha256: [u8; 32],
    /// WARC file name, without directory.
    pub file: String,
    /// Offset of the record in the file.
    pub offset: u64,
    /// Length of the stored record in bytes.
    pub length: u64,
    /// Format 1 only: the `WARC-Record-ID` and `WARC-Date` as written, e.g.
    /// `<urn:uuid:…>` and `2024-01-01T12:00:00Z`. `None` for format 2.
    pub v1: Option<(String, String)>,
}

impl Entry {
    /// The format version this entry encodes to.
    pub fn version(&self) -> u8 {
        if self.v1.is_some() {
            ENTRY_VERSION_1
        } else {
            ENTRY_VERSION
        }
    }

    /// Encodes the entry (format 2, or format 1 when it carries the record's id and date).
    pub fn encode(&self) -> Result<Vec<u8>, LedgerError> {
        let extra = self
            .v1
            .as_ref()
            .map_or(0, |(id, date)| 4 + id.len() + date.len());
        let len = FIXED_LEN + 2 + self.file.len() + extra;
        if len > MAX_ENTRY_LEN {
            return Err(LedgerError::EntryTooLarge { len });
        }
        let mut out = Vec::with_capacity(len);
        out.push(self.version());
        out.extend_from_slice(&self.record_sha256);
        out.extend_from_slice(&self.offset.to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
        let mut fields = vec![&self.file];
        if let Some((id, date)) = &self.v1 {
            fields.push(id);
            fields.push(date);
        }
        for field in fields {
            check_text(field)?;
            // Fits: the total length was checked above.
            out.extend_from_slice(&(field.len() as u16).to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        Ok(out)
    }

    /// Decodes an entry of either format; rejects unknown versions, truncation, trailing bytes
    /// and anything [`Entry::encode`] would not produce.
    pub fn decode(bytes: &[u8]) -> Result<Entry, LedgerError> {
        if bytes.len() > MAX_ENTRY_LEN {
            return Err(LedgerError::EntryTooLarge { len: bytes.len() });
        }
        let truncated = LedgerError::MalformedEntry {
            reason: "truncated",
        };
        let (&version, rest) = bytes.split_first().ok_or(truncated.clone())?;
        if version != ENTRY_VERSION && version != ENTRY_VERSION_1 {
            return Err(LedgerError::UnsupportedEntryVersion(version));
        }
        let (digest, rest) = rest.split_first_chunk::<32>().ok_or(truncated.clone())?;
        let (offset, rest) = rest.split_first_chunk::<8>().ok_or(truncated.clone())?;
        let (length, mut rest) = rest.split_first_chunk::<8>().ok_or(truncated.clone())?;
        let mut text = || -> Result<String, LedgerError> {
            let (len, tail) = rest.split_first_chunk::<2>().ok_or(truncated.clone())?;
            let len = u16::from_be_bytes(*len) as usize;
            if tail.len() < len {
                return Err(truncated.clone());
            }
            let (field, tail) = tail.split_at(len);
            rest = tail;
            let field = std::str::from_utf8(field).map_err(|_| LedgerError::MalformedEntry {
                reason: "string field is not UTF-8",
            })?;
            check_text(field)?;
            Ok(field.to_owned())
        };
        let file = text()?;
        let v1 = if version == ENTRY_VERSION_1 {
            let record_id = text()?;
            let date = text()?;
            Some((record_id, date))
        } else {
            None
        };
        if !rest.is_empty() {
            return Err(LedgerError::MalformedEntry {
                reason: "trailing bytes",
            });
        }
        Ok(Entry {
            record_sha256: *digest,
            file,
            offset: u64::from_be_bytes(*offset),
            length: u64::from_be_bytes(*length),
            v1,
        })
    }
}

fn check_text(field: &str) -> Result<(), LedgerError> {
    if field.is_empty() {
        return Err(LedgerError::MalformedEntry {
            reason: "empty string field",
        });
    }
    if field.chars().any(char::is_control) {
        return Err(LedgerError::MalformedEntry {
            reason: "control character in string field",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Entry {
        Entry {
            record_sha256: [0xab; 32],
            file: "annals-20240101120000-00001.warc.gz".into(),
            offset: 1234,
            length: 567,
            v1: Some((
                "<urn:uuid:6f0c1a2e-0000-4000-8000-000000000001>".into(),
                "2024-01-01T12:00:00Z".into(),
            )),
        }
    }

    /// The fields both formats begin with, as [`sample`] holds them.
    fn assert_common_fields(bytes: &[u8], version: u8, file: &str) {
        assert_eq!(bytes[0], version);
        assert_eq!(&bytes[1..33], &[0xab; 32]);
        assert_eq!(&bytes[33..41], &1234u64.to_be_bytes());
        assert_eq!(&bytes[41..49], &567u64.to_be_bytes());
        assert_eq!(&bytes[49..51], &35u16.to_be_bytes());
        assert_eq!(&bytes[51..86], file.as_bytes());
    }

    #[test]
    fn format_2_round_trip_and_layout() {
        let entry = Entry {
            v1: None,
            ..sample()
        };
        let bytes = entry.encode().unwrap();
        assert_common_fields(&bytes, 2, &entry.file);
        assert_eq!(bytes.len(), 86, "nothing after the file");
        assert_eq!(Entry::decode(&bytes).unwrap(), entry);
        for cut in 0..bytes.len() {
            assert!(Entry::decode(&bytes[..cut]).is_err(), "prefix {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(
            Entry::decode(&long).is_err(),
            "format 2 has nothing after the file"
        );
        // The same fields as format 1 hash differently: a leaf names its format.
        assert_ne!(sample().encode().unwrap()[..51], bytes[..51]);
    }

    #[test]
    fn round_trip_and_layout() {
        let entry = sample();
        let bytes = entry.encode().unwrap();
        assert_common_fields(&bytes, 1, &entry.file);
        assert_eq!(bytes.len(), 49 + 2 + 35 + 2 + 47 + 2 + 20);
        assert_eq!(Entry::decode(&bytes).unwrap(), entry);
        assert_eq!(entry.encode().unwrap(), bytes, "deterministic");
    }

    #[test]
    fn rejects_malformed() {
        let bytes = sample().encode().unwrap();
        for cut in 0..bytes.len() {
            assert!(Entry::decode(&bytes[..cut]).is_err(), "prefix {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Entry::decode(&long).is_err());
        let mut version = bytes.clone();
        version[0] = 3;
        assert_eq!(
            Entry::decode(&version),
            Err(LedgerError::UnsupportedEntryVersion(3))
        );
        version[0] = 2;
        assert!(
            Entry::decode(&version).is_err(),
            "a format 1 body is not a format 2 entry"
        );
        let mut bad_utf8 = bytes.clone();
        bad_utf8[51] = 0xff;
        assert!(Entry::decode(&bad_utf8).is_err());
        let mut control = bytes;
        control[51] = b'\n';
        assert!(Entry::decode(&control).is_err());
        let empty = Entry {
            file: String::new(),
            ..sample()
        };
        assert!(empty.encode().is_err());
    }

    #[test]
    fn size_limit() {
        let fixed = FIXED_LEN + 6 + 47 + 20;
        let fits = Entry {
            file: "f".repeat(MAX_ENTRY_LEN - fixed),
            ..sample()
        };
        let bytes = fits.encode().unwrap();
        assert_eq!(bytes.len(), MAX_ENTRY_LEN);
        assert_eq!(Entry::decode(&bytes).unwrap(), fits);
        let too_big = Entry {
            file: "f".repeat(MAX_ENTRY_LEN - fixed + 1),
            ..sample()
        };
        assert_eq!(
            too_big.encode(),
            Err(LedgerError::EntryTooLarge {
                len: MAX_ENTRY_LEN + 1
            })
        );
    }
}

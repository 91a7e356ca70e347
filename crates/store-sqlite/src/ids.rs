//! Record ids as stored (migration 0010): a `WARC-Record-ID` of the form annals writes,
//! `<urn:uuid:…>` with the UUID in canonical lowercase, is kept as its 16 bytes (a BLOB) instead
//! of 47 characters of text; any other id is kept as its text. Readers get the text back: the
//! `captures` view and the queries below render a BLOB with [`id_sql`], which rebuilds exactly
//! the text it came from (only the canonical spelling is packed).
//!
//! Columns in this form: `capture_rows.record_id`, `refers_to`, `concurrent_to` and
//! `observations.record_id`. A lookup by id binds [`StoredId`], the form a row with that id
//! holds, so comparisons stay byte-for-byte and use the indexes.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo};
use sqlx::{Encode, Sqlite, Type};

/// A record id in its stored form (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoredId {
    /// The 16 bytes of a canonical `<urn:uuid:…>` id.
    Uuid([u8; 16]),
    /// Any other id, as written.
    Text(String),
}

/// The stored form of `id`.
pub(crate) fn stored_id(id: &str) -> StoredId {
    match canonical_uuid(id) {
        Some(bytes) => StoredId::Uuid(bytes),
        None => StoredId::Text(id.to_owned()),
    }
}

/// The stored form of an optional id.
pub(crate) fn stored_opt(id: Option<&str>) -> Option<StoredId> {
    id.map(stored_id)
}

/// The 16 bytes of `<urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx>` written with lowercase
/// hexadecimal digits; `None` for anything else (uppercase digits, no brackets, other URNs), so
/// that packing never changes the text a reader gets back.
fn canonical_uuid(id: &str) -> Option<[u8; 16]> {
    let inner = id.strip_prefix("<urn:uuid:")?.strip_suffix('>')?.as_bytes();
    if inner.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut high = None;
    for (i, &c) in inner.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        match high.take() {
            None => high = Some(v),
            Some(h) => {
                out[n] = (h << 4) | v;
                n += 1;
            }
        }
    }
    Some(out)
}

/// SQL that renders the stored id in column `col` as its text (NULL stays NULL).
pub(crate) fn id_sql(col: &str) -> String {
    let h = format!("lower(hex({col}))");
    format!(
        "(CASE WHEN typeof({col}) = 'blob' THEN '<urn:uuid:' || substr({h}, 1, 8) || '-' || \
         substr({h}, 9, 4) || '-' || substr({h}, 13, 4) || '-' || substr({h}, 17, 4) || '-' || \
         substr({h}, 21, 12) || '>' ELSE {col} END)"
    )
}

impl Type<Sqlite> for StoredId {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(_: &SqliteTypeInfo) -> bool {
        true
    }
}

impl Encode<'_, Sqlite> for StoredId {
    fn encode_by_ref(&self, args: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        match self {
            StoredId::Uuid(bytes) => <Vec<u8> as Encode<Sqlite>>::encode(bytes.to_vec(), args),
            StoredId::Text(text) => <String as Encode<Sqlite>>::encode_by_ref(text, args),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_is_packed() {
        let id = "<urn:uuid:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b>";
        let StoredId::Uuid(bytes) = stored_id(id) else {
            panic!("not packed")
        };
        assert_eq!(bytes[0], 0x01);
        assert_eq!(bytes[15], 0x5b);
        for other in [
            "<urn:uuid:0190A1B2-c3d4-7e5f-8a9b-0c1d2e3f4a5b>",
            "urn:uuid:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "<urn:uuid:0190a1b2c3d47e5f8a9b0c1d2e3f4a5b>",
            "<urn:uuid:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5bb>",
            "<urn:uuid:0190a1b2-c3d4-7e5f-8a9b_0c1d2e3f4a5b>",
            "<urn:sha256:abc>",
            "",
            "<urn:uuid:é190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5>",
        ] {
            assert_eq!(
                stored_id(other),
                StoredId::Text(other.to_owned()),
                "{other}"
            );
        }
    }
}

//! WARC record headers: the version line and named fields, kept in order with duplicates.

/// The record types of WARC 1.1 §6, plus anything else a file may contain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// `warcinfo`
    Warcinfo,
    /// `response`
    Response,
    /// `resource`
    Resource,
    /// `request`
    Request,
    /// `metadata`
    Metadata,
    /// `revisit`
    Revisit,
    /// `conversion`
    Conversion,
    /// `continuation`
    Continuation,
    /// Any other value, kept as written (readers must skip unknown types, not fail).
    Other(String),
}

impl RecordType {
    /// Parses a `WARC-Type` value, case-insensitively.
    pub fn parse(value: &str) -> RecordType {
        match value.trim().to_ascii_lowercase().as_str() {
            "warcinfo" => RecordType::Warcinfo,
            "response" => RecordType::Response,
            "resource" => RecordType::Resource,
            "request" => RecordType::Request,
            "metadata" => RecordType::Metadata,
            "revisit" => RecordType::Revisit,
            "conversion" => RecordType::Conversion,
            "continuation" => RecordType::Continuation,
            _ => RecordType::Other(value.trim().to_string()),
        }
    }

    /// The canonical lower-case name.
    pub fn as_str(&self) -> &str {
        match self {
            RecordType::Warcinfo => "warcinfo",
            RecordType::Response => "response",
            RecordType::Resource => "resource",
            RecordType::Request => "request",
            RecordType::Metadata => "metadata",
            RecordType::Revisit => "revisit",
            RecordType::Conversion => "conversion",
            RecordType::Continuation => "continuation",
            RecordType::Other(s) => s,
        }
    }
}

/// A record's header: the version it declared and its fields in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The version line without line ending, e.g. `WARC/1.1`; `ARC` for records converted from ARC.
    pub version: String,
    /// Field names and values as written (values trimmed, folded lines joined with a space).
    pub fields: Vec<(String, String)>,
}

impl Header {
    /// The first value of a field, by case-insensitive name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field (`WARC-Concurrent-To` may repeat).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The record type (`WARC-Type`), `Other("")` when absent.
    pub fn record_type(&self) -> RecordType {
        RecordType::parse(self.get("WARC-Type").unwrap_or(""))
    }

    /// `WARC-Target-URI` with the angle brackets some WARC/1.0 writers put around it removed.
    pub fn target_uri(&self) -> Option<&str> {
        self.get("WARC-Target-URI").map(strip_brackets)
    }

    /// `WARC-Record-ID` as written (normally `<urn:uuid:…>`).
    pub fn record_id(&self) -> Option<&str> {
        self.get("WARC-Record-ID")
    }

    /// The parsed `WARC-Date`.
    pub fn date(&self) -> Option<crate::WarcDate> {
        self.get("WARC-Date").and_then(crate::WarcDate::parse)
    }

    /// Whether the block is an HTTP message (by `Content-Type`, or for response/request/revisit
    /// records whose block starts like one).
    pub fn is_http_block(&self, block: &[u8]) -> bool {
        if let Some(ct) = self.get("Content-Type") {
            let ct = ct.to_ascii_lowercase();
            if ct.starts_with("application/http") || ct.starts_with("message/http") {
                return true;
            }
        }
        matches!(
            self.record_type(),
            RecordType::Response | RecordType::Request | RecordType::Revisit
        ) && crate::http::parse_head(block).is_some()
    }
}

/// Removes one pair of surrounding `<` `>` (WARC/1.0-style URIs).
pub fn strip_brackets(value: &str) -> &str {
    let v = value.trim();
    v.strip_prefix('<')
        .and_then(|v| v.strip_suffix('>'))
        .unwrap_or(v)
}

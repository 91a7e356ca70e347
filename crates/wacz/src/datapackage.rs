//! `datapackage.json` and `datapackage-digest.json`, parsed tolerantly.
//!
//! Real producers deviate from WACZ 1.1.1 (see `formats.md` §4.2): early py-wacz wrote
//! `{path, stats: {hash, bytes}, hashing}` resources and `metadata.title`, py-wacz writes
//! `mainPageURL`, browsertrix omits `profile`, the 1.2.0 draft has `home: {url, ts}`. All of
//! these parse. A key of the wrong JSON type is treated as absent; a resource without a
//! usable `path` is skipped and reported as a [`Problem`].

use std::fmt;

use serde_json::{Map, Value};

use crate::report::Problem;

/// The parsed `datapackage.json` of a WACZ.
///
/// Optional keys that are absent or of the wrong type are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataPackage {
    /// `profile`: `"data-package"` in 1.1.1, `"wacz"` in the 1.2.0 draft.
    pub profile: Option<String>,
    /// `wacz_version`, e.g. `"1.1.1"` or legacy `"1.0.0"`.
    pub wacz_version: Option<String>,
    /// `title`, or legacy `metadata.title`.
    pub title: Option<String>,
    /// `description` (Markdown).
    pub description: Option<String>,
    /// `created` (RFC 3339, not checked).
    pub created: Option<String>,
    /// `modified` (RFC 3339, not checked).
    pub modified: Option<String>,
    /// `software`, the producer.
    pub software: Option<String>,
    /// `mainPageUrl`, or py-wacz's `mainPageURL`, or the 1.2.0 draft's `home.url`.
    pub main_page_url: Option<String>,
    /// `mainPageDate`, or the 1.2.0 draft's `home.ts`.
    pub main_page_date: Option<String>,
    /// `resources`, in file order, each with a usable `path`.
    pub resources: Vec<Resource>,
}

/// One file listed in `datapackage.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resource {
    /// `name` (absent in legacy manifests).
    pub name: Option<String>,
    /// `path`: the ZIP entry name.
    pub path: String,
    /// The declared digest: `hash` (`"sha256:<hex>"`), or legacy `stats.hash` with `hashing`.
    pub hash: Option<ResourceHash>,
    /// The declared length in bytes: `bytes`, or legacy `stats.bytes`.
    pub bytes: Option<u64>,
}

/// A declared digest of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceHash {
    /// The algorithm.
    pub algorithm: HashAlgorithm,
    /// The digest in lower-case hex, as declared (its length is not checked here).
    pub hex: String,
}

impl fmt::Display for ResourceHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

/// A digest algorithm named in a datapackage.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256, the WACZ default.
    Sha256,
    /// MD5, which early py-wacz could be asked for.
    Md5,
    /// Anything else (lower-cased); such resources cannot be checked.
    Other(String),
}

impl HashAlgorithm {
    fn from_label(label: &str) -> HashAlgorithm {
        match label.to_ascii_lowercase().as_str() {
            "sha256" | "sha-256" => HashAlgorithm::Sha256,
            "md5" => HashAlgorithm::Md5,
            other => HashAlgorithm::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HashAlgorithm::Sha256 => f.write_str("sha256"),
            HashAlgorithm::Md5 => f.write_str("md5"),
            HashAlgorithm::Other(label) => f.write_str(label),
        }
    }
}

/// The shape of the signature in `datapackage-digest.json`; [`VerifyReport::signature_check`](crate::VerifyReport::signature_check)
/// says whether it holds.
///
/// See `formats.md` §5: `signedData` has exactly one of two shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureInfo {
    /// No `datapackage-digest.json`, or one without `signedData`.
    Unsigned,
    /// An anonymous signature (ArchiveWeb.page): an ECDSA P-384 key shipped alongside.
    Anonymous {
        /// `signedData.created`.
        created: Option<String>,
        /// `signedData.software`.
        software: Option<String>,
        /// `signedData.publicKey`, base64 DER SubjectPublicKeyInfo (not decoded).
        public_key: String,
    },
    /// A domain-identity signature (authsign) with an RFC 3161 timestamp.
    Domain {
        /// `signedData.domain`, the domain the signer claims.
        domain: String,
        /// `signedData.created`.
        created: Option<String>,
        /// `signedData.software`.
        software: Option<String>,
    },
    /// `signedData` is present but fits neither shape.
    Malformed {
        /// What is wrong with it.
        detail: String,
    },
}

impl fmt::Display for SignatureInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureInfo::Unsigned => f.write_str("unsigned"),
            SignatureInfo::Anonymous { .. } => f.write_str("signed (anonymous key)"),
            SignatureInfo::Domain { domain, .. } => {
                write!(f, "signed (domain: {domain})")
            }
            SignatureInfo::Malformed { detail } => write!(f, "malformed signature ({detail})"),
        }
    }
}

/// Parses `datapackage.json`. Fails only if it is not JSON or not an object; everything else
/// becomes `None`s and `problems`.
pub(crate) fn parse_datapackage(
    bytes: &[u8],
    problems: &mut Vec<Problem>,
) -> Result<DataPackage, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    let Value::Object(object) = value else {
        return Err("not a JSON object".to_owned());
    };
    let home = object.get("home").and_then(Value::as_object);
    let metadata = object.get("metadata").and_then(Value::as_object);
    let mut resources = Vec::new();
    match object.get("resources") {
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match parse_resource(item) {
                    Ok(resource) => resources.push(resource),
                    Err(detail) => problems.push(Problem::MalformedResource { index, detail }),
                }
            }
        }
        Some(_) => problems.push(Problem::MalformedDatapackage {
            detail: "`resources` is not a list".to_owned(),
        }),
        None => problems.push(Problem::MalformedDatapackage {
            detail: "no `resources` list".to_owned(),
        }),
    }
    Ok(DataPackage {
        profile: string(&object, "profile"),
        wacz_version: string(&object, "wacz_version"),
        title: string(&object, "title").or_else(|| metadata.and_then(|m| string(m, "title"))),
        description: string(&object, "description"),
        created: string(&object, "created"),
        modified: string(&object, "modified"),
        software: string(&object, "software"),
        main_page_url: string(&object, "mainPageUrl")
            .or_else(|| string(&object, "mainPageURL"))
            .or_else(|| home.and_then(|h| string(h, "url"))),
        main_page_date: string(&object, "mainPageDate")
            .or_else(|| home.and_then(|h| string(h, "ts"))),
        resources,
    })
}

fn string(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn parse_resource(item: &Value) -> Result<Resource, String> {
    let Value::Object(object) = item else {
        return Err("not a JSON object".to_owned());
    };
    let Some(path) = string(object, "path") else {
        return Err("no string `path`".to_owned());
    };
    let stats = object.get("stats").and_then(Value::as_object);
    let hashing = string(object, "hashing");
    let hash = string(object, "hash")
        .or_else(|| stats.and_then(|s| string(s, "hash")))
        .map(|declared| parse_hash(&declared, hashing.as_deref()));
    let bytes = object
        .get("bytes")
        .or_else(|| stats.and_then(|s| s.get("bytes")))
        .and_then(Value::as_u64);
    Ok(Resource {
        name: string(object, "name"),
        path,
        hash,
        bytes,
    })
}

/// `"sha256:<hex>"`, or an unlabelled hex digest whose algorithm comes from the legacy
/// `hashing` key or, failing that, from its length.
fn parse_hash(declared: &str, hashing: Option<&str>) -> ResourceHash {
    if let Some((label, hex)) = declared.split_once(':') {
        return ResourceHash {
            algorithm: HashAlgorithm::from_label(label),
            hex: hex.to_ascii_lowercase(),
        };
    }
    let algorithm = match hashing {
        Some(label) => HashAlgorithm::from_label(label),
        None if declared.len() == 32 => HashAlgorithm::Md5,
        None => HashAlgorithm::Sha256,
    };
    ResourceHash {
        algorithm,
        hex: declared.to_ascii_lowercase(),
    }
}

/// The parsed `datapackage-digest.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigestFile {
    /// `path`, which should be `datapackage.json`.
    pub(crate) path: Option<String>,
    /// `hash` of the stored `datapackage.json` bytes.
    pub(crate) hash: Option<ResourceHash>,
    /// `signedData.hash`, if signed.
    pub(crate) signed_hash: Option<String>,
    /// `signedData.created`, if signed.
    pub(crate) signed_created: Option<String>,
    /// The signature shape.
    pub(crate) signature: SignatureInfo,
    /// The `signedData` object, if there is one.
    pub(crate) signed_data: Option<Map<String, Value>>,
}

const ANONYMOUS_KEYS: &[&str] = &[
    "hash",
    "created",
    "software",
    "version",
    "signature",
    "publicKey",
];
const DOMAIN_KEYS: &[&str] = &[
    "hash",
    "created",
    "software",
    "version",
    "signature",
    "domain",
    "domainCert",
    "timeSignature",
    "timestampCert",
    "crossSignedCert",
];

/// Parses `datapackage-digest.json`.
pub(crate) fn parse_digest_file(bytes: &[u8]) -> Result<DigestFile, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    let Value::Object(object) = value else {
        return Err("not a JSON object".to_owned());
    };
    let hash = string(&object, "hash").map(|declared| parse_hash(&declared, None));
    let (signature, signed_hash, signed_created) = match object.get("signedData") {
        None | Some(Value::Null) => (SignatureInfo::Unsigned, None, None),
        Some(Value::Object(signed)) => (
            signature_shape(signed),
            string(signed, "hash"),
            string(signed, "created"),
        ),
        Some(_) => (
            SignatureInfo::Malformed {
                detail: "`signedData` is not an object".to_owned(),
            },
            None,
            None,
        ),
    };
    let signed_data = match object.get("signedData") {
        Some(Value::Object(signed)) => Some(signed.clone()),
        _ => None,
    };
    Ok(DigestFile {
        path: string(&object, "path"),
        hash,
        signed_hash,
        signed_created,
        signature,
        signed_data,
    })
}

fn signature_shape(signed: &Map<String, Value>) -> SignatureInfo {
    let is_domain = signed.contains_key("domain") || signed.contains_key("domainCert");
    let (allowed, required): (&[&str], &[&str]) = if is_domain {
        (
            DOMAIN_KEYS,
            &[
                "hash",
                "signature",
                "domain",
                "domainCert",
                "timeSignature",
                "timestampCert",
            ],
        )
    } else {
        (ANONYMOUS_KEYS, &["hash", "signature", "publicKey"])
    };
    let shape = if is_domain { "domain" } else { "anonymous" };
    if let Some(key) = signed.keys().find(|key| !allowed.contains(&key.as_str())) {
        return SignatureInfo::Malformed {
            detail: format!("key `{key}` is not allowed in a {shape} signature"),
        };
    }
    if let Some(key) = required
        .iter()
        .find(|key| signed.get(**key).and_then(Value::as_str).is_none())
    {
        return SignatureInfo::Malformed {
            detail: format!("{shape} signature lacks string `{key}`"),
        };
    }
    let created = string(signed, "created");
    let software = string(signed, "software");
    if is_domain {
        SignatureInfo::Domain {
            domain: string(signed, "domain").unwrap_or_default(),
            created,
            software,
        }
    } else {
        SignatureInfo::Anonymous {
            created,
            software,
            public_key: string(signed, "publicKey").unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_shape() {
        let mut problems = Vec::new();
        let package = parse_datapackage(
            br#"{"profile": "data-package", "wacz_version": "1.1.1", "title": "T",
                "mainPageURL": "https://example.com/", "created": "2022-01-18T19:00:12Z",
                "resources": [{"name": "a", "path": "archive/a.warc", "hash": "sha256:ABCD", "bytes": 4}]}"#,
            &mut problems,
        )
        .unwrap();
        assert!(problems.is_empty());
        assert_eq!(package.wacz_version.as_deref(), Some("1.1.1"));
        assert_eq!(
            package.main_page_url.as_deref(),
            Some("https://example.com/")
        );
        assert_eq!(
            package.resources,
            vec![Resource {
                name: Some("a".into()),
                path: "archive/a.warc".into(),
                hash: Some(ResourceHash {
                    algorithm: HashAlgorithm::Sha256,
                    hex: "abcd".into()
                }),
                bytes: Some(4),
            }]
        );
    }

    #[test]
    fn legacy_shape_and_draft_keys() {
        let mut problems = Vec::new();
        let package = parse_datapackage(
            br#"{"profile": "wacz", "metadata": {"title": "Old"}, "home": {"url": "u", "ts": "t"},
                "resources": [{"path": "p", "stats": {"hash": "00ff", "bytes": 2}, "hashing": "md5"},
                              {"stats": {}}, 7, {"path": "q", "bytes": "nine"}]}"#,
            &mut problems,
        )
        .unwrap();
        assert_eq!(package.title.as_deref(), Some("Old"));
        assert_eq!(package.main_page_url.as_deref(), Some("u"));
        assert_eq!(package.main_page_date.as_deref(), Some("t"));
        assert_eq!(package.wacz_version, None);
        assert_eq!(package.resources.len(), 2);
        assert_eq!(
            package.resources[0].hash,
            Some(ResourceHash {
                algorithm: HashAlgorithm::Md5,
                hex: "00ff".into()
            })
        );
        assert_eq!(package.resources[1].bytes, None);
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn not_an_object() {
        let mut problems = Vec::new();
        assert!(parse_datapackage(b"[1]", &mut problems).is_err());
        assert!(parse_datapackage(b"{", &mut problems).is_err());
        let package = parse_datapackage(b"{}", &mut problems).unwrap();
        assert!(package.resources.is_empty());
    }

    #[test]
    fn signature_shapes() {
        let anonymous = parse_digest_file(
            br#"{"path": "datapackage.json", "hash": "sha256:aa", "signedData":
                {"hash": "sha256:aa", "created": "c", "software": "s", "signature": "x", "publicKey": "k"}}"#,
        )
        .unwrap();
        assert!(
            matches!(anonymous.signature, SignatureInfo::Anonymous { ref public_key, .. } if public_key == "k")
        );
        let extra = parse_digest_file(
            br#"{"hash": "sha256:aa", "signedData":
                {"hash": "sha256:aa", "signature": "x", "publicKey": "k", "timeSignature": "t"}}"#,
        )
        .unwrap();
        assert!(matches!(extra.signature, SignatureInfo::Malformed { .. }));
        let lacking = parse_digest_file(
            br#"{"hash": "sha256:aa", "signedData": {"hash": "sha256:aa", "domain": "d"}}"#,
        )
        .unwrap();
        assert!(matches!(lacking.signature, SignatureInfo::Malformed { .. }));
        let unsigned = parse_digest_file(br#"{"hash": "sha256:aa"}"#).unwrap();
        assert_eq!(unsigned.signature, SignatureInfo::Unsigned);
    }
}

//! `annals capture`: fetch once, archive each exchange as response (or revisit) + request +
//! metadata records sharing one `WARC-Date`.

use annals_capture::{Exchange, Fetch, Fetcher};
use annals_warc::{RecordBuilder, WarcDate, WarcReader, digest, writer};

use crate::prepare::{Prepared, prepare};
use crate::{Archive, ArchiveError};

/// What one capture stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaptureReport {
    /// The URL asked for.
    pub url: String,
    /// One line per exchange: URL, status, and whether it was stored whole or as a revisit.
    pub exchanges: Vec<ExchangeReport>,
    /// The error that ended the fetch, if any (exchanges before it are archived).
    pub error: Option<String>,
}

/// One archived exchange.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExchangeReport {
    /// URL of the request.
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// `response` or `revisit`.
    pub stored_as: String,
    /// Payload digest.
    pub digest: String,
    /// Body bytes stored.
    pub bytes: u64,
    /// `length`, `time`, … when the body was cut.
    pub truncated: Option<String>,
}

fn id() -> String {
    crate::new_record_id()
}

fn build_prepared(records: Vec<Vec<u8>>, level: u32) -> Vec<Prepared> {
    // Parse the plain records (no inflate); `prepare` compresses each into its own member.
    let mut reads = Vec::new();
    for r in &records {
        if let Some(Ok(read)) = WarcReader::new(&r[..]).next() {
            reads.push(read);
        }
    }
    let one = |i: usize| prepare(&reads[i], reads.get(i + 1).map(|n| &n.record), level);
    // Compressing and hashing is most of the cost of a large batch (an imported table's rows):
    // it is shared among the cores, each preparing a contiguous run of records.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(reads.len() / 256)
        .min(8);
    if threads < 2 {
        return (0..reads.len()).map(one).collect();
    }
    let per = reads.len().div_ceil(threads);
    let one = &one;
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..reads.len())
            .step_by(per)
            .map(|start| {
                let end = (start + per).min(reads.len());
                scope.spawn(move || (start..end).map(one).collect::<Vec<Prepared>>())
            })
            .collect();
        let mut out = Vec::with_capacity(reads.len());
        for part in parts {
            match part.join() {
                Ok(p) => out.extend(p),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

impl Archive {
    /// Appends whole WARC records (each compressed into its own gzip member): written,
    /// fsynced and committed to the index with their ledger leaves. Returns the index rows.
    pub async fn append_records(
        &mut self,
        records: Vec<Vec<u8>>,
    ) -> Result<Vec<annals_model::Capture>, ArchiveError> {
        let prepared = build_prepared(records, self.options.gzip_level);
        self.append(prepared).await
    }

    /// [`Archive::append_records`] with each record compressed at gzip `level` instead of the
    /// archive's level. For many small records (an imported table's rows, a few hundred bytes
    /// of JSON each) level 1 uses fixed Huffman codes and builds no code tree per member, which
    /// is most of level 6's time on such records.
    pub async fn append_records_at_level(
        &mut self,
        records: Vec<Vec<u8>>,
        level: u32,
    ) -> Result<Vec<annals_model::Capture>, ArchiveError> {
        let prepared = build_prepared(records, level);
        self.append(prepared).await
    }

    /// Fetches `url` with `fetcher` and archives every exchange. An unchanged payload (same
    /// URL, same payload digest as an archived response) becomes a 1.1 identical-payload-digest
    /// revisit that keeps the new HTTP headers.
    pub async fn capture(
        &mut self,
        url: &str,
        fetcher: &Fetcher,
    ) -> Result<CaptureReport, ArchiveError> {
        let (fetch, error) = match fetcher.fetch(url).await {
            Ok(f) => (f, None),
            Err(e) => {
                let msg = e.to_string();
                match e.into_partial() {
                    Some(partial) if !partial.hops.is_empty() => (partial, Some(msg)),
                    _ => return Err(ArchiveError::Invalid(msg)),
                }
            }
        };
        self.archive_fetch(url, &fetch, error).await
    }

    async fn archive_fetch(
        &mut self,
        url: &str,
        fetch: &Fetch,
        error: Option<String>,
    ) -> Result<CaptureReport, ArchiveError> {
        let mut exchanges = Vec::new();
        let n = fetch.hops.len();
        for (i, ex) in fetch.hops.iter().enumerate() {
            let payload_digest = digest::sha1_base32(ex.payload_bytes());
            let original = if ex.truncated.is_none() {
                self.store.original_for(&ex.url, &payload_digest).await?
            } else {
                None
            };
            let original = original.filter(|o| o.url.as_deref() == Some(ex.url.as_str()));
            let records = exchange_records(
                ex,
                &payload_digest,
                original.as_ref(),
                &ExchangeContext {
                    hop: i,
                    hops: n,
                    chain: &fetch.redirect_chain,
                    extra: &[],
                    metadata: true,
                    revisit_request: true,
                },
            );
            let stored_as = if original.is_some() {
                "revisit"
            } else {
                "response"
            };
            let prepared = build_prepared(records, self.options.gzip_level);
            self.append(prepared).await?;
            exchanges.push(ExchangeReport {
                url: ex.url.clone(),
                status: ex.status,
                stored_as: stored_as.into(),
                digest: payload_digest,
                bytes: ex.payload_bytes().len() as u64,
                truncated: ex.truncated.map(|t| t.as_warc().to_string()),
            });
        }
        Ok(CaptureReport {
            url: url.to_string(),
            exchanges,
            error,
        })
    }
}

/// Where an exchange stands in its fetch, and what else its records carry.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeContext<'a> {
    /// Index of the exchange in its redirect chain.
    pub hop: usize,
    /// Exchanges in the chain.
    pub hops: usize,
    /// The chain's URLs.
    pub chain: &'a [String],
    /// Extra WARC fields for the response (or revisit) record, e.g. the observer's
    /// `Annals-Item` and `WARC-Concurrent-To`.
    pub extra: &'a [(&'a str, &'a str)],
    /// Whether to add the `metadata` record (fetch duration, hop, redirect target).
    pub metadata: bool,
    /// Whether a revisit is followed by its `request` record (a response always is). The
    /// observer leaves it out by default: an unchanged re-observation is then one record.
    pub revisit_request: bool,
}

/// The WARC records of one exchange: response or revisit (a 1.1 identical-payload-digest
/// revisit of `original` when given), then request (for a revisit only when
/// [`ExchangeContext::revisit_request`]), then (optionally) metadata. The first
/// record's id is returned with them.
pub fn exchange_records(
    ex: &Exchange,
    payload_digest: &str,
    original: Option<&annals_model::Capture>,
    cx: &ExchangeContext<'_>,
) -> Vec<Vec<u8>> {
    exchange_records_with_id(ex, payload_digest, original, cx, &id())
}

/// [`exchange_records`] with the response record's id given (`urn:uuid:…`, no brackets).
pub fn exchange_records_with_id(
    ex: &Exchange,
    payload_digest: &str,
    original: Option<&annals_model::Capture>,
    cx: &ExchangeContext<'_>,
    resp_id: &str,
) -> Vec<Vec<u8>> {
    let (hop, hops, chain) = (cx.hop, cx.hops, cx.chain);
    let d = ex.started_at;
    let date = WarcDate::from_unix(d.unix_timestamp(), d.nanosecond() / 1000 * 1000);
    let (resp_id, req_id, meta_id) = (resp_id.to_string(), id(), id());
    let mut resp = match original {
        Some(o) => RecordBuilder::new("revisit", &resp_id, &date)
            .target_uri(&ex.url)
            .field("WARC-Profile", writer::PROFILE_IDENTICAL_PAYLOAD)
            .field("WARC-Refers-To", &o.record_id)
            .field(
                "WARC-Refers-To-Target-URI",
                o.url.as_deref().unwrap_or(&ex.url),
            )
            .field("WARC-Refers-To-Date", &o.date)
            .field("WARC-Truncated", "length"),
        None => RecordBuilder::new("response", &resp_id, &date).target_uri(&ex.url),
    };
    if let Some(ip) = ex.remote_ip {
        resp = resp.field("WARC-IP-Address", &ip.to_string());
    }
    resp = resp
        .content_type(writer::HTTP_RESPONSE)
        .field("WARC-Payload-Digest", payload_digest);
    if original.is_none()
        && let Some(t) = ex.truncated
    {
        resp = resp.field("WARC-Truncated", t.as_warc());
    }
    if ex.protocol != "http/1.1" {
        resp = resp.field("WARC-Protocol", &ex.protocol);
    }
    for (name, value) in cx.extra {
        resp = resp.field(name, value);
    }
    let resp = match original {
        Some(_) => resp.build(ex.response_head()),
        None => resp.build(&ex.response),
    };
    let mut records = vec![resp];
    if original.is_none() || cx.revisit_request {
        records.push(
            RecordBuilder::new("request", &req_id, &date)
                .target_uri(&ex.url)
                .field("WARC-Concurrent-To", &format!("<{resp_id}>"))
                .content_type(writer::HTTP_REQUEST)
                .build(&ex.request),
        );
    }
    let duration = ex.duration.as_millis().to_string();
    let hop_text = format!("{} of {hops}", hop + 1);
    let mut fields: Vec<(&str, &str)> = vec![
        ("fetchDurationMs", &duration),
        ("hop", &hop_text),
        ("protocol", &ex.protocol),
    ];
    if hop > 0 {
        fields.push(("via", &chain[hop - 1]));
    }
    if let Some(loc) = &ex.location {
        fields.push(("redirectTo", loc));
    }
    if !cx.metadata {
        return records;
    }
    let meta = RecordBuilder::new("metadata", &meta_id, &date)
        .target_uri(&ex.url)
        .field("WARC-Refers-To", &format!("<{resp_id}>"))
        .field("WARC-Concurrent-To", &format!("<{resp_id}>"))
        .content_type("application/warc-fields")
        .build(&writer::warc_fields(&fields));
    records.push(meta);
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange() -> Exchange {
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
        let n = response.len();
        Exchange {
            url: "http://example.com/a".into(),
            started_at: time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            request: b"GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n".to_vec(),
            response,
            payload: n - 2..n,
            status: 200,
            truncated: None,
            remote_ip: None,
            duration: std::time::Duration::from_millis(3),
            protocol: "http/1.1".into(),
            location: None,
        }
    }

    fn types(records: &[Vec<u8>]) -> Vec<String> {
        records
            .iter()
            .map(|r| {
                let text = String::from_utf8_lossy(r);
                text.lines()
                    .find_map(|l| l.strip_prefix("WARC-Type: ").map(str::to_string))
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn a_revisit_keeps_its_request_only_when_asked() {
        let ex = exchange();
        let original = annals_model::Capture {
            record_id: "<urn:uuid:00000000-0000-4000-8000-000000000001>".into(),
            url: Some(ex.url.clone()),
            date: "2023-11-14T22:00:00Z".into(),
            ..Default::default()
        };
        let digest = digest::sha1_base32(ex.payload_bytes());
        let mut cx = ExchangeContext {
            hop: 0,
            hops: 1,
            chain: &[],
            extra: &[],
            metadata: false,
            revisit_request: false,
        };
        // A response always has its request.
        let new = exchange_records(&ex, &digest, None, &cx);
        assert_eq!(types(&new), ["response", "request"]);
        // An unchanged re-observation is one record unless asked.
        let revisit = exchange_records(&ex, &digest, Some(&original), &cx);
        assert_eq!(types(&revisit), ["revisit"]);
        let text = String::from_utf8_lossy(&revisit[0]);
        assert!(text.contains("WARC-Refers-To: <urn:uuid:00000000-0000-4000-8000-000000000001>"));
        assert!(text.contains("WARC-Truncated: length"), "{text}");
        cx.revisit_request = true;
        let both = exchange_records(&ex, &digest, Some(&original), &cx);
        assert_eq!(types(&both), ["revisit", "request"]);
        cx.metadata = true;
        let all = exchange_records(&ex, &digest, Some(&original), &cx);
        assert_eq!(types(&all), ["revisit", "request", "metadata"]);
    }
}

//! Plain pages, content and transfer codings, status lines, URL and request serialisation.

use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use annals_capture::DEFAULT_USER_AGENT;
use axum::Router;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::get;
use time::OffsetDateTime;

use crate::util::*;

const PAGE: &str = "<html><body>hello, archive</body></html>";

#[tokio::test]
async fn plain_page_is_stored_as_a_parseable_message() {
    let app = Router::new().route(
        "/page",
        get(|| async { ([("content-type", "text/html; charset=utf-8")], PAGE) }),
    );
    let addr = serve(app).await;
    let before = OffsetDateTime::now_utc();
    let fetch = fetcher(|_| {})
        .fetch(&format!("http://{addr}/page"))
        .await
        .unwrap();
    let after = OffsetDateTime::now_utc();

    assert_eq!(fetch.hops.len(), 1);
    let hop = &fetch.hops[0];
    assert_eq!(hop.url, format!("http://{addr}/page"));
    assert_eq!(fetch.redirect_chain, vec![hop.url.clone()]);
    assert_eq!(hop.status, 200);
    assert_eq!(hop.protocol, "http/1.1");
    assert_eq!(hop.truncated, None);
    assert_eq!(hop.location, None);
    assert_eq!(hop.remote_ip, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert!(before <= hop.started_at && hop.started_at <= after);
    assert_eq!(hop.started_at.offset(), time::UtcOffset::UTC);
    assert!(hop.duration < Duration::from_secs(5));

    let response = parse_response(&hop.response);
    assert_eq!(response.version, 1);
    assert_eq!(response.status, 200);
    assert_eq!(response.reason, "OK");
    assert!(hop.response.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        response.header("content-length"),
        Some(PAGE.len().to_string().as_str())
    );
    assert_eq!(response.body, PAGE.as_bytes());
    assert_eq!(hop.payload_bytes(), PAGE.as_bytes());
    assert_eq!(hop.response_head().len() + PAGE.len(), hop.response.len());

    let request = parse_request(&hop.request);
    assert_eq!(request.head_len, hop.request.len(), "no request body");
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/page");
    assert_eq!(request.header("host"), Some(addr.to_string().as_str()));
    assert_eq!(request.header("user-agent"), Some(DEFAULT_USER_AGENT));
    assert!(DEFAULT_USER_AGENT.starts_with(&format!("annals/{} ", env!("CARGO_PKG_VERSION"))));
    assert_eq!(request.header("accept-encoding"), Some("gzip, deflate"));
    // Privacy: nothing beyond these generic headers is sent.
    let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Host", "User-Agent", "Accept", "Accept-Encoding"]);
}

#[tokio::test]
async fn stored_request_is_byte_identical_to_what_the_server_received() {
    let (addr, seen) = serve_raw(vec![Step::Write(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
    )])
    .await;
    let fetch = fetcher(|o| {
        o.redact_secrets = false;
        o.extra_headers = vec![
            ("X-Research-Project".into(), "deletions".into()),
            ("Cookie".into(), "a=1".into()),
        ];
    })
    .fetch(&format!("http://{addr}/exact?x=1"))
    .await
    .unwrap();
    let received = seen.lock().unwrap()[0].clone();
    assert_eq!(
        String::from_utf8_lossy(&fetch.hops[0].request),
        String::from_utf8_lossy(&received)
    );
}

#[tokio::test]
async fn gzip_body_is_kept_compressed_with_its_header() {
    let original = "compress me ".repeat(200);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(original.as_bytes()).unwrap();
    let gzipped = encoder.finish().unwrap();
    let served = gzipped.clone();
    let app = Router::new().route(
        "/gz",
        get(move |headers: HeaderMap| {
            let served = served.clone();
            async move {
                assert_eq!(headers["accept-encoding"], "gzip, deflate");
                (
                    [("content-type", "text/plain"), ("content-encoding", "gzip")],
                    served,
                )
            }
        }),
    );
    let addr = serve(app).await;
    let fetch = fetcher(|_| {})
        .fetch(&format!("http://{addr}/gz"))
        .await
        .unwrap();
    let hop = &fetch.hops[0];
    let response = parse_response(&hop.response);
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert_eq!(response.body, gzipped, "stored body is the gzip bytes");
    assert_eq!(hop.payload_bytes(), gzipped.as_slice());
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(response.body.as_slice())
        .read_to_string(&mut decoded)
        .unwrap();
    assert_eq!(decoded, original);
}

#[tokio::test]
async fn chunked_body_is_stored_with_valid_chunked_framing() {
    let parts = ["first piece, ", "second piece, ", "", "the end\r\n0\r\n"];
    let app = Router::new().route(
        "/stream",
        get(move || async move {
            let stream = futures_util::stream::iter(parts.map(Ok::<_, Infallible>));
            ([("content-type", "text/plain")], Body::from_stream(stream)).into_response()
        }),
    );
    let addr = serve(app).await;
    let fetch = fetcher(|_| {})
        .fetch(&format!("http://{addr}/stream"))
        .await
        .unwrap();
    let hop = &fetch.hops[0];
    let response = parse_response(&hop.response);
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert_eq!(response.header("content-length"), None);
    let expected = parts.concat();
    assert_eq!(dechunk(&response.body), expected.as_bytes());
    assert_eq!(hop.payload_bytes(), expected.as_bytes());
    assert_eq!(hop.truncated, None);
}

/// Fetches one canned response from a raw server and returns the stored exchange.
async fn raw_exchange(canned: &str) -> annals_capture::Exchange {
    let (addr, _) = serve_raw(vec![Step::Write(canned.as_bytes().to_vec())]).await;
    let mut fetch = fetcher(|_| {})
        .fetch(&format!("http://{addr}/"))
        .await
        .unwrap();
    fetch.hops.remove(0)
}

#[tokio::test]
async fn status_lines_keep_the_received_reason_phrase() {
    let cases = [
        (
            "HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 \r\n",
            200,
        ),
        (
            "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 \r\n",
            200,
        ),
        (
            "HTTP/1.1 200 Alright\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 Alright\r\n",
            200,
        ),
        (
            "HTTP/1.1 599 Custom Thing\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 599 Custom Thing\r\n",
            599,
        ),
        (
            "HTTP/1.1 599 \r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 599 \r\n",
            599,
        ),
        (
            "HTTP/1.1 418 I'm a teapot\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 418 I'm a teapot\r\n",
            418,
        ),
        (
            "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 404 Not Found\r\n",
            404,
        ),
    ];
    for (canned, status_line, status) in cases {
        let hop = raw_exchange(canned).await;
        let stored = String::from_utf8_lossy(&hop.response).into_owned();
        assert!(
            stored.starts_with(status_line),
            "{canned:?} stored as {stored:?}"
        );
        assert_eq!(hop.status, status);
        let parsed = parse_response(&hop.response);
        assert_eq!(parsed.status, status);
        assert_eq!(parsed.body, b"ok");
    }
}

#[tokio::test]
async fn http10_close_delimited_response_keeps_its_version() {
    let hop =
        raw_exchange("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nread until close").await;
    assert_eq!(hop.protocol, "http/1.0");
    let parsed = parse_response(&hop.response);
    assert_eq!(parsed.version, 0);
    assert_eq!(parsed.body, b"read until close");
}

#[tokio::test]
async fn target_url_is_percent_encoded_without_spaces_or_fragment() {
    let (addr, seen) = serve_raw(vec![Step::Write(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
    )])
    .await;
    let fetch = fetcher(|_| {})
        .fetch(&format!("http://{addr}/稿件 list?q=中文 x&b=1#section"))
        .await
        .unwrap();
    let hop = &fetch.hops[0];
    let expected_path = "/%E7%A8%BF%E4%BB%B6%20list?q=%E4%B8%AD%E6%96%87%20x&b=1";
    assert_eq!(hop.url, format!("http://{addr}{expected_path}"));
    assert!(hop.url.is_ascii() && !hop.url.contains(' '));
    assert_eq!(parse_request(&hop.request).path, expected_path);
    let received = seen.lock().unwrap()[0].clone();
    assert!(received.starts_with(format!("GET {expected_path} HTTP/1.1\r\n").as_bytes()));
}

#[tokio::test]
async fn secrets_are_redacted_in_the_stored_request_but_sent() {
    let app = Router::new().route(
        "/echo",
        get(|headers: HeaderMap| async move {
            let show = |name: &str| {
                headers
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default()
            };
            format!("cookie={} auth={}", show("cookie"), show("authorization"))
        }),
    );
    let addr = serve(app).await;
    let extra = vec![
        ("Cookie".to_owned(), "SESSDATA=secret123".to_owned()),
        ("Authorization".to_owned(), "Bearer tok456".to_owned()),
    ];
    let url = format!("http://{addr}/echo");

    let redacting = fetcher(|o| o.extra_headers = extra.clone());
    let hop = redacting.fetch(&url).await.unwrap().hops.remove(0);
    let request = parse_request(&hop.request);
    assert_eq!(request.header("cookie"), Some("REDACTED"));
    assert_eq!(request.header("authorization"), Some("REDACTED"));
    let stored_request = String::from_utf8_lossy(&hop.request);
    assert!(!stored_request.contains("secret123") && !stored_request.contains("tok456"));
    assert_eq!(
        parse_response(&hop.response).body,
        b"cookie=SESSDATA=secret123 auth=Bearer tok456",
        "the server received the real values"
    );

    let verbatim = fetcher(|o| {
        o.extra_headers = extra.clone();
        o.redact_secrets = false;
    });
    let hop = verbatim.fetch(&url).await.unwrap().hops.remove(0);
    assert_eq!(
        parse_request(&hop.request).header("cookie"),
        Some("SESSDATA=secret123")
    );
}

#[tokio::test]
async fn per_request_headers_are_sent_recorded_and_checked() {
    let app = Router::new().route(
        "/echo",
        get(|headers: HeaderMap| async move {
            let referer = headers
                .get("referer")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_string();
            let accept = headers
                .get("accept")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_string();
            format!("{referer}|{accept}")
        }),
    );
    let addr = serve(app).await;
    let f = fetcher(|_| {});
    let headers = vec![
        (
            "Referer".to_string(),
            "https://www.bilibili.com/".to_string(),
        ),
        ("Accept".to_string(), "application/json".to_string()),
    ];
    let fetch = f
        .fetch_with(&format!("http://{addr}/echo"), &headers)
        .await
        .unwrap();
    let hop = &fetch.hops[0];
    assert_eq!(
        hop.payload_bytes(),
        b"https://www.bilibili.com/|application/json"
    );
    let request = String::from_utf8_lossy(&hop.request);
    assert!(
        request.contains("Referer: https://www.bilibili.com/\r\n"),
        "{request}"
    );
    assert_eq!(
        request.matches("Accept: ").count(),
        1,
        "replaced, not added: {request}"
    );
    // The fetcher's own headers are back for the next request.
    let plain = f.fetch(&format!("http://{addr}/echo")).await.unwrap();
    assert!(plain.hops[0].payload_bytes().starts_with(b"none|text/html"));
    let refused = f
        .fetch_with(
            &format!("http://{addr}/echo"),
            &[("Host".to_string(), "elsewhere".to_string())],
        )
        .await;
    assert!(refused.is_err());
}

//! Size cap, timeouts and dropped connections.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use annals_capture::{CaptureError, Truncation};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use futures_util::StreamExt;

use crate::util::*;

#[tokio::test]
async fn body_over_the_cap_is_cut_to_exactly_the_cap() {
    let app = Router::new()
        .route("/big", get(|| async { "x".repeat(1000) }))
        .route("/fits", get(|| async { "y".repeat(100) }));
    let addr = serve(app).await;
    let capped = fetcher(|o| o.max_body_bytes = 100);

    let hop = capped
        .fetch(&format!("http://{addr}/big"))
        .await
        .unwrap()
        .hops
        .remove(0);
    assert_eq!(hop.truncated, Some(Truncation::Length));
    assert_eq!(hop.payload_bytes(), "x".repeat(100).as_bytes());
    let parsed = parse_response(&hop.response);
    assert_eq!(parsed.body.len(), 100);
    assert_eq!(
        parsed.header("content-length"),
        Some("1000"),
        "headers as received"
    );

    let hop = capped
        .fetch(&format!("http://{addr}/fits"))
        .await
        .unwrap()
        .hops
        .remove(0);
    assert_eq!(hop.truncated, None, "a body of exactly the cap is complete");
    assert_eq!(hop.payload_bytes().len(), 100);
}

#[tokio::test]
async fn chunked_body_over_the_cap_stays_validly_framed() {
    let app = Router::new().route(
        "/chunks",
        get(|| async {
            let chunks = futures_util::stream::iter(
                (0..10).map(|i| Ok::<_, Infallible>(format!("{i}").repeat(50))),
            );
            Body::from_stream(chunks)
        }),
    );
    let addr = serve(app).await;
    let hop = fetcher(|o| o.max_body_bytes = 120)
        .fetch(&format!("http://{addr}/chunks"))
        .await
        .unwrap()
        .hops
        .remove(0);
    assert_eq!(hop.truncated, Some(Truncation::Length));
    let parsed = parse_response(&hop.response);
    assert_eq!(parsed.header("transfer-encoding"), Some("chunked"));
    let body = dechunk(&parsed.body);
    assert_eq!(body.len(), 120);
    assert_eq!(body, hop.payload_bytes());
    assert!(body.starts_with(&[b'0'; 50]));
}

#[tokio::test]
async fn body_that_stalls_is_kept_with_time_truncation() {
    let app = Router::new().route(
        "/stall",
        get(|| async {
            let first = futures_util::stream::once(async { Ok::<_, Infallible>("first part, ") });
            let never = futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok::<_, Infallible>("never sent")
            });
            Body::from_stream(first.chain(never))
        }),
    );
    let addr = serve(app).await;
    let began = Instant::now();
    let hop = fetcher(|o| o.timeout = Duration::from_millis(1500))
        .fetch(&format!("http://{addr}/stall"))
        .await
        .unwrap()
        .hops
        .remove(0);
    assert!(began.elapsed() < Duration::from_secs(10));
    assert_eq!(hop.truncated, Some(Truncation::Time));
    assert_eq!(hop.payload_bytes(), b"first part, ");
    assert_eq!(
        dechunk(&parse_response(&hop.response).body),
        b"first part, "
    );
    assert!(hop.duration >= Duration::from_millis(1400));
}

#[tokio::test]
async fn connection_dropped_mid_body_is_kept_as_disconnect() {
    let (addr, _) = serve_raw(vec![Step::Write(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..".to_vec(),
    )])
    .await;
    let hop = fetcher(|_| {})
        .fetch(&format!("http://{addr}/"))
        .await
        .unwrap()
        .hops
        .remove(0);
    assert_eq!(hop.truncated, Some(Truncation::Disconnect));
    assert_eq!(hop.payload_bytes(), b"only ten..");
    assert_eq!(Truncation::Disconnect.as_warc(), "disconnect");
}

#[tokio::test]
async fn no_response_in_time_is_a_timeout_error() {
    let (addr, _) = serve_raw(vec![Step::Sleep(Duration::from_secs(60))]).await;
    let url = format!("http://{addr}/slow");
    let began = Instant::now();
    let err = fetcher(|o| o.timeout = Duration::from_millis(500))
        .fetch(&url)
        .await
        .unwrap_err();
    assert!(began.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, CaptureError::Timeout { .. }), "{err:?}");
    assert!(err.is_timeout());
    assert_one_line_naming(&err.to_string(), &url);
}

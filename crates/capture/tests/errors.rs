//! Failures before any response: each is a specific, one-line error naming the URL.

use annals_capture::{CaptureError, FetchOptions, Fetcher};
use axum::Router;
use axum::routing::get;

use crate::util::*;

#[tokio::test]
async fn connection_refused() {
    let url = format!("http://127.0.0.1:{}/", dead_port().await);
    let err = fetcher(|_| {}).fetch(&url).await.unwrap_err();
    assert!(
        matches!(err, CaptureError::ConnectionRefused { .. }),
        "{err:?}"
    );
    assert_one_line_naming(&err.to_string(), &url);
    assert!(err.to_string().contains("refused"));
    assert!(err.partial().is_none());
}

#[tokio::test]
async fn only_http_and_https_are_accepted() {
    let fetcher = fetcher(|_| {});
    for url in [
        "ftp://example.com/file.txt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/plain,hi",
    ] {
        let err = fetcher.fetch(url).await.unwrap_err();
        assert!(
            matches!(err, CaptureError::UnsupportedScheme { .. }),
            "{url}: {err:?}"
        );
        assert_one_line_naming(&err.to_string(), url.split(':').next().unwrap());
    }
    for url in [
        "garbage",
        "",
        "http://",
        "https://exa mple.com/",
        "http://user:hunter2@example.com/",
    ] {
        let err = fetcher.fetch(url).await.unwrap_err();
        assert!(
            matches!(err, CaptureError::InvalidUrl { .. }),
            "{url}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            !message.contains('\n') && !message.contains("hunter2"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn tls_failure_is_reported_as_tls() {
    // A plain HTTP server cannot complete a TLS handshake.
    let addr = serve(Router::new().route("/", get(|| async { "plain" }))).await;
    let url = format!("https://{addr}/");
    let err = fetcher(|_| {}).fetch(&url).await.unwrap_err();
    assert!(matches!(err, CaptureError::Tls { .. }), "{err:?}");
    assert_one_line_naming(&err.to_string(), &url);
}

#[tokio::test]
async fn dns_failure_is_reported_as_dns() {
    // `.invalid` never resolves (RFC 6761).
    let url = "http://no-such-host.invalid/";
    let err = fetcher(|o| o.timeout = std::time::Duration::from_secs(20))
        .fetch(url)
        .await
        .unwrap_err();
    assert!(matches!(err, CaptureError::Dns { .. }), "{err:?}");
    assert_one_line_naming(&err.to_string(), url);
}

#[test]
fn unusable_options_are_refused() {
    let mut options = FetchOptions::default();
    options.extra_headers = vec![("Host".into(), "elsewhere".into())];
    assert!(matches!(
        Fetcher::new(options),
        Err(CaptureError::InvalidOptions { .. })
    ));

    let mut options = FetchOptions::default();
    options.extra_headers = vec![("Bad Name".into(), "x".into())];
    assert!(matches!(
        Fetcher::new(options),
        Err(CaptureError::InvalidOptions { .. })
    ));

    let mut options = FetchOptions::default();
    options.proxy = Some("socks4://127.0.0.1:1080".into());
    assert!(matches!(
        Fetcher::new(options),
        Err(CaptureError::InvalidProxy { .. })
    ));
}

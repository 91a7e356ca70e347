//! Redirects are followed by the crate itself, one exchange per hop.

use annals_capture::CaptureError;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::util::*;

fn redirect(status: StatusCode, location: String) -> impl IntoResponse {
    (status, [("location", location)], "moved")
}

#[tokio::test]
async fn chain_301_302_200_is_three_exchanges_with_locations() {
    let listener_addr = std::sync::Arc::new(std::sync::OnceLock::new());
    let absolute = listener_addr.clone();
    let app = Router::new()
        .route(
            "/start",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "middle?step=2".into()) }),
        )
        .route(
            "/middle",
            get(move || {
                let addr = *absolute.get().unwrap();
                async move { redirect(StatusCode::FOUND, format!("http://{addr}/end#frag")) }
            }),
        )
        .route("/end", get(|| async { "arrived" }));
    let addr = serve(app).await;
    listener_addr.set(addr).unwrap();

    let fetch = fetcher(|_| {})
        .fetch(&format!("http://{addr}/start"))
        .await
        .unwrap();
    let urls = [
        format!("http://{addr}/start"),
        format!("http://{addr}/middle?step=2"),
        format!("http://{addr}/end"),
    ];
    assert_eq!(fetch.hops.len(), 3);
    assert_eq!(fetch.redirect_chain, urls);
    let statuses: Vec<u16> = fetch.hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [301, 302, 200]);
    let locations: Vec<Option<String>> = fetch.hops.iter().map(|h| h.location.clone()).collect();
    assert_eq!(
        locations,
        [Some(urls[1].clone()), Some(urls[2].clone()), None]
    );
    for (hop, url) in fetch.hops.iter().zip(&urls) {
        assert_eq!(&hop.url, url);
        let path = url.trim_start_matches(&format!("http://{addr}"));
        assert_eq!(parse_request(&hop.request).path, path);
        assert!(hop.started_at <= fetch.hops.last().unwrap().started_at);
    }
    assert_eq!(
        parse_response(&fetch.hops[0].response).header("location"),
        Some("middle?step=2")
    );
    assert_eq!(fetch.final_exchange().unwrap().payload_bytes(), b"arrived");
}

#[tokio::test]
async fn redirect_loop_stops_with_an_error_that_keeps_the_hops() {
    let app = Router::new()
        .route(
            "/a",
            get(|| async { redirect(StatusCode::FOUND, "/b".into()) }),
        )
        .route(
            "/b",
            get(|| async { redirect(StatusCode::TEMPORARY_REDIRECT, "/a".into()) }),
        );
    let addr = serve(app).await;
    let url = format!("http://{addr}/a");
    let err = fetcher(|_| {}).fetch(&url).await.unwrap_err();
    assert!(matches!(err, CaptureError::RedirectLoop { .. }), "{err:?}");
    assert_one_line_naming(&err.to_string(), &url);
    let partial = err.into_partial().unwrap();
    assert_eq!(partial.redirect_chain, [url, format!("http://{addr}/b")]);
    assert_eq!(partial.hops[1].status, 307);
    assert_eq!(
        partial.hops[1].location.as_deref(),
        Some(format!("http://{addr}/a").as_str())
    );
}

#[tokio::test]
async fn redirect_limit_is_enforced_and_met_exactly() {
    // /count/n redirects to /count/n-1; /count/0 is the page.
    let app = Router::new().route(
        "/count/{n}",
        get(|Path(n): Path<u32>| async move {
            if n == 0 {
                "bottom".into_response()
            } else {
                redirect(StatusCode::FOUND, format!("/count/{}", n - 1)).into_response()
            }
        }),
    );
    let addr = serve(app).await;
    let limited = fetcher(|o| o.max_redirects = 3);

    let fetch = limited
        .fetch(&format!("http://{addr}/count/3"))
        .await
        .unwrap();
    assert_eq!(fetch.hops.len(), 4, "three redirects are allowed");

    let url = format!("http://{addr}/count/4");
    let err = limited.fetch(&url).await.unwrap_err();
    assert!(
        matches!(err, CaptureError::TooManyRedirects { limit: 3, .. }),
        "{err:?}"
    );
    assert_one_line_naming(&err.to_string(), &url);
    let partial = err.partial().unwrap();
    assert_eq!(partial.hops.len(), 4);
    assert_eq!(partial.hops[3].url, format!("http://{addr}/count/1"));
    assert!(partial.hops.iter().all(|h| h.status == 302));
}

#[tokio::test]
async fn redirect_to_a_non_http_scheme_is_not_followed() {
    let app = Router::new().route(
        "/ftp",
        get(|| async {
            redirect(
                StatusCode::MOVED_PERMANENTLY,
                "ftp://files.example/x".into(),
            )
        }),
    );
    let addr = serve(app).await;
    let url = format!("http://{addr}/ftp");
    let err = fetcher(|_| {}).fetch(&url).await.unwrap_err();
    assert!(matches!(err, CaptureError::BadRedirect { .. }), "{err:?}");
    assert_one_line_naming(&err.to_string(), "ftp://files.example/x");
    let partial = err.partial().unwrap();
    assert_eq!(partial.hops.len(), 1);
    assert_eq!(
        partial.hops[0].location.as_deref(),
        Some("ftp://files.example/x")
    );
}

#[tokio::test]
async fn failure_after_a_redirect_keeps_the_earlier_hops() {
    let dead = dead_port().await;
    let app =
        Router::new().route(
            "/away",
            get(move || async move {
                redirect(StatusCode::FOUND, format!("http://127.0.0.1:{dead}/gone"))
            }),
        );
    let addr = serve(app).await;
    let err = fetcher(|_| {})
        .fetch(&format!("http://{addr}/away"))
        .await
        .unwrap_err();
    let CaptureError::RedirectFailed { cause, partial, .. } = &err else {
        panic!("expected RedirectFailed, got {err:?}");
    };
    assert!(
        matches!(**cause, CaptureError::ConnectionRefused { .. }),
        "{cause:?}"
    );
    assert_one_line_naming(&err.to_string(), &format!("127.0.0.1:{dead}/gone"));
    assert_eq!(partial.hops.len(), 1);
    assert_eq!(partial.hops[0].status, 302);
}

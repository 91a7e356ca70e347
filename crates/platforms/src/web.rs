//! Generic web pages: HTTP-status classification only (platforms.md §4).
//!
//! TODO (generic web adapter, another engineer): soft-404 templates per site, block-page
//! matching, readability extraction of title/text, RSS/Atom feeds and their item metrics.
//! Until then a page's content is not extracted; `content_hash` is the SHA-256 of the body.

use annals_model::{GoneReason, Observation, State};

use crate::common::{Request, Response, observe};
use crate::item::ItemRef;

/// One `GET` of the page itself.
pub fn requests(item: &ItemRef) -> Vec<Request> {
    vec![Request::get(item.canonical_url.clone(), &[])]
}

/// State for an HTTP status of a page (§5.2 "Web" rows).
pub fn status_state(status: u16) -> State {
    match status {
        200..=299 => State::Live,
        404 => State::Gone(GoneReason::Unknown),
        // 410: removed on purpose by the publisher.
        410 => State::Gone(GoneReason::AuthorDeleted),
        451 => State::RegionLocked,
        401 => State::LoginRequired,
        403 | 429 => State::Blocked,
        // Redirects (the shell follows them), 5xx, no response, anything else.
        _ => State::Error,
    }
}

/// Observe a page from the response to its own URL (the first response).
pub fn parse(_item: &ItemRef, responses: &[Response<'_>]) -> Observation {
    let Some(resp) = responses.first() else {
        return observe(State::Error, 0, None, Some("no response".to_owned()));
    };
    let mut obs = observe(
        status_state(resp.status),
        resp.status,
        Some(format!("http:{}", resp.status)),
        None,
    );
    if obs.state == State::Live {
        use sha2::{Digest, Sha256};
        let hex: String = Sha256::digest(resp.body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        obs.content_hash = Some(format!("sha256:{hex}"));
    }
    obs
}

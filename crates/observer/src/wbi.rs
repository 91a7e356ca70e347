//! WBI keys for the Bilibili requests that must be signed ([`annals_platforms::Signing::Wbi`]).
//!
//! The keys come from `x/web-interface/nav`, fetched through the same fetcher, endpoint
//! rewrites and archive as every other request (its exchange is archived without
//! `Annals-Item`: it observes no item). They are cached for [`KEY_TTL`] seconds of the
//! observer's clock and dropped as soon as a signed call is refused (`-403`/`-352`), so the
//! next signed request fetches fresh ones. `wts` is the observer's clock, like every date it
//! writes.

use std::sync::Arc;

use annals_capture::{Exchange, Fetcher};
use annals_platforms::wbi::{self, Keys};

use crate::records::OwnedResponse;

/// How long fetched keys are used (clock seconds). Bilibili rotates them about daily.
pub const KEY_TTL: f64 = 4.0 * 3_600.0;

/// The cached keys and when (clock seconds) they were fetched.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    keys: Option<(Keys, f64)>,
}

impl KeyCache {
    /// The keys, if fetched less than [`KEY_TTL`] ago (and not in the clock's future, which a
    /// clock set back would make them).
    pub(crate) fn fresh(&self, now: f64) -> Option<Keys> {
        self.keys
            .as_ref()
            .filter(|(_, at)| *at <= now + 60.0 && now - *at < KEY_TTL)
            .map(|(k, _)| k.clone())
    }

    /// Keeps `keys`, fetched at `now`.
    pub(crate) fn store(&mut self, keys: Keys, now: f64) {
        self.keys = Some((keys, now));
    }

    /// Drops the keys if they are the ones `used` (a refusal of older keys must not throw away
    /// keys another fetch has just refreshed).
    pub(crate) fn refused(&mut self, used: &Keys) {
        if self.keys.as_ref().is_some_and(|(k, _)| k == used) {
            self.keys = None;
        }
    }
}

/// The cache shared by the fetch tasks of a run; the lock is held while keys are fetched, so
/// concurrent signed requests wait for one `nav` fetch instead of each making their own.
pub(crate) type SharedKeys = Arc<tokio::sync::Mutex<KeyCache>>;

/// Keys to sign with: the cached ones, or fresh ones from `nav`. Returns them (`None` when
/// `nav` failed or carried none: the request then goes unsigned and the platform's refusal is
/// what gets observed) and the `nav` exchanges made, to be archived.
pub(crate) async fn keys(
    cache: &SharedKeys,
    fetcher: &Fetcher,
    rewrite: &(dyn Fn(&str) -> String + Send + Sync),
    now: f64,
) -> (Option<Keys>, Vec<Exchange>) {
    let mut cache = cache.lock().await;
    if let Some(keys) = cache.fresh(now) {
        return (Some(keys), Vec::new());
    }
    let nav = wbi::nav_request();
    let url = rewrite(&nav.url);
    let hops = match fetcher.fetch_with(&url, &nav.headers).await {
        Ok(f) => f.hops,
        Err(e) => {
            tracing::warn!("WBI keys: fetching {url} failed: {e}");
            match e.into_partial() {
                Some(p) => p.hops,
                None => return (None, Vec::new()),
            }
        }
    };
    let keys = match hops.last() {
        Some(last) => {
            let body = OwnedResponse::from_message(&url, &last.response, None).body;
            wbi::keys_from_nav(&body)
                .map_err(|e| tracing::warn!("WBI keys: {url}: {e}"))
                .ok()
        }
        None => None,
    };
    if let Some(k) = &keys {
        cache.store(k.clone(), now);
    }
    (keys, hops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(c: char) -> Keys {
        let k: String = std::iter::repeat_n(c, 32).collect();
        Keys::new(&k, &k).unwrap()
    }

    #[test]
    fn cache_expires_and_drops_refused_keys() {
        let mut cache = KeyCache::default();
        assert_eq!(cache.fresh(1_000.0), None);
        cache.store(keys('a'), 1_000.0);
        assert_eq!(cache.fresh(1_000.0), Some(keys('a')));
        assert_eq!(cache.fresh(1_000.0 + KEY_TTL - 1.0), Some(keys('a')));
        assert_eq!(cache.fresh(1_000.0 + KEY_TTL), None, "stale after the TTL");
        assert_eq!(cache.fresh(0.0), None, "fetched in the clock's future");
        // A refusal of other (older) keys keeps the current ones; of these, drops them.
        cache.refused(&keys('b'));
        assert_eq!(cache.fresh(1_000.0), Some(keys('a')));
        cache.refused(&keys('a'));
        assert_eq!(cache.fresh(1_000.0), None);
    }
}

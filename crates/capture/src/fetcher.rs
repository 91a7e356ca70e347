//! The IO shell: drives reqwest, follows redirects, enforces limits and hands the parts to
//! [`message`](crate::message) for serialisation.

use std::error::Error as StdError;
use std::io;

use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CONNECTION, CONTENT_LENGTH, HOST, HeaderMap, HeaderName, HeaderValue,
    LOCATION, TRANSFER_ENCODING, USER_AGENT,
};
use reqwest::{Method, Url, Version};
use time::OffsetDateTime;
use tokio::time::{Instant, timeout_at};

use crate::message::{self, ResponseParts};
use crate::{CaptureError, Exchange, Fetch, FetchOptions, Truncation};

/// The `Accept` header sent unless `extra_headers` replaces it (what browsers send for pages).
const DEFAULT_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// The `Accept-Encoding` header sent unless `extra_headers` replaces it.
const DEFAULT_ACCEPT_ENCODING: &str = "gzip, deflate";

/// Request headers a caller may not set: they would make the stored request lie about framing
/// or target.
const FORBIDDEN_HEADERS: [HeaderName; 4] = [HOST, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION];

/// Never pre-allocate more than this for a body, whatever `Content-Length` claims.
const MAX_PREALLOCATION: u64 = 8 * 1024 * 1024;

/// Fetches URLs and records every HTTP exchange as transferred.
///
/// One `Fetcher` holds one connection pool; reuse it for many fetches. It is cheap to share by
/// reference across tasks.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    /// Default plus extra headers, in the order they are sent (`Host` is added per request).
    headers: HeaderMap,
    options: FetchOptions,
    /// The proxy URL without user info, for messages; `None` when no proxy is used.
    proxy_display: Option<String>,
}

/// What to do after an exchange.
enum Next {
    /// The response is final.
    Done,
    /// Follow a redirect to this URL.
    Follow(Url),
    /// A redirect that cannot be followed: the raw `Location`, the resolved URL if it resolved,
    /// and why it is not followed.
    Bad {
        location: String,
        resolved: Option<Url>,
        reason: String,
    },
}

impl Fetcher {
    /// Builds a fetcher. Fails on an unusable header, user agent or proxy, or if the HTTP client
    /// cannot start.
    pub fn new(options: FetchOptions) -> Result<Self, CaptureError> {
        let headers = build_headers(&options)?;
        let builder = reqwest::Client::builder()
            // Keep bodies as transferred even if some crate in the tree turns on reqwest's
            // decompression features.
            .no_gzip()
            .no_brotli()
            .no_zstd()
            .no_deflate()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .connect_timeout(options.connect_timeout)
            // Header names go on the wire exactly as the stored request writes them.
            .http1_title_case_headers();
        let (builder, proxy_display) = match &options.proxy {
            None => (builder.no_proxy(), None),
            Some(proxy) => {
                let (proxy, display) = parse_proxy(proxy)?;
                (builder.proxy(proxy), Some(display))
            }
        };
        let client = builder.build().map_err(|err| CaptureError::Client {
            cause: cause_chain(&err),
        })?;
        Ok(Fetcher {
            client,
            headers,
            options,
            proxy_display,
        })
    }

    /// The options this fetcher was built with.
    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    /// Fetches `url` with `GET`, following redirects up to
    /// [`FetchOptions::max_redirects`], and returns every exchange.
    ///
    /// A response of any status is a success; only failing to get a response is an error. When a
    /// redirect chain fails after at least one exchange, the error carries the completed
    /// exchanges (see [`CaptureError::partial`]).
    pub async fn fetch(&self, url: &str) -> Result<Fetch, CaptureError> {
        self.fetch_with(url, &[]).await
    }

    /// [`fetch`](Fetcher::fetch) with headers for this request only (a platform endpoint's
    /// `Referer`, say): each replaces the fetcher's header of the same name. Invalid names or
    /// values, and the headers the fetcher owns (`Host`, framing), are refused.
    pub async fn fetch_with(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Fetch, CaptureError> {
        let extra = headers
            .iter()
            .map(|(name, value)| checked_header(name, value))
            .collect::<Result<Vec<_>, _>>()?;
        let mut current = parse_target(url)?;
        let start = current.to_string();
        let mut fetch = Fetch::default();
        loop {
            let (exchange, next) = match self.exchange(&current, &extra).await {
                Ok(done) => done,
                Err(err) if fetch.hops.is_empty() => return Err(err),
                Err(err) => {
                    return Err(CaptureError::RedirectFailed {
                        url: start,
                        cause: Box::new(err),
                        partial: Box::new(fetch),
                    });
                }
            };
            fetch.push(exchange);
            match next {
                Next::Done => return Ok(fetch),
                Next::Bad {
                    location, reason, ..
                } => {
                    return Err(CaptureError::BadRedirect {
                        url: current.to_string(),
                        location,
                        reason,
                        partial: Box::new(fetch),
                    });
                }
                Next::Follow(target) => {
                    if fetch
                        .redirect_chain
                        .iter()
                        .any(|seen| seen == target.as_str())
                    {
                        return Err(CaptureError::RedirectLoop {
                            url: start,
                            target: target.to_string(),
                            partial: Box::new(fetch),
                        });
                    }
                    // `hops.len()` redirects have been met; following this one is redirect
                    // number `hops.len()`.
                    if fetch.hops.len() > self.options.max_redirects {
                        return Err(CaptureError::TooManyRedirects {
                            url: start,
                            limit: self.options.max_redirects,
                            last: current.to_string(),
                            partial: Box::new(fetch),
                        });
                    }
                    current = target;
                }
            }
        }
    }

    /// One request and its response.
    async fn exchange(
        &self,
        url: &Url,
        extra: &[(HeaderName, HeaderValue)],
    ) -> Result<(Exchange, Next), CaptureError> {
        let mut headers = HeaderMap::with_capacity(self.headers.len() + 1);
        let host = message::host_header(url)
            .and_then(|host| HeaderValue::from_str(&host).ok())
            .ok_or_else(|| CaptureError::InvalidUrl {
                url: url.to_string(),
                reason: "no usable host".to_owned(),
            })?;
        // Inserted first so that it is also first on the wire.
        headers.insert(HOST, host);
        for (name, value) in &self.headers {
            headers.append(name, value.clone());
        }
        for (name, value) in extra {
            headers.insert(name.clone(), value.clone());
        }
        let request_bytes = message::request_bytes(url, &headers, self.options.redact_secrets);
        let mut request = reqwest::Request::new(Method::GET, url.clone());
        *request.headers_mut() = headers;

        let started_at = OffsetDateTime::now_utc();
        let start = Instant::now();
        let deadline = start + self.options.timeout;
        let mut response = match timeout_at(deadline, self.client.execute(request)).await {
            Err(_elapsed) => {
                return Err(CaptureError::Timeout {
                    url: url.to_string(),
                    after: self.options.timeout,
                });
            }
            Ok(Err(err)) => return Err(self.classify(url, &err)),
            Ok(Ok(response)) => response,
        };

        let status = response.status().as_u16();
        let version = response.version();
        let remote_ip = match self.proxy_display {
            Some(_) => None,
            None => response.remote_addr().map(|addr| addr.ip()),
        };
        let reason = response
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .map(|reason| reason.as_bytes().to_vec());
        let response_headers = response.headers().clone();

        let cap = self.options.max_body_bytes;
        let expected = response.content_length().unwrap_or(0);
        let preallocate = expected.min(cap).min(MAX_PREALLOCATION);
        let mut body = Vec::with_capacity(usize::try_from(preallocate).unwrap_or(0));
        let mut truncated = None;
        loop {
            match timeout_at(deadline, response.chunk()).await {
                Err(_elapsed) => {
                    truncated = Some(Truncation::Time);
                    break;
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = cap.saturating_sub(body.len() as u64);
                    if chunk.len() as u64 > room {
                        let keep = usize::try_from(room).unwrap_or(chunk.len());
                        body.extend_from_slice(&chunk[..keep.min(chunk.len())]);
                        truncated = Some(Truncation::Length);
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Err(err)) => {
                    truncated = Some(if err.is_timeout() {
                        Truncation::Time
                    } else {
                        Truncation::Disconnect
                    });
                    break;
                }
            }
        }
        // Dropping the response closes a connection whose body was not read to the end.
        drop(response);
        let duration = start.elapsed();

        let (response_bytes, payload) = message::response_bytes(&ResponseParts {
            version,
            status,
            reason: reason.as_deref(),
            headers: &response_headers,
            body: &body,
        });
        let next = redirect_target(url, status, &response_headers);
        let location = match &next {
            Next::Follow(target) => Some(target.to_string()),
            Next::Bad { resolved, .. } => resolved.as_ref().map(Url::to_string),
            Next::Done => None,
        };
        let exchange = Exchange {
            url: url.to_string(),
            started_at,
            request: request_bytes,
            response: response_bytes,
            payload,
            status,
            truncated,
            remote_ip,
            duration,
            protocol: protocol_name(version).to_owned(),
            location,
        };
        Ok((exchange, next))
    }

    /// Turns a reqwest error from before the response into the most specific variant.
    fn classify(&self, url: &Url, err: &reqwest::Error) -> CaptureError {
        let url = url.to_string();
        let cause = cause_chain(err);
        if err.is_timeout() {
            let after = if err.is_connect() {
                self.options.connect_timeout
            } else {
                self.options.timeout
            };
            return CaptureError::Timeout { url, after };
        }
        if any_in_chain(err, |e| e.is::<rustls::Error>()) {
            return CaptureError::Tls { url, cause };
        }
        if let (Some(proxy), true) = (&self.proxy_display, err.is_connect()) {
            return CaptureError::Proxy {
                url,
                proxy: proxy.clone(),
                cause,
            };
        }
        if err.is_dns() {
            return CaptureError::Dns { url, cause };
        }
        let refused = any_in_chain(err, |e| {
            e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::ConnectionRefused)
        });
        if refused {
            return CaptureError::ConnectionRefused { url, cause };
        }
        if err.is_connect() {
            return CaptureError::Connect { url, cause };
        }
        CaptureError::Http { url, cause }
    }
}

/// Default headers, then the caller's extras (replacing defaults of the same name).
/// A caller's header, checked: a valid name that is not one the fetcher owns, and a valid value
/// (never echoed in the error: it may be a secret).
fn checked_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), CaptureError> {
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
        CaptureError::InvalidOptions {
            reason: format!("{name:?} is not a valid header name"),
        }
    })?;
    if FORBIDDEN_HEADERS.contains(&name) {
        return Err(CaptureError::InvalidOptions {
            reason: format!("header {name} is set by the fetcher and cannot be overridden"),
        });
    }
    let value = HeaderValue::from_str(value.trim()).map_err(|_| CaptureError::InvalidOptions {
        reason: format!("the value given for header {name} is not a valid header value"),
    })?;
    Ok((name, value))
}

fn build_headers(options: &FetchOptions) -> Result<HeaderMap, CaptureError> {
    let mut headers = HeaderMap::new();
    if !options.user_agent.is_empty() {
        let agent = HeaderValue::from_str(&options.user_agent).map_err(|_| {
            CaptureError::InvalidOptions {
                reason: format!(
                    "user agent {:?} is not a valid header value",
                    options.user_agent
                ),
            }
        })?;
        headers.insert(USER_AGENT, agent);
    }
    headers.insert(ACCEPT, HeaderValue::from_static(DEFAULT_ACCEPT));
    headers.insert(
        ACCEPT_ENCODING,
        HeaderValue::from_static(DEFAULT_ACCEPT_ENCODING),
    );
    let mut given: Vec<HeaderName> = Vec::new();
    for (name, value) in &options.extra_headers {
        let (name, value) = checked_header(name, value)?;
        if given.contains(&name) {
            headers.append(name, value);
        } else {
            headers.insert(name.clone(), value);
            given.push(name);
        }
    }
    Ok(headers)
}

/// Validates the proxy URL; returns the reqwest proxy and a display form without user info.
fn parse_proxy(proxy: &str) -> Result<(reqwest::Proxy, String), CaptureError> {
    let parsed = Url::parse(proxy.trim()).map_err(|err| CaptureError::InvalidProxy {
        proxy: "(unparseable)".to_owned(),
        reason: err.to_string(),
    })?;
    let display = without_credentials(&parsed);
    if !matches!(parsed.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(CaptureError::InvalidProxy {
            proxy: display,
            reason: "the scheme must be http, https, socks5 or socks5h".to_owned(),
        });
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(CaptureError::InvalidProxy {
            proxy: display,
            reason: "no host".to_owned(),
        });
    }
    let proxy = reqwest::Proxy::all(parsed).map_err(|err| CaptureError::InvalidProxy {
        proxy: display.clone(),
        reason: cause_chain(&err),
    })?;
    Ok((proxy, display))
}

/// Parses and checks a URL to fetch: http(s), a host, no credentials; the fragment is dropped
/// (it is never sent).
fn parse_target(input: &str) -> Result<Url, CaptureError> {
    let mut url = Url::parse(input.trim()).map_err(|err| CaptureError::InvalidUrl {
        url: input.to_owned(),
        reason: err.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CaptureError::UnsupportedScheme {
            url: without_credentials(&url),
            scheme: url.scheme().to_owned(),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CaptureError::InvalidUrl {
            url: without_credentials(&url),
            reason: "no host".to_owned(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CaptureError::InvalidUrl {
            url: without_credentials(&url),
            reason: "credentials in the URL are not supported; send an Authorization header \
                     through extra_headers instead"
                .to_owned(),
        });
    }
    url.set_fragment(None);
    Ok(url)
}

/// Decides whether a response is a redirect to follow.
fn redirect_target(base: &Url, status: u16, headers: &HeaderMap) -> Next {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Next::Done;
    }
    let Some(raw) = headers.get(LOCATION) else {
        return Next::Done;
    };
    let location = String::from_utf8_lossy(raw.as_bytes()).trim().to_owned();
    let mut target = match base.join(&location) {
        Ok(target) => target,
        Err(err) => {
            return Next::Bad {
                location,
                resolved: None,
                reason: err.to_string(),
            };
        }
    };
    if !matches!(target.scheme(), "http" | "https") {
        return Next::Bad {
            location,
            reason: format!("scheme {:?} is not http or https", target.scheme()),
            resolved: Some(target),
        };
    }
    if target.host_str().is_none_or(str::is_empty) {
        return Next::Bad {
            location,
            reason: "no host".to_owned(),
            resolved: Some(target),
        };
    }
    if !target.username().is_empty() || target.password().is_some() {
        return Next::Bad {
            location,
            reason: "credentials in the redirect target are not followed".to_owned(),
            resolved: Some(target),
        };
    }
    target.set_fragment(None);
    Next::Follow(target)
}

/// The URL with user name and password removed, for messages.
fn without_credentials(url: &Url) -> String {
    let mut url = url.clone();
    // These fail only for URLs that cannot have credentials, which then have none to remove.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// The protocol name used by `WARC-Protocol` and ALPN.
fn protocol_name(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "http/0.9",
        Version::HTTP_10 => "http/1.0",
        Version::HTTP_2 => "h2",
        Version::HTTP_3 => "h3",
        _ => "http/1.1",
    }
}

/// Calls `check` on `err` and every error below it, looking inside `io::Error`s too (their
/// `source` skips the wrapped error, and TLS failures arrive as an `io::Error` inside another).
fn any_in_chain(
    err: &(dyn StdError + 'static),
    check: impl Fn(&(dyn StdError + 'static)) -> bool + Copy,
) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if check(e) {
            return true;
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref)
            && any_in_chain(inner, check)
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// The causes below a reqwest error as one line (reqwest's own top message repeats the URL).
fn cause_chain(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = err.source();
    if current.is_none() {
        parts.push(err.to_string());
    }
    while let Some(e) = current {
        let text = e.to_string().replace(['\r', '\n'], " ");
        if !parts.iter().any(|seen| seen.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_normalised() {
        let url = parse_target(" http://Example.COM/a b?q=中文&x=1 2#frag ").unwrap();
        assert_eq!(
            url.as_str(),
            "http://example.com/a%20b?q=%E4%B8%AD%E6%96%87&x=1%202"
        );
        let url = parse_target("https://中国.cn/").unwrap();
        assert_eq!(url.as_str(), "https://xn--fiqs8s.cn/");
    }

    #[test]
    fn bad_targets_are_refused() {
        assert!(matches!(
            parse_target("ftp://example.com/x"),
            Err(CaptureError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            parse_target("file:///etc/passwd"),
            Err(CaptureError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            parse_target("not a url"),
            Err(CaptureError::InvalidUrl { .. })
        ));
        let err = parse_target("http://user:secret@example.com/").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn redirect_targets() {
        let base = Url::parse("http://h/a/b").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_static("../c#x"));
        assert!(matches!(redirect_target(&base, 302, &headers),
            Next::Follow(u) if u.as_str() == "http://h/c"));
        assert!(matches!(redirect_target(&base, 200, &headers), Next::Done));
        assert!(matches!(redirect_target(&base, 304, &headers), Next::Done));
        headers.insert(LOCATION, HeaderValue::from_static("ftp://h/x"));
        assert!(matches!(
            redirect_target(&base, 301, &headers),
            Next::Bad { .. }
        ));
        headers.insert(LOCATION, HeaderValue::from_static("http://[oops/"));
        assert!(matches!(
            redirect_target(&base, 301, &headers),
            Next::Bad { .. }
        ));
    }

    #[test]
    fn extra_headers_replace_defaults_and_repeat() {
        let mut options = FetchOptions {
            extra_headers: vec![
                ("Accept".into(), "application/json".into()),
                ("X-A".into(), "1".into()),
                ("x-a".into(), "2".into()),
            ],
            ..FetchOptions::default()
        };
        let headers = build_headers(&options).unwrap();
        let all: Vec<_> = headers
            .iter()
            .map(|(n, v)| format!("{n}={}", v.to_str().unwrap()))
            .collect();
        assert_eq!(
            all,
            [
                format!("user-agent={}", crate::DEFAULT_USER_AGENT),
                "accept=application/json".to_owned(),
                "accept-encoding=gzip, deflate".to_owned(),
                "x-a=1".to_owned(),
                "x-a=2".to_owned(),
            ]
        );
        options.extra_headers = vec![("Host".into(), "evil".into())];
        assert!(matches!(
            build_headers(&options),
            Err(CaptureError::InvalidOptions { .. })
        ));
        options.extra_headers = vec![("Cookie".into(), "a=secret\n".into())];
        assert!(build_headers(&options).is_ok());
        options.extra_headers = vec![("Cookie".into(), "a=sec\nret".into())];
        let err = build_headers(&options).unwrap_err();
        assert!(!err.to_string().contains("sec"), "{err}");
    }

    #[test]
    fn proxies_are_checked_and_credentials_hidden() {
        assert!(parse_proxy("socks5h://127.0.0.1:9050").is_ok());
        assert!(parse_proxy("http://proxy:3128").is_ok());
        let err = parse_proxy("ftp://user:pw@proxy:21").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("ftp://proxy/") && !text.contains("pw"),
            "{text}"
        );
        let (_, display) = parse_proxy("http://user:pw@proxy:3128").unwrap();
        assert_eq!(display, "http://proxy:3128/");
    }
}

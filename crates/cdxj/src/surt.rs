//! SURT keys exactly as cdxj-indexer 1.5.0 computes them.
//!
//! cdxj-indexer calls `surt.surt(url)` from the `surt` Python package 0.3.1 with
//! default options (`surt=True`, `with_scheme=False`, the default
//! `DefaultIAURLCanonicalizer`, i.e. the Google canonicaliser followed by the
//! Internet Archive one), and falls back to the URL itself when `surt` raises.
//! This module ports that pipeline step by step, on bytes, so that every quirk
//! carries over: schemes are never lower-cased, hosts go through Python's IDNA
//! 2003 codec, query parameters are sorted as `(key, value)` tuples, and so on.
//! The comments name the Python function each step comes from.

use crate::idna2003;

/// The CDXJ lookup key (SURT form) for `url`, byte for byte as cdxj-indexer 1.5.0
/// writes it.
///
/// The empty string gives `-`; a URL that makes the Python package raise (a
/// port that is not a number below 65536, an all-digit host of more than 4,300
/// digits, a URL that is only whitespace) is returned unchanged, as cdxj-indexer
/// does. Never panics.
///
/// ```
/// use annals_cdxj::surt;
///
/// assert_eq!(surt("http://WWW.Example.com:80/a/B?z=1&a=2#frag"), "com,example)/a/b?a=2&z=1");
/// assert_eq!(surt("http://中国.cn/a"), "cn,xn--fiqs8s)/a");
/// ```
pub fn surt(url: &str) -> String {
    if url.is_empty() {
        return "-".to_owned();
    }
    if url.starts_with("filedesc") {
        return url.to_owned();
    }
    match surt_bytes(url.as_bytes()) {
        // Every byte of a key is ASCII (escaped), so this never loses data.
        Some(key) => String::from_utf8(key)
            .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()),
        None => url.to_owned(),
    }
}

/// A parsed URL, the Python `handyurl` minus the fields the key never shows
/// (user info, fragment, last delimiter).
struct HandyUrl {
    scheme: Vec<u8>,
    host: Option<Vec<u8>>,
    port: Option<u32>,
    path: Option<Vec<u8>>,
    query: Option<Vec<u8>>,
}

/// `None` means "the Python code raised an exception".
fn surt_bytes(url: &[u8]) -> Option<Vec<u8>> {
    let mut parsed = parse(url)?;
    google_canonicalize(&mut parsed)?;
    ia_canonicalize(&mut parsed);
    Some(geturl_surt(&parsed))
}

fn is_py_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn scheme_len(url: &[u8]) -> Option<usize> {
    // `^([a-zA-Z][a-zA-Z0-9+.-]*):`
    let first = *url.first()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let rest = url[1..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        .count();
    (url.get(1 + rest) == Some(&b':')).then_some(1 + rest)
}

/// `handyurl.parse`.
fn parse(raw: &[u8]) -> Option<HandyUrl> {
    let start = raw
        .iter()
        .position(|&b| !is_py_space(b))
        .unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|&b| !is_py_space(b))
        .map_or(start, |i| i + 1);
    let mut url: Vec<u8> = raw[start..end]
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\n' | b'\r' | b'\t'))
        .collect();
    if url.is_empty() {
        // The scheme is None and `scheme.startswith` raises AttributeError.
        return None;
    }
    if scheme_len(&url).is_none() {
        url.splice(0..0, b"http://".iter().copied());
    }
    // `^(https?://)+` is replaced by its last repetition.
    let mut pos = 0;
    let mut last = None;
    loop {
        let rest = &url[pos..];
        let len = if rest.starts_with(b"http://") {
            7
        } else if rest.starts_with(b"https://") {
            8
        } else {
            break;
        };
        last = Some(pos);
        pos += len;
    }
    if let Some(last) = last {
        url.drain(..last);
    }

    // `handyurl.urlsplit`, an RFC 2396 regular expression.
    let scheme_end = scheme_len(&url)?;
    let scheme = url[..scheme_end].to_vec();
    let rest = &url[scheme_end + 1..];
    let (netloc, rest) = match rest.strip_prefix(b"//") {
        Some(after) => {
            let end = after
                .iter()
                .position(|b| matches!(b, b'/' | b'?' | b'#'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        }
        None => (&b""[..], rest),
    };
    let path_end = rest
        .iter()
        .position(|b| matches!(b, b'?' | b'#'))
        .unwrap_or(rest.len());
    let path = &rest[..path_end];
    let rest = &rest[path_end..];
    let query = match rest.strip_prefix(b"?") {
        Some(after) => {
            let end = after.iter().position(|&b| b == b'#').unwrap_or(after.len());
            &after[..end]
        }
        None => &b""[..],
    };

    // Host names ending in ':' without a port.
    let mut netloc_len = netloc.len();
    while netloc_len > 0 && netloc[netloc_len - 1] == b':' {
        netloc_len -= 1;
    }
    let netloc = &netloc[..netloc_len];
    let (hostname, port) = hostinfo(netloc);
    let port = match port {
        None => None,
        Some(text) => match parse_port(text)? {
            0 => None,
            port => Some(port),
        },
    };
    let mut host = if hostname.is_empty() {
        None
    } else {
        // `SplitResultBytes.hostname`: lower-cased up to a '%' zone id.
        let zone = hostname
            .iter()
            .position(|&b| b == b'%')
            .unwrap_or(hostname.len());
        let mut lowered = hostname[..zone].to_ascii_lowercase();
        lowered.extend_from_slice(&hostname[zone..]);
        Some(lowered)
    };
    let mut path = (!path.is_empty()).then(|| path.to_vec());
    if scheme.starts_with(b"http")
        && host.is_none()
        && let Some(old_path) = &path
    {
        // "http:////////////////www.vikings.com"
        let trimmed_start = old_path
            .iter()
            .position(|&b| b != b'/')
            .unwrap_or(old_path.len());
        let trimmed = &old_path[trimmed_start..];
        let slash = trimmed.iter().position(|&b| b == b'/');
        let (name, after) = match slash {
            Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
            None => (trimmed, &b""[..]),
        };
        host = Some(name.to_vec());
        let mut new_path = vec![b'/'];
        new_path.extend_from_slice(after);
        path = Some(new_path);
    }
    Some(HandyUrl {
        scheme,
        host,
        port,
        path,
        query: (!query.is_empty()).then(|| query.to_vec()),
    })
}

/// `_NetlocResultMixinBytes._hostinfo`: the raw host name and port text.
fn hostinfo(netloc: &[u8]) -> (&[u8], Option<&[u8]>) {
    let hostinfo = match netloc.iter().rposition(|&b| b == b'@') {
        Some(at) => &netloc[at + 1..],
        None => netloc,
    };
    let (hostname, port) = match hostinfo.iter().position(|&b| b == b'[') {
        Some(open) => {
            let bracketed = &hostinfo[open + 1..];
            match bracketed.iter().position(|&b| b == b']') {
                Some(close) => {
                    let after = &bracketed[close + 1..];
                    let port = match after.iter().position(|&b| b == b':') {
                        Some(colon) => &after[colon + 1..],
                        None => &b""[..],
                    };
                    (&bracketed[..close], port)
                }
                None => (bracketed, &b""[..]),
            }
        }
        None => match hostinfo.iter().position(|&b| b == b':') {
            Some(colon) => (&hostinfo[..colon], &hostinfo[colon + 1..]),
            None => (hostinfo, &b""[..]),
        },
    };
    (hostname, (!port.is_empty()).then_some(port))
}

/// `SplitResultBytes.port`; `None` where Python raises `ValueError`.
fn parse_port(text: &[u8]) -> Option<u32> {
    if !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u32 = 0;
    for digit in text {
        value = value
            .checked_mul(10)?
            .checked_add(u32::from(digit - b'0'))?;
        if value > 65535 {
            // Also covers Python's 4,300-digit limit on `int()`.
            return None;
        }
    }
    Some(value)
}

/// `GoogleURLCanonicalizer.canonicalize`.
fn google_canonicalize(url: &mut HandyUrl) -> Option<()> {
    if let Some(query) = &url.query {
        url.query = Some(escape_once(&unescape_repeatedly(query)));
    }
    if let Some(host) = url.host.as_deref().filter(|host| !host.is_empty()) {
        let mut host = unescape_repeatedly(host);
        if !host.is_ascii() {
            let mut text = String::new();
            for chunk in host.utf8_chunks() {
                text.push_str(chunk.valid());
            }
            if let Some(encoded) = idna2003::encode(&text) {
                host = encoded;
            }
        }
        let host = strip_dots(&replace_double_dots(&host));
        url.host = Some(match attempt_ip_formats(&host)? {
            Some(ip) => ip,
            None => escape_once(&host.to_ascii_lowercase()),
        });
    }
    let host_present = url.host.as_ref().is_some_and(|host| !host.is_empty());
    let path = url.path.as_deref().map(unescape_repeatedly);
    let path = if host_present {
        Some(normalize_path(path.as_deref()))
    } else {
        path
    };
    url.path = path.map(|path| escape_once(&path));
    Some(())
}

/// `bytes.replace(b'..', b'.')`: non-overlapping, left to right.
fn replace_double_dots(host: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(host.len());
    let mut i = 0;
    while i < host.len() {
        if host[i] == b'.' && host.get(i + 1) == Some(&b'.') {
            out.push(b'.');
            i += 2;
        } else {
            out.push(host[i]);
            i += 1;
        }
    }
    out
}

fn strip_dots(host: &[u8]) -> Vec<u8> {
    let start = host.iter().position(|&b| b != b'.').unwrap_or(host.len());
    let end = host
        .iter()
        .rposition(|&b| b != b'.')
        .map_or(start, |i| i + 1);
    host[start..end].to_vec()
}

/// `normalizePath`: resolve `.` and `..`, drop empty segments except the last.
fn normalize_path(path: Option<&[u8]>) -> Vec<u8> {
    let Some(path) = path.filter(|path| !path.is_empty()) else {
        return b"/".to_vec();
    };
    let mut kept: Vec<&[u8]> = Vec::new();
    for segment in path.split(|&b| b == b'/').skip(1) {
        match segment {
            b"." => {}
            b".." => {
                if kept.pop().is_none() {
                    kept.push(segment);
                }
            }
            _ => kept.push(segment),
        }
    }
    let mut out = vec![b'/'];
    if let Some((last, init)) = kept.split_last() {
        for segment in init.iter().filter(|segment| !segment.is_empty()) {
            out.extend_from_slice(segment);
            out.push(b'/');
        }
        out.extend_from_slice(last);
    }
    out
}

/// `attemptIPFormats`: `Ok(None)` when the host is not an IP address, outer
/// `None` when Python raises (an all-digit host beyond `int()`'s digit limit).
fn attempt_ip_formats(host: &[u8]) -> Option<Option<Vec<u8>>> {
    if !host.is_empty() && host.iter().all(u8::is_ascii_digit) {
        if host.len() > 4300 {
            return None;
        }
        let value = host.iter().fold(0u32, |acc, digit| {
            acc.wrapping_mul(10).wrapping_add(u32::from(digit - b'0'))
        });
        return Some(Some(dotted_quad(value)));
    }
    let parts: Vec<&[u8]> = host.split(|&b| b == b'.').collect();
    let shaped = (1..=4).contains(&parts.len())
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.iter().all(u8::is_ascii_digit));
    if !shaped {
        return Some(None);
    }
    let first = parts[0];
    let decimal = first[0] != b'0';
    let octal = first[0] == b'0'
        && parts
            .iter()
            .all(|part| part.iter().all(|b| (b'0'..=b'7').contains(b)));
    if !decimal && !octal {
        return Some(None);
    }
    // `socket.gethostbyname_ex` resolves these through glibc's `inet_aton`; a
    // name it rejects goes to DNS, which cannot answer for it.
    Some(inet_aton(&parts).map(dotted_quad))
}

/// glibc `inet_aton` on parts that are all ASCII digits.
fn inet_aton(parts: &[&[u8]]) -> Option<u32> {
    let mut values = Vec::with_capacity(parts.len());
    for part in parts {
        let (digits, radix) = match part {
            [b'0', rest @ ..] if !rest.is_empty() => (rest, 8u64),
            _ => (*part, 10u64),
        };
        let mut value: u64 = 0;
        for digit in digits {
            let digit = u64::from(digit - b'0');
            if digit >= radix {
                return None;
            }
            value = value * radix + digit;
            if value > 0xffff_ffff {
                return None;
            }
        }
        values.push(value);
    }
    let (last, init) = values.split_last()?;
    if init.iter().any(|&value| value > 0xff) {
        return None;
    }
    let last_max: u64 = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff][init.len()];
    if *last > last_max {
        return None;
    }
    let mut address: u64 = 0;
    for (i, value) in init.iter().enumerate() {
        address |= value << (24 - 8 * i);
    }
    u32::try_from(address | last).ok()
}

fn dotted_quad(value: u32) -> Vec<u8> {
    let [a, b, c, d] = value.to_be_bytes();
    format!("{a}.{b}.{c}.{d}").into_bytes()
}

/// `IAURLCanonicalizer.canonicalize` with its defaults.
fn ia_canonicalize(url: &mut HandyUrl) {
    if let Some(host) = url.host.as_mut().filter(|host| !host.is_empty()) {
        host.make_ascii_lowercase();
        if url.scheme != b"dns" {
            // `massageHost`: `www\d*\.` at the start.
            let digits = host.get(3..).map_or(0, |rest| {
                rest.iter().take_while(|b| b.is_ascii_digit()).count()
            });
            if host.starts_with(b"www") && host.get(3 + digits) == Some(&b'.') {
                host.drain(..4 + digits);
            }
        }
    }
    if !url.scheme.is_empty() {
        let default_port = match url.scheme.to_ascii_lowercase().as_slice() {
            b"http" => 80,
            b"https" => 443,
            _ => 0,
        };
        if url.port == Some(default_port) {
            url.port = None;
        }
    }
    if let Some(path) = url.path.as_mut().filter(|path| !path.is_empty()) {
        path.make_ascii_lowercase();
        strip_path_session_id(path);
        if path.len() > 1 && path.ends_with(b"/") {
            path.pop();
        }
    }
    if let Some(query) = url.query.as_mut().filter(|query| !query.is_empty()) {
        strip_query_session_id(query);
        query.make_ascii_lowercase();
        *query = alpha_reorder_query(query);
        if query.is_empty() {
            url.query = None;
        }
    }
}

/// `alphaReorderQuery`: sort `k=v` pairs as Python sorts `(k, v)` / `(k,)` tuples.
fn alpha_reorder_query(query: &[u8]) -> Vec<u8> {
    if query.len() <= 1 {
        return query.to_vec();
    }
    let mut pairs: Vec<(&[u8], Option<&[u8]>)> = query
        .split(|&b| b == b'&')
        .map(|arg| match arg.iter().position(|&b| b == b'=') {
            Some(eq) => (&arg[..eq], Some(&arg[eq + 1..])),
            None => (arg, None),
        })
        .collect();
    pairs.sort();
    let mut out = Vec::with_capacity(query.len());
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(key);
        if let Some(value) = value {
            out.push(b'=');
            out.extend_from_slice(value);
        }
    }
    out
}

fn starts_with_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack[..needle.len()].eq_ignore_ascii_case(needle)
}

fn count_matching(bytes: &[u8], pred: impl Fn(u8) -> bool) -> usize {
    bytes.iter().take_while(|&&b| pred(b)).count()
}

/// Length of a session id at the start of the input, if one is there.
type IdMatcher<'a> = &'a dyn Fn(&[u8]) -> Option<usize>;
type PathMatcher = fn(&[u8]) -> Option<usize>;

/// `stripQuerySessionID`: five patterns `^(.*)(?:ID)(?:&(.*))?$`, each removing
/// its last match; the result is group 1 followed by group 2.
fn strip_query_session_id(query: &mut Vec<u8>) {
    // Each matcher returns the length of the id at the start of its input.
    fn fixed(prefix: &'static [u8], n: usize) -> impl Fn(&[u8]) -> Option<usize> {
        move |s: &[u8]| {
            if !starts_with_ignore_case(s, prefix) {
                return None;
            }
            (count_matching(&s[prefix.len()..], |b| b.is_ascii_alphanumeric()) >= n)
                .then_some(prefix.len() + n)
        }
    }
    fn asp(s: &[u8]) -> Option<usize> {
        const PREFIX: &[u8] = b"aspsessionid";
        if !starts_with_ignore_case(s, PREFIX) {
            return None;
        }
        let rest = &s[PREFIX.len()..];
        if count_matching(rest, |b| b.is_ascii_alphabetic()) < 8 || rest.get(8) != Some(&b'=') {
            return None;
        }
        (count_matching(&rest[9..], |b| b.is_ascii_alphabetic()) >= 24)
            .then_some(PREFIX.len() + 9 + 24)
    }
    fn cfid(s: &[u8]) -> Option<usize> {
        if !starts_with_ignore_case(s, b"cfid=") {
            return None;
        }
        let id_len = count_matching(&s[5..], |b| b != b'&');
        let after = &s[5 + id_len..];
        if id_len == 0 || !starts_with_ignore_case(after, b"&cftoken=") {
            return None;
        }
        let token_len = count_matching(&after[9..], |b| b != b'&');
        (token_len > 0).then_some(5 + id_len + 9 + token_len)
    }
    let matchers: [IdMatcher<'_>; 5] = [
        &fixed(b"jsessionid=", 32),
        &fixed(b"phpsessid=", 32),
        &fixed(b"sid=", 32),
        &asp,
        &cfid,
    ];
    for matcher in matchers {
        for start in (0..query.len()).rev() {
            let Some(len) = matcher(&query[start..]) else {
                continue;
            };
            let end = start + len;
            if end == query.len() {
                query.truncate(start);
            } else if query[end] == b'&' {
                query.drain(start..=end);
            } else {
                continue;
            }
            break;
        }
    }
}

/// `stripPathSessionID`: ASP.NET cookieless session ids in front of `.aspx` pages.
fn strip_path_session_id(path: &mut Vec<u8>) {
    fn rest_is_aspx(rest: &[u8]) -> bool {
        // `[^\?]+\.aspx.*$`
        let end = rest.iter().position(|&b| b == b'?').unwrap_or(rest.len());
        end > 1
            && rest[1..end]
                .windows(5)
                .any(|w| w.eq_ignore_ascii_case(b".aspx"))
    }
    fn is_id(bytes: &[u8]) -> bool {
        bytes.len() == 24 && bytes.iter().all(u8::is_ascii_alphanumeric)
    }
    // `\((?:[a-z]\([0-9a-z]{24}\))+\)/`
    fn nested(s: &[u8]) -> Option<usize> {
        let mut i = 1;
        if s.first() != Some(&b'(') {
            return None;
        }
        let mut reps = 0;
        while s.len() >= i + 27
            && s[i].is_ascii_alphabetic()
            && s[i + 1] == b'('
            && is_id(&s[i + 2..i + 26])
            && s[i + 26] == b')'
        {
            i += 27;
            reps += 1;
        }
        (reps > 0 && s.get(i..i + 2) == Some(b")/")).then_some(i + 2)
    }
    // `\([0-9a-z]{24}\)/`
    fn simple(s: &[u8]) -> Option<usize> {
        (s.len() >= 27 && s[0] == b'(' && is_id(&s[1..25]) && &s[25..27] == b")/").then_some(27)
    }
    let matchers: [PathMatcher; 2] = [nested, simple];
    for matcher in matchers {
        for slash in (0..path.len()).rev() {
            if path[slash] != b'/' {
                continue;
            }
            let start = slash + 1;
            if let Some(len) = matcher(&path[start..])
                && rest_is_aspx(&path[start + len..])
            {
                path.drain(start..start + len);
                break;
            }
        }
    }
}

/// `handyurl.geturl_bytes(surt=True, with_scheme=False)`.
fn geturl_surt(url: &HandyUrl) -> Vec<u8> {
    let mut out = Vec::new();
    match url.host.as_deref().filter(|host| !host.is_empty()) {
        Some(host) => {
            // `hostToSURT`
            for (i, label) in host.rsplit(|&b| b == b'.').enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(label);
            }
            if let Some(port) = url.port {
                out.extend_from_slice(format!(":{port}").as_bytes());
            }
            out.push(b')');
        }
        None => {
            out.extend_from_slice(&url.scheme);
            out.push(b':');
        }
    }
    match url.path.as_deref().filter(|path| !path.is_empty()) {
        Some(path) => out.extend_from_slice(path),
        None if url.query.is_some() => out.push(b'/'),
        None => {}
    }
    if let Some(query) = &url.query {
        out.push(b'?');
        out.extend_from_slice(query);
    }
    out
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// `urllib.parse.unquote_to_bytes`; returns whether anything was decoded.
pub(crate) fn unquote_to_bytes(input: &[u8], out: &mut Vec<u8>) -> bool {
    let mut changed = false;
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%'
            && let (Some(high), Some(low)) = (
                input.get(i + 1).copied().and_then(hex_value),
                input.get(i + 2).copied().and_then(hex_value),
            )
        {
            out.push(high << 4 | low);
            i += 3;
            changed = true;
            continue;
        }
        out.push(input[i]);
        i += 1;
    }
    changed
}

/// `unescapeRepeatedly`: percent-decode until nothing changes.
fn unescape_repeatedly(input: &[u8]) -> Vec<u8> {
    let mut current = input.to_vec();
    let mut next = Vec::with_capacity(current.len());
    while current.contains(&b'%') {
        next.clear();
        if !unquote_to_bytes(&current, &mut next) {
            break;
        }
        std::mem::swap(&mut current, &mut next);
    }
    current
}

/// `escapeOnce`: percent-encode (upper-case hex) everything outside `!`..`~`,
/// plus `#` and `%`.
fn escape_once(input: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(input.len());
    for &byte in input {
        if byte <= b' ' || byte >= 0x7f || byte == b'#' || byte == b'%' {
            out.extend_from_slice(&[
                b'%',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 15)],
            ]);
        } else {
            out.push(byte);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::surt;

    /// The verified pairs of formats.md §3 (surt 0.3.1 through cdxj-indexer).
    #[test]
    fn formats_reference_pairs() {
        let sid = "0123456789abcdef0123456789abcdef";
        let cases = [
            ("https://www.example.org/index.html", "org,example)/index.html".to_owned()),
            ("https://www2.example.com/", "com,example)/".to_owned()),
            ("https://sub.www.example.com/a", "com,example,www,sub)/a".to_owned()),
            ("http://WWW.Example.com:80/a/B?z=1&a=2#frag", "com,example)/a/b?a=2&z=1".to_owned()),
            ("http://example.com/?b=2&a=1&a=0", "com,example)/?a=0&a=1&b=2".to_owned()),
            ("https://example.com/a?b=&a=", "com,example)/a?a=&b=".to_owned()),
            ("http://example.com/path/", "com,example)/path".to_owned()),
            ("https://example.com/path/?", "com,example)/path".to_owned()),
            ("https://bilibili.com", "com,bilibili)/".to_owned()),
            ("https://example.com:443/x", "com,example)/x".to_owned()),
            ("http://example.com:443/x", "com,example:443)/x".to_owned()),
            ("https://EXAMPLE.com./x", "com,example)/x".to_owned()),
            ("http://test@example.com/", "com,example)/".to_owned()),
            ("http://192.168.1.1/x", "1,1,168,192)/x".to_owned()),
            ("http://中国.cn/a", "cn,xn--fiqs8s)/a".to_owned()),
            ("http://example.com/%7Euser", "com,example)/~user".to_owned()),
            ("http://example.com/中", "com,example)/%e4%b8%ad".to_owned()),
            ("http://example.com/%E4%B8%AD", "com,example)/%e4%b8%ad".to_owned()),
            ("http://example.com/a%20b", "com,example)/a%20b".to_owned()),
            ("https://example.com/a/../b", "com,example)/b".to_owned()),
            (
                "https://www.zhihu.com/api/v4/questions/1/answers?include=data%5B*%5D.content&limit=20",
                "com,zhihu)/api/v4/questions/1/answers?include=data[*].content&limit=20".to_owned(),
            ),
            (&*format!("http://example.com/?PHPSESSID={sid}&b=1"), "com,example)/?b=1".to_owned()),
            (&*format!("http://example.com/?sid={sid}&b=1"), "com,example)/?b=1".to_owned()),
            ("http://example.com/a;sid=ABC123?x=1", "com,example)/a;sid=abc123?x=1".to_owned()),
            (
                "https://m.weibo.cn/api/container/getIndex?type=uid&value=1669879400&containerid=1076031669879400",
                "cn,weibo,m)/api/container/getindex?containerid=1076031669879400&type=uid&value=1669879400"
                    .to_owned(),
            ),
            ("urn:text:https://Example.com/A", "urn:text:https://example.com/a".to_owned()),
            ("dns:example.com", "dns:example.com".to_owned()),
            (
                "urn:metrics:https://www.bilibili.com/video/BV117411r7R1",
                "urn:metrics:https://www.bilibili.com/video/bv117411r7r1".to_owned(),
            ),
        ];
        for (input, expected) in &cases {
            assert_eq!(&surt(input), expected, "input {input:?}");
        }
    }

    /// Quirks checked one by one against surt 0.3.1 under cdxj-indexer.
    #[test]
    fn python_quirks() {
        let cases = [
            ("", "-"),
            ("   ", "   "),
            ("filedesc://x.arc", "filedesc://x.arc"),
            ("http://example.com:abc/", "http://example.com:abc/"),
            ("http://example.com:99999/", "http://example.com:99999/"),
            ("http://example.com:0/x", "com,example)/x"),
            ("http://example.com:/x", "com,example)/x"),
            ("HTTP://Example.com/", "com,example)/"),
            ("URN:X", "URN:x"),
            ("http://https://example.com/a", "com,example)/a"),
            ("http:////www.vikings.com", "com,vikings)/"),
            ("example.com/a", "com,example)/a"),
            ("http://3232235777/", "1,1,168,192)/"),
            ("http://0300.0250.1.1/", "1,1,168,192)/"),
            ("http://1.2.3/", "3,0,2,1)/"),
            ("http://[::1]:8080/", "::1:8080)/"),
            ("http://a..b.com/", "com,b,a)/"),
            ("http://www.example.com/?a&b=&a=1", "com,example)/?a&a=1&b="),
            ("http://example.com/%2541", "com,example)/a"),
            ("http://example.com/a#b?c", "com,example)/a"),
            ("http://example.com?", "com,example)/"),
        ];
        for (input, expected) in cases {
            assert_eq!(surt(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let long = "a".repeat(100_000);
        let inputs = [
            "%",
            "%%%%",
            "http://",
            "http://:",
            "http://@",
            "http://[",
            "http://]",
            "://",
            "http://.",
            "http://..",
            "http://www.",
            "http://%ff%fe/",
            "http://\u{ad}.com",
            "\u{0}",
            "http://a/(a(0123456789abcdef01234567))/x.aspx",
            &long,
        ];
        for input in inputs {
            let _ = surt(input);
        }
        let _ = surt(&format!("http://{long}.com/{long}?{long}"));
        let _ = surt(&format!("http://{}/", "9".repeat(5000)));
    }
}

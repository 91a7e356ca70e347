//! POST/PUT keys: cdxj-indexer's `-p` ("post-append") canonicalisation.
//!
//! When a `request` record and its `response` are adjacent, share the target
//! URI and are linked by `WARC-Concurrent-To`, cdxj-indexer 1.5.0 turns the
//! request body into a query string (`cdxj_indexer/postquery.py`), appends
//! `?__wb_method=<method>&<query>` to the URL and SURTs the result. This module
//! ports that code: the body readers (form, multipart via the `multipart` 2.0.1
//! package, JSON flattening, base64 fallback) and Python's `urllib.parse`
//! quoting, so the key and the `requestBody` value match byte for byte.
//!
//! Where the Python code *crashes* (a malformed multipart body aborts the whole
//! cdxj-indexer run; so do undecodable multipart text fields), there is nothing
//! to match; this port then uses the `__wb_post_data=<base64>` fallback.
//! AMF bodies (`application/x-amf`) are not decoded: the port answers as the
//! Python does when PyAMF fails, with no query and a `null` `requestBody`.

use base64::Engine;

use crate::surt::surt;

/// The longest query, in characters, cdxj-indexer keeps from a body.
const MAX_QUERY_LENGTH: usize = 4096;

/// What `-p` adds to the index entry of a POST or PUT response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostAppend {
    /// The `requestBody` field: the canonical query (before SURT), `Some("")`
    /// when the body gave nothing, `None` (JSON `null`) when cdxj-indexer's
    /// extractor returned `None` (unparseable `Content-Length`, AMF).
    pub request_body: Option<String>,
    /// The text appended to the request URL before SURT:
    /// `?__wb_method=POST&<query>` (`&` first when the URL has a `?`).
    pub append: String,
    /// The `method` field: the request method upper-cased.
    pub method: String,
}

/// cdxj-indexer's `-p` logic for one request/response pair.
///
/// `method` is the request line's method, `content_type` and `content_length`
/// the request's HTTP header values (if present), `body` the request payload
/// after transfer/content decoding (what warcio's `content_stream()` yields),
/// and `url` the request's `WARC-Target-URI`. Returns `None` unless the
/// upper-cased method is `POST` or `PUT` (then cdxj-indexer changes nothing).
///
/// ```
/// use annals_cdxj::{append_method_query, post_key};
///
/// let post = append_method_query(
///     "POST",
///     Some("application/x-www-form-urlencoded"),
///     Some("16"),
///     b"foo=bar&test=abc",
///     "http://httpbin.org/post",
/// )
/// .unwrap();
/// assert_eq!(post.request_body.as_deref(), Some("foo=bar&test=abc"));
/// assert_eq!(post.append, "?__wb_method=POST&foo=bar&test=abc");
/// assert_eq!(post_key("http://httpbin.org/post", &post), "org,httpbin)/post?__wb_method=post&foo=bar&test=abc");
/// ```
pub fn append_method_query(
    method: &str,
    content_type: Option<&str>,
    content_length: Option<&str>,
    body: &[u8],
    url: &str,
) -> Option<PostAppend> {
    let upper = method.to_uppercase();
    if upper != "POST" && upper != "PUT" {
        return None;
    }
    // `append_method_query` compares the method case-sensitively.
    let query = if method == "POST" || method == "PUT" {
        query_extract(content_type, content_length, body)
    } else {
        Some(String::new())
    };
    let mut append = String::from(if url.contains('?') { "&" } else { "?" });
    append.push_str("__wb_method=");
    append.push_str(method);
    if let Some(query) = query.as_deref().filter(|query| !query.is_empty()) {
        append.push('&');
        append.push_str(query);
    }
    Some(PostAppend {
        request_body: query,
        append,
        method: upper,
    })
}

/// The index key of a POST/PUT response: `surt(url + append)`.
pub fn post_key(url: &str, post: &PostAppend) -> String {
    let mut full = String::with_capacity(url.len() + post.append.len());
    full.push_str(url);
    full.push_str(&post.append);
    surt(&full)
}

/// `query_extract`: `None` is Python's `None`.
fn query_extract(mime: Option<&str>, length: Option<&str>, body: &[u8]) -> Option<String> {
    let length: i128 = match length {
        None => 8192,
        Some(text) => python_int(text)?,
    };
    if length > i128::from(i64::MAX) {
        // `stream.read(length)` raises OverflowError and cdxj-indexer aborts;
        // the port falls back to base64, as for other crashes.
        return Some(truncate_chars(handle_binary(body)));
    }
    let take = usize::try_from(length.max(0))
        .unwrap_or(usize::MAX)
        .min(body.len());
    let data = &body[..take];
    let mime = mime.unwrap_or("");

    let query = if mime.starts_with("application/x-www-form-urlencoded") {
        match std::str::from_utf8(data) {
            Ok(text) => unquote_plus(text),
            Err(_) => handle_binary(data),
        }
    } else if mime.starts_with("multipart/") {
        match mime.split("boundary=").nth(1) {
            None => handle_binary(data),
            Some(boundary) => {
                multipart_query(data, boundary).unwrap_or_else(|| handle_binary(data))
            }
        }
    } else if mime.starts_with("application/json") {
        json_parse(data).unwrap_or_default()
    } else if mime.starts_with("text/plain") {
        json_parse(data).unwrap_or_else(|| handle_binary(data))
    } else if mime.starts_with("application/x-amf") {
        return None;
    } else {
        handle_binary(data)
    };
    Some(truncate_chars(query))
}

/// `query[:MAX_QUERY_LENGTH]`, counted in characters as Python slices a `str`.
fn truncate_chars(query: String) -> String {
    match query.char_indices().nth(MAX_QUERY_LENGTH) {
        Some((cut, _)) => query[..cut].to_owned(),
        None => query,
    }
}

/// Python `int(text)` for a header value; `None` where it raises.
fn python_int(text: &str) -> Option<i128> {
    let text = text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c));
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i128 = 0;
    let mut prev_underscore = true;
    for c in digits.chars() {
        if c == '_' {
            if prev_underscore {
                return None;
            }
            prev_underscore = true;
            continue;
        }
        let digit = c.to_digit(10)?;
        value = value.saturating_mul(10).saturating_add(i128::from(digit));
        prev_underscore = false;
    }
    if prev_underscore {
        return None;
    }
    Some(if negative { -value } else { value })
}

fn handle_binary(data: &[u8]) -> String {
    let mut out = String::from("__wb_post_data=");
    base64::engine::general_purpose::STANDARD.encode_string(data, &mut out);
    out
}

/// `urllib.parse.unquote_plus` on a `str`.
fn unquote_plus(text: &str) -> String {
    let text = text.replace('+', " ");
    if !text.contains('%') {
        return text;
    }
    // ASCII runs are percent-decoded and decoded as UTF-8 with replacement;
    // non-ASCII characters pass through.
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let ascii_len = rest.bytes().take_while(u8::is_ascii).count();
        if ascii_len > 0 {
            let mut bytes = Vec::with_capacity(ascii_len);
            crate::surt::unquote_to_bytes(&rest.as_bytes()[..ascii_len], &mut bytes);
            out.push_str(&String::from_utf8_lossy(&bytes));
            rest = &rest[ascii_len..];
        }
        let other_len = rest.find(|c: char| c.is_ascii()).unwrap_or(rest.len());
        out.push_str(&rest[..other_len]);
        rest = &rest[other_len..];
    }
    out
}

/// `urllib.parse.quote_plus` of UTF-8 bytes (`safe=''`).
fn quote_plus_bytes(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in bytes {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-' | b'~') {
            out.push(char::from(byte));
        } else if byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
}

// ---------------------------------------------------------------------------
// JSON bodies: Python's `json.loads` and cdxj-indexer's `json_parse`.
// ---------------------------------------------------------------------------

/// A Python `str`: code points, lone surrogates allowed.
type PyStr = Vec<u32>;

enum Json {
    Object(Vec<(PyStr, Json)>),
    Array(Vec<Json>),
    Str(PyStr),
    /// Already in Python's `str()` form (`True`, `None`, `1.5e-05`, …).
    Scalar(String),
}

/// Why `json.loads` failed: `Decode` is `JSONDecodeError` (which the line
/// fallback catches), `Other` any other exception.
enum JsonError {
    Decode,
    Other,
}

/// Nesting beyond this raises `RecursionError` in CPython (approximately).
const MAX_DEPTH: usize = 900;

/// `json_parse`: `None` where the Python function raises.
fn json_parse(data: &[u8]) -> Option<String> {
    let mut flat = Flattener::default();
    match json_loads(data) {
        Ok(value) => flat.walk(&value, &[], 0)?,
        Err(JsonError::Other) => return None,
        Err(JsonError::Decode) => {
            if !data.contains(&b'\n') {
                return None;
            }
            for line in data.split(|&b| b == b'\n') {
                let value = json_loads(line).ok()?;
                flat.walk(&value, &[], 0)?;
            }
        }
    }
    flat.urlencode()
}

#[derive(Default)]
struct Flattener {
    data: Vec<(PyStr, PyStr)>,
    index: std::collections::HashMap<PyStr, usize>,
    dupes: std::collections::HashMap<PyStr, u64>,
}

impl Flattener {
    fn walk(&mut self, value: &Json, name: &[u32], depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match value {
            Json::Object(members) => {
                for (key, member) in members {
                    self.walk(member, key, depth + 1)?;
                }
            }
            Json::Array(items) => {
                for item in items {
                    self.walk(item, name, depth + 1)?;
                }
            }
            Json::Str(text) if !name.is_empty() => self.insert(name, text.clone()),
            Json::Scalar(text) if !name.is_empty() => {
                self.insert(name, text.chars().map(u32::from).collect());
            }
            Json::Str(_) | Json::Scalar(_) => {}
        }
        Some(())
    }

    fn insert(&mut self, name: &[u32], value: PyStr) {
        let key = if self.index.contains_key(name) {
            let count = self.dupes.entry(name.to_vec()).or_insert(1);
            *count += 1;
            let mut key = name.to_vec();
            key.extend(format!(".{count}_").chars().map(u32::from));
            key
        } else {
            name.to_vec()
        };
        match self.index.get(&key) {
            Some(&i) => self.data[i].1 = value,
            None => {
                self.index.insert(key.clone(), self.data.len());
                self.data.push((key, value));
            }
        }
    }

    /// `urlencode(data)`; `None` when a string holds a lone surrogate.
    fn urlencode(&self) -> Option<String> {
        let mut out = String::new();
        let mut buf = Vec::new();
        for (i, (key, value)) in self.data.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            for (j, text) in [key, value].into_iter().enumerate() {
                if j == 1 {
                    out.push('=');
                }
                buf.clear();
                for &cp in text {
                    let c = char::from_u32(cp)?;
                    buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                quote_plus_bytes(&buf, &mut out);
            }
        }
        Some(out)
    }
}

/// `json.loads(bytes)`: encoding detection, `surrogatepass` decoding, parsing.
fn json_loads(data: &[u8]) -> Result<Json, JsonError> {
    let text = decode_json_bytes(data).ok_or(JsonError::Other)?;
    let mut parser = JsonParser {
        text: &text,
        pos: 0,
    };
    parser.skip_ws();
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != text.len() {
        return Err(JsonError::Decode);
    }
    Ok(value)
}

/// `json.detect_encoding` and `bytes.decode(encoding, 'surrogatepass')`.
fn decode_json_bytes(data: &[u8]) -> Option<Vec<u32>> {
    let utf32 = |bytes: &[u8], big: bool| -> Option<Vec<u32>> {
        if !bytes.len().is_multiple_of(4) {
            return None;
        }
        bytes
            .chunks_exact(4)
            .map(|c| {
                let cp = if big {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                (cp <= 0x10FFFF).then_some(cp)
            })
            .collect()
    };
    let utf16 = |bytes: &[u8], big: bool| -> Option<Vec<u32>> {
        if !bytes.len().is_multiple_of(2) {
            return None;
        }
        let units = bytes.chunks_exact(2).map(|c| {
            if big {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        Some(
            char::decode_utf16(units)
                .map(|r| r.map_or_else(|e| u32::from(e.unpaired_surrogate()), u32::from))
                .collect(),
        )
    };
    if let Some(rest) = data.strip_prefix(&[0, 0, 0xFE, 0xFF]) {
        return utf32(rest, true);
    }
    if let Some(rest) = data.strip_prefix(&[0xFF, 0xFE, 0, 0]) {
        return utf32(rest, false);
    }
    if let Some(rest) = data.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, true);
    }
    if let Some(rest) = data.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, false);
    }
    if let Some(rest) = data.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8_surrogatepass(rest);
    }
    if data.len() >= 4 {
        if data[0] == 0 {
            return if data[1] != 0 {
                utf16(data, true)
            } else {
                utf32(data, true)
            };
        }
        if data[1] == 0 {
            return if data[2] != 0 || data[3] != 0 {
                utf16(data, false)
            } else {
                utf32(data, false)
            };
        }
    } else if data.len() == 2 {
        if data[0] == 0 {
            return utf16(data, true);
        }
        if data[1] == 0 {
            return utf16(data, false);
        }
    }
    utf8_surrogatepass(data)
}

/// Strict UTF-8 that also accepts encoded surrogates (`ED A0..BF xx`).
fn utf8_surrogatepass(data: &[u8]) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let b0 = data[i];
        if b0 < 0x80 {
            out.push(u32::from(b0));
            i += 1;
            continue;
        }
        if b0 == 0xED
            && let (Some(&b1), Some(&b2)) = (data.get(i + 1), data.get(i + 2))
            && (0xA0..=0xBF).contains(&b1)
            && (0x80..=0xBF).contains(&b2)
        {
            out.push(0xD000 | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F));
            i += 3;
            continue;
        }
        let width = match b0 {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return None,
        };
        let chunk = data.get(i..i + width)?;
        let c = std::str::from_utf8(chunk).ok()?.chars().next()?;
        out.push(u32::from(c));
        i += width;
    }
    Some(out)
}

struct JsonParser<'a> {
    text: &'a [u32],
    pos: usize,
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u32> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(0x20 | 0x09 | 0x0A | 0x0D)) {
            self.pos += 1;
        }
    }

    fn starts_with(&self, literal: &str) -> bool {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        rest.len() >= literal.len() && literal.chars().zip(rest).all(|(c, &cp)| u32::from(c) == cp)
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::Other);
        }
        let Some(c) = self.peek() else {
            return Err(JsonError::Decode);
        };
        let literals: [(&str, &str); 6] = [
            ("null", "None"),
            ("true", "True"),
            ("false", "False"),
            ("NaN", "nan"),
            ("Infinity", "inf"),
            ("-Infinity", "-inf"),
        ];
        for (literal, python) in literals {
            if self.starts_with(literal) {
                self.pos += literal.chars().count();
                return Ok(Json::Scalar(python.to_owned()));
            }
        }
        match char::from_u32(c) {
            Some('"') => self.string().map(Json::Str),
            Some('{') => self.object(depth),
            Some('[') => self.array(depth),
            Some('-' | '0'..='9') => self.number(),
            _ => Err(JsonError::Decode),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        let mut members: Vec<(PyStr, Json)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(u32::from('}')) {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            if self.peek() != Some(u32::from('"')) {
                return Err(JsonError::Decode);
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(u32::from(':')) {
                return Err(JsonError::Decode);
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            // A repeated key keeps its first position and takes the last value.
            match members.iter_mut().find(|(existing, _)| *existing == key) {
                Some(slot) => slot.1 = value,
                None => members.push((key, value)),
            }
            self.skip_ws();
            match self.peek().and_then(char::from_u32) {
                Some(',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some('}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(JsonError::Decode),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(u32::from(']')) {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek().and_then(char::from_u32) {
                Some(',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(JsonError::Decode),
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.get(at..at + 4)?;
        digits.iter().try_fold(0u32, |acc, &d| {
            Some(acc * 16 + char::from_u32(d)?.to_digit(16)?)
        })
    }

    fn string(&mut self) -> Result<PyStr, JsonError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or(JsonError::Decode)?;
            self.pos += 1;
            match c {
                0x22 => return Ok(out),
                0x5C => {
                    let escape = self.peek().ok_or(JsonError::Decode)?;
                    self.pos += 1;
                    let decoded = match char::from_u32(escape) {
                        Some('"') => 0x22,
                        Some('\\') => 0x5C,
                        Some('/') => 0x2F,
                        Some('b') => 0x08,
                        Some('f') => 0x0C,
                        Some('n') => 0x0A,
                        Some('r') => 0x0D,
                        Some('t') => 0x09,
                        Some('u') => {
                            let unit = self.hex4(self.pos).ok_or(JsonError::Decode)?;
                            self.pos += 4;
                            if (0xD800..=0xDBFF).contains(&unit)
                                && self.text.get(self.pos) == Some(&0x5C)
                                && self.text.get(self.pos + 1) == Some(&u32::from('u'))
                            {
                                let low = self.hex4(self.pos + 2).ok_or(JsonError::Decode)?;
                                if (0xDC00..=0xDFFF).contains(&low) {
                                    self.pos += 6;
                                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                } else {
                                    unit
                                }
                            } else {
                                unit
                            }
                        }
                        _ => return Err(JsonError::Decode),
                    };
                    out.push(decoded);
                }
                c if c < 0x20 => return Err(JsonError::Decode),
                c => out.push(c),
            }
        }
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        let is_digit = |c: Option<u32>| c.is_some_and(|c| (0x30..=0x39).contains(&c));
        if self.peek() == Some(u32::from('-')) {
            self.pos += 1;
        }
        match self.peek() {
            Some(0x30) => self.pos += 1,
            c if is_digit(c) => {
                while is_digit(self.peek()) {
                    self.pos += 1;
                }
            }
            _ => return Err(JsonError::Decode),
        }
        let int_end = self.pos;
        let mut is_float = false;
        if self.peek() == Some(u32::from('.')) && is_digit(self.text.get(self.pos + 1).copied()) {
            self.pos += 1;
            while is_digit(self.peek()) {
                self.pos += 1;
            }
            is_float = true;
        }
        if matches!(self.peek(), Some(0x65 | 0x45)) {
            let mut pos = self.pos + 1;
            if matches!(self.text.get(pos), Some(0x2B | 0x2D)) {
                pos += 1;
            }
            if is_digit(self.text.get(pos).copied()) {
                while is_digit(self.text.get(pos).copied()) {
                    pos += 1;
                }
                self.pos = pos;
                is_float = true;
            }
        }
        // Only ASCII digits and signs were consumed.
        let numstr: String = self.text[start..self.pos]
            .iter()
            .filter_map(|&c| char::from_u32(c))
            .collect();
        if !is_float {
            let digits = int_end - start - usize::from(numstr.starts_with('-'));
            if digits > 4300 {
                return Err(JsonError::Other);
            }
            return Ok(Json::Scalar(if numstr == "-0" {
                "0".to_owned()
            } else {
                numstr
            }));
        }
        let value: f64 = numstr.parse().map_err(|_| JsonError::Decode)?;
        Ok(Json::Scalar(python_float_repr(value)))
    }
}

/// Python's `repr(float)`.
fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    let sci = format!("{:e}", value.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let decpt = exponent + 1;
    let mut out = String::new();
    if value.is_sign_negative() {
        out.push('-');
    }
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let exp = decpt - 1;
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(decpt.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let decpt = decpt.unsigned_abs() as usize;
        if decpt >= digits.len() {
            out.push_str(&digits);
            out.push_str(&"0".repeat(decpt - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// multipart/form-data: the `multipart` 2.0.1 parser, as cdxj-indexer calls it.
// ---------------------------------------------------------------------------

struct Part {
    name: String,
    filename: Option<String>,
    charset: Option<String>,
    body: Vec<u8>,
}

/// The url-encoded fields of a multipart body; `None` where the Python raises.
fn multipart_query(data: &[u8], boundary: &str) -> Option<String> {
    let parts = multipart_parts(data, boundary.as_bytes())?;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        quote_plus_bytes(part.name.as_bytes(), &mut out);
        out.push('=');
        if part.filename.as_deref().is_some_and(|f| !f.is_empty()) {
            quote_plus_bytes(&part.body, &mut out);
        } else {
            let text = decode_charset(&part.body, part.charset.as_deref().unwrap_or("utf8"))?;
            quote_plus_bytes(text.as_bytes(), &mut out);
        }
    }
    Some(out)
}

/// `bytes.decode(charset)` for the charsets forms use; `None` otherwise.
fn decode_charset(bytes: &[u8], charset: &str) -> Option<String> {
    let name: String = charset
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == '-' || c == ' ' { '_' } else { c })
        .collect();
    match name.as_str() {
        "utf8" | "utf_8" | "u8" | "utf" | "cp65001" => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        "latin1" | "latin_1" | "iso_8859_1" | "iso8859_1" | "8859" | "cp819" | "l1" | "latin" => {
            Some(bytes.iter().map(|&b| char::from(b)).collect())
        }
        "ascii" | "us_ascii" | "646" => bytes
            .is_ascii()
            .then(|| String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// `PushMultipartParser` over the whole body (non-strict, default limits).
fn multipart_parts(buffer: &[u8], boundary: &[u8]) -> Option<Vec<Part>> {
    const MAX_HEADER_SIZE: usize = 4096 + 128;
    const MAX_HEADER_COUNT: usize = 8;
    const MAX_SEGMENTS: usize = 128;
    if boundary.is_empty() || boundary.contains(&b'\n') {
        return None;
    }
    let mut delimiter = b"\r\n--".to_vec();
    delimiter.extend_from_slice(boundary);
    let d_len = delimiter.len();
    if buffer.len() < d_len {
        return None;
    }
    // Preamble: the first delimiter, CRLF optional.
    let index = find(buffer, &delimiter[2..], 0)?;
    if index > 0 && (index < 2 || &buffer[index - 2..index] != b"\r\n") {
        return None;
    }
    let next_start = index + d_len;
    match buffer.get(next_start - 2..next_start)? {
        b"\r\n" => {}
        b"--" => return Some(Vec::new()),
        _ => return None,
    }
    let mut offset = next_start;
    let mut parts = Vec::new();
    loop {
        if parts.len() + 1 > MAX_SEGMENTS {
            return None;
        }
        // Headers.
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let nl = find(buffer, b"\r\n", offset)?;
            if nl == offset {
                offset += 2;
                break;
            }
            let mut line = buffer[offset..nl].to_vec();
            offset = nl + 2;
            if line[0] == b' ' || line[0] == b'\t' {
                let (name, value) = headers.pop()?;
                if line
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
                {
                    return None;
                }
                let mut joined = format!("{name}: {value} ").into_bytes();
                joined.extend_from_slice(&line[1..]);
                line = joined;
            }
            if line.len() > MAX_HEADER_SIZE || headers.len() >= MAX_HEADER_COUNT {
                return None;
            }
            let line = String::from_utf8(line).ok()?;
            let (name, value) = line.split_once(':')?;
            let known = [
                "Content-Disposition",
                "Content-Type",
                "Content-Length",
                "Content-Range",
            ];
            let name = if known.contains(&name) {
                name.to_owned()
            } else {
                let titled = python_title(name.trim());
                let valid = !titled.is_empty()
                    && titled
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !known.contains(&titled.as_str()) && !valid {
                    return None;
                }
                titled
            };
            let value = value.trim_start_matches([' ', '\t']).to_owned();
            if name == "Content-Length" {
                // Only an exact unsigned decimal is accepted.
                let ok = !value.is_empty()
                    && value.bytes().all(|b| b.is_ascii_digit())
                    && (value == "0" || !value.starts_with('0'));
                if !ok || headers.iter().any(|(n, _)| n == "Content-Length") {
                    return None;
                }
            }
            headers.push((name, value));
        }
        let mut disposition = None;
        let mut name = None;
        let mut filename = None;
        let mut charset = None;
        let mut limit = None;
        for (header, value) in &headers {
            match header.as_str() {
                "Content-Disposition" => {
                    let parsed = parse_content_disposition(value);
                    disposition = Some(parsed.0);
                    name = parsed.1;
                    filename = parsed.2;
                }
                "Content-Type" => {
                    let (_, options) = parse_options_header(value, false);
                    charset = options
                        .into_iter()
                        .rev()
                        .find(|(k, _)| k == "charset")
                        .map(|(_, v)| v);
                }
                "Content-Length" => limit = value.parse::<usize>().ok(),
                _ => {}
            }
        }
        if disposition.as_deref() != Some("form-data") {
            return None;
        }
        // Body up to the next delimiter.
        let index = find(buffer, &delimiter, offset)?;
        let body = buffer[offset..index].to_vec();
        if limit.is_some_and(|limit| body.len() != limit) {
            return None;
        }
        parts.push(Part {
            name: name.unwrap_or_default(),
            filename,
            charset: charset.filter(|c| !c.is_empty()),
            body,
        });
        let next_start = index + d_len + 2;
        match buffer.get(next_start - 2..next_start)? {
            b"\r\n" => offset = next_start,
            b"--" => return Some(parts),
            _ => return None,
        }
    }
}

/// Python `str.title()` for header names (ASCII).
fn python_title(text: &str) -> String {
    let mut prev_cased = false;
    text.chars()
        .map(|c| {
            let out = if c.is_alphabetic() {
                if prev_cased {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            } else {
                c
            };
            prev_cased = c.is_alphabetic();
            out
        })
        .collect()
}

/// `multipart.parse_content_disposition`: `(disposition, name, filename)`.
fn parse_content_disposition(value: &str) -> (String, Option<String>, Option<String>) {
    let split: Vec<&str> = value.splitn(5, '"').collect();
    if split[0] == "form-data; name=" && split.last() == Some(&"") {
        if split.len() == 3 {
            let name = if split[1].contains('%') {
                content_disposition_unquote(split[1], false)
            } else {
                split[1].to_owned()
            };
            return ("form-data".to_owned(), Some(name), None);
        }
        if split.len() == 5 && split[2] == "; filename=" {
            let name = if split[1].contains('%') {
                content_disposition_unquote(split[1], false)
            } else {
                split[1].to_owned()
            };
            let filename = if split[3].contains('%') || split[3].contains('\\') {
                content_disposition_unquote(split[3], true)
            } else {
                split[3].to_owned()
            };
            return ("form-data".to_owned(), Some(name), Some(filename));
        }
    }
    let (disposition, options) = parse_options_header(value, true);
    let last = |key: &str| {
        options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    (disposition, last("name"), last("filename"))
}

fn content_disposition_unquote(value: &str, filename: bool) -> String {
    let html5 = |v: &str| {
        v.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%22", "\"")
    };
    let mut val = if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        let inner = &value[1..value.len() - 1];
        if inner.contains("\\\"") {
            inner.replace("\\\\", "\\").replace("\\\"", "\"")
        } else if inner.contains('%') {
            html5(inner)
        } else {
            inner.to_owned()
        }
    } else if value == "\"" {
        // `val[0] == val[-1] == '"'` holds for a lone quote too.
        String::new()
    } else if value.contains('%') {
        html5(value)
    } else {
        value.to_owned()
    };
    if filename && (val.chars().skip(1).take(2).eq(":\\".chars()) || val.starts_with("\\\\")) {
        val = val.rsplit('\\').next().unwrap_or_default().to_owned();
    }
    val
}

fn header_unquote(value: &str, filename: bool) -> String {
    let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
    if !quoted && value != "\"" {
        return value.to_owned();
    }
    let mut inner = if value == "\"" {
        ""
    } else {
        &value[1..value.len() - 1]
    };
    if filename && (inner.chars().skip(1).take(2).eq(":\\".chars()) || inner.starts_with("\\\\")) {
        inner = inner.rsplit('\\').next().unwrap_or_default();
    }
    inner.replace("\\\\", "\\").replace("\\\"", "\"")
}

/// `multipart.parse_options_header`: lower-cased main value and the options in
/// order (later duplicates win when looked up from the end).
fn parse_options_header(header: &str, disposition: bool) -> (String, Vec<(String, String)>) {
    let Some(semi) = header.find(';') else {
        return (header.to_lowercase().trim().to_owned(), Vec::new());
    };
    let mut options = Vec::new();
    let bytes = header.as_bytes();
    let mut pos = semi;
    while pos < bytes.len() {
        match match_option(bytes, pos) {
            Some((key_range, value_range, end)) => {
                let key = header[key_range].to_ascii_lowercase();
                let raw = &header[value_range];
                let is_filename = key == "filename";
                let value = if disposition {
                    content_disposition_unquote(raw, is_filename)
                } else {
                    header_unquote(raw, is_filename)
                };
                options.push((key, value));
                pos = end.max(pos + 1);
            }
            None => pos += 1,
        }
    }
    (header[..semi].to_lowercase().trim().to_owned(), options)
}

type Span = std::ops::Range<usize>;

/// `; *([a-zA-Z0-9-_]+) *= *("[^\\"]*"|token|"(?:\\.|[^\\"])*")` at `pos`.
fn match_option(s: &[u8], pos: usize) -> Option<(Span, Span, usize)> {
    let spaces = |mut i: usize| {
        while s.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    if s.get(pos) != Some(&b';') {
        return None;
    }
    let key_start = spaces(pos + 1);
    let mut i = key_start;
    while s
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        i += 1;
    }
    if i == key_start {
        return None;
    }
    let key = key_start..i;
    let i = spaces(i);
    if s.get(i) != Some(&b'=') {
        return None;
    }
    let value_start = spaces(i + 1);
    // Simple quoted string.
    if s.get(value_start) == Some(&b'"') {
        let mut j = value_start + 1;
        while s.get(j).is_some_and(|&b| b != b'\\' && b != b'"') {
            j += 1;
        }
        if s.get(j) == Some(&b'"') {
            return Some((key, value_start..j + 1, j + 1));
        }
    }
    // Token.
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"-!#$%&'*+.^_`|~".contains(&b);
    let mut j = value_start;
    while s.get(j).copied().is_some_and(is_token) {
        j += 1;
    }
    if j > value_start {
        return Some((key, value_start..j, j));
    }
    // Quoted string with backslash escapes (`.` does not match a newline);
    // backtracking can end the string at any later quote.
    if s.get(value_start) == Some(&b'"') {
        let mut j = value_start + 1;
        loop {
            match s.get(j) {
                Some(b'"') => return Some((key, value_start..j + 1, j + 1)),
                Some(b'\\') if s.get(j + 1).is_some_and(|&b| b != b'\n') => j += 2,
                Some(b'\\') | None => return None,
                Some(_) => j += 1,
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{append_method_query, post_key, python_float_repr};

    fn check(content_type: &str, body: &[u8], url: &str, key: &str, request_body: &str) {
        let len = body.len().to_string();
        let post = append_method_query("POST", Some(content_type), Some(&len), body, url);
        let Some(post) = post else {
            panic!("POST must be appended");
        };
        assert_eq!(post.request_body.as_deref(), Some(request_body));
        assert_eq!(post_key(url, &post), key);
        assert_eq!(post.method, "POST");
    }

    /// The verified rows of formats.md §2.4.
    #[test]
    fn formats_reference_rows() {
        let form = "application/x-www-form-urlencoded";
        check(
            form,
            b"foo=bar&test=abc",
            "http://httpbin.org/post",
            "org,httpbin)/post?__wb_method=post&foo=bar&test=abc",
            "foo=bar&test=abc",
        );
        check(
            form,
            b"A=1&B=[]&C=3",
            "http://httpbin.org/post",
            "org,httpbin)/post?__wb_method=post&a=1&b=[]&c=3",
            "A=1&B=[]&C=3",
        );
        check(
            form,
            b"data=^",
            "http://httpbin.org/post?foo=bar",
            "org,httpbin)/post?__wb_method=post&data=^&foo=bar",
            "data=^",
        );
        check(
            "application/json",
            br#"{"b":2,"a":"x y","nested":{"k":"v"}}"#,
            "http://example.com/api/x",
            "com,example)/api/x?__wb_method=post&a=x+y&b=2&k=v",
            "b=2&a=x+y&k=v",
        );
    }

    #[test]
    fn bodies() {
        let url = "http://e.com/p";
        let json = "application/json";
        check(
            json,
            br#"{"a":[1,2,{"a":true}],"b":null,"c":1.5e-7,"d":1e16}"#,
            url,
            "com,e)/p?__wb_method=post&a=1&a.2_=2&a.3_=true&b=none&c=1.5e-07&d=1e+16",
            "a=1&a.2_=2&a.3_=True&b=None&c=1.5e-07&d=1e%2B16",
        );
        check(json, b"not json", url, "com,e)/p?__wb_method=post", "");
        check(
            "text/plain",
            b"{\"a\":1}\n{\"b\":\"\xe4\xb8\xad\"}",
            url,
            "com,e)/p?__wb_method=post&a=1&b=%e4%b8%ad",
            "a=1&b=%E4%B8%AD",
        );
        check(
            "text/plain",
            b"\xff\x00",
            url,
            "com,e)/p?__wb_method=post&__wb_post_data=/wa=",
            "__wb_post_data=/wA=",
        );
        check(
            "application/octet-stream",
            b"",
            url,
            "com,e)/p?__wb_method=post&__wb_post_data=",
            "__wb_post_data=",
        );
        check(
            "multipart/form-data; boundary=XX",
            b"--XX\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nhello world\r\n--XX\r\nContent-Disposition: form-data; name=\"up\"; filename=\"a.bin\"\r\n\r\n\x00\xff\r\n--XX--\r\n",
            url,
            "com,e)/p?__wb_method=post&f=hello+world&up=%00%ff",
            "f=hello+world&up=%00%FF",
        );
    }

    #[test]
    fn methods_and_lengths() {
        assert!(append_method_query("GET", None, None, b"", "http://a/").is_none());
        let lower = append_method_query(
            "post",
            Some("application/x-www-form-urlencoded"),
            None,
            b"a=1",
            "http://a/?x",
        );
        assert_eq!(
            lower.as_ref().map(|p| (
                p.append.as_str(),
                p.request_body.as_deref(),
                p.method.as_str()
            )),
            Some(("&__wb_method=post", Some(""), "POST"))
        );
        let bad_len =
            append_method_query("PUT", Some("text/plain"), Some("abc"), b"x", "http://a/");
        assert_eq!(
            bad_len.map(|p| (p.append, p.request_body)),
            Some(("?__wb_method=PUT".to_owned(), None))
        );
        let cut = append_method_query(
            "POST",
            Some("application/x-www-form-urlencoded"),
            Some("3"),
            b"a=12345",
            "http://a/",
        );
        assert_eq!(cut.and_then(|p| p.request_body), Some("a=1".to_owned()));
    }

    #[test]
    fn float_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.5, "1.5"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123.456, "123.456"),
            (1e-300, "1e-300"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(value), expected);
        }
    }
}

//! Golden tests against the reference implementation itself.
//!
//! Each test gathers inputs (real URLs from the shared data folder, bodies and
//! strings made up here), runs `python3` once with the installed
//! `cdxj-indexer` 1.5.0 / `surt` 0.3.1 on all of them, and asserts that the
//! Rust port gives the same bytes. When `../shared` or the Python packages are
//! missing the tests print `SKIPPED` and pass; CI installs both.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::{Value, json};

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Runs `script` with `input` as JSON on stdin; `None` (after a loud message)
/// when Python or its packages are unavailable.
fn python_oracle(test: &str, script: &str, input: &Value) -> Option<Value> {
    let probe = Command::new("python3")
        .args(["-c", "import surt, cdxj_indexer, multipart"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|status| status.success()) {
        eprintln!(
            "SKIPPED: {test}: python3 with surt, cdxj-indexer and multipart is not installed"
        );
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python3");
    let payload = serde_json::to_vec(input).expect("serialise oracle input");
    child
        .stdin
        .take()
        .expect("python stdin")
        .write_all(&payload)
        .expect("write to python3");
    let output = child.wait_with_output().expect("wait for python3");
    assert!(
        output.status.success(),
        "{test}: python oracle failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("oracle output is JSON"))
}

/// Fails with the first mismatches, printed one per line.
fn assert_all_equal(test: &str, mismatches: &[String], compared: usize) {
    if !mismatches.is_empty() {
        let shown: Vec<&str> = mismatches.iter().take(20).map(String::as_str).collect();
        panic!(
            "{test}: {} of {compared} differ from the Python reference; first ones:\n{}",
            mismatches.len(),
            shown.join("\n")
        );
    }
    eprintln!("{test}: {compared} cases identical to the Python reference");
}

/// A minimal RFC 4180 reader: header names to column values.
fn read_csv(path: &Path) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    let mut rows = rows.into_iter();
    let header = rows.next()?;
    Some((header, rows.collect()))
}

fn csv_column(path: &Path, column: &str) -> Vec<String> {
    let Some((header, rows)) = read_csv(path) else {
        return Vec::new();
    };
    let Some(index) = header.iter().position(|name| name == column) else {
        return Vec::new();
    };
    rows.into_iter()
        .filter_map(|mut row| (index < row.len()).then(|| row.swap_remove(index)))
        .collect()
}

/// URL-looking runs in free text (markdown), cut at whitespace and brackets.
fn urls_in_text(text: &str, out: &mut BTreeSet<String>) {
    for (start, _) in text.match_indices("http") {
        let rest = &text[start..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            continue;
        }
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || matches!(c, ')' | ']' | '"' | '>' | '<' | '\'' | '`')
            })
            .unwrap_or(rest.len());
        out.insert(rest[..end].to_owned());
    }
}

fn strings_in_json(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(text) if text.starts_with("http") || text.starts_with("//") => {
            out.insert(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| strings_in_json(item, out)),
        Value::Object(members) => members
            .values()
            .for_each(|member| strings_in_json(member, out)),
        _ => {}
    }
}

fn real_urls(shared: &Path) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    let articles = shared.join("data/deleted-articles");
    let index = articles.join("index.csv");
    for column in ["source_url", "archive_urls"] {
        for cell in csv_column(&index, column) {
            urls.extend(
                cell.split([' ', ';', '|'])
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    if let Ok(entries) = std::fs::read_dir(articles.join("_posts")) {
        for entry in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                urls_in_text(&text, &mut urls);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(shared.join("fixtures/platforms")) {
        for entry in entries.flatten() {
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
                strings_in_json(&value, &mut urls);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(shared.join("data/weibo-hot-search")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("snapshots_") && name.ends_with(".csv") {
                for path in csv_column(&entry.path(), "url") {
                    urls.insert(format!("https://s.weibo.com{path}"));
                }
            }
        }
    }
    urls
}

fn synthetic_urls() -> Vec<String> {
    let sid = "0123456789ABCDEFabcdef0123456789";
    let mut urls: Vec<String> = [
        "",
        " ",
        "\t",
        "   http://example.com/  ",
        "http://exa\nmple.com/a\tb",
        "filedesc://x.arc",
        "http://example.com",
        "http://example.com/",
        "http://example.com?",
        "http://example.com/?",
        "http://example.com/#",
        "http://example.com/#frag?x",
        "http://example.com/a?#x",
        "http://example.com:80/",
        "http://example.com:8080/",
        "https://example.com:80/",
        "http://example.com:0/",
        "http://example.com:65535/",
        "http://example.com:65536/",
        "http://example.com:+80/",
        "http://example.com:８０/",
        "http://example.com::80/",
        "http://example.com:/",
        "http://user:pass@example.com/",
        "http://user@www.example.com:443/",
        "http://a@b@example.com/",
        "http://[::1]/",
        "http://[2001:DB8::1]:8443/x",
        "http://[::1/",
        "http://[fe80::1%25eth0]/",
        "http://Example.COM./",
        "http://..example..com../",
        "http://www.example.com/",
        "http://www1.example.com/",
        "http://www.www.example.com/",
        "http://www/",
        "http://www./",
        "http://wwwexample.com/",
        "http://WWW2.EXAMPLE.COM/",
        "http://192.168.0.1/",
        "http://192.168.0.1:80/",
        "http://3232235521/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://1.2.3.4.5/",
        "http://256.1.1.1/",
        "http://08.1.1.1/",
        "http://1.2.3.999/",
        "http://0/",
        "http://4294967296/",
        "http://99999999999999999999999/",
        "http://中国.cn/",
        "http://中国。cn/",
        "http://ÄÖÜ.de/",
        "http://straße.de/",
        "http://xn--fiqs8s.cn/",
        "http://%E4%B8%AD%E5%9B%BD.cn/",
        "http://ex%41mple.com/",
        "http://a%ffb.com/",
        "http://a%2Eb.com/",
        "http://%77ww.a.com/",
        "http://a..中.cn/",
        "http://ab\u{ad}.com/",
        "http://℡.com/",
        "http://😀.com/",
        "http://مثال.إختبار/",
        "http://a\u{5d0}.com/",
        "http://例え.テスト/",
        "http://Ｅｘａｍｐｌｅ.com/",
        "http://example.com/%7Euser",
        "http://example.com/%7euser",
        "http://example.com/a%2Fb",
        "http://example.com/a%252Fb",
        "http://example.com/%zz",
        "http://example.com/%",
        "http://example.com/%%41",
        "http://example.com/a b",
        "http://example.com/a%20b",
        "http://example.com/a+b",
        "http://example.com/中文/路径",
        "http://example.com/%E4%B8%AD",
        "http://example.com/%e4%b8",
        "http://example.com/a/./b/../c",
        "http://example.com/../a",
        "http://example.com/a/..",
        "http://example.com//a///b//",
        "http://example.com/a/.",
        "http://example.com/.../a",
        "http://example.com/A/B/C.HTML",
        "http://example.com/a;b=C?x=Y",
        "http://example.com/a%3Fb?c",
        "http://example.com/a%23b",
        "http://example.com/?q=%23tag%23",
        "http://example.com/?q=a%26b=c",
        "http://example.com/?b=2&a=1",
        "http://example.com/?a=2&a=1&a",
        "http://example.com/?&&",
        "http://example.com/?=",
        "http://example.com/?a",
        "http://example.com/?A=1&a=0",
        "http://example.com/?q=%5B1%5D",
        "http://example.com/?q=[1]",
        "http://example.com/?q=中",
        "http://example.com/?q=a+b",
        "http://example.com/?q=a b",
        "http://example.com/?q=%2B",
        "http://example.com/?q=%00",
        "http://example.com/?q=%7F",
        "http://example.com/?q=\"<>\"",
        "http://example.com/?q=`{|}`",
        "http://example.com/?q=a%25b",
        "http://example.com/?q=%2525",
        "http://example.com/(abcdefghijklmnopqrstuvwx)/default.aspx",
        "http://example.com/(s(abcdefghijklmnopqrstuvwx))/page.aspx?x=1",
        "http://example.com/(a(abcdefghijklmnopqrstuvwx)f(abcdefghijklmnopqrstuvwx))/p.aspx",
        "http://example.com/x/(abcdefghijklmnopqrstuvwx)/y?z.aspx",
        "http://example.com/?cfid=123&cftoken=abc&x=1",
        "http://example.com/?x=1&cfid=1&cftoken=2",
        "http://example.com/?ASPSESSIONIDabcdefgh=abcdefghijklmnopqrstuvwx&x=1",
        "http://example.com/?x=1&jsessionid=",
        "HTTP://EXAMPLE.COM/A",
        "Http://example.com/",
        "https://https://example.com/",
        "http://http://http://example.com/",
        "http:/example.com/",
        "http:example.com/",
        "http:///example.com/",
        "http:////example.com/",
        "https:////a/b",
        "example.com",
        "example.com/path",
        "example.com:8080/path",
        "localhost:8080",
        "//example.com/a",
        "/relative/path",
        "?q=1",
        "#frag",
        "a",
        "%",
        "%41",
        "http://",
        "https://",
        "http://:80/",
        "http://@/",
        "http://./",
        "http://../",
        "http://%20/",
        "http://a b.com/",
        "ftp://ftp.Example.com:21/Pub/",
        "ftp://example.com/a/../b",
        "dns:www.Example.com",
        "dns:example.com",
        "urn:text:https://Example.com/A",
        "URN:UUID:ABC",
        "mailto:A@B.com",
        "data:text/plain,Hello%20World",
        "javascript:alert(1)",
        "about:blank",
        "file:///C:/x",
        "urn:metrics:https://www.bilibili.com/video/BV117411r7R1",
        "ws://example.com:80/",
        "wss://x.com:443/",
        "https://www.bilibili.com/video/BV1xx411c7mQ?p=2&spm_id_from=333.1007",
        "https://weibo.com/1669879400/HyZVegYAP",
        "https://m.weibo.cn/status/4321?sudaref=a",
        "https://www.zhihu.com/api/v4/questions/1/answers?include=data%5B*%5D.content&limit=20",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    urls.push(format!("http://example.com/?PHPSESSID={sid}&b=1"));
    urls.push(format!("http://example.com/?b=1&jsessionid={sid}"));
    urls.push(format!("http://example.com/?b=1&sid={sid}&c=2"));
    urls.push(format!("http://example.com/?xsid={sid}"));
    urls.push(format!("http://example.com/?sid={sid}x"));
    urls.push(format!("http://example.com/?sid={sid}&"));
    urls.push(format!(
        "http://example.com/?a=1&phpsessid={sid}&sid={sid}&z"
    ));
    urls.push(format!("http://example.com/;jsessionid={sid}?x=1"));
    urls.push(format!("http://{}.com/", "a".repeat(64)));
    urls.push(format!("http://{}.com/", "a".repeat(63)));
    urls.push(format!("http://{}中.com/", "a".repeat(60)));
    urls.push(format!("http://example.com/{}", "x/".repeat(2000)));
    urls.push(format!("http://example.com/?{}", "k=v&".repeat(2000)));
    // A small cross product of hosts, paths and queries.
    let hosts = [
        "www.Example.org",
        "sub.example.org:8080",
        "中文.org",
        "10.0.0.1",
        "user@host",
    ];
    let paths = ["", "/", "/A/b/", "/a/../b", "/%41%2f", "/x.html"];
    let queries = ["", "?", "?b=1&a=2", "?q=%E4%B8%AD&x", "?z&y=&x=1#f"];
    for scheme in ["http", "https"] {
        for host in hosts {
            for path in paths {
                for query in queries {
                    urls.push(format!("{scheme}://{host}{path}{query}"));
                }
            }
        }
    }
    urls
}

/// Deterministic random URLs glued from pieces that exercise every rule.
fn random_urls(count: usize) -> Vec<String> {
    const PIECES: &[&str] = &[
        "http://",
        "https://",
        "HTTP://",
        "www.",
        "www2.",
        "example",
        ".com",
        ".",
        "..",
        "/",
        "//",
        "/../",
        "/./",
        "?",
        "&",
        "=",
        "#",
        ":",
        ":80",
        ":443",
        ":8080",
        "@",
        "[",
        "]",
        "%",
        "%2",
        "%25",
        "%41",
        "%e4%b8%ad",
        "%E4",
        "%20",
        "%2F",
        "%23",
        "%3F",
        "%5B",
        "%5D",
        "中",
        "é",
        "ß",
        "😀",
        " ",
        "\t",
        "A",
        "Z",
        "a",
        "0",
        "1",
        "255",
        "sid=",
        ";",
        "+",
        "xn--",
        "-",
        "_",
        "~",
        "(",
        ")",
        ".aspx",
        "\"",
        "'",
        "jsessionid=",
        "0123456789abcdef0123456789abcdef",
        "\u{ad}",
        "\u{3002}",
        "１",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = 1 + next() % 12;
            (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect()
        })
        .collect()
}

const SURT_ORACLE: &str = r#"
import json, sys
from cdxj_indexer.main import CDXJIndexer
urls = json.load(sys.stdin)
json.dump([CDXJIndexer.get_url_key(None, u) for u in urls], sys.stdout)
"#;

#[test]
fn surt_matches_cdxj_indexer() {
    let shared = shared_dir();
    if !shared.join("data").is_dir() {
        eprintln!(
            "SKIPPED: surt_matches_cdxj_indexer: {} not found",
            shared.display()
        );
        return;
    }
    let real = real_urls(&shared);
    assert!(
        real.len() > 1000,
        "expected thousands of real URLs, found {}",
        real.len()
    );
    eprintln!(
        "surt: {} distinct real URLs from {}",
        real.len(),
        shared.display()
    );
    let mut urls: Vec<String> = real.into_iter().collect();
    urls.extend(synthetic_urls());
    urls.extend(random_urls(3000));
    let Some(expected) = python_oracle("surt", SURT_ORACLE, &json!(urls)) else {
        return;
    };
    let expected = expected.as_array().expect("list of keys");
    assert_eq!(expected.len(), urls.len());
    let mismatches: Vec<String> = urls
        .iter()
        .zip(expected)
        .filter_map(|(url, want)| {
            let got = annals_cdxj::surt(url);
            (Some(got.as_str()) != want.as_str())
                .then(|| format!("  url {url:?}\n    python {want}\n    rust   {got:?}"))
        })
        .collect();
    assert_all_equal("surt", &mismatches, urls.len());
}

const POST_ORACLE: &str = r#"
import base64, contextlib, io, json, sys
from cdxj_indexer.main import CDXJIndexer
from cdxj_indexer.postquery import append_method_query
out = []
for case in json.load(sys.stdin):
    method, ctype, clen, body, url = case
    body = base64.b64decode(body)
    if method.upper() not in ("POST", "PUT"):
        out.append(None)
        continue
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            query, append = append_method_query(method, ctype, clen, io.BytesIO(body), url)
    except Exception as err:
        out.append({"raised": type(err).__name__})
        continue
    out.append({"requestBody": query, "append": append, "method": method.upper(),
                "key": CDXJIndexer.get_url_key(None, url + append)})
json.dump(out, sys.stdout)
"#;

struct PostCase {
    method: &'static str,
    content_type: Option<&'static str>,
    content_length: Option<String>,
    body: Vec<u8>,
    url: &'static str,
}

fn post_cases() -> Vec<PostCase> {
    let form = Some("application/x-www-form-urlencoded");
    let form_utf8 = Some("application/x-www-form-urlencoded; charset=UTF-8");
    let json_type = Some("application/json");
    let json_utf8 = Some("application/json;charset=utf-8");
    let text = Some("text/plain;charset=UTF-8");
    let multipart = Some("multipart/form-data; boundary=----WebKitFormBoundaryX");
    let url = "https://api.example.com/v1/x";
    let url_q = "https://api.example.com/v1/x?a=1&Z=2";
    let mut bodies: Vec<(Option<&'static str>, Vec<u8>)> = vec![
        (form, b"foo=bar&test=abc".to_vec()),
        (form, b"A=1&B=[]&C=3".to_vec()),
        (form, b"q=%E4%B8%AD%E6%96%87&x=a+b%2Bc".to_vec()),
        (form, b"q=%E4%B8&r=%ZZ&s=%".to_vec()),
        (form, "q=中%E6%96%87%E4&x".as_bytes().to_vec()),
        (form, b"a=%23frag&b=%3F".to_vec()),
        (form, b"\xff\xfe".to_vec()),
        (form, b"".to_vec()),
        (form_utf8, b"k=v&k=w".to_vec()),
        (form, "x=".repeat(3000).into_bytes()),
        (form, "é".repeat(5000).into_bytes()),
        (json_type, br#"{"b":2,"a":"x y","nested":{"k":"v"}}"#.to_vec()),
        (json_type, br#"{"a":[1,2,[3,{"a":4}]],"a.2_":"x","b":{"a":5}}"#.to_vec()),
        (json_type, br#"{"x":1,"x":2,"y":{"x":3}}"#.to_vec()),
        (json_type, br#"{"t":true,"f":false,"n":null,"i":-0,"big":123456789012345678901234567890}"#.to_vec()),
        (json_type, br#"{"f":[1.0,0.1,1e5,1E-7,-2.5e+300,1e400,123456789.123456789]}"#.to_vec()),
        (json_type, br#"{"n":NaN,"i":Infinity,"m":-Infinity}"#.to_vec()),
        (json_type, "{\"中文\":\"值 &=+/?#\",\"emoji\":\"😀\",\"esc\":\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\"}".as_bytes().to_vec()),
        (json_type, br#"{"lone":"\ud800"}"#.to_vec()),
        (json_type, br#"{"":1,"e":""}"#.to_vec()),
        (json_type, br#"[1,2,{"a":1}]"#.to_vec()),
        (json_type, br#""just a string""#.to_vec()),
        (json_type, b"42".to_vec()),
        (json_type, br#"{"a":1,}"#.to_vec()),
        (json_type, b"not json".to_vec()),
        (json_type, b"".to_vec()),
        (json_type, b"{\"a\":1}\n{\"b\":2}".to_vec()),
        (json_type, b"{\"a\":1}\n{\"a\":2}\n".to_vec()),
        (json_type, b"\xef\xbb\xbf{\"bom\":1}".to_vec()),
        (json_type, b"{\"a\":\"\xff\"}".to_vec()),
        (json_type, "{\"a\":\"x\"}".encode_utf16().flat_map(u16::to_le_bytes).collect()),
        (json_type, " \t\r\n{ \"a\" : [ ] , \"b\" : { } } \n".as_bytes().to_vec()),
        (json_utf8, br#"{"operationName":"Q","variables":{"id":"123","first":10},"query":"query Q { x }"}"#.to_vec()),
        (text, br#"{"a":1}"#.to_vec()),
        (text, b"{\"a\":1}\n{\"b\":[true,null]}".to_vec()),
        (text, b"plain text, not json".to_vec()),
        (text, b"{\"a\":1}\nnot json".to_vec()),
        (Some("text/plain"), b"".to_vec()),
        (Some("application/octet-stream"), (0u8..=255).collect()),
        (Some("application/x-protobuf"), b"\x08\x96\x01".to_vec()),
        (None, b"no content type".to_vec()),
        (Some("APPLICATION/JSON"), br#"{"a":1}"#.to_vec()),
        (Some("application/x-amf"), b"\x00\x03\x00\x00".to_vec()),
        (multipart, b"------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello world\r\n------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\xff \r\n------WebKitFormBoundaryX--\r\n".to_vec()),
        (multipart, "------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"中\"\r\n\r\n值\r\n------WebKitFormBoundaryX\r\ncontent-disposition: form-data; name=b\r\ncontent-type: text/plain; charset=latin1\r\n\r\n\u{e9}\r\n------WebKitFormBoundaryX--".as_bytes().to_vec()),
        (multipart, b"preamble\r\n------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"a\"; filename=\"\"\r\n\r\nx\r\n------WebKitFormBoundaryX--\r\nepilogue".to_vec()),
        (multipart, b"------WebKitFormBoundaryX--\r\n".to_vec()),
        (Some("multipart/form-data"), b"no boundary".to_vec()),
        (multipart, b"------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end".to_vec()),
        (multipart, b"------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\r\n------WebKitFormBoundaryX--".to_vec()),
        (multipart, b"------WebKitFormBoundaryX\r\nContent-Type: text/plain\r\n\r\nx\r\n------WebKitFormBoundaryX--".to_vec()),
        (Some("multipart/mixed; boundary=b"), b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--".to_vec()),
    ];
    bodies.push((
        json_type,
        format!("{{\"k\":\"{}\"}}", "v".repeat(5000)).into_bytes(),
    ));
    let mut cases = Vec::new();
    for (content_type, body) in bodies {
        let len = Some(body.len().to_string());
        cases.push(PostCase {
            method: "POST",
            content_type,
            content_length: len.clone(),
            body: body.clone(),
            url,
        });
        cases.push(PostCase {
            method: "PUT",
            content_type,
            content_length: len,
            body: body.clone(),
            url: url_q,
        });
        cases.push(PostCase {
            method: "POST",
            content_type,
            content_length: None,
            body,
            url: url_q,
        });
    }
    let body = b"a=1&b=2".to_vec();
    for (method, length) in [
        ("post", Some("7")),
        ("Put", Some("7")),
        ("GET", Some("7")),
        ("POST", Some("3")),
        ("POST", Some(" 5 ")),
        ("POST", Some("+4")),
        ("POST", Some("1_0")),
        ("POST", Some("-1")),
        ("POST", Some("abc")),
        ("POST", Some("")),
        ("POST", Some("99999999999999999999999")),
    ] {
        cases.push(PostCase {
            method,
            content_type: form,
            content_length: length.map(str::to_owned),
            body: body.clone(),
            url,
        });
    }
    cases
}

#[test]
fn postquery_matches_cdxj_indexer() {
    let cases = post_cases();
    let input: Vec<Value> = cases
        .iter()
        .map(|case| {
            json!([
                case.method,
                case.content_type,
                case.content_length,
                base64::engine::general_purpose::STANDARD.encode(&case.body),
                case.url,
            ])
        })
        .collect();
    let Some(expected) = python_oracle("postquery", POST_ORACLE, &json!(input)) else {
        return;
    };
    let expected = expected.as_array().expect("list of results");
    assert_eq!(expected.len(), cases.len());
    let mut mismatches = Vec::new();
    let mut python_raised = 0;
    for (case, want) in cases.iter().zip(expected) {
        let got = annals_cdxj::append_method_query(
            case.method,
            case.content_type,
            case.content_length.as_deref(),
            &case.body,
            case.url,
        );
        let describe = || {
            format!(
                "{} {:?} len={:?} body={:?}",
                case.method,
                case.content_type,
                case.content_length,
                String::from_utf8_lossy(&case.body)
            )
        };
        if want.get("raised").is_some() {
            // cdxj-indexer aborts the whole run here; the port falls back to base64.
            python_raised += 1;
            let fallback = got.as_ref().and_then(|post| post.request_body.as_deref());
            if !fallback.is_some_and(|body| body.starts_with("__wb_post_data=")) {
                mismatches.push(format!(
                    "  {}\n    python raised {want}\n    rust {got:?}",
                    describe()
                ));
            }
            continue;
        }
        let got_json = got.map(|post| {
            json!({
                "requestBody": post.request_body,
                "append": post.append,
                "method": post.method,
                "key": annals_cdxj::post_key(case.url, &post),
            })
        });
        if got_json.as_ref() != Some(want).filter(|want| !want.is_null())
            && !(got_json.is_none() && want.is_null())
        {
            mismatches.push(format!(
                "  {}\n    python {want}\n    rust   {got_json:?}",
                describe()
            ));
        }
    }
    eprintln!(
        "postquery: {python_raised} cases where cdxj-indexer raises (base64 fallback checked)"
    );
    assert_all_equal("postquery", &mismatches, cases.len());
}

const JSON_ORACLE: &str = r#"
import json, sys
pairs = json.load(sys.stdin)
json.dump([json.dumps(dict(p)) for p in pairs], sys.stdout)
"#;

#[test]
fn pyjson_matches_json_dumps() {
    let mut strings: Vec<String> = (0u32..0x80)
        .filter_map(char::from_u32)
        .map(String::from)
        .collect();
    strings.extend(
        [
            "",
            "plain",
            "a/b\\c\"d",
            "稿件不可见",
            "😀🇨🇳",
            "\u{ffff}\u{fffe}\u{feff}",
            "\u{10ffff}",
            "\u{80}\u{9f}\u{a0}\u{ad}",
            "\u{2028}\u{2029}",
            "mixed é 中 😀 \u{1} \" \\ / end",
            "https://example.com/?q=%E4%B8%AD&x=<tag>",
            "tab\there\nnew\rline\u{8}\u{c}",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    let pairs: Vec<Vec<(String, String)>> = strings
        .chunks(3)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("k{i}{s}"), s.clone()))
                .collect()
        })
        .collect();
    let Some(expected) = python_oracle("pyjson", JSON_ORACLE, &json!(pairs)) else {
        return;
    };
    let expected = expected.as_array().expect("list of strings");
    let mismatches: Vec<String> = pairs
        .iter()
        .zip(expected)
        .filter_map(|(pairs, want)| {
            let borrowed: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let got = annals_cdxj::dumps_pairs(&borrowed);
            (Some(got.as_str()) != want.as_str())
                .then(|| format!("  python {want}\n    rust   {got:?}"))
        })
        .collect();
    assert_all_equal("pyjson", &mismatches, pairs.len());
}

//! Test helpers: loopback servers (axum and raw TCP) and independent parsers for stored bytes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use annals_capture::{FetchOptions, Fetcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves `router` on 127.0.0.1 with a random port.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

/// One thing a raw server does after reading a request head.
#[derive(Clone)]
pub enum Step {
    Write(Vec<u8>),
    Sleep(Duration),
}

/// A raw TCP server: for each connection it reads the request head, records it, performs
/// `steps` and closes the connection. Returns the address and the recorded request heads.
pub async fn serve_raw(steps: Vec<Step>) -> (SocketAddr, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let steps = steps.clone();
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let head = read_head(&mut stream).await;
                recorded.lock().unwrap().push(head);
                for step in steps {
                    match step {
                        Step::Write(bytes) => {
                            if stream.write_all(&bytes).await.is_err() {
                                return;
                            }
                            let _ = stream.flush().await;
                        }
                        Step::Sleep(pause) => tokio::time::sleep(pause).await,
                    }
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    (addr, seen)
}

/// Reads up to and including the first empty line.
pub async fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    head
}

/// A fetcher with default options changed by `change`.
pub fn fetcher(change: impl FnOnce(&mut FetchOptions)) -> Fetcher {
    let mut options = FetchOptions::default();
    change(&mut options);
    Fetcher::new(options).unwrap()
}

/// A stored response, parsed by httparse (an independent HTTP/1 parser).
pub struct Parsed {
    pub version: u8,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Parsed {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse_response(bytes: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let status = response.parse(bytes).expect("stored response parses");
    let httparse::Status::Complete(head_len) = status else {
        panic!("stored response head is incomplete");
    };
    Parsed {
        version: response.version.unwrap(),
        status: response.code.unwrap(),
        reason: response.reason.unwrap().to_owned(),
        headers: response
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        body: bytes[head_len..].to_vec(),
    }
}

/// A parsed request head.
pub struct ParsedRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub head_len: usize,
}

impl ParsedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse_request(bytes: &[u8]) -> ParsedRequest {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(head_len) = request.parse(bytes).expect("request parses") else {
        panic!("stored request head is incomplete");
    };
    assert_eq!(request.version, Some(1), "stored as HTTP/1.1");
    ParsedRequest {
        method: request.method.unwrap().to_owned(),
        path: request.path.unwrap().to_owned(),
        headers: request
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        head_len,
    }
}

/// Strict chunked-transfer decoder: panics on any framing error or trailing garbage.
pub fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line ends in CRLF");
        let size_text = std::str::from_utf8(&body[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("chunk size is hex");
        body = &body[line_end + 2..];
        if size == 0 {
            assert_eq!(
                body, b"\r\n",
                "last chunk followed by an empty trailer only"
            );
            return out;
        }
        out.extend_from_slice(&body[..size]);
        assert_eq!(&body[size..size + 2], b"\r\n", "chunk data ends in CRLF");
        body = &body[size + 2..];
    }
}

/// A port on 127.0.0.1 that nothing listens on.
pub async fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// Asserts an error message is one line and mentions `needle`.
pub fn assert_one_line_naming(message: &str, needle: &str) {
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(
        message.contains(needle),
        "{message:?} should name {needle:?}"
    );
}

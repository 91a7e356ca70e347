//! Fetching through proxies: a small HTTP forward proxy and a SOCKS5 proxy written here.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use annals_capture::CaptureError;
use axum::Router;
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::*;

/// An HTTP forward proxy: absolute-form requests are forwarded (request line rewritten to
/// origin form), `CONNECT` opens a tunnel. Returns its address and the request lines it saw.
async fn http_proxy() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let head = read_head(&mut client).await;
                let text = String::from_utf8(head.clone()).unwrap();
                let (line, rest) = text.split_once("\r\n").unwrap();
                log.lock().unwrap().push(line.to_owned());
                let mut words = line.split(' ');
                let (method, target) = (words.next().unwrap(), words.next().unwrap());
                if method == "CONNECT" {
                    let mut upstream = TcpStream::connect(target).await.unwrap();
                    client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    return;
                }
                let without_scheme = target.strip_prefix("http://").unwrap();
                let (authority, path) = without_scheme.split_at(without_scheme.find('/').unwrap());
                let mut upstream = TcpStream::connect(authority).await.unwrap();
                let forwarded = format!("{method} {path} HTTP/1.1\r\n{rest}");
                upstream.write_all(forwarded.as_bytes()).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, seen)
}

/// A SOCKS5 proxy without authentication that resolves domain names itself. Returns its
/// address and the destinations requested (`host:port`, with the address type).
async fn socks5_proxy() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut greeting = [0u8; 2];
                client.read_exact(&mut greeting).await.unwrap();
                assert_eq!(greeting[0], 5);
                let mut methods = vec![0u8; greeting[1] as usize];
                client.read_exact(&mut methods).await.unwrap();
                assert!(methods.contains(&0), "no-auth offered");
                client.write_all(&[5, 0]).await.unwrap();
                let mut request = [0u8; 4];
                client.read_exact(&mut request).await.unwrap();
                assert_eq!(request[..3], [5, 1, 0], "CONNECT");
                let host = match request[3] {
                    1 => {
                        let mut ip = [0u8; 4];
                        client.read_exact(&mut ip).await.unwrap();
                        format!("ipv4 {}", std::net::Ipv4Addr::from(ip))
                    }
                    3 => {
                        let len = client.read_u8().await.unwrap();
                        let mut name = vec![0u8; len as usize];
                        client.read_exact(&mut name).await.unwrap();
                        format!("domain {}", String::from_utf8(name).unwrap())
                    }
                    other => panic!("address type {other} not expected"),
                };
                let port = client.read_u16().await.unwrap();
                log.lock().unwrap().push(format!("{host}:{port}"));
                let name = host.split_once(' ').unwrap().1.to_owned();
                let mut upstream = TcpStream::connect((name.as_str(), port)).await.unwrap();
                client
                    .write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, seen)
}

fn origin() -> Router {
    Router::new().route("/via", get(|| async { "through the proxy" }))
}

#[tokio::test]
async fn fetch_through_an_http_forward_proxy() {
    let target = serve(origin()).await;
    let (proxy, seen) = http_proxy().await;
    let hop = fetcher(|o| o.proxy = Some(format!("http://{proxy}")))
        .fetch(&format!("http://{target}/via"))
        .await
        .unwrap()
        .hops
        .remove(0);
    assert_eq!(hop.payload_bytes(), b"through the proxy");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("GET http://{target}/via HTTP/1.1")],
        "the request went through the proxy"
    );
    // The stored request is the origin-facing one; the peer would be the proxy, so no IP.
    assert!(hop.request.starts_with(b"GET /via HTTP/1.1\r\n"));
    assert_eq!(hop.remote_ip, None);
}

#[tokio::test]
async fn fetch_through_a_socks5h_proxy_resolves_names_remotely() {
    let target = serve(origin()).await;
    let (proxy, seen) = socks5_proxy().await;
    let hop = fetcher(|o| o.proxy = Some(format!("socks5h://{proxy}")))
        .fetch(&format!("http://localhost:{}/via", target.port()))
        .await
        .unwrap()
        .hops
        .remove(0);
    assert_eq!(hop.payload_bytes(), b"through the proxy");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("domain localhost:{}", target.port())]
    );
    assert_eq!(hop.remote_ip, None);
}

#[tokio::test]
async fn unreachable_proxy_is_a_proxy_error() {
    let target = serve(origin()).await;
    let dead = dead_port().await;
    let url = format!("http://{target}/via");
    for scheme in ["http", "socks5h"] {
        let err = fetcher(|o| o.proxy = Some(format!("{scheme}://user:pw@127.0.0.1:{dead}")))
            .fetch(&url)
            .await
            .unwrap_err();
        assert!(
            matches!(err, CaptureError::Proxy { .. }),
            "{scheme}: {err:?}"
        );
        let message = err.to_string();
        assert_one_line_naming(&message, &url);
        assert_one_line_naming(&message, &format!("127.0.0.1:{dead}"));
        assert!(!message.contains("pw@"), "{message}");
    }
}

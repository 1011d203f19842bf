//! A tiny in-test HTTP server (axum on 127.0.0.1:0) that records requests and answers from a
//! closure, so tests can inject faults and check what went over the wire.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    /// The raw (still percent-encoded) query string.
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    /// A decoded query parameter.
    pub fn param(&self, key: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            let k = percent_encoding::percent_decode_str(k).decode_utf8().ok()?;
            (k == key).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            })
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

type Handler = dyn Fn(&Seen, usize) -> Response + Send + Sync;

/// The server's log of requests, and how it answers.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Accepted TCP connections, including dropped ones.
    pub connections: Arc<AtomicUsize>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn last(&self) -> Seen {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request")
    }

    /// A client for this server with fast retries and no rate limit.
    pub fn client(&self) -> wats::WatsBuilder {
        wats::Wats::builder()
            .base_url(format!("{}/api/", self.url()))
            .credentials("user", "pw")
            .no_proxy()
            .no_rate_limit()
            .retry(fast_retry(3))
    }
}

pub fn fast_retry(attempts: u32) -> wats::RetryConfig {
    wats::RetryConfig {
        max_attempts: attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(5),
    }
}

/// Starts a server whose every answer comes from `respond(request, index)`.
pub async fn serve(respond: impl Fn(&Seen, usize) -> Response + Send + Sync + 'static) -> Server {
    serve_dropping(0, respond).await
}

/// Like [`serve`], but the first `drop_first` connections are closed before a byte is read.
pub async fn serve_dropping(
    drop_first: usize,
    respond: impl Fn(&Seen, usize) -> Response + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let connections = Arc::new(AtomicUsize::new(0));
    let respond: Arc<Handler> = Arc::new(respond);
    let log = seen.clone();
    let app = Router::new().fallback(move |req: Request| {
        let log = log.clone();
        let respond = respond.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = to_bytes(body, usize::MAX).await.unwrap().to_vec();
            let seen = Seen {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().unwrap_or_default().to_owned(),
                headers: parts.headers,
                body,
            };
            let index = {
                let mut log = log.lock().unwrap();
                log.push(seen.clone());
                log.len() - 1
            };
            respond(&seen, index)
        }
    });
    let listener = Dropping {
        inner: listener,
        drop_first,
        accepted: connections.clone(),
    };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        addr,
        seen,
        connections,
    }
}

struct Dropping {
    inner: TcpListener,
    drop_first: usize,
    accepted: Arc<AtomicUsize>,
}

impl axum::serve::Listener for Dropping {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Ok((stream, addr)) = self.inner.accept().await else {
                continue;
            };
            let n = self.accepted.fetch_add(1, Ordering::SeqCst);
            if n < self.drop_first {
                drop(stream);
                continue;
            }
            return (stream, addr);
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A JSON answer.
pub fn json(status: u16, body: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body.to_owned(),
    )
        .into_response()
}

/// An answer with headers.
pub fn with_headers(status: u16, headers: &[(&'static str, &str)], body: &str) -> Response {
    let mut builder = Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

/// The shared sample files.
pub fn sample(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/samples/wats/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

//! The accept loop: HTTP/1.1 connections with a header (and idle) timeout, a cap on open
//! connections, and shedding of idle connections when the cap is reached.
//!
//! `axum::serve` has no timeouts and no cap: idle and half-sent requests stayed open for ever
//! until the file limit was exhausted, and then valid clients got no answer. Here:
//!
//! * hyper's header-read timeout runs whenever a connection waits for a request head, so it
//!   bounds half-sent headers and idle keep-alive alike ([`Limits::header_timeout`]);
//! * at most [`Limits::max_connections`] are open. A new connection beyond that takes the place
//!   of the connections idle the longest (no request in progress: idle keep-alive, or a head
//!   still arriving; 1/64 of the cap closed at a time), so a flood of idle sockets cannot keep
//!   a real client out. When every
//!   connection is busy with a request, the new one gets `503` and is closed at once;
//! * request bodies are bounded in time and memory by [`crate::budget`], once the request is
//!   authenticated.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Notify};

use crate::limits::Limits;
use crate::metrics::Metrics;

/// The largest request head (request line and headers), and the read buffer's bound: hyper's
/// default buffer (~400 KB) let 10,000 half-sent heads hold 4 GB; now a connection buffers at
/// most about twice this (the last read may overshoot). 64 KiB fits the longest OData query
/// the filter limits allow (1000 quoted GUIDs in an `in` list, ~46 KB).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long a graceful stop waits for requests in progress before closing their connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What a refused connection is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
Content-Type: application/json\r\nConnection: close\r\nContent-Length: 68\r\n\r\n\
{\"Message\":\"The server is busy: every connection is in use. Retry.\"}";

/// One open connection, as the table sees it.
struct Conn {
    /// Requests in progress (0: idle, may be shed).
    busy: AtomicUsize,
    /// When it last became idle, in microseconds since the table's epoch.
    idle_since: AtomicU64,
    /// Told to close (shed) when a new connection needs its place.
    shed: Notify,
}

/// The open connections.
struct Table {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    max: usize,
    epoch: Instant,
    next_id: AtomicU64,
}

impl Table {
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// Registers a new connection, shedding the longest-idle ones when full; `None` when full
    /// of busy connections.
    fn admit(&self, metrics: &Metrics) -> Option<(u64, Arc<Conn>)> {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        if conns.len() >= self.max {
            // One scan sheds the longest-idle 1/64 (at least one), so that under a flood the
            // scan runs once per that many accepts, not once per accept.
            let mut idle: Vec<(u64, u64)> = conns
                .iter()
                .filter(|(_, c)| c.busy.load(Ordering::Acquire) == 0)
                .map(|(id, c)| (c.idle_since.load(Ordering::Relaxed), *id))
                .collect();
            if idle.is_empty() {
                return None;
            }
            let n = (self.max / 64).clamp(1, idle.len());
            if n < idle.len() {
                idle.select_nth_unstable(n);
            }
            for (_, id) in &idle[..n] {
                if let Some(c) = conns.remove(id) {
                    c.shed.notify_one();
                    metrics.connections_shed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now()),
            shed: Notify::new(),
        });
        conns.insert(id, conn.clone());
        metrics
            .connections_open
            .store(conns.len(), Ordering::Relaxed);
        Some((id, conn))
    }

    fn remove(&self, id: u64, metrics: &Metrics) {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        conns.remove(&id);
        metrics
            .connections_open
            .store(conns.len(), Ordering::Relaxed);
    }
}

/// Marks a connection busy while a request is in progress (until its response body is sent
/// or dropped).
struct BusyGuard {
    conn: Arc<Conn>,
    table: Arc<Table>,
}

impl BusyGuard {
    fn new(conn: Arc<Conn>, table: Arc<Table>) -> Self {
        conn.busy.fetch_add(1, Ordering::AcqRel);
        BusyGuard { conn, table }
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.conn
            .idle_since
            .store(self.table.now(), Ordering::Relaxed);
        self.conn.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The application as a tower service over axum bodies.
pub type App =
    tower::util::BoxCloneService<axum::extract::Request, axum::response::Response, Infallible>;

/// Serves `app` on `listener` until `shutdown` fires, then lets requests in progress finish
/// (for at most [`DRAIN_TIMEOUT`]).
pub async fn serve(
    listener: TcpListener,
    app: App,
    limits: Limits,
    metrics: Arc<Metrics>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let table = Arc::new(Table {
        conns: Mutex::new(HashMap::new()),
        max: limits.effective_max_connections(),
        epoch: Instant::now(),
        next_id: AtomicU64::new(0),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    // Each connection task holds a clone; `recv` returns `None` once they are all gone.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut last_accept_error: Option<Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors or a connection reset before it was accepted:
                    // say so once a second, pause so the loop does not spin.
                    if last_accept_error.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
                        tracing::warn!(error = %e, "cannot accept a connection");
                        last_accept_error = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let Some((id, conn)) = table.admit(&metrics) else {
            metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
            refuse(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            Connection {
                id,
                conn,
                table: table.clone(),
                app: app.clone(),
                header_timeout: limits.header_timeout,
                metrics: metrics.clone(),
                stop: stop_rx.clone(),
                _alive: alive_tx.clone(),
            },
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(alive_tx);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, alive_rx.recv()).await;
    Ok(())
}

/// Answers `503` without waiting (the socket buffer of a new connection has room) and closes.
fn refuse(stream: TcpStream) {
    let _ = stream.try_write(BUSY);
}

/// What a connection task needs.
struct Connection {
    id: u64,
    conn: Arc<Conn>,
    table: Arc<Table>,
    app: App,
    header_timeout: Duration,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
    _alive: mpsc::Sender<()>,
}

async fn connection(stream: TcpStream, peer: SocketAddr, c: Connection) {
    let Connection {
        id,
        conn,
        table,
        app,
        header_timeout,
        metrics,
        mut stop,
        _alive,
    } = c;
    let service = {
        let (conn, table) = (conn.clone(), table.clone());
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = BusyGuard::new(conn.clone(), table.clone());
            let app = app.clone();
            async move {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                let response = tower::ServiceExt::oneshot(app, request).await?;
                // The connection stays busy until the response body is written or dropped.
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _ = &guard;
                        frame
                    }))
                }))
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_header_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    let mut served = std::pin::pin!(served);
    tokio::select! {
        result = served.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        }
        _ = conn.shed.notified() => {
            tracing::debug!(%peer, "idle connection closed to make room");
        }
        _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => {
            served.as_mut().graceful_shutdown();
            let _ = served.await;
        }
    }
    table.remove(id, &metrics);
}

#[cfg(test)]
mod tests {
    #[test]
    fn busy_answer_has_its_length() {
        let text = std::str::from_utf8(super::BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap();
        assert_eq!(length.parse::<usize>().unwrap(), body.len());
        serde_json::from_str::<serde_json::Value>(body).unwrap();
    }
}

//! Sockets: idle and half-sent connections, oversized heads, excess connections, bodies announced and never sent.

use super::*;

/// An authenticated report submission announcing `length` bytes and sending one.
pub(super) async fn half_sent_body(addr: SocketAddr, length: usize) -> TcpStream {
    let mut c = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/Report/WSJF HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{",
        basic()
    );
    c.write_all(head.as_bytes()).await.unwrap();
    c
}

/// Reads a raw HTTP answer's status line (or `None` when the server closed without one)
/// within `limit`.
pub(super) async fn status_line(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(limit, stream.read(&mut buf))
        .await
        .expect("the server neither answered nor closed in time")
        .ok()?;
    (n > 0).then(|| {
        String::from_utf8_lossy(&buf[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    })
}

/// Idle sockets and half-sent headers beyond the cap: the longest idle are closed to make room,
/// and a valid request is answered within a second. (The probe's 20,000 idle sockets exhausted
/// the file limit.) The test raises its soft open-file limit to the hard one and opens as many
/// sockets as fit, up to 20,000: each is two descriptors in this process (client and server);
/// with a hard limit of 1024 that is ~400 sockets against a cap of ~100.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_cannot_lock_clients_out() {
    let _x = EXCLUSIVE.write().await;
    let fds = wats_server::limits::raise_open_file_limit().unwrap_or(1024) as usize;
    let count = (fds / 2).saturating_sub(100).min(20_000);
    let cap = count / 4;
    let s = start(Limits {
        max_connections: cap,
        header_timeout: Duration::from_secs(60),
        ..limits()
    })
    .await;
    let opened = Instant::now();
    let mut sockets = Vec::new();
    for i in 0..count {
        let mut c = TcpStream::connect(s.addr).await.unwrap();
        if i % 2 == 0 {
            c.write_all(b"GET /api/App/Version HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
        }
        sockets.push(c);
    }
    let opened = opened.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let r = s
        .client
        .get(s.url("/api/App/Version"))
        .header("authorization", basic())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let took = started.elapsed();
    eprintln!("{count} idle sockets (cap {cap}) opened in {opened:?}; valid request in {took:?}");
    assert!(took < Duration::from_secs(1), "answered in {took:?}");
    assert!(metric(&s, "wats_connections_open").await <= cap as f64);
    assert!(metric(&s, "wats_connections_shed_total").await >= (count - cap) as f64);
    drop(sockets);
    s.stop().await;
}

/// Half-sent headers and idle keep-alive connections are closed after the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_and_idle_connections_time_out() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    let mut half = TcpStream::connect(s.addr).await.unwrap();
    half.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(s.addr).await.unwrap();
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        status_line(&mut kept, Duration::from_secs(1))
            .await
            .as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    let started = Instant::now();
    for c in [&mut half, &mut idle, &mut kept] {
        // Closed (EOF) after the 2 s header timeout, not held.
        let mut buf = [0u8; 512];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(8), c.read(&mut buf))
                .await
                .expect("connection still open after 8 s")
                .unwrap_or(0);
            if n == 0 {
                break;
            }
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    s.stop().await;
}

/// A request head past 64 KiB is refused (431) instead of buffered: hyper's default of ~400 KB
/// per connection let half-sent heads hold gigabytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_heads_are_refused() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    let filler = "a".repeat(100 * 1024);
    let head = format!("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Filler: {filler}\r\n\r\n");
    // The server may stop reading and close before all of it is written.
    let _ = c.write_all(head.as_bytes()).await;
    let line = status_line(&mut c, Duration::from_secs(2)).await;
    assert_eq!(
        line.as_deref(),
        Some("HTTP/1.1 431 Request Header Fields Too Large")
    );
    // An OData query at the filter's limits still fits.
    let list: Vec<String> = (0..1000)
        .map(|_| format!("'{}'", uuid::Uuid::new_v4()))
        .collect();
    let r = s
        .client
        .get(s.url("/api/Report/Query/Header"))
        .query(&[("$filter", format!("serialNumber in ({})", list.join(",")))])
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.stop().await;
}

/// Every connection busy (bodies arriving slowly): a new connection is answered 503 at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_connections_are_refused_fast_when_all_are_busy() {
    let _x = EXCLUSIVE.read().await;
    let s = start(Limits {
        max_connections: 4,
        body_idle_timeout: Duration::from_secs(3),
        ..limits()
    })
    .await;
    let mut busy = Vec::new();
    for _ in 0..4 {
        busy.push(half_sent_body(s.addr, 1000).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let mut extra = TcpStream::connect(s.addr).await.unwrap();
    extra
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let line = status_line(&mut extra, Duration::from_secs(1)).await;
    assert_eq!(line.as_deref(), Some("HTTP/1.1 503 Service Unavailable"));
    assert!(started.elapsed() < Duration::from_millis(500));
    // The slow bodies end with a 408; then there is room again.
    for c in &mut busy {
        let line = status_line(c, Duration::from_secs(5)).await;
        assert_eq!(line.as_deref(), Some("HTTP/1.1 408 Request Timeout"));
    }
    drop(busy);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(metric(&s, "wats_connections_refused_total").await, 1.0);
    assert_serving(&s).await;
    s.stop().await;
}

/// A body announced and never sent: too large is 413 at once, otherwise 408 once it stops
/// arriving; the server does not wait for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_bodies_never_sent_are_not_held() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    for (length, want) in [
        (100 * 1024 * 1024, "HTTP/1.1 413 Payload Too Large"),
        (10 * 1024 * 1024, "HTTP/1.1 408 Request Timeout"),
        (1000, "HTTP/1.1 408 Request Timeout"),
    ] {
        let mut c = half_sent_body(s.addr, length).await;
        let started = Instant::now();
        let line = status_line(&mut c, Duration::from_secs(3)).await;
        assert_eq!(line.as_deref(), Some(want), "Content-Length {length}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // Without authentication the body is never waited for.
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(b"POST /api/Report/WSJF HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        .await
        .unwrap();
    let line = status_line(&mut c, Duration::from_millis(300)).await;
    assert_eq!(line.as_deref(), Some("HTTP/1.1 401 Unauthorized"));
    s.stop().await;
}

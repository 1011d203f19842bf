//! Hostile clients: one test per finding of the probe in issue 15, each against a real server
//! on loopback over real sockets (SQLite). Every bad input must be a 4xx naming the limit,
//! never a 500, and the server must keep answering valid clients.
//!
//! Tests that measure RSS or timing take [`EXCLUSIVE`] so that other tests of this file do not
//! run beside them (the server runs in this test process). Socket counts fit the common
//! default of 1024 open files: the server's cap is set low instead of opening 20,000 sockets.
//!
//! Why one file of ~820 lines: one test per finding of the probe, sharing the raw-socket and
//! RSS helpers; one binary links once.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use wats_server::Limits;

const USER: &str = "tester";
const PASSWORD: &str = "right-password";

/// Taken for writing by tests that measure memory or time, for reading by the others.
static EXCLUSIVE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

struct Server {
    addr: SocketAddr,
    client: reqwest::Client,
    dir: tempfile::TempDir,
    running: Option<wats_server::Running>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn submit(&self, body: impl Into<reqwest::Body>, kind: &str) -> (u16, String) {
        let r = self
            .client
            .post(self.url(&format!("/api/Report/{kind}")))
            .basic_auth(USER, Some(PASSWORD))
            .body(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(self.url(path))
            .basic_auth(USER, Some(PASSWORD))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// Limits for tests: the defaults with short timeouts (long enough for a loaded CI machine).
fn limits() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(2),
        body_idle_timeout: Duration::from_secs(1),
        ..Limits::default()
    }
}

async fn start(limits: Limits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let running = wats_server::start_with_limits(
        wats_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: wats_server::Database::Dir(dir.path().join("data")),
            admin: Some((USER.into(), PASSWORD.into())),
            max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
        },
        limits,
    )
    .await
    .unwrap();
    Server {
        addr: running.addr,
        client: reqwest::Client::new(),
        dir,
        running: Some(running),
    }
}

/// A valid test report, changed by `edit`.
fn uut(edit: impl FnOnce(&mut Value)) -> (uuid::Uuid, Value) {
    let id = uuid::Uuid::new_v4();
    let mut r = json!({
        "type": "T", "id": id, "pn": "PN-H", "sn": format!("SN-{}", &id.simple().to_string()[..8]),
        "rev": "A", "processCode": 10, "result": "P", "machineName": "ST1", "location": "Lab",
        "purpose": "Test", "start": "2026-01-30T22:01:41.47+01:00", "uut": {"user": "op"},
        "root": {"id": 1, "group": "M", "stepType": "SequenceCall", "name": "Main", "status": "P",
                 "steps": [{"id": 2, "group": "M", "stepType": "Action", "name": "Picture",
                            "status": "D",
                            "attachment": {"name": "a.txt", "contentType": "text/plain",
                                           "data": "QUJD"}}]}
    });
    edit(&mut r);
    (id, r)
}

fn attachment(r: &mut Value) -> &mut Value {
    &mut r["root"]["steps"][0]["attachment"]
}

/// A report of ~5.2 MB (over the 1 MiB of small bodies): a 3.75 MiB attachment is the bulk.
fn large_report() -> (uuid::Uuid, Value) {
    uut(|r| attachment(r)["data"] = json!("QUJD".repeat(1_300_000)))
}

/// Sends `n` requests at once, each built from the client and its index; awaited, each gives
/// its status and body length.
fn at_once(
    s: &Server,
    n: usize,
    request: impl Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder,
) -> Vec<tokio::task::JoinHandle<(u16, usize)>> {
    (0..n)
        .map(|i| {
            let request = request(&s.client, i);
            tokio::spawn(async move {
                let r = request.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.bytes().await.map_or(0, |b| b.len()))
            })
        })
        .collect()
}

/// Asserts a 400 whose message names `what`, and that the report was not stored.
async fn assert_refused(s: &Server, id: uuid::Uuid, (status, body): (u16, String), what: &str) {
    assert_eq!(status, 400, "{body}");
    assert!(body.contains(what), "{body} does not name {what}");
    let (status, _) = s.get(&format!("/api/Report/Wsjf/{id}")).await;
    assert_eq!(status, 404, "a refused report must not be stored");
}

/// A valid report is accepted and fetched back: the server still works.
async fn assert_serving(s: &Server) {
    let (id, r) = uut(|_| {});
    let (status, body) = s.submit(r.to_string(), "WSJF").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = s.get(&format!("/api/Report/Wsjf/{id}")).await;
    assert_eq!(status, 200);
    let (status, body) = s
        .get(&format!("/api/Report/Attachment?reportId={id}&stepId=2"))
        .await;
    assert_eq!((status, body.as_str()), (200, "ABC"));
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A metric's value from `/metrics`.
async fn metric(s: &Server, name: &str) -> f64 {
    let text = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} not in /metrics:\n{text}"))
}

/// Reads a raw HTTP answer's status line (or `None` when the server closed without one)
/// within `limit`.
async fn status_line(stream: &mut TcpStream, limit: Duration) -> Option<String> {
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

fn basic() -> String {
    format!("Basic {}", wats_server::auth::basic_token(USER, PASSWORD))
}

/// An authenticated report submission announcing `length` bytes and sending one.
async fn half_sent_body(addr: SocketAddr, length: usize) -> TcpStream {
    let mut c = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/Report/WSJF HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{",
        basic()
    );
    c.write_all(head.as_bytes()).await.unwrap();
    c
}

// ---- 500s for client input ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odata_chains_and_nesting_are_400_naming_the_limit() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    assert_serving(&s).await;
    let chain = |op: &str| {
        (0..1000)
            .map(|i| format!("serialNumber eq 'S{i}'"))
            .collect::<Vec<_>>()
            .join(op)
    };
    for (filter, limit) in [
        (chain(" or "), "more than 256 conditions"),
        (chain(" and "), "more than 256 conditions"),
        (
            format!("{}serialNumber eq 'x'{}", "(".repeat(500), ")".repeat(500)),
            "nests deeper than 64",
        ),
    ] {
        let r = s
            .client
            .get(s.url("/api/Report/Query/Header"))
            .query(&[("$filter", filter)])
            .basic_auth(USER, Some(PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains(limit));
    }
    // Past SQLite's 2000 ORDER BY terms.
    let order = vec!["start desc"; 3000].join(",");
    let (status, body) = s
        .get(&format!("/api/Report/Query/Header?$orderby={order}"))
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("lists 3000 items; at most 100"), "{body}");
    let (status, body) = s.get("/api/Report/Query/Header?$top=5").await;
    assert_eq!(status, 200, "{body}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_canonical_base64_is_refused_on_submit() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    for data in ["QR==", "QUJ=", "QUJDQR==\n"] {
        let (id, r) = uut(|r| attachment(r)["data"] = json!(data));
        let answer = s.submit(r.to_string(), "WSJF").await;
        assert_refused(
            &s,
            id,
            answer,
            "root.steps[0].attachment.data: is not canonical base64",
        )
        .await;
    }
    assert_serving(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_types_that_are_not_media_types_are_refused() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    for ct in [
        "text/plain\r\nX-Evil: 1",
        "text/plain\n",
        "text/pl\u{7f}ain",
        "plain",
        "a/b c",
    ] {
        let (id, r) = uut(|r| attachment(r)["contentType"] = json!(ct));
        let answer = s.submit(r.to_string(), "WSJF").await;
        assert_refused(&s, id, answer, "attachment.contentType").await;
    }
    // Report-level attachments of a repair report too.
    let id = uuid::Uuid::new_v4();
    let uur = json!({
        "type": "R", "id": id, "pn": "PN-H", "sn": "SN-R", "rev": "A", "processCode": 500,
        "result": "P", "machineName": "ST1", "location": "Lab", "purpose": "Repair",
        "start": "2026-01-30T22:01:41+01:00", "uur": {"user": "op", "processCode": 10},
        "subUnits": [{"idx": 0, "pn": "PN-H", "sn": "SN-R", "rev": "A", "partType": "Main"}],
        "binaryData": [{"name": "x.bin", "contentType": "image/png\r\n", "data": "QR=="}]
    });
    let (status, body) = s.submit(uur.to_string(), "WSJF").await;
    assert_refused(&s, id, (status, body.clone()), "binaryData[0].contentType").await;
    assert!(body.contains("binaryData[0].data"), "{body}");
    assert_serving(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_fields_are_bounded_naming_field_and_limit() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    let long = "x".repeat(101);
    for field in ["productName", "processName", "origin"] {
        let (id, r) = uut(|r| r[field] = json!(long));
        let answer = s.submit(r.to_string(), "WSJF").await;
        assert_refused(
            &s,
            id,
            answer,
            &format!("{field}: is 101 characters long; WATS allows at most 100"),
        )
        .await;
    }
    // Unknown keys, on the report and deep in a step.
    let (id, r) = uut(|r| r["payload"] = json!("y".repeat(100_000)));
    let answer = s.submit(r.to_string(), "WSJF").await;
    assert_refused(
        &s,
        id,
        answer,
        "payload: is a key WATS does not define; unknown keys take more than 65536 bytes",
    )
    .await;
    let (id, r) = uut(|r| {
        for i in 0..100 {
            r["root"]["steps"][0][format!("k{i}")] = json!("z".repeat(1000));
        }
    });
    let answer = s.submit(r.to_string(), "WSJF").await;
    assert_refused(&s, id, answer, "more than 65536 bytes").await;
    // WSXF ProductName.
    let (id, r) = uut(|r| r["productName"] = json!("p".repeat(20_000)));
    let report: wats_report::Report = serde_json::from_value(r).unwrap();
    let xml = wats_report::wsxf::to_string(&report);
    assert!(xml.contains("ProductName"));
    let answer = s.submit(xml, "WSXF").await;
    assert_refused(&s, id, answer, "productName: is 20000 characters long").await;
    assert_serving(&s).await;
    s.stop().await;
}

// ---- connections and bodies -----------------------------------------------------------------

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

/// Large reports share a memory budget: four at once queue (the budget's peak stays at its
/// size), all are stored, and a small report is not held up behind them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_queue_under_the_shared_budget() {
    let _x = EXCLUSIVE.write().await;
    let budget = 8 * 1024 * 1024;
    let s = start(Limits {
        body_budget_bytes: budget,
        ..limits()
    })
    .await;
    let bodies: Vec<String> = (0..4).map(|_| large_report().1.to_string()).collect();
    assert!(bodies[0].len() > 5_000_000);
    let rss_before = rss_bytes();
    let started = Instant::now();
    let giants = at_once(&s, 4, |c, i| {
        c.post(s.url("/api/Report/WSJF"))
            .basic_auth(USER, Some(PASSWORD))
            .body(bodies[i].clone())
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let small_started = Instant::now();
    assert_serving(&s).await;
    let small = small_started.elapsed();
    for g in giants {
        assert_eq!(g.await.unwrap().0, 200);
    }
    let all = started.elapsed();
    let peak = metric(&s, "wats_body_budget_bytes_peak").await;
    assert!(peak <= budget as f64, "budget peak {peak} over {budget}");
    assert!(peak > 5e6, "the large lane was used ({peak})");
    assert_eq!(metric(&s, "wats_body_budget_bytes_in_use").await, 0.0);
    let grown = rss_bytes().saturating_sub(rss_before);
    eprintln!(
        "4 large reports: {all:?}; small request {small:?}; RSS +{} MiB",
        grown >> 20
    );
    assert!(grown < 400 << 20, "RSS grew by {} MiB", grown >> 20);
    s.stop().await;
}

/// Reading a large report back costs about as much as storing it: fetches take their share of
/// the same budget (two of 5.2 MB fit in 12 MiB; eight at once never exceed it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_fetches_share_the_budget() {
    let _x = EXCLUSIVE.write().await;
    let budget = 12 * 1024 * 1024;
    let s = start(Limits {
        body_budget_bytes: budget,
        ..limits()
    })
    .await;
    let (id, r) = large_report();
    let (status, body) = s.submit(r.to_string(), "WSJF").await;
    assert_eq!(status, 200, "{body}");
    let one = metric(&s, "wats_body_budget_bytes_peak").await;
    assert!(one > 5e6, "{one}");
    let fetches = at_once(&s, 8, |c, _| {
        c.get(s.url(&format!("/api/Report/Wsjf/{id}")))
            .basic_auth(USER, Some(PASSWORD))
    });
    for f in fetches {
        let (status, len) = f.await.unwrap();
        assert_eq!(status, 200);
        assert!(len > 5_000_000);
    }
    let peak = metric(&s, "wats_body_budget_bytes_peak").await;
    assert!(peak > 1.5 * one, "fetches did not take the budget ({peak})");
    assert!(peak <= budget as f64, "budget peak {peak} over {budget}");
    assert_eq!(metric(&s, "wats_body_budget_bytes_in_use").await, 0.0);
    s.stop().await;
}

// ---- authentication -------------------------------------------------------------------------

/// 400 concurrent wrong passwords: Argon2 runs one at a time, RSS stays bounded, and a station
/// whose token is verified already is answered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_passwords_keep_memory_bounded() {
    let _x = EXCLUSIVE.write().await;
    let s = start(Limits {
        argon2_concurrency: 1,
        login_failures_per_user: 1_000,
        login_failures_per_address: 1_000,
        // 400 client connections in this process can wait for a core longer than 500 ms.
        header_timeout: Duration::from_secs(10),
        ..limits()
    })
    .await;
    assert_serving(&s).await; // verifies (and remembers) the right token
    let rss_before = rss_bytes();
    let attempts = at_once(&s, 400, |c, i| {
        c.get(s.url("/api/App/Version"))
            .basic_auth(format!("user{}", i % 7), Some("wrong"))
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut peak = 0;
    let started = Instant::now();
    let (status, _) = s.get("/api/App/Version").await;
    let valid = started.elapsed();
    assert_eq!(status, 200);
    // Tens of milliseconds on an idle machine; 1.3 s was seen with 7 builds on 2 cores. Queued
    // behind 400 verifications it would take 3-5 s.
    assert!(
        valid < Duration::from_secs(2),
        "valid token answered in {valid:?}"
    );
    for a in attempts {
        peak = peak.max(rss_bytes());
        assert_eq!(a.await.unwrap().0, 401);
    }
    let grown = peak.saturating_sub(rss_before);
    eprintln!(
        "400 wrong passwords: RSS +{} MiB; valid token in {valid:?}",
        grown >> 20
    );
    assert!(grown < 200 << 20, "RSS grew by {} MiB", grown >> 20);
    assert!(metric(&s, "wats_logins_failed_total").await >= 400.0);
    s.stop().await;
}

/// Failed logins are limited per user and per address: 429 with Retry-After; a token already
/// verified keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_rate_limited_with_retry_after() {
    let _x = EXCLUSIVE.read().await;
    let s = start(Limits {
        login_failures_per_user: 3,
        login_failures_per_address: 5,
        ..limits()
    })
    .await;
    assert_serving(&s).await;
    let try_login = |user: &str, password: &str| {
        s.client
            .get(s.url("/api/App/Version"))
            .basic_auth(user, Some(password))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(try_login(USER, "wrong").await.unwrap().status(), 401);
    }
    let r = try_login(USER, "wrong").await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert!(r.text().await.unwrap().contains("for this user"));
    // Another user from the same address: two more failures, then the address is limited.
    for _ in 0..2 {
        assert_eq!(try_login("other", "wrong").await.unwrap().status(), 401);
    }
    let r = try_login("other", "wrong").await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("from this address"));
    // The station's verified token is not affected.
    let (status, _) = s.get("/api/App/Version").await;
    assert_eq!(status, 200);
    s.stop().await;
}

/// An unknown user takes as long as a known user with a wrong password (it took 0.6 ms
/// against 12 ms, which told which users exist).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_take_as_long_as_known_ones() {
    let _x = EXCLUSIVE.write().await;
    let s = start(Limits {
        login_failures_per_user: 1_000,
        login_failures_per_address: 1_000,
        ..limits()
    })
    .await;
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..21 {
        for (user, out) in [
            (USER.to_owned(), &mut known),
            (format!("ghost{i}"), &mut unknown),
        ] {
            let started = Instant::now();
            let r = s
                .client
                .get(s.url("/api/App/Version"))
                .basic_auth(user, Some("wrong"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            out.push(started.elapsed());
        }
    }
    let (known, unknown) = (median(known), median(unknown));
    eprintln!("median 401: known user {known:?}, unknown user {unknown:?}");
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    // Within noise on a loaded machine; before, the ratio was 0.05 (0.6 ms against 12 ms).
    assert!(
        (0.5..2.0).contains(&ratio),
        "known {known:?}, unknown {unknown:?}"
    );
    s.stop().await;
}

// ---- files, health, metrics -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_directory_and_database_are_private() {
    let _x = EXCLUSIVE.read().await;
    use std::os::unix::fs::PermissionsExt as _;
    let s = start(limits()).await;
    assert_serving(&s).await;
    let data = s.dir.path().join("data");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for name in ["wats.db", "wats.db-wal", "wats.db-shm"] {
        let path = data.join(name);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
    assert!(data.join("wats.db").exists());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_answer_without_a_token() {
    let _x = EXCLUSIVE.read().await;
    let s = start(limits()).await;
    assert_serving(&s).await;
    let _ = s.get("/api/Report/Wsjf/not-a-guid").await;
    // Made-up methods share one series: a client cannot grow the metrics without bound.
    for method in ["FOO1", "FOO2"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = s
            .client
            .request(method, s.url("/nowhere"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
    for path in ["/health/live", "/health/ready"] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.text().await.unwrap(), "ok");
    }
    let text = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "wats_http_requests_total{method=\"POST\",route=\"/api/Report/WSJF\",status=\"200\"} 1",
        "wats_http_requests_total{method=\"GET\",route=\"/api/Report/Wsjf/{id}\",status=\"400\"} 1",
        "wats_http_request_duration_seconds_count{route=\"/api/Report/Wsjf/{id}\"} 2",
        "wats_reports_ingested_total{format=\"wsjf\"} 1",
        "wats_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"404\"} 2",
        "# TYPE wats_http_request_duration_seconds histogram",
        // The one report went through the writer in a transaction of its own.
        "wats_report_write_batch_size_bucket{le=\"1\"} 1",
        "wats_report_write_batch_size_count 1",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
    assert!(metric(&s, "wats_db_pool_connections").await >= 1.0);
    assert!(metric(&s, "wats_db_pool_max_connections").await >= 1.0);
    s.stop().await;
}

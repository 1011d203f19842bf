//! The uploader against a real in-process `wats-server` on loopback; faults (503, 429, 400,
//! 401, a hanging server) come from a small axum proxy in front of it that answers some
//! requests itself and passes the rest through.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;
use wats::report::{fields, FetchOptions, HeaderQuery};
use wats::Wats;
use wats_client::queue::{ErrorKind, Queue, QueueOptions, State, Which};
use wats_client::uploader::{Connectivity, Uploader, UploaderOptions, UploaderStatus};
use wats_report::{Report, ReportBuilder, Status};

const USER: &str = "station";
const PASSWORD: &str = "pw-123";

struct Server {
    addr: SocketAddr,
    running: Option<wats_server::Running>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let running = wats_server::start(wats_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: wats_server::Database::Dir(dir.path().to_owned()),
            admin: Some((USER.into(), PASSWORD.into())),
            max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
        })
        .await
        .unwrap();
        Server {
            addr: running.addr,
            running: Some(running),
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client for checking what the server holds.
    fn client(&self) -> Wats {
        Wats::builder()
            .base_url(self.url())
            .credentials(USER, PASSWORD)
            .no_cache()
            .no_rate_limit()
            .build()
            .unwrap()
    }

    async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
    }
}

/// A fault answered by the proxy instead of the server.
type Fault = Option<(u16, HeaderMap, String)>;
type Policy = Box<dyn FnMut(&str, usize) -> Fault + Send>;

/// The fault proxy: `policy(path, n)` (n counts report POSTs from 0) decides per request.
struct Proxy {
    addr: SocketAddr,
    posts: Arc<AtomicUsize>,
    policy: Arc<Mutex<Policy>>,
    /// Report POSTs that reached the server, by report id.
    delivered: Arc<Mutex<HashMap<Uuid, usize>>>,
}

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    posts: Arc<AtomicUsize>,
    policy: Arc<Mutex<Policy>>,
    delivered: Arc<Mutex<HashMap<Uuid, usize>>>,
    hang: Arc<Mutex<bool>>,
}

impl Proxy {
    async fn start(upstream: &Server, policy: Policy) -> (Proxy, Arc<Mutex<bool>>) {
        let hang = Arc::new(Mutex::new(false));
        let state = ProxyState {
            upstream: upstream.url(),
            http: reqwest::Client::new(),
            posts: Arc::default(),
            policy: Arc::new(Mutex::new(policy)),
            delivered: Arc::default(),
            hang: hang.clone(),
        };
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (
            Proxy {
                addr,
                posts: state.posts,
                policy: state.policy,
                delivered: state.delivered,
            },
            hang,
        )
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, policy: Policy) {
        *self.policy.lock().unwrap() = policy;
    }

    fn posts(&self) -> usize {
        self.posts.load(Ordering::SeqCst)
    }
}

async fn forward(AxState(s): AxState<ProxyState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let is_post = parts.method == axum::http::Method::POST;
    if is_post {
        let n = s.posts.fetch_add(1, Ordering::SeqCst);
        let fault = (s.policy.lock().unwrap())(&path, n);
        if let Some((status, headers, body)) = fault {
            let mut r = (StatusCode::from_u16(status).unwrap(), body).into_response();
            r.headers_mut().extend(headers);
            r.headers_mut()
                .insert("content-type", "application/json".parse().unwrap());
            return r;
        }
        if *s.hang.lock().unwrap() {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    let mut out = s.http.request(
        reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap(),
        format!("{}{path}", s.upstream),
    );
    for (k, v) in parts.headers.iter() {
        if k != "host" && k != "content-length" {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    let resp = out.body(bytes.clone()).send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    if is_post && (200..300).contains(&status) {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            if let Some(id) = v["id"].as_str().and_then(|i| i.parse().ok()) {
                *s.delivered.lock().unwrap().entry(id).or_default() += 1;
            }
        }
    }
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

fn fault(status: u16, body: &str) -> Fault {
    Some((status, HeaderMap::new(), body.to_owned()))
}

fn report(pn: &str, i: usize) -> Report {
    ReportBuilder::uut(pn, format!("SN-{i:04}"), "A", 10)
        .station("ST-1", "Lab", "Test")
        .operator("op")
        .result(Status::Passed)
        .build_unchecked()
}

fn fast() -> UploaderOptions {
    UploaderOptions {
        concurrency: 5,
        poll_interval: Duration::from_millis(500),
        backoff_base: Duration::from_millis(40),
        backoff_min: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(200),
        auth_probe_interval: Duration::from_secs(3600),
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        outage_summary_every: Duration::from_secs(600),
        shutdown_grace: Duration::from_secs(2),
    }
}

fn builder(url: &str) -> wats::WatsBuilder {
    Wats::builder()
        .base_url(url)
        .credentials(USER, PASSWORD)
        .no_rate_limit()
        .no_circuit_breaker()
}

fn open_queue(dir: &tempfile::TempDir) -> Arc<Queue> {
    Arc::new(Queue::open(dir.path().join("queue.db"), QueueOptions::default()).unwrap())
}

/// Polls `cond` until it holds (panics after `secs`).
async fn wait_for<F, Fut>(secs: u64, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !cond().await {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn done(q: &Queue) -> u64 {
    q.stats().unwrap().done
}

fn unique_pn(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..10])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_reports_reach_the_server_exactly_once() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let pn = unique_pn("BULK");
    let reports: Vec<Report> = (0..200).map(|i| report(&pn, i)).collect();
    let ids: BTreeSet<Uuid> = reports.iter().map(|r| r.id.unwrap()).collect();
    // Half queued before the uploader starts, half while it runs (woken by enqueue).
    for r in &reports[..100] {
        queue.enqueue(r, None).unwrap();
    }
    let up = Uploader::spawn(queue.clone(), builder(&server.url()), fast()).unwrap();
    for r in &reports[100..] {
        queue.enqueue(r, None).unwrap();
    }
    wait_for(60, "200 uploads", || async { done(&queue) == 200 }).await;
    up.control()
        .subscribe()
        .wait_for(|s| s.uploaded == 200)
        .await
        .unwrap();
    let s = queue.stats().unwrap();
    assert_eq!((s.pending, s.uploading, s.parked, s.done), (0, 0, 0, 200));
    assert!(queue
        .list(Some(State::Done), 1000)
        .unwrap()
        .iter()
        .all(|e| e.attempts == 1));
    let status = up.status();
    assert_eq!(
        (status.uploaded, status.retries, status.parked),
        (200, 0, 0)
    );
    assert_eq!(status.connectivity, Connectivity::Online);
    up.shutdown().await.unwrap();

    // The server holds exactly these 200 reports, each once.
    let wats = server.client();
    let headers = wats
        .report()
        .headers(
            HeaderQuery::uut()
                .filter(fields::PART_NUMBER.eq(pn.as_str()))
                .top(1000),
        )
        .send()
        .await
        .unwrap();
    let found: Vec<Uuid> = headers.iter().filter_map(|h| h.uuid).collect();
    assert_eq!(found.len(), 200);
    assert_eq!(found.iter().copied().collect::<BTreeSet<_>>(), ids);
    for id in ids.iter().take(5) {
        let back = wats
            .report()
            .get_wsjf(*id, &FetchOptions::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.pn.as_deref(), Some(pn.as_str()));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_about_one_report_are_retried_with_backoff_then_delivered() {
    let server = Server::start().await;
    let (proxy, _) = Proxy::start(
        &server,
        Box::new(|_, n| {
            (n < 3)
                .then(|| fault(500, r#"{"Message":"busy"}"#))
                .flatten()
        }),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let r = report(&unique_pn("R500"), 1);
    let id = r.id.unwrap();
    queue.enqueue(&r, None).unwrap();
    let up = Uploader::spawn(queue.clone(), builder(&proxy.url()), fast()).unwrap();
    wait_for(20, "delivery after 503s", || async { done(&queue) == 1 }).await;
    up.control()
        .subscribe()
        .wait_for(|s| s.uploaded == 1)
        .await
        .unwrap();
    let info = queue.get(id).unwrap().unwrap();
    assert_eq!(info.attempts, 4, "3 failures and the success");
    // The SDK did not retry on its own: one POST per attempt.
    assert_eq!(proxy.posts(), 4);
    assert_eq!(proxy.delivered.lock().unwrap().get(&id), Some(&1));
    let status = up.status();
    assert_eq!((status.retries, status.uploaded), (3, 1));
    assert!(status.last_error.unwrap().contains("busy"));
    // The server answered each time: the gate never closed.
    assert_eq!((status.probes, status.reconnects), (0, 0));
    up.shutdown().await.unwrap();
    assert!(server
        .client()
        .report()
        .get_wsjf(id, &FetchOptions::default())
        .await
        .unwrap()
        .is_some());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_closes_the_gate_and_counts_no_attempt() {
    let server = Server::start().await;
    let (proxy, _) = Proxy::start(
        &server,
        Box::new(|_, n| {
            (n < 3)
                .then(|| fault([502, 503, 504][n], r#"{"Message":"down for maintenance"}"#))
                .flatten()
        }),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let r = report(&unique_pn("R503"), 1);
    let id = r.id.unwrap();
    queue.enqueue(&r, None).unwrap();
    // The report's own backoff after a failed trial (1 ms) ends before the next probe (at
    // least 20 ms): each trial then finds the report due, so the sequence is exact.
    let up = Uploader::spawn(
        queue.clone(),
        builder(&proxy.url()),
        UploaderOptions {
            backoff_base: Duration::from_millis(1),
            backoff_min: Duration::from_millis(1),
            ..fast()
        },
    )
    .unwrap();
    wait_for(20, "delivery after 502/503/504", || async {
        done(&queue) == 1
    })
    .await;
    let status = up
        .control()
        .subscribe()
        .wait_for(|s| s.uploaded == 1)
        .await
        .unwrap()
        .clone();
    // The 502 closed the gate, uncounted; each probe (GET, passed through) answered, and the
    // report itself was the trial: its 503 and 504 count and back it off on its own, so a
    // report the gateway never takes cannot make the gate flap or hold up the others.
    let info = queue.get(id).unwrap().unwrap();
    assert_eq!(info.attempts, 3, "the trials and the delivery count");
    assert_eq!(proxy.posts(), 4);
    assert_eq!(proxy.delivered.lock().unwrap().get(&id), Some(&1));
    assert_eq!(status.retries, 2);
    assert_eq!((status.probes, status.reconnects), (3, 1));
    assert_eq!(status.connectivity, Connectivity::Online);
    assert!(status.last_error.unwrap().contains("down for maintenance"));
    up.shutdown().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_and_the_error_recorded() {
    let server = Server::start().await;
    let (proxy, _) = Proxy::start(
        &server,
        Box::new(|_, n| {
            (n == 0).then(|| {
                let mut h = HeaderMap::new();
                h.insert("retry-after", "1".parse().unwrap());
                (429, h, r#"{"Message":"slow down"}"#.to_owned())
            })
        }),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let r = report(&unique_pn("R429"), 1);
    let id = r.id.unwrap();
    queue.enqueue(&r, None).unwrap();
    let start = Instant::now();
    let up = Uploader::spawn(
        queue.clone(),
        builder(&proxy.url()),
        UploaderOptions {
            backoff_cap: Duration::from_secs(10),
            ..fast()
        },
    )
    .unwrap();
    wait_for(5, "the 429", || async { proxy.posts() >= 1 }).await;
    wait_for(5, "the retry to be scheduled", || async {
        queue.get(id).unwrap().unwrap().last_error.is_some()
    })
    .await;
    let info = queue.get(id).unwrap().unwrap();
    let err = info.last_error.unwrap();
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert!(info.next_attempt_at >= SystemTime::now() + Duration::from_millis(500));
    wait_for(10, "delivery", || async { done(&queue) == 1 }).await;
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    up.shutdown().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_reports_are_parked_with_the_message_and_retried_on_command() {
    let server = Server::start().await;
    let message = "root -> step Voltage: lowLimit is not a number";
    let (proxy, _) = Proxy::start(
        &server,
        Box::new(move |_, _| fault(400, &format!(r#"{{"Message":"{message}"}}"#))),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let pn = unique_pn("R400");
    let (a, b) = (report(&pn, 1), report(&pn, 2));
    queue.enqueue(&a, None).unwrap();
    queue.enqueue(&b, None).unwrap();
    let up = Uploader::spawn(queue.clone(), builder(&proxy.url()), fast()).unwrap();
    wait_for(10, "parking", || async {
        queue.stats().unwrap().parked == 2
    })
    .await;
    let parked = queue.list(Some(State::Parked), 10).unwrap();
    for e in &parked {
        let err = e.last_error.as_ref().unwrap();
        assert_eq!(err.kind, ErrorKind::Rejected);
        assert!(err.text.contains(message), "{}", err.text);
    }
    // Parked means no automatic retry.
    let posts = proxy.posts();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(proxy.posts(), posts);
    let status = up
        .control()
        .subscribe()
        .wait_for(|s| s.parked == 2)
        .await
        .unwrap()
        .clone();
    assert_eq!(status.connectivity, Connectivity::Online);

    // The server is fixed; an operator retries one, then all.
    proxy.set(Box::new(|_, _| None));
    assert_eq!(queue.retry_parked(Which::One(a.id.unwrap())).unwrap(), 1);
    wait_for(10, "the retried report", || async { done(&queue) == 1 }).await;
    assert_eq!(queue.stats().unwrap().parked, 1);
    assert_eq!(queue.retry_parked(Which::All).unwrap(), 1);
    wait_for(10, "all delivered", || async { done(&queue) == 2 }).await;
    up.shutdown().await.unwrap();
    for r in [&a, &b] {
        assert_eq!(
            proxy.delivered.lock().unwrap().get(&r.id.unwrap()),
            Some(&1)
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_pauses_uploads_and_loses_nothing() {
    let server = Server::start().await;
    let (proxy, _) = Proxy::start(
        &server,
        Box::new(|_, _| fault(401, r#"{"Message":"Authorization has been denied"}"#)),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let pn = unique_pn("R401");
    for i in 0..20 {
        queue.enqueue(&report(&pn, i), None).unwrap();
    }
    let up = Uploader::spawn(queue.clone(), builder(&proxy.url()), fast()).unwrap();
    let control = up.control();
    let mut rx = control.subscribe();
    rx.wait_for(|s: &UploaderStatus| s.connectivity == Connectivity::AuthFailed)
        .await
        .unwrap();
    wait_for(5, "in-flight uploads to settle", || async {
        queue.stats().unwrap().uploading == 0
    })
    .await;
    let status = control.status();
    assert!(status.paused);
    assert!(status.auth_failures >= 1 && status.auth_failures <= 5);
    assert!(status.last_error.unwrap().contains("Authorization"));
    // Nothing parked, nothing dropped, no attempt counted.
    let s = queue.stats().unwrap();
    assert_eq!((s.pending, s.parked, s.done), (20, 0, 0));
    assert!(queue
        .list(None, 100)
        .unwrap()
        .iter()
        .all(|e| e.attempts == 0));
    // Paused: no more requests, even when new reports arrive.
    let posts = proxy.posts();
    queue.enqueue(&report(&pn, 99), None).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(proxy.posts(), posts);

    // The token is fixed; the operator resumes: one probe, then everything.
    proxy.set(Box::new(|_, _| None));
    control.resume();
    wait_for(20, "all delivered", || async { done(&queue) == 21 }).await;
    let status = rx.wait_for(|s| s.uploaded == 21).await.unwrap().clone();
    assert!(!status.paused);
    assert_eq!(status.connectivity, Connectivity::Online);
    up.shutdown().await.unwrap();
    assert_eq!(proxy.delivered.lock().unwrap().len(), 21);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_pause_ends_by_itself_after_the_probe_interval() {
    let server = Server::start().await;
    let (proxy, _) = Proxy::start(
        &server,
        Box::new(|_, n| (n < 1).then(|| fault(403, "{}")).flatten()),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    queue.enqueue(&report(&unique_pn("R403"), 1), None).unwrap();
    let up = Uploader::spawn(
        queue.clone(),
        builder(&proxy.url()),
        UploaderOptions {
            auth_probe_interval: Duration::from_millis(300),
            ..fast()
        },
    )
    .unwrap();
    wait_for(10, "delivery after the probe", || async {
        done(&queue) == 1
    })
    .await;
    let status = up
        .control()
        .subscribe()
        .wait_for(|s| s.uploaded == 1)
        .await
        .unwrap()
        .clone();
    assert_eq!((status.auth_failures, status.uploaded), (1, 1));
    assert!(!status.paused);
    up.shutdown().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_returns_uploads_in_flight_to_pending() {
    let server = Server::start().await;
    let (proxy, hang) = Proxy::start(&server, Box::new(|_, _| None)).await;
    *hang.lock().unwrap() = true;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let pn = unique_pn("RHANG");
    for i in 0..8 {
        queue.enqueue(&report(&pn, i), None).unwrap();
    }
    let up = Uploader::spawn(
        queue.clone(),
        builder(&proxy.url()),
        UploaderOptions {
            shutdown_grace: Duration::from_millis(200),
            ..fast()
        },
    )
    .unwrap();
    wait_for(10, "5 uploads in flight", || async {
        queue.stats().unwrap().uploading == 5
    })
    .await;
    assert_eq!(up.status().in_flight, 5);
    let t = Instant::now();
    up.shutdown().await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    let s = queue.stats().unwrap();
    assert_eq!((s.pending, s.uploading), (8, 0));
    assert!(queue
        .list(None, 100)
        .unwrap()
        .iter()
        .all(|e| e.attempts == 0));

    // A new uploader delivers them once the server answers.
    *hang.lock().unwrap() = false;
    let up = Uploader::spawn(queue.clone(), builder(&proxy.url()), fast()).unwrap();
    wait_for(20, "delivery", || async { done(&queue) == 8 }).await;
    up.shutdown().await.unwrap();
    assert_eq!(proxy.posts(), 13);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_document_is_parked_as_corrupt() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let id = Uuid::new_v4();
    queue
        .enqueue_document(id, "{\"type\": \"T\", \"root\": [", None)
        .unwrap();
    let up = Uploader::spawn(queue.clone(), builder(&server.url()), fast()).unwrap();
    wait_for(10, "parking", || async {
        queue.stats().unwrap().parked == 1
    })
    .await;
    let err = queue.get(id).unwrap().unwrap().last_error.unwrap();
    assert_eq!(err.kind, ErrorKind::Corrupt);
    up.shutdown().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_down_closes_the_gate_and_probes_then_delivers_when_it_is_back() {
    // Nothing listens on this port yet.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let queue = open_queue(&dir);
    let pn = unique_pn("RDOWN");
    for i in 0..3 {
        queue.enqueue(&report(&pn, i), None).unwrap();
    }
    let up = Uploader::spawn(
        queue.clone(),
        builder(&format!("http://{addr}")).connect_timeout(Duration::from_millis(500)),
        fast(),
    )
    .unwrap();
    let mut rx = up.control().subscribe();
    let status = rx
        .wait_for(|s| s.connectivity == Connectivity::Offline && s.probes >= 3)
        .await
        .unwrap()
        .clone();
    // The gate holds the reports back: no attempt counted, no per-report retries.
    assert_eq!(status.retries, 0);
    assert!(status.probe_error.unwrap().contains("connection"));
    assert!(status.offline_since.is_some());
    wait_for(5, "in-flight uploads to settle", || async {
        queue.stats().unwrap().uploading == 0
    })
    .await;
    assert!(queue
        .list(None, 10)
        .unwrap()
        .iter()
        .all(|e| e.attempts == 0));
    assert_eq!(queue.stats().unwrap().done, 0);
    // The server comes up on that port.
    let dir2 = tempfile::tempdir().unwrap();
    let running = wats_server::start(wats_server::Config {
        listen: addr,
        database: wats_server::Database::Dir(dir2.path().to_owned()),
        admin: Some((USER.into(), PASSWORD.into())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    })
    .await
    .unwrap();
    wait_for(20, "delivery", || async { done(&queue) == 3 }).await;
    let status = up
        .control()
        .subscribe()
        .wait_for(|s| s.uploaded == 3 && s.connectivity == Connectivity::Online)
        .await
        .unwrap()
        .clone();
    assert_eq!(status.reconnects, 1);
    assert!(status.offline_since.is_none() && status.offline_before > Duration::ZERO);
    assert_eq!(status.probe_error, None);
    up.shutdown().await.unwrap();
    running.stop().await.unwrap();
}

#[path = "uploader/outage.rs"]
mod outage;

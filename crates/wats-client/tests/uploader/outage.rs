//! The uploader through a server outage: the real server on loopback, stopped and started
//! again on its port and data folder, behind a TCP proxy that counts the connections the
//! station opens (while the server is away, the proxy closes each at once, as a load balancer
//! with no backend would).
//!
//! `WATS_OUTAGE_SECONDS` (default 60) sets the outage's length; the test prints its figures.

use std::path::Path;

use tokio::net::{TcpListener, TcpStream};

use super::*;

/// Counts the connections it accepts and forwards each to `backend`.
struct CountingProxy {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl CountingProxy {
    async fn start(backend: SocketAddr) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    // Nothing listening behind: the client's connection is closed unanswered.
                    if let Ok(mut server) = TcpStream::connect(backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        CountingProxy { addr, connections }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve_at(addr: SocketAddr, data: &Path, password: &str) -> wats_server::Running {
    wats_server::start(wats_server::Config {
        listen: addr,
        database: wats_server::Database::Dir(data.to_owned()),
        admin: Some((USER.into(), password.into())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    })
    .await
    .unwrap()
}

fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

async fn enqueue_all(queue: &Arc<Queue>, reports: Vec<Report>) {
    let q = queue.clone();
    tokio::task::spawn_blocking(move || {
        for r in &reports {
            q.enqueue(r, None).unwrap();
        }
    })
    .await
    .unwrap();
}

/// A server behind a counting proxy, a queue, and an uploader that delivered one report.
struct Rig {
    data: tempfile::TempDir,
    addr: SocketAddr,
    proxy: CountingProxy,
    queue: Arc<Queue>,
    pn: String,
    up: wats_client::uploader::UploaderHandle,
    _dir: tempfile::TempDir,
}

impl Rig {
    /// Starts it all; returns the server, to be stopped by the test.
    async fn start(prefix: &str, options: UploaderOptions) -> (Rig, wats_server::Running) {
        let data = tempfile::tempdir().unwrap();
        let addr = free_port();
        let server = serve_at(addr, data.path(), PASSWORD).await;
        let proxy = CountingProxy::start(addr).await;
        let dir = tempfile::tempdir().unwrap();
        let queue = open_queue(&dir);
        let pn = unique_pn(prefix);
        let up = Uploader::spawn(
            queue.clone(),
            builder(&proxy.url()).connect_timeout(Duration::from_millis(500)),
            options,
        )
        .unwrap();
        queue.enqueue(&report(&pn, 0), None).unwrap();
        wait_for(10, "the first delivery", || async { done(&queue) == 1 }).await;
        let rig = Rig {
            data,
            addr,
            proxy,
            queue,
            pn,
            up,
            _dir: dir,
        };
        (rig, server)
    }
}

fn outage_options() -> UploaderOptions {
    UploaderOptions {
        // The station's defaults but the cap: the drain must start within 10 s of the return,
        // and the probe comes at most `reconnect_max` after it.
        reconnect_min: Duration::from_secs(1),
        reconnect_max: Duration::from_secs(3),
        ..UploaderOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_offline_with_2000_reports_costs_a_few_probes_and_drains_in_seconds() {
    let outage = Duration::from_secs(
        std::env::var("WATS_OUTAGE_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60),
    );
    let (rig, server) = Rig::start("OUTAGE", outage_options()).await;
    let Rig {
        data,
        addr,
        proxy,
        queue,
        pn,
        up,
        _dir,
    } = rig;
    let control = up.control();
    let mut rx = control.subscribe();

    // The server goes away; 2,000 reports arrive meanwhile.
    server.stop().await.unwrap();
    let down = Instant::now();
    let before = proxy.connections();
    let reports: Vec<Report> = (1..=2000).map(|i| report(&pn, i)).collect();
    let ids: BTreeSet<Uuid> = reports.iter().map(|r| r.id.unwrap()).collect();
    enqueue_all(&queue, reports).await;
    rx.wait_for(|s| s.connectivity == Connectivity::Offline)
        .await
        .unwrap();
    tokio::time::sleep(outage.saturating_sub(down.elapsed())).await;
    let during = proxy.connections() - before;
    let status = control.status();
    assert_eq!(status.connectivity, Connectivity::Offline);
    assert_eq!(status.retries, 0, "no report retried on its own");
    assert!(status.offline_total() >= outage - Duration::from_secs(5));
    assert!(queue
        .list(Some(State::Pending), 3000)
        .unwrap()
        .iter()
        .all(|e| e.attempts == 0));

    // It returns.
    let server = serve_at(addr, data.path(), PASSWORD).await;
    let back = Instant::now();
    wait_for(60, "the first delivery after the return", || async {
        done(&queue) > 1
    })
    .await;
    let noticed = back.elapsed();
    wait_for(60, "the backlog delivered", || async {
        done(&queue) == 2001
    })
    .await;
    let drained = back.elapsed();
    let status = rx.wait_for(|s| s.uploaded == 2001).await.unwrap().clone();
    println!(
        "outage {:?}: {during} connections while away ({:.1}/min), {} probes; \
         first delivery {:.2} s and the backlog of 2000 drained {:.2} s after the return",
        outage,
        during as f64 * 60.0 / outage.as_secs_f64(),
        status.probes,
        noticed.as_secs_f64(),
        drained.as_secs_f64()
    );
    assert!(
        during <= 40,
        "{during} connections during a {outage:?} outage"
    );
    assert!(
        noticed <= Duration::from_secs(3 + 2),
        "first delivery {noticed:?} after the return (cap 3 s)"
    );
    assert!(
        drained <= Duration::from_secs(10),
        "drained {drained:?} after the return"
    );
    assert_eq!(status.connectivity, Connectivity::Online);
    assert_eq!(
        (status.uploaded, status.retries, status.parked),
        (2001, 0, 0)
    );
    assert_eq!(status.reconnects, 1);
    // Each report delivered once: one counted attempt, and the server holds each id.
    assert!(queue
        .list(Some(State::Done), 3000)
        .unwrap()
        .iter()
        .all(|e| e.attempts == 1));
    up.shutdown().await.unwrap();
    let wats = Wats::builder()
        .base_url(format!("http://{addr}"))
        .credentials(USER, PASSWORD)
        .no_cache()
        .no_rate_limit()
        .build()
        .unwrap();
    let headers = wats
        .report()
        .headers(
            HeaderQuery::uut()
                .filter(fields::PART_NUMBER.eq(pn.as_str()))
                .top(5000),
        )
        .send()
        .await
        .unwrap();
    let found: BTreeSet<Uuid> = headers.iter().filter_map(|h| h.uuid).collect();
    assert_eq!(headers.len(), 2001);
    assert!(ids.is_subset(&found));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_back_refusing_the_token_keeps_the_gate_closed_and_parks_nothing() {
    let (rig, server) = Rig::start(
        "TOKEN",
        UploaderOptions {
            auth_probe_interval: Duration::from_secs(3600),
            ..fast()
        },
    )
    .await;
    let Rig {
        data,
        addr,
        proxy,
        queue,
        pn,
        up,
        _dir,
    } = rig;
    let control = up.control();
    let mut rx = control.subscribe();

    server.stop().await.unwrap();
    enqueue_all(&queue, (1..=50).map(|i| report(&pn, i)).collect()).await;
    rx.wait_for(|s| s.connectivity == Connectivity::Offline)
        .await
        .unwrap();
    // Back, with the station's password changed on the server.
    let server = serve_at(addr, data.path(), "another-password").await;
    let status = rx
        .wait_for(|s| s.connectivity == Connectivity::AuthFailed)
        .await
        .unwrap()
        .clone();
    assert!(status.paused);
    assert!(
        status.probe_error.as_deref().unwrap().contains("401"),
        "{:?}",
        status.probe_error
    );
    // A refused token is not probed in a loop (here: once an hour); nothing is sent, parked
    // or counted meanwhile.
    let (probes, connections) = (status.probes, proxy.connections());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = control.status();
    assert_eq!(status.connectivity, Connectivity::AuthFailed);
    assert_eq!((status.probes, proxy.connections()), (probes, connections));
    assert_eq!(status.uploaded, 1);
    let s = queue.stats().unwrap();
    assert_eq!((s.pending, s.parked, s.done), (50, 0, 1));
    assert!(queue
        .list(Some(State::Pending), 100)
        .unwrap()
        .iter()
        .all(|e| e.attempts == 0));

    // The password is set back: still waiting, until the operator resumes.
    server.stop().await.unwrap();
    let server = serve_at(addr, data.path(), PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(control.status().connectivity, Connectivity::AuthFailed);
    assert_eq!(done(&queue), 1);
    control.resume();
    wait_for(20, "the backlog delivered", || async { done(&queue) == 51 }).await;
    let status = rx.wait_for(|s| s.uploaded == 51).await.unwrap().clone();
    assert_eq!(status.connectivity, Connectivity::Online);
    assert!(!status.paused);
    assert_eq!(status.parked, 0);
    up.shutdown().await.unwrap();
    server.stop().await.unwrap();
}

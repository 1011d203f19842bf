//! Hostile clients: one test per finding of the probe in issue 15, each against a real server
//! on loopback over real sockets (SQLite). Every bad input must be a 4xx naming the limit,
//! never a 500, and the server must keep answering valid clients.
//!
//! Tests that measure RSS or timing take [`EXCLUSIVE`] so that other tests of this file do not
//! run beside them (the server runs in this test process). Socket counts fit the common
//! default of 1024 open files: the server's cap is set low instead of opening 20,000 sockets.
//!
//! This file holds the server harness and shared helpers; the findings are grouped in
//! `input.rs`, `sockets.rs`, `memory.rs` and `logins.rs`.

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

fn basic() -> String {
    format!("Basic {}", wats_server::auth::basic_token(USER, PASSWORD))
}

// ---- 500s for client input ------------------------------------------------------------------

// ---- connections and bodies -----------------------------------------------------------------

// ---- authentication -------------------------------------------------------------------------

// ---- files, health, metrics -----------------------------------------------------------------

mod input;
mod logins;
mod memory;
mod sockets;

//! The control API of a running station, on loopback (`127.0.0.1:8765` by default).
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/status` | mode, server, connectivity (the upload gate: why closed, since when, the last probe error), intake, queue counts, the backlog's age, counters |
//! | GET | `/queue` | queue counts |
//! | GET | `/queue/pending`, `/queue/parked`, `/queue/done` | entries (`?limit=`, default 100) |
//! | POST | `/queue/{id}/retry` | a parked entry back to pending |
//! | POST | `/queue/retry-parked` | every parked entry back to pending |
//! | DELETE | `/queue/{id}` | drop an entry (the report is not sent) |
//! | POST | `/rescan` | rescan the watch folders now |
//! | POST | `/resume` | probe the server now (after the token was fixed) |
//! | GET | `/config` | the configuration, token redacted |
//! | POST | `/restart`, `/stop` | restart (configuration read again) or stop the station |
//! | GET | `/health/live` | 200 while the process runs |
//! | GET | `/health/ready` | 200 when the server answers, 503 with the reason otherwise (the upload gate's, while it is closed) |
//! | GET | `/metrics` | Prometheus text |
//! | GET | `/serial` | the serial-number pools' levels |
//! | POST | `/serial/{type}/take?count=N` | hand out serial numbers from a pool ([`crate::serial_pool`]) |
//!
//! Mutating calls (POST, DELETE) need the instance's secret (`control.secret` in its data
//! folder, owner-only, created at first start) in `Authorization: Bearer <secret>` (the CLI
//! reads it from the file) or a dashboard session. The same address serves the web dashboard
//! (`/ui/`, `crate::dashboard`); one guard (`dashboard::security`) checks the Host header on
//! every route and, on a non-loopback address, wants a login for every route. Where the API listens is written to `control.json` in the data
//! folder so the CLI finds it even on a port chosen at random.
//!
//! The API sees the station only through [`ControlState`], which the station builds: this
//! module does not depend on `station` (the run loop depends on it, not the other way round).
//! Its client, for the CLI, is [`client::ControlClient`].

pub mod client;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use crate::intake::pause::Intake;
use crate::metrics::Metrics;
use crate::queue::{EntryInfo, Queue, State as EntryState, Which};
use crate::source::SkippedList;
use crate::uploader::gate::Closed;
use crate::uploader::{Connectivity, UploaderControl, UploaderStatus};

pub use crate::config::state::{CONTROL_INFO_FILE, CONTROL_SECRET_FILE};

/// How a run ended: what `/stop` and `/restart` ask of the run loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Stop the process.
    Stop,
    /// Read the configuration again and start over.
    Restart,
}

/// What the control API sees of a running station (the station builds it at start).
pub struct ControlState {
    /// The instance name.
    pub instance: String,
    /// The queue.
    pub queue: Arc<Queue>,
    /// The uploader's controls.
    pub uploader: UploaderControl,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Intake state.
    pub intake: Arc<Intake>,
    /// What the watch folders do not take (special files, folders, refused symlinks).
    pub skipped: SkippedList,
    /// The configuration with the token redacted.
    pub config: Value,
    /// The server reports go to.
    pub server_url: String,
    /// A client for readiness probes (short timeout).
    pub probe: wats::Wats,
    /// True in local mode (embedded server).
    pub local_mode: bool,
    /// The inbox folder of local mode (or of a station without converters).
    pub inbox: Option<PathBuf>,
    /// The secret mutating control calls must present.
    pub secret: String,
    /// When the station started.
    pub started: SystemTime,
    /// Ask the run loop to stop or restart.
    pub exit: watch::Sender<Option<Exit>>,
    /// Ask the sources to rescan now.
    pub rescan: mpsc::UnboundedSender<()>,
    /// The instance's files (configuration, logs): the dashboard's Setup, Converters and
    /// Logs pages read and change them.
    pub home: crate::config::Instance,
    /// The serial-number pools, when configured.
    pub serial_pool: Option<Arc<crate::serial_pool::SerialPool>>,
}

/// The running control API.
pub struct ControlServer {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl ControlServer {
    /// Stops serving.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(());
        // A graceful shutdown waits for every connection, and a dashboard's live stream does
        // not end by itself when the station stops by a signal: it gets a moment, then goes.
        if tokio::time::timeout(crate::durations::CONTROL_DRAIN, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

/// Where a running station's control API is, as written to `control.json`.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct ControlInfo {
    /// `127.0.0.1:8765`.
    pub address: String,
    /// The station's process id.
    pub pid: u32,
}

/// Binds `address` and serves the control API of `shared`; writes where it listens to
/// `info_path` (the instance's `control.json`).
pub async fn serve(
    shared: Arc<ControlState>,
    address: &str,
    info_path: &Path,
) -> anyhow::Result<ControlServer> {
    let addr: SocketAddr = address.parse().with_context(|| {
        format!("control_address {address:?} is not an address like 127.0.0.1:8765")
    })?;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        // Taken (another instance, another program): any free port; `control.json` tells
        // the CLI where.
        Err(e) if addr.port() != 0 && e.kind() == std::io::ErrorKind::AddrInUse => {
            tracing::warn!(%addr, "the control address is taken; using a free port");
            let mut any = addr;
            any.set_port(0);
            tokio::net::TcpListener::bind(any)
                .await
                .with_context(|| format!("cannot listen on {any} for the control API"))?
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot listen on {addr} for the control API"))
        }
    };
    let addr = listener.local_addr()?;
    if let Some(w) = crate::dashboard::security::exposure_warning(&addr.to_string()) {
        tracing::warn!("{w}");
    }
    let info = ControlInfo {
        address: addr.to_string(),
        pid: std::process::id(),
    };
    crate::config::write_atomic(
        info_path,
        serde_json::to_string_pretty(&info)?.as_bytes(),
        false,
    )?;
    let policy = crate::dashboard::security::Policy::new(addr, &shared)?;
    let router = router(shared, policy);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "the control API stopped");
        }
    });
    Ok(ControlServer {
        addr,
        shutdown: tx,
        task,
    })
}

/// The routes: the JSON API and the dashboard (`/ui/`), behind one guard (Host header,
/// authentication, CSRF: `dashboard::security`).
pub fn router(shared: Arc<ControlState>, policy: crate::dashboard::security::Policy) -> Router {
    let policy = Arc::new(policy);
    Router::new()
        .route("/status", get(status))
        .route("/queue", get(queue_stats))
        .route(
            "/queue/pending",
            get(|s, q| list(s, q, EntryState::Pending)),
        )
        .route("/queue/parked", get(|s, q| list(s, q, EntryState::Parked)))
        .route("/queue/done", get(|s, q| list(s, q, EntryState::Done)))
        .route("/queue/retry-parked", post(retry_all))
        .route("/queue/{id}/retry", post(retry_one))
        .route("/queue/{id}", delete(drop_one))
        .route("/rescan", post(rescan))
        .route("/resume", post(resume))
        .route("/config", get(config))
        .route("/restart", post(|s| exit(s, Exit::Restart)))
        .route("/stop", post(|s| exit(s, Exit::Stop)))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .merge(crate::serial_pool::routes())
        .with_state(shared.clone())
        .merge(crate::dashboard::routes(shared, policy.clone()))
        .layer(middleware::from_fn_with_state(
            policy,
            crate::dashboard::security::guard,
        ))
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The gate and the backlog, as `/status` shows them.
fn gate_json(shared: &ControlState, up: &UploaderStatus) -> Value {
    let now = SystemTime::now();
    let oldest = shared.queue.oldest_undelivered().ok().flatten();
    json!({
        "gate": {
            "state": if matches!(up.connectivity, Connectivity::Offline | Connectivity::AuthFailed) { "closed" } else { "open" },
            "reason": match up.connectivity {
                Connectivity::Offline => Some(Closed::Unreachable.as_str()),
                Connectivity::AuthFailed => Some(Closed::TokenRefused.as_str()),
                _ => None,
            },
            "since": up.since.map(unix),
            "last_probe_error": up.probe_error,
            "next_probe": up.next_probe.map(unix),
            "probes": up.probes,
            "reconnects": up.reconnects,
            "offline_seconds_total": up.offline_total().as_secs_f64(),
        },
        "backlog": {
            "oldest_age_seconds": oldest.and_then(|t| now.duration_since(t).ok()).map(|d| d.as_secs()),
        },
    })
}

fn stats_json(shared: &ControlState) -> Value {
    match shared.queue.stats() {
        Ok(s) => json!({
            "pending": s.pending, "uploading": s.uploading, "parked": s.parked,
            "done": s.done, "undelivered_bytes": s.bytes,
        }),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

async fn status(State(shared): State<Arc<ControlState>>) -> Json<Value> {
    let up = shared.uploader.status();
    let gate = gate_json(&shared, &up);
    let m = &shared.metrics;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    Json(json!({
        "instance": shared.instance,
        "version": env!("CARGO_PKG_VERSION"),
        "pid": std::process::id(),
        "mode": if shared.local_mode { "local" } else { "remote" },
        "server": shared.server_url,
        "inbox": shared.inbox,
        "started": unix(shared.started),
        "uptime_seconds": shared.started.elapsed().map(|d| d.as_secs()).unwrap_or(0),
        "connectivity": up.connectivity.as_str(),
        "uploads_paused": up.paused,
        "intake": {
            "paused": shared.intake.is_paused(), "reason": shared.intake.reason(),
            "skipped": shared.skipped.list(100).into_iter()
                .map(|(path, reason)| json!({ "path": path, "reason": reason }))
                .collect::<Vec<_>>(),
        },
        "queue": stats_json(&shared),
        "files": {
            "seen": load(&m.files_seen), "converted": load(&m.files_converted),
            "failed": load(&m.files_failed), "deferred": load(&m.files_deferred),
        },
        "reports": {
            "queued": load(&m.reports_queued), "uploaded": up.uploaded, "parked": up.parked,
            "retries": up.retries,
        },
        "last_error": up.last_error,
        "last_success": up.last_success.map(unix),
        "alarm": up.stopped_by,
        "gate": gate["gate"],
        "backlog": gate["backlog"],
        "serial_pools": crate::serial_pool::levels_json(shared.serial_pool.as_deref()),
    }))
}

async fn queue_stats(State(shared): State<Arc<ControlState>>) -> Json<Value> {
    Json(stats_json(&shared))
}

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<usize>,
}

/// An entry as JSON.
pub fn entry_json(e: &EntryInfo) -> Value {
    json!({
        "id": e.id,
        "state": e.state.as_str(),
        "source": e.source,
        "attempts": e.attempts,
        "next_attempt_at": unix(e.next_attempt_at),
        "last_error_kind": e.last_error.as_ref().map(|l| l.kind.as_str()),
        "last_error": e.last_error.as_ref().map(|l| l.text.clone()),
        "bytes": e.bytes,
        "created_at": unix(e.created_at),
        "updated_at": unix(e.updated_at),
    })
}

async fn list(
    State(shared): State<Arc<ControlState>>,
    Query(q): Query<ListQuery>,
    state: EntryState,
) -> Response {
    match shared
        .queue
        .list(Some(state), q.limit.unwrap_or(100).min(10_000))
    {
        Ok(entries) => Json(entries.iter().map(entry_json).collect::<Vec<_>>()).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

fn parse_id(id: &str) -> Result<uuid::Uuid, Box<Response>> {
    uuid::Uuid::parse_str(id).map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            &format!("{id:?} is not a report id"),
        ))
    })
}

async fn retry_one(
    State(shared): State<Arc<ControlState>>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match shared.queue.retry_parked(Which::One(id)) {
        Ok(0) => error(StatusCode::NOT_FOUND, "no parked entry with this id"),
        Ok(n) => Json(json!({ "retried": n })).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn retry_all(State(shared): State<Arc<ControlState>>) -> Response {
    match shared.queue.retry_parked(Which::All) {
        Ok(n) => Json(json!({ "retried": n })).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn drop_one(
    State(shared): State<Arc<ControlState>>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match shared.queue.drop_entry(id) {
        Ok(()) => Json(json!({ "dropped": id })).into_response(),
        Err(e) => error(StatusCode::CONFLICT, &e.to_string()),
    }
}

async fn rescan(State(shared): State<Arc<ControlState>>) -> Json<Value> {
    let _ = shared.rescan.send(());
    Json(json!({ "rescan": true }))
}

async fn resume(State(shared): State<Arc<ControlState>>) -> Json<Value> {
    shared.uploader.resume();
    Json(json!({ "resumed": true }))
}

async fn config(State(shared): State<Arc<ControlState>>) -> Json<Value> {
    Json(shared.config.clone())
}

async fn exit(State(shared): State<Arc<ControlState>>, exit: Exit) -> Json<Value> {
    shared.exit.send_replace(Some(exit));
    Json(json!({ "accepted": format!("{exit:?}").to_lowercase() }))
}

/// Ready when the server answers. While the uploader's gate is closed the answer is the
/// gate's (why, since when), without a request of its own: the gate already probes.
async fn ready(State(shared): State<Arc<ControlState>>) -> Response {
    let up = shared.uploader.status();
    let closed = match up.connectivity {
        Connectivity::Offline => Some(Closed::Unreachable),
        Connectivity::AuthFailed => Some(Closed::TokenRefused),
        _ => None,
    };
    if let Some(why) = closed {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "ready": false, "server": shared.server_url,
                "reason": format!("upload gate closed: {}", why.as_str()),
                "since": up.since.map(unix), "error": up.probe_error,
            })),
        )
            .into_response();
    }
    match shared.probe.app().version().await {
        Ok(v) => Json(json!({ "ready": true, "server": shared.server_url, "version": v }))
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "ready": false, "server": shared.server_url,
                "reason": "the server does not answer", "error": e.to_string(),
            })),
        )
            .into_response(),
    }
}

async fn metrics(State(shared): State<Arc<ControlState>>) -> Response {
    let stats = shared.queue.stats().ok();
    let oldest = shared.queue.oldest_undelivered().ok().flatten();
    let mut body = shared.metrics.render(
        stats.as_ref(),
        oldest,
        &shared.uploader.status(),
        shared.intake.is_paused(),
    );
    body.push_str(&crate::serial_pool::metrics_text(
        shared.serial_pool.as_deref(),
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

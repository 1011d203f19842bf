//! Health and Prometheus metrics: `GET /health/live`, `GET /health/ready`, `GET /metrics`.
//!
//! WATS has none of these routes, so they are this server's own and answer without
//! authentication (a load balancer or Prometheus has no WATS token). They reveal counts and
//! route templates, never data. The exposition is written by hand (the text format is a few
//! lines) rather than pulling in a metrics framework for a dozen series.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How long `/health/ready` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// One route's latency histogram.
#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Counters of the whole server.
#[derive(Default)]
pub struct Metrics {
    /// (method, route template, status) → requests.
    requests: Mutex<HashMap<(String, String, u16), u64>>,
    /// Route template → latency.
    latency: Mutex<HashMap<String, Histogram>>,
    /// Reports stored (new or replacing), by format.
    pub reports_wsjf: AtomicU64,
    /// Reports stored from WSXF.
    pub reports_wsxf: AtomicU64,
    /// Connections open now.
    pub connections_open: AtomicUsize,
    /// Connections refused because every connection was busy.
    pub connections_refused: AtomicU64,
    /// Idle connections closed to make room for new ones.
    pub connections_shed: AtomicU64,
    /// Logins refused (wrong password or unknown user).
    pub logins_failed: AtomicU64,
    /// Logins answered 429 (too many failures).
    pub logins_limited: AtomicU64,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m.entry(route.to_owned()).or_default();
            let s = elapsed.as_secs_f64();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if s <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += s;
        }
    }
}

/// Middleware: counts every request by route template (not by path: ids would make a series
/// per report) and status, and times it.
pub async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Methods are any token a client sends: only the standard ones get their own series.
    let method = match *request.method() {
        Method::GET
        | Method::POST
        | Method::PUT
        | Method::DELETE
        | Method::HEAD
        | Method::OPTIONS
        | Method::PATCH => request.method().as_str(),
        _ => "OTHER",
    }
    .to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let response = next.run(request).await;
    state.metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `GET /health/live`: the process answers.
pub async fn live() -> &'static str {
    "ok"
}

/// `GET /health/ready`: the database answers (`503` when it does not within 2 s).
pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let ping = sqlx::query("SELECT 1").execute(state.store.pool());
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(_)) => "ok".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database did not answer within 2 s",
        )
            .into_response(),
    }
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let text = render(&state);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render(state: &AppState) -> String {
    let m = &state.metrics;
    let mut out = String::new();
    let head = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };

    head(
        &mut out,
        "wats_http_requests_total",
        "counter",
        "HTTP requests by route and status.",
    );
    if let Ok(requests) = m.requests.lock() {
        let mut rows: Vec<_> = requests.iter().collect();
        rows.sort();
        for ((method, route, status), n) in rows {
            let _ = writeln!(
                out,
                "wats_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
    }
    head(
        &mut out,
        "wats_http_request_duration_seconds",
        "histogram",
        "Time to answer a request, by route.",
    );
    if let Ok(latency) = m.latency.lock() {
        let mut rows: Vec<_> = latency.iter().collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        for (route, h) in rows {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "wats_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "wats_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 wats_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 wats_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
    }

    head(
        &mut out,
        "wats_reports_ingested_total",
        "counter",
        "Reports stored, by format.",
    );
    let _ = writeln!(
        out,
        "wats_reports_ingested_total{{format=\"wsjf\"}} {}\nwats_reports_ingested_total{{format=\"wsxf\"}} {}",
        m.reports_wsjf.load(Ordering::Relaxed),
        m.reports_wsxf.load(Ordering::Relaxed)
    );

    head(
        &mut out,
        "wats_report_write_batch_size",
        "histogram",
        "Reports per write transaction (SQLite: the writer's group commits; PostgreSQL: 1).",
    );
    let w = state.store.writer_stats();
    for (bound, n) in crate::store::reports::BATCH_BUCKETS.iter().zip(&w.buckets) {
        let _ = writeln!(
            out,
            "wats_report_write_batch_size_bucket{{le=\"{bound}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    let batches = w.batches.load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "wats_report_write_batch_size_bucket{{le=\"+Inf\"}} {batches}\n\
         wats_report_write_batch_size_sum {}\nwats_report_write_batch_size_count {batches}",
        w.reports.load(Ordering::Relaxed)
    );

    let pool = state.store.pool();
    let (size, idle) = (pool.size() as usize, pool.num_idle());
    let gauges: [(&str, &str, usize); 7] = [
        (
            "wats_db_pool_connections",
            "Database connections open.",
            size,
        ),
        (
            "wats_db_pool_connections_in_use",
            "Database connections running a query.",
            size.saturating_sub(idle),
        ),
        (
            "wats_db_pool_max_connections",
            "The pool's maximum.",
            pool.options().get_max_connections() as usize,
        ),
        (
            "wats_connections_open",
            "Client connections open.",
            m.connections_open.load(Ordering::Relaxed),
        ),
        (
            "wats_body_budget_bytes_in_use",
            "Bytes of the request-body budgets held by requests.",
            state.budget.in_flight.load(Ordering::Relaxed),
        ),
        (
            "wats_body_budget_bytes_peak",
            "The most bytes of the request-body budgets held at once since start.",
            state.budget.in_flight_max.load(Ordering::Relaxed),
        ),
        (
            "wats_argon2_waiting",
            "Password verifications waiting for their turn.",
            state.login.waiting(),
        ),
    ];
    for (name, help, value) in gauges {
        head(&mut out, name, "gauge", help);
        let _ = writeln!(out, "{name} {value}");
    }
    let counters: [(&str, &str, u64); 4] = [
        (
            "wats_connections_refused_total",
            "Connections answered 503: every connection was busy.",
            m.connections_refused.load(Ordering::Relaxed),
        ),
        (
            "wats_connections_shed_total",
            "Idle connections closed to make room for new ones.",
            m.connections_shed.load(Ordering::Relaxed),
        ),
        (
            "wats_logins_failed_total",
            "Logins refused: wrong password or unknown user.",
            m.logins_failed.load(Ordering::Relaxed),
        ),
        (
            "wats_logins_rate_limited_total",
            "Logins answered 429 after too many failures.",
            m.logins_limited.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in counters {
        head(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name} {value}");
    }
    out
}

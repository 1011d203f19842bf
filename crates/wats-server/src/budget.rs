//! Request bodies: read within a time limit, under a memory budget shared across requests.
//!
//! A 59 MB report costs 0.8–1.2 GB while it is parsed, validated and stored; four at once
//! took 5 GB. So before reading a body a request takes its size (`Content-Length`)
//! from a semaphore of [`Limits::body_budget_bytes`] and keeps it until it is answered: large
//! reports queue instead of adding up. Bodies up to [`SMALL_BODY_BYTES`] draw from their own
//! budget, so a station's 50 KB report never waits behind a giant one. After a large request
//! the allocator is asked to give the freed memory back to the system (glibc keeps it
//! otherwise, and RSS stayed at 2.6 GB after the spike).
//!
//! The body is read here, not by the handler, with two clocks: no byte for
//! [`Limits::body_idle_timeout`], or the whole body not in by [`Limits::body_timeout`], is a
//! `408` (a request announcing `Content-Length: 100MB` and sending nothing was held for ever).
//! This runs after authentication, so an anonymous client can hold neither time nor memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt as _;
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::limits::{Limits, SMALL_BODY_BUDGET_BYTES, SMALL_BODY_BYTES};

/// The shared budgets and the body timeouts.
pub struct BodyBudget {
    large: Arc<Semaphore>,
    large_total: usize,
    small: Arc<Semaphore>,
    max_body: usize,
    idle_timeout: Duration,
    total_timeout: Duration,
    /// Bytes of the budgets taken now.
    pub in_flight: AtomicUsize,
    /// The most bytes taken at once since start (for tests and `/metrics`).
    pub in_flight_max: AtomicUsize,
}

impl BodyBudget {
    /// Budgets from the limits; bodies over `max_body` are refused.
    pub fn new(limits: &Limits, max_body: usize) -> Self {
        // A semaphore counts in u32: budgets are capped at 4 GiB.
        let large_total = limits
            .body_budget_bytes
            .clamp(SMALL_BODY_BYTES, u32::MAX as usize);
        BodyBudget {
            large: Arc::new(Semaphore::new(large_total)),
            large_total,
            small: Arc::new(Semaphore::new(SMALL_BODY_BUDGET_BYTES)),
            max_body,
            idle_timeout: limits.body_idle_timeout,
            total_timeout: limits.body_timeout,
            in_flight: AtomicUsize::new(0),
            in_flight_max: AtomicUsize::new(0),
        }
    }
}

impl BodyBudget {
    /// Takes `bytes` from the budget (the small one up to [`SMALL_BODY_BYTES`]), waiting for
    /// them; given back when the result is dropped. For work whose memory follows a size: a
    /// request body, or a stored report being read back (a 59 MB report fetched costs as
    /// much as one submitted).
    pub async fn hold(&self, bytes: usize) -> Result<Held<'_>, ApiError> {
        let bytes = bytes.max(1);
        let (semaphore, share) = if bytes <= SMALL_BODY_BYTES {
            (&self.small, bytes)
        } else {
            (&self.large, bytes.min(self.large_total))
        };
        let permit = semaphore
            .clone()
            .acquire_many_owned(share as u32)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        let now = self.in_flight.fetch_add(share, Ordering::Relaxed) + share;
        self.in_flight_max.fetch_max(now, Ordering::Relaxed);
        Ok(Held {
            budget: self,
            bytes: share,
            _permit: permit,
        })
    }
}

/// Bytes of the budget held by one request; given back on drop, and after a large share the
/// allocator is asked to return the freed memory.
pub struct Held<'a> {
    budget: &'a BodyBudget,
    bytes: usize,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.budget
            .in_flight
            .fetch_sub(self.bytes, Ordering::Relaxed);
        if self.bytes > SMALL_BODY_BYTES {
            give_memory_back();
        }
    }
}

fn too_large(len: usize, max: usize) -> ApiError {
    ApiError::Limited {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!(
            "The request body is {len} bytes; this server accepts at most {max} \
             (wats-server serve --max-body-mib)"
        ),
        retry_after: None,
    }
}

fn timed_out(what: &str, limit: Duration) -> ApiError {
    ApiError::Limited {
        status: StatusCode::REQUEST_TIMEOUT,
        message: format!(
            "The request body {what} {} s; send it again",
            limit.as_secs()
        ),
        retry_after: None,
    }
}

/// Middleware: takes the body's share of the budget, reads the body in time, runs the
/// handler on it and gives the share back once it has answered.
pub async fn bounded_body(
    State(state): State<Arc<crate::AppState>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let budget = &state.budget;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = request.headers().contains_key(header::TRANSFER_ENCODING);
    if declared.unwrap_or(0) == 0 && !chunked {
        return Ok(next.run(request).await);
    }
    if let Some(len) = declared.filter(|&l| l > budget.max_body) {
        return Err(too_large(len, budget.max_body));
    }
    // Without a length, the body may be as large as allowed: reserve that.
    let held = budget.hold(declared.unwrap_or(budget.max_body)).await?;
    let (parts, body) = request.into_parts();
    let bytes = read(body, declared, budget).await?;
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(held);
    Ok(response)
}

/// Reads a whole body, at most `max_body` bytes, within the idle and total timeouts.
async fn read(
    mut body: Body,
    declared: Option<usize>,
    budget: &BodyBudget,
) -> Result<Bytes, ApiError> {
    let started = Instant::now();
    let mut out = Vec::with_capacity(declared.unwrap_or(0));
    loop {
        let left = budget.total_timeout.saturating_sub(started.elapsed());
        let wait = budget.idle_timeout.min(left);
        let frame = match tokio::time::timeout(wait, body.frame()).await {
            Err(_) if left <= budget.idle_timeout => {
                return Err(timed_out("did not arrive within", budget.total_timeout))
            }
            Err(_) => return Err(timed_out("stopped arriving for", budget.idle_timeout)),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(ApiError::bad_request(format!(
                    "The request body could not be read: {e}"
                )))
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > budget.max_body {
                return Err(too_large(out.len() + data.len(), budget.max_body));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(out))
}

/// Asks the allocator to return free memory to the system (glibc only; others do it alone or
/// have no such call): at once, for what the request freed before giving its share back (the
/// report it stored), and again a moment later, for what is freed after (the answer, once
/// sent: a fetched report). Later trims asked for meanwhile are one.
fn give_memory_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static PENDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn_blocking(trim);
        if PENDING.swap(true, Ordering::AcqRel) {
            return;
        }
        runtime.spawn(async {
            tokio::time::sleep(TRIM_DELAY).await;
            PENDING.store(false, Ordering::Release);
            let _ = tokio::task::spawn_blocking(trim).await;
        });
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only releases free heap pages; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// How long after a large request the heap is trimmed again.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_DELAY: Duration = Duration::from_millis(250);

//! The uploader: takes due entries from the [`Queue`] and submits them through the `wats`
//! SDK, `concurrency` at a time, and settles each by the server's answer.
//!
//! | answer | verdict |
//! |---|---|
//! | 2xx | [`Queue::complete`] |
//! | connection failure, timeout, 5xx, 408, 429, open breaker, undecodable 2xx body | [`Queue::retry_later`], exponential backoff with full jitter and a cap; `Retry-After` honoured |
//! | other 4xx (validation…) | [`Queue::park`] with the server's message |
//! | 401 / 403 | [`Queue::release`] (the report is fine; the credentials are not), uploads pause, [`Connectivity::AuthFailed`] |
//! | a stored document that does not parse | [`Queue::park`] as [`ErrorKind::Corrupt`] |
//!
//! The SDK's own retry is switched off ([`Uploader::spawn`] builds the client with
//! `no_retry()`): the queue's backoff replaces it, and a report is never held by a worker
//! while it sleeps. An undecodable 2xx answer is retried rather than taken as delivery: a
//! captive portal or a misconfigured proxy answers 200 with a login page.
//!
//! After an authorization failure nothing is claimed until [`UploaderControl::resume`] (after
//! the token was fixed) or until `auth_probe_interval` has passed; then a single entry probes
//! the server, and uploads resume in full when it goes through.
//!
//! The uploader wakes when the queue gains a pending entry (the queue's
//! [`wake_handle`](Queue::wake_handle)), when the next retry falls due, and every
//! `poll_interval` as a safety net. [`UploaderHandle::shutdown`] waits up to `shutdown_grace`
//! for uploads in flight, then abandons them and returns their entries to pending.
//!
//! A queue storage error (disk full, I/O) stops the uploader: the error is in the status and
//! returned by [`UploaderHandle::shutdown`] / [`UploaderHandle::join`]; entries it could not
//! settle stay `uploading` on disk and return to pending when the queue is next opened.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;
use uuid::Uuid;
use wats::{Wats, WatsBuilder};

use crate::queue::{Entry, ErrorKind, Queue, QueueError};

/// Settings of the uploader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploaderOptions {
    /// Uploads in flight at once (default 5).
    pub concurrency: usize,
    /// Look at the queue at least this often, even without a wake-up (default 30 s).
    pub poll_interval: Duration,
    /// Upper bound of the first retry delay; it doubles per attempt (default 15 s).
    pub backoff_base: Duration,
    /// Shortest retry delay (default 1 s).
    pub backoff_min: Duration,
    /// Longest retry delay, `Retry-After` included (default 1 h).
    pub backoff_cap: Duration,
    /// After an authorization failure, probe the server again after this long (default 5 min).
    pub auth_probe_interval: Duration,
    /// How long [`UploaderHandle::shutdown`] waits for uploads in flight (default 10 s).
    pub shutdown_grace: Duration,
}

impl Default for UploaderOptions {
    fn default() -> Self {
        UploaderOptions {
            concurrency: 5,
            poll_interval: Duration::from_secs(30),
            backoff_base: Duration::from_secs(15),
            backoff_min: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(3600),
            auth_probe_interval: Duration::from_secs(300),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl UploaderOptions {
    /// The wait before the next attempt of an entry that has made `attempts` attempts:
    /// uniform in `[0, min(cap, base·2^(attempts−1))]` ("full jitter"), at least `backoff_min`.
    /// A `Retry-After` from the server replaces the draw (bounded by `backoff_min` and the cap).
    pub fn backoff(&self, attempts: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.max(self.backoff_min).min(self.backoff_cap);
        }
        let exp = attempts.saturating_sub(1).min(30);
        let ceiling = self
            .backoff_base
            .saturating_mul(1u32 << exp)
            .min(self.backoff_cap);
        let ms = ceiling.as_millis().min(u64::MAX as u128) as u64;
        Duration::from_millis(fastrand::u64(0..=ms))
            .max(self.backoff_min)
            .min(self.backoff_cap)
    }
}

/// Can reports reach the server?
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Connectivity {
    /// Nothing tried yet.
    #[default]
    Unknown,
    /// The last answer came from the server (2xx, or a refusal of one report).
    Online,
    /// The last attempt failed transiently (network, timeout, 5xx, 429).
    Offline,
    /// The server refused the credentials (401/403); uploads are paused.
    AuthFailed,
}

/// What the uploader is doing, for the status page, the control API and alarms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploaderStatus {
    /// Online / offline / auth failed.
    pub connectivity: Connectivity,
    /// Uploads are paused (after an authorization failure).
    pub paused: bool,
    /// Uploads in flight.
    pub in_flight: usize,
    /// Reports delivered since start.
    pub uploaded: u64,
    /// Reports parked since start.
    pub parked: u64,
    /// Transient failures scheduled for a retry since start.
    pub retries: u64,
    /// Authorization failures since start.
    pub auth_failures: u64,
    /// The last failure, for people.
    pub last_error: Option<String>,
    /// When the last report was delivered.
    pub last_success: Option<SystemTime>,
    /// Set when the uploader stopped on a queue storage error (an alarm).
    pub stopped_by: Option<String>,
}

/// The uploader failed.
#[derive(Debug, thiserror::Error)]
pub enum UploaderError {
    /// The queue could not be read or written.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The SDK client could not be built (bad URL, token, CA file…).
    #[error("cannot build the WATS client: {0}")]
    Client(#[from] wats::Error),
    /// The uploader task panicked.
    #[error("the uploader task failed: {0}")]
    Task(String),
}

/// Shared between the handle, its controls and the task.
#[derive(Debug)]
struct Shared {
    status: watch::Sender<UploaderStatus>,
    resume: Notify,
    shutdown: watch::Sender<bool>,
}

/// Cheap, cloneable controls of a running uploader (for the control API and the dashboard).
#[derive(Clone, Debug)]
pub struct UploaderControl {
    shared: Arc<Shared>,
}

impl UploaderControl {
    /// A snapshot of the status.
    pub fn status(&self) -> UploaderStatus {
        self.shared.status.borrow().clone()
    }

    /// A receiver that sees every status change.
    pub fn subscribe(&self) -> watch::Receiver<UploaderStatus> {
        self.shared.status.subscribe()
    }

    /// Ends an authorization pause now (after the token was fixed): one entry probes the
    /// server, then uploads resume in full.
    pub fn resume(&self) {
        self.shared.resume.notify_one();
    }
}

/// The running uploader.
#[derive(Debug)]
pub struct UploaderHandle {
    control: UploaderControl,
    task: tokio::task::JoinHandle<Result<(), QueueError>>,
}

impl UploaderHandle {
    /// Controls to hand to other parts of the service.
    pub fn control(&self) -> UploaderControl {
        self.control.clone()
    }

    /// A snapshot of the status.
    pub fn status(&self) -> UploaderStatus {
        self.control.status()
    }

    /// Stops: waits up to `shutdown_grace` for uploads in flight, returns the rest to pending.
    pub async fn shutdown(self) -> Result<(), UploaderError> {
        self.control.shared.shutdown.send_replace(true);
        self.join().await
    }

    /// Waits for the uploader to end (it ends by itself only on a queue storage error).
    pub async fn join(self) -> Result<(), UploaderError> {
        match self.task.await {
            Ok(r) => r.map_err(UploaderError::from),
            Err(e) => Err(UploaderError::Task(e.to_string())),
        }
    }
}

/// Starts uploaders on the current tokio runtime.
#[derive(Debug)]
pub struct Uploader;

impl Uploader {
    /// Builds the client from `client` with the SDK's retry switched off (the queue's backoff
    /// replaces it) and starts uploading from `queue`. Rate limit, breaker, timeouts, proxy
    /// and CAs are the builder's.
    pub fn spawn(
        queue: Arc<Queue>,
        client: WatsBuilder,
        options: UploaderOptions,
    ) -> Result<UploaderHandle, UploaderError> {
        let wats = client.no_retry().build()?;
        Ok(Self::spawn_with_client(queue, wats, options))
    }

    /// Starts uploading with a client built by the caller, who should have built it with
    /// `no_retry()`: SDK retries inside an upload only delay the queue's own backoff.
    pub fn spawn_with_client(
        queue: Arc<Queue>,
        wats: Wats,
        options: UploaderOptions,
    ) -> UploaderHandle {
        let (status, _) = watch::channel(UploaderStatus::default());
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            status,
            resume: Notify::new(),
            shutdown,
        });
        let task = tokio::spawn(run(queue, wats, options, shared.clone()));
        UploaderHandle {
            control: UploaderControl { shared },
            task,
        }
    }
}

/// How one upload ended.
#[derive(Debug)]
enum Outcome {
    Uploaded,
    Retry(String),
    Parked(String),
    AuthFailed(String),
}

/// What to do with an entry after the server's answer.
#[derive(Debug)]
enum Action {
    Complete,
    Retry {
        kind: ErrorKind,
        text: String,
        retry_after: Option<Duration>,
    },
    Park {
        kind: ErrorKind,
        text: String,
    },
    Release {
        text: String,
    },
}

/// Sorts an SDK error into the action the queue takes.
fn classify(error: &wats::Error) -> Action {
    use wats::Error as E;
    let text = error.to_string();
    match error {
        E::Unauthorized { .. } | E::Forbidden { .. } => Action::Release { text },
        E::Connection(_) => Action::Retry {
            kind: ErrorKind::Network,
            text,
            retry_after: None,
        },
        E::Timeout(_) => Action::Retry {
            kind: ErrorKind::Timeout,
            text,
            retry_after: None,
        },
        E::CircuitOpen { retry_in } => Action::Retry {
            kind: ErrorKind::Network,
            text,
            retry_after: Some(*retry_in),
        },
        E::Server {
            status,
            retry_after,
            ..
        } if error.is_transient() || status.as_u16() == 408 => Action::Retry {
            kind: if status.as_u16() == 429 {
                ErrorKind::RateLimited
            } else {
                ErrorKind::Server
            },
            text,
            retry_after: *retry_after,
        },
        // A 2xx whose body is not WATS's answer: not proof of delivery (see the module doc).
        E::Decode { .. } => Action::Retry {
            kind: ErrorKind::Server,
            text,
            retry_after: None,
        },
        E::Validation { .. } | E::NotFound { .. } | E::Conflict { .. } | E::Server { .. } => {
            Action::Park {
                kind: ErrorKind::Rejected,
                text,
            }
        }
        E::Config(_) => Action::Park {
            kind: ErrorKind::Other,
            text,
        },
        // Unknown future variants: never drop, never hot-loop.
        _ if error.is_transient() => Action::Retry {
            kind: ErrorKind::Other,
            text,
            retry_after: None,
        },
        _ => Action::Park {
            kind: ErrorKind::Other,
            text,
        },
    }
}

/// Uploads one claimed entry and settles it in the queue.
async fn upload(
    queue: Arc<Queue>,
    wats: Wats,
    options: Arc<UploaderOptions>,
    entry: Entry,
) -> Result<Outcome, QueueError> {
    let id = entry.id();
    // The document was written from a validated report at enqueue: it is sent as stored. A
    // syntax check (no model built) still catches a damaged row before it reaches the server.
    let checked = match &entry.damaged {
        Some(why) => Err(why.clone()),
        None => serde_json::from_str::<serde::de::IgnoredAny>(&entry.document)
            .map_err(|e| e.to_string()),
    };
    let action = match checked {
        Err(e) => Action::Park {
            kind: ErrorKind::Corrupt,
            text: format!("the queued document is not a readable report: {e}"),
        },
        Ok(_) => match wats.report().submit_wsjf(id, entry.document).await {
            Ok(_) => Action::Complete,
            Err(e) => classify(&e),
        },
    };
    let attempts = entry.info.attempts;
    tokio::task::spawn_blocking(move || {
        Ok(match action {
            Action::Complete => {
                queue.complete(id)?;
                Outcome::Uploaded
            }
            Action::Retry {
                kind,
                text,
                retry_after,
            } => {
                let wait = options.backoff(attempts, retry_after);
                tracing::info!(%id, attempts, ?wait, error = %text, "upload failed; will retry");
                queue.retry_later(id, kind, &text, SystemTime::now() + wait)?;
                Outcome::Retry(text)
            }
            Action::Park { kind, text } => {
                tracing::warn!(%id, error = %text, "report refused; parked");
                queue.park(id, kind, &text)?;
                Outcome::Parked(text)
            }
            // The dispatcher closes the gate first, then releases the entry (so that the
            // release does not wake it into claiming again with stale credentials).
            Action::Release { text } => Outcome::AuthFailed(text),
        })
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// Whether uploads may run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Gate {
    Open,
    /// Paused after an authorization failure until this instant.
    Paused(Instant),
    /// One entry at a time until one goes through.
    Probing,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, QueueError> + Send + 'static,
) -> Result<T, QueueError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

async fn run(
    queue: Arc<Queue>,
    wats: Wats,
    options: UploaderOptions,
    shared: Arc<Shared>,
) -> Result<(), QueueError> {
    let result = dispatch(&queue, &wats, &options, &shared).await;
    if let Err(e) = &result {
        tracing::error!(error = %e, "uploader stopped: queue storage error");
        shared.status.send_modify(|s| {
            s.stopped_by = Some(e.to_string());
            s.in_flight = 0;
        });
    }
    result
}

async fn dispatch(
    queue: &Arc<Queue>,
    wats: &Wats,
    options: &UploaderOptions,
    shared: &Shared,
) -> Result<(), QueueError> {
    let options = Arc::new(options.clone());
    let concurrency = options.concurrency.max(1);
    let wake = queue.wake_handle();
    let mut shutdown = shared.shutdown.subscribe();
    let mut tasks: JoinSet<Result<Outcome, QueueError>> = JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, Uuid> = HashMap::new();
    let mut gate = Gate::Open;

    loop {
        if *shutdown.borrow() {
            break;
        }
        if let Gate::Paused(until) = gate {
            if Instant::now() >= until {
                gate = Gate::Probing;
                shared.status.send_modify(|s| s.paused = false);
            }
        }
        let room = match gate {
            Gate::Open => concurrency.saturating_sub(in_flight.len()),
            Gate::Probing => usize::from(in_flight.is_empty()),
            Gate::Paused(_) => 0,
        };
        if room > 0 {
            let q = queue.clone();
            let claimed = blocking(move || q.claim_due(SystemTime::now(), room)).await?;
            for entry in claimed {
                let id = entry.id();
                let handle =
                    tasks.spawn(upload(queue.clone(), wats.clone(), options.clone(), entry));
                in_flight.insert(handle.id(), id);
            }
            let n = in_flight.len();
            shared.status.send_if_modified(|s| {
                let changed = s.in_flight != n;
                s.in_flight = n;
                changed
            });
        }
        // When to look again without a wake-up.
        let mut deadline = Instant::now() + options.poll_interval;
        match gate {
            Gate::Paused(until) => deadline = deadline.min(until),
            // Only when a due entry could be claimed (a probe in flight blocks claims, and
            // a deadline in the past would spin).
            Gate::Open if in_flight.len() < concurrency => {
                let q = queue.clone();
                if let Some(due) = blocking(move || q.next_due()).await? {
                    let wait = due
                        .duration_since(SystemTime::now())
                        .unwrap_or(Duration::ZERO);
                    deadline = deadline.min(Instant::now() + wait);
                }
            }
            _ => {}
        }
        tokio::select! {
            biased;
            _ = shutdown.changed() => {}
            Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let (task, result) = match joined {
                    Ok((task, result)) => (task, result),
                    Err(e) => {
                        // A panicking upload: park the entry (visible, no crash loop).
                        if let Some(id) = in_flight.remove(&e.id()) {
                            tracing::error!(%id, error = %e, "an upload task failed");
                            let q = queue.clone();
                            let text = format!("the upload task failed: {e}");
                            match blocking(move || q.park(id, ErrorKind::Other, &text)).await {
                                Ok(()) | Err(QueueError::WrongState { .. } | QueueError::NotFound(_)) => {}
                                Err(e) => return Err(e),
                            }
                        }
                        continue;
                    }
                };
                let id = in_flight.remove(&task);
                let outcome = match result {
                    Ok(outcome) => outcome,
                    Err(QueueError::WrongState { id, .. } | QueueError::NotFound(id)) => {
                        // Someone else changed the entry (an operator, a recovery): their
                        // decision stands.
                        tracing::warn!(%id, "queue entry changed during its upload");
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let auth_failed = matches!(outcome, Outcome::AuthFailed(_));
                gate = settle(shared, gate, outcome, &options, in_flight.len());
                if let (true, Some(id)) = (auth_failed, id) {
                    release(queue, id).await?;
                }
            }
            _ = wake.notified(), if !matches!(gate, Gate::Paused(_)) => {}
            _ = shared.resume.notified() => {
                if gate != Gate::Open {
                    gate = Gate::Probing;
                    shared.status.send_modify(|s| s.paused = false);
                }
            }
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }

    // Shutdown: let uploads in flight finish for a while, then abandon them.
    let grace = tokio::time::sleep(options.shutdown_grace);
    tokio::pin!(grace);
    while !tasks.is_empty() {
        tokio::select! {
            joined = tasks.join_next_with_id() => match joined {
                Some(Ok((task, result))) => {
                    let id = in_flight.remove(&task);
                    match result {
                        Ok(outcome) => {
                            let auth_failed = matches!(outcome, Outcome::AuthFailed(_));
                            settle(shared, gate, outcome, &options, in_flight.len());
                            if let (true, Some(id)) = (auth_failed, id) {
                                release(queue, id).await?;
                            }
                        }
                        Err(QueueError::WrongState { .. } | QueueError::NotFound(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                Some(Err(e)) => { in_flight.remove(&e.id()); }
                None => break,
            },
            _ = &mut grace => {
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                break;
            }
        }
    }
    // Abandoned uploads (a verdict already being written when they were aborted wins).
    for id in in_flight.into_values() {
        release(queue, id).await?;
    }
    shared.status.send_modify(|s| s.in_flight = 0);
    Ok(())
}

/// Returns a claimed entry to pending; fine if it was settled meanwhile.
async fn release(queue: &Arc<Queue>, id: Uuid) -> Result<(), QueueError> {
    let q = queue.clone();
    match blocking(move || q.release(id)).await {
        Ok(()) | Err(QueueError::WrongState { .. } | QueueError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Records an upload's outcome in the status; returns the new gate.
fn settle(
    shared: &Shared,
    gate: Gate,
    outcome: Outcome,
    options: &UploaderOptions,
    in_flight: usize,
) -> Gate {
    let mut next = gate;
    shared.status.send_modify(|s| {
        s.in_flight = in_flight;
        match outcome {
            Outcome::Uploaded => {
                s.uploaded += 1;
                s.connectivity = Connectivity::Online;
                s.last_success = Some(SystemTime::now());
                // The credentials work (even if an older upload just said otherwise).
                next = Gate::Open;
            }
            Outcome::Retry(text) => {
                s.retries += 1;
                s.connectivity = Connectivity::Offline;
                s.last_error = Some(text);
            }
            Outcome::Parked(text) => {
                s.parked += 1;
                s.connectivity = Connectivity::Online;
                s.last_error = Some(text);
                // The server took the credentials; it refused only this report.
                next = Gate::Open;
            }
            Outcome::AuthFailed(text) => {
                s.auth_failures += 1;
                s.connectivity = Connectivity::AuthFailed;
                s.last_error = Some(text);
                if !matches!(gate, Gate::Paused(_)) {
                    tracing::error!(
                        "the server refused the credentials; uploads paused (nothing is lost)"
                    );
                }
                next = Gate::Paused(Instant::now() + options.auth_probe_interval);
            }
        }
        s.paused = matches!(next, Gate::Paused(_));
    });
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_under_the_cap() {
        let o = UploaderOptions {
            backoff_base: Duration::from_secs(10),
            backoff_min: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(60),
            ..UploaderOptions::default()
        };
        for _ in 0..200 {
            let d1 = o.backoff(1, None);
            assert!(d1 >= Duration::from_secs(1) && d1 <= Duration::from_secs(10));
            let d3 = o.backoff(3, None);
            assert!(d3 <= Duration::from_secs(40));
            let d20 = o.backoff(20, None);
            assert!(d20 <= Duration::from_secs(60));
            assert!(o.backoff(u32::MAX, None) <= Duration::from_secs(60));
        }
        // Jitter: not always the same value.
        let draws: std::collections::HashSet<_> = (0..50).map(|_| o.backoff(5, None)).collect();
        assert!(draws.len() > 10);
        // Retry-After wins, within min and cap.
        assert_eq!(
            o.backoff(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            o.backoff(1, Some(Duration::from_secs(7200))),
            Duration::from_secs(60)
        );
        assert_eq!(o.backoff(1, Some(Duration::ZERO)), Duration::from_secs(1));
    }
}

//! The uploader: takes due entries from the [`Queue`] and submits them through the `wats`
//! SDK, `concurrency` at a time, and settles each by the server's answer
//! ([`attempt`]: which answer leads to which verdict).
//!
//! Whether anything is sent at all is the [`gate`]'s decision, one per server: a transport
//! failure, a timeout, a 502/503/504 or a refused token closes it; while it is closed nothing
//! is claimed, one probe at a time tests the server on a capped, jittered backoff
//! (`reconnect_max`), and the first success opens it, after which the backlog drains at full
//! concurrency, oldest first. A report's attempt count grows only for answers about that
//! report (429, another 5xx, a refusal), never while the server is away.
//!
//! The SDK's own retry is switched off ([`Uploader::spawn`] builds the client with
//! `no_retry()`): the gate and the queue's backoff replace it, and a report is never held by a
//! worker while it sleeps.
//!
//! The uploader wakes when the queue gains a pending entry (the queue's
//! [`wake_handle`](Queue::wake_handle)), when the next retry or probe falls due, and every
//! `poll_interval` as a safety net. [`UploaderHandle::shutdown`] waits up to `shutdown_grace`
//! for uploads in flight, then abandons them and returns their entries to pending.
//!
//! A queue storage error (disk full, I/O) stops the uploader: the error is in the status and
//! returned by [`UploaderHandle::shutdown`] / [`UploaderHandle::join`]; entries it could not
//! settle stay `uploading` on disk and return to pending when the queue is next opened.

mod attempt;
pub mod gate;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;
use uuid::Uuid;
use wats::{Wats, WatsBuilder};

use self::attempt::{upload, Outcome};
use self::gate::{Backlog, Closed, Gate, GateSettings, GateView, Notice};
use crate::durations;
use crate::queue::{ErrorKind, Queue, QueueError};

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
    /// While the token is refused, probe the server again after this long (default 5 min).
    pub auth_probe_interval: Duration,
    /// The first probe of an unreachable server comes within this; the wait doubles per
    /// failed probe (default 1 s).
    pub reconnect_min: Duration,
    /// The longest wait between two probes of an unreachable server (default 30 s, the
    /// configuration's `reconnect_max_seconds`).
    pub reconnect_max: Duration,
    /// While the server stays away, a WARN summary this often (default 10 min).
    pub outage_summary_every: Duration,
    /// How long [`UploaderHandle::shutdown`] waits for uploads in flight (default 10 s).
    pub shutdown_grace: Duration,
}

impl Default for UploaderOptions {
    fn default() -> Self {
        UploaderOptions {
            concurrency: 5,
            poll_interval: durations::UPLOAD_POLL_INTERVAL,
            backoff_base: durations::UPLOAD_BACKOFF_BASE,
            backoff_min: durations::UPLOAD_BACKOFF_MIN,
            backoff_cap: durations::UPLOAD_BACKOFF_CAP,
            auth_probe_interval: durations::AUTH_PROBE_INTERVAL,
            reconnect_min: durations::RECONNECT_MIN,
            reconnect_max: durations::RECONNECT_MAX,
            outage_summary_every: durations::OUTAGE_SUMMARY_EVERY,
            shutdown_grace: durations::UPLOAD_SHUTDOWN_GRACE,
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

    fn gate(&self) -> GateSettings {
        GateSettings {
            reconnect_min: self.reconnect_min,
            reconnect_max: self.reconnect_max,
            auth_probe_interval: self.auth_probe_interval,
            summary_every: self.outage_summary_every,
        }
    }
}

/// Can reports reach the server? (The [`gate`]'s state.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Connectivity {
    /// Nothing tried yet.
    #[default]
    Unknown,
    /// The gate is open: the server answered the last upload or probe.
    Online,
    /// The gate is closed: the server is unreachable (network, timeout, 502/503/504).
    Offline,
    /// The gate is closed: the server refused the credentials (401/403).
    AuthFailed,
}

impl Connectivity {
    /// `online`, `offline`, `auth_failed` or `unknown` (for `/status` and the CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Unknown => "unknown",
            Connectivity::Online => "online",
            Connectivity::Offline => "offline",
            Connectivity::AuthFailed => "auth_failed",
        }
    }
}

/// What the uploader is doing, for the status page, the control API and alarms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploaderStatus {
    /// The gate: online / offline / auth failed.
    pub connectivity: Connectivity,
    /// Since when `connectivity` is what it is (set at the first answer).
    pub since: Option<SystemTime>,
    /// Uploads wait for a fixed token (the gate is closed with "token refused").
    pub paused: bool,
    /// While the gate is closed: the failure that keeps it closed (the last probe's).
    pub probe_error: Option<String>,
    /// While the gate is closed: when the next probe is due (`None` while one is in flight
    /// or an upload tests the way).
    pub next_probe: Option<SystemTime>,
    /// Probes sent since start.
    pub probes: u64,
    /// Times the gate opened again after an outage or a refused token.
    pub reconnects: u64,
    /// Time the server was unreachable in outages that ended (see [`Self::offline_total`]).
    pub offline_before: Duration,
    /// Since when the server is unreachable, while it is (monotonic: the total never goes
    /// back when the wall clock is set).
    pub offline_since: Option<std::time::Instant>,
    /// Uploads in flight.
    pub in_flight: usize,
    /// Reports delivered since start.
    pub uploaded: u64,
    /// Reports parked since start.
    pub parked: u64,
    /// Transient failures of one report scheduled for a retry since start (429, 5xx…; not
    /// the server's absence, which closes the gate instead).
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

impl UploaderStatus {
    /// Time the server was unreachable since start, the outage in progress included.
    pub fn offline_total(&self) -> Duration {
        self.offline_before
            + self
                .offline_since
                .map(|since| since.elapsed())
                .unwrap_or_default()
    }
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

    /// Probes the server now if the gate is closed (after the token was fixed); uploads
    /// resume in full when the probe goes through.
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
    /// Builds the client from `client` with the SDK's retry and circuit breaker switched off
    /// (the queue's backoff and the [`gate`] replace them; a breaker would also fail the
    /// gate's probes locally for its whole open time) and starts uploading from `queue`. Rate
    /// limit, timeouts, proxy and CAs are the builder's.
    pub fn spawn(
        queue: Arc<Queue>,
        client: WatsBuilder,
        options: UploaderOptions,
    ) -> Result<UploaderHandle, UploaderError> {
        let wats = client.no_retry().no_circuit_breaker().build()?;
        Ok(Self::spawn_with_client(queue, wats, options))
    }

    /// Starts uploading with a client built by the caller, who should have built it with
    /// `no_retry()` and `no_circuit_breaker()`: SDK retries inside an upload only delay the
    /// queue's own backoff, and an open breaker keeps the gate's probes from the server.
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

/// The dispatcher's state besides the queue: the gate and what the status shows of it.
struct Link<'a> {
    queue: &'a Arc<Queue>,
    shared: &'a Shared,
    gate: Gate,
    /// The server answered at least once (else the connectivity is still unknown).
    answered: bool,
    /// A probe is in flight.
    probing: bool,
}

impl Link<'_> {
    /// Logs a gate notice, with the backlog when it mentions it.
    async fn log(&self, notice: Option<Notice>) {
        let Some(notice) = notice else { return };
        let backlog = if notice.wants_backlog() {
            let q = self.queue.clone();
            // A log line is not worth failing over: without the queue's answer it is
            // written without the backlog.
            blocking(move || {
                let stats = q.stats()?;
                let oldest = q.oldest_undelivered()?;
                Ok(Backlog {
                    reports: stats.pending + stats.uploading,
                    oldest_age: oldest.and_then(|t| SystemTime::now().duration_since(t).ok()),
                })
            })
            .await
            .ok()
        } else {
            None
        };
        notice.log(backlog);
    }

    /// Shows the gate in the status.
    fn publish(&self, in_flight: usize) {
        let view: GateView = self.gate.view();
        let (now, wall) = (Instant::now(), SystemTime::now());
        let to_wall = |at: Instant| wall + at.saturating_duration_since(now);
        let connectivity = match view.closed {
            Some(Closed::Unreachable) => Connectivity::Offline,
            Some(Closed::TokenRefused) => Connectivity::AuthFailed,
            None if self.answered => Connectivity::Online,
            None => Connectivity::Unknown,
        };
        let probing = self.probing || view.trial;
        self.shared.status.send_if_modified(|s| {
            let before = s.clone();
            if s.connectivity != connectivity {
                s.since = Some(wall);
            }
            s.connectivity = connectivity;
            s.paused = view.closed == Some(Closed::TokenRefused);
            s.probe_error = view.last_error.clone();
            s.next_probe = view.next_probe.filter(|_| !probing).map(to_wall);
            s.probes = view.probes;
            s.reconnects = view.reconnects;
            s.offline_before = view.offline_before;
            s.offline_since = view.offline_since.map(Instant::into_std);
            s.in_flight = in_flight;
            *s != before
        });
    }

    /// Records an upload's outcome. An entry the gate turned back is released, except the
    /// trial's (the probe said the server answers; this report did not go through): that one
    /// is retried on its own backoff, so that it cannot hold up the others.
    async fn settle(
        &mut self,
        id: Option<Uuid>,
        outcome: Outcome,
        in_flight: usize,
        options: &UploaderOptions,
    ) -> Result<(), QueueError> {
        let now = Instant::now();
        let trial = self.gate.in_trial();
        let mut verdict = None;
        let notice = match &outcome {
            Outcome::Uploaded => {
                self.answered = true;
                self.gate.open(now)
            }
            // The server answered about one report: during a trial, that is enough.
            Outcome::Retry(_) | Outcome::Parked(_) => {
                self.answered = true;
                if trial {
                    self.gate.open(now)
                } else {
                    None
                }
            }
            Outcome::Gate {
                why,
                kind,
                text,
                attempts,
            } => {
                verdict = Some(match (trial, why) {
                    (true, Closed::Unreachable) => {
                        let at = SystemTime::now() + options.backoff(*attempts, None);
                        Verdict::RetryLater(*kind, text.clone(), at)
                    }
                    _ => Verdict::Release,
                });
                self.gate.close(now, *why, text.clone())
            }
        };
        let retried = matches!(verdict, Some(Verdict::RetryLater(..)));
        self.shared.status.send_modify(|s| match outcome {
            Outcome::Uploaded => {
                s.uploaded += 1;
                s.last_success = Some(SystemTime::now());
            }
            Outcome::Gate { text, .. } if retried => {
                s.retries += 1;
                s.last_error = Some(text);
            }
            Outcome::Retry(text) => {
                s.retries += 1;
                s.last_error = Some(text);
            }
            Outcome::Parked(text) => {
                s.parked += 1;
                s.last_error = Some(text);
            }
            Outcome::Gate { why, text, .. } => {
                if why == Closed::TokenRefused {
                    s.auth_failures += 1;
                }
                s.last_error = Some(text);
            }
        });
        self.publish(in_flight);
        self.log(notice).await;
        // After the gate closed, so that the release does not wake it into claiming again.
        match (verdict, id) {
            (Some(Verdict::Release), Some(id)) => release(self.queue, id).await?,
            (Some(Verdict::RetryLater(kind, text, at)), Some(id)) => {
                tracing::info!(%id, error = %text, "the trial upload failed; this report waits on its own backoff");
                let q = self.queue.clone();
                match blocking(move || q.retry_later(id, kind, &text, at)).await {
                    Ok(()) | Err(QueueError::WrongState { .. } | QueueError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Records the probe's result: any answer but a gateway's 502/503/504 or a refused
    /// token means the server is there, and one upload tests the way.
    async fn probed(&mut self, result: Result<wats::Result<String>, tokio::task::JoinError>) {
        let now = Instant::now();
        self.probing = false;
        let failed = match result {
            Ok(Ok(_)) => None,
            Ok(Err(e)) if attempt::unreachable(&e) => Some((Closed::Unreachable, e.to_string())),
            Ok(Err(e @ (wats::Error::Unauthorized { .. } | wats::Error::Forbidden { .. }))) => {
                Some((Closed::TokenRefused, e.to_string()))
            }
            // 404, 500, a body that is not a version…: the server answers.
            Ok(Err(_)) => None,
            Err(e) => Some((Closed::Unreachable, format!("the probe failed: {e}"))),
        };
        let notice = match failed {
            None => {
                self.answered = true;
                self.gate.probe_answered();
                None
            }
            Some((why, error)) => self.gate.probe_failed(now, why, error),
        };
        self.log(notice).await;
    }
}

/// What happens to an entry the gate turned back.
enum Verdict {
    Release,
    RetryLater(ErrorKind, String, SystemTime),
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
    let mut probe: Option<tokio::task::JoinHandle<wats::Result<String>>> = None;
    let mut link = Link {
        queue,
        shared,
        gate: Gate::new(options.gate()),
        answered: false,
        probing: false,
    };

    loop {
        if *shutdown.borrow() {
            break;
        }
        let now = Instant::now();
        let summary = link.gate.summary(now);
        link.log(summary).await;
        if probe.is_none() && link.gate.probe_due(now) {
            link.gate.probe_started();
            link.probing = true;
            let wats = wats.clone();
            probe = Some(tokio::spawn(async move { wats.app().version().await }));
            link.publish(in_flight.len());
        }
        let room = link.gate.room(concurrency, in_flight.len());
        if room > 0 {
            let q = queue.clone();
            let claimed = blocking(move || q.claim_due(SystemTime::now(), room)).await?;
            if claimed.is_empty() && in_flight.is_empty() && link.gate.in_trial() {
                // Nothing to test the way with: the probe's answer is all there is.
                let notice = link.gate.open(Instant::now());
                link.log(notice).await;
            }
            for entry in claimed {
                let id = entry.id();
                let handle =
                    tasks.spawn(upload(queue.clone(), wats.clone(), options.clone(), entry));
                in_flight.insert(handle.id(), id);
            }
            link.publish(in_flight.len());
        }
        // When to look again without a wake-up.
        let mut deadline = Instant::now() + options.poll_interval;
        if let Some(at) = link.gate.next_wake(probe.is_some()) {
            deadline = deadline.min(at);
        }
        // Only when a due entry could be claimed (else a deadline in the past would spin).
        if link.gate.room(concurrency, in_flight.len()) > 0 {
            let q = queue.clone();
            if let Some(due) = blocking(move || q.next_due()).await? {
                let wait = due
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO);
                deadline = deadline.min(Instant::now() + wait);
            }
        }
        tokio::select! {
            biased;
            _ = shutdown.changed() => {}
            result = async { probe.as_mut().expect("guarded").await }, if probe.is_some() => {
                probe = None;
                link.probed(result).await;
                link.publish(in_flight.len());
            }
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
                match result {
                    Ok(outcome) => link.settle(id, outcome, in_flight.len(), &options).await?,
                    Err(QueueError::WrongState { id, .. } | QueueError::NotFound(id)) => {
                        // Someone else changed the entry (an operator, a recovery): their
                        // decision stands.
                        tracing::warn!(%id, "queue entry changed during its upload");
                    }
                    Err(e) => return Err(e),
                }
            }
            _ = wake.notified(), if link.gate.room(concurrency, 0) > 0 => {}
            _ = shared.resume.notified() => {
                link.gate.resume(Instant::now());
            }
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }

    if let Some(probe) = probe.take() {
        probe.abort();
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
                        Ok(outcome) => link.settle(id, outcome, in_flight.len(), &options).await?,
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

//! Why intake is paused, if it is: a full queue (resumes when it has room) or a storage
//! failure (tried again after [`STORAGE_RETRY`]). The run loop stops taking files while it is
//! paused; the control API shows the reason.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why intake is paused, if it is.
#[derive(Debug, Default)]
pub struct Intake {
    paused: AtomicBool,
    reason: Mutex<Option<String>>,
    /// For a storage failure: when to try again (a full queue resumes when it has room).
    retry_at: Mutex<Option<Instant>>,
}

pub use crate::durations::STORAGE_RETRY;

impl Intake {
    /// Pauses intake for `reason` (logged once per change). `retry_after` is set for storage
    /// failures; without it intake resumes when the queue has room.
    pub fn pause_for(&self, reason: String, retry_after: Option<Duration>) {
        if !self.paused.swap(true, Ordering::SeqCst) {
            tracing::error!(%reason, "intake paused: files stay in the watch folders");
        }
        *self.reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        *self.retry_at.lock().unwrap_or_else(|p| p.into_inner()) =
            retry_after.map(|d| Instant::now() + d);
    }

    /// Pauses intake until the queue has room.
    pub fn pause(&self, reason: String) {
        self.pause_for(reason, None);
    }

    /// For a storage failure: is it time to try again? `None` when waiting for room.
    pub(crate) fn storage_retry_due(&self) -> Option<bool> {
        let at = *self.retry_at.lock().unwrap_or_else(|p| p.into_inner());
        at.map(|at| Instant::now() >= at)
    }
    /// Resumes intake.
    pub fn resume(&self) {
        if self.paused.swap(false, Ordering::SeqCst) {
            tracing::info!("intake resumed");
        }
        *self.reason.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
    /// Is intake paused?
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
    /// The reason of the pause.
    pub fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

//! One upload attempt: send a claimed entry, sort the server's answer, settle the entry.
//!
//! | answer | verdict |
//! |---|---|
//! | 2xx | [`Queue::complete`] |
//! | connection failure, timeout, 502/503/504, open breaker | the gate closes; the entry is released, its attempt uncounted |
//! | 401 / 403 | the gate closes ("token refused"); the entry is released, its attempt uncounted |
//! | 429, 408, another 5xx, an undecodable 2xx body | [`Queue::retry_later`] this report alone: exponential backoff with full jitter and a cap; `Retry-After` honoured |
//! | other 4xx (validation…) | [`Queue::park`] with the server's message |
//! | a stored document that does not parse | [`Queue::park`] as [`ErrorKind::Corrupt`] |
//!
//! An undecodable 2xx answer is retried rather than taken as delivery: a captive portal or a
//! misconfigured proxy answers 200 with a login page.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use wats::Wats;

use super::gate::Closed;
use super::UploaderOptions;
use crate::queue::{Entry, ErrorKind, Queue, QueueError};

/// How one upload ended.
#[derive(Debug)]
pub(super) enum Outcome {
    Uploaded,
    /// Retried later, for this report's sake.
    Retry(String),
    Parked(String),
    /// Not settled: the server is away or refused the token. The dispatcher closes the gate,
    /// then releases the entry (so that the release does not wake it into claiming again), or,
    /// when the upload was the gate's trial, retries it on its own backoff.
    Gate {
        why: Closed,
        kind: ErrorKind,
        text: String,
        attempts: u32,
    },
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
    Gate(Closed, ErrorKind, String),
}

/// Whether an error says the server is away (rather than something about one request).
pub(super) fn unreachable(error: &wats::Error) -> bool {
    use wats::Error as E;
    match error {
        E::Connection(_) | E::Timeout(_) | E::CircuitOpen { .. } => true,
        E::Server { status, .. } => matches!(status.as_u16(), 502..=504),
        _ => false,
    }
}

/// Sorts an SDK error into the action the queue takes.
fn classify(error: &wats::Error) -> Action {
    use wats::Error as E;
    let text = error.to_string();
    if unreachable(error) {
        let kind = match error {
            E::Timeout(_) => ErrorKind::Timeout,
            E::Server { .. } => ErrorKind::Server,
            _ => ErrorKind::Network,
        };
        return Action::Gate(Closed::Unreachable, kind, text);
    }
    match error {
        E::Unauthorized { .. } | E::Forbidden { .. } => {
            Action::Gate(Closed::TokenRefused, ErrorKind::Other, text)
        }
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

/// Uploads one claimed entry and settles it in the queue (except for [`Outcome::Gate`]).
pub(super) async fn upload(
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
            Action::Gate(why, kind, text) => Outcome::Gate {
                why,
                kind,
                text,
                attempts,
            },
        })
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

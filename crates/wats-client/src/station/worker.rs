//! One file through the pipeline, on a blocking thread: read (bounded), check it is the file
//! the source hashed, convert, queue every report, then the post action; and what the run loop
//! does with the verdict (ack, release, or pause intake).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use wats_convert::Registry;

use super::files::{fail, move_into};
use super::setup::Setup;
use crate::config::PostAction;
use crate::intake::pause::{Intake, STORAGE_RETRY};
use crate::intake::{self, Converted};
use crate::metrics::Metrics;
use crate::queue::{Queue, QueueError};
use crate::source::{ReadyFile, Source};

/// What a worker did with a file.
pub(super) enum Verdict {
    /// Reports queued, post action done: ack.
    Done,
    /// Moved to the error folder: ack.
    Failed,
    /// Left in place (intake must pause): release.
    Defer { reason: String, queue_full: bool },
    /// The file is gone or changed: release, the source will see it again if it comes back.
    Vanished,
}

/// Acks or releases a file after its worker's verdict.
pub(super) fn settle(
    source: &Source,
    path: &Path,
    verdict: Verdict,
    intake: &Intake,
    metrics: &Metrics,
) {
    let result = match verdict {
        Verdict::Done | Verdict::Failed => source.ack(path),
        Verdict::Vanished => source.release(path),
        Verdict::Defer { reason, queue_full } => {
            metrics.files_deferred.fetch_add(1, Ordering::Relaxed);
            if queue_full {
                intake.pause(format!(
                    "the queue is full ({reason}); waiting for uploads to make room"
                ));
            } else {
                intake.pause_for(reason, Some(STORAGE_RETRY));
            }
            source.release(path)
        }
    };
    if let Err(e) = result {
        tracing::error!(file = %path.display(), error = %e, "cannot record the file in the ledger");
    }
}

/// Converts one file and queues its reports, then does the post action. Runs on a blocking
/// thread.
pub(super) fn process(
    file: &ReadyFile,
    setups: &HashMap<String, Setup>,
    registry: &Registry,
    queue: &Queue,
    metrics: &Metrics,
    max_bytes: u64,
) -> Verdict {
    let started = Instant::now();
    let Some(setup) = setups.get(&file.source) else {
        return Verdict::Vanished;
    };
    if let Some(reason) = &file.refused {
        // A symlink that may not be followed: moved aside with the reason, target unread.
        return fail(setup, &file.path, None, reason, metrics);
    }
    // A folder converter's unit is the folder holding the marker.
    let unit_folder = setup.folder.as_ref().map(|rule| {
        let folder = file.path.parent().unwrap_or(&setup.watch).to_path_buf();
        (rule, folder)
    });
    if let Some((rule, folder)) = &unit_folder {
        if let Some(missing) = rule.missing(folder) {
            tracing::debug!(folder = %folder.display(), %missing, "unit folder not complete yet");
            return Verdict::Vanished;
        }
    }
    let marker = &file.path;
    let path: &Path = match &unit_folder {
        Some((_, folder)) => folder,
        None => marker,
    };
    let bytes = match wats_report::format::read_limited(marker, max_bytes) {
        Ok(bytes) => bytes,
        Err(wats_report::ReadError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return Verdict::Vanished
        }
        Err(e) => return fail(setup, path, None, &e.to_string(), metrics),
    };
    // The file must still be the one the source hashed: a writer may have come back.
    if intake::content_hash(&bytes) != file.hash {
        return Verdict::Vanished;
    }
    metrics
        .bytes_read
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let relative = path.strip_prefix(&setup.watch).unwrap_or(path);
    let recipe = intake::Recipe {
        registry,
        converter: setup.converter.as_ref(),
        context: &setup.context,
        validator: &setup.validator,
        auto_truncate: setup.auto_truncate,
    };
    let Converted {
        converter,
        reports,
        truncated,
    } = match intake::convert(path, relative, &bytes, &file.hash, &recipe) {
        Ok(converted) => converted,
        Err(e) => return fail(setup, path, e.converter(), &e.to_string(), metrics),
    };
    if !truncated.is_empty() {
        tracing::warn!(file = %path.display(), converter = converter.name(), cuts = %truncated.join("; "), "texts over WATS's limits cut (AutoTruncate); the cut is recorded in the report");
    }
    for report in &reports {
        match queue.enqueue(report, Some(path)) {
            Ok(_) => {
                metrics.reports_queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let queue_full = matches!(e, QueueError::Full { .. });
                return Verdict::Defer {
                    reason: format!("{}: {e}", path.display()),
                    queue_full,
                };
            }
        }
    }
    metrics.files_converted.fetch_add(1, Ordering::Relaxed);
    metrics.conversion_latency.observe(started.elapsed());
    match setup.post_action {
        PostAction::Move => {
            if let Err(e) = move_into(path, &setup.watch, &setup.done) {
                tracing::error!(file = %path.display(), error = %e, "reports queued, but the file could not be moved to the done folder");
            }
        }
        PostAction::Delete => {
            if let Err(e) = std::fs::remove_file(path) {
                tracing::error!(file = %path.display(), error = %e, "reports queued, but the file could not be deleted");
            }
        }
        PostAction::Keep => {}
    }
    tracing::debug!(file = %path.display(), converter = converter.name(), reports = reports.len(), "converted");
    Verdict::Done
}

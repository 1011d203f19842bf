//! Counters of the running station, rendered as Prometheus text on `/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::queue::QueueStats;
use crate::uploader::{Connectivity, UploaderStatus};

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0];

/// A latency histogram with fixed buckets.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// What the station counts since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Stable files handed over by the watch folders.
    pub files_seen: AtomicU64,
    /// Files converted and queued.
    pub files_converted: AtomicU64,
    /// Files no converter could read (moved to the error folder).
    pub files_failed: AtomicU64,
    /// Files given back because intake was paused (queue full, storage error).
    pub files_deferred: AtomicU64,
    /// Bytes of source files read.
    pub bytes_read: AtomicU64,
    /// Reports stored in the queue.
    pub reports_queued: AtomicU64,
    /// Time from a stable file to its reports in the queue.
    pub conversion_latency: Histogram,
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

impl Metrics {
    /// The Prometheus text exposition of the counters, the queue and the uploader.
    pub fn render(
        &self,
        queue: Option<&QueueStats>,
        oldest_undelivered: Option<SystemTime>,
        uploader: &UploaderStatus,
        intake_paused: bool,
    ) -> String {
        let mut out = String::new();
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        counter(
            &mut out,
            "wats_files_seen_total",
            "Stable files taken from the watch folders.",
            load(&self.files_seen),
        );
        counter(
            &mut out,
            "wats_files_converted_total",
            "Files converted and queued.",
            load(&self.files_converted),
        );
        counter(
            &mut out,
            "wats_files_failed_total",
            "Files moved to the error folder.",
            load(&self.files_failed),
        );
        counter(
            &mut out,
            "wats_files_deferred_total",
            "Files left in place because intake was paused.",
            load(&self.files_deferred),
        );
        counter(
            &mut out,
            "wats_bytes_read_total",
            "Bytes of source files read.",
            load(&self.bytes_read),
        );
        counter(
            &mut out,
            "wats_reports_queued_total",
            "Reports stored in the queue.",
            load(&self.reports_queued),
        );
        counter(
            &mut out,
            "wats_reports_uploaded_total",
            "Reports delivered to the server.",
            uploader.uploaded,
        );
        counter(
            &mut out,
            "wats_reports_parked_total",
            "Reports the server refused (parked).",
            uploader.parked,
        );
        counter(
            &mut out,
            "wats_upload_retries_total",
            "Transient upload failures scheduled for a retry (backoff).",
            uploader.retries,
        );
        counter(
            &mut out,
            "wats_auth_failures_total",
            "Uploads refused for credentials (401/403).",
            uploader.auth_failures,
        );
        gauge(
            &mut out,
            "wats_uploads_in_flight",
            "Uploads in progress.",
            uploader.in_flight,
        );
        gauge(
            &mut out,
            "wats_server_online",
            "1 while the upload gate is open (the server answered the last upload or probe).",
            u8::from(uploader.connectivity == Connectivity::Online),
        );
        gauge(
            &mut out,
            "wats_upload_gate_open",
            "0 while the upload gate is closed (server unreachable or token refused).",
            u8::from(!matches!(
                uploader.connectivity,
                Connectivity::Offline | Connectivity::AuthFailed
            )),
        );
        let now = SystemTime::now();
        counter(
            &mut out,
            "wats_server_offline_seconds_total",
            "Seconds the server was unreachable since start, the outage in progress included.",
            uploader.offline_total().as_secs(),
        );
        counter(
            &mut out,
            "wats_reconnects_total",
            "Times the upload gate opened again after an outage or a refused token.",
            uploader.reconnects,
        );
        counter(
            &mut out,
            "wats_server_probes_total",
            "Probes of the server while the upload gate was closed.",
            uploader.probes,
        );
        gauge(
            &mut out,
            "wats_queue_oldest_undelivered_seconds",
            "Age of the oldest report not yet delivered (0 when there is none).",
            oldest_undelivered
                .and_then(|t| now.duration_since(t).ok())
                .map_or(0, |d| d.as_secs()),
        );
        gauge(
            &mut out,
            "wats_intake_paused",
            "1 while intake is paused (queue full or storage error).",
            u8::from(intake_paused),
        );
        if let Some(q) = queue {
            let _ = writeln!(
                out,
                "# HELP wats_queue_entries Queue entries by state.\n# TYPE wats_queue_entries gauge"
            );
            for (state, n) in [
                ("pending", q.pending),
                ("uploading", q.uploading),
                ("parked", q.parked),
                ("done", q.done),
            ] {
                let _ = writeln!(out, "wats_queue_entries{{state=\"{state}\"}} {n}");
            }
            gauge(
                &mut out,
                "wats_queue_bytes",
                "Bytes of reports not yet delivered.",
                q.bytes,
            );
        }
        self.conversion_latency.render(
            "wats_conversion_seconds",
            "Time from a stable file to its reports in the queue.",
            &mut out,
        );
        out
    }
}

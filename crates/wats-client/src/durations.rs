//! The station's named durations, in one place, each with why it has its value. Settings a
//! user can change (`settle_seconds`, `rescan_interval_seconds`, `reconnect_max_seconds`,
//! `keep_done_hours`) come from the configuration; these are their defaults and the fixed
//! timings around them.

use std::time::Duration;

// --- the uploader (defaults of `UploaderOptions`) ---

/// Look at the queue at least this often even without a wake-up: a safety net for a missed
/// notification, rare enough to cost nothing on an idle station.
pub const UPLOAD_POLL_INTERVAL: Duration = Duration::from_secs(30);
/// Upper bound of the first retry delay of an entry (it doubles per attempt): long enough not
/// to hammer a server that refused, short enough that a passing fault clears quickly.
pub const UPLOAD_BACKOFF_BASE: Duration = Duration::from_secs(15);
/// The shortest retry delay: full jitter may draw zero, and an immediate retry of the same
/// failure teaches nothing.
pub const UPLOAD_BACKOFF_MIN: Duration = Duration::from_secs(1);
/// The longest retry delay, `Retry-After` included: a parked-looking entry is still tried
/// at least hourly.
pub const UPLOAD_BACKOFF_CAP: Duration = Duration::from_secs(3600);
/// While the token is refused, probe again this often: fixing a token is a human's job, so
/// there is no point asking more often, and the station notices the fix within minutes.
pub const AUTH_PROBE_INTERVAL: Duration = Duration::from_secs(300);
/// The first probe of an unreachable server comes within this (the wait doubles per failed
/// probe): a blip heals within a second.
pub const RECONNECT_MIN: Duration = Duration::from_secs(1);
/// The longest wait between two probes of an unreachable server (the configuration's
/// `reconnect_max_seconds` default): a returning server is used within half a minute.
pub const RECONNECT_MAX: Duration = Duration::from_secs(30);
/// While the server stays away, a WARN summary this often: visible in the log without
/// flooding it.
pub const OUTAGE_SUMMARY_EVERY: Duration = Duration::from_secs(600);
/// At shutdown, wait this long for uploads in flight: they finish or are retried at the next
/// start (the queue keeps them), so a stop never hangs on a slow server.
pub const UPLOAD_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

// --- the watch folders (defaults of `SourceConfig::new`) ---

/// A file is taken once its size and mtime have not changed for this long: writers that
/// close and reopen a file finish within it.
pub const SETTLE: Duration = Duration::from_secs(2);
/// A full listing of each watch folder this often, the truth behind the notify hints
/// (which a network share may not send).
pub const RESCAN_INTERVAL: Duration = Duration::from_secs(60);

// --- the run loop ---

/// How long intake waits after a storage failure (disk full, I/O error) before trying
/// again: long enough not to spin on a failing disk, short enough to resume soon after.
pub const STORAGE_RETRY: Duration = Duration::from_secs(5);
/// How long the station must be quiet (no file taken, no report delivered) after some work
/// before it gives freed memory back: a burst's pauses between files are shorter than this.
pub const IDLE_TRIM_AFTER: Duration = Duration::from_secs(10);
/// While intake is paused, check this often whether it may resume: a paused station reacts
/// within a second when the queue has room.
pub const INTAKE_CHECK: Duration = Duration::from_secs(1);
/// Delivered queue entries are pruned this often (those older than `keep_done_hours`):
/// pruning is cheap and nothing depends on it being prompt.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);
/// The watchdog tick when systemd asks for none: the loop still needs a finite interval.
pub const NO_WATCHDOG_TICK: Duration = Duration::from_secs(3600);
/// The readiness probe's timeout (`/health/ready`): a health check must answer quickly even
/// when the server does not.
pub const READY_PROBE_TIMEOUT: Duration = Duration::from_secs(5);

// --- the control API's client (the CLI) ---

/// A control call's timeout: the API is on loopback and answers at once; longer means the
/// station is hung.
pub const CONTROL_CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the control API's open connections (a dashboard's live streams) get to close when
/// the station stops or restarts, before they are cut: a restart from the dashboard should
/// not wait on the dashboard.
pub const CONTROL_DRAIN: Duration = Duration::from_secs(1);

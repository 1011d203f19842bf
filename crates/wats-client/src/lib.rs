//! The WATS station service: sources (watch folders) → convert → durable queue → upload.
//!
//! Each stage is a module with a narrow interface (see `docs/ARCHITECTURE.md`). The map:
//!
//! - [`config`]: the instance (its folders, and every file in its data folder, by name), the
//!   configuration file, its schema check, the sealed token, the lock.
//! - [`source`]: watch folders → stable files, against the ledger of what was taken.
//! - [`intake`]: the one path from a file's bytes to validated reports (station, scheduled
//!   converters, `upload`, `convert`); [`intake::pause`] says whether intake is paused and why.
//! - [`queue`]: the durable queue of reports (SQLite, group commit).
//! - [`uploader`]: the queue → the server, with backoff and the upload gate.
//! - [`station`]: the run loop tying them together, plus local mode's embedded server and the
//!   scheduled converters.
//! - [`control`]: the control API on loopback (its state type is built by the station) and its
//!   client for the CLI.
//! - [`dashboard`]: the web dashboard on the control address, and the security of that
//!   address (Host check, sessions, CSRF).
//! - [`durations`]: every named timing, with why it has its value.
//! - [`serial_pool`]: serial numbers reserved ahead, handed out offline.
//! - [`metrics`], [`logging`], [`systemd`], [`private`]: counters, logs, sd_notify,
//!   owner-only files.
//! - [`commands`]: the CLI's commands (`main.rs` only parses the arguments and dispatches),
//!   in the library so tests call them as they are.
//! - [`software`]: released software packages installed into the station's software folder,
//!   verified and swapped in atomically.

pub mod commands;
pub mod config;
pub mod control;
pub mod dashboard;
pub mod durations;
pub mod intake;
pub mod logging;
pub mod metrics;
pub mod private;
pub mod queue;
pub mod source;
pub mod station;
pub mod systemd;
pub mod uploader;

// Software distribution (issue 18).
pub mod serial_pool;
pub mod software;

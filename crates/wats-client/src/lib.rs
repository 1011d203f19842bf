//! The WATS station service: sources (watch folders) → convert → durable queue → upload.
//!
//! Each stage is a module with a narrow interface (see `docs/ARCHITECTURE.md`).

pub mod config;
pub mod control;
pub mod intake;
pub mod logging;
pub mod metrics;
pub mod private;
pub mod queue;
pub mod source;
pub mod station;
pub mod systemd;
pub mod uploader;

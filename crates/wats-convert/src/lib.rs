//! Converters from test-equipment output to WATS reports.
//!
//! A [`Converter`] reads one source file (and, if it needs them, its companion files) and
//! returns the reports in it. The [`Registry`] holds the built-in converters (the WATS formats,
//! a declarative CSV/JSON mapping, vendor formats) plus user-defined ones, scores a file with
//! every converter's [`Converter::detect`] and picks the best.
//!
//! Users add converters without recompiling through [`external::ExternalConverter`]: any
//! program that reads the file and prints WSJF on standard output.

pub mod error;
pub mod external;
pub mod formats;
pub mod mapping;
pub mod registry;
pub mod source;
pub mod util;

pub use error::ConvertError;
pub use registry::{Detection, Registry};
pub use source::{Context, Source};

use wats_report::Report;

/// A confidence that a converter can read a file, from 0.0 (certainly not) to 1.0 (certainly).
///
/// Rough scale used by the built-in converters: 0.9+ for a format's own signature (root
/// element with its namespace, a magic header line), 0.5–0.8 for strong content hints, 0.1–0.3
/// for only a matching extension.
pub type Confidence = f32;

/// One documented converter parameter (an entry of `arguments` in the station configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parameter {
    /// The key in `arguments`.
    pub name: &'static str,
    /// What it does, including its default.
    pub description: &'static str,
}

/// Turns a source file into WATS reports.
///
/// Implementations must not panic on any input: every problem is a [`ConvertError`] naming the
/// line or element. They must bound their work by the input size (no unbounded expansion, e.g.
/// of ZIP members or XML entities).
pub trait Converter: Send + Sync {
    /// The name used in configuration and on the command line (`teradyne-gr228x`).
    fn name(&self) -> &str;

    /// The converter's version, reported by `converters list`.
    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }

    /// One line saying what the converter reads.
    fn description(&self) -> &str;

    /// The default file patterns (`*.log`), used when the configuration gives none.
    fn patterns(&self) -> &[&str];

    /// The parameters the converter reads from [`Context::arguments`].
    fn parameters(&self) -> &[Parameter] {
        &[]
    }

    /// True when the reports' ids come from the file itself, so converting the same file
    /// twice gives the same ids (the WATS formats). Otherwise the station derives each
    /// report's id from the file's content and name, so a replay after a crash overwrites
    /// instead of duplicating.
    fn stable_ids(&self) -> bool {
        false
    }

    /// True when the vendor's own converter runs the WATS API in AutoTruncate mode (ATML,
    /// TestStand): texts over WATS's limits are then cut to the limit, and the cut recorded,
    /// instead of the whole report being refused. The station's configuration can override it
    /// per converter (`auto_truncate`).
    fn auto_truncate(&self) -> bool {
        false
    }

    /// How sure the converter is that it can read `source`, judged from the content (and the
    /// name only as a hint). Must be cheap: look at the first few kilobytes.
    fn detect(&self, source: &Source<'_>) -> Confidence;

    /// Converts the file. One file may hold many reports (panels, multi-UUT logs).
    fn convert(&self, source: &Source<'_>, context: &Context) -> Result<Vec<Report>, ConvertError>;
}

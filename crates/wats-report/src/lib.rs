//! The WATS test report model: UUT (test) and UUR (repair) reports, their status rules, a
//! builder, validation, and the WSJF (JSON) and WSXF (XML) formats.
//!
//! ```
//! let text = r#"{"type":"T","id":"33a2d408-3fc8-480b-b554-6866c77fd91c","pn":"PN1","sn":"SN1",
//!   "rev":"A","processCode":10,"result":"P","machineName":"st1","location":"lab",
//!   "purpose":"dev","start":"2026-01-30T22:01:41.4707353+01:00","futureKey":1}"#;
//! let report = wats_report::wsjf::from_str(text).unwrap();
//! assert_eq!(report.sn.as_deref(), Some("SN1"));
//! // Unknown keys survive a round trip.
//! assert!(wats_report::wsjf::to_string(&report).contains(r#""futureKey":1"#));
//! ```

#![warn(missing_docs)]

pub mod builder;
pub mod error;
pub mod format;
pub mod op;
pub mod packed;
pub mod report;
pub mod rules;
pub mod status;
pub mod step;
pub mod time;
pub mod truncate;
#[macro_use]
pub mod wire;
pub mod validate;
pub mod wsjf;
pub mod wsxf;
pub mod xml;

pub use builder::ReportBuilder;
pub use error::{Location, ReadError};
pub use format::Format;
pub use op::{CompOp, CompOpValue};
pub use report::*;
pub use status::{ReportType, Status, StepGroup};
pub use step::*;
pub use time::Timestamp;
pub use uuid::Uuid;
pub use validate::{ValidationError, ValidationErrors, Validator};

/// The README's Rust example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

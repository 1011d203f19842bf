//! WSXF, the WATS Standard XML Format (report-formats §2.1).
//!
//! A WSXF document is `<Reports xmlns="http://wats.virinco.com/schemas/WATS/Report/wsxf">`
//! holding exactly one `<Report>`; a bare `<Report>` root is accepted too. It carries the same
//! model as WSJF under other names (`Result="Passed"` for `"result":"P"`, `total_time` for
//! `totTime`, `<Process Code Name/>` for `processCode`/`processName`…). Elements and attributes
//! are matched on their local names; namespace prefixes and URIs are ignored.
//!
//! Mapping rules beyond the renaming:
//!
//! * An absent attribute is `None`, and so is an empty one (`ProductName=""`, `Units=""`): WATS
//!   writes `""` for null. Element text behaves the same (`<MiscInfo …/>` has no text), except
//!   that a `Prop/Value` element is a value even when empty. Text is kept verbatim (not trimmed).
//! * Attributes WSJF has no key for because they are derived — `MeasIndex`, `MeasOrderNumber`,
//!   `StepIndex`, `Filename`, the `idx`/`order_no`/`Idx`/`BinaryDataIndex` indexes and the
//!   `Size`/`size` of attachments — are dropped on reading and regenerated on writing.
//! * Any other unknown attribute is kept in the struct's `extra` under `"@Name"` (string value)
//!   and written back, so nothing is lost; a step `Status="Unknown"` (a WSXF-only value) is kept
//!   the same way. Unknown elements (`PartInfo`, `ReportInfo`, `SPCData`, `PropertyLoader`…) are
//!   skipped.
//! * `<Failures PartIdx=…>` are attached to the sub unit with that `Idx` (0, the main unit, when
//!   `PartIdx` is absent), wherever they stand among the report's children. A repeated
//!   `<Comment>` is joined with line breaks.
//! * `AdditionalData`/`AdditionalResults` hold TestStand `<Prop Name Type Flags>` trees with a
//!   `<Value>` text and nested `<Prop>`s; array elements `<Value ID="[0]">` go to
//!   `array.indexes[].{text, value.value}`.
//! * WSXF cannot tell an empty list from an absent one: an empty list is written as no elements
//!   and read back as `None`. Keys only WSJF has (`assetStats`, `uut.referencedByUURs`, unknown
//!   JSON keys not starting with `@`, property `comment`/`numFormat`) are not written.
//!
//! Reading is hardened for untrusted input: a DTD (`<!DOCTYPE`, and with it every entity
//! declaration) is refused, elements may nest at most [`MAX_DEPTH`] deep, and the parser keeps
//! its own stack instead of recursing, so no input can overflow the stack or make it panic.
//!
//! ```
//! let xml = r#"<?xml version="1.0" encoding="utf-8"?>
//! <Reports xmlns="http://wats.virinco.com/schemas/WATS/Report/wsxf">
//!   <Report type="UUT" ID="33A2D408-3FC8-480B-B554-6866C77FD91C" Result="Passed" SN="SN1" PN="PN1">
//!     <Process Code="10" Name="SW Debug"/>
//!   </Report>
//! </Reports>"#;
//! let report = wats_report::wsxf::from_str(xml).unwrap();
//! assert_eq!(report.process_code, Some(10));
//! assert_eq!(report.result, Some(wats_report::Status::Passed));
//! assert!(wats_report::wsxf::to_string(&report).contains(r#"<Process Code="10" Name="SW Debug"/>"#));
//! ```

mod names;
mod read;
mod write;

pub use read::{from_slice, from_str};
pub use write::to_string;

/// The WSXF namespace written on the `<Reports>` root.
pub const NAMESPACE: &str = "http://wats.virinco.com/schemas/WATS/Report/wsxf";

/// How deep elements may nest; deeper input is refused. A step at level *k* sits about *k* + 6
/// deep with its chart data, so this allows some 60 step levels: what WSJF can carry too
/// (serde_json stops at 128 nested values, two per step level), so every WSXF report can be
/// written as WSJF. It also bounds the recursion of the writer, validation and status rules.
pub const MAX_DEPTH: usize = 66;

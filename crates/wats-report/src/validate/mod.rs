//! Validation of reports before they are sent (report-formats §1.3–§1.15, §5 item 4).
//!
//! Files by job: this one holds the error types, the [`Validator`] and the walk's context;
//! `header.rs` the report header, UUT/UUR, sub units and the other report-level parts;
//! `steps.rs` steps and measurements; `data.rs` charts, attachments and loops.
//!
//! [`Validator::validate`] walks the whole report and returns *every* problem it finds, each
//! with the JSON path of the offending value (`pn`, `uut.user`,
//! `root.steps[3].numericMeas[0].lowLimit`, `subUnits[0].failures[1].code`). The rules are
//! the ones the WATS server is known to reject on `POST /api/Report/WSJF`, plus the client-side
//! limits of the C# API (WRML column lengths):
//!
//! * required header fields (`startUTC` is never required: the server derives it), `root` and
//!   `uut` on a test report, `uur` and the sub-unit hierarchy on a repair report;
//! * status values allowed where they stand (report `P F E T`, measurement `P F S`);
//! * text lengths, counted in characters after trimming (the C# client trims, then checks),
//!   control characters, and the wildcard characters that break WATS searches in `sn`/`pn`;
//! * measurement shape (one kind per step, single or uniquely named multiple, none on sequence
//!   calls or skipped steps), comparison operators and the limits they need;
//! * misc infos (a description and a text or numeric value), sub-unit indexes, failure codes;
//! * charts, attachments (base64, decoded size) and report-level `binaryData` (UUR only);
//! * step ids unique.
//!
//! Control characters are checked in every text that has a length limit or is required.
//!
//! With [`Validator::submission`] on (the default) two rules only the server's *import* applies
//! are added; WATS's own exports break both, so turn it off to check a report as a document:
//!
//! * a single-measurement step's status agrees with its measurement's status
//!   (`Status cannot be different from measurement status.`);
//! * loops have the shape import wants (§1.10.8): `num == endingIndex + 1`, `endingIndex` the
//!   highest iteration index, iterations numbered `0..=endingIndex`, and iteration string
//!   limits equal to the summary's.
//!
//! Step statuses need no check: the model's [`Status`] can only hold `P D S F E T`, and reading
//! anything else already fails.
//!
//! Why one file of ~1,300 lines: it is one walk over the report, and the walk's order is the
//! order of the paths it reports; it is also the one table of WATS's length limits
//! (`truncate` cuts where it says). Split by report part, every part would need the walk's
//! context and error plumbing.

use std::collections::HashMap;
use std::fmt;

use crate::op::{CompOp, CompOpValue, Limits};
use crate::report::{
    AdditionalData, Asset, BinaryData, Failure, MiscInfo, Property, Report, SubUnit, UurInfo,
    UutInfo,
};
use crate::status::{ReportType, Status};
use crate::step::{
    parse_series, Attachment, BooleanMeasurement, Chart, LoopInfo, MessagePopup,
    NumericMeasurement, SeqCall, Step, StringMeasurement,
};

/// One problem found in a report: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// JSON path of the offending value, e.g. `root.steps[3].numericMeas[0].lowLimit`
    /// (`root` for the root step).
    pub path: String,
    /// What is wrong, e.g. `is 123 characters long; WATS allows at most 100`.
    pub message: String,
    /// For a text longer than WATS allows: the limit, in characters (what
    /// [`auto_truncate`](crate::truncate::auto_truncate) cuts it to).
    pub limit: Option<usize>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ValidationError {}

/// Every problem found in a report, as an error: what [`ReportBuilder::build`] and
/// [`validate`](fn@validate) return, so that `?` composes them with other errors (into
/// `anyhow::Error` or `Box<dyn Error>`). Reads as the slice of problems; displays one per line.
///
/// [`ReportBuilder::build`]: crate::builder::ReportBuilder::build
///
/// ```
/// fn check() -> Result<(), Box<dyn std::error::Error>> {
///     wats_report::Report::default().validate()?;
///     Ok(())
/// }
/// let error = check().unwrap_err();
/// assert!(error.to_string().contains("pn: is required"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationErrors(Vec<ValidationError>);

impl ValidationErrors {
    /// The problems, by value.
    pub fn into_vec(self) -> Vec<ValidationError> {
        self.0
    }
}

impl From<Vec<ValidationError>> for ValidationErrors {
    fn from(errors: Vec<ValidationError>) -> Self {
        ValidationErrors(errors)
    }
}

impl std::ops::Deref for ValidationErrors {
    type Target = [ValidationError];
    fn deref(&self) -> &[ValidationError] {
        &self.0
    }
}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid WATS report")?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Checks reports against the rules WATS enforces; see the [module docs](self).
///
/// ```
/// use wats_report::validate::Validator;
/// # let report = wats_report::Report::default();
/// let errors = Validator::default().allow_search_wildcards(true).validate(&report);
/// assert!(errors.iter().any(|e| e.path == "pn" && e.message == "is required"));
/// ```
#[derive(Clone, Debug)]
pub struct Validator {
    allow_search_wildcards: bool,
    max_attachment_bytes: usize,
    max_unknown_bytes: Option<usize>,
    submission: bool,
}

/// The default [`Validator::max_attachment_bytes`]: 10 MiB.
///
/// WATS documents no server-side limit. The C# client checks a per-station setting
/// (`MaxAttachmentFileSize`, 100 KB by its doc comment), which is configuration, not a rule of
/// the format, so it is not the default here. The default only catches an obviously oversized
/// report: 10 MiB of content is about 13.3 MiB of base64 in a single POST. When the station's
/// setting is known, pass it to [`Validator::max_attachment_bytes`].
pub const DEFAULT_MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

impl Default for Validator {
    fn default() -> Self {
        Validator {
            allow_search_wildcards: false,
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            max_unknown_bytes: None,
            submission: true,
        }
    }
}

impl Validator {
    /// A validator with the default options (same as [`Validator::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// What `wats-server` checks on submit (and so what a station in local mode checks before
    /// queueing): every rule of the format, but not the two rules only WATS's import applies
    /// ([`submission`](Self::submission) off: WATS's own exports break them, and a server must
    /// take back what it exports), and search wildcards accepted in `sn`/`pn`.
    pub fn export_compatible() -> Self {
        Self::default()
            .submission(false)
            .allow_search_wildcards(true)
    }

    /// Accepts the characters WATS searches treat as wildcards (`* % ? [ ] ^ ! / \`) in `sn`
    /// and `pn` (report and sub units). Refused by default: the server stores them, but the
    /// unit can then not be found reliably.
    pub fn allow_search_wildcards(mut self, allow: bool) -> Self {
        self.allow_search_wildcards = allow;
        self
    }

    /// The largest decoded size, in bytes, of a step attachment or a `binaryData` entry
    /// (default [`DEFAULT_MAX_ATTACHMENT_BYTES`]).
    pub fn max_attachment_bytes(mut self, bytes: usize) -> Self {
        self.max_attachment_bytes = bytes;
        self
    }

    /// The most bytes (as JSON, names included) that keys the model does not know may take in
    /// one report, all objects together; `None` (the default) for no limit. WATS ignores
    /// unknown keys, so a client has no reason to bound them; a server that keeps them (and
    /// answers them back) does.
    pub fn max_unknown_bytes(mut self, bytes: Option<usize>) -> Self {
        self.max_unknown_bytes = bytes;
        self
    }

    /// Whether the report is about to be submitted (default `true`): adds the rules of the
    /// server's import (single-measurement status agreement, the import shape of loops).
    /// Turn off to validate a server export as a document.
    pub fn submission(mut self, submission: bool) -> Self {
        self.submission = submission;
        self
    }

    /// Every problem in `report` (empty when valid): the header first, then the steps depth
    /// first.
    pub fn validate(&self, report: &Report) -> Vec<ValidationError> {
        let mut ctx = Ctx {
            options: self,
            path: String::new(),
            errors: Vec::new(),
            step_ids: HashMap::new(),
            steps_seen: 0,
            unlisted: 0,
            duplicate_ids: Vec::new(),
            root: report.root.as_ref(),
            unknown_bytes: 0,
        };
        check_report(&mut ctx, report);
        if let (Some(root), false) = (ctx.root, ctx.duplicate_ids.is_empty()) {
            let wanted = ctx
                .duplicate_ids
                .iter()
                .map(|&(_, first, _)| first)
                .collect();
            let paths = paths_of(root, &wanted);
            for &(error, first, id) in &ctx.duplicate_ids {
                if let (Some(e), Some(path)) = (ctx.errors.get_mut(error), paths.get(&first)) {
                    e.message = format!("{id} is already the id of {path}");
                }
            }
        }
        if ctx.unlisted > 0 {
            ctx.errors.push(ValidationError {
                path: "report".into(),
                message: format!("…and {} more problems not listed", ctx.unlisted),
                limit: None,
            });
        }
        ctx.errors
    }
}

/// The most problems listed for one report; the rest are counted in a last entry. (A hostile
/// file can hold millions of problems, each with its own path.)
pub const MAX_ERRORS: usize = 1000;

/// Validates `report` with the default [`Validator`].
pub fn validate(report: &Report) -> Result<(), ValidationErrors> {
    let errors = Validator::default().validate(report);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(errors))
    }
}

impl Report {
    /// Validates this report with the default [`Validator`]; see [`validate`](fn@validate).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        validate(self)
    }
}

/// The walk's state: the path of the value being checked, the errors found so far.
struct Ctx<'v> {
    options: &'v Validator,
    path: String,
    errors: Vec<ValidationError>,
    /// Step id → depth-first ordinal of the first step carrying it (its path is computed only
    /// when a duplicate is found: cloning every step's path made validation twice as slow).
    step_ids: HashMap<i64, usize>,
    /// Errors beyond [`MAX_ERRORS`], counted but not listed.
    unlisted: usize,
    /// Duplicate step ids found: (index of the error, ordinal of the first step, id); the
    /// messages get the first step's path in one walk at the end.
    duplicate_ids: Vec<(usize, usize, i64)>,
    /// Steps visited so far (the ordinal of the next one).
    steps_seen: usize,
    /// The root step, to find the path of an earlier step.
    root: Option<&'v Step>,
    /// Bytes taken by unknown keys so far ([`Validator::max_unknown_bytes`]).
    unknown_bytes: usize,
}

impl Ctx<'_> {
    /// Runs `f` with `key` appended to the path (`a.b` → `a.b.key`).
    fn at<R>(&mut self, key: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        let mark = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        let out = f(self);
        self.path.truncate(mark);
        out
    }

    /// Runs `f` with `key[index]` appended to the path.
    fn at_index<R>(&mut self, key: &str, index: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        self.at(key, |ctx| {
            push_index(&mut ctx.path, index);
            f(ctx)
        })
    }

    /// Runs `f` on every item of a list, each at `key[i]`.
    fn each<T>(&mut self, key: &str, items: Option<&[T]>, mut f: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.unwrap_or_default().iter().enumerate() {
            self.at_index(key, i, |ctx| f(ctx, item));
        }
    }

    /// Records a problem with the value at the current path.
    fn error(&mut self, message: impl Into<String>) {
        if self.errors.len() >= MAX_ERRORS {
            self.unlisted += 1;
            return;
        }
        self.errors.push(ValidationError {
            path: self.path.clone(),
            message: message.into(),
            limit: None,
        });
    }

    /// Records a problem with the value at `key` below the current path.
    fn error_at(&mut self, key: &str, message: impl Into<String>) {
        self.at(key, |ctx| ctx.error(message));
    }

    /// Checks that a value is present.
    fn required<T>(&mut self, key: &str, value: &Option<T>) {
        if value.is_none() {
            self.error_at(key, "is required");
        }
    }

    /// Checks an optional text: length (in characters, after trimming) and characters.
    fn text(&mut self, key: &str, value: Option<&str>, max: usize) {
        let Some(value) = value else { return };
        // Fast path: short plain text (bytes ≥ chars) with no control or U+FFFE/F bytes.
        if value.len() <= max && value.bytes().all(|b| b >= b' ' && b != 0xEF) {
            return;
        }
        let len = value.trim().chars().count();
        if len > max {
            let before = self.errors.len();
            self.error_at(
                key,
                format!("is {len} characters long; WATS allows at most {max}"),
            );
            if self.errors.len() > before {
                if let Some(e) = self.errors.last_mut() {
                    e.limit = Some(max);
                }
            }
        }
        if let Some((i, c)) = value
            .chars()
            .enumerate()
            .find(|&(_, c)| is_forbidden_char(c))
        {
            self.error_at(
                key,
                format!(
                    "contains the control character U+{:04X} at character {i}, which WATS \
                     rejects",
                    c as u32
                ),
            );
        }
    }

    /// Adds the unknown keys of the object at the current path to the report's total, and
    /// reports the key that takes it over [`Validator::max_unknown_bytes`] (once per report).
    fn unknown(&mut self, extra: &crate::wire::Extra) {
        let Some(max) = self.options.max_unknown_bytes else {
            return;
        };
        for (key, value) in extra {
            if self.unknown_bytes > max {
                return;
            }
            self.unknown_bytes += key.len() + 3 + json_len(value);
            if self.unknown_bytes > max {
                self.error_at(
                    key,
                    format!(
                        "is a key WATS does not define; unknown keys take more than {max} \
                         bytes in this report, the most this server keeps"
                    ),
                );
            }
        }
    }

    /// Checks a number WATS stores as a 16-bit integer (WRML `short`).
    fn int16(&mut self, key: &str, value: Option<i64>) {
        if let Some(v) = value.filter(|v| i16::try_from(*v).is_err()) {
            self.error_at(
                key,
                format!("is {v}; WATS stores it in 16 bits (-32768 to 32767)"),
            );
        }
    }

    /// Checks a required text: present, not blank, then as [`Ctx::text`].
    fn required_text(&mut self, key: &str, value: Option<&str>, max: usize) {
        match value {
            None => self.error_at(key, "is required"),
            Some(v) if v.trim().is_empty() => self.error_at(key, "must not be empty"),
            Some(_) => self.text(key, value, max),
        }
    }

    /// Checks a serial or part number for the characters that act as wildcards in WATS searches.
    fn search_key(&mut self, key: &str, value: Option<&str>) {
        if self.options.allow_search_wildcards {
            return;
        }
        let Some(value) = value else { return };
        let mut found = String::new();
        for c in value.chars().filter(|c| SEARCH_WILDCARDS.contains(c)) {
            if !found.contains(c) {
                found.push(c);
            }
        }
        if !found.is_empty() {
            let list: Vec<String> = found.chars().map(|c| format!("'{c}'")).collect();
            self.error_at(
                key,
                format!(
                    "contains {}, which WATS searches treat as wildcards \
                     (allow with Validator::allow_search_wildcards)",
                    list.join(" ")
                ),
            );
        }
    }
}

/// About the size of a JSON value as text (exact for strings without escapes, close enough for
/// numbers): the measure of unknown keys.
fn json_len(value: &serde_json::Value) -> usize {
    use serde_json::Value;
    match value {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|v| json_len(v) + 1).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| k.len() + 4 + json_len(v))
                .sum::<usize>()
        }
    }
}

/// Characters that act as wildcards in WATS serial/part number searches.
const SEARCH_WILDCARDS: &[char] = &['*', '%', '?', '[', ']', '^', '!', '/', '\\'];

/// Characters XML cannot carry and the C# client rejects: controls but tab, LF, CR; U+FFFE/F.
fn is_forbidden_char(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

mod data;
mod header;
mod steps;
#[cfg(test)]
mod tests;

use data::*;
use header::*;
use steps::*;

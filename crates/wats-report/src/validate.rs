//! Validation of reports before they are sent (report-formats §1.3–§1.15, §5 item 4).
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

fn check_report(ctx: &mut Ctx, r: &Report) {
    ctx.required("type", &r.report_type);
    ctx.required("id", &r.id);
    for (key, value) in [("pn", &r.pn), ("sn", &r.sn)] {
        ctx.required_text(key, value.as_deref(), 100);
        ctx.search_key(key, value.as_deref());
    }
    ctx.required_text("rev", r.rev.as_deref(), 100);
    ctx.required("processCode", &r.process_code);
    ctx.int16("processCode", r.process_code);
    ctx.required("result", &r.result);
    if let Some(result) = r.result.filter(|s| !s.is_report_result()) {
        ctx.error_at(
            "result",
            format!("is {result}; a report result is P, F, E or T"),
        );
    }
    ctx.required_text("machineName", r.machine_name.as_deref(), 100);
    ctx.required_text("location", r.location.as_deref(), 100);
    ctx.required_text("purpose", r.purpose.as_deref(), 100);
    ctx.required("start", &r.start);
    // `startUTC`, `productName`, `origin`, `assetStats`: filled by the server, never required.
    // Their lengths are not in WRML; 100 as the other header names (a server keeps what it is
    // sent when it has nothing to fill in).
    ctx.text("productName", r.product_name.as_deref(), 100);
    ctx.text("processName", r.process_name.as_deref(), 100);
    ctx.text("origin", r.origin.as_deref(), 100);
    ctx.unknown(&r.extra);

    match r.report_type {
        Some(ReportType::Uut) => {
            ctx.required("uut", &r.uut);
            ctx.required("root", &r.root);
            if r.binary_data.as_ref().is_some_and(|b| !b.is_empty()) {
                ctx.error_at("binaryData", "is only allowed on a repair (UUR) report");
            }
        }
        Some(ReportType::Uur) => {
            ctx.required("uur", &r.uur);
            check_uur_units(ctx, r.sub_units.as_deref());
        }
        None => {}
    }

    if let Some(uut) = &r.uut {
        ctx.at("uut", |ctx| check_uut_info(ctx, uut));
    }
    if let Some(uur) = &r.uur {
        ctx.at("uur", |ctx| check_uur_info(ctx, uur));
    }
    ctx.each("miscInfos", r.misc_infos.as_deref(), check_misc_info);
    ctx.each("subUnits", r.sub_units.as_deref(), check_sub_unit);
    ctx.each("assets", r.assets.as_deref(), check_asset);
    ctx.each("binaryData", r.binary_data.as_deref(), check_binary_data);
    ctx.each(
        "additionalData",
        r.additional_data.as_deref(),
        check_additional_data,
    );
    if let Some(root) = &r.root {
        ctx.at("root", |ctx| check_step(ctx, root));
    }
}

fn check_uut_info(ctx: &mut Ctx, uut: &UutInfo) {
    ctx.text("user", uut.user.as_deref(), 100);
    ctx.text("comment", uut.comment.as_deref(), 5000);
    ctx.text("fixtureId", uut.fixture_id.as_deref(), 100);
    ctx.text("batchSN", uut.batch_sn.as_deref(), 100);
    ctx.text("errorMessage", uut.error_message.as_deref(), 500);
    ctx.int16("testSocketIndex", uut.test_socket_index);
    ctx.unknown(&uut.extra);
}

fn check_uur_info(ctx: &mut Ctx, uur: &UurInfo) {
    // `refUUT` is optional: a repair may be logged without the failed test report.
    ctx.text("user", uur.user.as_deref(), 100);
    ctx.text("comment", uur.comment.as_deref(), 5000);
    ctx.text("processName", uur.process_name.as_deref(), 100);
    ctx.int16("processCode", uur.process_code);
    ctx.unknown(&uur.extra);
}

/// The sub-unit hierarchy of a repair report: one main unit (idx 0), unique indexes, parents
/// that exist.
fn check_uur_units(ctx: &mut Ctx, units: Option<&[SubUnit]>) {
    let units = units.unwrap_or_default();
    if units.is_empty() {
        ctx.error_at(
            "subUnits",
            "a repair report needs at least the main unit (idx 0)",
        );
        return;
    }
    let sole_unit_without_idx = units.len() == 1 && units[0].idx.is_none();
    if !sole_unit_without_idx && !units.iter().any(|u| u.idx == Some(0)) {
        ctx.error_at(
            "subUnits",
            "a repair report needs exactly one main unit (idx 0)",
        );
    }
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for (i, unit) in units.iter().enumerate() {
        let Some(idx) = unit.idx else { continue };
        if let Some(&first) = seen.get(&idx) {
            ctx.at_index("subUnits", i, |ctx| {
                ctx.error_at("idx", format!("duplicates subUnits[{first}].idx ({idx})"));
            });
        } else {
            seen.insert(idx, i);
        }
    }
    for (i, unit) in units.iter().enumerate() {
        if let Some(parent) = unit.parent_idx.filter(|p| !seen.contains_key(p)) {
            ctx.at_index("subUnits", i, |ctx| {
                ctx.error_at(
                    "parentIdx",
                    format!("is {parent}, but no sub unit has that idx"),
                );
            });
        }
    }
}

fn check_misc_info(ctx: &mut Ctx, misc: &MiscInfo) {
    ctx.required_text("description", misc.description.as_deref(), 100);
    ctx.text("text", misc.text.as_deref(), 100);
    ctx.text("typedef", misc.typedef.as_deref(), 30);
    if misc.text.is_none() && misc.numeric.is_none() {
        ctx.error_at("text", "is required when there is no numeric value");
    }
    ctx.unknown(&misc.extra);
}

fn check_sub_unit(ctx: &mut Ctx, unit: &SubUnit) {
    ctx.text("partType", unit.part_type.as_deref(), 50);
    for (key, value) in [("pn", &unit.pn), ("sn", &unit.sn)] {
        ctx.text(key, value.as_deref(), 100);
        ctx.search_key(key, value.as_deref());
    }
    ctx.text("rev", unit.rev.as_deref(), 100);
    ctx.unknown(&unit.extra);
    ctx.each("failures", unit.failures.as_deref(), check_failure);
}

fn check_failure(ctx: &mut Ctx, failure: &Failure) {
    ctx.required_text("category", failure.category.as_deref(), usize::MAX);
    ctx.required_text("code", failure.code.as_deref(), usize::MAX);
    ctx.text("comRef", failure.com_ref.as_deref(), 50);
    ctx.text("funcBlock", failure.func_block.as_deref(), 100);
    ctx.text("artNumber", failure.art_number.as_deref(), 100);
    ctx.text("artRev", failure.art_rev.as_deref(), 100);
    ctx.text("artVendor", failure.art_vendor.as_deref(), 500);
    ctx.text("artDescription", failure.art_description.as_deref(), 500);
    ctx.unknown(&failure.extra);
}

fn check_asset(ctx: &mut Ctx, asset: &Asset) {
    ctx.text("assetSN", asset.asset_sn.as_deref(), 100);
    ctx.unknown(&asset.extra);
}

fn check_binary_data(ctx: &mut Ctx, data: &BinaryData) {
    ctx.text("contentType", data.content_type.as_deref(), 100);
    ctx.required_text("name", data.name.as_deref(), 256);
    check_base64(ctx, "data", data.data.as_deref());
    ctx.unknown(&data.extra);
}

fn check_additional_data(ctx: &mut Ctx, data: &AdditionalData) {
    ctx.text("name", data.name.as_deref(), 200);
    ctx.unknown(&data.extra);
    ctx.each("props", data.props.as_deref(), check_property);
}

/// Properties have no length limits (TestStand values); only their unknown keys are counted.
fn check_property(ctx: &mut Ctx, prop: &Property) {
    ctx.unknown(&prop.extra);
    ctx.each("props", prop.props.as_deref(), check_property);
}

fn check_step(ctx: &mut Ctx, step: &Step) {
    let ordinal = ctx.steps_seen;
    ctx.steps_seen += 1;
    if let Some(id) = step.id {
        if let Some(&first) = ctx.step_ids.get(&id) {
            let before = ctx.errors.len();
            ctx.error_at("id", format!("{id} is already the id of an earlier step"));
            if ctx.errors.len() > before {
                ctx.duplicate_ids.push((before, first, id));
            }
        } else {
            ctx.step_ids.insert(id, ordinal);
        }
    }
    ctx.required_text("name", step.name.as_deref(), 100);
    ctx.text("errorMessage", step.error_message.as_deref(), 200);
    ctx.text("reportText", step.report_text.as_deref(), 100_000);
    ctx.text("tsGuid", step.ts_guid.as_deref(), 30);
    ctx.unknown(&step.extra);
    if let Some(info) = &step.loop_info {
        check_loop_info(ctx, info);
    }
    ctx.each(
        "additionalResults",
        step.additional_results.as_deref(),
        check_additional_data,
    );
    if let Some(seq_call) = &step.seq_call {
        ctx.at("seqCall", |ctx| check_seq_call(ctx, seq_call));
    }
    check_measurements(ctx, step);
    if let Some(chart) = &step.chart {
        ctx.at("chart", |ctx| check_chart(ctx, chart));
    }
    if let Some(exe) = &step.call_exe {
        ctx.at("callExe", |ctx| ctx.unknown(&exe.extra));
    }
    if let Some(popup) = &step.message_popup {
        ctx.at("messagePopup", |ctx| check_message_popup(ctx, popup));
    }
    if let Some(attachment) = &step.attachment {
        ctx.at("attachment", |ctx| check_attachment(ctx, attachment));
    }
    ctx.each("steps", step.steps.as_deref(), check_step);
    check_loops(ctx, step.children());
}

/// Appends `[index]` (hot: once per list item; `write!` was a sixth of validation time).
fn push_index(path: &mut String, index: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = index;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push('[');
    path.push_str(std::str::from_utf8(&digits[i..]).unwrap_or("?"));
    path.push(']');
}

/// The paths of the steps with the given depth-first ordinals (the root is 0), in one walk.
fn paths_of(root: &Step, wanted: &std::collections::HashSet<usize>) -> HashMap<usize, String> {
    fn walk(
        step: &Step,
        path: &mut String,
        ordinal: &mut usize,
        wanted: &std::collections::HashSet<usize>,
        out: &mut HashMap<usize, String>,
    ) {
        if wanted.contains(ordinal) {
            out.insert(*ordinal, path.clone());
        }
        *ordinal += 1;
        for (i, child) in step.children().iter().enumerate() {
            let mark = path.len();
            path.push_str(".steps");
            push_index(path, i);
            walk(child, path, ordinal, wanted, out);
            path.truncate(mark);
        }
    }
    let mut out = HashMap::new();
    walk(root, &mut String::from("root"), &mut 0, wanted, &mut out);
    out
}

fn check_seq_call(ctx: &mut Ctx, seq_call: &SeqCall) {
    ctx.text("path", seq_call.path.as_deref(), 500);
    ctx.text("name", seq_call.name.as_deref(), 200);
    ctx.text("version", seq_call.version.as_deref(), 30);
    ctx.unknown(&seq_call.extra);
}

fn check_message_popup(ctx: &mut Ctx, popup: &MessagePopup) {
    ctx.text("response", popup.response.as_deref(), 200);
    ctx.unknown(&popup.extra);
}

/// Name and status of each measurement of one list (`numericMeas`, `booleanMeas`, `stringMeas`).
type MeasurementList<'a> = (&'static str, Vec<(Option<&'a str>, Option<Status>)>);

/// Measurement shape: one kind per step, single or uniquely named multiple, none on sequence
/// calls and skipped steps; then each measurement, and (on submission) status agreement.
fn check_measurements(ctx: &mut Ctx, step: &Step) {
    ctx.each("numericMeas", step.numeric_meas.as_deref(), check_numeric);
    ctx.each("booleanMeas", step.boolean_meas.as_deref(), check_boolean);
    ctx.each("stringMeas", step.string_meas.as_deref(), check_string);

    let lists: [MeasurementList; 3] = [
        (
            "numericMeas",
            step.numeric_meas
                .iter()
                .flatten()
                .map(|m| (m.name.as_deref(), m.status))
                .collect(),
        ),
        (
            "booleanMeas",
            step.boolean_meas
                .iter()
                .flatten()
                .map(|m| (m.name.as_deref(), m.status))
                .collect(),
        ),
        (
            "stringMeas",
            step.string_meas
                .iter()
                .flatten()
                .map(|m| (m.name.as_deref(), m.status))
                .collect(),
        ),
    ];
    // At most three: kept on the stack (this runs once per step).
    let mut present_buf: [&MeasurementList; 3] = [&lists[0], &lists[1], &lists[2]];
    let mut count = 0;
    for list in &lists {
        if !list.1.is_empty() {
            present_buf[count] = list;
            count += 1;
        }
    }
    let present = &present_buf[..count];
    let skipped = step.status == Some(Status::Skipped);
    if skipped {
        let chart = step.chart.is_some().then_some("chart");
        let attachment = step.attachment.is_some().then_some("attachment");
        for key in present
            .iter()
            .map(|(key, _)| *key)
            .chain(chart)
            .chain(attachment)
        {
            ctx.error_at(
                key,
                "a skipped step carries no measurement, chart or attachment",
            );
        }
    }
    let Some(&&(first_key, _)) = present.first() else {
        return;
    };
    for (key, _) in &present[1..] {
        let message =
            format!("a step carries one kind of measurement, and this one also has {first_key}");
        ctx.error_at(key, message);
    }
    if step.seq_call.is_some() || !step.children().is_empty() {
        for (key, _) in present {
            ctx.error_at(
                key,
                "a sequence call (a step with steps or seqCall) carries no measurements",
            );
        }
    }
    let mut single = false;
    for (key, list) in present {
        single = check_names(ctx, key, list);
    }

    // Status agreement of a single measurement; a skipped step or an invalid measurement
    // status is reported above already.
    if !ctx.options.submission || skipped || !single || present.len() > 1 {
        return;
    }
    let (key, list) = present[0];
    let Some(meas) = list[0].1 else { return };
    let status = step.status_or_done();
    let agrees = !meas.is_measurement_status()
        || status == meas
        || (matches!(status, Status::Error | Status::Terminated) && meas == Status::Failed);
    if !agrees {
        let shown = if step.status.is_some() {
            status.letter()
        } else {
            "absent (D)"
        };
        ctx.error_at(
            "status",
            format!(
                "is {shown} but its single measurement ({key}[0]) is {meas}; WATS requires \
                 them to agree (P/P, F/F, S/S, or E/T with F)"
            ),
        );
    }
}

/// Single (one unnamed measurement) or multiple (every one named, names unique). Returns
/// whether the measurements are a single one.
fn check_names(ctx: &mut Ctx, key: &str, list: &[(Option<&str>, Option<Status>)]) -> bool {
    let blank = |n: &Option<&str>| n.filter(|n| !n.trim().is_empty()).is_none();
    if list.len() == 1 && blank(&list[0].0) {
        return true;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, (name, _)) in list.iter().enumerate() {
        ctx.at_index(key, i, |ctx| {
            if blank(name) {
                ctx.error_at("name", "is required when a step has several measurements");
            } else if let Some(name) = name {
                match seen.get(name.trim()) {
                    Some(first) => ctx.error_at(
                        "name",
                        format!("duplicates {key}[{first}].name ({name:?}); names must be unique"),
                    ),
                    None => {
                        seen.insert(name.trim(), i);
                    }
                }
            }
        });
    }
    false
}

fn check_measurement_status(ctx: &mut Ctx, status: Option<Status>) {
    match status {
        None => ctx.error_at("status", "is required"),
        Some(s) if !s.is_measurement_status() => ctx.error_at(
            "status",
            format!("is {s}; a measurement status is P, F or S"),
        ),
        Some(_) => {}
    }
}

/// The operator, when it is known and applies to the kind; `None` (after recording why) else.
fn check_comp_op(
    ctx: &mut Ctx,
    value: Option<&CompOpValue>,
    applies: fn(CompOp) -> bool,
    kind: &str,
) -> Option<CompOp> {
    let Some(value) = value else {
        return Some(CompOp::LOG);
    };
    match value.op() {
        None => {
            ctx.error_at(
                "compOp",
                format!("{:?} is not a comparison operator", value.as_str()),
            );
            None
        }
        Some(op) if !applies(op) => {
            ctx.error_at(
                "compOp",
                format!("{op} does not apply to {kind} measurements"),
            );
            None
        }
        Some(op) => Some(op),
    }
}

fn check_numeric(ctx: &mut Ctx, m: &NumericMeasurement) {
    ctx.text("name", m.name.as_deref(), 100);
    ctx.unknown(&m.extra);
    check_measurement_status(ctx, m.status);
    ctx.text("unit", m.unit.as_deref(), 20);
    let Some(op) = check_comp_op(ctx, m.comp_op.as_ref(), CompOp::is_numeric, "numeric") else {
        return;
    };
    let needs = |ctx: &mut Ctx, key: &str, limit: Option<f64>| {
        if limit.is_none() {
            ctx.error_at(key, format!("is required by compOp {op}"));
        }
    };
    match op.limits() {
        Limits::None => {}
        Limits::Low => needs(ctx, "lowLimit", m.low_limit),
        Limits::Both => {
            needs(ctx, "lowLimit", m.low_limit);
            needs(ctx, "highLimit", m.high_limit);
        }
    }
    let inside_range = matches!(
        op,
        CompOp::GTLT | CompOp::GTLE | CompOp::GELT | CompOp::GELE | CompOp::EQT
    );
    if let (true, Some(low), Some(high)) = (inside_range, m.low_limit, m.high_limit) {
        if low > high {
            ctx.error_at(
                "lowLimit",
                format!(
                    "is greater than highLimit ({low} > {high}); compOp {op} needs low <= high"
                ),
            );
        }
    }
}

fn check_boolean(ctx: &mut Ctx, m: &BooleanMeasurement) {
    ctx.text("name", m.name.as_deref(), 100);
    ctx.unknown(&m.extra);
    check_measurement_status(ctx, m.status);
}

fn check_string(ctx: &mut Ctx, m: &StringMeasurement) {
    ctx.text("name", m.name.as_deref(), 100);
    ctx.unknown(&m.extra);
    check_measurement_status(ctx, m.status);
    ctx.text("value", m.value.as_deref(), 100);
    ctx.text("limit", m.limit.as_deref(), 100);
    check_comp_op(ctx, m.comp_op.as_ref(), CompOp::is_string, "string");
}

/// The chart limits of the WSTF converter (§1.10.5); the C# client takes its series limit from
/// a station setting (`MaxChartSeries`).
const MAX_SERIES: usize = 10;
const MAX_POINTS: usize = 10_000;

fn check_chart(ctx: &mut Ctx, chart: &Chart) {
    ctx.text("label", chart.label.as_deref(), 100);
    ctx.unknown(&chart.extra);
    ctx.text("xLabel", chart.x_label.as_deref(), 50);
    ctx.text("yLabel", chart.y_label.as_deref(), 50);
    ctx.text("xUnit", chart.x_unit.as_deref(), 20);
    ctx.text("yUnit", chart.y_unit.as_deref(), 20);
    let series = chart.series.as_deref().unwrap_or_default();
    if series.len() > MAX_SERIES {
        ctx.error_at(
            "series",
            format!(
                "has {} series; WATS allows at most {MAX_SERIES}",
                series.len()
            ),
        );
    }
    ctx.each("series", chart.series.as_deref(), |ctx, s| {
        ctx.text("name", s.name.as_deref(), 100);
        ctx.unknown(&s.extra);
        let y = series_values(ctx, "ydata", s.ydata.as_deref());
        let x = series_values(ctx, "xdata", s.xdata.as_deref());
        if let (Some(x), Some(y)) = (x, y) {
            if x != y {
                ctx.error_at("xdata", format!("has {x} values but ydata has {y}"));
            }
        }
    });
}

/// Checks one `;`-separated number list; returns its length when it parses.
fn series_values(ctx: &mut Ctx, key: &str, text: Option<&str>) -> Option<usize> {
    let text = text?;
    let Some(values) = parse_series(text) else {
        let (i, bad) = text
            .split(';')
            .enumerate()
            .find(|(_, v)| crate::wire::float::parse(v).is_none())
            .unwrap_or((0, text));
        ctx.error_at(key, format!("value {i} ({bad:?}) is not a number"));
        return None;
    };
    if values.len() > MAX_POINTS {
        ctx.error_at(
            key,
            format!(
                "has {} points; WATS allows at most {MAX_POINTS} per series",
                values.len()
            ),
        );
    }
    Some(values.len())
}

fn check_attachment(ctx: &mut Ctx, attachment: &Attachment) {
    ctx.required_text("name", attachment.name.as_deref(), 256);
    ctx.text("contentType", attachment.content_type.as_deref(), 100);
    check_base64(ctx, "data", attachment.data.as_deref());
    ctx.unknown(&attachment.extra);
}

/// Attachment content: present, base64, and not larger than the configured maximum.
fn check_base64(ctx: &mut Ctx, key: &str, data: Option<&str>) {
    let Some(data) = data else {
        ctx.error_at(key, "is required");
        return;
    };
    match base64_decoded_len(data) {
        Err(why) => ctx.error_at(key, format!("is not valid base64: {why}")),
        Ok(len) if len > ctx.options.max_attachment_bytes => ctx.error_at(
            key,
            format!(
                "decodes to {len} bytes; the limit is {} (Validator::max_attachment_bytes)",
                ctx.options.max_attachment_bytes
            ),
        ),
        Ok(_) => {}
    }
}

/// The decoded size of standard, padded base64, read as .NET's `Convert.FromBase64String`
/// does (ASCII whitespace ignored), or why it is not base64.
fn base64_decoded_len(text: &str) -> Result<usize, String> {
    let (mut symbols, mut padding) = (0usize, 0usize);
    for (i, c) in text.chars().enumerate() {
        match c {
            ' ' | '\t' | '\r' | '\n' => continue,
            '=' => padding += 1,
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' if padding == 0 => {}
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => {
                return Err(format!("character {i} follows the '=' padding"))
            }
            _ => return Err(format!("character {i} is {c:?}")),
        }
        symbols += 1;
    }
    if symbols % 4 != 0 {
        return Err(format!("{symbols} symbols is not a multiple of 4"));
    }
    if padding > 2 {
        return Err(format!("{padding} '=' padding characters (at most 2)"));
    }
    Ok(symbols / 4 * 3 - padding)
}

/// Checks a `loop` object alone; its summary/iteration context is [`check_loops`]' job.
fn check_loop_info(ctx: &mut Ctx, info: &LoopInfo) {
    ctx.at("loop", |ctx| ctx.unknown(&info.extra));
    if info.idx.is_some() && info.num.is_some() {
        ctx.error_at(
            "loop",
            "is either a summary (num) or an iteration (idx), not both",
        );
    }
    if let Some(idx) = info.idx.filter(|i| *i < 0) {
        ctx.error_at(
            "loop.idx",
            format!("is {idx}; iteration indexes start at 0"),
        );
    }
}

/// A loop summary step and the iterations that follow it.
struct LoopRun<'a> {
    at: usize,
    summary: &'a Step,
    iterations: Vec<(usize, &'a Step)>,
}

/// Loops among siblings (§1.10.8): a summary (`loop.num`) followed by iterations with the same
/// name (`loop.idx`).
fn check_loops(ctx: &mut Ctx, steps: &[Step]) {
    let mut open: Option<LoopRun> = None;
    for (i, step) in steps.iter().enumerate() {
        let info = step.loop_info.as_ref();
        let is_summary = info.is_some_and(|l| l.num.is_some());
        let is_iteration = !is_summary && info.is_some_and(|l| l.idx.is_some());
        if is_iteration {
            if let Some(run) = open.as_mut().filter(|r| r.summary.name == step.name) {
                run.iterations.push((i, step));
                continue;
            }
            ctx.at_index("steps", i, |ctx| {
                ctx.error_at(
                    "loop.idx",
                    format!(
                        "marks a loop iteration, but no loop summary named {:?} precedes it",
                        step.name.as_deref().unwrap_or("")
                    ),
                )
            });
        }
        if let Some(run) = open.take() {
            check_loop_run(ctx, &run);
        }
        if is_summary {
            open = Some(LoopRun {
                at: i,
                summary: step,
                iterations: Vec::new(),
            });
        }
    }
    if let Some(run) = open.take() {
        check_loop_run(ctx, &run);
    }
}

fn check_loop_run(ctx: &mut Ctx, run: &LoopRun) {
    // Duplicate iteration indexes are wrong in any report.
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for &(i, step) in &run.iterations {
        // A negative idx is reported by `check_loop_info`.
        let Some(idx) = step
            .loop_info
            .as_ref()
            .and_then(|l| l.idx)
            .filter(|i| *i >= 0)
        else {
            continue;
        };
        if let Some(&first) = seen.get(&idx) {
            ctx.at_index("steps", i, |ctx| {
                ctx.error_at(
                    "loop.idx",
                    format!("duplicates iteration steps[{first}] (idx {idx})"),
                );
            });
        } else {
            seen.insert(idx, i);
        }
    }
    if !ctx.options.submission {
        return;
    }

    let Some(info) = run.summary.loop_info.as_ref() else {
        return;
    };
    let highest = seen.keys().copied().max();
    ctx.at_index("steps", run.at, |ctx| {
        let Some(ending) = info.ending_index else {
            ctx.error_at("loop.endingIndex", "is required on a loop summary");
            return;
        };
        if let Some(highest) = highest.filter(|h| *h != ending) {
            ctx.error_at(
                "loop.endingIndex",
                format!("is {ending}; WATS requires the highest iteration index, {highest}"),
            );
        }
        match ending.checked_add(1) {
            None => ctx.error_at("loop.endingIndex", format!("is {ending}, out of range")),
            Some(expected) => {
                if let Some(num) = info.num.filter(|n| *n != expected) {
                    ctx.error_at(
                        "loop.num",
                        format!("is {num}; WATS requires one more than endingIndex ({expected})"),
                    );
                }
            }
        }
        if let Some(highest) = highest {
            // Gaps in 0..=highest, found from the sorted indexes present (never by walking the
            // whole range: `highest` comes from the input and may be huge).
            let mut present: Vec<i64> = seen.keys().copied().collect();
            present.sort_unstable();
            let missing_count = (highest as u64 + 1).saturating_sub(present.len() as u64);
            if missing_count > 0 {
                const SHOWN: usize = 10;
                let mut missing = Vec::new();
                let mut next = 0i64;
                for &idx in &present {
                    while next < idx && missing.len() < SHOWN {
                        missing.push(next.to_string());
                        next += 1;
                    }
                    next = idx.saturating_add(1);
                    if missing.len() >= SHOWN {
                        break;
                    }
                }
                let more = missing_count.saturating_sub(missing.len() as u64);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                ctx.error_at(
                    "loop",
                    format!(
                        "has no iteration with idx {}{more}; iterations are numbered 0 to \
                         endingIndex",
                        missing.join(", ")
                    ),
                );
            }
        }
    });

    let summary = run.summary.string_meas.as_deref().unwrap_or_default();
    for &(i, step) in &run.iterations {
        ctx.at_index("steps", i, |ctx| check_iteration_limits(ctx, summary, step));
    }
}

/// Iteration string limits must equal the summary's (matched by name, so a single measurement
/// matches the summary's single one).
fn check_iteration_limits(ctx: &mut Ctx, summary: &[StringMeasurement], iteration: &Step) {
    let measurements = iteration.string_meas.as_deref().unwrap_or_default();
    for (j, m) in measurements.iter().enumerate() {
        let Some(expected) = summary.iter().find(|s| s.name == m.name) else {
            continue;
        };
        if expected.limit != m.limit {
            let message = format!(
                "is {:?} but the loop summary's is {:?}; WATS requires them to match",
                m.limit.as_deref().unwrap_or(""),
                expected.limit.as_deref().unwrap_or("")
            );
            ctx.at_index("stringMeas", j, |ctx| ctx.error_at("limit", message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::base64_decoded_len;

    #[test]
    fn base64_lengths() {
        assert_eq!(base64_decoded_len(""), Ok(0));
        assert_eq!(base64_decoded_len("TWFu"), Ok(3));
        assert_eq!(base64_decoded_len("TWE="), Ok(2));
        assert_eq!(base64_decoded_len("TQ=="), Ok(1));
        assert_eq!(base64_decoded_len("TW\r\nFu"), Ok(3));
        assert!(base64_decoded_len("TWF").is_err());
        assert!(base64_decoded_len("TQ=a").is_err());
        assert!(base64_decoded_len("T===").is_err());
        assert!(base64_decoded_len("TW-u").is_err());
    }
}

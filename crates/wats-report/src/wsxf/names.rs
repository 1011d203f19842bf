//! The attribute names of WSXF, one table per struct.
//!
//! Each table lists a struct's attributes in the order WATS writes them, with the field each
//! one fills and its [`Kind`] (how its text is read and written). [`attributes!`] turns a table
//! into a reader and a writer, so a name is spelled once: reading and writing cannot drift.
//!
//! A `Derived` row names an attribute WSJF has no key for (an index, a size, a file name made
//! from a path): the reader drops it, and the writer asks the caller for its value at that
//! position. Attributes that fill something other than a field (a failure's `PartIdx`) or that
//! need a rule of their own (a step's `Status="Unknown"`) are handled by the caller before the
//! table is consulted.

use std::borrow::Cow;

use uuid::Uuid;

use super::write::Writer;
use crate::op::CompOpValue;
use crate::report::*;
use crate::status::{ReportType, Status, StepGroup};
use crate::step::*;
use crate::time::Timestamp;
use crate::wire::float;

/// How an attribute's text becomes a field's value, and back.
pub(super) trait Kind {
    type Value;
    /// Reads the (unescaped) attribute text; an error is the message for the caller's location.
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String>;
    /// Writes the attribute, or nothing when the value is absent.
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value);
}

/// Text; `""` is absent (WATS writes `""` for null).
pub(super) struct Str;
/// An integer.
pub(super) struct Int;
/// A number; `INF`, `-INF` and `NaN` included.
pub(super) struct Num;
/// `true`/`false` (or `1`/`0`).
pub(super) struct Bool;
/// A date-time with its offset, kept as written.
pub(super) struct Time;
/// A GUID, written in upper case.
pub(super) struct Guid;
/// A result word: `Passed`, `Failed`…
pub(super) struct Stat;
/// A comparison operator, kept verbatim when unknown.
pub(super) struct Op;
/// A step type or unit: the common ones are shared, not allocated per step.
pub(super) struct Shared;
/// TestStand property flags: hex (`0x4400`) written, decimal accepted.
pub(super) struct Flags;
/// A step group: `Setup`, `Main` or `Cleanup`.
pub(super) struct Group;
/// A report type: `UUT` or `UUR`.
pub(super) struct Type;

pub(super) fn invalid(key: &str, value: &str, expected: &str) -> String {
    format!("invalid {key} {value:?}: expected {expected}")
}

impl Kind for Str {
    type Value = Option<String>;
    fn read(_: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        Ok((!text.is_empty()).then(|| text.into_owned()))
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(v) = value {
            w.attr(name, v);
        }
    }
}

impl Kind for Int {
    type Value = Option<i64>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        int(name, &text)
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        w.int(name, *value);
    }
}

impl Kind for Num {
    type Value = Option<f64>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        if text.is_empty() {
            return Ok(None);
        }
        float::parse(&text)
            .map(Some)
            .ok_or_else(|| invalid(name, &text, "a number (or INF, -INF, NaN)"))
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        w.num(name, *value);
    }
}

impl Kind for Bool {
    type Value = Option<bool>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        match text.trim() {
            "" => Ok(None),
            "1" => Ok(Some(true)),
            "0" => Ok(Some(false)),
            t if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            t if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            _ => Err(invalid(name, &text, "true or false")),
        }
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(v) = value {
            w.attr(name, if *v { "true" } else { "false" });
        }
    }
}

impl Kind for Time {
    type Value = Option<Timestamp>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        if text.is_empty() {
            return Ok(None);
        }
        Timestamp::parse(&text).map(Some).map_err(|_| {
            invalid(
                name,
                &text,
                "a date-time like 2026-01-30T22:01:41.4707353+01:00",
            )
        })
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(v) = value {
            w.display(name, v);
        }
    }
}

impl Kind for Guid {
    type Value = Option<Uuid>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        guid(name, &text)
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(v) = value {
            w.display(name, format_args!("{v:X}"));
        }
    }
}

impl Kind for Stat {
    type Value = Option<Status>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        if text.is_empty() {
            return Ok(None);
        }
        Status::parse(&text).map(Some).ok_or_else(|| {
            invalid(
                name,
                &text,
                "Passed, Done, Skipped, Failed, Error or Terminated",
            )
        })
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(v) = value {
            w.attr(name, v.word());
        }
    }
}

impl Kind for Op {
    type Value = Option<CompOpValue>;
    fn read(_: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        Ok((!text.is_empty()).then(|| CompOpValue::parse(&text)))
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(v) = value {
            w.attr(name, v.as_str());
        }
    }
}

impl Kind for Shared {
    type Value = Option<Cow<'static, str>>;
    fn read(_: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        Ok((!text.is_empty()).then(|| shared_name(&text)))
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(v) = value {
            w.attr(name, v);
        }
    }
}

impl Kind for Flags {
    type Value = Option<i64>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
        let parsed = match hex {
            Some(digits) => u64::from_str_radix(digits, 16).ok().map(|v| v as i64),
            None => t.parse().ok(),
        };
        parsed
            .map(Some)
            .ok_or_else(|| invalid(name, &text, "an integer such as 0x0"))
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(flags) = value {
            w.display(name, format_args!("0x{flags:X}"));
        }
    }
}

impl Kind for Group {
    type Value = Option<StepGroup>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        match text.as_ref() {
            "" => Ok(None),
            g => StepGroup::parse(g)
                .map(Some)
                .ok_or_else(|| invalid(name, g, "Setup, Main or Cleanup")),
        }
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(g) = value {
            w.attr(name, g.word());
        }
    }
}

impl Kind for Type {
    type Value = Option<ReportType>;
    fn read(name: &str, text: Cow<'_, str>) -> Result<Self::Value, String> {
        match text.as_ref() {
            "" => Ok(None),
            t => ReportType::parse(t)
                .map(Some)
                .ok_or_else(|| invalid(name, t, "UUT or UUR")),
        }
    }
    fn write(w: &mut Writer, name: &'static str, value: &Self::Value) {
        if let Some(t) = value {
            w.attr(name, t.word());
        }
    }
}

/// An integer attribute's value (also used for derived ones such as `PartIdx`).
pub(super) fn int(name: &str, text: &str) -> Result<Option<i64>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| invalid(name, text, "an integer"))
}

/// A GUID attribute's (or element text's) value.
pub(super) fn guid(name: &str, text: &str) -> Result<Option<Uuid>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(text.trim())
        .map(Some)
        .map_err(|_| invalid(name, text, "a GUID"))
}

/// Declares a table: `NAME for Struct { "Attr" => field: Kind, "Derived" => _: Derived, … }`.
///
/// `NAME::read(&mut x, key, text)` fills the field of a known attribute (a derived one is known
/// and dropped) and hands an unknown one's text back. `NAME::write(w, &x, derived)` writes the
/// attributes in table order, calling `derived(w, name)` at each derived row.
macro_rules! attributes {
    ($($(#[$doc:meta])* $table:ident for $ty:ty { $($name:literal => $field:tt : $kind:ident),* $(,)? })*) => {$(
        $(#[$doc])*
        // Named like the constant tables they are, not like types.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub(super) struct $table;

        impl $table {
            #[allow(unused_variables)]
            #[inline]
            pub(super) fn read<'t>(
                x: &mut $ty,
                key: &str,
                text: Cow<'t, str>,
            ) -> Result<Option<Cow<'t, str>>, String> {
                match key {
                    $($name => attributes!(@read x, $field, $kind, $name, text),)*
                    _ => return Ok(Some(text)),
                }
                Ok(None)
            }

            #[allow(unused_variables, unused_mut)]
            pub(super) fn write(w: &mut Writer, x: &$ty, mut derived: impl FnMut(&mut Writer, &'static str)) {
                $(attributes!(@write w, x, $field, $kind, $name, derived);)*
            }
        }
    )*};
    (@read $x:ident, _, Derived, $name:literal, $text:ident) => {{}};
    (@read $x:ident, $field:ident, $kind:ident, $name:literal, $text:ident) => {
        $x.$field = <$kind as Kind>::read($name, $text)?
    };
    (@write $w:ident, $x:ident, _, Derived, $name:literal, $derived:ident) => {
        $derived($w, $name)
    };
    (@write $w:ident, $x:ident, $field:ident, $kind:ident, $name:literal, $derived:ident) => {
        <$kind as Kind>::write($w, $name, &$x.$field)
    };
}

attributes! {
    /// `<Report>`.
    REPORT for Report {
        "type" => report_type: Type,
        "ID" => id: Guid,
        "Start" => start: Time,
        "Start_utc" => start_utc: Time,
        "Result" => result: Stat,
        "SN" => sn: Str,
        "PN" => pn: Str,
        "Rev" => rev: Str,
        "origin" => origin: Str,
        "MachineName" => machine_name: Str,
        "Location" => location: Str,
        "Purpose" => purpose: Str,
        "ProductName" => product_name: Str,
    }

    /// `<Report><Process>`: the report's process.
    REPORT_PROCESS for Report {
        "Code" => process_code: Int,
        "Name" => process_name: Str,
        "CodeFormat" => process_code_format: Str,
    }

    /// `<UUT>`.
    UUT for UutInfo {
        "UserLoginName" => user: Str,
        "BatchSN" => batch_sn: Str,
        "TestSocketIndex" => test_socket_index: Int,
        "TestSocketIndexFormat" => test_socket_index_format: Str,
        "ExecutionTime" => exec_time: Num,
        "ExecutionTimeFormat" => exec_time_format: Str,
        "FixtureId" => fixture_id: Str,
        "ErrorCode" => error_code: Int,
        "ErrorCodeFormat" => error_code_format: Str,
        "ErrorMessage" => error_message: Str,
        "BatchLoopIndex" => batch_loop_index: Int,
        "BatchLoopIndexFormat" => batch_loop_index_format: Str,
        "BatchFailCount" => batch_fail_count: Int,
        "BatchFailCountFormat" => batch_fail_count_format: Str,
        "StepIdCausedUUTFailure" => step_id_caused_uut_failure: Int,
    }

    /// `<UUR>`.
    UUR for UurInfo {
        "UserLoginName" => user: Str,
        "ConfirmDate" => confirm_date: Time,
        "FinalizeDate" => finalize_date: Time,
        "Active" => active: Bool,
        "ExecutionTime" => exec_time: Num,
        "ReferencedUUT" => ref_uut: Guid,
        "Parent" => parent: Guid,
    }

    /// `<UUR><Process>`: the repair process.
    UUR_PROCESS for UurInfo {
        "Code" => process_code: Int,
        "Name" => process_name: Str,
        "CodeFormat" => process_code_format: Str,
    }

    /// `<Asset>`.
    ASSET for Asset {
        "AssetSN" => asset_sn: Str,
        "UsageCount" => usage_count: Int,
        "UsageCountFormat" => usage_count_format: Str,
    }

    /// `<MiscInfo>` (its text is the value).
    MISC_INFO for MiscInfo {
        "Typedef" => typedef: Str,
        "Id" => id: Str,
        "Description" => description: Str,
        "Numeric" => numeric: Num,
        "NumericFormat" => numeric_format: Str,
        "idx" => _: Derived,
        "order_no" => _: Derived,
    }

    /// `<ReportUnitHierarchy>`: a sub unit.
    SUB_UNIT for SubUnit {
        "Idx" => idx: Int,
        "ParentIDX" => parent_idx: Int,
        "ReplacedIDX" => replaced_idx: Int,
        "PartType" => part_type: Str,
        "PN" => pn: Str,
        "SN" => sn: Str,
        "Rev" => rev: Str,
        "Position" => position: Int,
    }

    /// `<Failures>`; `PartIdx` names the sub unit it belongs to.
    FAILURE for Failure {
        "Category" => category: Str,
        "Code" => code: Str,
        "Idx" => _: Derived,
        "PartIdx" => _: Derived,
        "CompRef" => com_ref: Str,
        "StepID" => ref_step_id: Int,
        "StepName" => ref_step_name: Str,
        "FunctionBlock" => func_block: Str,
        "ArticleNumber" => art_number: Str,
        "ArticleRevision" => art_rev: Str,
        "ArticleVendor" => art_vendor: Str,
        "ArticleDescription" => art_description: Str,
    }

    /// `<Binary><Data>`: an attachment of the report (its text is the base64 data).
    DATA for BinaryData {
        "BinaryDataGUID" => id: Guid,
        "ContentType" => content_type: Str,
        "size" => _: Derived,
        "FileName" => name: Str,
    }

    /// `<AdditionalData>` and `<AdditionalResults>`.
    ADDITIONAL for AdditionalData {
        "Name" => name: Str,
        "Idx" => _: Derived,
    }

    /// `<Prop>`.
    PROP for Property {
        "Name" => name: Str,
        "Type" => prop_type: Str,
        "Flags" => flags: Flags,
    }

    /// `<Step>`.
    STEP for Step {
        "Id" => id: Int,
        "Group" => group: Group,
        "Name" => name: Str,
        "StepType" => step_type: Shared,
        "Status" => status: Stat,
        "total_time" => tot_time: Num,
        "total_timeFormat" => tot_time_format: Str,
        "StepIndex" => _: Derived,
        "TSGuid" => ts_guid: Str,
        "StepErrorCode" => error_code: Int,
        "StepErrorCodeFormat" => error_code_format: Str,
        "StepErrorMessage" => error_message: Str,
        "Start" => start: Time,
        "StepCausedSequenceFailure" => caused_seq_failure: Bool,
        "StepCausedUUTFailure" => caused_uut_failure: Bool,
    }

    /// `<Loop>`.
    LOOP for LoopInfo {
        "num" => num: Int,
        "passed" => passed: Int,
        "failed" => failed: Int,
        "ending_index" => ending_index: Int,
        "index" => idx: Int,
    }

    /// `<SequenceCall>`; `Filename` is the last part of `Filepath`.
    SEQ_CALL for SeqCall {
        "Name" => name: Str,
        "Version" => version: Str,
        "Filename" => _: Derived,
        "Filepath" => path: Str,
        "MeasIndex" => _: Derived,
    }

    /// `<NumericLimit>`.
    NUMERIC for NumericMeasurement {
        "Name" => name: Str,
        "NumericValue" => value: Num,
        "NumericValueFormat" => value_format: Str,
        "Units" => unit: Shared,
        "CompOperator" => comp_op: Op,
        "HighLimit" => high_limit: Num,
        "HighLimitFormat" => high_limit_format: Str,
        "LowLimit" => low_limit: Num,
        "LowLimitFormat" => low_limit_format: Str,
        "Status" => status: Stat,
        "MeasIndex" => _: Derived,
        "MeasOrderNumber" => _: Derived,
    }

    /// `<PassFail>`.
    PASS_FAIL for BooleanMeasurement {
        "Name" => name: Str,
        "MeasIndex" => _: Derived,
        "Status" => status: Stat,
        "MeasOrderNumber" => _: Derived,
    }

    /// `<StringValue>`.
    STRING_VALUE for StringMeasurement {
        "Name" => name: Str,
        "CompOperator" => comp_op: Op,
        "StringLimit" => limit: Str,
        "StringValue" => value: Str,
        "Status" => status: Stat,
        "MeasOrderNumber" => _: Derived,
        "MeasIndex" => _: Derived,
    }

    /// `<Chart>`.
    CHART for Chart {
        "idx" => _: Derived,
        "ChartType" => chart_type: Str,
        "Label" => label: Str,
        "XLabel" => x_label: Str,
        "XUnit" => x_unit: Str,
        "YLabel" => y_label: Str,
        "YUnit" => y_unit: Str,
    }

    /// `<Series>` (its `ydata`/`xdata` are child elements).
    SERIES for Series {
        "Name" => name: Str,
        "DataType" => data_type: Str,
    }

    /// `<Callexe>`.
    CALL_EXE for CallExe {
        "ExitCode" => exit_code: Num,
        "ExitCodeFormat" => exit_code_format: Str,
        "MeasIndex" => _: Derived,
    }

    /// `<MessagePopup>`.
    MESSAGE_POPUP for MessagePopup {
        "Button" => button: Int,
        "ButtonFormat" => button_format: Str,
        "Response" => response: Str,
        "MeasIndex" => _: Derived,
    }

    /// `<Attachment>` (its text is the base64 data).
    ATTACHMENT for Attachment {
        "Name" => name: Str,
        "ContentType" => content_type: Str,
        "Size" => _: Derived,
    }
}

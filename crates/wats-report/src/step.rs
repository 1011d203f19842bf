//! Steps: the tree of a UUT report (report-formats §1.8–§1.10).
//!
//! A [`Step`] carries the fields common to all steps plus every payload key; which kind of step
//! it is follows from the payload keys present ([`Step::kind`]), never from `stepType`, which
//! WATS treats as an icon name (a real export has an `NI_Wait` step with children).

use crate::op::CompOpValue;
use crate::status::{Status, StepGroup};
use crate::time::Timestamp;
use crate::wire_struct;

wire_struct! {
    /// One step of the test tree.
    ///
    /// The payloads only some steps carry are boxed: it keeps a step small (a tenth of its
    /// unboxed size), which matters when a report holds tens of thousands of them.
    pub struct Step {
        /// Step id; WATS numbers steps depth-first from 1 (the root).
        "id" => id: i64,
        /// Setup, main or cleanup.
        "group" => group: StepGroup,
        /// Free text deciding the icon (`SequenceCall`, `ET_NLT`, `NI_Wait`…), kept verbatim.
        "stepType" => step_type: std::borrow::Cow<'static, str> [shared],
        /// Loop summary or iteration marker (§1.10.8).
        "loop" => loop_info: Box<LoopInfo>,
        /// Step name (≤100).
        "name" => name: String,
        /// Step status.
        "status" => status: Status,
        /// When the step started.
        "start" => start: Timestamp,
        /// Total time in seconds.
        "totTime" => tot_time: f64 [float],
        /// .NET format of `totTime`.
        "totTimeFormat" => tot_time_format: String,
        /// Error code.
        "errorCode" => error_code: i64,
        /// .NET format of `errorCode`.
        "errorCodeFormat" => error_code_format: String,
        /// Error message (≤200).
        "errorMessage" => error_message: String,
        /// Free report text (≤100000).
        "reportText" => report_text: String,
        /// TestStand step id (≤30).
        "tsGuid" => ts_guid: String,
        /// This step caused the UUT to fail.
        "causedUUTFailure" => caused_uut_failure: bool,
        /// This step caused its sequence to fail.
        "causedSeqFailure" => caused_seq_failure: bool,
        /// TestStand additional results.
        "additionalResults" => additional_results: Vec<crate::AdditionalData>,
        /// Sequence call payload (container steps).
        "seqCall" => seq_call: Box<SeqCall>,
        /// Numeric limit measurements.
        "numericMeas" => numeric_meas: Vec<NumericMeasurement>,
        /// Pass/fail measurements.
        "booleanMeas" => boolean_meas: Vec<BooleanMeasurement>,
        /// String value measurements.
        "stringMeas" => string_meas: Vec<StringMeasurement>,
        /// Chart (one per step).
        "chart" => chart: Box<Chart>,
        /// Call-executable payload.
        "callExe" => call_exe: Box<CallExe>,
        /// Message-popup payload.
        "messagePopup" => message_popup: Box<MessagePopup>,
        /// Attachment (one per step).
        "attachment" => attachment: Box<Attachment>,
        /// Child steps (container steps).
        "steps" => steps: Vec<Step>,
    }
}

wire_struct! {
    /// A numeric limit measurement.
    pub struct NumericMeasurement {
        /// Comparison operator.
        "compOp" => comp_op: CompOpValue,
        /// Name; `null` on a single measurement, unique and non-empty on multiple ones.
        "name" => name: String,
        /// `P`, `F` or `S`.
        "status" => status: Status,
        /// Unit (≤20).
        "unit" => unit: std::borrow::Cow<'static, str> [shared],
        /// Measured value.
        "value" => value: f64 [float],
        /// .NET format of `value`.
        "valueFormat" => value_format: String,
        /// High limit (two-limit operators only).
        "highLimit" => high_limit: f64 [float],
        /// .NET format of `highLimit`.
        "highLimitFormat" => high_limit_format: String,
        /// Low limit: the only limit of single-limit operators, `LT`/`LE` included.
        "lowLimit" => low_limit: f64 [float],
        /// .NET format of `lowLimit`.
        "lowLimitFormat" => low_limit_format: String,
    }
}

wire_struct! {
    /// A pass/fail measurement: its status is the result (WSJF has no value key).
    pub struct BooleanMeasurement {
        /// Name; `null` on a single measurement.
        "name" => name: String,
        /// `P`, `F` or `S`.
        "status" => status: Status,
    }
}

wire_struct! {
    /// A string value measurement.
    pub struct StringMeasurement {
        /// Comparison operator.
        "compOp" => comp_op: CompOpValue,
        /// Name; `null` on a single measurement.
        "name" => name: String,
        /// `P`, `F` or `S`.
        "status" => status: Status,
        /// Measured text (≤100).
        "value" => value: String,
        /// Expected text (≤100).
        "limit" => limit: String,
    }
}

wire_struct! {
    /// Loop information: a summary (`num`, `endingIndex`, `passed`, `failed`) or an iteration
    /// (`idx`).
    pub struct LoopInfo {
        /// Iteration index (0-based) on an iteration step.
        "idx" => idx: i64,
        /// Number of iterations on the summary step.
        "num" => num: i64,
        /// Highest iteration index on the summary step.
        "endingIndex" => ending_index: i64,
        /// Iterations that passed.
        "passed" => passed: i64,
        /// Iterations that failed.
        "failed" => failed: i64,
    }
}

wire_struct! {
    /// Sequence call payload.
    pub struct SeqCall {
        /// Sequence file path (≤500).
        "path" => path: String,
        /// Sequence (function) name (≤200).
        "name" => name: String,
        /// Sequence version (≤30).
        "version" => version: String,
    }
}

wire_struct! {
    /// A chart: one per step, with up to a few series of `;`-separated numbers.
    pub struct Chart {
        /// `Line`, `LineLogXY`, `LineLogX` or `LineLogY`.
        "chartType" => chart_type: String,
        /// Chart title (≤100).
        "label" => label: String,
        /// X axis label (≤50).
        "xLabel" => x_label: String,
        /// X axis unit (≤20).
        "xUnit" => x_unit: String,
        /// Y axis label (≤50).
        "yLabel" => y_label: String,
        /// Y axis unit (≤20).
        "yUnit" => y_unit: String,
        /// The series.
        "series" => series: Vec<Series>,
    }
}

wire_struct! {
    /// One chart series.
    pub struct Series {
        /// Always `XYG` in practice.
        "dataType" => data_type: String,
        /// Series name (≤100).
        "name" => name: String,
        /// X values, `;`-separated (optional: 0, 1, 2… when absent).
        "xdata" => xdata: String,
        /// Y values, `;`-separated.
        "ydata" => ydata: String,
    }
}

wire_struct! {
    /// Call-executable payload.
    pub struct CallExe {
        /// Exit code of the program.
        "exitCode" => exit_code: f64 [float],
        /// .NET format of `exitCode`.
        "exitCodeFormat" => exit_code_format: String,
    }
}

wire_struct! {
    /// Message-popup payload.
    pub struct MessagePopup {
        /// Text response (≤200).
        "response" => response: String,
        /// Button pressed.
        "button" => button: i64,
        /// .NET format of `button`.
        "buttonFormat" => button_format: String,
    }
}

wire_struct! {
    /// A file attached to a step.
    pub struct Attachment {
        /// File name (≤256).
        "name" => name: String,
        /// MIME type (≤100).
        "contentType" => content_type: String,
        /// Content, base64.
        "data" => data: String,
    }
}

/// What a step is, decided by the payload keys present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// Has `steps` or `seqCall`: a container.
    Sequence,
    /// Has `numericMeas`.
    Numeric,
    /// Has `booleanMeas`.
    PassFail,
    /// Has `stringMeas`.
    StringValue,
    /// Has `callExe`.
    CallExe,
    /// Has `messagePopup`.
    MessagePopup,
    /// Only a chart (no measurements).
    Chart,
    /// Only an attachment.
    Attachment,
    /// No payload: action, label, flow control, wait….
    Action,
}

impl Step {
    /// The step's kind, from the payload keys present (first match in the order of
    /// [`StepKind`]'s variants).
    pub fn kind(&self) -> StepKind {
        if self.steps.is_some() || self.seq_call.is_some() {
            StepKind::Sequence
        } else if self.numeric_meas.is_some() {
            StepKind::Numeric
        } else if self.boolean_meas.is_some() {
            StepKind::PassFail
        } else if self.string_meas.is_some() {
            StepKind::StringValue
        } else if self.call_exe.is_some() {
            StepKind::CallExe
        } else if self.message_popup.is_some() {
            StepKind::MessagePopup
        } else if self.chart.is_some() {
            StepKind::Chart
        } else if self.attachment.is_some() {
            StepKind::Attachment
        } else {
            StepKind::Action
        }
    }

    /// The child steps (empty for a leaf).
    pub fn children(&self) -> &[Step] {
        self.steps.as_deref().unwrap_or(&[])
    }

    /// The status, `Done` if absent.
    pub fn status_or_done(&self) -> Status {
        self.status.unwrap_or(Status::Done)
    }

    /// Calls `f` on this step and every descendant, depth first, pre-order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Step)) {
        f(self);
        for child in self.children() {
            child.walk(f);
        }
    }

    /// The number of steps in this subtree, this one included.
    pub fn count(&self) -> usize {
        let mut n = 0;
        self.walk(&mut |_| n += 1);
        n
    }

    /// Numbers this subtree depth-first from `first`, as WATS does; returns the next free id.
    pub fn renumber(&mut self, first: i64) -> i64 {
        self.id = Some(first);
        let mut next = first + 1;
        if let Some(steps) = &mut self.steps {
            for child in steps {
                next = child.renumber(next);
            }
        }
        next
    }

    /// Finds the step with the given id in this subtree.
    pub fn find(&self, id: i64) -> Option<&Step> {
        if self.id == Some(id) {
            return Some(self);
        }
        self.children().iter().find_map(|c| c.find(id))
    }
}

impl Series {
    /// The Y values as numbers (`None` when a value is not a number).
    pub fn y_values(&self) -> Option<Vec<f64>> {
        parse_series(self.ydata.as_deref().unwrap_or(""))
    }

    /// The X values as numbers; 0, 1, 2… when `xdata` is absent.
    pub fn x_values(&self) -> Option<Vec<f64>> {
        match &self.xdata {
            Some(x) => parse_series(x),
            None => self
                .y_values()
                .map(|y| (0..y.len()).map(|i| i as f64).collect()),
        }
    }
}

/// `text` as a step type or unit: one of the few that most reports repeat is shared, not
/// allocated for every step that is read.
pub(crate) fn shared_name(text: &str) -> std::borrow::Cow<'static, str> {
    macro_rules! shared {
        ($($name:literal)*) => {
            match text {
                $($name => std::borrow::Cow::Borrowed($name),)*
                _ => std::borrow::Cow::Owned(text.to_owned()),
            }
        };
    }
    shared!(
        // TestStand's step types and WATS's own.
        "ET_NLT" "ET_MNLT" "ET_PFT" "ET_MPFT" "ET_SVT" "ET_MSVT" "SequenceCall" "Action"
        "Label" "Statement" "MessagePopup" "CallExecutable" "WATS_XYGMNLT" "NI_Wait"
        "NumericLimitTest" "PassFailTest" "StringValueTest" "MultipleNumericLimitTest"
        // Units.
        "V" "mV" "A" "mA" "uA" "Ohm" "kOhm" "Hz" "kHz" "MHz" "s" "ms" "us" "W" "dB" "dBm"
        "F" "uF" "nF" "pF" "H" "%"
    )
}

/// Parses `;`-separated invariant-culture numbers.
pub(crate) fn parse_series(text: &str) -> Option<Vec<f64>> {
    if text.trim().is_empty() {
        return Some(Vec::new());
    }
    text.split(';').map(crate::wire::float::parse).collect()
}

/// A series' values as [`Series::xdata`] / [`Series::ydata`] hold them (`;`-separated, each
/// in WATS's number form), written one by one as they are read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesText {
    text: String,
}

impl SeriesText {
    /// Room for about `values` numbers.
    pub fn with_capacity(values: usize) -> Self {
        SeriesText {
            text: String::with_capacity(values * 8),
        }
    }

    /// The series of `values`.
    pub fn from_values(values: &[f64]) -> Self {
        let mut out = SeriesText::with_capacity(values.len());
        for v in values {
            out.push(*v);
        }
        out
    }

    /// Appends a number.
    pub fn push(&mut self, v: f64) {
        self.separate();
        crate::wire::float::push(&mut self.text, v);
    }

    /// Appends a number read from plain decimal text (copying the text when it is already
    /// in WATS's number form).
    pub fn push_decimal(&mut self, d: crate::wire::float::Decimal<'_>) {
        self.separate();
        d.push_to(&mut self.text);
    }

    /// Every number is written as at least one character, so empty text means no number.
    fn separate(&mut self) {
        if !self.text.is_empty() {
            self.text.push(';');
        }
    }

    /// Whether no number has been appended.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The `;`-separated text.
    pub fn into_string(self) -> String {
        self.text
    }
}

//! WATS Standard Text Format (WSTF): tab-separated text, one or many UUTs per file.
//!
//! Fields are separated by tabs (shown as `→`):
//!
//! ```text
//! --Header-Start--
//! SerialNumber→SN-1
//! PartNumber→PCBA-100
//! Revision→A
//! OperationTypeCode→10
//! StartDateTime→2026-03-01T10:00:00
//! StationName→ST-1
//! OperatorName→alice
//! Subunit→PSU→PSU-9→SN-P1→B
//! Lot→L-42                                     (any other key: misc info)
//! --Step-Data-Start--
//! StepType→StepName→MeasureName→Value→LowLimit→HighLimit→CompOperator→Unit→Status→StepExecutionTime→StepReportText→StepErrorCode→StepErrorMessage→CausedSequenceFailure
//! SequenceCall→Power
//! NumericLimitTest→3V3→→3.31→3.2→3.4→GELE→V
//! PassFailTest→Self test→→True
//! StringValueTest→Firmware→→v2.1→v2.1→→EQ
//! EndSequenceCall→Power
//! --Step-Data-End--
//! UUTStatus→Passed
//! --UUT-End--
//! ```
//!
//! Markers are exact lines (`-- UUT-End--` is accepted too). Header keys: `SerialNumber`,
//! `PartNumber`, `Revision`, `OperationTypeCode`, `OperationTypeName`, `UUTStatus`,
//! `ErrorCode`, `ErrorMessage`, `StartDateTime` (local, `yyyy-MM-ddTHH:mm:ss`, the
//! `time_zone` argument applies), `UTCStartDateTime`, `ExecutionTime`, `StationName`,
//! `OperatorName`, `TestSocketIndex`, `FixtureId`, `SoftwareName` (main sequence name),
//! `SoftwareVersion`, `BatchSerialNumber`, `Comment`, `ConverterMode` (`Active`, the default:
//! the limits judge measurements without a status; `Import`: statuses as written) and
//! `Subunit<TAB>PartType<TAB>PartNumber<TAB>SerialNumber<TAB>Revision`; any other key becomes
//! a misc info. The footer may set `UUTStatus`, `ErrorCode`, `ErrorMessage`,
//! `ExecutionTime` (the last value wins).
//!
//! Step lines: `SequenceCall` opens a sequence, `EndSequenceCall` closes it (and may set its
//! status, time and text); `NumericLimitTest`, `PassFailTest` (value true/false),
//! `StringValueTest` (the expected text in the LowLimit column), `ActionStep`; `Chart`
//! (`Chart<TAB>type<TAB>label<TAB>YUnit<TAB>YLabel<TAB>XUnit<TAB>XLabel`) and `Series`
//! (`Series<TAB>name<TAB>XYG<TAB>y;y;…<TAB>x;x;…`, at most 10 series of 10,000 points).
//! A test line joins the previous step as another measurement when it is of the same kind and
//! its StepName is empty or the same; a non-empty MeasureName names the measurement.
//! Without an operator the limits choose one (`GELE`, `GE`, `LE` or `LOG`). Statuses:
//! `Passed`, `Failed`, `Done`, `Skipped`, `Error`, `Terminated`. Arguments: `part_number`,
//! `revision` (default `1`), `process_code` (default 10) when the header lacks them.

use chrono::{DateTime, NaiveDateTime, Utc};
use wats_report::builder::{ChartSpec, Group};
use wats_report::rules::Mode;
use wats_report::{CompOp, Report, ReportBuilder, Status, Timestamp};

use crate::util::{numbered_lines, parse_number};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The WSTF converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wstf;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number when the header has no PartNumber",
    },
    Parameter {
        name: "revision",
        description: "revision when the header has none; default 1",
    },
    Parameter {
        name: "process_code",
        description: "operation code when the header has no OperationTypeCode; default 10",
    },
    Parameter {
        name: "time_zone",
        description: "zone of StartDateTime: local (default), UTC, +02:00",
    },
];

const HEADER_START: &str = "--Header-Start--";
const STEPS_START: &str = "--Step-Data-Start--";
const STEPS_END: &str = "--Step-Data-End--";

fn is_uut_end(line: &str) -> bool {
    matches!(line, "--UUT-End--" | "-- UUT-End--")
}

impl Converter for Wstf {
    fn name(&self) -> &str {
        "wstf"
    }
    fn description(&self) -> &str {
        "WATS Standard Text Format (WSTF)"
    }
    fn patterns(&self) -> &[&str] {
        &["*.txt"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(8192);
        match (head.contains(HEADER_START), head.contains(STEPS_START)) {
            (true, true) => 0.98,
            (true, false) => 0.8,
            _ => 0.0,
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let text = source.text();
        let mut reports = Vec::new();
        let mut uut: Option<Uut> = None;
        for (n, raw) in numbered_lines(&text) {
            let line = raw.trim_end_matches([' ', '\r']);
            let marker = line.trim();
            if marker.is_empty() {
                continue;
            }
            if marker == HEADER_START {
                if let Some(open) = &uut {
                    return Err(ConvertError::at_line(
                        n,
                        format!(
                            "a new header before --UUT-End-- of the UUT started on line {}",
                            open.line
                        ),
                    ));
                }
                uut = Some(Uut::new(n));
                continue;
            }
            let u = uut.as_mut().ok_or_else(|| {
                ConvertError::at_line(
                    n,
                    format!("{marker:?} outside a UUT (expected {HEADER_START})"),
                )
            })?;
            if marker == STEPS_START {
                u.part = Part::Steps;
                continue;
            }
            if marker == STEPS_END {
                if u.stack.len() > 1 {
                    return Err(ConvertError::at_line(
                        n,
                        "the step data ends inside an open SequenceCall",
                    ));
                }
                u.part = Part::Footer;
                continue;
            }
            if is_uut_end(marker) {
                let done = uut.take().expect("checked above");
                reports.push(done.build(cx)?);
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            match u.part {
                Part::Header | Part::Footer => u.header(&cols, n)?,
                Part::Steps => u.step(&cols, n)?,
            }
        }
        if let Some(open) = uut {
            return Err(ConvertError::at_line(
                open.line,
                "the UUT started here has no --UUT-End-- (truncated file?)",
            ));
        }
        if reports.is_empty() {
            return Err(ConvertError::new("no UUT in the file"));
        }
        Ok(reports)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Header,
    Steps,
    Footer,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Numeric,
    PassFail,
    Text,
    Action,
    Chart,
}

struct Meas {
    name: Option<String>,
    number: Option<f64>,
    flag: Option<bool>,
    text: Option<String>,
    low: Option<f64>,
    high: Option<f64>,
    limit_text: Option<String>,
    op: Option<CompOp>,
    unit: String,
    status: Option<Status>,
}

struct Series {
    name: String,
    x: Vec<f64>,
    y: Vec<f64>,
}

#[derive(Default)]
struct Common {
    status: Option<Status>,
    time: Option<f64>,
    text: Option<String>,
    error: Option<(i64, String)>,
}

enum Item {
    Seq {
        name: String,
        common: Common,
        children: Vec<Item>,
    },
    Test {
        kind: Kind,
        name: String,
        meas: Vec<Meas>,
        common: Common,
        chart: Option<(Vec<String>, Vec<Series>)>,
    },
}

struct Uut {
    line: usize,
    part: Part,
    header: Vec<(String, String)>,
    sub_units: Vec<[String; 4]>,
    /// Open sequences: (name, common, children); the first is the root.
    stack: Vec<(String, Common, Vec<Item>)>,
}

fn status(text: &str, line: usize) -> Result<Option<Status>, ConvertError> {
    Ok(Some(match text.trim().to_ascii_lowercase().as_str() {
        "" => return Ok(None),
        "passed" | "pass" | "p" => Status::Passed,
        "failed" | "fail" | "f" => Status::Failed,
        "done" | "d" => Status::Done,
        "skipped" | "s" => Status::Skipped,
        "error" | "e" => Status::Error,
        "terminated" | "t" => Status::Terminated,
        other => {
            return Err(ConvertError::at_line(
                line,
                format!(
                    "status {other:?} is not Passed, Failed, Done, Skipped, Error or Terminated"
                ),
            ))
        }
    }))
}

fn number(text: &str, what: &str, line: usize) -> Result<Option<f64>, ConvertError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse_number(&t.replace(',', "."))
        .map(Some)
        .ok_or_else(|| ConvertError::at_line(line, format!("{what}: {t:?} is not a number")))
}

fn numbers(text: &str, what: &str, line: usize) -> Result<Vec<f64>, ConvertError> {
    text.split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| number(t, what, line).map(|v| v.unwrap_or(0.0)))
        .collect()
}

impl Uut {
    fn new(line: usize) -> Uut {
        Uut {
            line,
            part: Part::Header,
            header: Vec::new(),
            sub_units: Vec::new(),
            stack: vec![(String::new(), Common::default(), Vec::new())],
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.header
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn header(&mut self, cols: &[&str], n: usize) -> Result<(), ConvertError> {
        let key = cols[0].trim();
        if key.eq_ignore_ascii_case("Subunit") {
            let c = |i: usize| {
                cols.get(i)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default()
            };
            if c(3).is_empty() {
                return Err(ConvertError::at_line(
                    n,
                    "Subunit needs PartType, PartNumber, SerialNumber, Revision",
                ));
            }
            self.sub_units.push([c(1), c(2), c(3), c(4)]);
            return Ok(());
        }
        let value = cols.get(1).map(|v| v.trim()).unwrap_or("");
        if cols.len() < 2 {
            return Err(ConvertError::at_line(
                n,
                format!("header line {key:?} has no tab-separated value"),
            ));
        }
        self.header.push((key.to_string(), value.to_string()));
        Ok(())
    }

    fn step(&mut self, cols: &[&str], n: usize) -> Result<(), ConvertError> {
        let c = |i: usize| cols.get(i).map(|s| s.trim()).unwrap_or("");
        let step_type = c(0);
        if step_type.eq_ignore_ascii_case("StepType") {
            return Ok(()); // the column header row
        }
        let common = Common {
            status: status(c(8), n)?,
            time: number(c(9), "StepExecutionTime", n)?,
            text: Some(c(10).to_string()).filter(|t| !t.is_empty()),
            error: match number(c(11), "StepErrorCode", n)? {
                Some(code) => Some((code as i64, c(12).to_string())),
                None if !c(12).is_empty() => Some((0, c(12).to_string())),
                None => None,
            },
        };
        let name = c(1).to_string();
        let kind = match step_type {
            "SequenceCall" => {
                if name.is_empty() {
                    return Err(ConvertError::at_line(n, "SequenceCall without a StepName"));
                }
                self.stack.push((name, common, Vec::new()));
                return Ok(());
            }
            "EndSequenceCall" => {
                if self.stack.len() < 2 {
                    return Err(ConvertError::at_line(
                        n,
                        "EndSequenceCall without an open SequenceCall",
                    ));
                }
                let (open, mut seq_common, children) = self.stack.pop().expect("checked");
                if !name.is_empty() && name != open {
                    return Err(ConvertError::at_line(
                        n,
                        format!("EndSequenceCall {name:?} closes the sequence {open:?}"),
                    ));
                }
                seq_common.status = common.status.or(seq_common.status);
                seq_common.time = common.time.or(seq_common.time);
                seq_common.text = common.text.or(seq_common.text);
                seq_common.error = common.error.or(seq_common.error);
                self.children().push(Item::Seq {
                    name: open,
                    common: seq_common,
                    children,
                });
                return Ok(());
            }
            "NumericLimitTest" => Kind::Numeric,
            "PassFailTest" => Kind::PassFail,
            "StringValueTest" => Kind::Text,
            "ActionStep" => Kind::Action,
            "Chart" => {
                let spec: Vec<String> = (1..7).map(|i| c(i).to_string()).collect();
                self.children().push(Item::Test {
                    kind: Kind::Chart,
                    name: if c(2).is_empty() {
                        "Chart".into()
                    } else {
                        c(2).to_string()
                    },
                    meas: Vec::new(),
                    common: Common::default(),
                    chart: Some((spec, Vec::new())),
                });
                return Ok(());
            }
            "Series" => {
                let Some(Item::Test {
                    chart: Some((_, series)),
                    ..
                }) = self.children().last_mut()
                else {
                    return Err(ConvertError::at_line(
                        n,
                        "Series without a Chart line before it",
                    ));
                };
                let y = numbers(c(3), "YData", n)?;
                let x = numbers(c(4), "XData", n)?;
                if !x.is_empty() && x.len() != y.len() {
                    return Err(ConvertError::at_line(
                        n,
                        format!("{} x values for {} y values", x.len(), y.len()),
                    ));
                }
                if series.len() >= 10 {
                    return Err(ConvertError::at_line(n, "more than 10 series in one chart"));
                }
                if y.len() > 10_000 {
                    return Err(ConvertError::at_line(
                        n,
                        format!("{} points; a series holds at most 10,000", y.len()),
                    ));
                }
                series.push(Series {
                    name: c(1).to_string(),
                    x,
                    y,
                });
                return Ok(());
            }
            other => {
                return Err(ConvertError::at_line(
                    n,
                    format!("unknown step type {other:?}"),
                ))
            }
        };
        let meas = Meas {
            name: Some(c(2).to_string()).filter(|m| !m.is_empty()),
            number: if kind == Kind::Numeric {
                number(c(3), "Value", n)?
            } else {
                None
            },
            flag: if kind == Kind::PassFail {
                match c(3).to_ascii_lowercase().as_str() {
                    "true" | "1" | "passed" | "pass" => Some(true),
                    "false" | "0" | "failed" | "fail" => Some(false),
                    "" => None,
                    v => {
                        return Err(ConvertError::at_line(
                            n,
                            format!("Value {v:?} of a PassFailTest is not true or false"),
                        ))
                    }
                }
            } else {
                None
            },
            text: if kind == Kind::Text {
                Some(c(3).to_string())
            } else {
                None
            },
            low: if kind == Kind::Numeric {
                number(c(4), "LowLimit", n)?
            } else {
                None
            },
            high: if kind == Kind::Numeric {
                number(c(5), "HighLimit", n)?
            } else {
                None
            },
            limit_text: if kind == Kind::Text {
                Some(c(4).to_string()).filter(|l| !l.is_empty())
            } else {
                None
            },
            op: match c(6) {
                "" => None,
                op => Some(CompOp::parse(op).ok_or_else(|| {
                    ConvertError::at_line(
                        n,
                        format!("CompOperator {op:?} is not a comparison operator"),
                    )
                })?),
            },
            unit: c(7).to_string(),
            status: common.status,
        };
        if kind == Kind::Numeric && meas.number.is_none() {
            return Err(ConvertError::at_line(
                n,
                "a NumericLimitTest without a Value",
            ));
        }
        // Joins the previous step when of the same kind and the name is empty or the same.
        if let Some(Item::Test {
            kind: k,
            name: prev,
            meas: list,
            common: prev_common,
            ..
        }) = self.children().last_mut()
        {
            if *k == kind
                && kind != Kind::Action
                && (name.is_empty() || name == *prev)
                && meas.name.is_some()
            {
                if let Some(s) = meas.status {
                    prev_common.status = Some(worse(prev_common.status, s));
                }
                list.push(meas);
                return Ok(());
            }
        }
        if name.is_empty() {
            return Err(ConvertError::at_line(
                n,
                "a test line without a StepName starts a new step",
            ));
        }
        self.children().push(Item::Test {
            kind,
            name,
            meas: vec![meas],
            common,
            chart: None,
        });
        Ok(())
    }

    fn children(&mut self) -> &mut Vec<Item> {
        &mut self.stack.last_mut().expect("the root is never popped").2
    }

    fn build(mut self, cx: &Context) -> Result<Report, ConvertError> {
        if self.stack.len() > 1 {
            return Err(ConvertError::at_line(
                self.line,
                "a SequenceCall of this UUT is never ended",
            ));
        }
        let line = self.line;
        let sn = self
            .get("SerialNumber")
            .ok_or_else(|| ConvertError::at_line(line, "the header has no SerialNumber"))?
            .to_string();
        let pn = self
            .get("PartNumber")
            .map(str::to_string)
            .or_else(|| cx.text("part_number"))
            .ok_or_else(|| {
                ConvertError::at_line(
                    line,
                    "the header has no PartNumber (or set the part_number argument)",
                )
            })?;
        let rev = self
            .get("Revision")
            .map(str::to_string)
            .unwrap_or_else(|| cx.text_or("revision", "1"));
        let code = match self.get("OperationTypeCode") {
            Some(t) => Some(t.parse::<i64>().map_err(|_| {
                ConvertError::at_line(line, format!("OperationTypeCode {t:?} is not a number"))
            })?),
            None => None,
        };
        let (station, location, purpose) = cx.station_identity("WSTF");
        let station = self
            .get("StationName")
            .map(str::to_string)
            .unwrap_or(station);
        let import = self
            .get("ConverterMode")
            .is_some_and(|m| m.eq_ignore_ascii_case("Import"));
        let mut b = ReportBuilder::uut(pn, sn, rev, cx.process_code(code, 10)?)
            .station(station, location, purpose)
            .mode(if import { Mode::Import } else { Mode::Active });
        if let Some(name) = self.get("OperationTypeName") {
            b = b.process_name(name);
        }
        if let Some(op) = self.get("OperatorName") {
            b = b.operator(op);
        }
        if let Some(t) = self.get("UTCStartDateTime") {
            let at = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").map_err(|_| {
                ConvertError::at_line(
                    line,
                    format!("UTCStartDateTime {t:?} is not yyyy-MM-ddTHH:mm:ss"),
                )
            })?;
            b = b.start(Timestamp::from(DateTime::<Utc>::from_naive_utc_and_offset(
                at, Utc,
            )));
        } else if let Some(t) = self.get("StartDateTime") {
            let at = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S"))
                .map_err(|_| {
                    ConvertError::at_line(
                        line,
                        format!("StartDateTime {t:?} is not yyyy-MM-ddTHH:mm:ss"),
                    )
                })?;
            b = b.start(cx.timestamp(at)?);
        }
        if let Some(t) = self.get("ExecutionTime") {
            b = b.exec_time(number(t, "ExecutionTime", line)?.unwrap_or(0.0));
        }
        if let Some(t) = self.get("FixtureId") {
            b = b.fixture(t);
        }
        if let Some(t) = self.get("Comment") {
            b = b.comment(t);
        }
        if let Some(s) = self.get("UUTStatus") {
            if let Some(st) = status(s, line)? {
                b = b.result(st);
            }
        }
        const KNOWN: &[&str] = &[
            "SerialNumber",
            "PartNumber",
            "Revision",
            "OperationTypeName",
            "OperationTypeCode",
            "UUTStatus",
            "ErrorCode",
            "ErrorMessage",
            "StartDateTime",
            "UTCStartDateTime",
            "ExecutionTime",
            "StationName",
            "OperatorName",
            "TestSocketIndex",
            "FixtureId",
            "SoftwareName",
            "SoftwareVersion",
            "BatchSerialNumber",
            "Comment",
            "ConverterMode",
        ];
        for (k, v) in &self.header {
            if !KNOWN.iter().any(|known| known.eq_ignore_ascii_case(k)) {
                b.misc_info(k.clone(), v.clone());
            }
        }
        for [part_type, pn, sn, rev] in &self.sub_units {
            b.sub_unit(part_type.clone(), pn.clone(), sn.clone(), rev.clone());
        }
        if let Some(seq) = b.group("").step_mut().seq_call.as_mut() {
            if let Some(name) = self.get("SoftwareName") {
                seq.name = Some(name.to_string());
            }
            seq.version = self.get("SoftwareVersion").map(str::to_string);
        }
        let (_, _, items) = self.stack.pop().expect("the root");
        let mut counter = 0;
        emit(&mut b.group(""), items, &mut counter);
        let mut report = b.build_unchecked();
        if let Some(uut) = report.uut.as_mut() {
            if let Some(t) = self.get("TestSocketIndex") {
                uut.test_socket_index = t.parse().ok();
            }
            if let Some(t) = self.get("BatchSerialNumber") {
                uut.batch_sn = Some(t.to_string());
            }
            if let Some(code) = self.get("ErrorCode").and_then(|c| c.parse().ok()) {
                uut.error_code = Some(code);
            }
            if let Some(msg) = self.get("ErrorMessage") {
                uut.error_message = Some(msg.to_string());
            }
        }
        Ok(report)
    }
}

fn worse(current: Option<Status>, new: Status) -> Status {
    match current {
        Some(c) if c == Status::Failed || new == Status::Passed || new == Status::Done => c,
        _ => new,
    }
}

fn apply(step: &mut wats_report::Step, common: &Common) {
    if let Some(t) = common.time {
        step.tot_time = Some(t);
    }
    if let Some(t) = &common.text {
        step.report_text = Some(t.clone());
    }
    if let Some((code, msg)) = &common.error {
        step.error_code = Some(*code);
        if !msg.is_empty() {
            step.error_message = Some(msg.clone());
        }
    }
}

fn emit(group: &mut Group<'_>, items: Vec<Item>, counter: &mut usize) {
    for item in items {
        match item {
            Item::Seq {
                name,
                common,
                children,
            } => {
                // A unique placeholder, so two sequences of the same name stay apart.
                *counter += 1;
                let mut g = group.group(&format!("\u{1}{counter}"));
                {
                    let s = g.step_mut();
                    s.name = Some(name.clone());
                    if let Some(sc) = s.seq_call.as_mut() {
                        sc.name = Some(name);
                    }
                    if let Some(st) = common.status {
                        s.status = Some(st);
                    }
                    apply(s, &common);
                }
                emit(&mut g, children, counter);
            }
            Item::Test {
                kind,
                name,
                meas,
                common,
                chart,
            } => {
                let first = meas.first();
                let mut sb = match (kind, first) {
                    (Kind::Numeric, Some(m)) => {
                        let (op, low, high) = crate::util::comparison(m.op, m.low, m.high);
                        let mut sb = group
                            .add_step(name, m.number.unwrap_or(0.0))
                            .compare(op, low, high);
                        if !m.unit.is_empty() {
                            sb = sb.unit(m.unit.clone());
                        }
                        sb
                    }
                    (Kind::PassFail, Some(m)) => {
                        let value = if m.status == Some(Status::Failed) {
                            false
                        } else {
                            m.flag.unwrap_or(true)
                        };
                        group.add_step(name, value)
                    }
                    (Kind::Text, Some(m)) => {
                        let mut sb = group.add_step(name, m.text.clone().unwrap_or_default());
                        if let Some(l) = &m.limit_text {
                            sb = match m.op {
                                Some(op) => sb.string_compare(op, l),
                                None => sb.limit(l),
                            };
                        }
                        sb
                    }
                    _ => group.add_step(name, ()),
                };
                if let Some((spec, series)) = &chart {
                    let s = |i: usize| spec.get(i).map(String::as_str).unwrap_or("");
                    let cs = ChartSpec {
                        chart_type: if s(0).is_empty() { "Line" } else { s(0) },
                        label: s(1),
                        x_label: s(5),
                        x_unit: Some(s(4)).filter(|u| !u.is_empty()),
                        y_label: s(3),
                        y_unit: Some(s(2)).filter(|u| !u.is_empty()),
                    };
                    for se in series {
                        sb = sb.chart_series(cs, &se.name, &se.x, &se.y);
                    }
                }
                if let Some(st) = common.status {
                    sb = sb.status(st);
                }
                let step = sb.step_mut();
                apply(step, &common);
                if kind == Kind::Numeric && meas.len() > 1 {
                    // Several named measurements: each with its own limits and status.
                    let list: Vec<_> = meas
                        .iter()
                        .enumerate()
                        .map(|(i, m)| {
                            let (op, low, high) = crate::util::comparison(m.op, m.low, m.high);
                            wats_report::NumericMeasurement {
                                name: Some(m.name.clone().unwrap_or_else(|| i.to_string())),
                                value: m.number,
                                comp_op: Some(op.into()),
                                low_limit: low,
                                high_limit: high,
                                unit: Some(m.unit.clone().into())
                                    .filter(|u: &std::borrow::Cow<'static, str>| !u.is_empty()),
                                status: m.status.map(|s| {
                                    if s == Status::Done {
                                        Status::Passed
                                    } else {
                                        s
                                    }
                                }),
                                ..Default::default()
                            }
                        })
                        .collect();
                    step.numeric_meas = Some(list);
                    step.step_type = Some("ET_MNLT".into());
                }
            }
        }
    }
}

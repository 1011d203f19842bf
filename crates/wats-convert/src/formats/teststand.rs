//! TestStand XML reports: the `<TSReport>` the WATS TestStand add-on writes, and TestStand's
//! own `<Reports><Report Type='UUT'>`.
//!
//! Both are TestStand's property dump: `<Prop Name Type>` elements with `<Value>` leaves. The
//! add-on flavour adds root `<ReportInfo key value>` entries (`ID`, `Start`, `SN`, `PN`,
//! `Rev`, `PCode`), which win over the properties.
//!
//! Header: `UUT.SerialNumber`; `UUT.UUTPartNumber` (else `UUT.PartNumber`, else the
//! `part_number` argument); `UUT.UUTPartRevisionNumber` (else `revision`, default `1.0`);
//! `UUT.UUTOperationType` (else `process_code`, default 10); `UUT.Comment`,
//! `UUT.UUT_Fixture_ID`, `UUT.BatchSerialNumber`, `UUT.TestSocketIndex` (−1: none);
//! `StationInfo.StationID`, `.LoginName` (operator), `.Location`, `.Purpose`. The start is
//! `ReportInfo Start` (with its offset); the plain flavour's `Report/@StartDateTime`-less
//! files start when converted. The report id is `ReportInfo ID` when present.
//!
//! Steps: the result list of `MainSequenceResults.TS.SequenceCall` (or of the first
//! `TEResult`). Each result has `TS.StepName`, `TS.StepType`, `TS.StepGroup`,
//! `TS.TotalTime`, `Status`, `Error.Code`/`Msg`/`Occurred`, `ReportText`, and its data:
//! `TS.SequenceCall.ResultList` → a sequence with its children (`Sequence`,
//! `SequenceFile`, `SequenceFileVersion`); `Numeric` with `Limits.Low`/`High`, `Comp` and
//! `Units` → numeric; `PassFail` → pass/fail; `String` with `Limits.String` and `Comp` →
//! string; `Measurement[]` → a multiple numeric step (each element's `Data`, `Units`,
//! `Limits`, `Comp`, `Status`); anything else → an action step. Statuses are the file's.
//!
//! Batch reports (`<Reports>` from the batch or parallel process model): the
//! `<Report Type='Batch'>` summary is skipped, each socket's `<Report Type='UUT'>` is a report,
//! and a socket's placeholder (serial `NONE`, no step results) is dropped; a file of nothing
//! but a summary or placeholders is refused saying so.

use chrono::DateTime;
use wats_report::builder::Group;
use wats_report::rules::Mode;
use wats_report::{CompOp, Report, ReportBuilder, Status, StepGroup, Timestamp, Uuid};

use crate::util::parse_number;
use crate::util::xml::{self, Element};
use crate::{Confidence, Context, ConvertError, Converter, Parameter, Source};

/// The TestStand XML converter.
#[derive(Clone, Copy, Debug, Default)]
pub struct TestStandXml;

const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "part_number",
        description: "part number when the report has none",
    },
    Parameter {
        name: "revision",
        description: "revision when the report has none; default 1.0",
    },
    Parameter {
        name: "process_code",
        description: "operation code when the report has none; default 10",
    },
];

impl Converter for TestStandXml {
    // Virinco's own converter for this format runs the API in AutoTruncate mode.
    fn auto_truncate(&self) -> bool {
        true
    }
    fn name(&self) -> &str {
        "teststand-xml"
    }
    fn description(&self) -> &str {
        "TestStand XML reports, with or without the WATS add-on"
    }
    fn patterns(&self) -> &[&str] {
        &["*.xml"]
    }
    fn parameters(&self) -> &[Parameter] {
        PARAMETERS
    }

    fn detect(&self, source: &Source<'_>) -> Confidence {
        let head = source.head(8192);
        let props = head.contains("<Prop Name=");
        if head.contains("<TSReport") && (props || head.contains("<ReportInfo")) {
            0.97
        } else if head.contains("<Reports") && head.contains("<Report ") && props {
            0.9
        } else {
            0.0
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        let document = source.text();
        let tree = xml::parse(&document)?;
        let root = tree.root();
        let reports: Vec<Element> = match root.local() {
            "TSReport" | "Report" => vec![root],
            // A batch (parallel or batch process model) writes a `Type='Batch'` summary beside
            // its sockets' `Type='UUT'` reports: the summary names no unit (serial `NONE`) and
            // holds no step results, so only the UUT reports are converted.
            "Reports" => root
                .children_named("Report")
                .filter(|r| {
                    !r.attr("Type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("Batch"))
                })
                .collect(),
            other => {
                return Err(ConvertError::at_line(
                    root.line(),
                    format!("the root element is <{other}>, not <TSReport> or <Reports>"),
                ))
            }
        };
        if reports.is_empty() {
            let batch = root.children_named("Report").next().is_some();
            return Err(ConvertError::at_line(
                root.line(),
                if batch {
                    "<Reports> holds only a batch summary (<Report Type='Batch'>), no UUT report"
                } else {
                    "<Reports> holds no <Report>"
                },
            ));
        }
        // A socket without a unit gets a placeholder report (serial `NONE`, no results):
        // not a test of anything, so not converted; only placeholders is a refusal.
        let total = reports.len();
        let reports: Vec<Report> = reports
            .into_iter()
            .filter(|r| !is_placeholder(*r))
            .map(|r| report(r, cx))
            .collect::<Result<_, _>>()?;
        if reports.is_empty() {
            return Err(ConvertError::at_line(
                root.line(),
                format!(
                    "{total} report(s), each a placeholder (serial NONE, no step results): \
                     TestStand writes one for a test socket without a unit"
                ),
            ));
        }
        Ok(reports)
    }
}

/// A report TestStand writes for a socket that tested nothing: serial `NONE` (or none), no
/// step results.
fn is_placeholder(r: Element) -> bool {
    let sn = prop(r, "UUT").and_then(|u| text(u, "SerialNumber"));
    let results = prop(r, "MainSequenceResults")
        .and_then(|m| at(m, "TS.SequenceCall.ResultList"))
        .is_some_and(|list| {
            list.children_named("Value").any(|v| {
                v.children_named("Prop")
                    .any(|p| p.attr("Type") == Some("TEResult"))
            })
        });
    sn.is_none_or(|sn| sn.eq_ignore_ascii_case("NONE")) && !results
}

/// The child property `name`.
fn prop<'e, 'a>(e: Element<'e, 'a>, name: &str) -> Option<Element<'e, 'a>> {
    e.children_named("Prop")
        .find(|p| p.attr("Name") == Some(name))
}

/// The property at a dotted path (`TS.SequenceCall.ResultList`).
fn at<'e, 'a>(e: Element<'e, 'a>, path: &str) -> Option<Element<'e, 'a>> {
    path.split('.').try_fold(e, prop)
}

/// The text of the property at `path` (trimmed, `None` when empty).
fn text<'a>(e: Element<'a, '_>, path: &str) -> Option<&'a str> {
    at(e, path)?
        .child("Value")
        .map(|v| v.text().trim())
        .filter(|t| !t.is_empty())
}

fn number(e: Element, path: &str) -> Result<Option<f64>, ConvertError> {
    match text(e, path) {
        None => Ok(None),
        Some(t) => parse_number(t).map(Some).ok_or_else(|| {
            ConvertError::at_line(
                at(e, path).map_or(e.line(), |p| p.line()),
                format!("{path}: {t:?} is not a number"),
            )
        }),
    }
}

fn status(text: Option<&str>) -> Status {
    match text.unwrap_or("").trim().to_ascii_lowercase().as_str() {
        "passed" => Status::Passed,
        "failed" => Status::Failed,
        "skipped" => Status::Skipped,
        "error" => Status::Error,
        "terminated" => Status::Terminated,
        _ => Status::Done,
    }
}

fn report(r: Element, cx: &Context) -> Result<Report, ConvertError> {
    let info = |key: &str| {
        r.children_named("ReportInfo")
            .find(|i| i.attr("key") == Some(key))
            .and_then(|i| i.attr("value"))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let uut = prop(r, "UUT")
        .ok_or_else(|| ConvertError::at_line(r.line(), "the report has no UUT property"))?;
    let sn = info("SN")
        .or_else(|| text(uut, "SerialNumber"))
        .ok_or_else(|| ConvertError::at_line(uut.line(), "UUT.SerialNumber is empty"))?;
    let pn = info("PN")
        .or_else(|| text(uut, "UUTPartNumber"))
        .or_else(|| text(uut, "PartNumber"))
        .map(str::to_string)
        .or_else(|| cx.text("part_number"))
        .ok_or_else(|| {
            ConvertError::at_line(
                uut.line(),
                "no part number (UUT.UUTPartNumber / PartNumber, or the part_number argument)",
            )
        })?;
    let rev = info("Rev")
        .or_else(|| text(uut, "UUTPartRevisionNumber"))
        .map(str::to_string)
        .unwrap_or_else(|| cx.text_or("revision", "1.0"));
    let code = match info("PCode")
        .map(str::to_string)
        .or_else(|| text(uut, "UUTOperationType").map(str::to_string))
    {
        Some(t) => Some(parse_number(&t).map(|v| v as i64).ok_or_else(|| {
            ConvertError::at_line(uut.line(), format!("operation type {t:?} is not a number"))
        })?),
        None => None,
    };
    let station_info = prop(r, "StationInfo");
    let (mut station, mut location, mut purpose) = cx.station_identity("TestStand");
    // What the file names beats the station's configuration.
    if let Some(si) = station_info {
        if let Some(s) = text(si, "StationID") {
            station = s.to_string();
        }
        if let Some(l) = text(si, "Location") {
            location = l.to_string();
        }
        if let Some(p) = text(si, "Purpose") {
            purpose = p.to_string();
        }
    }
    let results = prop(r, "MainSequenceResults")
        .or_else(|| {
            r.children_named("Prop")
                .find(|p| p.attr("Type") == Some("TEResult"))
        })
        .ok_or_else(|| ConvertError::at_line(r.line(), "no MainSequenceResults"))?;
    let mut b = ReportBuilder::uut(pn, sn, rev, cx.process_code(code.filter(|c| *c > 0), 10)?)
        .station(station, location, purpose)
        .mode(Mode::Import)
        .result(
            match status(text(results, "Status").or_else(|| r.attr("UUTResult"))) {
                Status::Done | Status::Skipped => Status::Passed,
                s => s,
            },
        );
    if let Some(id) = info("ID").and_then(|i| Uuid::parse_str(i).ok()) {
        b = b.id(id);
    }
    if let Some(op) = station_info.and_then(|s| text(s, "LoginName")) {
        b = b.operator(op);
    }
    if let Some(start) = info("Start") {
        let at = DateTime::parse_from_rfc3339(start).map_err(|_| {
            ConvertError::at_line(
                r.line(),
                format!("ReportInfo Start {start:?} is not an ISO 8601 time"),
            )
        })?;
        b = b.start(Timestamp::new(at));
    }
    if let Some(c) = text(uut, "Comment") {
        b = b.comment(c);
    }
    if let Some(f) = text(uut, "UUT_Fixture_ID") {
        b = b.fixture(f);
    }
    if let Some(t) = number(results, "TS.TotalTime")? {
        b = b.exec_time(t);
    }
    {
        let mut main = b.group("");
        let root = main.step_mut();
        root.status = Some(status(text(results, "Status")));
        if let Some(sc) = root.seq_call.as_mut() {
            if let Some(seq) = text(results, "TS.SequenceCall.Sequence") {
                sc.name = Some(seq.to_string());
            }
            sc.path = text(results, "TS.SequenceCall.SequenceFile").map(str::to_string);
            sc.version = text(results, "TS.SequenceCall.SequenceFileVersion").map(str::to_string);
        }
        if let Some(list) = at(results, "TS.SequenceCall.ResultList") {
            let mut counter = 0;
            result_list(list, &mut main, &mut counter)?;
        }
    }
    let mut report = b.build_unchecked();
    if let Some(u) = report.uut.as_mut() {
        u.batch_sn = text(uut, "BatchSerialNumber").map(str::to_string);
        u.test_socket_index = number(uut, "TestSocketIndex")?
            .filter(|i| *i >= 0.0)
            .map(|i| i as i64);
    }
    Ok(report)
}

fn result_list(
    list: Element,
    group: &mut Group<'_>,
    counter: &mut usize,
) -> Result<(), ConvertError> {
    for value in list.children_named("Value") {
        for result in value
            .children_named("Prop")
            .filter(|p| p.attr("Type") == Some("TEResult"))
        {
            step(result, group, counter)?;
        }
    }
    Ok(())
}

fn apply(s: &mut wats_report::Step, result: Element, st: Status) -> Result<(), ConvertError> {
    s.status = Some(st);
    s.group = match text(result, "TS.StepGroup") {
        Some("Setup") => Some(StepGroup::Setup),
        Some("Cleanup") => Some(StepGroup::Cleanup),
        _ => s.group,
    };
    if let Some(t) = number(result, "TS.TotalTime")? {
        s.tot_time = Some(t);
    }
    if let Some(t) = text(result, "ReportText") {
        s.report_text = Some(t.to_string());
    }
    if text(result, "Error.Occurred").is_some_and(|o| o.eq_ignore_ascii_case("true")) {
        s.error_code = number(result, "Error.Code")?.map(|c| c as i64);
        s.error_message = text(result, "Error.Msg").map(str::to_string);
    }
    if let Some(id) = text(result, "TS.StepId") {
        s.ts_guid = Some(id.to_string());
    }
    Ok(())
}

fn op_of(result: Element, low: Option<f64>, high: Option<f64>) -> Result<CompOp, ConvertError> {
    match text(result, "Comp") {
        Some(c) => CompOp::parse(c).ok_or_else(|| {
            ConvertError::at_line(result.line(), format!("comparison {c:?} is not known"))
        }),
        None => Ok(match (low, high) {
            (Some(_), Some(_)) => CompOp::GELE,
            (Some(_), None) => CompOp::GE,
            (None, Some(_)) => CompOp::LE,
            (None, None) => CompOp::LOG,
        }),
    }
}

fn step(result: Element, group: &mut Group<'_>, counter: &mut usize) -> Result<(), ConvertError> {
    let name = text(result, "TS.StepName").unwrap_or("Step").to_string();
    let st = status(text(result, "Status"));
    if let Some(list) = at(result, "TS.SequenceCall.ResultList") {
        *counter += 1;
        let mut g = group.group(&format!("\u{1}{counter}"));
        {
            let s = g.step_mut();
            s.name = Some(name.clone());
            if let Some(sc) = s.seq_call.as_mut() {
                sc.name = text(result, "TS.SequenceCall.Sequence")
                    .map(str::to_string)
                    .or(Some(name));
                sc.path = text(result, "TS.SequenceCall.SequenceFile").map(str::to_string);
                sc.version =
                    text(result, "TS.SequenceCall.SequenceFileVersion").map(str::to_string);
            }
            apply(s, result, st)?;
        }
        return result_list(list, &mut g, counter);
    }
    let mut sb = if let Some(v) = number(result, "Numeric")? {
        let (low, high) = (
            number(result, "Limits.Low")?,
            number(result, "Limits.High")?,
        );
        let op = op_of(result, low, high)?;
        let (l, h) = match (op, low, high) {
            (CompOp::LE | CompOp::LT, _, Some(h)) => (Some(h), None),
            (_, l, h) => (l, h),
        };
        let mut sb = group.add_step(name, v).compare(op, l, h);
        if let Some(u) = text(result, "Units") {
            sb = sb.unit(u.to_string());
        }
        sb
    } else if let Some(pf) = text(result, "PassFail") {
        group.add_step(name, pf.eq_ignore_ascii_case("true"))
    } else if let Some(s) = at(result, "String").and_then(|p| p.child("Value")) {
        let mut sb = group.add_step(name, s.text().trim().to_string());
        if let Some(limit) = text(result, "Limits.String") {
            let op = text(result, "Comp")
                .and_then(CompOp::parse)
                .unwrap_or(CompOp::CASESENSIT);
            sb = sb.string_compare(op, limit);
        }
        sb
    } else if let Some(measurements) = at(result, "Measurement") {
        let mut sb = group.add_step(name, ());
        for (i, m) in measurements.children_named("Value").enumerate() {
            let Some(obj) = m.children_named("Prop").next() else {
                continue;
            };
            let Some(v) = number(obj, "Data")? else {
                continue;
            };
            let (low, high) = (number(obj, "Limits.Low")?, number(obj, "Limits.High")?);
            let op = op_of(obj, low, high)?;
            let units = text(obj, "Units").map(str::to_string);
            let mst = status(text(obj, "Status"));
            let mname = m
                .attr("ID")
                .map(|id| id.trim_matches(['[', ']']).to_string())
                .unwrap_or_else(|| i.to_string());
            sb = sb.measure(&mname, v, |nm| {
                nm.comp_op = Some(op.into());
                nm.low_limit = low;
                nm.high_limit = high;
                nm.unit = units.map(Into::into);
                nm.status = Some(if mst == Status::Failed {
                    Status::Failed
                } else {
                    Status::Passed
                });
            });
        }
        sb
    } else {
        group.add_step(name, ())
    };
    if st != Status::Done {
        sb = sb.status(st);
    }
    apply(sb.step_mut(), result, st)
}
